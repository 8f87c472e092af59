//! Unit tests of `forge/api.rs`, each a sentence of behaviour.
use super::super::testutil::*;
use super::*;
use std::time::Instant;

#[test]
fn a_server_that_never_answers_times_out_quickly() {
    // The kernel completes the handshake for a listening socket; nobody ever answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let api = format!("http://{}", silent.local_addr().unwrap());
    let forge = Forge::detect(&parse_host("github.com"), &[], &settings(None, Some(&api))).unwrap();
    let started = Instant::now();
    let e = forge
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(&e, ValidationError::Timeout { seconds: 1, .. }),
        "{e:?}"
    );
    assert!(e.is_network());
    assert_eq!(
        e.to_string(),
        format!(
            "{api} did not answer within 1 s; there may be no network, or a proxy may be needed (HTTPS_PROXY)"
        )
    );
    assert_no_token(&e, CLASSIC);
}

#[test]
fn a_closed_port_is_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = format!("http://127.0.0.1:{port}");
    let forge = Forge::detect(&parse_host("github.com"), &[], &settings(None, Some(&api))).unwrap();
    let e = forge
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap_err();
    assert!(matches!(&e, ValidationError::Unreachable { .. }), "{e:?}");
    assert!(e.is_network());
    assert!(
        e.to_string()
            .starts_with(&format!("could not reach {api} (")),
        "{e}"
    );
    assert!(e.to_string().to_lowercase().contains("refused"), "{e}");
    assert_no_token(&e, CLASSIC);
}

#[test]
fn a_plain_http_api_off_this_machine_is_refused_without_a_request() {
    for api in [
        "http://192.0.2.1:9/api/v3",
        "http://127.0.0.1.example.com",
        "http://localhost.example",
    ] {
        let forge =
            Forge::detect(&parse_host("github.com"), &[], &settings(None, Some(api))).unwrap();
        let started = Instant::now();
        let e = forge
            .validate_within(&secret(CLASSIC), Duration::from_secs(30), NOW)
            .unwrap_err();
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{api}: a request was attempted"
        );
        assert!(
            matches!(&e, ValidationError::InsecureApi { .. }),
            "{api}: {e:?}"
        );
        assert!(!e.is_network());
        assert_no_token(&e, CLASSIC);
    }
    let forge = Forge::detect(
        &parse_host("github.com"),
        &[],
        &settings(None, Some("not a url")),
    )
    .unwrap();
    assert!(matches!(
        forge.validate_within(&secret(CLASSIC), SECOND, NOW),
        Err(ValidationError::BadApiUrl { .. })
    ));
    let forge = Forge::detect(
        &parse_host("github.com"),
        &[],
        &settings(None, Some("ftp://127.0.0.1/")),
    )
    .unwrap();
    assert!(matches!(
        forge.validate_within(&secret(CLASSIC), SECOND, NOW),
        Err(ValidationError::BadApiUrl { .. })
    ));
    for ok in [
        "http://127.0.0.1:1",
        "http://127.1.2.3",
        "http://[::1]:8080",
        "http://LOCALHOST:3000",
        "https://example.com",
    ] {
        assert!(
            is_loopback(&Url::parse(ok).unwrap()) || ok.starts_with("https"),
            "{ok}"
        );
    }
}

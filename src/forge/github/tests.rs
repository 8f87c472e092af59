//! Unit tests of `forge/github.rs`, each a sentence of behaviour.
use super::super::testutil::*;
use super::super::{Forge, TokenKind};
use super::*;

#[test]
fn a_classic_token_reports_login_scopes_and_expiry() {
    let mut server = mockito::Server::new();
    let mock = github_user(&mut server, CLASSIC)
        .with_header("x-oauth-scopes", "repo, read:org")
        .with_header(
            "github-authentication-token-expiration",
            "2026-12-31 23:59:59 UTC",
        )
        .with_body(r#"{"login":"alice","id":1}"#)
        .create();
    let forge = mocked("github", &server);
    let info = forge
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap();
    mock.assert();
    assert_eq!(
        info,
        TokenInfo {
            login: "alice".into(),
            scopes: Some(vec!["repo".into(), "read:org".into()]),
            expires_at: Some(1_798_761_599),
            ignored_expiry: None,
            kind: TokenKind::ClassicPat,
        }
    );
    assert!(forge.missing_scopes(&info).is_empty());
}

#[test]
fn an_expiry_with_a_numeric_offset_is_converted_to_utc() {
    let mut server = mockito::Server::new();
    github_user(&mut server, CLASSIC)
        .with_header("x-oauth-scopes", "repo")
        .with_header(
            "github-authentication-token-expiration",
            "2027-03-31 00:00:00 +0900",
        )
        .with_body(r#"{"login":"alice"}"#)
        .create();
    let info = mocked("github", &server)
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap();
    // 2027-03-30 15:00:00 UTC.
    assert_eq!(info.expires_at, Some(1_806_418_800));
}

#[test]
fn a_token_without_an_expiry_header_never_expires() {
    let mut server = mockito::Server::new();
    github_user(&mut server, CLASSIC)
        .with_header("x-oauth-scopes", "repo, workflow")
        .with_body(r#"{"login":"alice"}"#)
        .create();
    let info = mocked("github", &server)
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap();
    assert_eq!(info.expires_at, None);
    assert_eq!(info.scopes, Some(vec!["repo".into(), "workflow".into()]));
}

#[test]
fn a_fine_grained_token_has_no_scopes_and_lacks_none() {
    let mut server = mockito::Server::new();
    github_user(&mut server, FINE)
        .with_header(
            "github-authentication-token-expiration",
            "2026-12-31 23:59:59 UTC",
        )
        .with_body(r#"{"login":"alice"}"#)
        .create();
    let forge = mocked("github", &server);
    let info = forge.validate_within(&secret(FINE), SECOND, NOW).unwrap();
    assert_eq!(
        (info.scopes.clone(), info.kind),
        (None, TokenKind::FineGrainedPat)
    );
    assert!(forge.missing_scopes(&info).is_empty());

    // Even when the header is there but empty, a fine-grained token is not short of `repo`.
    let mut server = mockito::Server::new();
    github_user(&mut server, FINE)
        .with_header("x-oauth-scopes", "")
        .with_body(r#"{"login":"alice"}"#)
        .create();
    let forge = mocked("github", &server);
    let info = forge.validate_within(&secret(FINE), SECOND, NOW).unwrap();
    assert_eq!(info.scopes, None);
    assert!(forge.missing_scopes(&info).is_empty());
}

#[test]
fn a_classic_token_without_repo_is_reported_short_of_it() {
    let mut server = mockito::Server::new();
    github_user(&mut server, CLASSIC)
        .with_header("x-oauth-scopes", "read:org, gist")
        .with_body(r#"{"login":"alice"}"#)
        .create();
    let forge = mocked("github", &server);
    let info = forge
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap();
    assert_eq!(forge.missing_scopes(&info), ["repo"]);

    let mut server = mockito::Server::new();
    github_user(&mut server, CLASSIC)
        .with_header("x-oauth-scopes", "")
        .with_body(r#"{"login":"alice"}"#)
        .create();
    let info = mocked("github", &server)
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap();
    assert_eq!(info.scopes, Some(vec![]));
    assert_eq!(forge.missing_scopes(&info), ["repo"]);
}

#[test]
fn broader_scopes_stand_in_for_narrower_ones() {
    let info = |scopes: &[&str], kind| TokenInfo {
        login: "a".into(),
        scopes: Some(scopes.iter().map(|s| (*s).to_owned()).collect()),
        expires_at: None,
        ignored_expiry: None,
        kind,
    };
    let gitlab = detect("gitlab.com").unwrap();
    assert!(
        gitlab
            .missing_scopes(&info(&["api"], TokenKind::GitLabPat))
            .is_empty()
    );
    assert!(
        gitlab
            .missing_scopes(&info(&["write_repository"], TokenKind::GitLabPat))
            .is_empty()
    );
    assert_eq!(
        gitlab.missing_scopes(&info(&["read_api"], TokenKind::GitLabPat)),
        ["write_repository"]
    );
    assert_eq!(
        gitlab.missing_scopes(&info(&["read_user"], TokenKind::GitLabPat)),
        ["read_repository", "write_repository"]
    );
    let mut s = settings(None, None);
    s.scopes = Some(vec!["public_repo".into(), "read:org".into()]);
    let gh = Forge::detect(&parse_host("github.com"), &[], &s).unwrap();
    assert!(
        gh.missing_scopes(&info(&["repo", "admin:org"], TokenKind::ClassicPat))
            .is_empty()
    );
    assert_eq!(
        gh.missing_scopes(&info(&["repo"], TokenKind::ClassicPat)),
        ["read:org"]
    );
    let unreported = TokenInfo {
        scopes: None,
        ..info(&[], TokenKind::Legacy)
    };
    assert!(
        detect("github.com")
            .unwrap()
            .missing_scopes(&unreported)
            .is_empty()
    );
}

#[test]
fn a_rejected_token_gets_the_401_sentence_with_the_token_page() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/user")
        .with_status(401)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_body(BAD_CREDENTIALS)
        .create();
    let forge = mocked("github", &server);
    let e = forge
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap_err();
    // A stored token that used to work is not asked about copying.
    assert_eq!(
        e.to_string(),
        "GitHub Enterprise Server did not accept this token (401 Bad credentials): it may have \
         expired or been revoked; create a new one at \
         https://git.example.com/settings/tokens/new?scopes=repo,workflow&description=git-credential-pat"
    );
    assert!(!e.is_network());
    let e = e.pasted();
    assert_eq!(
        e.to_string(),
        "GitHub Enterprise Server did not accept this token (401 Bad credentials). Was all of it copied? \
         It may also have expired or been revoked; if so, create a new one at \
         https://git.example.com/settings/tokens/new?scopes=repo,workflow&description=git-credential-pat"
    );
    assert_no_token(&e, CLASSIC);
}

#[test]
fn sso_enforcement_sends_the_person_to_the_authorization_url() {
    let mut server = mockito::Server::new();
    let url = "https://github.com/orgs/workshop/sso?authorization_request=A1B2C3";
    server
        .mock("GET", "/user")
        .with_status(403)
        .with_header("x-github-sso", &format!("required; url={url}"))
        .with_body(r#"{"message":"Resource protected by organization SAML enforcement."}"#)
        .create();
    let e = mocked("github", &server)
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap_err();
    match &e {
        ValidationError::SsoRequired { url: Some(u), .. } => assert_eq!(u, url),
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string()
            .contains(&format!("open {url} to authorize it")),
        "{e}"
    );
    assert_no_token(&e, CLASSIC);
}

#[test]
fn another_403_passes_on_the_apis_message() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/user")
        .with_status(403)
        .with_body(
            r#"{"message":"Maximum number of login attempts exceeded. Please try again later."}"#,
        )
        .create();
    let e = mocked("github", &server)
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "GitHub Enterprise Server refused this token (HTTP 403: Maximum number of login attempts exceeded. \
         Please try again later.); check the token's scopes or permissions, or wait a while if many tokens were tried"
    );
}

#[test]
fn server_errors_and_bodies_that_are_not_json_are_unexpected() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/user")
        .with_status(502)
        .with_body("<html>Bad gateway</html>")
        .create();
    let e = mocked("github", &server)
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap_err();
    assert!(
        matches!(e, ValidationError::Unexpected { status: 502, .. }),
        "{e:?}"
    );
    assert!(!e.is_network());

    let mut server = mockito::Server::new();
    github_user(&mut server, CLASSIC)
        .with_body("<html>sign in</html>")
        .create();
    let e = mocked("github", &server)
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap_err();
    assert!(
        matches!(e, ValidationError::Unexpected { status: 200, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("was not the JSON expected"), "{e}");

    let mut server = mockito::Server::new();
    server
        .mock("GET", "/user")
        .with_status(404)
        .with_body(r#"{"message":"Not Found"}"#)
        .create();
    let e = mocked("github", &server)
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap_err();
    assert!(e.to_string().contains("HTTP 404"), "{e}");
    assert!(e.to_string().contains("the API's address"), "{e}");
}

#[test]
fn expiry_headers_parse_in_both_observed_formats_and_nothing_else() {
    assert_eq!(
        parse_github_expiry("2024-06-01 00:00:00 UTC"),
        Some(1_717_200_000)
    );
    assert_eq!(
        parse_github_expiry("2027-03-31 00:00:00 +0900"),
        Some(1_806_418_800)
    );
    assert_eq!(
        parse_github_expiry("2027-03-31 00:00:00 -07:00"),
        Some(1_806_476_400)
    );
    assert_eq!(parse_github_expiry("tomorrow"), None);
    assert_eq!(parse_github_expiry(""), None);
}

#[test]
fn a_used_up_rate_limit_says_when_it_resets_for_403_and_429() {
    let mut server = mockito::Server::new();
    // 2026-11-21 14:05:00 UTC.
    server
        .mock("GET", "/user")
        .with_status(403)
        .with_header("x-ratelimit-remaining", "0")
        .with_header("x-ratelimit-reset", "1795269900")
        .with_body(r#"{"message":"API rate limit exceeded for user ID 1."}"#)
        .create();
    let e = mocked("github", &server)
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap_err();
    assert!(
        matches!(
            e,
            ValidationError::RateLimited {
                reset_utc: Some(1_795_269_900),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "GitHub Enterprise Server's API rate limit is used up for now; it resets at 14:05 UTC, so try again after that"
    );
    assert_no_token(&e, CLASSIC);

    let mut server = mockito::Server::new();
    server
        .mock("GET", "/user")
        .with_status(429)
        .with_body("{}")
        .create();
    let e = Forge::detect(
        &parse_host("github.com"),
        &[],
        &settings(None, Some(&server.url())),
    )
    .unwrap()
    .validate_within(&secret(CLASSIC), SECOND, NOW)
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "GitHub's API rate limit is used up for now; wait a few minutes and try again"
    );
}

#[test]
fn a_server_that_echoes_the_token_does_not_put_it_in_an_error() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/user")
        .with_status(403)
        .with_body(format!(r#"{{"message":"token {CLASSIC} is blocked"}}"#))
        .create();
    let e = mocked("github", &server)
        .validate_within(&secret(CLASSIC), SECOND, NOW)
        .unwrap_err();
    assert!(e.to_string().contains("token [token] is blocked"), "{e}");
    assert_no_token(&e, CLASSIC);
}

/// go-github#3708: `GitHub-Authentication-Token-Expiration` equal to the current time on a
/// `200` to `GET /user` for a fine-grained token that works.
#[test]
fn an_expiry_at_or_before_now_on_a_good_answer_is_unknown_not_expired() {
    let now = time::OffsetDateTime::now_utc();
    let header = now
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
        ))
        .unwrap();
    let mut server = mockito::Server::new();
    github_user(&mut server, FINE)
        .with_header("github-authentication-token-expiration", &header)
        .with_body(r#"{"login":"alice"}"#)
        .create();
    let info = mocked("github", &server)
        .validate_within(
            &secret(FINE),
            SECOND,
            u64::try_from(now.unix_timestamp()).unwrap(),
        )
        .unwrap();
    assert_eq!(info.expires_at, None);
    assert_eq!(
        info.ignored_expiry,
        Some(u64::try_from(now.unix_timestamp()).unwrap())
    );
    assert_eq!(info.login, "alice");
}

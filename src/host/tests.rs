//! Unit tests of `src/host.rs`, each a sentence of behaviour.
use super::*;

#[test]
fn names_are_lowercased_and_a_trailing_dot_matches_the_same_host() {
    let a = Host::parse("GitHub.COM.").unwrap();
    assert_eq!(a.to_string(), "github.com");
    assert_eq!(a, Host::parse("github.com").unwrap());
    assert!(a.trailing_dot);
    assert_eq!(
        Host::parse("github.com.:8443").unwrap().to_string(),
        "github.com:8443"
    );
}

#[test]
fn ipv4_ipv6_and_ports_are_read() {
    assert_eq!(Host::parse("[::1]:8080").unwrap().to_string(), "[::1]:8080");
    assert_eq!(Host::parse("[::1]").unwrap().to_string(), "[::1]");
    assert_eq!(Host::parse("127.0.0.1:9").unwrap().port(), Some(9));
    assert_eq!(Host::parse("[0:0::1]").unwrap().to_string(), "[::1]");
}

#[test]
fn anything_outside_the_grammar_is_refused() {
    for bad in [
        "",
        "evil.example\\.ghe.com",
        "evil.example/.ghe.com",
        "evil?.ghe.com",
        "evil#.ghe.com",
        "user@github.com",
        "a|b.com",
        "a b.com",
        "a\tb.com",
        "a\u{1b}[31m.com",
        "github.com\n",
        "-lead.com",
        "trail-.com",
        "a..b",
        ".",
        "github.com:",
        "github.com:0",
        "github.com:65536",
        "github.com:80:80",
        "github.com:8x",
        "[::1",
        "[::1]x",
        "[nothex]",
        "1.2.3",
        "1.2.3.999",
        "under_score.com",
        "\u{e9}xample.com",
    ] {
        assert!(Host::parse(bad).is_err(), "{bad:?}");
    }
    let long = format!("{}.com", "a".repeat(64));
    assert_eq!(Host::parse(&long), Err(HostError::BadLabel));
}

#[test]
fn loopback_is_localhost_127_8_and_ipv6_one_but_never_a_trailing_dot_name() {
    for h in [
        "localhost",
        "127.0.0.1",
        "127.1.2.3:99",
        "[::1]",
        "[::1]:8080",
    ] {
        assert!(Host::parse(h).unwrap().is_loopback(), "{h}");
    }
    for h in [
        "github.com",
        "localhost.evil.tld",
        "128.0.0.1",
        "[::2]",
        "localhost.",
        "localhost.:3000",
    ] {
        assert!(!Host::parse(h).unwrap().is_loopback(), "{h}");
    }
}

#[test]
fn is_within_compares_whole_labels() {
    let h = |s| Host::parse(s).unwrap();
    assert!(h("octo.ghe.com").is_within("ghe.com"));
    assert!(h("ghe.com").is_within("ghe.com"));
    assert!(!h("evilghe.com").is_within("ghe.com"));
    assert!(!h("127.0.0.1").is_within("0.1"));
}

#[test]
fn origins_check_the_protocol_and_who_may_carry_tokens() {
    assert!(
        Origin::parse("https", "github.com")
            .unwrap()
            .may_carry_tokens()
    );
    assert!(
        Origin::parse("http", "127.0.0.1:8080")
            .unwrap()
            .may_carry_tokens()
    );
    assert!(
        !Origin::parse("http", "github.com")
            .unwrap()
            .may_carry_tokens()
    );
    assert!(
        !Origin::parse("http", "localhost.")
            .unwrap()
            .may_carry_tokens()
    );
    assert!(Origin::parse("", "github.com").is_err());
    assert!(Origin::parse("ht tp", "github.com").is_err());
    assert_eq!(
        Origin::parse("HTTPS", "GitHub.com").unwrap().to_string(),
        "https://github.com"
    );
}

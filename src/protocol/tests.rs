//! The reader's and writer's rules, each as a sentence of behaviour.

use super::*;

fn parse(s: &str) -> Result<Credential, ProtocolError> {
    read(&mut s.as_bytes())
}

fn written(c: &Credential) -> String {
    let mut out = Vec::new();
    write(c, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn reads_every_attribute_git_sends_and_ends_at_eof_without_a_blank_line() {
    let c = parse(
        "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=github.com:8443\n\
         path=o/r.git\nusername=alice\npassword=ghp_x\noauth_refresh_token=r\n\
         password_expiry_utc=1900000000\nwwwauth[]=Basic realm=\"git\"\nstate[]=pat:1\n\
         authtype=basic\nephemeral=1\ncontinue=yes\nquit=off",
    )
    .unwrap();
    assert_eq!(c.protocol.as_deref(), Some("https"));
    assert_eq!(c.host.as_deref(), Some("github.com:8443"));
    assert_eq!(c.path.as_deref(), Some("o/r.git"));
    assert_eq!(c.username.as_deref(), Some("alice"));
    assert_eq!(c.password.as_ref().unwrap().expose_secret(), "ghp_x");
    assert_eq!(c.oauth_refresh_token.as_ref().unwrap().expose_secret(), "r");
    assert_eq!(c.password_expiry_utc, Some(1_900_000_000));
    assert_eq!(c.capability, ["authtype", "state"]);
    assert_eq!(c.wwwauth, ["Basic realm=\"git\""]);
    assert_eq!(c.state, ["pat:1"]);
    assert_eq!(c.authtype.as_deref(), Some("basic"));
    assert!(c.ephemeral && c.continue_ && !c.quit);
}

#[test]
fn stops_at_the_first_blank_line() {
    let c = parse("protocol=https\n\nhost=evil.example\n").unwrap();
    assert_eq!(c.host, None);
}

#[test]
fn tolerates_crlf_line_ends_but_refuses_any_other_carriage_return() {
    let c = parse("protocol=https\r\nhost=github.com\r\n").unwrap();
    assert_eq!(c.host.as_deref(), Some("github.com"));
    let e = parse("protocol=https\nhost=github.com\rhost=evil.example\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "the value of 'host' contains a carriage return"
    );
}

#[test]
fn refuses_nul_and_unicode_line_separators() {
    assert!(matches!(
        parse("host=a\0b\n"),
        Err(ProtocolError::ForbiddenCharacter { .. })
    ));
    assert!(matches!(
        parse("host=a\u{2028}host=b\n"),
        Err(ProtocolError::ForbiddenCharacter { .. })
    ));
    assert!(matches!(
        parse("username=a\u{2029}\n"),
        Err(ProtocolError::ForbiddenCharacter { .. })
    ));
}

#[test]
fn refuses_a_repeated_single_valued_key() {
    let e = parse("protocol=https\nhost=github.com\nhost=evil.example\n").unwrap_err();
    assert_eq!(e.to_string(), "'host' is given more than once");
}

#[test]
fn ignores_unknown_keys() {
    let c = parse("protocol=https\nfuture=1\nhost=h\n").unwrap();
    assert_eq!(c.host.as_deref(), Some("h"));
}

#[test]
fn refuses_a_line_without_an_equals_sign() {
    assert_eq!(
        parse("protocol=https\nhost\n").unwrap_err(),
        ProtocolError::NotKeyValue { line: 2 }
    );
}

#[test]
fn an_empty_array_value_resets_the_array() {
    let c = parse("wwwauth[]=a\nwwwauth[]=b\nwwwauth[]=\nwwwauth[]=c\n").unwrap();
    assert_eq!(c.wwwauth, ["c"]);
}

#[test]
fn refuses_a_line_over_65535_bytes_and_accepts_one_at_the_limit() {
    let ok = format!("host={}\n", "a".repeat(MAX_LINE_BYTES - 6));
    assert_eq!(ok.len(), MAX_LINE_BYTES);
    assert!(parse(&ok).is_ok());
    let long = format!("host={}\n", "a".repeat(MAX_LINE_BYTES - 5));
    assert_eq!(
        parse(&long).unwrap_err(),
        ProtocolError::LineTooLong { line: 1 }
    );
    let no_newline = format!("host={}", "a".repeat(MAX_LINE_BYTES));
    assert!(parse(&no_newline).is_err());
    // Exactly 65,535 bytes with no newline at the end of input: over the limit too, since
    // git counts the newline.
    let exact = format!("host={}", "a".repeat(MAX_LINE_BYTES - 5));
    assert_eq!(exact.len(), MAX_LINE_BYTES);
    assert_eq!(
        parse(&exact).unwrap_err(),
        ProtocolError::LineTooLong { line: 1 }
    );
    let under = format!("host={}", "a".repeat(MAX_LINE_BYTES - 6));
    assert!(parse(&under).is_ok());
}

#[test]
fn stops_reading_input_over_one_mebibyte() {
    let line = format!("x={}\n", "a".repeat(1000));
    let many = line.as_bytes().repeat(2000);
    assert_eq!(
        read(&mut many.as_slice()).unwrap_err(),
        ProtocolError::InputTooLong
    );
    let mut endless = std::io::BufReader::new(std::io::repeat(b'x'));
    assert_eq!(
        read(&mut endless).unwrap_err(),
        ProtocolError::LineTooLong { line: 1 }
    );
}

#[test]
fn refuses_a_boolean_git_would_die_on() {
    assert_eq!(
        parse("quit=maybe\n").unwrap_err().to_string(),
        "'quit' is not a boolean"
    );
    assert!(parse("quit=2\n").unwrap().quit);
    assert!(!parse("ephemeral=\n").unwrap().ephemeral);
}

#[test]
fn treats_a_zero_or_non_numeric_expiry_as_none_like_git() {
    assert_eq!(
        parse("password_expiry_utc=0\n")
            .unwrap()
            .password_expiry_utc,
        None
    );
    assert_eq!(
        parse("password_expiry_utc=soon\n")
            .unwrap()
            .password_expiry_utc,
        None
    );
}

#[test]
fn url_sets_its_parts_and_clears_what_came_before() {
    let c = parse("username=old\nurl=https://bob:pw%40x@GitHub.com:8443/o/r.git\n").unwrap();
    assert_eq!(c.protocol.as_deref(), Some("https"));
    assert_eq!(c.host.as_deref(), Some("GitHub.com:8443"));
    assert_eq!(c.username.as_deref(), Some("bob"));
    assert_eq!(c.password.as_ref().unwrap().expose_secret(), "pw@x");
    assert_eq!(c.path.as_deref(), Some("o/r.git"));
}

#[test]
fn url_followed_by_a_username_it_lacked_is_accepted_but_not_one_it_had() {
    let c = parse("url=https://github.com\nusername=bob\n").unwrap();
    assert_eq!(c.username.as_deref(), Some("bob"));
    assert!(parse("url=https://a@github.com\nusername=bob\n").is_err());
}

#[test]
fn url_splits_like_gits_own_parser() {
    let host = |url: &str| parse(&format!("url={url}\n")).unwrap().host.unwrap();
    assert_eq!(host("https://evil.example?@github.com/"), "evil.example");
    assert_eq!(host("https://evil.example#@github.com/"), "evil.example");
    assert_eq!(host("https://u@evil@github.com/"), "evil@github.com");
    let c = parse("url=https://u:p:q@h/a/b//\n").unwrap();
    assert_eq!(c.username.as_deref(), Some("u"));
    assert_eq!(c.password.unwrap().expose_secret(), "p:q");
    assert_eq!(c.path.as_deref(), Some("a/b"));
}

#[test]
fn a_url_path_is_trimmed_of_slashes_as_git_trims_it() {
    let path = |url: &str| parse(&format!("url={url}\n")).unwrap().path;
    assert_eq!(path("https://h//o/r.git/").as_deref(), Some("o/r.git"));
    assert_eq!(path("https://h?x=1").as_deref(), Some("?x=1"));
    assert_eq!(path("https://h/%2F").as_deref(), Some("/"));
    assert_eq!(path("https://h///"), None);
}

#[test]
fn a_partial_url_has_only_the_parts_it_names() {
    let p = parse_partial_url("github.com").unwrap();
    assert_eq!((p.protocol, p.host.as_deref()), (None, Some("github.com")));
    let p = parse_partial_url("https://").unwrap();
    assert_eq!((p.protocol.as_deref(), p.host), (Some("https"), None));
    let p = parse_partial_url("https://alice@*.example.com/").unwrap();
    assert_eq!(p.host.as_deref(), Some("*.example.com"));
    assert_eq!(p.username.as_deref(), Some("alice"));
    assert!(parse_partial_url("h%0a").is_err());
}

#[test]
fn a_split_url_keeps_its_parts_undecoded() {
    let u = split_url("https://u:p%0a@h%2f/a");
    assert_eq!(u.scheme, Some("https"));
    assert_eq!((u.username, u.password), (Some("u"), Some("p%0a")));
    assert_eq!((u.host, u.rest), ("h%2f", "/a"));
    let u = split_url("h:8443?@x");
    assert_eq!(
        (u.scheme, u.username, u.host, u.rest),
        (None, None, "h:8443", "?@x")
    );
}

#[test]
fn raw_bytes_in_wwwauth_state_and_unknown_keys_do_not_refuse_the_request() {
    let mut input =
        b"protocol=https\nhost=github.com\nwwwauth[]=Basic realm=\"Gitea \xe9 \xe2\x80\xa8\"\n"
            .to_vec();
    input.extend_from_slice(b"state[]=x\xff\nfuture\xff=\r\x00\n");
    let c = read(&mut input.as_slice()).unwrap();
    assert_eq!(c.host.as_deref(), Some("github.com"));
    assert_eq!(c.wwwauth.len(), 1);
    assert!(c.wwwauth[0].starts_with("Basic realm=\"Gitea "));
    assert_eq!(c.state.len(), 1);
}

#[test]
fn url_with_an_encoded_newline_is_refused() {
    let e = parse("url=https://github.com%0ahost=evil.example/\n").unwrap_err();
    assert!(matches!(e, ProtocolError::BadUrl { .. }));
    assert!(!e.to_string().contains("evil"));
}

#[test]
fn url_without_a_scheme_is_refused() {
    assert!(matches!(
        parse("url=github.com/o/r\n"),
        Err(ProtocolError::BadUrl { .. })
    ));
}

#[test]
fn url_with_an_empty_host_gives_an_empty_host_not_a_wildcard() {
    let c = parse("url=https:///o/r\n").unwrap();
    assert_eq!(c.host.as_deref(), Some(""));
}

#[test]
fn error_messages_never_contain_the_value() {
    let e = parse("password=ghp_SECRET\rx\n").unwrap_err();
    assert!(!e.to_string().contains("SECRET"));
    let e = parse("url=https://u:ghp_SECRET@h/%0a\n").unwrap_err();
    assert!(!e.to_string().contains("SECRET"));
}

#[test]
fn writes_in_gits_order_and_round_trips_empty_values() {
    let c = Credential {
        protocol: Some("https".into()),
        host: Some("h".into()),
        username: Some(String::new()),
        password: Some(SecretString::from("")),
        password_expiry_utc: Some(5),
        oauth_refresh_token: Some(SecretString::from("r")),
        ..Default::default()
    };
    let text = written(&c);
    assert_eq!(
        text,
        "protocol=https\nhost=h\nusername=\npassword=\noauth_refresh_token=r\npassword_expiry_utc=5\n"
    );
    let back = parse(&text).unwrap();
    assert_eq!(back.username.as_deref(), Some(""));
    assert_eq!(back.password.unwrap().expose_secret(), "");
}

#[test]
fn refuses_to_write_a_value_with_a_line_break() {
    let c = Credential {
        username: Some("a\nhost=evil".into()),
        ..Default::default()
    };
    let mut out = Vec::new();
    assert!(write(&c, &mut out).is_err());
    assert!(out.is_empty());
}

#[test]
fn debug_output_does_not_show_secrets() {
    let c = parse("password=ghp_SECRET\noauth_refresh_token=ghr_SECRET\n").unwrap();
    assert!(!format!("{c:?}").contains("SECRET"));
}

#[test]
fn explicit_attributes_equal_to_urls_parts_are_not_a_repeat_but_conflicting_ones_are() {
    // gitoxide (gix-credentials) writes url= and then the same protocol= and host=.
    let c =
        parse("url=https://github.com/org/repo.git\nprotocol=https\nhost=github.com\n").unwrap();
    assert_eq!(c.host.as_deref(), Some("github.com"));
    assert_eq!(c.path.as_deref(), Some("org/repo.git"));
    assert_eq!(
        parse("url=https://github.com/\nhost=evil.example\n").err(),
        Some(ProtocolError::Repeated { key: "host".into() })
    );
    assert_eq!(
        parse("url=https://github.com/\nhost=github.com\nhost=github.com\n").err(),
        Some(ProtocolError::Repeated { key: "host".into() })
    );
    assert_eq!(
        parse("url=https://a@github.com/\nusername=b\n").err(),
        Some(ProtocolError::Repeated {
            key: "username".into()
        })
    );
}

#[test]
fn write_refuses_what_read_refuses() {
    for bad in ["a\u{2028}b", "a\u{2029}b", "a\rb", "a\0b", "a\nb"] {
        let c = Credential {
            username: Some(bad.to_owned()),
            ..Credential::default()
        };
        let mut out = Vec::new();
        assert!(write(&c, &mut out).is_err(), "{bad:?}");
        assert!(out.is_empty());
    }
}

//! Unit tests of `src/vault/entry.rs`, each a sentence of behaviour.
use super::*;

fn acct(user: &str, path: Option<&str>) -> Account {
    Account::on_github(user, path)
}

#[test]
fn account_names_round_trip_even_with_separators_in_the_username() {
    for a in [
        acct("alice", None),
        acct("", None),
        acct("a@b:c/d%e", Some("o/r.git")),
        acct("x", Some("")),
        acct("o;\u{1b}]8;;x", Some("a;b")),
    ] {
        assert_eq!(Account::parse(&a.key()), Some(a.clone()), "{}", a.key());
        // The kernel keyring's description of a key ends each field at a `;`.
        assert!(!a.key().contains(';'), "{}", a.key());
    }
    assert_eq!(acct("a@b", None).key(), "https://a%40b@github.com");
}

#[test]
fn account_keys_keep_the_format_existing_entries_are_stored_under() {
    let mut a = acct("a@b:c/d%e", Some("o/r.git"));
    a.host = crate::host::Host::parse("github.com:8443").unwrap();
    assert_eq!(a.key(), "https://a%40b%3Ac%2Fd%25e@github.com:8443/o/r.git");
    let mut b = acct("tab\there\u{85}\u{fc}", Some("a b%/\u{7f}\u{f6}"));
    b.host = crate::host::Host::parse("[::1]:8080").unwrap();
    assert_eq!(
        b.key(),
        "https://tab%09here%C2%85\u{fc}@[::1]:8080/a b%25/%7F\u{f6}"
    );
    assert_eq!(acct("x", Some("")).key(), "https://x@github.com/");
    assert_eq!(
        Account::parse("https://%41%e9@github.com"),
        None,
        "not UTF-8"
    );
    assert_eq!(Account::parse("https://a%4@github.com"), None);
    assert_eq!(Account::parse("https://a%zz@github.com"), None);
    assert_eq!(
        Account::parse("https://%41b@github.com").map(|a| a.username),
        Some("Ab".into()),
        "lowercase and uppercase hex both decode"
    );
    for key in [a.key(), b.key()] {
        assert_eq!(Account::parse(&key).unwrap().key(), key);
    }
}

#[test]
fn secrets_round_trip_and_read_libsecret_helpers_format() {
    let s = Stored {
        password_expiry_utc: Some(1_900_000_000),
        oauth_refresh_token: Some(SecretString::from("ghr_x")),
        stored_at: Some(7),
        forge: Some(ForgeKind::GitHubEnterpriseServer),
        scopes: Some(vec!["repo".into(), "workflow".into()]),
        erase_by: Some(9),
        default: true,
        to_revoke: true,
        revoke_tried_at: Some(11),
        ..Stored::new(SecretString::from(""))
    };
    let bytes = s.encode();
    assert_eq!(
        bytes.as_str(),
        "\npassword_expiry_utc=1900000000\noauth_refresh_token=ghr_x\nstored_at=7\n\
         forge=ghes\nscopes=repo,workflow\nerase_by=9\ndefault=1\nto_revoke=1\n\
         revoke_tried_at=11\n"
    );
    let back = Stored::decode(bytes.as_bytes()).unwrap();
    assert_eq!(*back.encode(), *bytes);
    assert_eq!(format!("{back:?}"), format!("{s:?}"));
    // Entries stored before the ids name their forge by its display name.
    let older = Stored::decode(b"ghp_x\nforge=GitHub Enterprise Server\n").unwrap();
    assert_eq!(older.forge, Some(ForgeKind::GitHubEnterpriseServer));
    let unknown = Stored::decode(b"ghp_x\nforge=Bitbucket\n").unwrap();
    assert_eq!(unknown.forge, None);
    let libsecret = Stored::decode(b"ghp_x\npassword_expiry_utc=5").unwrap();
    assert_eq!(libsecret.password.expose_secret(), "ghp_x");
    assert_eq!(libsecret.password_expiry_utc, Some(5));
}

#[test]
fn namespaces_are_plain_names() {
    assert_eq!(service_name(None).unwrap(), "git-credential-pat");
    assert_eq!(service_name(Some("t-1")).unwrap(), "git-credential-pat:t-1");
    assert!(service_name(Some("a b")).is_err());
    assert!(service_name(Some(&"x".repeat(65))).is_err());
}

#[test]
fn debug_of_a_stored_secret_hides_it() {
    let s = Stored {
        oauth_refresh_token: Some(SecretString::from("ghr_SECRET")),
        ..Stored::new(SecretString::from("ghp_SECRET"))
    };
    assert!(!format!("{s:?}").contains("SECRET"));
}

#[test]
fn owners_and_the_host_map_round_trip_and_an_empty_map_is_not_written() {
    let s = Stored {
        owners: vec!["lab".into(), "odd,name %".into()],
        map: Some(HostMap {
            routes: vec![("Lab".into(), "bob smith".into())],
            paths: true,
        }),
        ..Stored::new(SecretString::from("t"))
    };
    let bytes = s.encode();
    assert_eq!(
        bytes.as_str(),
        "t\nowners=lab,odd%2Cname%20%25\nmap=paths\nroute=Lab bob%20smith\n"
    );
    let back = Stored::decode(bytes.as_bytes()).unwrap();
    assert_eq!(format!("{back:?}"), format!("{s:?}"));
    assert_eq!(back.map.as_ref().unwrap().route("LAB"), Some("bob smith"));
    assert!(back.serves_owner("LAB"));
    let routes_only = Stored::decode(b"t\nroute=lab bob\n").unwrap();
    assert_eq!(
        routes_only.map,
        Some(HostMap {
            routes: vec![("lab".into(), "bob".into())],
            paths: false
        })
    );
    let empty = Stored {
        map: Some(HostMap::default()),
        ..Stored::new(SecretString::from("t"))
    };
    assert_eq!(empty.encode().as_str(), "t\n");
}

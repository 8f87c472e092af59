//! Unit tests of `helper/mod.rs`, each a sentence of behaviour.
use super::*;

const NOW: u64 = 1_800_000_000;

fn vault() -> Vault {
    Vault::in_memory("unit")
}

/// A missing-token case that answers nothing, as when no person is present.
fn nothing_stored()
-> impl FnMut(&Credential, &Query, &Vault, &mut dyn Write) -> anyhow::Result<Option<Credential>> {
    |_, _, _, _| Ok(None)
}

/// Runs `op` with `input` as the helper binary would, returning stdout or the error text.
fn call(vault: &Vault, op: Operation, input: &str) -> Result<String, String> {
    call_at(vault, op, input, NOW)
}

fn call_at(vault: &Vault, op: Operation, input: &str, now: u64) -> Result<String, String> {
    let mut out = Vec::new();
    let (mut err, mut none, mut no_deadline) = (Vec::new(), nothing_stored(), |_| {});
    let mut around = quiet(&mut err, &mut none, &mut no_deadline);
    run(
        op,
        &mut input.as_bytes(),
        &mut out,
        || Ok(vault.clone()),
        now,
        &mut around,
    )
    .map_err(|e| e.to_string())?;
    Ok(String::from_utf8(out).unwrap())
}

/// Every (account key, secret) in the vault for github.com and the loopback test host.
fn contents(vault: &Vault) -> Vec<String> {
    let mut all = Vec::new();
    for (p, h) in [("https", "github.com"), ("http", "127.0.0.1:8080")] {
        for f in vault
            .find(&crate::host::Origin::parse(p, h).unwrap())
            .unwrap()
        {
            // The mock store keeps an erased entry's name, with no secret.
            let Some(s) = vault.read(&f).unwrap() else {
                continue;
            };
            all.push(format!(
                "{} {}",
                f.account.key(),
                s.password.expose_secret()
            ));
        }
    }
    all.sort();
    all
}

fn approve(vault: &Vault, input: &str) {
    assert_eq!(call(vault, Operation::Store, input), Ok(String::new()));
}

#[test]
fn get_answers_a_stored_token_for_its_host() {
    let v = vault();
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_a\n",
    );
    assert_eq!(
        call(&v, Operation::Get, "protocol=https\nhost=github.com\n"),
        Ok("username=alice\npassword=ghp_a\n".into())
    );
}

#[test]
fn get_answers_nothing_without_protocol_or_host() {
    let v = vault();
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_a\n",
    );
    for req in [
        "host=github.com\n",
        "protocol=https\n",
        "protocol=https\nhost=\n",
        "",
    ] {
        assert_eq!(call(&v, Operation::Get, req), Ok(String::new()), "{req:?}");
    }
}

#[test]
fn get_never_answers_plain_http_except_for_loopback_hosts() {
    let v = vault();
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_a\n",
    );
    assert_eq!(
        call(&v, Operation::Get, "protocol=http\nhost=github.com\n"),
        Ok(String::new())
    );
    approve(
        &v,
        "protocol=http\nhost=127.0.0.1:8080\nusername=t\npassword=p\n",
    );
    assert_eq!(
        call(&v, Operation::Get, "protocol=http\nhost=127.0.0.1:8080\n"),
        Ok("username=t\npassword=p\n".into())
    );
    // A plain-http credential for a remote host is not even kept.
    approve(
        &v,
        "protocol=http\nhost=example.com\nusername=t\npassword=p\n",
    );
    assert!(
        v.find(&crate::host::Origin::parse("http", "example.com").unwrap())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn get_matches_the_exact_host_case_insensitively_without_a_trailing_dot() {
    let v = vault();
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_a\n",
    );
    for host in ["GITHUB.COM", "github.com."] {
        let req = format!("protocol=https\nhost={host}\n");
        assert_eq!(
            call(&v, Operation::Get, &req),
            Ok("username=alice\npassword=ghp_a\n".into())
        );
    }
    for host in [
        "github.com.evil.tld",
        "evilgithub.com",
        "github.com:8443",
        "gist.github.com",
    ] {
        let req = format!("protocol=https\nhost={host}\n");
        assert_eq!(call(&v, Operation::Get, &req), Ok(String::new()), "{host}");
    }
}

#[test]
fn the_username_in_the_request_selects_among_users_of_one_host() {
    let v = vault();
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_a\n",
    );
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=bob\npassword=ghp_b\n",
    );
    assert_eq!(
        call(
            &v,
            Operation::Get,
            "protocol=https\nhost=github.com\nusername=alice\n"
        ),
        Ok("username=alice\npassword=ghp_a\n".into())
    );
    assert_eq!(
        call(
            &v,
            Operation::Get,
            "protocol=https\nhost=github.com\nusername=carol\n"
        ),
        Ok(String::new())
    );
}

#[test]
fn without_a_username_the_most_recently_stored_user_is_served() {
    let v = vault();
    call_at(
        &v,
        Operation::Store,
        "protocol=https\nhost=github.com\nusername=bob\npassword=ghp_b\n",
        NOW - 10,
    )
    .unwrap();
    call_at(
        &v,
        Operation::Store,
        "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_a\n",
        NOW - 5,
    )
    .unwrap();
    assert_eq!(
        call(&v, Operation::Get, "protocol=https\nhost=github.com\n"),
        Ok("username=alice\npassword=ghp_a\n".into())
    );
}

#[test]
fn get_passes_expiry_and_refresh_token_and_skips_an_expired_token() {
    let v = vault();
    let later = NOW + 3600;
    approve(
        &v,
        &format!(
            "protocol=https\nhost=github.com\nusername=a\npassword=p\npassword_expiry_utc={later}\noauth_refresh_token=r\n"
        ),
    );
    assert_eq!(
        call(&v, Operation::Get, "protocol=https\nhost=github.com\n"),
        Ok(format!(
            "username=a\npassword=p\noauth_refresh_token=r\npassword_expiry_utc={later}\n"
        ))
    );
    assert_eq!(
        call_at(
            &v,
            Operation::Get,
            "protocol=https\nhost=github.com\n",
            later + 1
        ),
        Ok(String::new())
    );
}

#[test]
fn store_skips_an_incomplete_ephemeral_or_expired_credential() {
    let v = vault();
    for req in [
        "protocol=https\nhost=github.com\nusername=a\n",
        "protocol=https\nhost=github.com\npassword=p\n",
        "host=github.com\nusername=a\npassword=p\n",
        "protocol=https\nhost=github.com\nusername=a\npassword=p\nephemeral=1\n",
        "protocol=https\nhost=github.com\nusername=a\npassword=p\npassword_expiry_utc=1000\n",
        "protocol=https\nhost=github.com\nauthtype=bearer\ncredential=tok\n",
    ] {
        approve(&v, req);
    }
    assert!(contents(&v).is_empty());
}

#[test]
fn store_overwrites_the_same_accounts_old_token() {
    let v = vault();
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=a\npassword=old\n",
    );
    approve(
        &v,
        "protocol=https\nhost=GitHub.com\nusername=a\npassword=new\n",
    );
    assert_eq!(contents(&v), ["https://a@github.com new"]);
}

#[test]
fn store_of_an_unchanged_credential_writes_nothing() {
    let v = vault();
    let (account, stored) = storable(
        &protocol::read(
            &mut "protocol=https\nhost=github.com\nusername=a\npassword=p\n".as_bytes(),
        )
        .unwrap(),
        NOW,
    )
    .unwrap()
    .unwrap();
    let again = Stored {
        stored_at: Some(NOW + 5),
        ..Stored::new(SecretString::from(
            stored.password.expose_secret().to_owned(),
        ))
    };
    assert!(store(&account, stored, &v).unwrap());
    assert!(!store(&account, again, &v).unwrap());
}

/// What `login` stores for alice's token `p` on github.com: every fact the forge reported.
fn logged_in(v: &Vault, password: &str) -> Account {
    let account = Account::on_github("alice", None);
    let stored = Stored {
        password_expiry_utc: Some(NOW + 86_400),
        oauth_refresh_token: Some(SecretString::from("r".to_owned())),
        stored_at: Some(NOW - 60),
        forge: Some(crate::forge::ForgeKind::GitHub),
        scopes: Some(vec!["repo".into()]),
        erase_by: Some(NOW + 3600),
        default: true,
        ..Stored::new(SecretString::from(password.to_owned()))
    };
    assert!(store(&account, stored, v).unwrap());
    account
}

#[test]
fn a_store_of_the_same_password_without_facts_keeps_them_all() {
    // git 2.39 knows no password_expiry_utc: after a successful clone it hands back only
    // username and password.
    let v = vault();
    let account = logged_in(&v, "p");
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=alice\npassword=p\n",
    );
    let kept = v.get(&account).unwrap().unwrap();
    assert_eq!(kept.password_expiry_utc, Some(NOW + 86_400));
    assert_eq!(kept.oauth_refresh_token.unwrap().expose_secret(), "r");
    assert_eq!(kept.stored_at, Some(NOW - 60));
    assert_eq!(kept.forge, Some(crate::forge::ForgeKind::GitHub));
    assert_eq!(kept.scopes, Some(vec!["repo".to_owned()]));
    assert_eq!(kept.erase_by, Some(NOW + 3600));
    assert!(kept.default);
    // git 2.47 hands back the expiry it was served: still nothing new.
    let (_, again) = storable(
        &protocol::read(
            &mut format!(
                "protocol=https\nhost=github.com\nusername=alice\npassword=p\npassword_expiry_utc={}\n",
                NOW + 86_400
            )
            .as_bytes(),
        )
        .unwrap(),
        NOW,
    )
    .unwrap()
    .unwrap();
    assert!(
        !store(&account, again, &v).unwrap(),
        "rewrote an unchanged token"
    );
}

#[test]
fn a_store_of_a_new_password_starts_fresh_but_keeps_the_accounts_marks() {
    let v = vault();
    let account = logged_in(&v, "p");
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=alice\npassword=q\n",
    );
    let new = v.get(&account).unwrap().unwrap();
    assert_eq!(new.password.expose_secret(), "q");
    assert_eq!(new.password_expiry_utc, None);
    assert!(new.oauth_refresh_token.is_none());
    assert_eq!(new.stored_at, Some(NOW));
    assert_eq!(new.forge, None);
    assert_eq!(new.scopes, None);
    assert_eq!(
        new.erase_by,
        Some(NOW + 3600),
        "the lab timer is the account's"
    );
    assert!(new.default);
}

#[test]
fn with_state_git_gets_a_marker_and_store_of_a_served_credential_skips_the_keychain() {
    let v = vault();
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=a\npassword=p\n",
    );
    assert_eq!(
        call(
            &v,
            Operation::Get,
            "capability[]=state\nprotocol=https\nhost=github.com\n"
        ),
        Ok(
            "capability[]=state\nusername=a\npassword=p\nstate[]=git-credential-pat:served\n"
                .into()
        )
    );
    // Without the capability git would not pass state back: none is sent.
    assert_eq!(
        call(&v, Operation::Get, "protocol=https\nhost=github.com\n"),
        Ok("username=a\npassword=p\n".into())
    );
    // A store carrying the marker never opens the keychain.
    let mut out = Vec::new();
    let input = "capability[]=state\nprotocol=https\nhost=github.com\nusername=a\npassword=new\n\
                 state[]=git-credential-pat:served\n";
    let (mut err, mut none, mut no_deadline) = (Vec::new(), nothing_stored(), |_| {});
    run(
        Operation::Store,
        &mut input.as_bytes(),
        &mut out,
        || panic!("opened the keychain"),
        NOW,
        &mut quiet(&mut err, &mut none, &mut no_deadline),
    )
    .unwrap();
    assert_eq!(contents(&v), ["https://a@github.com p"]);
}

#[test]
fn empty_username_and_password_round_trip() {
    let v = vault();
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=\npassword=\n",
    );
    assert_eq!(
        call(&v, Operation::Get, "protocol=https\nhost=github.com\n"),
        Ok("username=\npassword=\n".into())
    );
}

#[test]
fn erase_with_a_password_removes_only_the_credential_holding_it() {
    let v = vault();
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=a\npassword=pa\n",
    );
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=b\npassword=pb\n",
    );
    call(
        &v,
        Operation::Erase,
        "protocol=https\nhost=github.com\nusername=a\npassword=other\n",
    )
    .unwrap();
    assert_eq!(contents(&v).len(), 2);
    call(
        &v,
        Operation::Erase,
        "protocol=https\nhost=github.com\npassword=pa\n",
    )
    .unwrap();
    assert_eq!(contents(&v), ["https://b@github.com pb"]);
}

#[test]
fn erase_by_protocol_and_host_forgets_every_user_of_that_host_only() {
    let v = vault();
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=a\npassword=pa\n",
    );
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=b\npassword=pb\n",
    );
    approve(
        &v,
        "protocol=http\nhost=127.0.0.1:8080\nusername=c\npassword=pc\n",
    );
    call(&v, Operation::Erase, "protocol=https\nhost=github.com\n").unwrap();
    assert_eq!(contents(&v), ["http://c@127.0.0.1:8080 pc"]);
}

#[test]
fn erase_without_host_forgets_nothing() {
    let v = vault();
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=a\npassword=pa\n",
    );
    call(&v, Operation::Erase, "protocol=https\n").unwrap();
    call(&v, Operation::Erase, "host=github.com\n").unwrap();
    assert_eq!(contents(&v).len(), 1);
}

#[test]
fn refused_input_answers_nothing_changes_nothing_and_says_why_without_the_secret() {
    let v = vault();
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=a\npassword=pa\n",
    );
    let before = contents(&v);
    for (op, req) in [
        (
            Operation::Get,
            "protocol=https\nhost=github.com\nhost=evil.example\n",
        ),
        (
            Operation::Store,
            "protocol=https\nhost=github.com\nusername=a\npassword=ghp_SECRET\rx\n",
        ),
        (
            Operation::Erase,
            "protocol=https\nhost=github.com\u{2028}\n",
        ),
        (Operation::Get, "url=https://github.com%0ahost=evil\n"),
        (
            Operation::Store,
            "protocol=https\nhost=github.com\nusername=a\npassword=ghp_SECRET\nquit=maybe\n",
        ),
    ] {
        let err = call(&v, op, req).unwrap_err();
        assert!(!err.contains('\n') && !err.contains("SECRET"), "{err}");
        assert!(err.starts_with("refused the request from git: "), "{err}");
    }
    assert_eq!(contents(&v), before);
}

#[test]
fn login_targets_are_hosts_or_https_urls() {
    let q = Query::for_target("GitHub.com").unwrap();
    assert_eq!(q.origin.to_string(), "https://github.com");
    let q = Query::for_target("https://alice@gitlab.example.com:8443/g/r.git").unwrap();
    assert_eq!(q.origin.host.to_string(), "gitlab.example.com:8443");
    assert_eq!(q.username.as_deref(), Some("alice"));
    assert!(Query::for_target("http://github.com").is_err());
    assert!(Query::for_target("http://127.0.0.1:9").is_ok());
    assert!(Query::for_target("").is_err());
    assert!(Query::for_target("evil.example\\.ghe.com").is_err());
}

#[test]
fn a_target_that_holds_a_token_is_never_repeated_in_an_error() {
    let e = Query::for_target("https://u:ghp_SECRET@github.com%0a/").unwrap_err();
    assert!(!format!("{e:#}").contains("ghp_SECRET"), "{e:#}");
    assert!(
        format!("{e:#}").contains("'https://…@github.com%0a/'"),
        "{e:#}"
    );
}

#[test]
fn a_host_outside_the_grammar_is_refused_not_answered() {
    let v = vault();
    for host in [
        "evil.example\\.ghe.com",
        "a/b",
        "a?b",
        "a#b",
        "a@b",
        "a|b",
        "a b",
        "a\tb",
    ] {
        let req = format!("protocol=https\nhost={host}\n");
        let err = call(&v, Operation::Get, &req).unwrap_err();
        assert!(
            err.starts_with("refused the request from git: "),
            "{host}: {err}"
        );
    }
}

mod routes;
mod users;

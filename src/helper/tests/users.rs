//! Unit tests of `helper` for who is served: user names, the lab timer's end, and the
//! request shapes of other clients (git 2.39, gitoxide).

use super::*;

/// Stores `password` for `user` at github.com as checked by `forge`, at `stored_at`.
fn keep(vault: &Vault, user: &str, password: &str, forge: Option<&str>, stored_at: u64) {
    let forge = forge.map(|f| crate::forge::ForgeKind::from_fact(f).unwrap());
    let account = Account::on_github(user, None);
    let stored = Stored {
        forge,
        stored_at: Some(stored_at),
        ..Stored::new(SecretString::from(password.to_owned()))
    };
    store(&account, stored, vault).unwrap();
}

/// Runs a `get` with `end` as the forge's revocation; (stdout, stderr, whether the
/// missing-token flow ran).
fn get_with(vault: &Vault, input: &str, end: Revoker) -> (String, String, bool) {
    get_at(vault, input, end, NOW)
}

/// [`get_with`] at `now`.
fn get_at(vault: &Vault, input: &str, end: Revoker, now: u64) -> (String, String, bool) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let missing = std::cell::Cell::new(false);
    let mut on_missing = |_: &Credential, _: &Query, _: &Vault, _: &mut dyn Write| {
        missing.set(true);
        Ok(None)
    };
    let mut no_deadline = |_| {};
    let mut around = quiet(&mut err, &mut on_missing, &mut no_deadline);
    around.end = end;
    run(
        Operation::Get,
        &mut input.as_bytes(),
        &mut out,
        || Ok(vault.clone()),
        now,
        &mut around,
    )
    .unwrap();
    drop(around);
    (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
        missing.get(),
    )
}

fn dead(_: &Account, _: &Stored, _: u64) -> crate::forge::Revocation {
    crate::forge::Revocation::Revoked {
        forge: crate::forge::ForgeKind::GitHub,
    }
}

/// A forge that must not be asked.
fn never(_: &Account, _: &Stored, _: u64) -> crate::forge::Revocation {
    panic!("the forge was asked during a get that serves a token")
}

#[test]
fn user_names_are_compared_without_regard_to_case() {
    let v = vault();
    keep(&v, "octo-lab", "ghp_a", Some("Gitea/Forgejo"), 1);
    let (out, err, missing) = get_with(
        &v,
        "protocol=https\nhost=github.com\nusername=Octo-Lab\n",
        not_now,
    );
    assert_eq!(out, "username=octo-lab\npassword=ghp_a\n");
    assert_eq!(err, "");
    assert!(!missing);
}

#[test]
fn another_user_name_gets_the_hosts_token_where_the_forge_ignores_user_names() {
    for forge in ["GitHub", "GitHub Enterprise Server", "GitLab"] {
        let v = vault();
        keep(&v, "alice", "ghp_a", Some(forge), 1);
        let (out, err, missing) = get_with(
            &v,
            "protocol=https\nhost=github.com\nusername=someone@example.com\n",
            not_now,
        );
        assert_eq!(out, "username=alice\npassword=ghp_a\n", "{forge}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("someone@example.com")
                && err.contains("serving the token stored there for alice"),
            "{err}"
        );
        assert!(!err.contains("no token is stored"), "{err}");
        assert!(!missing);
    }
}

#[test]
fn the_default_token_is_the_one_served_for_an_unknown_user_name() {
    let v = vault();
    keep(&v, "alice", "ghp_a", Some("GitHub"), 1);
    keep(&v, "bob", "ghp_b", Some("GitHub"), 2);
    let account = |u: &str| Account::on_github(u, None);
    let mut alice = v.get(&account("alice")).unwrap().unwrap();
    alice.default = true;
    v.put(&account("alice"), &alice).unwrap();
    let (out, _, _) = get_with(&v, "protocol=https\nhost=github.com\nusername=x\n", not_now);
    assert_eq!(out, "username=alice\npassword=ghp_a\n");
}

#[test]
fn gitea_checks_the_user_name_so_another_users_token_is_never_served_there() {
    for forge in [Some("Gitea/Forgejo"), None] {
        let v = vault();
        keep(&v, "alice", "ghp_a", forge, 1);
        let (out, _, missing) = get_with(
            &v,
            "protocol=https\nhost=github.com\nusername=bob\n",
            not_now,
        );
        assert_eq!(out, "", "{forge:?}");
        assert!(missing, "{forge:?}");
    }
}

#[test]
fn a_token_whose_lab_timer_ended_is_not_served_and_kept_to_revoke_until_the_forge_revokes_it() {
    let v = vault();
    let account = Account::on_github("alice", None);
    let stored = Stored {
        forge: Some(crate::forge::ForgeKind::GitHub),
        erase_by: Some(NOW - 1),
        ..Stored::new(SecretString::from("ghp_a"))
    };
    v.put(&account, &stored).unwrap();
    let input = "protocol=https\nhost=github.com\n";
    let (out, err, missing) = get_with(&v, input, not_now);
    assert_eq!(out, "quit=1\n", "git must stop: no other helper, no prompt");
    assert!(!missing, "git must not be walked into a new token");
    assert!(err.contains("to revoke"), "{err}");
    assert!(
        err.contains("to make a new one: git credential-pat login github.com"),
        "{err}"
    );
    let kept = v.get(&account).unwrap().expect("not forgotten");
    assert!(kept.to_revoke);
    assert_eq!(kept.revoke_tried_at, Some(NOW));

    // Within the hour, git's requests do not ask the forge again.
    let (out, err, _) = get_at(&v, input, never, NOW + 3599);
    assert_eq!(out, "quit=1\n");
    assert!(
        err.contains("the forge was last asked 59 minutes ago"),
        "{err}"
    );

    let (out, err, _) = get_at(&v, input, dead, NOW + 3600);
    assert_eq!(out, "quit=1\n");
    assert!(err.contains("revoked at GitHub; erased"), "{err}");
    assert!(v.get(&account).unwrap().is_none());
}

#[test]
fn a_get_that_serves_a_token_names_another_whose_lab_ended_and_never_asks_the_forge() {
    let v = vault();
    keep(&v, "alice", "ghp_a", Some("GitHub"), 1);
    let bob = Account {
        protocol: "https".into(),
        host: crate::host::Host::parse("github.com").unwrap(),
        username: "bob".into(),
        path: None,
    };
    let ended = Stored {
        forge: Some(crate::forge::ForgeKind::GitHub),
        stored_at: Some(2),
        erase_by: Some(NOW - 1),
        ..Stored::new(SecretString::from("ghp_b"))
    };
    v.put(&bob, &ended).unwrap();
    let (out, err, _) = get_with(&v, "protocol=https\nhost=github.com\n", never);
    assert_eq!(out, "username=alice\npassword=ghp_a\n");
    assert!(
        err.contains("bob@github.com reached the end of its lab timer: it is no longer served"),
        "{err}"
    );
    assert!(
        v.get(&bob)
            .unwrap()
            .is_some_and(|s| s.revoke_tried_at.is_none())
    );
}

/// The bytes gix-credentials 0.40–0.43 writes to a helper's stdin for `store` and `erase`
/// (`helper::Cascade::invoke` keeps its context; `Context::write_to` writes `url` and `path`
/// first, then `protocol`, `host`, `username`, `password`, `oauth_refresh_token`,
/// `password_expiry_utc`; `Action::send` adds a blank line). `url=` is the remote's URL,
/// restored after `get` unless prompting is disabled; `path=` only with `useHttpPath`.
/// Recorded byte for byte from gix-credentials 0.43.0's `helper::Cascade::invoke` (a small
/// program: `get` from `Context::from_url("https://example.com/org/repo.git")`, then
/// `outcome.next.store()` or `.erase()`, through a helper that tees its stdin): its `get` wrote
/// `protocol=https\nhost=example.com\n` (with `useHttpPath`, `path=org/repo.git\n` first).
fn gix_bytes(path: Option<&str>, expiry: Option<u64>) -> String {
    let mut s = String::from("url=https://github.com/org/repo.git\n");
    if let Some(p) = path {
        s.push_str(&format!("path={p}\n"));
    }
    s.push_str("protocol=https\nhost=github.com\nusername=alice\npassword=p\n");
    if let Some(t) = expiry {
        s.push_str(&format!("password_expiry_utc={t}\n"));
    }
    s.push('\n');
    s
}

#[test]
fn gitoxides_store_and_erase_are_accepted_and_its_url_path_is_not_a_path() {
    let v = vault();
    // `get`: gix takes the url out of its context before asking helpers.
    approve(&v, &gix_bytes(None, Some(NOW + 60)));
    assert_eq!(contents(&v), ["https://alice@github.com p"]);
    assert_eq!(
        call(&v, Operation::Get, "protocol=https\nhost=github.com\n"),
        Ok(format!(
            "username=alice\npassword=p\npassword_expiry_utc={}\n",
            NOW + 60
        ))
    );
    assert_eq!(
        call(&v, Operation::Erase, &gix_bytes(None, Some(NOW + 60))),
        Ok(String::new())
    );
    assert!(contents(&v).is_empty(), "gix's erase left the token");
}

#[test]
fn gitoxide_with_use_http_path_means_the_path_it_also_writes() {
    let v = vault();
    approve(&v, &gix_bytes(Some("org/repo.git"), None));
    // Kept per host and user: the path only routes.
    assert_eq!(contents(&v), ["https://alice@github.com p"]);
    assert_eq!(
        call(&v, Operation::Erase, &gix_bytes(Some("org/repo.git"), None)),
        Ok(String::new())
    );
    assert!(contents(&v).is_empty());
    // A path= that contradicts url='s is refused, as a host= would be.
    let e = call(
        &v,
        Operation::Store,
        &gix_bytes(Some("other/repo.git"), None),
    )
    .unwrap_err();
    assert!(e.contains("path"), "{e}");
}

//! Unit tests of routing by path: a path only routes, tokens kept per path before still serve
//! their path, and an owner routed by `login --owner` is served its account.
use super::*;

/// Stores `password` for `user` at github.com under `path` as an older version kept tokens
/// with `useHttpPath`: one entry per repository.
fn put_per_path(v: &Vault, user: &str, path: &str, password: &str) {
    let stored = Stored {
        stored_at: Some(NOW - 100),
        ..Stored::new(SecretString::from(password.to_owned()))
    };
    v.put(&Account::on_github(user, Some(path)), &stored)
        .unwrap();
}

#[test]
fn a_path_routes_and_a_token_kept_for_a_path_before_keeps_working() {
    let v = vault();
    put_per_path(&v, "u", "org/a.git", "pa");
    put_per_path(&v, "u", "org/b.git", "pb");
    let get = |path: &str| {
        call(
            &v,
            Operation::Get,
            &format!("protocol=https\nhost=github.com\npath={path}\n"),
        )
    };
    assert_eq!(get("org/b.git"), Ok("username=u\npassword=pb\n".into()));
    assert_eq!(get("org/c.git"), Ok(String::new()));
    // git's store with a path keeps the token per host and user now.
    approve(
        &v,
        "protocol=https\nhost=github.com\npath=org/c.git\nusername=w\npassword=pw\n",
    );
    assert!(contents(&v).contains(&"https://w@github.com pw".to_owned()));
    assert_eq!(get("org/c.git"), Ok("username=w\npassword=pw\n".into()));
    assert_eq!(get("org/a.git"), Ok("username=u\npassword=pa\n".into()));
    // A store for a path kept before updates that entry, the account served.
    approve(
        &v,
        "protocol=https\nhost=github.com\npath=org/a.git\nusername=u\npassword=pa2\n",
    );
    assert_eq!(get("org/a.git"), Ok("username=u\npassword=pa2\n".into()));
}

#[test]
fn an_owner_is_served_the_account_it_is_routed_to_and_a_user_name_wins() {
    let v = vault();
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=work\npassword=pw\n",
    );
    approve(
        &v,
        "protocol=https\nhost=github.com\nusername=me\npassword=pm\n",
    );
    let me = Account::on_github("me", None);
    let mut stored = v.get(&me).unwrap().unwrap();
    stored.owners = vec!["Lab".into()];
    v.put(&me, &stored).unwrap();
    let get = |request: &str| call(&v, Operation::Get, request);
    let at = |path: &str| format!("protocol=https\nhost=github.com\npath={path}\n");
    assert_eq!(
        get(&at("lab/x.git")),
        Ok("username=me\npassword=pm\n".into())
    );
    assert_eq!(
        get(&at("LAB/x.git")),
        Ok("username=me\npassword=pm\n".into())
    );
    assert_eq!(
        get(&at("acme/app.git")),
        Ok("username=work\npassword=pw\n".into())
    );
    // No path: the default, though `me` was stored last.
    assert_eq!(
        get("protocol=https\nhost=github.com\n"),
        Ok("username=work\npassword=pw\n".into())
    );
    assert_eq!(
        get("protocol=https\nhost=github.com\npath=lab/x.git\nusername=work\n"),
        Ok("username=work\npassword=pw\n".into())
    );
    // A new token for `me` keeps its owners.
    approve(
        &v,
        "protocol=https\nhost=github.com\npath=lab/x.git\nusername=me\npassword=pm2\n",
    );
    assert_eq!(
        get(&at("lab/x.git")),
        Ok("username=me\npassword=pm2\n".into())
    );
    assert_eq!(v.get(&me).unwrap().unwrap().owners, ["Lab"]);
}

#[test]
fn erase_with_a_path_forgets_the_account_served_and_no_other() {
    let v = vault();
    for (user, password) in [("work", "pw"), ("me", "pm")] {
        approve(
            &v,
            &format!("protocol=https\nhost=github.com\nusername={user}\npassword={password}\n"),
        );
    }
    assert_eq!(
        call(
            &v,
            Operation::Erase,
            "protocol=https\nhost=github.com\npath=lab/x.git\nusername=me\npassword=pm\n"
        ),
        Ok(String::new())
    );
    assert_eq!(contents(&v), ["https://work@github.com pw"]);
}

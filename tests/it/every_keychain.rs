//! A token in the other keychain is not invisible: `list`, `logout` and
//! `doctor`, run without `--store` on a desktop with a Secret Service, also see a token a
//! session without one (SSH, a container) kept in the kernel keyring, and the reverse; each says
//! which keychain holds it. An explicit `--store=` still means just that keychain.

use crate::rig::{self, Keychain, SecretService, World, keyutils_entries};

const HOST: &str = "forge.lab.test";

/// A world whose helper commands reach a private Secret Service, or `None` (skipped).
fn desktop() -> Option<World> {
    rig::require_tools("the every-keychain tests", &["keyctl"])?;
    let ss = SecretService::start()?;
    Some(World::new(Keychain::SecretService(ss)))
}

/// Runs the helper with `args` and no `--store`, as a person at the desktop does.
fn helper(w: &World, args: &[&str], input: &str) -> rig::Output {
    w.sb.run(w.sb.helper().args(args), input)
}

fn store(w: &World, store: &str, user: &str, password: &str) {
    let input = format!("protocol=https\nhost={HOST}\nusername={user}\npassword={password}\n");
    let out = helper(w, &[store, "store"], &input);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{store} store");
}

fn listed(w: &World, args: &[&str]) -> Vec<(String, String)> {
    let out = helper(w, args, "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["username"].as_str().unwrap().to_owned(),
                r["keychain"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn secret_service_items(w: &World) -> usize {
    match &w.kc {
        Keychain::SecretService(ss) => ss.items(&w.service()).len(),
        Keychain::Keyutils => unreachable!(),
    }
}

#[test]
fn list_logout_and_doctor_see_both_keychains_and_name_each() {
    let Some(w) = desktop() else { return };
    store(&w, "--store=keyutils", "ssh-user", "tok-from-ssh");
    store(&w, "--store=secret-service", "desk-user", "tok-from-desk");

    assert_eq!(
        listed(&w, &["list", "--json"]),
        [
            ("desk-user".to_owned(), "Secret Service".to_owned()),
            ("ssh-user".to_owned(), "kernel keyring".to_owned()),
        ]
    );
    // An explicit --store means just that keychain.
    assert_eq!(
        listed(&w, &["--store=secret-service", "list", "--json"]),
        [("desk-user".to_owned(), "Secret Service".to_owned())]
    );
    let table = helper(&w, &["list"], "");
    assert!(
        table.stdout.contains("kernel keyring") && table.stdout.contains("Secret Service"),
        "{}",
        table.stdout
    );
    assert!(!table.stdout.contains("tok-from"), "{}", table.stdout);

    let doctor = helper(&w, &["doctor", "--offline"], "");
    assert!(
        doctor
            .stdout
            .contains(&format!("ssh-user@{HOST} (in the kernel keyring)"))
            && doctor
                .stdout
                .contains(&format!("desk-user@{HOST} (in the Secret Service)")),
        "{}",
        doctor.stdout
    );

    // From the desktop, logout finds the SSH session's token in the kernel keyring.
    let out = helper(&w, &["logout", HOST, "--user", "ssh-user"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("erased from the kernel keyring"),
        "{}",
        out.stderr
    );
    assert!(keyutils_entries(&w.service()).is_empty());
    assert_eq!(secret_service_items(&w), 1);

    // And `logout --all` everything, whichever keychain holds it.
    store(&w, "--store=keyutils", "ssh-user", "tok-from-ssh");
    let out = helper(&w, &["logout", "--all", "--yes"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("erased from the kernel keyring")
            && out.stderr.contains("erased from the Secret Service"),
        "{}",
        out.stderr
    );
    assert!(keyutils_entries(&w.service()).is_empty());
    assert_eq!(secret_service_items(&w), 0);
    let out = helper(&w, &["logout", "--all", "--yes"], "");
    assert!(
        out.stderr
            .contains("(in the Secret Service or the kernel keyring); nothing to do"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_desktops_token_is_logged_out_from_any_session_while_get_keeps_its_single_choice() {
    // The reverse: from a session whose bus answers (the desktop's, say over a forwarded bus),
    // a token the desktop stored in the Secret Service is listed and logged out, while the
    // session's own get/store keep their single automatic choice.
    let Some(w) = desktop() else { return };
    store(&w, "--store=secret-service", "desk-user", "tok-from-desk");
    store(&w, "--store=keyutils", "ssh-user", "tok-from-ssh");
    // `get` without --store serves from its one automatic choice, the Secret Service.
    let got = helper(&w, &["get"], &format!("protocol=https\nhost={HOST}\n"));
    assert!(got.stdout.contains("username=desk-user"), "{}", got.stdout);
    let out = helper(&w, &["logout", HOST, "--user", "desk-user"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("erased from the Secret Service"),
        "{}",
        out.stderr
    );
    assert_eq!(secret_service_items(&w), 0);
    assert_eq!(keyutils_entries(&w.service()).len(), 1);
    // A session with no bus at all sees the kernel keyring alone, and says so.
    let mut cmd = w.sb.helper();
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS")
        .args(["list", "--json"]);
    let out = w.sb.run(&mut cmd, "");
    assert!(out.stdout.contains("ssh-user"), "{}", out.stdout);
}

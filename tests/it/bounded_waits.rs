//! Waits with a limit: a command that writes the keychain gives up on a
//! lock another process holds after 10 s with one clear line, and `login --token-stdin`
//! reads at most 64 KiB.

use crate::rig::{self, Sandbox};
use std::time::{Duration, Instant};

#[test]
fn logout_gives_up_on_a_lock_held_elsewhere_after_ten_seconds() {
    if rig::require_tools("this test", &["keyctl"]).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let mut store = sb.helper();
    store.args(["--store=keyutils", "store"]);
    let stored = sb.run(
        &mut store,
        "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_boundedwait\n\n",
    );
    assert_eq!(stored.code, 0, "{stored:?}");
    let lock = sb.home.join(".cache/git-credential-pat/vault.lock");
    let holder = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .unwrap();
    holder.lock().unwrap();
    let mut logout = sb.helper();
    logout.args(["--store=keyutils", "logout", "github.com", "--yes"]);
    let began = Instant::now();
    let out = sb.run(&mut logout, "");
    let took = began.elapsed();
    assert!(
        (Duration::from_secs(10)..Duration::from_secs(13)).contains(&took),
        "{took:?} {out:?}"
    );
    assert_ne!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("another git-credential-pat has been writing the keychain for 10 s"),
        "{out:?}"
    );
    assert!(out.stderr.contains("still stored"), "{out:?}");
    drop(holder);
    let out = sb.run(&mut logout, "");
    assert_eq!(out.code, 0, "works once the lock is free: {out:?}");
}

#[test]
fn login_token_stdin_reads_at_most_64_kib() {
    if rig::require_tools("this test", &["keyctl"]).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let mut login = sb.helper();
    login.args(["--store=keyutils", "login", "github.com", "--token-stdin"]);
    let began = Instant::now();
    let out = rig::run_with_timeout(&mut login, &vec![b'a'; 4 << 20], Duration::from_secs(30));
    assert!(began.elapsed() < Duration::from_secs(10));
    assert_ne!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("the token on stdin is longer than 64 KiB"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("aaaa"));
    assert_eq!(
        rig::keyutils_entries(&format!("git-credential-pat:{}", sb.namespace)),
        Vec::<String>::new()
    );
}

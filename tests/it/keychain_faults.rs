//! A keychain that misbehaves: no session bus, a locked Secret Service, a kernel keyring over
//! its quota, an entry erased behind the helper's back, a keychain that hangs. Each time the
//! helper says so in one line on stderr, answers nothing, and git goes on to its next helper
//! or prompt promptly.

use crate::rig::{self, Keychain, Sandbox, SecretService, World};
use std::time::{Duration, Instant};

const ALICE: &str = "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_alice\n";

/// The helper's own lines in git's stderr.
fn ours(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("git-credential-pat:"))
        .collect()
}

fn secret_service_world() -> Option<(World, u32)> {
    let ss = SecretService::start()?;
    let keyring_pid = ss.pids()[1];
    Some((World::new(Keychain::SecretService(ss)), keyring_pid))
}

#[test]
fn without_a_session_bus_the_secret_service_store_fails_in_one_line_and_git_goes_on() {
    let sb = Sandbox::new();
    let helper = format!("{} --store=secret-service", rig::helper_bin().display());
    std::fs::write(
        sb.gitconfig(),
        format!("[credential]\n\thelper = \"{helper}\"\n"),
    )
    .unwrap();
    let began = Instant::now();
    let out = sb.run(
        sb.git().args(["credential", "fill"]),
        "protocol=https\nhost=github.com\n",
    );
    assert_eq!(out.code, 128, "{}", out.stderr);
    assert!(
        began.elapsed() < Duration::from_secs(3),
        "{:?}",
        began.elapsed()
    );
    assert_eq!(ours(&out.stderr).len(), 1, "{}", out.stderr);
    assert!(
        ours(&out.stderr)[0].starts_with(
            "git-credential-pat: no keychain is available: the Secret Service does not answer on the session bus"
        ),
        "{}",
        out.stderr
    );
    let out = sb.run(sb.git().args(["credential", "approve"]), ALICE);
    assert_eq!(
        (out.code, ours(&out.stderr).len()),
        (0, 1),
        "{}",
        out.stderr
    );
}

#[test]
fn without_a_session_bus_the_automatic_choice_is_the_kernel_keyring() {
    if rig::require_tools("this test", &["keyctl"]).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let helper = rig::helper_bin().display().to_string();
    std::fs::write(
        sb.gitconfig(),
        format!("[credential]\n\thelper = \"{helper}\"\n"),
    )
    .unwrap();
    let out = sb.run(sb.git().args(["credential", "approve"]), ALICE);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert_eq!(
        rig::keyutils_entries(&format!("git-credential-pat:{}", sb.namespace)).len(),
        1
    );
    let out = sb.run(
        sb.git().args(["credential", "fill"]),
        "protocol=https\nhost=github.com\n",
    );
    assert_eq!(out.stdout, ALICE);
    sb.run(sb.git().args(["credential", "reject"]), ALICE);
}

#[test]
fn a_locked_secret_service_gets_one_line_and_no_answer() {
    let Some((w, _)) = secret_service_world() else {
        return;
    };
    w.approve(ALICE);
    let Keychain::SecretService(ss) = &w.kc else {
        unreachable!()
    };
    ss.lock();
    let began = Instant::now();
    let out = w.credential("fill", "protocol=https\nhost=github.com\n");
    assert!(
        began.elapsed() < Duration::from_secs(6),
        "{:?}",
        began.elapsed()
    );
    assert_eq!(out.code, 128);
    assert!(!out.stdout.contains("ghp_alice"));
    let lines = ours(&out.stderr);
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    assert!(lines[0].contains("refused access"), "{}", lines[0]);
    let out = w.credential(
        "approve",
        "protocol=https\nhost=github.com\nusername=bob\npassword=ghp_bob\n",
    );
    assert_eq!(
        (out.code, ours(&out.stderr).len()),
        (0, 1),
        "{}",
        out.stderr
    );
}

#[test]
fn a_hung_secret_service_is_given_up_within_the_deadline_and_git_goes_on() {
    let Some((w, keyring_pid)) = secret_service_world() else {
        return;
    };
    w.approve(ALICE);
    let signal = |sig: &str| {
        let ok = std::process::Command::new("kill")
            .args([sig, &keyring_pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig} {keyring_pid}");
    };
    signal("-STOP");
    let began = Instant::now();
    let out = w.credential("fill", "protocol=https\nhost=github.com\n");
    let took = began.elapsed();
    signal("-CONT");
    // Each Secret Service call has its own 2 s D-Bus timeout; the helper's 5 s deadline bounds
    // the whole.
    assert!(took < Duration::from_secs(6), "{took:?}");
    assert_eq!(out.code, 128);
    let lines = ours(&out.stderr);
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    assert!(
        lines[0].contains("did not answer within 5 s")
            || lines[0].contains("Did not receive a reply"),
        "{}",
        lines[0]
    );
    // Once it answers again, so does the helper.
    let out = w.credential("fill", "protocol=https\nhost=github.com\n");
    assert_eq!(out.stdout, ALICE);
}

#[test]
fn a_writer_stuck_holding_the_keychain_lock_is_given_up_after_five_seconds() {
    let sb = Sandbox::new();
    let lock = sb.home.join(".cache/git-credential-pat/vault.lock");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    let holder = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .unwrap();
    holder.lock().unwrap();
    let mut cmd = sb.helper();
    cmd.args(["--store=keyutils", "store"]);
    let began = Instant::now();
    let out = sb.run(&mut cmd, ALICE);
    let took = began.elapsed();
    assert!(
        (Duration::from_secs(5)..Duration::from_secs(7)).contains(&took),
        "{took:?}"
    );
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stderr,
        "git-credential-pat: the keychain did not answer within 5 s; giving up so that git can go on \
         (is the keyring locked, or its daemon stuck?)\n"
    );
    drop(holder);
    let out = sb.run(&mut cmd, ALICE);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (0, ""),
        "works again once the lock is free"
    );
    let mut erase = sb.helper();
    sb.run(
        erase.args(["--store=keyutils", "erase"]),
        "protocol=https\nhost=github.com\n",
    );
}

#[test]
fn a_kernel_keyring_over_its_quota_says_so_and_keeps_nothing() {
    // root's quota is 25 MB, so the check runs as `nobody` (quota 20000 bytes).
    if rig::require_tools("this test", &["setpriv"]).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let big = "a".repeat(30_000);
    let mut cmd = rig::sandboxed(&sb, "setpriv");
    cmd.args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .arg(rig::helper_bin())
        .args(["--store=keyutils", "store"]);
    let out = sb.run(
        &mut cmd,
        &format!("protocol=https\nhost=github.com\nusername=alice\npassword=ghp_{big}\n"),
    );
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stderr,
        "git-credential-pat: the kernel keyring is over its quota (/proc/sys/kernel/keys/maxbytes, maxkeys); \
         erase tokens you no longer need, or use --store=secret-service\n"
    );
    assert!(!out.stderr.contains("aaaa"));
}

#[test]
fn an_entry_erased_behind_the_helpers_back_is_simply_not_there() {
    use git_credential_pat::vault::{StoreChoice, Vault};
    let ns = format!("erased-{}", std::process::id());
    let vault = Vault::open(StoreChoice::Keyutils, Some(&ns)).unwrap();
    let w = Sandbox::new();
    let mut approve = w.helper();
    approve
        .env("GIT_CREDENTIAL_PAT_NAMESPACE", &ns)
        .args(["--store=keyutils", "store"]);
    assert_eq!(w.run(&mut approve, ALICE).code, 0);
    let found = vault
        .find(&git_credential_pat::host::Origin::parse("https", "github.com").unwrap())
        .unwrap();
    assert_eq!(found.len(), 1);
    // Another process erases it between the search and the read.
    let mut erase = w.helper();
    erase
        .env("GIT_CREDENTIAL_PAT_NAMESPACE", &ns)
        .args(["--store=keyutils", "erase"]);
    assert_eq!(
        w.run(&mut erase, "protocol=https\nhost=github.com\n").code,
        0
    );
    assert!(vault.read(&found[0]).unwrap().is_none());
    assert!(
        !vault.delete(&found[0]).unwrap(),
        "deleting it again is not an error"
    );
}

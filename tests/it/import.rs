//! Tokens already in plaintext: the real `git credential-store` writes
//! `~/.git-credentials` and `~/.config/git/credentials`; `doctor` names what they hold without
//! printing it, and `import` moves the tokens into the real keychain (checked with the forge's
//! API, a local mock, where the forge is known) and removes exactly those lines, under git's own
//! lock, from the file as it is then, keeping its owner, group, mode and ACL.

use crate::rig::{Keychain, World, keychains, run_with_timeout};
use std::os::unix::fs::PermissionsExt;

const HOST: &str = "ghe.lab.test";
const ALICE_TOKEN: &str = "ghp_Alice000000000000000000000000000000001";
const REVOKED: &str = "ghp_Revoked0000000000000000000000000000009";

fn mock_api() -> mockito::ServerGuard {
    let mut api = mockito::Server::new();
    api.mock("GET", "/user")
        .match_header("authorization", format!("Bearer {ALICE_TOKEN}").as_str())
        .with_status(200)
        .with_header("x-oauth-scopes", "repo, workflow")
        .with_body(r#"{"login":"alice"}"#)
        .expect_at_most(usize::MAX)
        .create();
    api.mock("GET", "/user")
        .match_header("authorization", format!("Bearer {REVOKED}").as_str())
        .with_status(401)
        .with_body(r#"{"message":"Bad credentials"}"#)
        .expect_at_most(usize::MAX)
        .create();
    api
}

/// `git credential approve` through git-credential-store alone (not the helper), into `file`.
fn store_in_plaintext(w: &World, file: &str, url: &str) {
    let helper = format!("store --file={file}");
    let out = w.sb.run(
        w.sb.git().args([
            "-c",
            "credential.helper=",
            "-c",
            &format!("credential.helper={helper}"),
            "credential",
            "approve",
        ]),
        &format!("url={url}\n"),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "approve {url}");
}

#[test]
fn import_moves_plaintext_tokens_into_the_keychain_and_removes_exactly_their_lines() {
    let api = mock_api();
    for kc in keychains() {
        let w = World::new(kc);
        let config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
        std::fs::write(
            w.sb.gitconfig(),
            format!(
                "{config}[credential \"https://{HOST}\"]\n\tpatForge = ghes\n\tpatApiUrl = {}\n",
                api.url()
            ),
        )
        .unwrap();
        let home_file = w.sb.home.join(".git-credentials");
        let xdg_file = w.sb.home.join(".config/git/credentials");
        std::fs::create_dir_all(xdg_file.parent().unwrap()).unwrap();
        let home = home_file.to_str().unwrap();
        store_in_plaintext(&w, home, &format!("https://alice:{ALICE_TOKEN}@{HOST}"));
        store_in_plaintext(&w, home, "http://carol:plain-http-pw@example.com");
        store_in_plaintext(&w, home, &format!("https://old:{REVOKED}@{HOST}/org/repo"));
        store_in_plaintext(
            &w,
            xdg_file.to_str().unwrap(),
            "https://d%40ve:tok%2Fen@other.test",
        );
        let mut text = std::fs::read_to_string(&home_file).unwrap();
        text.push_str("not a credential\n");
        std::fs::write(&home_file, &text).unwrap();
        std::fs::set_permissions(&home_file, std::fs::Permissions::from_mode(0o640)).unwrap();

        let doctor = w.helper_args(&["doctor", "--offline"], "");
        assert!(
            doctor.stdout.contains(&format!(
                "FAIL  {home} holds 3 tokens in plaintext (old@{HOST}, carol@http://example.com, alice@{HOST}): run `git credential-pat import`"
            )),
            "{}: {}",
            w.name(),
            doctor.stdout
        );
        assert!(
            doctor
                .stdout
                .contains("holds 1 token in plaintext (d@ve@other.test)"),
            "{}",
            doctor.stdout
        );
        assert!(
            !doctor.stdout.contains("ghp_") && !doctor.stdout.contains("tok/en"),
            "{}",
            doctor.stdout
        );

        let out = w.helper_args(&["import"], "");
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        assert!(!out.stderr.contains("ghp_"), "{}", out.stderr);
        for said in [
            format!(
                "alice@{HOST}: moved into the {}; GitHub Enterprise Server accepts it as alice",
                w.name()
            ),
            "carol@http://example.com: stays in".to_owned(),
            format!("old@{HOST}: stays in {home}: GitHub Enterprise Server refuses it"),
            format!(
                "d@ve@other.test: moved into the {}; not checked: which forge other.test is, is not known",
                w.name()
            ),
            format!("moved 1 token from {home} into the {}", w.name()),
            "2 credentials stayed in plaintext".to_owned(),
        ] {
            assert!(
                out.stderr.contains(&said),
                "{}: no {said:?} in {}",
                w.name(),
                out.stderr
            );
        }
        // Exactly the moved lines are gone; the others stay byte for byte, and so does the mode.
        // (git-credential-store writes each new line first.)
        assert_eq!(
            std::fs::read_to_string(&home_file).unwrap(),
            format!(
                "https://old:{REVOKED}@{HOST}\nhttp://carol:plain-http-pw@example.com\nnot a credential\n"
            ),
        );
        let mode = std::fs::metadata(&home_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(std::fs::read_to_string(&xdg_file).unwrap(), "");

        let listed = w.helper_args(&["list", "--json"], "");
        let rows: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
        let rows: Vec<_> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["host"].as_str().unwrap(),
                    r["username"].as_str().unwrap(),
                    r["forge"].as_str(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (HOST, "alice", Some("GitHub Enterprise Server")),
                ("other.test", "d@ve", None)
            ],
            "{}",
            w.name()
        );
        // git is served the imported token by the helper, from the keychain.
        let fill = w.credential("fill", &format!("protocol=https\nhost={HOST}\n"));
        assert!(
            fill.stdout.contains(&format!("password={ALICE_TOKEN}")),
            "{}",
            fill.stderr
        );
        let doctor = w.helper_args(&["doctor", "--offline"], "");
        assert!(
            doctor.stdout.contains("holds 2 tokens in plaintext"),
            "{}",
            doctor.stdout
        );
        assert!(
            !doctor.stdout.contains("git/credentials holds"),
            "{}",
            doctor.stdout
        );
    }
}

const BOB_TOKEN: &str = "ghp_Bob00000000000000000000000000000000002";

/// `git credential-pat import` on `w`'s keychain, as a command to run elsewhere.
fn import_command(w: &World) -> std::process::Command {
    let mut cmd = w.sb.helper();
    cmd.arg(w.store_arg()).arg("import");
    cmd
}

/// The names in `home` that start with `.git-credentials` or `..git-credentials`, sorted.
fn credential_files(home: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(home)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".git-credentials") || n.starts_with("..git-credentials"))
        .collect();
    names.sort();
    names
}

#[test]
fn import_removes_its_lines_by_their_text_from_the_file_as_git_left_it_while_the_forge_answered() {
    // The forge answers alice's check only once the test says so; meanwhile the real
    // `git credential-store` writes a new line at the top of the file.
    let (arrived_tx, arrived_rx) = std::sync::mpsc::channel::<()>();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let (arrived_tx, go_rx) = (
        std::sync::Mutex::new(arrived_tx),
        std::sync::Mutex::new(go_rx),
    );
    let mut api = mockito::Server::new();
    api.mock("GET", "/user")
        .match_header("authorization", format!("Bearer {ALICE_TOKEN}").as_str())
        .with_status(200)
        .with_header("x-oauth-scopes", "repo, workflow")
        .with_body_from_request(move |_| {
            let _ = arrived_tx.lock().unwrap().send(());
            let _ = go_rx
                .lock()
                .unwrap()
                .recv_timeout(std::time::Duration::from_secs(20));
            br#"{"login":"alice"}"#.to_vec()
        })
        .create();
    let w = World::new(Keychain::Keyutils);
    let config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
    std::fs::write(
        w.sb.gitconfig(),
        format!(
            "{config}[credential \"https://{HOST}\"]\n\tpatForge = ghes\n\tpatApiUrl = {}\n",
            api.url()
        ),
    )
    .unwrap();
    let home_file = w.sb.home.join(".git-credentials");
    let home = home_file.to_str().unwrap();
    store_in_plaintext(&w, home, &format!("https://alice:{ALICE_TOKEN}@{HOST}"));

    let mut cmd = import_command(&w);
    let import = std::thread::spawn(move || {
        run_with_timeout(&mut cmd, b"", std::time::Duration::from_secs(60))
    });
    arrived_rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("import asks the forge about alice's token");
    let bob_line = format!("https://bob:{BOB_TOKEN}@other.test");
    store_in_plaintext(&w, home, &bob_line);
    go_tx.send(()).unwrap();
    let out = import.join().unwrap();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "moved 1 token from {home} into the kernel keyring, and removed its line"
        )),
        "{}",
        out.stderr
    );
    // bob's line, written while import ran, survives; alice's, now in the keychain, is gone.
    assert_eq!(
        std::fs::read_to_string(&home_file).unwrap(),
        format!("{bob_line}\n")
    );
    assert_eq!(credential_files(&w.sb.home), [".git-credentials"]);
    let fill = w.credential("fill", &format!("protocol=https\nhost={HOST}\n"));
    assert!(
        fill.stdout.contains(&format!("password={ALICE_TOKEN}")),
        "{}",
        fill.stderr
    );
}

#[test]
fn import_takes_gits_lock_and_leaves_one_git_holds_and_doctor_names_a_leftover() {
    let w = World::new(Keychain::Keyutils);
    let home_file = w.sb.home.join(".git-credentials");
    let home = home_file.to_str().unwrap();
    let line = "https://dave:tok@other.test";
    store_in_plaintext(&w, home, line);
    // What a git-credential-store stopped mid-rewrite leaves, and what an earlier import left.
    let lock = w.sb.home.join(".git-credentials.lock");
    std::fs::write(&lock, format!("{line}\nhttps://new:pw@other.test\n")).unwrap();
    let old_copy = w.sb.home.join("..git-credentials.git-credential-pat-4242");
    std::fs::write(&old_copy, format!("{line}\n")).unwrap();
    // git itself recognises the lock: it will not write the file while it exists.
    let helper = format!("store --file={home}");
    let git = w.sb.run(
        w.sb.git().args([
            "-c",
            "credential.helper=",
            "-c",
            &format!("credential.helper={helper}"),
            "credential",
            "approve",
        ]),
        "url=https://eve:pw@other.test\n",
    );
    assert!(
        git.stderr.contains("unable to get credential storage lock"),
        "{}",
        git.stderr
    );

    let doctor = w.helper_args(&["doctor", "--offline"], "");
    for said in [
        format!(
            "FAIL  {home}.lock is left from a rewrite of {home} that was stopped (by git-credential-store or `git credential-pat import`)"
        ),
        format!(
            "FAIL  {} is a copy of {home} left by an `import` that was stopped",
            old_copy.display()
        ),
    ] {
        assert!(
            doctor.stdout.contains(&said),
            "no {said:?} in {}",
            doctor.stdout
        );
    }

    let out = w.helper_args(&["import"], "");
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "their lines are still in {home}: run import again to remove them, or delete them by hand: {home}.lock exists: git is writing {home}"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&home_file).unwrap(),
        format!("{line}\n")
    );
    assert_eq!(
        std::fs::read_to_string(&lock).unwrap(),
        format!("{line}\nhttps://new:pw@other.test\n"),
        "the lock is git's, not import's to remove"
    );

    // A lock git holds for a moment is waited for (up to credentialStore.lockTimeoutMS, here
    // long enough that a busy machine cannot make the 300 ms hold outlast it).
    std::fs::remove_file(&old_copy).unwrap();
    let mut config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
    config.push_str("[credentialStore]\n\tlockTimeoutMS = 10000\n");
    std::fs::write(w.sb.gitconfig(), config).unwrap();
    let held = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        std::fs::remove_file(&lock).unwrap();
    });
    let out = w.helper_args(&["import"], "");
    held.join().unwrap();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&home_file).unwrap(), "");
    assert_eq!(credential_files(&w.sb.home), [".git-credentials"]);
    let doctor = w.helper_args(&["doctor", "--offline"], "");
    assert!(
        !doctor.stdout.contains(".git-credentials"),
        "{}",
        doctor.stdout
    );
}

#[test]
fn import_refuses_a_value_with_a_control_character_and_keeps_its_line() {
    let w = World::new(Keychain::Keyutils);
    let home_file = w.sb.home.join(".git-credentials");
    let home = home_file.to_str().unwrap();
    let forged = "https://u2:tok%0Aforge=GitHub%0Ato_revoke=1@ctl.example";
    let tabbed = "https://u%093:pw@ctl.example";
    std::fs::write(
        &home_file,
        format!("{forged}\n{tabbed}\nhttps://u4:fine@ctl.example\n"),
    )
    .unwrap();
    let out = w.helper_args(&["import"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    for said in [
        format!("u2@ctl.example: stays in {home}: its password holds a control character"),
        format!("stays in {home}: its user name holds a control character"),
        "u4@ctl.example: moved into the kernel keyring".to_owned(),
        "2 credentials stayed in plaintext".to_owned(),
    ] {
        assert!(out.stderr.contains(&said), "no {said:?} in {}", out.stderr);
    }
    assert_eq!(
        std::fs::read_to_string(&home_file).unwrap(),
        format!("{forged}\n{tabbed}\n")
    );
    let listed = w.helper_args(&["list", "--json"], "");
    let rows: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    let users: Vec<_> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["username"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(users, ["u4"], "{}", listed.stdout);
}

/// `system.posix_acl_access` for mode 0640 plus `user:65534:r--` (acl_ea.h's layout: version 2,
/// then tag, permissions and id per entry).
fn acl_with_nobody() -> Vec<u8> {
    let mut acl = 2u32.to_le_bytes().to_vec();
    for (tag, perm, id) in [
        (0x01u16, 6u16, u32::MAX),
        (0x02, 4, 65534),
        (0x04, 4, u32::MAX),
        (0x10, 4, u32::MAX),
        (0x20, 0, u32::MAX),
    ] {
        acl.extend(tag.to_le_bytes());
        acl.extend(perm.to_le_bytes());
        acl.extend(id.to_le_bytes());
    }
    acl
}

#[test]
fn import_keeps_the_files_group_mode_and_acl_and_refuses_another_users_file() {
    use std::os::unix::fs::MetadataExt;
    let w = World::new(Keychain::Keyutils);
    let home_file = w.sb.home.join(".git-credentials");
    let home = home_file.to_str().unwrap();
    let line = "https://dave:tok@other.test";
    store_in_plaintext(&w, home, line);
    store_in_plaintext(&w, home, "http://carol:pw@example.com");
    let root = rustix::process::geteuid().is_root();
    if root {
        // Another user's file: rewriting it would make it root's.
        std::os::unix::fs::chown(&home_file, Some(65534), Some(65534)).unwrap();
        let out = w.helper_args(&["import"], "");
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stderr.contains(&format!(
                "git-credential-pat: {home} belongs to user ID 65534, not to this user (ID 0): rewriting it would make it this user's; run import as its owner; its 2 credentials stay in plaintext."
            )),
            "{}",
            out.stderr
        );
        let meta = std::fs::metadata(&home_file).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
        assert!(std::fs::read_to_string(&home_file).unwrap().contains(line));
        std::os::unix::fs::chown(&home_file, Some(0), Some(65534)).unwrap();
    } else {
        eprintln!("note: not root, so another user's file and another group are not tried");
    }
    let acl = acl_with_nobody();
    rustix::fs::setxattr(
        &home_file,
        "system.posix_acl_access",
        &acl,
        rustix::fs::XattrFlags::empty(),
    )
    .unwrap();
    let before = std::fs::metadata(&home_file).unwrap();
    assert_eq!(before.mode() & 0o7777, 0o640);

    let out = w.helper_args(&["import"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(&home_file).unwrap(),
        "http://carol:pw@example.com\n"
    );
    let after = std::fs::metadata(&home_file).unwrap();
    assert_eq!(
        (after.uid(), after.gid(), after.mode() & 0o7777),
        (before.uid(), before.gid(), 0o640)
    );
    let mut kept = vec![0u8; 256];
    let len = rustix::fs::getxattr(&home_file, "system.posix_acl_access", &mut kept[..])
        .expect("the file keeps its ACL");
    assert_eq!(&kept[..len], &acl[..]);
    assert_eq!(credential_files(&w.sb.home), [".git-credentials"]);
}

/// A line git-credential-store wrote for a repository (with `useHttpPath`, which `configure`
/// sets for routing) is kept per host and user, as `store` keeps it: the line is removed once
/// its token is read back from there; and a second such line with a different token for the
/// same user is refused, never stored over the first.
#[test]
fn a_line_with_a_path_is_kept_per_host_and_never_replaces_another_token_of_its_user() {
    const OTHER: &str = "ghp_AliceOther000000000000000000000000008";
    let mut api = mock_api();
    api.mock("GET", "/user")
        .match_header("authorization", format!("Bearer {OTHER}").as_str())
        .with_status(200)
        .with_header("x-oauth-scopes", "repo, workflow")
        .with_body(r#"{"login":"alice"}"#)
        .expect_at_most(usize::MAX)
        .create();
    for kc in keychains() {
        let w = World::new(kc);
        let config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
        std::fs::write(
            w.sb.gitconfig(),
            format!(
                "{config}[credential \"https://{HOST}\"]\n\tpatForge = ghes\n\tpatApiUrl = {}\n",
                api.url()
            ),
        )
        .unwrap();
        let home_file = w.sb.home.join(".git-credentials");
        let home = home_file.to_str().unwrap();
        store_in_plaintext(
            &w,
            home,
            &format!("https://alice:{ALICE_TOKEN}@{HOST}/org/a"),
        );
        let out = w.helper_args(&["import"], "");
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        assert_eq!(
            std::fs::read_to_string(&home_file).unwrap(),
            "",
            "{}: {}",
            w.name(),
            out.stderr
        );
        let fill = w.credential("fill", &format!("protocol=https\nhost={HOST}\n"));
        assert!(
            fill.stdout.contains(&format!("password={ALICE_TOKEN}")),
            "{}: {}",
            w.name(),
            fill.stderr
        );

        let line = format!("https://alice:{OTHER}@{HOST}/org/b");
        std::fs::write(&home_file, format!("{line}\n")).unwrap();
        let before = std::fs::read_to_string(&home_file).unwrap();
        let out = w.helper_args(&["import"], "");
        assert!(
            out.stderr
                .contains("already holds a different token for alice"),
            "{}: {line}: {}",
            w.name(),
            out.stderr
        );
        assert_eq!(std::fs::read_to_string(&home_file).unwrap(), before);
        let fill = w.credential("fill", &format!("protocol=https\nhost={HOST}\n"));
        assert!(
            fill.stdout.contains(&format!("password={ALICE_TOKEN}")),
            "{}: the first token was replaced: {}",
            w.name(),
            fill.stderr
        );
    }
}

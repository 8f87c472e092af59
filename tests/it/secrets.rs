//! Secrets stay secret: a sentinel token is run through every flow (store, get, erase, login,
//! list, logout, doctor and their error paths) and must never appear anywhere but git's
//! answer and the keychain: not in stderr, not in any file under the test's HOME or temp
//! directories (the Secret Service's encrypted keyring included), not in a panic message.
//! And a helper holding a token in memory cannot dump core.

use crate::rig::{self, World, keychains};

const SENTINEL: &str = "ghp_SENTINELz9Qx0000000000000000000000000";
const HOST: &str = "ghe.lab.test";

#[test]
fn the_token_never_reaches_stderr_or_a_file_in_any_flow() {
    let mut api = mockito::Server::new();
    api.mock("GET", "/user")
        .match_header("authorization", format!("Bearer {SENTINEL}").as_str())
        .with_status(200)
        .with_header("x-oauth-scopes", "repo")
        .with_body(r#"{"login":"alice"}"#)
        .expect_at_most(usize::MAX)
        .create();
    api.mock("POST", "/credentials/revoke")
        .with_status(500)
        .create();
    for kc in keychains() {
        let w = World::new(kc);
        let mut config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
        config.push_str(&format!(
            "[credential \"https://{HOST}\"]\n\tpatForge = ghes\n\tpatApiUrl = {}\n",
            api.url()
        ));
        std::fs::write(w.sb.gitconfig(), config).unwrap();
        let cred = format!("protocol=https\nhost={HOST}\nusername=alice\npassword={SENTINEL}\n");
        let mut stderr = String::new();
        let mut run = |out: rig::Output, may_answer: bool| {
            if !may_answer {
                assert!(
                    !out.stdout.contains(SENTINEL),
                    "{}: stdout {}",
                    w.name(),
                    out.stdout
                );
            }
            stderr.push_str(&out.stderr);
        };
        // The git operations, good and bad.
        run(w.credential("approve", &cred), false);
        run(
            w.credential("fill", &format!("protocol=https\nhost={HOST}\n")),
            true,
        );
        run(
            w.helper("get", &format!("protocol=https\nhost={HOST}\n")),
            true,
        );
        run(
            w.helper("store", &format!("{cred}password_expiry_utc=1\n")),
            false,
        );
        run(w.helper("store", &format!("{cred}password=again\n")), false);
        run(w.helper("store", &cred.replace("alice", "al\rice")), false);
        run(w.helper("erase", &format!("{cred}quit=maybe\n")), false);
        // The user's commands, good and bad.
        run(
            w.helper_args(&["login", HOST, "--token-stdin"], &format!("{SENTINEL}\n")),
            false,
        );
        run(
            w.helper_args(&["login", HOST, "--token-stdin"], &format!("{SENTINEL}x\n")),
            false,
        );
        run(
            w.helper_args(
                &["login", "github.com", "--token-stdin"],
                &format!("{SENTINEL} \n"),
            ),
            false,
        );
        run(w.helper_args(&["list"], ""), false);
        run(w.helper_args(&["list", "--json"], ""), false);
        run(w.helper_args(&["doctor"], ""), false);
        run(w.helper_args(&["logout", HOST, "--revoke"], ""), false);
        run(
            w.helper_args(&["logout", HOST, "--revoke", "--force"], ""),
            false,
        );
        run(w.credential("reject", &cred), false);
        assert!(
            !stderr.contains("SENTINEL"),
            "{}: stderr: {stderr}",
            w.name()
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(
            rig::files_containing(w.sb.dir.path(), SENTINEL),
            Vec::<String>::new(),
            "{}",
            w.name()
        );
        if let rig::Keychain::SecretService(ss) = &w.kc {
            // The keyring file is encrypted: the token must not be visible in it either.
            assert!(ss.items(&w.service()).is_empty());
        }
    }
}

#[test]
fn the_keyrings_own_files_do_not_hold_the_token_in_plain_text() {
    let Some(ss) = rig::SecretService::start() else {
        return;
    };
    let w = World::new(rig::Keychain::SecretService(ss));
    w.approve(&format!(
        "protocol=https\nhost=github.com\nusername=alice\npassword={SENTINEL}\n"
    ));
    let rig::Keychain::SecretService(ss) = &w.kc else {
        unreachable!()
    };
    assert_eq!(ss.items(&w.service()).len(), 1);
    assert_eq!(
        rig::files_containing(&ss.home_dir(), SENTINEL),
        Vec::<String>::new()
    );
}

#[test]
fn a_helper_waiting_for_git_cannot_dump_core() {
    let sb = rig::Sandbox::new();
    let mut child = sb
        .helper()
        .args(["--store=keyutils", "get"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The helper is soon blocked reading git's request, its hardening done; a common default
    // soft limit is 0 already, so the hard limit tells whether the helper lowered it.
    let limits_path = format!("/proc/{}/limits", child.id());
    let mut limits = String::new();
    for _ in 0..200 {
        limits = std::fs::read_to_string(&limits_path).unwrap_or_default();
        let core = limits.lines().find(|l| l.starts_with("Max core file size"));
        if core.is_some_and(|l| l.split_whitespace().skip(4).take(2).eq(["0", "0"])) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    drop(child.stdin.take());
    child.wait().unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "{core}");
}

#[test]
fn a_repositorys_own_config_cannot_send_stored_tokens_to_its_server() {
    let mut evil = mockito::Server::new();
    let trap = evil
        .mock("GET", "/user")
        .with_status(200)
        .with_body(r#"{"login":"x"}"#)
        .expect(0)
        .create();
    let revoke_trap = evil
        .mock("POST", "/credentials/revoke")
        .with_status(202)
        .expect(0)
        .create();
    for kc in keychains() {
        let w = World::new(kc);
        w.approve(&format!(
            "protocol=https\nhost=github.com\nusername=alice\npassword={SENTINEL}\n"
        ));
        // A lab archive that ships its own .git/config.
        let repo = w.sb.dir.path().join("lab");
        let init = w.sb.run(w.sb.git().args(["init", "-q"]).arg(&repo), "");
        assert_eq!(init.code, 0, "{}", init.stderr);
        let config = repo.join(".git/config");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(&format!(
            "[credential \"https://github.com\"]\n\tpatApiUrl = {}\n\thelper = !cat > {}/stolen\n",
            evil.url(),
            repo.display()
        ));
        std::fs::write(&config, text).unwrap();
        for args in [&["doctor"][..], &["logout", "github.com", "--revoke"]] {
            let mut cmd = w.sb.helper();
            cmd.current_dir(&repo).arg(w.store_arg()).args(args);
            w.sb.run(&mut cmd, "");
        }
        assert!(
            !repo.join("stolen").exists(),
            "a repository's helper was handed the token"
        );
    }
    trap.assert();
    revoke_trap.assert();
}

//! End to end: real `git clone` and `git push` over HTTPS against `git http-backend` behind
//! nginx with HTTP Basic auth on 127.0.0.1, answered by the helper from each real keychain.

use crate::rig::{GitServer, World, git_version, gits, keychains};
use std::os::unix::fs::PermissionsExt;

const USER: &str = "alice";
const TOKEN: &str = "ghp_server_accepts_this";

fn start_server() -> Option<GitServer> {
    let server = GitServer::start(USER, TOKEN);
    if server.is_none() {
        eprintln!("note: no nginx/fcgiwrap here; skipping the end-to-end test");
    }
    server
}

/// A world on each keychain with each git (PATH's and Debian's 2.39, see `rig::gits`) that
/// trusts `server`'s certificate.
fn worlds(server: &GitServer) -> Vec<World> {
    let mut all = Vec::new();
    for git in gits() {
        for kc in keychains() {
            let mut w = World::new(kc);
            server.trust(&mut w.sb);
            w.sb.set_git(&git);
            eprintln!("with git {} ({})", git_version(&git), w.name());
            all.push(w);
        }
    }
    all
}

fn credential_for(server: &GitServer, password: &str) -> String {
    format!(
        "protocol=https\nhost={}\nusername={USER}\npassword={password}\n",
        server.host()
    )
}

#[test]
fn clone_and_push_are_served_from_the_keychain_without_a_prompt() {
    let Some(server) = start_server() else { return };
    for w in worlds(&server) {
        w.approve(&credential_for(&server, TOKEN));
        let dir = w.sb.dir.path().join("lab");
        let dir = dir.to_str().unwrap();
        let out = w.git(&["clone", &server.repo_url(), dir]);
        assert_eq!(out.code, 0, "{}: clone failed: {}", w.name(), out.stderr);
        let readme = std::fs::read_to_string(format!("{dir}/README")).unwrap();
        assert_eq!(readme, "seed\n");

        let message = format!("pushed through the {}", w.name());
        let out = w.git(&["-C", dir, "commit", "--allow-empty", "-m", &message]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let out = w.git(&["-C", dir, "push", "origin", "HEAD"]);
        assert_eq!(out.code, 0, "{}: push failed: {}", w.name(), out.stderr);
        let log = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(server.repo_path())
            .args(["log", "-1", "--format=%s", "main"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&log.stdout).trim(), message);
        assert_eq!(
            w.stored_tokens(),
            [format!("https://{USER}@{} {TOKEN}|", server.host())],
            "{}",
            w.name()
        );
    }
}

#[test]
fn a_rejected_token_is_erased_and_no_other_token_is_touched() {
    let Some(server) = start_server() else { return };
    for w in worlds(&server) {
        w.approve(&credential_for(&server, "ghp_revoked_long_ago"));
        w.approve("protocol=https\nhost=github.com\nusername=alice\npassword=ghp_other\n");
        let dir = w.sb.dir.path().join("lab");
        let out = w.git(&["clone", &server.repo_url(), dir.to_str().unwrap()]);
        assert_eq!(out.code, 128, "{}: {}", w.name(), out.stderr);
        assert!(
            out.stderr.contains("Authentication failed"),
            "{}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("ghp_"),
            "a token reached stderr: {}",
            out.stderr
        );
        assert_eq!(
            w.stored_tokens(),
            ["https://alice@github.com ghp_other|"],
            "{}: git's erase after the 401 should remove exactly the rejected token",
            w.name()
        );
    }
}

#[test]
fn a_password_typed_at_gits_own_prompt_is_stored_and_serves_the_next_clone() {
    let Some(server) = start_server() else { return };
    for w in worlds(&server) {
        let askpass = w.sb.dir.path().join("askpass.sh");
        std::fs::write(
            &askpass,
            format!("#!/bin/sh\necho \"$1\" >> \"$0.log\"\ncase \"$1\" in Username*) echo {USER};; *) echo {TOKEN};; esac\n"),
        )
        .unwrap();
        std::fs::set_permissions(&askpass, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(w.stored().is_empty());

        let first = w.sb.dir.path().join("first");
        let mut clone = w.sb.git();
        clone.env("GIT_ASKPASS", &askpass).args([
            "clone",
            &server.repo_url(),
            first.to_str().unwrap(),
        ]);
        let out = w.sb.run(&mut clone, "");
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        let asked = std::fs::read_to_string(format!("{}.log", askpass.display())).unwrap();
        assert_eq!(
            asked.lines().count(),
            2,
            "git should have asked for username and password once: {asked}"
        );
        assert_eq!(
            w.stored_tokens(),
            [format!("https://{USER}@{} {TOKEN}|", server.host())],
            "{}",
            w.name()
        );

        // No askpass now, and prompts are disabled: only the keychain can answer.
        let second = w.sb.dir.path().join("second");
        let out = w.git(&["clone", &server.repo_url(), second.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{}: second clone: {}", w.name(), out.stderr);
        let asked_after = std::fs::read_to_string(format!("{}.log", askpass.display())).unwrap();
        assert_eq!(asked_after, asked, "the second clone must not prompt");
    }
}

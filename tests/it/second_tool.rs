//! What `token` and `exec` hand a second tool: exactly the token git is served for the URL
//! (the user git's `credential.<url>.username` names included), with a line on stderr when it
//! is another account's token; and `exec` puts it only in a variable that the tool reads as a
//! token, never in one that programs obey or print (`LD_PRELOAD`, `GIT_TRACE`, `PATH`, …).

use crate::rig::{self, World, keychains};

const ALICE: &str = "ghp_SECONDalice000000000000000000000000";
const BOB: &str = "ghp_SECONDbob00000000000000000000000000";

/// A world with tokens for alice (marked default) and bob on github.com, both checked with
/// GitHub (which ignores the user name sent with a token).
fn two_accounts(kc: rig::Keychain) -> World {
    let w = World::new(kc);
    w.write_raw(
        "https://alice@github.com",
        &format!("{ALICE}\nforge=GitHub\ndefault=1\n"),
    );
    w.write_raw("https://bob@github.com", &format!("{BOB}\nforge=GitHub\n"));
    w
}

/// The password `git credential fill` is served for `url`.
fn git_is_served(w: &World, url: &str) -> String {
    let out = w.credential("fill", &format!("url={url}\n"));
    assert_eq!(
        out.code,
        0,
        "{}: git credential fill: {}",
        w.name(),
        out.stderr
    );
    out.stdout
        .lines()
        .find_map(|l| l.strip_prefix("password="))
        .unwrap_or_default()
        .to_owned()
}

fn set_username(w: &World, value: Option<&str>) {
    let key = "credential.https://github.com.username";
    let mut git = w.sb.git();
    match value {
        Some(v) => git.args(["config", "--global", key, v]),
        None => git.args(["config", "--global", "--unset", key]),
    };
    let out = w.sb.run(&mut git, "");
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn token_and_exec_hand_over_what_git_is_served_and_say_when_it_is_another_accounts() {
    for kc in keychains() {
        let w = two_accounts(kc);
        let exec = ["exec", "--", "sh", "-c", "printf %s \"$GITHUB_TOKEN\""];
        // git's config names bob: git is served bob's token, and so is the tool.
        set_username(&w, Some("bob"));
        assert_eq!(git_is_served(&w, "https://github.com"), BOB, "{}", w.name());
        let out = w.helper_args(&["token"], "");
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, format!("{BOB}\n").as_str(), ""),
            "{}: token with credential.https://github.com.username=bob",
            w.name()
        );
        let out = w.helper_args(&exec, "");
        assert_eq!((out.code, out.stdout.as_str()), (0, BOB), "{}", out.stderr);
        // git's config names carol, of whom nothing is stored: git is served alice's token
        // (GitHub ignores the name); the tool too, with a line saying whose it is.
        set_username(&w, Some("carol"));
        assert_eq!(git_is_served(&w, "https://github.com"), ALICE);
        for args in [&["token"][..], &exec] {
            let out = w.helper_args(args, "");
            assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
            assert!(out.stdout.starts_with(ALICE), "{args:?}: {}", out.stdout);
            assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {}", out.stderr);
            for word in ["carol", "alice", "credential.username"] {
                assert!(out.stderr.contains(word), "{word}: {}", out.stderr);
            }
            assert!(!out.stderr.contains(ALICE), "the token on stderr");
        }
        // A user in the URL, of whom nothing is stored: the same, with a line.
        set_username(&w, None);
        let url = "https://carol@github.com";
        assert_eq!(git_is_served(&w, url), ALICE);
        let out = w.helper_args(&["token", url], "");
        assert_eq!(out.stdout, format!("{ALICE}\n"), "{}", out.stderr);
        assert!(
            out.stderr.contains("carol") && out.stderr.contains("alice"),
            "{}: token {url} said nothing: {}",
            w.name(),
            out.stderr
        );
        // The URL's user is served its own token, silently; --user asks for exactly that
        // account, and another's is not handed over.
        let out = w.helper_args(&["token", "https://bob@github.com"], "");
        assert_eq!(
            (out.stdout.as_str(), out.stderr.as_str()),
            (format!("{BOB}\n").as_str(), "")
        );
        let out = w.helper_args(&["token", "--user", "carol"], "");
        assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{}", out.stderr);
    }
}

#[test]
fn exec_refuses_a_variable_that_programs_obey_and_says_why() {
    let Some(kc) = keychains().into_iter().next() else {
        return;
    };
    let w = two_accounts(kc);
    for name in [
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "DYLD_INSERT_LIBRARIES",
        "GIT_TRACE",
        "GIT_TRACE_CURL",
        "GIT_CONFIG_GLOBAL",
        "BASH_ENV",
        "ENV",
        "SHELLOPTS",
        "PS4",
        "IFS",
        "PATH",
        "TMPDIR",
        "HOME",
        "https_proxy",
    ] {
        let out = w.helper_args(
            &[
                "exec",
                "--env",
                name,
                "--",
                "sh",
                "-c",
                "echo ran >&2; echo ran",
            ],
            "",
        );
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (1, ""),
            "--env {name} ran the command: {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains(ALICE),
            "--env {name}: the token on stderr"
        );
        assert_eq!(out.stderr.lines().count(), 1, "{name}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!("--env {name}:"))
                && out.stderr.contains("GITHUB_TOKEN")
                && !out.stderr.contains("could not run"),
            "--env {name}: {}",
            out.stderr
        );
    }
    // A variable a tool reads as its token is fine, and so is one beside a refused prefix.
    let out = w.helper_args(
        &[
            "exec",
            "--env",
            "GIT_TOKEN",
            "--",
            "sh",
            "-c",
            "printf %s \"$GIT_TOKEN\"",
        ],
        "",
    );
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, ALICE),
        "{}",
        out.stderr
    );
}

//! The built helper driven by the real `git credential fill|approve|reject`, and by raw input
//! on its stdin, on both real keychains: the kernel keyring and a private Secret Service.

use crate::rig::{self, World, git_version, gits, keychains};

const ALICE: &str = "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_alice\n";
const BOB: &str = "protocol=https\nhost=github.com\nusername=bob\npassword=ghp_bob\n";

/// Runs `check` once on each keychain with each git (PATH's and Debian's 2.39, see
/// `rig::gits`), in a fresh world.
fn on_each_keychain(check: impl Fn(&World)) {
    for git in gits() {
        for kc in keychains() {
            let mut world = World::new(kc);
            world.sb.set_git(&git);
            // Captured with the test's output: says which git a failure ran with.
            eprintln!("with git {} ({})", git_version(&git), world.name());
            check(&world);
        }
    }
}

#[test]
fn a_token_approved_through_git_is_filled_back_by_git() {
    on_each_keychain(|w| {
        w.approve(ALICE);
        let out = w.credential("fill", "protocol=https\nhost=github.com\n");
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        assert_eq!(out.stdout, ALICE, "{}", w.name());
        assert_eq!(out.stderr, "");
        assert_eq!(
            w.stored_tokens(),
            ["https://alice@github.com ghp_alice|"],
            "{}",
            w.name()
        );
    });
}

#[test]
fn the_keychain_entry_survives_the_process_and_is_read_by_a_new_one() {
    on_each_keychain(|w| {
        w.approve(ALICE);
        // Each helper run is a new process (with, on the kernel keyring, a new session).
        for _ in 0..2 {
            let out = w.helper("get", "protocol=https\nhost=github.com\n");
            assert_eq!(
                (out.code, out.stdout.as_str()),
                (0, "username=alice\npassword=ghp_alice\n")
            );
        }
    });
}

#[test]
fn fill_for_a_look_alike_host_or_plain_http_gets_nothing_and_git_must_ask() {
    on_each_keychain(|w| {
        w.approve(ALICE);
        for url in [
            "https://github.com.evil.tld",
            "https://evilgithub.com",
            "https://github.com:8443",
            "http://github.com",
            "https://gist.github.com",
        ] {
            let out = w.credential("fill", &format!("url={url}\n"));
            assert_eq!(out.code, 128, "{} {url}: {}", w.name(), out.stdout);
            assert_eq!(out.stdout, "", "{url}");
            assert!(
                out.stderr.contains("terminal prompts disabled"),
                "{url}: {}",
                out.stderr
            );
        }
        let out = w.credential("fill", "url=https://GitHub.COM./org/repo.git\n");
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        assert!(out.stdout.contains("password=ghp_alice\n"));
    });
}

#[test]
fn the_username_git_asks_for_selects_among_users_of_one_host() {
    on_each_keychain(|w| {
        w.approve(ALICE);
        w.approve(BOB);
        let out = w.credential("fill", "protocol=https\nhost=github.com\nusername=alice\n");
        assert_eq!(out.stdout, ALICE, "{}", w.name());
        let out = w.credential("fill", "url=https://bob@github.com/org/repo.git\n");
        assert_eq!(out.stdout, BOB, "{}", w.name());
        let out = w.credential("fill", "protocol=https\nhost=github.com\nusername=carol\n");
        assert_eq!(out.code, 128, "{}", w.name());
    });
}

#[test]
fn reject_with_the_failed_password_erases_only_that_token() {
    on_each_keychain(|w| {
        w.approve(ALICE);
        w.approve(BOB);
        let out = w.credential(
            "reject",
            "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_other\n",
        );
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", "")
        );
        assert_eq!(
            w.stored_tokens().len(),
            2,
            "{}: a different password erased a token",
            w.name()
        );
        let out = w.credential("reject", ALICE);
        assert_eq!(out.code, 0);
        assert_eq!(
            w.stored_tokens(),
            ["https://bob@github.com ghp_bob|"],
            "{}",
            w.name()
        );
    });
}

#[test]
fn erase_by_protocol_and_host_forgets_every_user_of_that_host() {
    on_each_keychain(|w| {
        w.approve(ALICE);
        w.approve(BOB);
        w.approve("protocol=https\nhost=gitlab.com\nusername=carol\npassword=glpat-c\n");
        let out = w.helper("erase", "protocol=https\nhost=github.com\n");
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", "")
        );
        assert_eq!(
            w.stored_tokens(),
            ["https://carol@gitlab.com glpat-c|"],
            "{}",
            w.name()
        );
    });
}

#[test]
fn approve_replaces_the_same_accounts_old_token_and_keeps_expiry_and_refresh_token() {
    on_each_keychain(|w| {
        w.approve(ALICE);
        w.approve("protocol=https\nhost=github.com\nusername=alice\npassword=ghp_new\npassword_expiry_utc=4102444800\noauth_refresh_token=ghr_r\n");
        if !rig::git_at_least(w.sb.git_program(), 2, 41) {
            // git before 2.41 drops both attributes before it runs the helper.
            assert_eq!(w.stored_tokens(), ["https://alice@github.com ghp_new|"]);
            return;
        }
        assert_eq!(
            w.stored_tokens(),
            [
                "https://alice@github.com ghp_new|password_expiry_utc=4102444800|oauth_refresh_token=ghr_r|"
            ],
            "{}",
            w.name()
        );
        let out = w.credential("fill", "protocol=https\nhost=github.com\n");
        assert_eq!(
            out.stdout,
            "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_new\noauth_refresh_token=ghr_r\npassword_expiry_utc=4102444800\n"
        );
    });
}

#[test]
fn an_expired_token_is_neither_kept_nor_served() {
    on_each_keychain(|w| {
        // git itself skips storing an expired credential; the helper must too when called directly.
        let expired = "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_old\npassword_expiry_utc=1000000000\n";
        let out = w.helper("store", expired);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", "")
        );
        assert!(w.stored().is_empty(), "{}", w.name());
    });
}

#[test]
fn a_store_of_an_unchanged_credential_leaves_the_keychain_entry_untouched() {
    on_each_keychain(|w| {
        w.approve(ALICE);
        // Mark the entry behind the helper's back with a line it ignores: a rewrite would drop it.
        w.write_raw(
            "https://alice@github.com",
            "ghp_alice\nmarker=left-by-the-test\n",
        );
        w.approve(ALICE);
        assert_eq!(
            w.stored(),
            ["https://alice@github.com ghp_alice|marker=left-by-the-test|"],
            "{}: git's store after a successful request rewrote an unchanged entry",
            w.name()
        );
        w.approve("protocol=https\nhost=github.com\nusername=alice\npassword=ghp_changed\n");
        assert_eq!(
            w.stored_tokens(),
            ["https://alice@github.com ghp_changed|"],
            "{}",
            w.name()
        );
    });
}

#[test]
fn empty_username_and_password_round_trip_through_git() {
    on_each_keychain(|w| {
        let out = w.helper(
            "store",
            "protocol=https\nhost=github.com\nusername=\npassword=\n",
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        let out = w.helper("get", "protocol=https\nhost=github.com\n");
        assert_eq!(out.stdout, "username=\npassword=\n", "{}", w.name());
    });
}

#[test]
fn unknown_operations_and_capability_exit_zero_silently() {
    on_each_keychain(|w| {
        for op in ["capability", "list-all", "frobnicate"] {
            let out = w.helper(op, "protocol=https\nhost=github.com\n");
            assert_eq!(
                (out.code, out.stdout.as_str(), out.stderr.as_str()),
                (0, "", ""),
                "{op}"
            );
        }
    });
}

#[test]
fn refused_input_gets_no_answer_a_one_line_error_without_the_secret_and_changes_nothing() {
    on_each_keychain(|w| {
        w.approve(ALICE);
        let before = w.stored();
        let long_host = format!("protocol=https\nhost={}\n", "a".repeat(70_000));
        for (op, input) in [
            (
                "get",
                "protocol=https\nhost=github.com\nhost=evil.example\n",
            ),
            ("get", "url=https://github.com%0ahost=evil.example/\n"),
            (
                "get",
                "protocol=https\nhost=github.com\rhost=evil.example\n",
            ),
            ("get", "protocol=https\nhost=github.com\u{2028}evil\n"),
            (
                "store",
                "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_SENTINEL\rx\n",
            ),
            (
                "store",
                "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_SENTINEL\nquit=maybe\n",
            ),
            (
                "erase",
                "protocol=https\nhost=github.com\nnot a key value line\n",
            ),
            ("get", long_host.as_str()),
        ] {
            let out = w.helper(op, input);
            assert_eq!(out.code, 0, "{op} {input:.40?}");
            assert_eq!(out.stdout, "", "{op} {input:.40?}");
            assert_eq!(out.stderr.lines().count(), 1, "{op}: {}", out.stderr);
            assert!(
                out.stderr
                    .starts_with("git-credential-pat: refused the request from git: "),
                "{}",
                out.stderr
            );
            assert!(
                !out.stderr.contains("SENTINEL") && !out.stderr.contains("evil"),
                "{}",
                out.stderr
            );
        }
        assert_eq!(w.stored(), before, "{}", w.name());
    });
}

#[test]
fn namespaces_keep_separate_sets_of_tokens() {
    on_each_keychain(|w| {
        w.approve(ALICE);
        let mut other = w.sb.helper();
        other.env(
            "GIT_CREDENTIAL_PAT_NAMESPACE",
            format!("{}-other", w.sb.namespace),
        );
        let out = w.sb.run(
            other.args([w.store_arg(), "get"]),
            "protocol=https\nhost=github.com\n",
        );
        assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", w.name());
    });
}

/// The syscalls of one helper run (`args`, then `op`) that start a process or open a socket, as
/// strace(1) saw them.
fn process_and_socket_calls(w: &World, args: &[&str], op: &str, input: &str) -> Vec<String> {
    let trace = w.sb.dir.path().join("strace.txt");
    let mut strace = rig::sandboxed(&w.sb, "strace");
    strace
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=execve,fork,vfork,clone,clone3,socket,connect",
            "-o",
        ])
        .arg(&trace)
        .arg(rig::helper_bin())
        .args(args)
        .arg(op);
    let out = w.sb.run(&mut strace, input);
    assert_eq!(out.code, 0, "strace: {}", out.stderr);
    assert!(
        out.stdout.contains("password=ghp_alice"),
        "{args:?}: {}",
        out.stdout
    );
    std::fs::read_to_string(trace)
        .unwrap()
        .lines()
        .map(|l| {
            l.split_once(' ')
                .map_or(l, |(_, call)| call)
                .trim_start()
                .to_owned()
        })
        .collect()
}

#[test]
fn get_of_a_stored_token_starts_no_process_and_opens_no_network_socket() {
    if rig::require_tools("this test", &["strace"]).is_none() {
        return;
    }
    on_each_keychain(|w| {
        w.approve(ALICE);
        // Both with the store named, and chosen automatically as `configure` leaves it.
        for args in [&[w.store_arg()][..], &[]] {
            let calls =
                process_and_socket_calls(w, args, "get", "protocol=https\nhost=github.com\n");
            let execs: Vec<_> = calls.iter().filter(|c| c.starts_with("execve(")).collect();
            assert_eq!(execs.len(), 1, "{} {args:?}: {calls:#?}", w.name());
            // A thread (clone with CLONE_THREAD) bounds the keychain's time; no process starts.
            let processes: Vec<_> = calls
                .iter()
                .filter(|c| {
                    ["fork(", "vfork(", "clone(", "clone3("]
                        .iter()
                        .any(|f| c.starts_with(f))
                })
                .filter(|c| !c.contains("CLONE_THREAD"))
                .collect();
            assert!(processes.is_empty(), "{} {args:?}: {calls:#?}", w.name());
            // The Secret Service is reached over the D-Bus unix socket; nothing else is allowed.
            for socket in calls
                .iter()
                .filter(|c| c.starts_with("socket(") || c.starts_with("connect("))
            {
                assert!(
                    socket.contains("AF_UNIX"),
                    "{}: a non-local socket: {socket}",
                    w.name()
                );
            }
        }
    });
}

//! The token's second use, in other tools: `token` prints exactly the token git would be served,
//! only to a pipe (or with --show, or on the clipboard with --copy: see `clipboard`), and
//! `exec` hands it to a command in an environment variable and passes the exit code on. The
//! lab timer's end and an expired token give nothing, and the token reaches no stderr, no
//! argv and no file. Plus the command line a person meets: help, completions (also through
//! git's own bash completion) and the man page.

use crate::rig::now;
use crate::rig::{self, World, keychains};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const SENTINEL: &str = "glpat-SENTINELz9Qx00000000";
const GL_HOST: &str = "gitlab.lab.test";
const GH_TOKEN: &str = "ghp_SENTINELgithub0000000000000000000000";

/// A world with SENTINEL stored for alice on GL_HOST (a GitLab) and GH_TOKEN for bob on
/// github.com, written straight into the keychain.
fn world(kc: rig::Keychain) -> World {
    let w = World::new(kc);
    w.write_raw(
        &format!("https://alice@{GL_HOST}"),
        &format!("{SENTINEL}\nforge=GitLab\n"),
    );
    w.write_raw("https://bob@github.com", &format!("{GH_TOKEN}\n"));
    w
}

fn sha256(text: &str) -> String {
    let mut cmd = Command::new("sha256sum");
    let out = rig::run_with_timeout(&mut cmd, text.as_bytes(), Duration::from_secs(10));
    out.stdout.split_whitespace().next().unwrap().to_owned()
}

#[test]
fn token_to_a_pipe_prints_exactly_the_token_and_nothing_else() {
    for kc in keychains() {
        let w = world(kc);
        let out = w.helper_args(&["token", GL_HOST], "");
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, format!("{SENTINEL}\n").as_str(), ""),
            "{}",
            w.name()
        );
        // Stored by git (the raw entries lack the Secret Service's user attribute), asked for
        // by URL and user.
        w.approve(&format!(
            "protocol=https\nhost=other.lab.test\nusername=carol\npassword={SENTINEL}\n"
        ));
        let url = "https://other.lab.test/g/r.git";
        let out = w.helper_args(&["token", url, "--user", "carol"], "");
        assert_eq!(out.stdout, format!("{SENTINEL}\n"), "{}", w.name());
        // Default host: github.com.
        let out = w.helper_args(&["token"], "");
        assert_eq!(out.stdout, format!("{GH_TOKEN}\n"), "{}", w.name());
        // Nothing stored: one line, exit 1.
        let out = w.helper_args(&["token", "gitlab.com"], "");
        assert_eq!(out.code, 1, "{}", w.name());
        assert_eq!(out.stdout, "");
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(
            out.stderr.contains("no token is stored for gitlab.com"),
            "{}",
            out.stderr
        );
        let out = w.helper_args(&["token", GL_HOST, "--user", "mallory"], "");
        assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    }
}

#[test]
fn the_lab_timers_end_and_an_expired_token_give_nothing() {
    for kc in keychains() {
        let w = World::new(kc);
        let past = now() - 60;
        w.write_raw(
            &format!("https://alice@{GL_HOST}"),
            &format!("{SENTINEL}\nforge=GitLab\nerase_by={past}\n"),
        );
        w.write_raw(
            "https://bob@github.com",
            &format!("{GH_TOKEN}\npassword_expiry_utc={past}\n"),
        );
        for (host, why) in [(GL_HOST, "lab timer"), ("github.com", "no token is stored")] {
            let out = w.helper_args(&["token", host], "");
            assert_eq!(
                (out.code, out.stdout.as_str()),
                (1, ""),
                "{}: {host}",
                w.name()
            );
            assert!(out.stderr.contains(why), "{}", out.stderr);
            let out = w.helper_args(&["exec", host, "--", "sh", "-c", "echo ran"], "");
            assert_eq!(
                (out.code, out.stdout.as_str()),
                (1, ""),
                "{}: {host}",
                w.name()
            );
        }
        assert!(
            !w.stored().iter().any(|e| e.contains(SENTINEL)),
            "the ended lab's token is erased"
        );
    }
}

#[test]
fn token_on_a_terminal_refuses_without_show() {
    let Some(kc) = keychains().into_iter().next() else {
        return;
    };
    let w = world(kc);
    for (extra, refuses) in [(None, true), (Some("--show"), false)] {
        let mut cmd = rig::sandboxed(&w.sb, rig::helper_bin());
        cmd.args([w.store_arg(), "token", GL_HOST]);
        cmd.args(extra);
        let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn on a pty");
        let out = p.exp_eof().expect("the helper ends");
        if refuses {
            assert!(out.contains("stdout is a terminal"), "{out}");
            assert!(out.contains("--copy") && out.contains("| "), "{out}");
            assert!(!out.contains(SENTINEL), "{out}");
        } else {
            assert!(out.contains(SENTINEL), "{out}");
        }
    }
}

#[test]
fn exec_passes_the_token_in_the_variable_and_the_exit_code() {
    for kc in keychains() {
        let w = world(kc);
        let script = "printf %s \"$GITLAB_TOKEN\" | sha256sum; exit 7";
        let out = w.helper_args(&["exec", GL_HOST, "--", "sh", "-c", script], "");
        assert_eq!(out.code, 7, "{}: {}", w.name(), out.stderr);
        assert!(out.stdout.starts_with(&sha256(SENTINEL)), "{}", out.stdout);
        // GitHub's variable by default for github.com; --env repeats.
        let script = "printf %s \"$GITHUB_TOKEN\" | sha256sum; printf %s \"$A$B\" | sha256sum";
        let out = w.helper_args(&["exec", "--", "sh", "-c", script], "");
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.starts_with(&sha256(GH_TOKEN)), "{}", out.stdout);
        let out = w.helper_args(
            &["exec", "--env", "A", "--env", "B", "--", "sh", "-c", script],
            "",
        );
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert!(lines[0].starts_with(&sha256("")), "{}", out.stdout);
        assert!(
            lines[1].starts_with(&sha256(&format!("{GH_TOKEN}{GH_TOKEN}"))),
            "{}",
            out.stdout
        );
        // A signal death is 128+N to the shell.
        let out = w.helper_args(&["exec", "--", "sh", "-c", "kill -TERM $$"], "");
        assert_eq!(out.code, 128 + 15, "{}", out.stderr);
        // A bad variable name and a missing command are one line each.
        let out = w.helper_args(&["exec", "--env", "A=B", "--", "true"], "");
        assert_eq!(out.code, 1);
        let out = w.helper_args(&["exec", "--", "/nonexistent/tool"], "");
        assert_eq!(out.code, 1);
        assert!(out.stderr.contains("could not run"), "{}", out.stderr);
    }
}

#[test]
fn the_token_reaches_no_stderr_no_argv_and_no_file_through_token_and_exec() {
    for kc in keychains() {
        let w = world(kc);
        let mut stderr = String::new();
        for args in [
            &["token", GL_HOST][..],
            &["token", GL_HOST, "--show"],
            &["token", GL_HOST, "--copy"],
            &["token", "nowhere.test"],
            &["list", GL_HOST],
            &["exec", GL_HOST, "--env", "bad name", "--", "true"],
            &["exec", GL_HOST, "--", "/nonexistent/tool"],
        ] {
            stderr.push_str(&w.helper_args(args, "").stderr);
        }
        // Every process's argv while the command runs: the child reads them all.
        let scan = "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < \"$f\"; echo; done";
        let out = w.helper_args(&["exec", GL_HOST, "--", "sh", "-c", scan], "");
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stdout.contains("cmdline"),
            "the scan ran: {}",
            out.stdout
        );
        assert!(!out.stdout.contains(SENTINEL), "a token in some argv");
        stderr.push_str(&out.stderr);
        assert!(!stderr.contains(SENTINEL), "{}: stderr {stderr}", w.name());
        let files = rig::files_containing(w.sb.dir.path(), SENTINEL);
        assert!(files.is_empty(), "{}: {files:?}", w.name());
    }
}

/// The completion script for bash, written to a file in the sandbox.
fn bash_completion(sb: &rig::Sandbox) -> std::path::PathBuf {
    let out = sb.run(sb.helper().args(["completions", "bash"]), "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let path = sb.dir.path().join("git-credential-pat.bash");
    std::fs::write(&path, out.stdout).unwrap();
    path
}

#[test]
fn git_credential_pat_tab_completes_through_gits_own_bash_completion() {
    let git_completion = Path::new("/usr/share/bash-completion/completions/git");
    if !git_completion.exists() {
        rig::skip("git's bash completion (Debian's git package) is not installed");
        return;
    }
    let sb = rig::Sandbox::new();
    let ours = bash_completion(&sb);
    let complete = |line: &str| {
        let script = r#"
            source "$1"; source "$2"
            read -r -a COMP_WORDS <<< "$3"
            [ "${3: -1}" = " " ] && COMP_WORDS+=("")
            COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$3"; COMP_POINT=${#COMP_LINE}
            if [ "${COMP_WORDS[0]}" = git ]; then
                __git_wrap__git_main git "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            else
                _git__credential__pat git-credential-pat "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            fi
            printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
        "#;
        let mut cmd = rig::sandboxed(&sb, "bash");
        cmd.args(["-c", script, "bash"])
            .arg(git_completion)
            .arg(&ours)
            .arg(line);
        let out = sb.run(&mut cmd, "");
        assert_eq!(out.code, 0, "{line}: {}", out.stderr);
        out.stdout.trim().to_owned()
    };
    assert_eq!(complete("git credential-pat lo"), "login logout");
    assert_eq!(complete("git-credential-pat lo"), "login logout");
    assert_eq!(complete("git credential-pat logout --re"), "--revoke");
    let all = complete("git credential-pat ");
    for word in ["login", "list", "token", "exec", "doctor"] {
        assert!(all.split(' ').any(|w| w == word), "{word} in {all}");
    }
    for hidden in ["completions", "manpage", "get", "store", "erase"] {
        assert!(!all.split(' ').any(|w| w == hidden), "{hidden} in {all}");
    }
}

#[test]
fn help_lists_a_persons_commands_first_with_examples_and_gits_last() {
    let sb = rig::Sandbox::new();
    for args in [&[][..], &["-h"], &["--help"]] {
        let out = sb.run(sb.helper().args(args), "");
        let text = format!("{}{}", out.stdout, out.stderr);
        let at = |word: &str| {
            text.find(&format!("\n  {word} "))
                .unwrap_or_else(|| panic!("{word} in {text}"))
        };
        let person = [
            "login",
            "list",
            "logout",
            "token",
            "exec",
            "configure",
            "doctor",
        ];
        for pair in person.windows(2) {
            assert!(at(pair[0]) < at(pair[1]), "{pair:?}: {text}");
        }
        for git in ["get", "store", "erase"] {
            assert!(at("doctor") < at(git), "{git} last: {text}");
        }
        assert!(text.contains("(git's)"), "{text}");
        assert!(!text.contains("manpage") && !text.contains("completions"));
        for word in person {
            assert!(
                text.contains(&format!("\n  git credential-pat {word}")),
                "an example of {word}: {text}"
            );
        }
    }
    let out = sb.run(sb.helper().args(["token", "-h"]), "");
    assert_eq!(out.stdout.matches("--store").count(), 1, "{}", out.stdout);
    assert!(
        !out.stdout.contains("kernel keyring"),
        "no --store paragraph: {}",
        out.stdout
    );
}

#[test]
fn the_man_page_has_every_command_and_key_and_man_reads_it() {
    let sb = rig::Sandbox::new();
    let out = sb.run(sb.helper().arg("manpage"), "");
    assert_eq!(out.code, 0);
    let page = sb.dir.path().join("git-credential-pat.1");
    std::fs::write(&page, &out.stdout).unwrap();
    for section in [
        "COMMANDS",
        "CONFIGURATION",
        "ENVIRONMENT",
        "FILES",
        "EXAMPLES",
    ] {
        assert!(out.stdout.contains(&format!(".SH {section}")), "{section}");
    }
    assert!(
        !out.stdout.contains("git\\-credential\\-pat\\-"),
        "a page that does not exist"
    );
    if rig::require_tools("reading the man page", &["man"]).is_none() {
        return;
    }
    let mut cmd = Command::new("man");
    cmd.arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("COLUMNS", "100");
    let text = rig::run_with_timeout(&mut cmd, b"", Duration::from_secs(20));
    assert_eq!(text.code, 0, "{}", text.stderr);
    for word in ["credential-pat token", "credential-pat exec", "patLifetime"] {
        assert!(text.stdout.contains(word), "{word}: {}", text.stdout);
    }
}

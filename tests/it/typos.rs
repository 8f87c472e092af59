//! Typos fail loudly for a person and stay silent for git: an unknown word
//! typed at a terminal (or followed by more words) is clap's error with its suggestion and
//! exit 2, and the token stays stored; an unknown operation git sends through a pipe is a
//! silent exit 0, as gitcredentials(7) asks; `get` at a terminal says what it waits for.

use crate::rig::{self, Sandbox, helper_bin, keyutils_entries};

const HOST: &str = "ghe.lab.test";
const TOKEN: &str = "ghp_Alice000000000000000000000000000000001";

/// `sh -c SCRIPT` on a pseudo-terminal, in `sb`'s environment, with the helper's directory on
/// PATH so that `git credential-pat` finds it; the script echoes `exit=$?` at its end.
fn on_a_terminal(sb: &Sandbox, script: &str) -> rexpect::session::PtySession {
    let mut cmd = rig::sandboxed(sb, "sh");
    let dir = helper_bin().parent().unwrap().to_owned();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd.env("PATH", path).args(["-c", script]);
    rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn on a pty")
}

fn store_a_token(sb: &Sandbox) -> String {
    let input = format!("protocol=https\nhost={HOST}\nusername=alice\npassword={TOKEN}\n");
    let out = sb.run(sb.helper().args(["--store=keyutils", "store"]), &input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let service = format!("git-credential-pat:{}", sb.namespace);
    assert_eq!(keyutils_entries(&service).len(), 1);
    service
}

/// `text` without its colour codes (clap colours its errors on a terminal).
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        let end = tail.find('m').map_or(tail.len(), |j| j + 1);
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn a_mistyped_command_at_a_terminal_is_an_error_with_a_suggestion_and_changes_nothing() {
    if rig::require_tools("the typo tests", &["keyctl"]).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let service = store_a_token(&sb);
    for (typed, meant) in [
        ("logut --revoke", "'logout'"),
        ("lgoin", "'login'"),
        ("lsit", "'list'"),
    ] {
        let mut p = on_a_terminal(
            &sb,
            &format!("git credential-pat --store=keyutils {typed}; echo exit=$?"),
        );
        let out = plain(&p.exp_string("exit=").unwrap());
        let code = p.exp_regex("[0-9]+").unwrap().1;
        assert!(
            out.contains(&format!(
                "unrecognized subcommand '{}'",
                typed.split(' ').next().unwrap()
            )) && out.contains("similar subcommand")
                && out.contains(meant),
            "{typed}: {out}"
        );
        assert_eq!(code, "2", "{typed}: {out}");
        assert_eq!(
            keyutils_entries(&service).len(),
            1,
            "{typed} touched the token"
        );
    }
}

#[test]
fn through_a_pipe_more_words_still_mean_a_person_but_a_lone_unknown_operation_is_gits() {
    if rig::require_tools("the typo tests", &["keyctl"]).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let service = store_a_token(&sb);
    // A person's `logut --revoke` in a script: more words follow the unknown one.
    let out = sb.run(
        sb.helper().args(["--store=keyutils", "logut", "--revoke"]),
        "",
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("'logout'"), "{}", out.stderr);
    assert_eq!(keyutils_entries(&service).len(), 1);
    // git's future operation, as git would send it.
    let out = sb.run(sb.helper().arg("capability"), "protocol=https\nhost=x\n");
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
    // And through git itself, which runs the helper with a pipe on stdin.
    let out = sb.run(
        sb.git().args([
            "-c",
            "credential.helper=",
            "-c",
            &format!(
                "credential.helper={} --store=keyutils",
                helper_bin().display()
            ),
            "credential",
            "capability",
        ]),
        "",
    );
    assert!(!out.stderr.contains("unrecognized"), "{}", out.stderr);
}

#[test]
fn get_at_a_terminal_says_that_it_reads_gits_request_on_stdin() {
    let sb = Sandbox::new();
    let mut p = on_a_terminal(&sb, "git credential-pat get; echo exit=$?");
    p.exp_string("`get` reads git's request on stdin").unwrap();
    p.exp_string("git credential-pat list").unwrap();
    // Ctrl-D: an empty request, answered with nothing.
    p.send_control('d').unwrap();
    p.exp_string("exit=0").unwrap();
}

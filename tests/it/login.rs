//! Getting a token: a real `git clone` with an empty keychain, on a pseudo-terminal, walks a
//! person from the token page to a completed clone; `login --token-stdin` does the same from a
//! pipe; with no person present git fails at once with a hint. The forge's API is a local
//! mock (mockito) speaking GitHub's documented headers; the git server is the real HTTPS one.

use crate::rig::GitServer;
use crate::rig::now;
use crate::rig::{self, World, keychains};
use std::time::{Duration, Instant};

const USER: &str = "alice";
/// A classic PAT's shape: `ghp_` and 36 characters.
const TOKEN: &str = "ghp_LabToken000000000000000000000000001";
const EXPIRY_HEADER: &str = "2027-01-31 00:00:00 UTC";
const EXPIRY_UTC: u64 = 1_801_353_600;

/// A world on each keychain that trusts `server` and knows it as a GitHub whose API is `api`.
fn worlds(server: &GitServer, api: &mockito::ServerGuard) -> Vec<World> {
    keychains()
        .into_iter()
        .map(|kc| {
            let mut w = World::new(kc);
            server.trust(&mut w.sb);
            let mut config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
            config.push_str(&format!(
                "[credential \"https://{}\"]\n\tpatForge = github\n\tpatApiUrl = {}\n",
                server.host(),
                api.url()
            ));
            std::fs::write(w.sb.gitconfig(), config).unwrap();
            w
        })
        .collect()
}

fn start() -> Option<(GitServer, mockito::ServerGuard)> {
    let server = GitServer::start(USER, TOKEN)?;
    Some((
        server,
        rig::forge_api::github_user_api(TOKEN, USER, EXPIRY_HEADER),
    ))
}

/// The token page the helper must open for `server`, for a run that began at `start` (its
/// description names the machine and the minute, which may tick over during the run).
fn expected_pages(server: &GitServer, start: u64) -> Vec<String> {
    let machine = gethostname::gethostname().to_string_lossy().into_owned();
    [start, start + 60]
        .iter()
        .map(|&t| {
            let minute = time::OffsetDateTime::from_unix_timestamp(t as i64)
                .unwrap()
                .format(time::macros::format_description!("[year]-[month]-[day]+[hour][minute]"))
                .unwrap();
            format!(
                "https://{}/settings/tokens/new?scopes=repo,workflow&description=git-credential-pat+{machine}+{minute}",
                server.host()
            )
        })
        .collect()
}

/// `git clone <url> <dir>` on a new pseudo-terminal with echo on (rexpect starts it off, which
/// would make "the token was not echoed" true of any prompt), prompts allowed.
fn clone_on_a_terminal(w: &World, url: &str, dir: &str) -> rexpect::session::PtySession {
    let mut cmd = rig::sandboxed(&w.sb, "sh");
    cmd.env("GIT_TERMINAL_PROMPT", "1").args([
        "-c",
        "stty echo; exec git clone \"$1\" \"$2\"",
        "sh",
        url,
        dir,
    ]);
    rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn git clone on a pty")
}

/// git's exit code. rexpect does not re-export nix's `WaitStatus`, so it is read from its
/// `Debug` form, `Exited(Pid(N), CODE)`.
fn exit_code(p: &rexpect::session::PtySession) -> i32 {
    let status = format!("{:?}", p.process().wait().expect("wait for git"));
    status
        .strip_prefix("Exited(")
        .and_then(|s| s.rsplit_once(", "))
        .and_then(|(_, code)| code.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("git ended with {status}"))
}

#[test]
fn the_pseudo_terminal_echoes_typed_text_so_the_hidden_token_check_means_something() {
    let mut p = rexpect::session::spawn_command(
        {
            let mut c = std::process::Command::new("sh");
            c.args(["-c", "stty echo; echo ready; read x; echo got-it"]);
            c
        },
        Some(10_000),
    )
    .unwrap();
    // Input that arrives before `stty echo` has run is not echoed: wait for it.
    p.exp_string("ready").unwrap();
    p.send_line("ghp_VisibleWhenEchoed").unwrap();
    let out = p.exp_string("got-it").unwrap();
    assert!(out.contains("ghp_VisibleWhenEchoed"), "{out:?}");
}

#[test]
fn a_clone_with_an_empty_keychain_opens_the_token_page_takes_the_pasted_token_and_completes() {
    let Some((server, api)) = start() else { return };
    for w in worlds(&server, &api) {
        let started = now();
        let dir = w.sb.dir.path().join("lab");
        let mut p = clone_on_a_terminal(&w, &server.repo_url(), dir.to_str().unwrap());
        let before = p
            .exp_string(&format!(
                "Paste the token for {} (it is not shown; Enter alone cancels): ",
                server.host()
            ))
            .unwrap_or_else(|e| panic!("{}: no prompt: {e}", w.name()));
        assert!(before.contains("no token is stored for"), "{before}");
        assert!(
            before.contains("/settings/tokens/new?scopes=repo,workflow"),
            "{before}"
        );
        p.send_line(TOKEN).unwrap();
        let rest = p.exp_eof().unwrap();
        assert_eq!(
            exit_code(&p),
            0,
            "{}: clone failed: {before}{rest}",
            w.name()
        );
        assert!(
            !before.contains(TOKEN) && !rest.contains(TOKEN),
            "the token was echoed: {rest}"
        );
        assert!(
            rest.contains(&format!(
                "stored the GitHub Enterprise Server token of {USER} for https://{}",
                server.host()
            )),
            "{rest}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("README")).unwrap(),
            "seed\n"
        );

        let pages = w.sb.browser_urls();
        assert_eq!(pages.len(), 1, "{pages:?}");
        assert!(
            expected_pages(&server, started).contains(&pages[0]),
            "{pages:?}"
        );
        assert_eq!(
            w.stored_tokens(),
            [format!(
                "https://{USER}@{} {TOKEN}|password_expiry_utc={EXPIRY_UTC}|\
                 forge=ghes|scopes=repo,workflow|",
                server.host()
            )],
            "{}",
            w.name()
        );

        // The next clone asks nothing: prompts are off, no pty, and the token is served.
        let second = w.sb.dir.path().join("again");
        let out = w.sb.run(
            w.sb.git()
                .args(["clone", &server.repo_url(), second.to_str().unwrap()]),
            "",
        );
        assert_eq!(out.code, 0, "{}: second clone: {}", w.name(), out.stderr);
        assert_eq!(
            w.sb.browser_urls().len(),
            1,
            "the second clone opened the browser"
        );
    }
}

#[test]
fn a_mistyped_or_rejected_token_is_asked_again_and_enter_alone_cancels_storing_nothing() {
    let Some((server, api)) = start() else { return };
    for w in worlds(&server, &api) {
        let dir = w.sb.dir.path().join("lab");
        let mut p = clone_on_a_terminal(&w, &server.repo_url(), dir.to_str().unwrap());
        p.exp_string("Paste the token for").unwrap();
        p.send_line("mytoken").unwrap();
        p.exp_string("that does not look like a GitHub Enterprise Server token")
            .unwrap();
        p.exp_string("attempt 2 of 3").unwrap();
        p.send_line("ghp_Revoked00000000000000000000000000000")
            .unwrap();
        p.exp_string("Bad credentials").unwrap();
        p.exp_string("attempt 3 of 3").unwrap();
        p.send_line("").unwrap();
        let rest = p.exp_eof().unwrap();
        assert!(
            rest.contains("no token given; nothing was stored"),
            "{rest}"
        );
        assert!(
            rest.contains("told us to quit"),
            "git should not prompt again: {rest}"
        );
        assert_ne!(exit_code(&p), 0);
        assert!(w.stored().is_empty(), "{}", w.name());
    }
}

#[test]
fn login_token_stdin_checks_and_stores_the_token_for_the_next_clone() {
    let Some((server, api)) = start() else { return };
    for w in worlds(&server, &api) {
        let target = format!("https://{}", server.host());
        let out = w.helper_args(&["login", &target, "--token-stdin"], &format!("{TOKEN}\n"));
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        assert_eq!(out.stdout, "");
        assert_eq!(
            out.stderr,
            format!(
                "git-credential-pat: stored the GitHub Enterprise Server token of {USER} for {target} in the {} \
                 (scopes repo, workflow; expires 2027-01-31 00:00 UTC (in {} days)).\n",
                w.name(),
                // Rounded to the nearest day, as a person would say it.
                (EXPIRY_UTC - now() + 43_200) / 86_400
            )
        );
        assert!(w.sb.browser_urls().is_empty());
        let dir = w.sb.dir.path().join("lab");
        let out = w.sb.run(
            w.sb.git()
                .args(["clone", &server.repo_url(), dir.to_str().unwrap()]),
            "",
        );
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
    }
}

#[test]
fn login_token_stdin_refuses_a_token_the_forge_rejects_and_stores_nothing() {
    let Some((server, api)) = start() else { return };
    for w in worlds(&server, &api) {
        let target = format!("https://{}", server.host());
        let wrong = "ghp_Revoked00000000000000000000000000000";
        let out = w.helper_args(&["login", &target, "--token-stdin"], &format!("{wrong}\n"));
        assert_eq!(out.code, 1, "{}", w.name());
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains("Bad credentials"), "{}", out.stderr);
        assert!(!out.stderr.contains(wrong));
        assert!(w.stored().is_empty());
    }
}

#[test]
fn with_prompts_disabled_and_nothing_stored_clone_fails_at_once_with_a_hint_and_opens_nothing() {
    let Some((server, api)) = start() else { return };
    for w in worlds(&server, &api) {
        let dir = w.sb.dir.path().join("lab");
        let began = Instant::now();
        let out = w.sb.run(
            w.sb.git()
                .args(["clone", &server.repo_url(), dir.to_str().unwrap()]),
            "",
        );
        let took = began.elapsed();
        assert_eq!(out.code, 128, "{}", out.stderr);
        assert!(took < Duration::from_secs(2), "{}: took {took:?}", w.name());
        let hint = format!(
            "git-credential-pat: no token stored for {host}: create one at https://{host}/settings/tokens/new?scopes=repo,workflow&description=",
            host = server.host()
        );
        assert_eq!(out.stderr.matches(&hint).count(), 1, "{}", out.stderr);
        assert!(
            out.stderr.contains(&format!(
                "then run `git credential-pat login {}`",
                server.host()
            )),
            "{}",
            out.stderr
        );
        assert!(w.sb.browser_urls().is_empty());
        assert!(w.stored().is_empty());
    }
}

#[test]
fn an_unknown_host_with_nothing_stored_gets_no_hint_and_git_prompts_as_usual() {
    let Some(server) = GitServer::start(USER, TOKEN) else {
        return;
    };
    for kc in keychains() {
        let mut w = World::new(kc);
        server.trust(&mut w.sb);
        let dir = w.sb.dir.path().join("lab");
        let out = w.sb.run(
            w.sb.git()
                .args(["clone", &server.repo_url(), dir.to_str().unwrap()]),
            "",
        );
        assert_eq!(out.code, 128);
        assert!(!out.stderr.contains("git-credential-pat"), "{}", out.stderr);
        assert!(
            out.stderr.contains("terminal prompts disabled"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn ctrl_c_at_the_token_prompt_stores_nothing_stops_git_and_gives_the_terminal_its_echo_back() {
    let Some((server, api)) = start() else { return };
    for w in worlds(&server, &api) {
        let dir = w.sb.dir.path().join("lab");
        let mut cmd = rig::sandboxed(&w.sb, "sh");
        cmd.env("GIT_TERMINAL_PROMPT", "1").args([
            "-c",
            "stty echo; git clone \"$1\" \"$2\"; echo \"git-exit=$?\"; read x; echo after-read",
            "sh",
            &server.repo_url(),
            dir.to_str().unwrap(),
        ]);
        let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).unwrap();
        p.exp_string("Paste the token for").unwrap();
        p.send_control('c').unwrap();
        let out = p.exp_string("git-exit=").unwrap();
        assert!(
            out.contains("no token given; nothing was stored"),
            "{}: {out}",
            w.name()
        );
        let code = p.read_line().unwrap();
        assert_ne!(code.trim(), "0", "git should fail after the cancel");
        p.send_line("typed-after-cancel").unwrap();
        let echoed = p.exp_string("after-read").unwrap();
        assert!(
            echoed.contains("typed-after-cancel"),
            "echo was left off: {echoed:?}"
        );
        assert!(w.stored().is_empty(), "{}", w.name());
    }
}

/// A user name in the clone URL that is not the forge's login (another name,
/// an e-mail address, another case) must not walk git into a second token.
#[test]
fn a_user_name_in_the_clone_url_is_served_the_stored_token_instead_of_a_second_token_page() {
    let Some((server, api)) = start() else { return };
    for w in worlds(&server, &api) {
        let url = server
            .repo_url()
            .replacen("https://", "https://Octo-Lab@", 1);
        let dir = w.sb.dir.path().join("lab");
        let mut p = clone_on_a_terminal(&w, &url, dir.to_str().unwrap());
        p.exp_string("Paste the token for")
            .unwrap_or_else(|e| panic!("{}: no prompt: {e}", w.name()));
        p.send_line(TOKEN).unwrap();
        let rest = p.exp_eof().unwrap();
        assert_eq!(exit_code(&p), 0, "{}: first clone: {rest}", w.name());
        assert_eq!(w.sb.browser_urls().len(), 1);

        for (user, dir) in [("Octo-Lab", "again"), ("ALICE", "upper")] {
            let url = server
                .repo_url()
                .replacen("https://", &format!("https://{user}@"), 1);
            let dir = w.sb.dir.path().join(dir);
            let out =
                w.sb.run(w.sb.git().args(["clone", &url, dir.to_str().unwrap()]), "");
            assert_eq!(out.code, 0, "{}: clone as {user}: {}", w.name(), out.stderr);
            assert!(
                !out.stderr.contains("no token stored")
                    && !out.stderr.contains("no token is stored"),
                "{}",
                out.stderr
            );
            let named: Vec<_> = out
                .stderr
                .lines()
                .filter(|l| l.contains("git-credential-pat"))
                .collect();
            assert!(named.len() <= 1, "{named:?}");
            assert_eq!(
                w.sb.browser_urls().len(),
                1,
                "{}: the clone as {user} opened the token page again",
                w.name()
            );
        }
    }
}

#[test]
fn login_at_a_terminal_for_an_account_with_a_token_names_it_and_asks_before_replacing() {
    let Some((server, api)) = start() else { return };
    for w in worlds(&server, &api) {
        let target = format!("https://{}", server.host());
        let out = w.helper_args(&["login", &target, "--token-stdin"], &format!("{TOKEN}\n"));
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        let before = w.stored_tokens();

        let mut cmd = rig::sandboxed(&w.sb, "sh");
        cmd.env("GIT_TERMINAL_PROMPT", "1").args([
            "-c",
            "stty echo; \"$0\" \"$1\" login \"$2\"; echo \"login ended $?\"",
            rig::helper_bin().to_str().unwrap(),
            w.store_arg(),
            &target,
        ]);
        let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn login");
        let said = p
            .exp_string("Replace it with a new token? [y/N] ")
            .unwrap_or_else(|e| panic!("{}: no question: {e}", w.name()));
        assert!(
            said.contains(&format!(
                "git-credential-pat: already stored for {target}: {USER} (scopes repo, workflow; \
                 expires 2027-01-31 00:00 UTC"
            )),
            "{said}"
        );
        p.send_line("n").unwrap();
        let rest = p.exp_string("login ended 1").unwrap();
        assert!(
            rest.contains("kept the stored token; nothing changed"),
            "{rest}"
        );
        assert!(w.sb.browser_urls().is_empty(), "a page opened after no");
        assert_eq!(w.stored_tokens(), before, "{}", w.name());
    }
}

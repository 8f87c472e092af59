//! The agent at a person's own terminal, on a real pseudo-terminal: two far-side `get`s at once
//! for a host with no token run one login flow there, and the one that waited for the terminal
//! is served the token just stored; an agent put in the background of an interactive shell
//! answers what needs the terminal with a log line instead of being stopped by it (SIGTTIN,
//! SIGTTOU), goes on serving, and asks again once `fg` brings it back; SIGTERM while the login
//! flow's hidden paste prompt is open leaves the terminal echoing again.
//!
//! The far side asks through git's own client, `git credential-cache --socket PATH get`
//! (git-credential-cache(1)), from a sandbox of its own; the forge's API is a local mock
//! speaking GitHub's documented `GET /user`. What the tests look at is what a person sees: the
//! terminal's screen, bash's `jobs -l`, `stty -a`, the agent's log and the browser's record.

mod terminal;

use super::{HOST, TOKEN, USER, answer, configure_forge, expiry, store_token, strip_time};
use crate::rig::procs::wait_until;
use crate::rig::{self, Keychain, Output, Sandbox, World, keychains};
use std::path::Path;
use std::thread;
use std::time::Duration;
use terminal::{Shell, TerminalAgent, proc_stat, threads, waiting_threads};

/// The expiry GitHub's API reports for [`TOKEN`], as its header and in seconds since the epoch.
const EXPIRY_HEADER: &str = "2027-01-31 00:00:00 UTC";
const EXPIRY_UTC: u64 = 1_801_353_600;

/// A second allowed host, with a token stored, in the tests where [`HOST`] has none.
const STORED_HOST: &str = "git.lab.test";

/// How long a screen, a log line or a process may take to show what a test waits for on a busy
/// machine: far longer than any of them takes, so that only an agent that never shows it fails.
const WAIT: Duration = Duration::from_secs(30);

/// A world on the kernel keyring, for the tests about the terminal alone (which keychain holds
/// the token plays no part there); `None` after [`rig::require_tools`] when a tool is missing.
fn kernel_keyring(tools: &[&str]) -> Option<World> {
    let mut needed = vec!["keyctl"];
    needed.extend_from_slice(tools);
    rig::require_tools("the agent at its terminal", &needed)?;
    Some(World::new(Keychain::Keyutils))
}

/// The far side's `git credential-cache --socket <socket> get` for `host`, as its git runs it
/// for `credential.helper=cache --socket <socket>`.
fn far_get(far: &Sandbox, socket: &Path, host: &str) -> Output {
    far.run(
        far.git()
            .args(["credential-cache", "--socket"])
            .arg(socket)
            .arg("get"),
        &format!("protocol=https\nhost={host}\n"),
    )
}

/// The agent's per-request log lines in `log` (its stderr), without the prefix and the time,
/// once there are `n` of them; what there is when they do not come in time.
fn requests_in(log: &Path, n: usize) -> Vec<String> {
    let read = || -> Vec<String> {
        std::fs::read_to_string(log)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.strip_prefix("git-credential-pat agent: "))
            .filter_map(strip_time)
            .map(str::to_owned)
            .collect()
    };
    wait_until(WAIT, || Some(read()).filter(|lines| lines.len() >= n)).unwrap_or_else(read)
}

#[test]
fn two_gets_at_once_with_no_token_run_one_login_and_the_one_that_waited_is_served_its_token() {
    let prompt = format!("Paste the token for {HOST} (it is not shown; Enter alone cancels): ");
    let served = format!(" UTC get {HOST} ({USER}): served");
    let page = format!(
        "https://{HOST}/settings/tokens/new?scopes=repo,workflow&description=git-credential-pat+"
    );
    for kc in keychains() {
        let api = rig::forge_api::github_user_api(TOKEN, USER, EXPIRY_HEADER);
        let w = World::new(kc);
        configure_forge(&w, HOST, &api);
        let mut agent = TerminalAgent::start(&w, &["--host", HOST], "");
        let (far, socket) = (Sandbox::new(), agent.socket.clone());
        let (first, second) = thread::scope(|s| {
            let first = s.spawn(|| far_get(&far, &socket, HOST));
            agent.screen.expect(&prompt);
            let before = threads(agent.pid);
            let second = s.spawn(|| far_get(&far, &socket, HOST));
            // The second request has found nothing stored and waits for the terminal: its
            // thread, new since the prompt, waits on a lock or sleeps. Without the right to
            // see that, its thread's existence is what is waited for.
            let waits = wait_until(WAIT, || match waiting_threads(agent.pid) {
                Some(waiting) => waiting.iter().any(|t| !before.contains(t)).then_some(()),
                None => (threads(agent.pid).len() > before.len()).then_some(()),
            });
            if waits.is_none() || first.is_finished() || second.is_finished() {
                agent
                    .screen
                    .fail("the second get did not wait for the terminal while the first held it");
            }
            agent.screen.type_line(TOKEN);
            let mut served_lines = 0;
            while served_lines < 2 {
                if agent.screen.expect_any(&[&served, "Paste the token"]) != served {
                    agent.screen.fail(&format!(
                        "{}: a second login flow started for the get that waited",
                        w.name()
                    ));
                }
                served_lines += 1;
            }
            (
                first.join().expect("a thread"),
                second.join().expect("a thread"),
            )
        });
        for out in [first, second] {
            assert_eq!(
                (out.code, out.stdout.as_str(), out.stderr.as_str()),
                (0, answer(EXPIRY_UTC).as_str(), ""),
                "{}: the far side's get",
                w.name()
            );
        }
        let seen = &agent.screen.seen;
        for once in [
            &prompt,
            &format!("no token is stored for https://{HOST}"),
            &page,
            &format!("stored the GitHub Enterprise Server token of {USER} for https://{HOST}"),
        ] {
            assert_eq!(
                seen.matches(once.as_str()).count(),
                1,
                "{}: {once:?} on the screen:\n{seen}",
                w.name()
            );
        }
        assert!(!seen.contains(TOKEN), "{}: the token was echoed", w.name());
        let pages = w.sb.browser_urls();
        assert!(
            pages.len() == 1 && pages[0].starts_with(&page),
            "{}: the browser was handed {pages:?}",
            w.name()
        );
        assert_eq!(
            w.stored_tokens(),
            [format!(
                "https://{USER}@{HOST} {TOKEN}|password_expiry_utc={EXPIRY_UTC}|\
                 forge=ghes|scopes=repo,workflow|"
            )],
            "{}",
            w.name()
        );
    }
}

#[test]
fn in_the_background_a_get_that_needs_the_terminal_is_not_served_and_the_agent_is_not_stopped() {
    let Some(w) = kernel_keyring(&["bash"]) else {
        return;
    };
    // HOST is a forge the login flow knows, so that only the background keeps it from running.
    let api = rig::forge_api::github_user_api(TOKEN, USER, EXPIRY_HEADER);
    configure_forge(&w, HOST, &api);
    let expires = expiry();
    store_token(&w, STORED_HOST, expires);
    let mut shell = Shell::start(&w);
    let agent = shell.start_agent(&w, &["--host", HOST, "--host", STORED_HOST]);
    assert!(
        proc_stat(agent.pid).is_some_and(|(state, foreground, _)| state != 'T' && !foreground),
        "the agent is not running in the background"
    );
    let far = Sandbox::new();

    let out = shell.far_get(&agent, &far, HOST);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
    let not_served = format!(
        "get {HOST}: not served: no token stored, and the agent's terminal is not in the \
         foreground (`fg` brings it back); run `git credential-pat login {HOST}` on this machine"
    );
    let job = shell.job(&agent);
    assert_eq!(
        requests_in(&agent.log, 1),
        std::slice::from_ref(&not_served),
        "the screen showed:\n{}",
        shell.screen.seen
    );
    assert!(job.contains(" Running "), "`jobs -l` says: {job}");

    // A host with a token stored needs no terminal: still served.
    assert_eq!(
        shell.far_get(&agent, &far, STORED_HOST).stdout,
        answer(expires)
    );
    let served = format!("get {STORED_HOST} ({USER}): served");
    assert_eq!(requests_in(&agent.log, 2), [not_served, served]);
    let job = shell.job(&agent);
    assert!(job.contains(" Running "), "`jobs -l` says: {job}");
    // No login flow started: nothing on the screen, no page handed to the browser.
    let seen = &shell.screen.seen;
    assert!(!seen.contains("no token is stored for"), "{seen}");
    assert_eq!(w.sb.browser_urls(), Vec::<String>::new());
}

#[test]
fn with_confirm_in_the_background_a_get_is_not_served_and_fg_brings_the_question_back() {
    let Some(w) = kernel_keyring(&["bash"]) else {
        return;
    };
    let expires = expiry();
    store_token(&w, HOST, expires);
    let mut shell = Shell::start(&w);
    let agent = shell.start_agent(&w, &["--host", HOST, "--confirm"]);
    let far = Sandbox::new();

    let out = shell.far_get(&agent, &far, HOST);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
    let not_served = format!(
        "get {HOST} ({USER}): not served: the agent's terminal is not in the foreground (`fg` \
         brings it back)"
    );
    assert_eq!(
        requests_in(&agent.log, 1),
        std::slice::from_ref(&not_served)
    );
    let job = shell.job(&agent);
    assert!(job.contains(" Running "), "`jobs -l` says: {job}");
    let question = format!(
        "git-credential-pat agent: serve {USER}'s token for {HOST} to the far side ({})? [y/N] ",
        agent.socket.display()
    );
    assert!(!shell.screen.seen.contains(&question));

    // `fg`, as the log line says: the agent asks again, and y serves.
    shell.screen.type_line("fg");
    let foreground = wait_until(WAIT, || {
        proc_stat(agent.pid)
            .is_some_and(|(_, foreground, _)| foreground)
            .then_some(())
    });
    if foreground.is_none() {
        shell
            .screen
            .fail("`fg` did not bring the agent to the foreground");
    }
    let out = thread::scope(|s| {
        let asking = s.spawn(|| far_get(&far, &agent.socket, HOST));
        shell.screen.expect(&question);
        shell.screen.type_line("y");
        asking.join().expect("the far side's thread")
    });
    assert_eq!(out.stdout, answer(expires));
    let served = format!("get {HOST} ({USER}): served");
    assert_eq!(requests_in(&agent.log, 2), [not_served, served]);

    // Ctrl-C now reaches it, in the foreground, and ends it.
    shell.screen.pty.send_control('c').expect("type Ctrl-C");
    if wait_until(WAIT, || proc_stat(agent.pid).is_none().then_some(())).is_none() {
        shell
            .screen
            .fail("the agent in the foreground did not end on Ctrl-C");
    }
    assert!(!agent.socket.exists(), "the agent left its socket");
}

#[test]
fn sigterm_while_the_hidden_paste_prompt_is_open_leaves_the_terminal_echoing_again() {
    let Some(w) = kernel_keyring(&["stty"]) else {
        return;
    };
    let api = rig::forge_api::github_user_api(TOKEN, USER, EXPIRY_HEADER);
    configure_forge(&w, HOST, &api);
    let mut agent = TerminalAgent::start(
        &w,
        &["--host", HOST],
        r#"echo "agent exit status $?"; stty -a"#,
    );
    let (far, socket) = (Sandbox::new(), agent.socket.clone());
    let out = thread::scope(|s| {
        let asking = s.spawn(|| far_get(&far, &socket, HOST));
        agent.screen.expect(&format!(
            "Paste the token for {HOST} (it is not shown; Enter alone cancels): "
        ));
        // The prompt turns echo off to hide the token (possibly just after it is shown).
        let echo = rustix::termios::LocalModes::ECHO;
        let hidden = wait_until(WAIT, || {
            (!agent.screen.settings().local_modes.contains(echo)).then_some(())
        });
        if hidden.is_none() {
            agent.screen.fail("the paste prompt did not turn echo off");
        }
        let pid = nix::unistd::Pid::from_raw(i32::try_from(agent.pid).expect("a PID"));
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("send SIGTERM");
        let status = agent.screen.expect_number("agent exit status ");
        assert_eq!(status, 0, "the agent's exit status after SIGTERM");
        asking.join().expect("the far side's thread")
    });
    // The far side was not served, and learnt nothing.
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    let stty = match agent.screen.pty.exp_eof() {
        Ok(rest) => rest,
        Err(e) => agent
            .screen
            .fail(&format!("the shell did not end after stty -a ({e})")),
    };
    let words: Vec<&str> = stty
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    for flag in ["echo", "icanon", "isig"] {
        assert!(
            words.contains(&flag),
            "after the agent ended, `stty -a` says {flag} is off:\n{stty}"
        );
    }
    assert!(!socket.exists(), "the agent left its socket");
}

#[test]
fn kill_ends_an_agent_in_the_background_rather_than_its_terminal_stopping_it() {
    let Some(w) = kernel_keyring(&["bash"]) else {
        return;
    };
    let mut shell = Shell::start(&w);
    let agent = shell.start_agent(&w, &["--host", HOST]);
    shell.run(&format!("kill {}", agent.pid));
    let ended = wait_until(WAIT, || match proc_stat(agent.pid) {
        None => Some(true),
        Some(('T', _, _)) => Some(false),
        Some(_) => None,
    });
    if ended != Some(true) {
        let job = shell.job(&agent);
        let why = format!("the agent did not end on SIGTERM; `jobs -l` says: {job}");
        shell.screen.fail(&why);
    }
    assert!(!agent.socket.exists(), "the agent left its socket");
}

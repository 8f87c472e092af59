//! The agent at a person's terminal, on a pseudo-terminal: with `--confirm` it asks before it
//! answers each `get` while the far side's `git clone` waits (y serves the token, n or Enter
//! alone refuses it); with nothing stored it runs the login flow there (the token page opens in
//! this machine's browser, the paste is read without echo and checked with the forge) and the
//! far side's clone goes on; and `--confirm` with no terminal to ask at is refused at start.
//!
//! The far side is another sandbox (its own HOME and git config, no keychain) whose git asks
//! the agent through git's own client, `credential.helper=cache --socket PATH`
//! (git-credential-cache(1)), set in its environment only, as the agent's start line prints it
//! (git-config(1), "ENVIRONMENT"). The git server is the rig's real HTTPS one; the forge's API
//! is a local mock speaking GitHub's documented `GET /user`.

use crate::rig::procs::wait_until;
use crate::rig::{self, Agent, GitServer, Output, Sandbox, World, git_version, gits, keychains};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

const USER: &str = "alice";
/// A classic PAT's shape: `ghp_` and 36 characters.
const TOKEN: &str = "ghp_AgentLogin00000000000000000000000001";
const EXPIRY_HEADER: &str = "2027-01-31 00:00:00 UTC";
const EXPIRY_UTC: u64 = 1_801_353_600;

/// An agent started on its own pseudo-terminal, as a person starts it in a terminal window:
/// its log and its questions are that terminal's screen, and the test types at it.
struct TerminalAgent {
    screen: rexpect::session::PtySession,
    socket: PathBuf,
}

impl TerminalAgent {
    /// Starts `git-credential-pat --store=… agent --socket <socket> ARGS` in `w`'s sandbox on a
    /// new pseudo-terminal with echo on (rexpect starts it off, which would make "the token was
    /// not echoed" true of any prompt), and waits until it prints that it serves and its socket
    /// accepts a connection.
    fn start(w: &World, host: &str, args: &[&str]) -> TerminalAgent {
        let socket = Agent::socket_in(&w.sb);
        let mut cmd = rig::sandboxed(&w.sb, "sh");
        // A person's shell sets no GIT_TERMINAL_PROMPT; the sandbox sets it to 0 for git's sake.
        cmd.env_remove("GIT_TERMINAL_PROMPT")
            .args(["-c", "stty echo; exec \"$@\"", "sh"])
            .arg(rig::helper_bin())
            .arg(w.store_arg())
            .args(["agent", "--socket"])
            .arg(&socket)
            .args(["--host", host])
            .args(args);
        let mut screen =
            rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn the agent on a pty");
        screen
            .exp_string(&format!(
                "git-credential-pat agent: serving {host} on {}",
                socket.display()
            ))
            .unwrap_or_else(|e| panic!("{}: the agent did not start: {e}", w.name()));
        assert!(
            wait_until(Duration::from_secs(20), || UnixStream::connect(&socket)
                .ok())
            .is_some(),
            "{}: the agent said it serves, but {} accepts no connection",
            w.name(),
            socket.display()
        );
        TerminalAgent { screen, socket }
    }

    /// The question `--confirm` asks before serving `user`'s token for `host`.
    fn question(&self, user: &str, host: &str) -> String {
        format!(
            "git-credential-pat agent: serve {user}'s token for {host} to the far side ({})? [y/N] ",
            self.socket.display()
        )
    }

    /// Waits for the log line about one request, `git-credential-pat agent: HH:MM:SS UTC
    /// <what>`, on the agent's terminal; returns the screen up to and with it.
    fn expect_log(&mut self, what: &str) -> String {
        let pattern = format!(
            r"git-credential-pat agent: \d\d:\d\d:\d\d UTC {}\r?\n",
            regex_escape(what)
        );
        let (before, line) = self
            .screen
            .exp_regex(&pattern)
            .unwrap_or_else(|e| panic!("the agent's terminal never said {what:?}: {e}"));
        before + &line
    }

    /// Waits until `question` is on the agent's terminal, checks that `cloning` is still waiting
    /// for its answer, and answers `answer` (then Enter).
    fn answer(
        &mut self,
        question: &str,
        cloning: &thread::ScopedJoinHandle<'_, Output>,
        answer: &str,
    ) {
        self.screen
            .exp_string(question)
            .unwrap_or_else(|e| panic!("the agent never asked {question:?}: {e}"));
        assert!(
            !cloning.is_finished(),
            "the far side's clone ended before the question was answered"
        );
        self.screen.send_line(answer).expect("type at the agent");
    }
}

/// `s` with the regular-expression characters that can occur in a host, a path or a log line
/// escaped.
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A far side for the agent on `socket`: its own sandbox whose git (`git`) asks only the agent,
/// configured in the environment alone (`credential.helper` reset, then `cache --socket PATH`),
/// trusting `server`'s certificate.
fn far_side(socket: &Path, server: &GitServer, git: &Path) -> Sandbox {
    let mut far = Sandbox::new();
    let helper = format!("cache --socket {}", socket.display());
    for (key, value) in [
        ("GIT_CONFIG_COUNT", "2"),
        ("GIT_CONFIG_KEY_0", "credential.helper"),
        ("GIT_CONFIG_VALUE_0", ""),
        ("GIT_CONFIG_KEY_1", "credential.helper"),
        ("GIT_CONFIG_VALUE_1", &helper),
    ] {
        far.set_env(key, value);
    }
    server.trust(&mut far);
    far.set_git(git);
    far
}

/// The far side's `git clone <server> <dir>`, with no terminal and prompts off.
fn clone(far: &Sandbox, server: &GitServer, dir: &Path) -> Output {
    far.run(far.git().arg("clone").arg(server.repo_url()).arg(dir), "")
}

#[test]
fn with_confirm_the_far_sides_clone_waits_for_the_question_and_y_serves_while_n_or_enter_refuse() {
    let Some(server) = GitServer::start(USER, TOKEN) else {
        return;
    };
    let host = server.host();
    for kc in keychains() {
        let w = World::new(kc);
        w.approve(&format!(
            "protocol=https\nhost={host}\nusername={USER}\npassword={TOKEN}\n"
        ));
        let stored = w.stored_tokens();
        let mut agent = TerminalAgent::start(&w, &host, &["--confirm"]);
        let question = agent.question(USER, &host);
        for git in gits() {
            let far = far_side(&agent.socket, &server, &git);
            let with = format!("{} with git {}", w.name(), git_version(&git));

            let served = far.dir.path().join("served");
            let out = thread::scope(|s| {
                let cloning = s.spawn(|| clone(&far, &server, &served));
                agent.answer(&question, &cloning, "y");
                cloning.join().expect("the clone's thread")
            });
            assert_eq!(
                out.code, 0,
                "{with}: the clone after y failed: {}",
                out.stderr
            );
            assert_eq!(
                std::fs::read_to_string(served.join("README")).unwrap(),
                "seed\n"
            );
            agent.expect_log(&format!("get {host} ({USER}): served"));
            // git hands the token back after its success; the agent writes nothing.
            agent.expect_log(&format!(
                "store {host} ({USER}): acknowledged: the token this agent serves"
            ));

            for (answer, dir) in [("n", "refused"), ("", "refused-by-enter")] {
                let dir = far.dir.path().join(dir);
                let out = thread::scope(|s| {
                    let cloning = s.spawn(|| clone(&far, &server, &dir));
                    agent.answer(&question, &cloning, answer);
                    cloning.join().expect("the clone's thread")
                });
                assert_eq!(out.code, 128, "{with}: answered {answer:?}: {}", out.stderr);
                assert!(
                    out.stderr.contains(&format!(
                        "could not read Username for 'https://{host}': terminal prompts disabled"
                    )),
                    "{with}: answered {answer:?}: {}",
                    out.stderr
                );
                agent.expect_log(&format!(
                    "get {host} ({USER}): not served: refused at the terminal"
                ));
            }
            assert_eq!(
                rig::files_containing(far.dir.path(), TOKEN),
                Vec::<String>::new(),
                "{with}: the far side kept the token"
            );
        }
        assert_eq!(
            w.stored_tokens(),
            stored,
            "{}: the keychain changed",
            w.name()
        );

        // Ctrl-C at the agent's terminal stops it, and it removes its socket.
        agent.screen.send_control('c').expect("send Ctrl-C");
        agent.screen.exp_eof().expect("the agent ends on Ctrl-C");
        assert!(
            !agent.socket.exists(),
            "{}: the agent left {}",
            w.name(),
            agent.socket.display()
        );
    }
}

#[test]
fn with_nothing_stored_the_login_runs_at_the_agents_terminal_and_the_far_sides_clone_goes_on() {
    let Some(server) = GitServer::start(USER, TOKEN) else {
        return;
    };
    let api = rig::forge_api::github_user_api(TOKEN, USER, EXPIRY_HEADER);
    let host = server.host();
    let machine = gethostname::gethostname().to_string_lossy().into_owned();
    for kc in keychains() {
        let w = World::new(kc);
        let mut config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
        config.push_str(&format!(
            "[credential \"https://{host}\"]\n\tpatForge = github\n\tpatApiUrl = {}\n",
            api.url()
        ));
        std::fs::write(w.sb.gitconfig(), config).unwrap();
        let mut agent = TerminalAgent::start(&w, &host, &[]);
        let far = far_side(&agent.socket, &server, Path::new("git"));
        let dir = far.dir.path().join("lab");

        let (out, before, after) = thread::scope(|s| {
            let cloning = s.spawn(|| clone(&far, &server, &dir));
            let before = agent
                .screen
                .exp_string(&format!(
                    "Paste the token for {host} (it is not shown; Enter alone cancels): "
                ))
                .unwrap_or_else(|e| panic!("{}: no token prompt: {e}", w.name()));
            assert!(
                !cloning.is_finished(),
                "{}: the far side's clone ended before the token was pasted",
                w.name()
            );
            agent.screen.send_line(TOKEN).expect("paste the token");
            let after = agent.expect_log(&format!("get {host} ({USER}): served"));
            (cloning.join().expect("the clone's thread"), before, after)
        });
        assert_eq!(
            out.code,
            0,
            "{}: the far side's clone: {}",
            w.name(),
            out.stderr
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("README")).unwrap(),
            "seed\n"
        );

        assert!(before.contains("no token is stored for"), "{before}");
        let page = format!(
            "https://{host}/settings/tokens/new?scopes=repo,workflow&description=git-credential-pat+{machine}+"
        );
        assert!(before.contains(&page), "{}: {before}", w.name());
        assert!(
            !before.contains(TOKEN) && !after.contains(TOKEN),
            "{}: the token was echoed: {after}",
            w.name()
        );
        assert!(
            after.contains(&format!(
                "stored the GitHub Enterprise Server token of {USER} for https://{host}"
            )),
            "{}: {after}",
            w.name()
        );
        let pages = w.sb.browser_urls();
        assert_eq!(pages.len(), 1, "{}: {pages:?}", w.name());
        assert!(pages[0].starts_with(&page), "{}: {pages:?}", w.name());

        assert_eq!(
            w.stored_tokens(),
            [format!(
                "https://{USER}@{host} {TOKEN}|password_expiry_utc={EXPIRY_UTC}|\
                 forge=ghes|scopes=repo,workflow|"
            )],
            "{}",
            w.name()
        );
        assert_eq!(
            rig::files_containing(far.dir.path(), TOKEN),
            Vec::<String>::new(),
            "{}: the far side kept the token",
            w.name()
        );
    }
}

#[test]
fn confirm_without_a_terminal_to_ask_at_is_an_error_at_start_and_nothing_listens() {
    let Some(tools) = rig::require_tools("--confirm without a terminal", &["setsid"]) else {
        return;
    };
    let sb = Sandbox::new();
    let socket = Agent::socket_in(&sb);
    // setsid(1) runs the agent in a new session, so it has no controlling terminal even when
    // the tests run in one; its stdin is a pipe.
    let mut cmd = rig::sandboxed(&sb, &tools[0]);
    cmd.env_remove("GIT_TERMINAL_PROMPT")
        .arg("--wait")
        .arg(rig::helper_bin())
        .args(["--store=keyutils", "agent", "--socket"])
        .arg(&socket)
        .args(["--host", "github.com", "--confirm"]);
    let out = sb.run(&mut cmd, "");
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            1,
            "",
            "git-credential-pat: --confirm needs a terminal to ask at\n"
        )
    );
    assert!(!socket.exists(), "{} was created", socket.display());
}

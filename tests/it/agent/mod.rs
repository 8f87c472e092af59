//! `git credential-pat agent` on real parts: the agent serves its own keychain (the kernel
//! keyring, a private Secret Service) on a Unix socket in the test's sandbox, and a far side (a
//! sandbox of its own, with no keychain) asks it through git's own client, `git credential-cache
//! --socket PATH` (git-credential-cache(1)), with git 2.47 and Debian's 2.39.
//!
//! One file per concern: [`serving`] (clone, push, the answer to `get`), [`refusals`] (what the
//! far side may not have or change), [`limits`] (peers of another uid, oversized, slow, broken
//! and too many requests), [`files`] (the agent's socket and its life) and [`container`] (a
//! mount namespace that sees only the socket). This file holds what they share.

mod container;
mod files;
mod limits;
mod refusals;
mod serving;

use crate::rig::procs::wait_until;
use crate::rig::{Agent, Sandbox, World};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// The account the home keychain holds a token for.
const USER: &str = "alice";
/// The token the agent serves (a classic GitHub token's shape).
const TOKEN: &str = "ghp_Agent0000000000000000000000000000001";
/// A made-up GitHub Enterprise Server for the tests that need no git server; its API, when a
/// test needs one, is a local mock (`credential.<url>.patApiUrl`).
const HOST: &str = "ghe.lab.test";
/// The environment variable that shortens the agent's deadline for one request.
const REQUEST_SECONDS: &str = "GIT_CREDENTIAL_PAT_AGENT_REQUEST_SECONDS";
/// How long a raw connection waits for the agent's answer or its close before the test fails:
/// far longer than any deadline the tests set, so an agent that stalls is caught, never waited
/// out.
const ANSWER_WAIT: Duration = Duration::from_secs(30);

/// When the token stored at home expires: a month from now.
fn expiry() -> u64 {
    crate::rig::now() + 30 * 24 * 3600
}

/// Stores [`TOKEN`] for [`USER`] at `host` in `w`'s keychain through `git credential approve`
/// (PATH's git, which passes `password_expiry_utc` on), expiring at `expires`.
fn store_token(w: &World, host: &str, expires: u64) {
    w.approve(&format!(
        "protocol=https\nhost={host}\nusername={USER}\npassword={TOKEN}\n\
         password_expiry_utc={expires}\n"
    ));
}

/// The exact answer the far side's `git credential-cache get` prints for [`TOKEN`].
fn answer(expires: u64) -> String {
    format!("username={USER}\npassword={TOKEN}\npassword_expiry_utc={expires}\n")
}

/// Appends a GitHub whose API is `api` for `host` to the world's git config.
fn configure_forge(w: &World, host: &str, api: &mockito::ServerGuard) {
    let mut config = std::fs::read_to_string(w.sb.gitconfig()).expect("read the git config");
    config.push_str(&format!(
        "[credential \"https://{host}\"]\n\tpatForge = github\n\tpatApiUrl = {}\n",
        api.url()
    ));
    std::fs::write(w.sb.gitconfig(), config).expect("write the git config");
}

/// The far side's `git credential-cache --socket … get` for `host`, asserting that git's client
/// succeeded quietly; returns what it printed for git.
fn far_get(agent: &Agent, far: &Sandbox, host: &str) -> String {
    let out = agent.client(far, "get", &format!("protocol=https\nhost={host}\n"));
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (0, ""),
        "git credential-cache get; the agent's log:\n{}",
        agent.log()
    );
    out.stdout
}

/// The agent's per-request log lines so far, without the `git-credential-pat agent: ` prefix
/// and the `HH:MM:SS UTC ` time: e.g. `get ghe.lab.test (alice): served`. The start-up lines,
/// which carry no time, are left out.
fn requests(agent: &Agent) -> Vec<String> {
    agent
        .log()
        .lines()
        .filter_map(|line| line.strip_prefix("git-credential-pat agent: "))
        .filter_map(strip_time)
        .map(str::to_owned)
        .collect()
}

/// `rest` without its leading `HH:MM:SS UTC `, or None when it does not start with one.
fn strip_time(rest: &str) -> Option<&str> {
    let (time, after) = rest.split_at_checked(13)?;
    let b = time.as_bytes();
    let digits = [0, 1, 3, 4, 6, 7].iter().all(|&i| b[i].is_ascii_digit());
    (digits && b[2] == b':' && b[5] == b':' && &time[8..] == " UTC ").then_some(after)
}

/// Waits until the agent has logged `n` requests and returns them; panics with the log when
/// they do not come. The agent may log a request after it has closed the connection, so a test
/// waits for the line rather than reading the log at once.
fn wait_requests(agent: &Agent, n: usize) -> Vec<String> {
    wait_until(Duration::from_secs(20), || {
        let lines = requests(agent);
        (lines.len() >= n).then_some(lines)
    })
    .unwrap_or_else(|| {
        panic!(
            "the agent did not log {n} requests; its log:\n{}",
            agent.log()
        )
    })
}

/// A raw connection to the agent, with [`ANSWER_WAIT`] as its read and write timeouts.
fn connect(socket: &Path) -> UnixStream {
    let stream = UnixStream::connect(socket)
        .unwrap_or_else(|e| panic!("connect to {}: {e}", socket.display()));
    stream
        .set_read_timeout(Some(ANSWER_WAIT))
        .expect("set a read timeout");
    stream
        .set_write_timeout(Some(ANSWER_WAIT))
        .expect("set a write timeout");
    stream
}

/// Reads what the agent sends until it closes the connection (a reset counts as closed: Linux
/// resets a Unix socket whose peer closed with bytes unread); panics when it does neither within
/// [`ANSWER_WAIT`].
fn read_to_close(stream: &mut UnixStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return got,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("the agent neither answered nor closed the connection: {e}"),
        }
    }
}

/// Sends `request` as git's client does (write it, shut down the write side) and returns the
/// answer. A write the agent cuts short by closing is not an error: the answer then is what it
/// sent before closing.
fn ask_raw(socket: &Path, request: &[u8]) -> Vec<u8> {
    let mut stream = connect(socket);
    if stream.write_all(request).is_ok() {
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
    read_to_close(&mut stream)
}

/// `command`'s words as sh(1) reads them (quotes removed): what the agent prints is meant to be
/// pasted into a shell, so a shell is what reads it here.
fn shell_words(sb: &Sandbox, command: &str) -> Vec<String> {
    let mut split = crate::rig::sandboxed(sb, "sh");
    split.args([
        "-c",
        r#"eval "set -- $1"; printf '%s\n' "$@""#,
        "sh",
        command,
    ]);
    let out = sb.run(&mut split, "");
    assert_eq!(out.code, 0, "sh could not read {command:?}: {}", out.stderr);
    out.stdout.lines().map(str::to_owned).collect()
}

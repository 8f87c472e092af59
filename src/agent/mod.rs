//! `git credential-pat agent`: the keychain's tokens served to git on other machines (a lab VM
//! over SSH, a container) through git's own credential-cache client, so that the far side
//! needs nothing installed and keeps no copy.
//!
//! The far side's git runs `git credential-cache --socket PATH get` (git-credential-cache(1));
//! the socket reaches the agent through an SSH forward or a bind mount. The agent answers from
//! the keychain with the helper's own `get`, for the allowed hosts only; the far side can never
//! write, erase or stop anything at home on its own word. Limits on size, time and requests at
//! once keep a slow or hostile far side from stalling or growing it.
//!
//! One file per concern: [`request`] (the client's wire format, read within limits),
//! [`serve`] (one request and its log line), [`listen`] (the socket and its directory) and
//! [`far`] (the far side's setup: ssh, containers).

mod far;
mod listen;
mod request;
mod serve;

pub(crate) use far::docker_recipe;
pub(crate) use listen::{default_socket, session_socket};

use crate::host::Origin;
use crate::sys::EndingSignals;
use crate::vault::Vault;
use serve::{Agent, Log};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How many requests the agent serves at once; more are closed at once and logged.
pub(crate) const MAX_AT_ONCE: usize = 16;

/// How long a request may take to arrive, by default (seconds).
const REQUEST_SECONDS: u64 = 10;

/// The environment variable that shortens [`REQUEST_SECONDS`] (for tests).
pub(crate) const REQUEST_SECONDS_ENV: &str = "GIT_CREDENTIAL_PAT_AGENT_REQUEST_SECONDS";

/// What `agent` was asked to do.
pub(crate) struct Settings {
    /// The socket to listen on (unless systemd passes one).
    pub(crate) socket: PathBuf,
    /// The hosts whose tokens may be served.
    pub(crate) hosts: Vec<Origin>,
    /// Ask at the terminal before each `get` is answered.
    pub(crate) confirm: bool,
    /// Stop after this long.
    pub(crate) lifetime: Option<Duration>,
    /// `--ssh`: the session to carry the socket to.
    pub(crate) ssh: Option<Ssh>,
}

/// An `agent --ssh` session.
pub(crate) struct Ssh {
    /// ssh's destination, `[user@]host`.
    pub(crate) destination: String,
    /// `-o` options for ssh.
    pub(crate) options: Vec<String>,
    /// The far side's command; empty for a login shell.
    pub(crate) command: Vec<String>,
}

/// Serves `vault`'s tokens as `settings` say until a signal (SIGINT, SIGTERM, SIGHUP,
/// SIGQUIT), the end of `--for`, or the end of the ssh session. Returns the exit code: ssh's
/// with `--ssh`, else 0. The socket file it made is removed at the end.
///
/// # Errors
/// When the socket cannot be made (see [`listen::bind`]), `--confirm` has no terminal, or ssh
/// cannot be started.
pub(crate) fn run(settings: Settings, vault: Vault) -> anyhow::Result<i32> {
    let on_terminal = crate::tty::flow_messages().is_some();
    if settings.confirm && !on_terminal {
        anyhow::bail!("--confirm needs a terminal to ask at");
    }
    // Before any thread starts, so that every thread leaves the signals to the waiter.
    let signals = EndingSignals::catch();
    let listening = listen::open(&settings.socket)?;
    let request_seconds = std::env::var(REQUEST_SECONDS_ENV)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(REQUEST_SECONDS);
    let agent = Arc::new(Agent {
        vault,
        hosts: settings.hosts,
        confirm: settings.confirm,
        on_terminal,
        socket: listening.path.clone(),
        request_deadline: Duration::from_secs(request_seconds),
        expiry_record: crate::expiry::record_path(),
        terminal: std::sync::Mutex::new(()),
        log: Log(std::sync::Mutex::new(Box::new(std::io::stderr()))),
    });
    let started = start_ssh(settings.ssh.as_ref(), &listening.path, &agent);
    let mut ssh = match started {
        Ok(ssh) => ssh,
        Err(e) => {
            listening.remove();
            return Err(e);
        }
    };
    if ssh.is_none() {
        let socket = listening.path.display().to_string();
        agent.log.say(&format!(
            "serving {} on {socket} (Ctrl-C stops it)",
            agent.host_list()
        ));
        agent.log.say(&format!(
            "git on the far side uses it with {}",
            far::env_words(&socket)
        ));
    }
    let listener = listening.listener.try_clone()?;
    let accepting = Arc::clone(&agent);
    std::thread::spawn(move || accept(listener, &accepting));
    let code = wait(&signals, settings.lifetime, ssh.as_mut(), &agent);
    listening.remove();
    Ok(code)
}

/// Starts the ssh session of `--ssh`, logging where the socket goes.
fn start_ssh(
    ssh: Option<&Ssh>,
    local: &std::path::Path,
    agent: &Agent,
) -> anyhow::Result<Option<Child>> {
    let Some(ssh) = ssh else {
        return Ok(None);
    };
    let remote = far::remote_socket();
    let tty = ssh.command.is_empty() && std::io::stdin().is_terminal();
    let mut command = far::ssh_command(
        &ssh.destination,
        &ssh.options,
        local,
        &remote,
        &ssh.command,
        tty,
    );
    agent.log.say(&format!(
        "serving {} to {} through ssh (the far side's socket is {remote})",
        agent.host_list(),
        crate::show::escape(&ssh.destination),
    ));
    let child = command
        .spawn()
        .map_err(|e| anyhow::anyhow!("could not start ssh: {e}; is OpenSSH's client installed?"))?;
    Ok(Some(child))
}

/// Waits for what ends the agent; returns the exit code.
fn wait(
    signals: &EndingSignals,
    lifetime: Option<Duration>,
    mut ssh: Option<&mut Child>,
    agent: &Agent,
) -> i32 {
    let until = lifetime.map(|d| Instant::now() + d);
    loop {
        let left = until.map(|u| u.saturating_duration_since(Instant::now()));
        if left.is_some_and(|l| l.is_zero()) {
            agent.log.say("stopping: the --for time is over");
            if let Some(child) = ssh {
                let _ = child.kill();
                let _ = child.wait();
            }
            return 0;
        }
        // With ssh, look at it every 100 ms; else sleep until the signal or the end of --for.
        let nap = match (&ssh, left) {
            (Some(_), Some(l)) => l.min(Duration::from_millis(100)),
            (Some(_), None) => Duration::from_millis(100),
            (None, Some(l)) => l,
            (None, None) => Duration::from_secs(3600),
        };
        if signals.wait(nap).is_some() {
            agent.log.say("stopping");
            if let Some(child) = ssh.as_deref_mut() {
                let _ = child.kill();
                let _ = child.wait();
            }
            return 0;
        }
        if let Some(child) = ssh.as_deref_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            return exit_code(status);
        }
    }
}

/// ssh's exit code; 128+N when a signal N ended it, as a shell reports it.
fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(255)
}

/// Accepts connections for ever, each served on a thread of its own, at most
/// [`MAX_AT_ONCE`] at a time.
fn accept(listener: std::os::unix::net::UnixListener, agent: &Arc<Agent>) {
    let busy = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            continue;
        };
        let now = crate::sys::now();
        if busy.fetch_add(1, Ordering::SeqCst) >= MAX_AT_ONCE {
            busy.fetch_sub(1, Ordering::SeqCst);
            drop(stream);
            agent.log.line(
                now,
                &format!("dropped a request: {MAX_AT_ONCE} requests already in progress"),
            );
            continue;
        }
        let agent = Arc::clone(agent);
        let slot = Slot(Arc::clone(&busy));
        // A thread that cannot start drops its closure, and with it the slot.
        let _ = std::thread::Builder::new().spawn(move || {
            let _slot = slot;
            agent.handle(stream, now);
        });
    }
}

/// One of the [`MAX_AT_ONCE`] places, given back when the request's thread ends, however it
/// ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

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
mod get;
mod listen;
mod log;
mod request;
mod serve;

pub(crate) use far::docker_recipe;
pub(crate) use listen::{default_socket, session_socket};

use crate::host::Origin;
use crate::sys::EndingSignals;
use crate::vault::{Vault, VaultError};
use log::Log;
use serve::{Agent, Keychain};
use std::collections::VecDeque;
use std::io::IsTerminal;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How many requests the agent serves at once. When that many are busy, a new connection takes
/// the place of the oldest one whose request is still arriving (so that idle connections can
/// never lock git out), or, when every one is being answered, is closed at once.
pub(crate) const MAX_AT_ONCE: usize = 16;

/// How long a request may take to arrive, by default (seconds).
const REQUEST_SECONDS: u64 = 10;

/// The environment variable that shortens [`REQUEST_SECONDS`] (for tests).
pub(crate) const REQUEST_SECONDS_ENV: &str = "GIT_CREDENTIAL_PAT_AGENT_REQUEST_SECONDS";

/// How long ssh gets to restore the terminal and end after SIGTERM, before SIGKILL.
const SSH_GRACE: Duration = Duration::from_secs(5);

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

/// Serves the tokens of the keychain `open` opens as `settings` say until a signal (SIGINT,
/// SIGTERM, SIGHUP, SIGQUIT), the end of `--for`, or the end of the ssh session; `open` opens
/// it again after it failed. Returns the exit code: ssh's with `--ssh`, else 0. The socket file
/// it made is removed at the end, and the terminal's settings are put back.
///
/// # Errors
/// When `--confirm` has no terminal or comes with `--ssh`, the socket's path cannot be
/// forwarded by ssh, the keychain does not open, the socket cannot be made (see
/// [`listen::bind`]), or ssh cannot be started.
pub(crate) fn run(
    settings: Settings,
    open: Box<dyn Fn() -> Result<Vault, VaultError> + Send + Sync>,
) -> anyhow::Result<i32> {
    if settings.confirm && settings.ssh.is_some() {
        anyhow::bail!(
            "--confirm asks at this terminal, which --ssh gives to the ssh session; run \
             `git credential-pat agent --confirm` in a terminal of its own and forward its \
             socket with ssh -R (see the README)"
        );
    }
    if settings.ssh.is_some() && settings.socket.to_string_lossy().contains(':') {
        // ssh -R takes REMOTE:LOCAL, and a ':' in either cannot be told from the separator.
        anyhow::bail!(
            "--socket {}: ssh cannot forward a path with ':' in it; give another --socket",
            settings.socket.display()
        );
    }
    // With --ssh the terminal is the session's: no login flow may read from it.
    let on_terminal = crate::tty::flow_messages().is_some() && settings.ssh.is_none();
    if settings.confirm && !on_terminal {
        anyhow::bail!("--confirm needs a terminal to ask at");
    }
    let raw_terminal = settings
        .ssh
        .as_ref()
        .is_some_and(|s| s.command.is_empty() && std::io::stdin().is_terminal());
    let vault = open()?;
    // Before any thread starts, so that every thread leaves the signals to the waiter.
    let signals = EndingSignals::catch();
    let listening = listen::open(&settings.socket)?;
    let request_seconds = std::env::var(REQUEST_SECONDS_ENV)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(REQUEST_SECONDS);
    // A login's hidden prompt turns echo off; a signal may end the agent in the middle of it.
    let terminal_settings = on_terminal.then(crate::tty::save_settings).flatten();
    let agent = Arc::new(Agent {
        keychain: Keychain::new(vault, open),
        hosts: settings.hosts,
        confirm: settings.confirm,
        on_terminal,
        socket: listening.path.clone(),
        request_deadline: Duration::from_secs(request_seconds),
        expiry_record: crate::expiry::record_path(),
        terminal: Mutex::new(()),
        log: Log::new(Box::new(std::io::stderr()), raw_terminal),
        accepted: Mutex::default(),
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
        let stops = if listening.owned {
            "Ctrl-C stops it"
        } else {
            "the socket systemd passed"
        };
        agent.log.say(&format!(
            "serving {} on {socket} ({stops})",
            agent.host_list()
        ));
        agent.log.say(&format!(
            "git on the far side uses it with {}",
            far::env_words(&socket)
        ));
    }
    let listener = listening.listener.try_clone()?;
    let accepting = Arc::clone(&agent);
    std::thread::spawn(move || accept(&listener, &accepting));
    let code = wait(&signals, settings.lifetime, ssh.as_mut(), &agent);
    listening.remove();
    if let Some(saved) = terminal_settings {
        saved.restore();
    }
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
        "serving {} on {}, forwarded by ssh to {} as {remote}",
        agent.host_list(),
        local.display(),
        crate::show::escape(&ssh.destination),
    ));
    let child = command
        .spawn()
        .map_err(|e| anyhow::anyhow!("could not start ssh: {e}; is OpenSSH's client installed?"))?;
    Ok(Some(child))
}

/// Waits for what ends the agent; returns the exit code.
///
/// `--for` is measured on the wall clock ([`crate::sys::now`]), which, unlike a monotonic
/// clock, goes on while a laptop sleeps: `--for 8h` ends eight hours later, asleep or not.
fn wait(
    signals: &EndingSignals,
    lifetime: Option<Duration>,
    mut ssh: Option<&mut Child>,
    agent: &Agent,
) -> i32 {
    // None: no end (also for a --for too long to add to the clock).
    let until = lifetime.and_then(|d| crate::sys::now().checked_add(d.as_secs()));
    loop {
        let left = until.map(|u| u.saturating_sub(crate::sys::now()));
        if left == Some(0) {
            agent.log.say("stopping: the --for time is over");
            if let Some(child) = ssh {
                end_ssh(child);
            }
            return 0;
        }
        // Look at ssh every 100 ms, and at the clock at least every second (it may jump
        // forward after a sleep).
        let nap = match ssh {
            Some(_) => Duration::from_millis(100),
            None => Duration::from_secs(left.map_or(1, |l| l.min(1))),
        };
        if signals.wait(nap).is_some() {
            agent.log.say("stopping");
            if let Some(child) = ssh.as_deref_mut() {
                end_ssh(child);
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

/// Ends ssh as a person's `kill` would (SIGTERM), so that it puts the terminal back the way it
/// found it; SIGKILL only when it has not ended after [`SSH_GRACE`].
fn end_ssh(child: &mut Child) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
    let gave_up = crate::sys::now() + SSH_GRACE.as_secs();
    while crate::sys::now() <= gave_up {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// ssh's exit code; 128+N when a signal N ended it, as a shell reports it.
fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(255)
}

/// The connections whose request is still arriving, oldest first, by number.
#[derive(Default)]
struct Arriving(Mutex<VecDeque<(u64, UnixStream)>>);

impl Arriving {
    /// Notes connection `id` (a handle on `stream`, to close it from here).
    fn add(&self, id: u64, stream: &UnixStream) {
        if let Ok(handle) = stream.try_clone() {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_back((id, handle));
        }
    }

    /// Forgets connection `id` once its request has arrived; `false` when it was closed to
    /// make room meanwhile.
    fn done(&self, id: u64) -> bool {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match all.iter().position(|(i, _)| *i == id) {
            Some(at) => {
                all.remove(at);
                true
            }
            None => false,
        }
    }

    /// Closes the oldest connection whose request is still arriving; `false` when there is
    /// none.
    fn close_oldest(&self) -> bool {
        let oldest = self.0.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
        match oldest {
            Some((_, stream)) => {
                let _ = stream.shutdown(std::net::Shutdown::Both);
                true
            }
            None => false,
        }
    }
}

/// Accepts connections for ever, each served on a thread of its own, at most
/// [`MAX_AT_ONCE`] at a time.
fn accept(listener: &UnixListener, agent: &Arc<Agent>) {
    let busy = Arc::new(AtomicUsize::new(0));
    let arriving = Arc::new(Arriving::default());
    for (id, stream) in (0u64..).zip(listener.incoming()) {
        let Ok(stream) = stream else {
            // Out of file descriptors, say: wait a moment rather than spin on the error.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        if busy.load(Ordering::SeqCst) >= MAX_AT_ONCE {
            if arriving.close_oldest() {
                agent.log.dropped(&format!(
                    "closed the oldest connection whose request had not arrived, to make room \
                     ({MAX_AT_ONCE} at once at most)"
                ));
            } else {
                drop(stream);
                agent
                    .log
                    .dropped(&format!("{MAX_AT_ONCE} requests already in progress"));
                continue;
            }
        }
        busy.fetch_add(1, Ordering::SeqCst);
        let now = crate::sys::now();
        let agent = Arc::clone(agent);
        let arriving = Arc::clone(&arriving);
        let slot = Slot(Arc::clone(&busy));
        arriving.add(id, &stream);
        // A thread that cannot start drops its closure, and with it the slot.
        let _ = std::thread::Builder::new().spawn(move || {
            let _slot = slot;
            let received = agent.receive(&stream);
            // A connection closed to make room was logged then; it is not answered.
            if !arriving.done(id) {
                return;
            }
            match received {
                Ok(request) => agent.answer(request, stream, now),
                Err(Some(line)) => agent.log.line(&line),
                Err(None) => {}
            }
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

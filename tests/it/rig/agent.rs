//! A running `git credential-pat agent` for one test: started in a [`World`]'s sandbox on that
//! world's keychain, listening on a socket in the sandbox, its stderr (the agent's log) kept in
//! a file the test reads. The far side of a test is another [`Sandbox`] (its own HOME and git
//! config, no keychain) whose git asks the agent through git's own `credential-cache` client.

use super::procs::{Procs, wait_until};
use super::{Output, Sandbox, World, log_file, path_str, read_log};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long an agent may take to listen, or to write an awaited log line, on a busy machine.
const AGENT_WAIT: Duration = Duration::from_secs(20);

/// A running agent; killed (with the processes it started) when dropped.
pub struct Agent {
    /// The socket it serves.
    pub socket: PathBuf,
    log: PathBuf,
    pid: u32,
    procs: Procs,
}

impl Agent {
    /// The socket path a test's agent listens on: `<sandbox>/agent/agent.sock` (the directory
    /// is made by the agent, 0700).
    pub fn socket_in(sb: &Sandbox) -> PathBuf {
        sb.dir.path().join("agent").join("agent.sock")
    }

    /// Starts `git-credential-pat --store=… agent --socket <socket_in> ARGS` in `w`'s sandbox
    /// (stdin not a terminal) and waits until the socket accepts a connection. Panics with the
    /// agent's log when it exits or does not listen in time.
    pub fn start(w: &World, args: &[&str]) -> Agent {
        let socket = Agent::socket_in(&w.sb);
        let mut cmd = w.sb.helper();
        cmd.arg(w.store_arg())
            .arg("agent")
            .arg("--socket")
            .arg(&socket)
            .args(args);
        Agent::spawn(&w.sb, cmd, socket)
    }

    /// Starts `cmd` (an agent command line built by the test) with its stderr in
    /// `<sandbox>/agent.log`, and waits until `socket` accepts a connection.
    pub fn spawn(sb: &Sandbox, mut cmd: Command, socket: PathBuf) -> Agent {
        let log = sb.dir.path().join("agent.log");
        cmd.stdin(Stdio::null())
            .stdout(log_file(&log))
            .stderr(log_file(&log));
        let mut procs = Procs::new();
        let pid = procs.spawn(&mut cmd, false);
        let agent = Agent {
            socket,
            log,
            pid,
            procs,
        };
        let listening = wait_until(AGENT_WAIT, || {
            if agent.exited() {
                return Some(false);
            }
            UnixStream::connect(&agent.socket).ok().map(|_| true)
        });
        assert_eq!(
            listening,
            Some(true),
            "the agent did not listen on {}; its log:\n{}",
            agent.socket.display(),
            agent.log()
        );
        agent
    }

    /// What the agent has written to stderr so far.
    pub fn log(&self) -> String {
        read_log(&self.log)
    }

    /// Waits until the agent's log contains `needle`, and returns the log; panics with the log
    /// when it does not appear in time.
    pub fn wait_for_log(&self, needle: &str) -> String {
        wait_until(AGENT_WAIT, || {
            let log = self.log();
            log.contains(needle).then_some(log)
        })
        .unwrap_or_else(|| {
            panic!(
                "the agent's log never said {needle:?}; it says:\n{}",
                self.log()
            )
        })
    }

    /// Whether the agent process has ended.
    pub fn exited(&self) -> bool {
        self.procs.exited(self.pid)
    }

    /// Waits until the agent has ended by itself and returns its exit code (128 + the signal's
    /// number when a signal ended it); panics with its log when it runs on past the wait.
    ///
    /// The code is read from the kernel's record of the ended, not yet reaped process
    /// (proc(5): `/proc/PID/stat`, its last field `exit_code`, as waitpid(2) reports it):
    /// [`Procs`] reaps its children only when it drops.
    pub fn wait_exit(&self) -> i32 {
        wait_until(AGENT_WAIT, || self.exited().then_some(()))
            .unwrap_or_else(|| panic!("the agent did not end; its log:\n{}", self.log()));
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
            .unwrap_or_else(|e| panic!("read /proc/{}/stat of the ended agent: {e}", self.pid));
        let status: i32 = stat
            .trim_end()
            .rsplit(' ')
            .next()
            .and_then(|f| f.parse().ok())
            .unwrap_or_else(|| panic!("no exit_code field in /proc/{}/stat: {stat}", self.pid));
        match status & 0x7f {
            0 => (status >> 8) & 0xff,
            signal => 128 + signal,
        }
    }

    /// The agent's PID.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Sends SIGTERM and waits until the agent has ended.
    pub fn stop(&self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        assert!(
            wait_until(AGENT_WAIT, || self.exited().then_some(())).is_some(),
            "the agent did not end on SIGTERM; its log:\n{}",
            self.log()
        );
    }

    /// The `credential.helper` value that makes git ask this agent: git's own client,
    /// `cache --socket PATH`.
    pub fn helper_value(&self) -> String {
        format!("cache --socket {}", path_str(&self.socket))
    }

    /// A far side for this agent: a new sandbox (its own HOME and global git config, no
    /// keychain, no D-Bus) whose git asks only this agent.
    pub fn far_side(&self) -> Sandbox {
        let far = Sandbox::new();
        std::fs::write(
            far.gitconfig(),
            format!(
                "[credential]\n\thelper =\n\thelper = \"{}\"\n",
                self.helper_value()
            ),
        )
        .expect("write the far side's git config");
        far
    }

    /// Runs `git credential-cache --socket <socket> <action>` (git's own client) in `sb` with
    /// `input`, as git runs it for a helper.
    pub fn client(&self, sb: &Sandbox, action: &str, input: &str) -> Output {
        sb.run(
            sb.git()
                .args(["credential-cache", "--socket"])
                .arg(&self.socket)
                .arg(action),
            input,
        )
    }
}

/// Whether `path` is a socket file.
pub fn is_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

//! The processes behind the rig: [`Procs`] (daemons in their own process groups, killed on
//! drop and, through a watchdog shell, even when the test process dies), [`run_with_timeout`]
//! (run a command to completion, never hang) and [`wait_until`] (bounded polling).

use super::std_path;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long `Sandbox::run` lets a command live before it counts as hung.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a daemon may take to become ready before startup counts as failed.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// The result of `Sandbox::run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The exit code, or 128 + the signal number when the process was killed by a signal
    /// (the shell's convention), so a crash never looks like success.
    pub code: i32,
    /// Everything the process wrote to stdout (lossy UTF-8).
    pub stdout: String,
    /// Everything the process wrote to stderr (lossy UTF-8).
    pub stderr: String,
}

/// The daemons one rig object owns, plus a watchdog that kills them if this test process dies
/// without running Drop.
///
/// The watchdog is `sh` in its own process group reading target PIDs (or `-PGID`s) from a pipe
/// only we hold; when the pipe closes, because we dropped it or because the kernel closed it
/// when the process died, it SIGKILLs every target. Its own group keeps it out of the signals a
/// test runner sends to the test's group.
pub struct Procs {
    watchdog: Option<Child>,
    feed: Option<ChildStdin>,
    children: Vec<Child>,
    groups: Vec<String>,
}

impl Procs {
    pub fn new() -> Procs {
        let mut watchdog = Command::new("sh")
            .args([
                "-c",
                "t=; while read -r x; do t=\"$t $x\"; done; [ -n \"$t\" ] && kill -s KILL -- $t 2>/dev/null; exit 0",
            ])
            .env_clear()
            .env("PATH", std_path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn the rig's watchdog shell: {e}"));
        let feed = watchdog.stdin.take();
        Procs {
            watchdog: Some(watchdog),
            feed,
            children: Vec::new(),
            groups: Vec::new(),
        }
    }

    /// Spawn `cmd` in its own process group (so a Ctrl-C meant for the test runner does not
    /// kill it before we do) and put it under watch. Returns its PID.
    pub fn spawn(&mut self, cmd: &mut Command, keep_stdin: bool) -> u32 {
        cmd.process_group(0);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn {cmd:?}: {e}"));
        if !keep_stdin {
            drop(child.stdin.take());
        }
        let pid = child.id();
        self.watch(&pid.to_string());
        self.children.push(child);
        pid
    }

    pub fn take_stdin(&mut self, pid: u32) -> Option<ChildStdin> {
        self.children
            .iter_mut()
            .find(|c| c.id() == pid)
            .and_then(|c| c.stdin.take())
    }

    /// Add a kill target: a PID, or `-PGID` for a whole process group.
    pub fn watch(&mut self, target: &str) {
        if target.starts_with('-') {
            self.groups.push(target.to_owned());
        }
        if let Some(feed) = self.feed.as_mut() {
            let _ = writeln!(feed, "{target}");
        }
    }

    /// Whether a child has died, without reaping it: until Drop reaps it, its PID cannot be
    /// reused, so the watchdog can never kill an unrelated process that inherited the number
    /// (pid_max is 32768 on this machine, and a long test run wraps it).
    pub fn exited(&self, pid: u32) -> bool {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The state letter follows the parenthesised command name, which may hold spaces.
        let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
        matches!(state.and_then(|s| s.chars().next()), None | Some('Z' | 'X'))
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        let mut watchdog_did_it = false;
        if let Some(mut watchdog) = self.watchdog.take() {
            let alive = matches!(watchdog.try_wait(), Ok(None));
            drop(self.feed.take());
            watchdog_did_it = alive && watchdog.wait().is_ok();
        }
        if !watchdog_did_it && !self.groups.is_empty() {
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--"])
                .args(&self.groups)
                .stderr(Stdio::null())
                .status();
        }
        // Reap our direct children so they do not linger as zombies of the test process.
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Spawn `cmd` with piped stdio, feed it `input`, collect its output, and kill it and panic
/// if it outlives `timeout`.
pub fn run_with_timeout(cmd: &mut Command, input: &[u8], timeout: Duration) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    // A child that never reads stdin must not block us, so the write happens on its own thread.
    thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let stdout = reader(child.stdout.take().expect("piped stdout"));
    let stderr = reader(child.stderr.take().expect("piped stderr"));

    let deadline = Instant::now() + timeout;
    let mut nap = Duration::from_micros(200);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => {}
            Err(e) => panic!("waiting for {cmd:?}: {e}"),
        }
        thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(10));
    };
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        let grace = Instant::now() + Duration::from_secs(2);
        panic!(
            "{cmd:?} ran longer than {timeout:?} and was killed.\n--- stdout so far:\n{}\n--- stderr so far:\n{}",
            collect(&stdout, grace),
            collect(&stderr, grace)
        );
    };
    // A grandchild that kept the pipes open (a daemon it started) must not hang the test either.
    let grace = Instant::now() + Duration::from_secs(5);
    Output {
        code: status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
        stdout: collect(&stdout, grace),
        stderr: collect(&stderr, grace),
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

fn collect(rx: &mpsc::Receiver<Vec<u8>>, deadline: Instant) -> String {
    let wait = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(wait) {
        Ok(buf) => String::from_utf8_lossy(&buf).into_owned(),
        Err(_) => "<pipe still open: a background process kept it>".to_owned(),
    }
}

/// Poll `probe` until it yields a value or `timeout` passes, starting fast (startup is
/// usually a few ms) and backing off to 10 ms so a slow machine is not hammered.
pub fn wait_until<T>(timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    let mut nap = Duration::from_millis(1);
    loop {
        if let Some(v) = probe() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(10));
    }
}

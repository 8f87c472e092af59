//! The machinery of the terminal tests: a pseudo-terminal's screen (rexpect), an agent in a
//! terminal's foreground, an interactive bash with job control and the agent it put in the
//! background, and what `/proc` tells of a process (stopped, in the foreground, its threads).

use super::WAIT;
use crate::rig::procs::wait_until;
use crate::rig::{self, Agent, Output, Sandbox, World};
use rexpect::ReadUntil;
use rexpect::session::PtySession;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::thread;

/// What `/proc/PID/stat` (proc(5)) says of a process: its state letter (`T` when stopped,
/// e.g. by SIGTTIN or SIGTTOU), whether its group is its terminal's foreground group (`pgrp`
/// = `tpgid`), and its start time; `None` once it has ended (a zombie counts as ended).
pub(super) fn proc_stat(pid: u32) -> Option<(char, bool, String)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields follow the parenthesised command name, which may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    if matches!(state, 'Z' | 'X') {
        return None;
    }
    let foreground = fields.get(2)? == fields.get(5)?;
    Some((state, foreground, (*fields.get(19)?).to_owned()))
}

/// The ids of `pid`'s threads.
pub(super) fn threads(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The ids of `pid`'s threads that are waiting on a lock or asleep (futex(2), nanosleep(2),
/// clock_nanosleep(2)), as `/proc/PID/task/TID/syscall` shows them: a request waiting for the
/// agent's terminal is one of them. `None` when that file cannot be read: it needs the right
/// to ptrace the agent, which makes itself non-dumpable, so only root may read it.
/// Linux only: elsewhere there is no `/proc`, and this is `None`.
#[cfg(target_os = "linux")]
pub(super) fn waiting_threads(pid: u32) -> Option<Vec<String>> {
    let waits = [
        libc::SYS_futex,
        libc::SYS_nanosleep,
        libc::SYS_clock_nanosleep,
    ];
    let mut waiting = Vec::new();
    for tid in threads(pid) {
        let Ok(call) = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall")) else {
            // A thread that ended meanwhile is not waiting; an unreadable one means no right.
            std::fs::metadata(format!("/proc/{pid}/task/{tid}")).ok()?;
            continue;
        };
        let number = call.split_whitespace().next().and_then(|n| n.parse().ok());
        if number.is_some_and(|n: libc::c_long| waits.contains(&n)) {
            waiting.push(tid);
        }
    }
    Some(waiting)
}

/// Without `/proc` (macOS, where the test binary is only type-checked): unknown.
#[cfg(not(target_os = "linux"))]
pub(super) fn waiting_threads(_pid: u32) -> Option<Vec<String>> {
    None
}

/// A process the test started through a shell, killed (SIGKILL) when this drops unless it has
/// ended: a failing test leaves no agent behind, and far-side clients waiting on it return. It
/// is known by its PID and start time, so that a PID reused after it ended is never hit.
struct Ender {
    pid: u32,
    started: String,
}

impl Ender {
    /// Watches `pid`, which must be running.
    fn new(pid: u32) -> Ender {
        let (_, _, started) =
            proc_stat(pid).unwrap_or_else(|| panic!("process {pid} ended before it was watched"));
        Ender { pid, started }
    }

    /// Kills the process now, if it is still the one watched.
    fn kill(&self) {
        if proc_stat(self.pid).is_some_and(|(_, _, started)| started == self.started) {
            let pid = nix::unistd::Pid::from_raw(i32::try_from(self.pid).expect("a PID"));
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
    }
}

impl Drop for Ender {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A pseudo-terminal's screen as a person sees it, with the agent whose end a failure forces.
pub(super) struct Screen {
    /// Declared first, so that the agent ends before the terminal's process is told to.
    agent: Option<Ender>,
    pub(super) pty: PtySession,
    /// Everything the screen has shown so far.
    pub(super) seen: String,
}

impl Screen {
    /// `cmd` on a new pseudo-terminal.
    pub(super) fn spawn(cmd: std::process::Command) -> Screen {
        let mut pty = rexpect::session::spawn_command(cmd, Some(WAIT.as_millis() as u64))
            .expect("spawn a command on a pseudo-terminal");
        // rexpect sends SIGTERM when the session drops, which an interactive bash ignores:
        // SIGKILL follows at once.
        pty.process_mut().set_kill_timeout(Some(0));
        Screen {
            agent: None,
            pty,
            seen: String::new(),
        }
    }

    /// Waits until the screen shows `needle`; returns what came before it.
    pub(super) fn expect(&mut self, needle: &str) -> String {
        match self.pty.exp_string(needle) {
            Ok(before) => {
                self.seen.push_str(&before);
                self.seen.push_str(needle);
                before
            }
            Err(e) => self.fail(&format!("the screen never showed {needle:?} ({e})")),
        }
    }

    /// Waits until the screen shows one of `needles`; returns the one it showed first.
    pub(super) fn expect_any(&mut self, needles: &[&str]) -> String {
        let any = needles
            .iter()
            .map(|n| ReadUntil::String((*n).to_owned()))
            .collect();
        match self.pty.exp_any(any) {
            Ok((before, found)) => {
                self.seen.push_str(&before);
                self.seen.push_str(&found);
                found
            }
            Err(e) => self.fail(&format!("the screen showed none of {needles:?} ({e})")),
        }
    }

    /// Waits for `prefix` and a number after it (a PID, an exit status); returns the number.
    pub(super) fn expect_number(&mut self, prefix: &str) -> u32 {
        match self.pty.exp_regex(&format!("{prefix}[0-9]+")) {
            Ok((before, found)) => {
                self.seen.push_str(&before);
                self.seen.push_str(&found);
                found[prefix.len()..].parse().expect("a number")
            }
            Err(e) => self.fail(&format!(
                "the screen never showed {prefix:?} and a number ({e})"
            )),
        }
    }

    /// Types `line` and Enter.
    pub(super) fn type_line(&mut self, line: &str) {
        if let Err(e) = self.pty.send_line(line) {
            self.fail(&format!("could not type at the terminal: {e}"));
        }
    }

    /// The terminal's settings now (the slave's, read through the master: on Linux the
    /// termios requests on a pseudo-terminal's master act on its slave, tty_ioctl(4)).
    pub(super) fn settings(&self) -> rustix::termios::Termios {
        let master = self
            .pty
            .process()
            .get_file_handle()
            .expect("a handle on the terminal");
        rustix::termios::tcgetattr(&master).expect("the terminal's settings")
    }

    /// Ends the agent (so that nothing waits on it), then fails the test with `why` and the
    /// screen.
    pub(super) fn fail(&mut self, why: &str) -> ! {
        if let Some(agent) = &self.agent {
            agent.kill();
        }
        panic!("{why}\nthe screen showed:\n{}", self.seen)
    }
}

/// An agent started on its own pseudo-terminal as a person starts it in a terminal window:
/// its log and its prompts are that screen, and the test types at it.
pub(super) struct TerminalAgent {
    pub(super) screen: Screen,
    pub(super) pid: u32,
    pub(super) socket: PathBuf,
}

impl TerminalAgent {
    /// Runs `git-credential-pat --store=… agent --socket <socket> ARGS` in `w`'s sandbox on a
    /// new pseudo-terminal, in the terminal's foreground, with echo on (rexpect starts a
    /// terminal without it, which would make "the token was not echoed" true of any prompt),
    /// then the shell commands `then` once it ends; waits until it serves.
    pub(super) fn start(w: &World, args: &[&str], then: &str) -> TerminalAgent {
        let socket = Agent::socket_in(&w.sb);
        // The inner sh says its PID and becomes the agent (exec), so that the test knows it.
        let script =
            format!(r#"stty echo; sh -c 'echo "agent pid $$"; exec "$@"' sh "$@"; {then}"#);
        let mut cmd = rig::sandboxed(&w.sb, "sh");
        // A person's shell sets no GIT_TERMINAL_PROMPT; the sandbox sets it to 0 for git's sake.
        cmd.env_remove("GIT_TERMINAL_PROMPT")
            .args(["-c", &script, "sh"])
            .arg(rig::helper_bin())
            .arg(w.store_arg())
            .args(["agent", "--socket"])
            .arg(&socket)
            .args(args);
        let mut screen = Screen::spawn(cmd);
        let pid = screen.expect_number("agent pid ");
        screen.agent = Some(Ender::new(pid));
        screen.expect("git-credential-pat agent: serving ");
        if wait_until(WAIT, || UnixStream::connect(&socket).ok()).is_none() {
            screen.fail("the agent said it serves, but its socket accepts no connection");
        }
        TerminalAgent {
            screen,
            pid,
            socket,
        }
    }
}

/// An interactive bash on a new pseudo-terminal, with job control, as in a person's terminal
/// window, and the agent it started in the background.
pub(super) struct Shell {
    pub(super) screen: Screen,
    /// How many commands [`Shell::run`] has run.
    commands: u32,
}

/// An agent started by [`Shell::start_agent`].
pub(super) struct BackgroundAgent {
    pub(super) pid: u32,
    pub(super) socket: PathBuf,
    pub(super) log: PathBuf,
}

impl Shell {
    /// `bash -i` (no startup files, no line editing) in `w`'s sandbox, at its prompt.
    pub(super) fn start(w: &World) -> Shell {
        let mut cmd = rig::sandboxed(&w.sb, "bash");
        cmd.env_remove("GIT_TERMINAL_PROMPT")
            .env("PS1", "at-terminal> ")
            .args(["--norc", "--noprofile", "--noediting", "-i"]);
        let mut screen = Screen::spawn(cmd);
        screen.expect("at-terminal> ");
        Shell {
            screen,
            commands: 0,
        }
    }

    /// Runs `command` at the prompt; returns what the screen showed until it ended.
    pub(super) fn run(&mut self, command: &str) -> String {
        self.commands += 1;
        // The quotes keep the typed line, should the terminal echo it, from matching.
        let done = format!("done-{}", self.commands);
        self.screen
            .type_line(&format!("{command}; echo \"done-\"\"{}\"", self.commands));
        self.screen.expect(&done)
    }

    /// Starts `git-credential-pat --store=… agent --socket … ARGS 2>LOG &` in the background
    /// and waits until it serves.
    pub(super) fn start_agent(&mut self, w: &World, args: &[&str]) -> BackgroundAgent {
        let socket = Agent::socket_in(&w.sb);
        let log = w.sb.dir.path().join("agent.log");
        let quote = |p: &Path| format!("'{}'", p.display());
        self.screen.type_line(&format!(
            "{} {} agent --socket {} {} 2>{} & echo \"agent pid $!\"",
            quote(&rig::helper_bin()),
            w.store_arg(),
            quote(&socket),
            args.join(" "),
            quote(&log),
        ));
        let pid = self.screen.expect_number("agent pid ");
        self.screen.agent = Some(Ender::new(pid));
        let serving = wait_until(WAIT, || {
            let listening = UnixStream::connect(&socket).is_ok();
            let said = std::fs::read_to_string(&log).is_ok_and(|l| l.contains("serving"));
            (listening && said).then_some(())
        });
        if serving.is_none() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            self.screen.fail(&format!(
                "the agent in the background did not serve; its log:\n{log}"
            ));
        }
        BackgroundAgent { pid, socket, log }
    }

    /// bash's `jobs -l` line for `agent`.
    pub(super) fn job(&mut self, agent: &BackgroundAgent) -> String {
        let jobs = self.run("jobs -l");
        let pid = format!(" {} ", agent.pid);
        jobs.lines()
            .find(|l| l.contains(&pid))
            .map(str::to_owned)
            .unwrap_or_else(|| self.screen.fail(&format!("no job {pid} in: {jobs}")))
    }

    /// The far side's get for `host` from `far`, while the agent runs in the background: its
    /// output, or a failure naming the job's state when the agent stops (as the terminal stops
    /// a background job that reads it or changes its settings) instead of answering.
    pub(super) fn far_get(&mut self, agent: &BackgroundAgent, far: &Sandbox, host: &str) -> Output {
        thread::scope(|s| {
            let asking = s.spawn(|| super::far_get(far, &agent.socket, host));
            let stopped = wait_until(WAIT, || {
                if asking.is_finished() {
                    return Some(false);
                }
                proc_stat(agent.pid)
                    .is_some_and(|(state, _, _)| state == 'T')
                    .then_some(true)
            });
            if stopped != Some(false) {
                let job = self.job(agent);
                let log = std::fs::read_to_string(&agent.log).unwrap_or_default();
                self.screen.fail(&format!(
                    "the agent in the background did not answer the get for {host}; \
                     `jobs -l` says: {job}\nits log:\n{log}"
                ));
            }
            asking.join().expect("the far side's thread")
        })
    }
}

//! The terminal: whether a person is present, and the prompts of the login flow, read and
//! written on `/dev/tty` as git's own prompts are, so that stdin and stdout stay git's and
//! clients that swallow a helper's stderr (libgit2, Go) still show them.

use crate::git::HostSettings;
use crate::sys::SigintIgnored;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Write};

/// The terminal, for reading and writing: `/dev/tty` on Unix; on Windows the console's input
/// (`CONIN$`) for reading and its output (`CONOUT$`) for writing, as git for Windows uses them.
///
/// # Errors
/// When there is no terminal (a daemon, CI, a pipe with no controlling terminal).
pub(crate) fn open() -> io::Result<(File, File)> {
    #[cfg(windows)]
    let (input, output) = ("CONIN$", "CONOUT$");
    #[cfg(not(windows))]
    let (input, output) = ("/dev/tty", "/dev/tty");
    let read = OpenOptions::new().read(true).write(true).open(input)?;
    let write = OpenOptions::new().read(true).write(true).open(output)?;
    Ok((read, write))
}

/// The terminal side of the flow, so that the flow itself can be tested without one.
pub(crate) trait Prompter {
    /// Shows `prompt` and reads a line without echo. `Ok(None)` when the person cancels
    /// (Ctrl-C, Ctrl-D).
    fn secret(&mut self, prompt: &str) -> io::Result<Option<String>>;
    /// Asks a yes/no `question`; anything but `y`/`yes` is no.
    fn confirm(&mut self, question: &str) -> io::Result<bool>;
}

/// Prompts on `/dev/tty`, as git's own prompts do, so that stdin and stdout stay git's.
pub(crate) struct Tty;

impl Prompter for Tty {
    fn secret(&mut self, prompt: &str) -> io::Result<Option<String>> {
        // rpassword turns ISIG off and raises SIGINT itself on Ctrl-C; ignoring SIGINT while it
        // reads lets it restore echo, and then the Interrupted error means "cancelled".
        let _guard = SigintIgnored::new();
        match rpassword::prompt_password(prompt) {
            Ok(line) => Ok(Some(line)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::Interrupted | io::ErrorKind::UnexpectedEof
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn confirm(&mut self, question: &str) -> io::Result<bool> {
        let (input, mut output) = open()?;
        output.write_all(question.as_bytes())?;
        output.flush()?;
        let mut answer = String::new();
        io::BufReader::new(input).read_line(&mut answer)?;
        Ok(matches!(
            answer.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    }
}

/// Asks `question` on the terminal and waits at most `timeout` for the answer line:
/// `Some(true)` for `y`/`yes`, `Some(false)` for anything else, `None` when none came in time
/// (the agent's `--confirm`, which must not hold a far side's request for ever).
///
/// # Errors
/// When there is no terminal, or it cannot be read or written.
#[cfg(unix)]
pub(crate) fn confirm_within(
    question: &str,
    timeout: std::time::Duration,
) -> io::Result<Option<bool>> {
    let (input, mut output) = open()?;
    output.write_all(question.as_bytes())?;
    output.flush()?;
    // In canonical mode the terminal is readable once a whole line was typed.
    if !crate::sys::readable_within(&input, timeout)? {
        output.write_all(b"\n")?;
        return Ok(None);
    }
    let mut answer = String::new();
    io::BufReader::new(input).read_line(&mut answer)?;
    Ok(Some(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    )))
}

/// Whether this process may use its terminal now: `/dev/tty` opens and this process's group is
/// its foreground group (a job put in the background with `&` or Ctrl-Z is stopped when it
/// reads or changes the terminal).
#[cfg(unix)]
pub(crate) fn in_foreground() -> bool {
    open().is_ok_and(|(tty, _)| crate::sys::in_foreground(&tty))
}

/// The terminal's settings, saved by a process that may be ended in the middle of a hidden
/// prompt (the agent), to be put back as it exits; `None` without a terminal.
#[cfg(unix)]
pub(crate) fn save_settings() -> Option<crate::sys::TerminalSettings> {
    let (tty, _) = open().ok()?;
    crate::sys::TerminalSettings::save(tty)
}

/// Where the login flow writes its messages (the token page's address, what was stored):
/// `/dev/tty` when it opens for writing and `GIT_TERMINAL_PROMPT` does not forbid prompts, as
/// git writes its own prompts, so that a person sees them even when the client running the
/// helper swallows its stderr (libgit2 discards it; Go shows only its last attempt's error).
/// `None` without a terminal: the flow then writes its one hint line on stderr.
pub fn flow_messages() -> Option<std::fs::File> {
    if prompts_disabled() {
        return None;
    }
    open().ok().map(|(_, output)| output)
}

/// `GIT_TERMINAL_PROMPT` set to false (git's own reading of it, `git_env_bool`).
fn prompts_disabled() -> bool {
    std::env::var("GIT_TERMINAL_PROMPT").is_ok_and(|v| {
        matches!(
            v.to_ascii_lowercase().as_str(),
            "0" | "false" | "no" | "off" | ""
        )
    })
}

/// Whether a person can be asked: `GIT_TERMINAL_PROMPT` is not false, `credential.interactive`
/// is not `false`/`never`, and `/dev/tty` opens for reading and writing.
pub(crate) fn person_present(settings: &HostSettings) -> bool {
    !prompts_disabled() && !settings.interactive_forbidden() && open().is_ok()
}

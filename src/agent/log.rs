//! The agent's log, on its stderr: one line per request, with the time, never the token; names
//! from the far side escaped and cut short, and a flood of dropped connections summed up
//! rather than written line by line, so that a far side cannot fill the agent's terminal.

use crate::show::escape;
use std::io::Write;
use std::sync::Mutex;

/// The most characters of a name from the far side (a user name, an unknown action) a log line
/// shows.
const NAME_CHARS: usize = 64;

/// The agent's log.
pub(crate) struct Log {
    /// Where lines go (the agent's stderr; a buffer in unit tests).
    out: Mutex<Box<dyn Write + Send>>,
    /// The line ending: `\r\n` while an ssh session holds the terminal in raw mode (where a
    /// bare `\n` does not return to the line's start).
    end: &'static str,
    /// Dropped connections not yet written: the second (since the Unix epoch) the last drop
    /// line was written, and how many were dropped since.
    drops: Mutex<(u64, u64)>,
}

impl Log {
    /// A log on `out`; `raw_terminal` when an ssh session will hold the terminal in raw mode.
    pub(crate) fn new(out: Box<dyn Write + Send>, raw_terminal: bool) -> Log {
        Log {
            out: Mutex::new(out),
            end: if raw_terminal { "\r\n" } else { "\n" },
            drops: Mutex::new((0, 0)),
        }
    }

    /// Writes `git-credential-pat agent: 04:41:50 UTC <line>`, at the time of writing.
    pub(crate) fn line(&self, line: &str) {
        let now = crate::sys::now();
        self.say(&format!("{} {line}", crate::show::utc_second(now)));
    }

    /// Writes `git-credential-pat agent: <line>` (no time): what the agent says once.
    pub(crate) fn say(&self, line: &str) {
        // One write per line: stderr is unbuffered, and a line in pieces can interleave with
        // what else writes to the terminal.
        let whole = format!("git-credential-pat agent: {line}{}", self.end);
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_all(whole.as_bytes());
        let _ = out.flush();
    }

    /// Logs a connection dropped for `why`: at most one line a second, which counts the others
    /// dropped since the last one.
    pub(crate) fn dropped(&self, why: &str) {
        let now = crate::sys::now();
        let mut drops = self.drops.lock().unwrap_or_else(|e| e.into_inner());
        let (last, since) = *drops;
        if last == now {
            *drops = (last, since + 1);
            return;
        }
        *drops = (now, 0);
        drop(drops);
        match since {
            0 => self.line(&format!("dropped a request: {why}")),
            n => self.line(&format!(
                "dropped a request: {why} (and {n} more since the last such line)"
            )),
        }
    }
}

/// A name from the far side as a log line shows it: escaped (it must not drive the terminal)
/// and cut at [`NAME_CHARS`] characters.
pub(crate) fn shown(name: &str) -> String {
    let escaped = escape(name);
    match escaped.char_indices().nth(NAME_CHARS) {
        Some((cut, _)) => format!("{}…", &escaped[..cut]),
        None => escaped,
    }
}

//! One request of git's credential-cache client, read from the agent's socket within a size
//! limit and a deadline: `action=…`, `timeout=…`, then the credential exactly as git gave it
//! to the helper, ended by the client shutting down its write side (builtin/credential-cache.c,
//! `do_cache` and `send_request`; the reference server, builtin/credential-cache--daemon.c
//! `read_request`, reads the same two lines first).

use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

/// The most a request may hold, in bytes: the helper's own limit on git's input
/// ([`crate::protocol`] refuses more than 1 MiB), so that a far side cannot grow the agent.
pub(crate) const MAX_REQUEST: usize = 1 << 20;

/// What the client asks (the word after `action=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Answer a credential.
    Get,
    /// Keep a credential git has used successfully.
    Store,
    /// Forget a credential the server rejected.
    Erase,
    /// Stop the daemon (`git credential-cache exit`).
    Exit,
    /// A word git's client does not send today.
    Other(String),
}

/// A request: its action and the credential lines that follow (git-credential(1) format).
#[derive(Debug)]
pub(crate) struct Request {
    /// The action.
    pub(crate) action: Action,
    /// The credential, as the client relayed it; empty for `exit`.
    pub(crate) credential: Vec<u8>,
}

/// Why a request was dropped unanswered.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Dropped {
    /// The peer connected and sent nothing (a readiness probe): not worth a log line.
    #[error("empty")]
    Empty,
    /// More than [`MAX_REQUEST`] bytes.
    #[error("larger than 1 MiB")]
    TooLarge,
    /// Not complete (the client had not shut down its write side) within the deadline.
    #[error("not complete within {}", seconds(*.0))]
    TooSlow(Duration),
    /// Not the client's shape: no `action=` line, or no `timeout=` line after it.
    #[error("not a request of git's credential-cache client")]
    NotCredentialCache,
    /// Reading failed (the peer reset the connection).
    #[error("could not be read: {0}")]
    Io(io::Error),
}

/// Reads one request from `stream`: every byte up to the client's end of writing, at most
/// [`MAX_REQUEST`] of them, all within `deadline` of the call.
///
/// # Errors
/// [`Dropped`]: the request was empty, too large, too slow, malformed, or unreadable.
pub(crate) fn read(stream: &UnixStream, deadline: Duration) -> Result<Request, Dropped> {
    let until = Instant::now() + deadline;
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut reader = stream;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Dropped::TooSlow(deadline));
        }
        stream.set_read_timeout(Some(left)).map_err(Dropped::Io)?;
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                if bytes.len() + n > MAX_REQUEST {
                    return Err(Dropped::TooLarge);
                }
                bytes.extend_from_slice(&chunk[..n]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(Dropped::TooSlow(deadline));
            }
            // A peer that went away mid-request: as if it had ended there.
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => break,
            Err(e) => return Err(Dropped::Io(e)),
        }
    }
    parse(bytes)
}

/// Splits `bytes` into the action, the timeout line (which the agent does not use: it keeps
/// nothing) and the credential.
///
/// # Errors
/// [`Dropped::Empty`] for no bytes, [`Dropped::NotCredentialCache`] for another shape.
pub(crate) fn parse(bytes: Vec<u8>) -> Result<Request, Dropped> {
    if bytes.is_empty() {
        return Err(Dropped::Empty);
    }
    let (first, rest) = split_line(&bytes).ok_or(Dropped::NotCredentialCache)?;
    let word = first
        .strip_prefix(b"action=")
        .and_then(|w| std::str::from_utf8(w).ok())
        .ok_or(Dropped::NotCredentialCache)?;
    let action = match word {
        "get" => Action::Get,
        "store" => Action::Store,
        "erase" => Action::Erase,
        "exit" => Action::Exit,
        other => Action::Other(other.to_owned()),
    };
    let (timeout, credential) = split_line(rest).ok_or(Dropped::NotCredentialCache)?;
    if !timeout.starts_with(b"timeout=") {
        return Err(Dropped::NotCredentialCache);
    }
    Ok(Request {
        action,
        credential: credential.to_vec(),
    })
}

/// `1 second`, `10 seconds`: a deadline rounded up to whole seconds.
fn seconds(d: Duration) -> String {
    match d.as_millis().div_ceil(1000) {
        1 => "1 second".to_owned(),
        n => format!("{n} seconds"),
    }
}

/// The first line of `bytes` (without its `\n`) and the rest, or `None` without a `\n`.
fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = bytes.iter().position(|&b| b == b'\n')?;
    Some((&bytes[..end], &bytes[end + 1..]))
}

#[cfg(test)]
mod tests;

//! Warnings about a served token that expires soon: one line on stderr, at most once a day per
//! credential, so that a token does not run out in the middle of a lab without notice.
//!
//! The record of warnings given is a small append-only file in the user's cache directory
//! (`~/.cache/git-credential-pat/expiry-warnings`): one `DAY ACCOUNT` line per warning, where
//! DAY counts days since the Unix epoch. It holds no secret.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// A token that expires within this many seconds (7 days) is warned about.
pub(crate) const WARN_WITHIN: u64 = 7 * 86_400;

/// The record is started afresh past this size, so it cannot grow without bound.
const MAX_RECORD_BYTES: u64 = 64 * 1024;

/// Where warnings given are recorded, or `None` when there is no cache directory. It is only
/// ever opened as [`crate::cache::open`] opens files: never through a symlink, nor in a
/// directory another user owns.
pub fn record_path() -> Option<PathBuf> {
    crate::cache::dir().map(|d| d.join("expiry-warnings"))
}

/// Writes one warning line on `err` when `expires_at` (seconds since the Unix epoch, UTC) is
/// within [`WARN_WITHIN`] of `now` and no warning for `account` (a name that identifies the
/// credential, e.g. `git-credential-pat https://alice@github.com`) was recorded today in
/// `record`. Returns whether it warned. A record that cannot be read or written only means
/// the warning may repeat; it is never an error.
pub(crate) fn warn_if_soon(
    account: &str,
    who: &str,
    host: &str,
    expires_at: Option<u64>,
    now: u64,
    record: Option<&Path>,
    err: &mut dyn Write,
) -> bool {
    let Some(expires_at) = expires_at else {
        return false;
    };
    if expires_at < now || expires_at - now > WARN_WITHIN {
        return false;
    }
    let today = now / 86_400;
    let line = format!("{today} {}", account.replace(['\n', '\r'], " "));
    if let Some(path) = record {
        if already_warned(path, &line) {
            return false;
        }
        remember(path, &line);
    }
    let _ = writeln!(
        err,
        "git-credential-pat: the token of {who} for {host} expires {}; run `git credential-pat login {host}` to replace it",
        crate::show::describe_time(expires_at, now)
    );
    true
}

/// `path` as [`crate::cache::open`] opens it.
fn open_record(path: &Path, options: &mut std::fs::OpenOptions) -> Option<std::fs::File> {
    let dir = path.parent()?;
    let name = path.file_name()?.to_str()?;
    crate::cache::open(dir, name, options).ok()
}

fn already_warned(path: &Path, line: &str) -> bool {
    let Some(file) = open_record(path, std::fs::OpenOptions::new().read(true)) else {
        return false;
    };
    std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .any(|l| l == line)
}

fn remember(path: &Path, line: &str) {
    let Some(mut file) = open_record(path, std::fs::OpenOptions::new().create(true).append(true))
    else {
        return;
    };
    if file.metadata().is_ok_and(|m| m.len() > MAX_RECORD_BYTES) {
        let _ = file.set_len(0);
    }
    let _ = writeln!(file, "{line}");
}

#[cfg(test)]
mod tests;

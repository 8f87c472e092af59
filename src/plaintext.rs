//! git-credential-store's plaintext files: where they are, the credentials their lines hold,
//! and removing exactly some lines again. `doctor` reports what they hold and `import` moves it
//! into the keychain.
//!
//! git-credential-store(1) reads `~/.git-credentials` and `$XDG_CONFIG_HOME/git/credentials`
//! (`~/.config/git/credentials` when `XDG_CONFIG_HOME` is unset or empty). Each line is a URL,
//! `https://user:pass@host[:port][/path]`, its user, password, host and path percent-encoded;
//! git parses it with `credential_from_url_gently` (credential.c), which this module follows:
//! a line it cannot read, or one without a user name or password, is left alone.

use crate::host::Origin;
use secrecy::{ExposeSecret, SecretString};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One credential read from a line of a plaintext file. The password is never printed.
pub(crate) struct Line {
    /// The line's index in the file (0 for the first line).
    pub(crate) index: usize,
    /// Protocol and host.
    pub(crate) origin: Origin,
    /// The user name.
    pub(crate) username: String,
    /// The repository path, without leading or trailing slashes, for a file written with
    /// `credential.useHttpPath`.
    pub(crate) path: Option<String>,
    /// The token (or password).
    pub(crate) password: SecretString,
}

impl Line {
    /// `alice@github.com` (with `protocol://` when it is not https, and `/path` when it has one),
    /// escaped for a terminal: how a person is shown the line, never with its password.
    pub(crate) fn name(&self) -> String {
        let (origin, path) = (&self.origin, self.path.as_deref());
        crate::show::token_name(&origin.protocol, &origin.host, &self.username, path)
    }
}

/// The files git-credential-store reads, for the `HOME` and `XDG_CONFIG_HOME` of this process,
/// whether or not they exist; empty without a `HOME`.
pub(crate) fn files() -> Vec<PathBuf> {
    let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
        return Vec::new();
    };
    let home = PathBuf::from(home);
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|x| !x.is_empty())
        .map_or_else(|| home.join(".config"), PathBuf::from);
    let mut files = vec![home.join(".git-credentials"), xdg.join("git/credentials")];
    files.dedup();
    files
}

/// The credentials in `text` (a file's content), in order. Lines that do not parse as a URL
/// with a protocol, host, user name and password are skipped, as git skips them.
pub(crate) fn parse(text: &str) -> Vec<Line> {
    text.split('\n')
        .enumerate()
        .filter_map(|(index, line)| parse_line(index, line))
        .collect()
}

/// One line, as git's `credential_from_url_gently` reads it ([`crate::protocol::parse_url`]).
fn parse_line(index: usize, line: &str) -> Option<Line> {
    let url = crate::protocol::parse_url(line).ok()?;
    let (Some(protocol), Some(host), Some(username), Some(password)) =
        (url.protocol, url.host, url.username, url.password)
    else {
        return None;
    };
    if username.is_empty() || password.expose_secret().is_empty() || host.is_empty() {
        return None;
    }
    Some(Line {
        index,
        origin: Origin::parse(&protocol, &host).ok()?,
        username,
        path: url.path,
        password,
    })
}

/// Reads `file`'s credentials; `Ok(None)` when it does not exist.
///
/// # Errors
/// When it exists but cannot be read, or is not UTF-8.
pub(crate) fn read(file: &Path) -> std::io::Result<Option<Vec<Line>>> {
    match std::fs::read(file) {
        Ok(bytes) => {
            let text = secrecy::zeroize::Zeroizing::new(
                String::from_utf8(bytes)
                    .map_err(|_| std::io::Error::other("it is not UTF-8 text"))?,
            );
            Ok(Some(parse(&text)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Removes the lines at `indexes` (0-based) from `file`, keeping every other line byte for
/// byte and the file's permissions: the new content is written to a temporary file in the
/// same directory, synced, and renamed over the file, so that a crash leaves either the old
/// or the new file, never half of one. A symlink is followed: its target is rewritten.
///
/// # Errors
/// When the file cannot be read, the temporary file cannot be written, or the rename fails;
/// the file is then unchanged.
pub(crate) fn remove_lines(file: &Path, indexes: &[usize]) -> std::io::Result<()> {
    let file = std::fs::canonicalize(file)?;
    let text = secrecy::zeroize::Zeroizing::new(std::fs::read(&file)?);
    let mut kept = secrecy::zeroize::Zeroizing::new(Vec::with_capacity(text.len()));
    for (i, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        if !indexes.contains(&i) {
            kept.extend_from_slice(line);
        }
    }
    let permissions = std::fs::metadata(&file)?.permissions();
    let dir = file.parent().unwrap_or(Path::new("."));
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.git-credential-pat-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = (|| {
        let mut out = options.open(&temp)?;
        out.write_all(&kept)?;
        out.set_permissions(permissions)?;
        out.sync_all()?;
        std::fs::rename(&temp, &file)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests;

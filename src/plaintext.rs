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
    /// The line as it is written in the file, without its `\n`: how it is found again.
    pub(crate) text: SecretString,
    /// Protocol and host.
    pub(crate) origin: Origin,
    /// The user name.
    pub(crate) username: String,
    /// The repository path, without leading or trailing slashes, for a file written with
    /// `credential.useHttpPath`.
    pub(crate) path: Option<String>,
    /// The token (or password).
    pub(crate) password: SecretString,
    /// Which value holds a control character, if one does (`password`, `user name`, `path`):
    /// git's credential format ends a value at a line break, so such a value could add facts
    /// to a stored entry. git-credential-store skips a line with an encoded line break; it is
    /// read here all the same, to be named, with U+FFFD for each such character.
    pub(crate) control: Option<&'static str>,
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
    text.split('\n').filter_map(parse_line).collect()
}

/// One line, as git's `credential_from_url_gently` reads it ([`crate::protocol::parse_url`]),
/// or, when that refuses an encoded control character, as it reads with U+FFFD in its place.
fn parse_line(line: &str) -> Option<Line> {
    let (url, neutralised) = match crate::protocol::parse_url(line) {
        Ok(url) => (url, false),
        Err(_) => {
            let (neutral, changed) = without_encoded_controls(line);
            (
                crate::protocol::parse_url(&neutral)
                    .ok()
                    .filter(|_| changed)?,
                true,
            )
        }
    };
    let (Some(protocol), Some(host), Some(username), Some(password)) =
        (url.protocol, url.host, url.username, url.password)
    else {
        return None;
    };
    if username.is_empty() || password.expose_secret().is_empty() || host.is_empty() {
        return None;
    }
    let has = |v: &str| {
        v.chars()
            .any(|c| c.is_control() || (neutralised && c == '\u{FFFD}'))
    };
    let control = if has(password.expose_secret()) {
        Some("password")
    } else if has(&username) {
        Some("user name")
    } else if url.path.as_deref().is_some_and(has) {
        Some("path")
    } else {
        None
    };
    Some(Line {
        text: SecretString::from(line.to_owned()),
        origin: Origin::parse(&protocol, &host).ok()?,
        username,
        path: url.path,
        password,
        control,
    })
}

/// `line` with each `%XX` that decodes to a control character (C0 or DEL) written as U+FFFD,
/// percent-encoded; and whether there was one.
fn without_encoded_controls(line: &str) -> (secrecy::zeroize::Zeroizing<String>, bool) {
    let mut out = secrecy::zeroize::Zeroizing::new(String::with_capacity(line.len()));
    let mut changed = false;
    let mut rest = line;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let code = rest
            .get(at + 1..at + 3)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match code {
            Some(byte) if byte < 0x20 || byte == 0x7f => {
                out.push_str("%EF%BF%BD");
                changed = true;
                rest = &rest[at + 3..];
            }
            _ => {
                out.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    (out, changed)
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

/// Removes from `file` every line that is, byte for byte, one of `lines` (a line without its
/// `\n`), under git's own lock, and returns how many were removed. Every other line stays byte
/// for byte, whatever was added or removed since the file was read: the file is read again
/// while the lock is held.
///
/// The lock is git's (lockfile.c, as `git credential-store` takes it to rewrite the file):
/// `FILE.lock` beside the file (a symlink is followed, as git follows it), created with
/// `O_CREAT|O_EXCL`; it is the one temporary file. The new content is written into it, given the
/// file's mode, group and (on Linux) ACL, synced, and renamed over the file: a crash leaves the
/// old file and `FILE.lock`, which git itself recognises (`git credential-store` refuses to
/// write while it exists) and `doctor` names. A lock another process holds is waited for as
/// git waits (`credentialStore.lockTimeoutMS`, 1000 ms unless set), then refused. A file
/// that belongs to another user is refused: writing it anew would make it this user's.
///
/// # Errors
/// When the lock is held, the file belongs to another user, or it cannot be read, written or
/// renamed; the file is then unchanged and no lock of this process is left behind.
pub(crate) fn remove_lines(file: &Path, lines: &[&SecretString]) -> std::io::Result<usize> {
    let file = std::fs::canonicalize(file)?;
    let lock = lock_path(&file);
    let mut out = take_lock(&lock, &file)?;
    let written = (|| {
        let mut current = std::fs::File::open(&file)?;
        let meta = current.metadata()?;
        if let Some(why) = not_yours(&meta, &file) {
            return Err(std::io::Error::other(why));
        }
        let mut text = secrecy::zeroize::Zeroizing::new(Vec::new());
        std::io::Read::read_to_end(&mut current, &mut text)?;
        let mut kept = secrecy::zeroize::Zeroizing::new(Vec::with_capacity(text.len()));
        let mut removed = 0;
        for line in text.split_inclusive(|&b| b == b'\n') {
            let bare = line.strip_suffix(b"\n").unwrap_or(line);
            if lines.iter().any(|l| l.expose_secret().as_bytes() == bare) {
                removed += 1;
            } else {
                kept.extend_from_slice(line);
            }
        }
        if removed == 0 {
            return Ok(0);
        }
        out.write_all(&kept)?;
        keep_ownership(&current, &meta, &out)?;
        out.sync_all()?;
        std::fs::rename(&lock, &file)?;
        Ok(removed)
    })();
    // The lock is this process's own: removed unless it became the file.
    if !matches!(written, Ok(n) if n > 0) {
        let _ = std::fs::remove_file(&lock);
    }
    written
}

/// `FILE.lock`: the lock git takes to rewrite `file` (lockfile.c's `LOCK_SUFFIX`), for `file`
/// with its symlinks resolved.
pub(crate) fn lock_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Creates `lock` as git's lockfile.c does (`O_CREAT|O_EXCL`; mode 0600, as
/// `git credential-store` creates it under its umask 077), retrying while it exists for
/// `credentialStore.lockTimeoutMS` (as `git credential-store` waits), with git's backoff:
/// about 1, 4, 9, … ms, at most one second apart.
fn take_lock(lock: &Path, file: &Path) -> std::io::Result<std::fs::File> {
    let timeout_ms = crate::git::config_get_regexp(r"^credentialstore\.locktimeoutms$", false)
        .last()
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .unwrap_or(1000);
    let started = std::time::Instant::now();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut n: u64 = 1;
    loop {
        match options.open(lock) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let waited = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
                if timeout_ms >= 0 && waited >= timeout_ms {
                    return Err(std::io::Error::other(format!(
                        "{} exists: git is writing {} (or was stopped while writing it, \
                         leaving the lock behind); if no git command is running, delete the \
                         lock file (the file itself is intact) and run import again",
                        crate::show::escape(&lock.display().to_string()),
                        crate::show::escape(&file.display().to_string()),
                    )));
                }
                std::thread::sleep(std::time::Duration::from_millis((n * n).min(1000)));
                n += 1;
            }
            opened => return opened,
        }
    }
}

/// Why `file` (whose metadata is `meta`) is not this user's to rewrite, if it is not: a new
/// file would belong to this user, and the owner's ACL entries would no longer name its owner.
#[cfg(unix)]
fn not_yours(meta: &std::fs::Metadata, file: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let me = crate::sys::effective_uid();
    (meta.uid() != me).then(|| {
        format!(
            "{} belongs to user ID {}, not to this user (ID {me}): rewriting it would make it \
             this user's; run import as its owner",
            crate::show::escape(&file.display().to_string()),
            meta.uid(),
        )
    })
}

#[cfg(not(unix))]
fn not_yours(_: &std::fs::Metadata, _: &Path) -> Option<String> {
    None
}

/// Why `file` is not this user's to rewrite, if it is not (see [`remove_lines`]); `None`
/// when it is, or does not exist.
pub(crate) fn not_owned(file: &Path) -> Option<String> {
    let meta = std::fs::metadata(file).ok()?;
    not_yours(&meta, file)
}

/// Gives `to` (the lock, about to become the file) the mode, group and ACL of `from`.
fn keep_ownership(
    from: &std::fs::File,
    meta: &std::fs::Metadata,
    to: &std::fs::File,
) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if to.metadata()?.gid() != meta.gid() {
            std::os::unix::fs::fchown(to, None, Some(meta.gid()))?;
        }
        crate::sys::copy_acl(from, to)?;
    }
    #[cfg(not(unix))]
    let _ = from;
    to.set_permissions(meta.permissions())
}

#[cfg(test)]
mod tests;

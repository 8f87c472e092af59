//! Where the agent listens: its socket's path, the private directory around it, a stale socket
//! replaced and a live one refused, or the socket systemd passes (socket activation).
//!
//! The directory rule is git's own for its credential cache (builtin/credential-cache--daemon.c,
//! `init_socket_directory`): the socket lives in a directory only its owner can enter, so the
//! socket file's own mode is not the only guard.

use anyhow::{Context as _, bail};
use std::fs;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

/// The directory under the runtime directory that holds the agent's sockets.
const DIR_NAME: &str = "git-credential-pat";

/// The socket an agent listens on by default: `$XDG_RUNTIME_DIR/git-credential-pat/agent.sock`
/// (the XDG Base Directory Specification's place for sockets, private to the user and emptied
/// at logout), or `/tmp/git-credential-pat-UID/agent.sock` where there is none (macOS, a
/// container).
pub(crate) fn default_socket() -> PathBuf {
    socket_dir().join("agent.sock")
}

/// The socket of one `agent --ssh` session, `…/git-credential-pat/agent-PID.sock`, so that two
/// sessions at once never meet on one socket.
pub(crate) fn session_socket() -> PathBuf {
    socket_dir().join(format!("agent-{}.sock", std::process::id()))
}

/// The directory of the agent's sockets: `$XDG_RUNTIME_DIR/git-credential-pat`, else
/// `$TMPDIR/git-credential-pat-UID` (`/tmp/…` where TMPDIR is unset).
fn socket_dir() -> PathBuf {
    match dirs::runtime_dir() {
        Some(dir) => dir.join(DIR_NAME),
        None => std::env::temp_dir().join(format!("{DIR_NAME}-{}", crate::sys::effective_uid())),
    }
}

/// A listening socket and whether this process made its file (and so removes it at the end).
pub(crate) struct Listening {
    /// The socket.
    pub(crate) listener: UnixListener,
    /// Its path, as a person names it.
    pub(crate) path: PathBuf,
    /// Whether the agent made the file: not for a socket systemd passed.
    pub(crate) owned: bool,
}

impl Listening {
    /// Removes the socket file the agent made, so that a client finds no stale socket.
    pub(crate) fn remove(&self) {
        if self.owned {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// The socket systemd passed (`LISTEN_PID` naming this process and `LISTEN_FDS=1`,
/// sd_listen_fds(3)), else a new socket at `path`.
///
/// # Errors
/// As [`bind`]; or when systemd passed more than one socket, or one that is not a listening
/// Unix-domain stream socket.
pub(crate) fn open(path: &Path) -> anyhow::Result<Listening> {
    // listenfd also takes fds when LISTEN_PID is unset; sd_listen_fds(3) does not, so that an
    // unrelated descriptor 3 inherited from a parent is never served on.
    let ours = std::env::var("LISTEN_PID").is_ok_and(|p| p == std::process::id().to_string());
    if ours {
        let mut passed = listenfd::ListenFd::from_env();
        if passed.len() != 1 {
            bail!(
                "systemd passed {} sockets; the agent listens on one (one ListenStream= in its \
                 .socket unit)",
                passed.len()
            );
        }
        let listener = passed
            .take_unix_listener(0)
            .ok()
            .flatten()
            .context("the socket systemd passed is not a listening Unix-domain socket")?;
        let path = listener
            .local_addr()
            .ok()
            .and_then(|a| a.as_pathname().map(Path::to_owned))
            .unwrap_or_else(|| PathBuf::from("the socket systemd passed"));
        return Ok(Listening {
            listener,
            path,
            owned: false,
        });
    }
    Ok(Listening {
        listener: bind(path)?,
        path: path.to_owned(),
        owned: true,
    })
}

/// The most bytes a Unix-domain socket's path may have (`sun_path` holds 108 on Linux, 104 on
/// macOS, with the final NUL; unix(7)).
#[cfg(target_os = "linux")]
const MAX_PATH: usize = 107;
#[cfg(not(target_os = "linux"))]
const MAX_PATH: usize = 103;

/// Listens at `path`, in a directory only this user may enter (made 0700 when missing), with
/// the socket itself 0600. A socket file nobody answers on (an agent that was killed) is
/// replaced.
///
/// # Errors
/// When `path` is relative or has no directory; the directory is not this user's or is open
/// to others; an agent already answers at `path`; another kind of file is there; or the
/// socket cannot be made.
pub(crate) fn bind(path: &Path) -> anyhow::Result<UnixListener> {
    if !path.is_absolute() {
        bail!(
            "--socket {}: give an absolute path (the far side's forward names it)",
            path.display()
        );
    }
    let length = path.as_os_str().len();
    if length > MAX_PATH {
        bail!(
            "--socket {}: the path has {length} bytes, and a Unix socket's path may have at most \
             {MAX_PATH}; give a shorter one",
            path.display()
        );
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .with_context(|| format!("--socket {}: the path has no directory", path.display()))?;
    private_dir(dir)?;
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            if UnixStream::connect(path).is_ok() {
                bail!(
                    "another agent is serving on {}; stop it first, or give another --socket \
                     (if it is git's own credential-cache daemon, `git credential-cache --socket \
                     {} exit` stops it)",
                    path.display(),
                    path.display()
                );
            }
            fs::remove_file(path)
                .with_context(|| format!("could not remove the stale socket {}", path.display()))?;
        }
        Ok(_) => bail!(
            "{} exists and is not a socket; give another --socket",
            path.display()
        ),
        Err(_) => {}
    }
    let listener = UnixListener::bind(path)
        .with_context(|| format!("could not listen on {}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
        .with_context(|| format!("could not make {} private", path.display()))?;
    Ok(listener)
}

/// Makes `dir` (0700, with its parents) when it is missing; otherwise checks that it is this
/// user's and closed to everyone else.
fn private_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("could not make the directory {}", dir.display()))?;
    }
    // lstat, not stat: a symbolic link in a shared directory such as /tmp, made by another
    // user, could later be pointed at a directory of theirs.
    let meta =
        fs::symlink_metadata(dir).with_context(|| format!("could not read {}", dir.display()))?;
    if !meta.is_dir() {
        bail!(
            "the socket's directory {} is not a directory (a symbolic link?); give a --socket \
             in a directory of your own",
            dir.display()
        );
    }
    let uid = crate::sys::effective_uid();
    if meta.uid() != uid {
        bail!(
            "the socket's directory {} belongs to user {}, not to you ({uid}); give a --socket \
             in a directory of your own",
            dir.display(),
            meta.uid()
        );
    }
    if meta.mode() & 0o077 != 0 {
        bail!(
            "the socket's directory {} is open to other users (mode {:o}); run `chmod 700 {}` \
             or give a --socket in a private directory",
            dir.display(),
            meta.mode() & 0o777,
            dir.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests;

//! The helper's per-user cache directory (`~/.cache/git-credential-pat`) and the files in it
//! (the keychain write lock, the record of expiry warnings): private (directory 0700, files
//! 0600), and never reached through a symlink or in a directory another user owns, since
//! HOME may be someone else's (`sudo -E`), who could otherwise point a planted symlink at a
//! file of ours and have us create, append to or truncate it.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// The cache directory: `git-credential-pat` in the user's cache directory
/// (`$XDG_CACHE_HOME`, else `~/.cache`); `None` when there is none.
pub(crate) fn dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("git-credential-pat"))
}

/// Opens the file `name` in `dir` with `options`, creating `dir` (mode 0700) first when it is
/// missing. On Unix a new file gets mode 0600, and the file is opened through the directory
/// as it was checked (`/proc/self/fd` on Linux), so swapping the directory afterwards changes
/// nothing.
///
/// # Errors
/// The I/O error; `ELOOP` when `dir` or the file is a symlink; `PermissionDenied` when `dir`
/// is not a directory owned by this process's effective user.
pub(crate) fn open(dir: &Path, name: &str, options: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let held = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(dir)?;
        let meta = held.metadata()?;
        if !meta.is_dir() || meta.uid() != crate::sys::effective_uid() {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} is not a directory of this user's own",
                    crate::show::escape(&dir.to_string_lossy())
                ),
            ));
        }
        if meta.mode() & 0o077 != 0 {
            held.set_permissions(std::fs::Permissions::from_mode(0o700))?;
        }
        #[cfg(target_os = "linux")]
        let path = {
            use std::os::fd::AsRawFd;
            let through = PathBuf::from(format!("/proc/self/fd/{}", held.as_raw_fd()));
            if through.is_dir() {
                through.join(name)
            } else {
                dir.join(name)
            }
        };
        #[cfg(not(target_os = "linux"))]
        let path = dir.join(name);
        options
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .mode(0o600)
            .open(path)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)?;
        options.open(dir.join(name))
    }
}

#[cfg(all(test, unix))]
mod tests;

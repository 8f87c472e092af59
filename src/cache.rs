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
pub fn dir() -> Option<PathBuf> {
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
pub fn open(dir: &Path, name: &str, options: &mut OpenOptions) -> io::Result<File> {
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
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn append() -> OpenOptions {
        let mut o = OpenOptions::new();
        o.create(true).append(true);
        o
    }

    #[test]
    fn the_directory_and_files_are_private() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        open(&dir, "f", &mut append()).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("f")), 0o600);
        // A directory of ours that others can write is made private again.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        open(&dir, "f", &mut append()).unwrap();
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn symlinks_are_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let dir = tmp.path().join("cache");
        std::fs::create_dir(&dir).unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("f")).unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("gone")).unwrap();
        std::fs::remove_file(&victim).unwrap();
        assert!(open(&dir, "gone", &mut append()).is_err());
        assert!(!victim.exists(), "a dangling symlink's target was created");
        std::fs::write(&victim, "precious").unwrap();
        let mut truncate = OpenOptions::new();
        truncate.create(true).write(true).truncate(true);
        assert!(open(&dir, "f", &mut truncate).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        // The directory itself as a symlink.
        let linked = tmp.path().join("linked");
        std::os::unix::fs::symlink(&dir, &linked).unwrap();
        assert!(open(&linked, "new", &mut append()).is_err());
        assert!(!dir.join("new").exists());
    }

    #[test]
    fn a_directory_another_user_owns_is_refused() {
        if crate::sys::effective_uid() != 0 {
            return; // only root can give a directory away
        }
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("theirs");
        std::fs::create_dir(&dir).unwrap();
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        let e = open(&dir, "f", &mut append()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
        assert!(!dir.join("f").exists());
    }
}

//! The keychain write lock: one writer at a time, so that read-modify-write (the pick, the
//! facts kept from an older entry) never interleaves; a writer waits a bounded time.

use super::VaultError;

/// How long a writer waits for the keychain write lock another process holds: 10 s.
pub(crate) const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// An exclusive lock on `~/.cache/git-credential-pat/vault.lock`, held while this process
/// writes the keychain, released on drop. `Ok(None)` (writing unlocked) when the cache
/// directory cannot be used: a lost race then costs at worst a duplicate entry, which `put`
/// removes.
///
/// The file is opened as [`crate::cache::open`] opens it: never through a symlink, nor in a
/// cache directory another user owns.
///
/// # Errors
/// [`VaultError::Busy`] when another process held the lock for [`LOCK_WAIT`].
pub(crate) fn write_lock() -> Result<Option<std::fs::File>, VaultError> {
    match crate::cache::dir() {
        Some(dir) => lock_in(&dir, LOCK_WAIT),
        None => Ok(None),
    }
}

/// [`write_lock`] on `dir/vault.lock`, waiting at most `wait`.
pub(super) fn lock_in(
    dir: &std::path::Path,
    wait: std::time::Duration,
) -> Result<Option<std::fs::File>, VaultError> {
    let Ok(file) = crate::cache::open(
        dir,
        "vault.lock",
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true),
    ) else {
        return Ok(None);
    };
    let deadline = std::time::Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => return Err(VaultError::Busy),
            Err(std::fs::TryLockError::Error(_)) => return Ok(None),
        }
    }
}

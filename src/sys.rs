//! Every `unsafe` block of the crate, each behind a safe function and with its SAFETY comment:
//! process hardening (rlimit, prctl), signals (the keychain deadline, SIGINT at the prompt)
//! and the raw keyctl(2) calls. The rest of the crate is `#![deny(unsafe_code)]`.

/// Turns core dumps off for this process: the core size limit goes to 0 (`RLIMIT_CORE`) and,
/// on Linux, the process is made non-dumpable (`PR_SET_DUMPABLE` 0), which also keeps other
/// processes of the same user from reading its memory through ptrace or `/proc/PID/mem`.
/// Failures are ignored: they only mean the system's own setting stays in force. Does nothing
/// on Windows.
pub fn no_core_dumps() {
    #[cfg(unix)]
    {
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit only reads the struct we pass, which lives across the call.
        unsafe {
            libc::setrlimit(libc::RLIMIT_CORE, &zero);
        }
    }
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_DUMPABLE, 0) takes integer arguments only and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

/// SIGINT ignored for this value's lifetime; dropping it restores the disposition it found.
/// Does nothing off Unix.
#[must_use = "SIGINT is restored when the guard is dropped"]
pub struct SigintIgnored {
    #[cfg(unix)]
    previous: libc::sighandler_t,
}

impl SigintIgnored {
    /// Ignores SIGINT until the returned guard is dropped.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        #[cfg(unix)]
        // SAFETY: signal(2) with SIG_IGN installs no Rust code as a handler.
        let previous = unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) };
        SigintIgnored {
            #[cfg(unix)]
            previous,
        }
    }
}

impl Drop for SigintIgnored {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: reinstalls the disposition signal(2) returned in `new`, a handler (or
        // SIG_DFL/SIG_IGN, or SIG_ERR, which signal refuses) the process had before.
        unsafe {
            libc::signal(libc::SIGINT, self.previous);
        }
    }
}

/// How long git's operations may wait for the keychain, in seconds.
pub const KEYCHAIN_DEADLINE_SECS: u32 = 5;

#[cfg(unix)]
const DEADLINE_MESSAGE: &[u8] = b"git-credential-pat: the keychain did not answer within 5 s; \
giving up so that git can go on (is the keyring locked, or its daemon stuck?)\n";

#[cfg(unix)]
extern "C" fn on_deadline(_: libc::c_int) {
    // SAFETY: write(2) and _exit(2) are async-signal-safe; the buffer is a static.
    unsafe {
        libc::write(2, DEADLINE_MESSAGE.as_ptr().cast(), DEADLINE_MESSAGE.len());
        libc::_exit(0);
    }
}

/// Arms (`true`) or disarms (`false`) the keychain deadline: when it passes, the process
/// prints one line on stderr and exits 0 with nothing written to stdout, so that git asks its
/// next helper or the person. An `alarm(2)`, not a thread: it costs one system call on the hot
/// path. Off Unix the deadline is not armed (the native keychains there do not hang).
pub fn keychain_deadline(on: bool) {
    #[cfg(unix)]
    {
        if on {
            let handler = on_deadline as extern "C" fn(libc::c_int);
            // SAFETY: the handler only calls async-signal-safe functions (see on_deadline).
            unsafe {
                libc::signal(libc::SIGALRM, handler as libc::sighandler_t);
            }
        }
        // SAFETY: alarm(2) takes an integer and only schedules or cancels SIGALRM.
        unsafe {
            libc::alarm(if on { KEYCHAIN_DEADLINE_SECS } else { 0 });
        }
    }
    #[cfg(not(unix))]
    let _ = on;
}

/// This process's effective user ID (geteuid(2), which cannot fail).
#[cfg(unix)]
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid takes no arguments, touches no memory and always succeeds.
    unsafe { libc::geteuid() }
}

#[cfg(target_os = "linux")]
const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
/// git's stdout kept aside while the login flow runs: file descriptor 1 points at the terminal
/// (or `/dev/null` when there is none) until this value is dropped, so that no child process
/// (a text browser run in the foreground) can write into git's answer. The answer is written
/// after the drop, to the real stdout.
pub struct StdoutAside {
    #[cfg(unix)]
    saved: Option<std::os::fd::OwnedFd>,
}

impl StdoutAside {
    /// Puts stdout aside; does nothing (and restores nothing) when that fails or off Unix.
    pub fn new() -> StdoutAside {
        #[cfg(unix)]
        {
            use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
            let target = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/tty")
                .or_else(|_| std::fs::OpenOptions::new().write(true).open("/dev/null"));
            let Ok(target) = target else {
                return StdoutAside { saved: None };
            };
            // SAFETY: dup(2) on fd 1 returns a new descriptor we then own, or -1.
            let saved = unsafe { libc::dup(1) };
            if saved < 0 {
                return StdoutAside { saved: None };
            }
            // SAFETY: `saved` is a fresh descriptor owned by nothing else.
            let saved = unsafe { OwnedFd::from_raw_fd(saved) };
            // SAFETY: dup2(2) with two open descriptors; fd 1 is replaced atomically.
            if unsafe { libc::dup2(target.as_raw_fd(), 1) } < 0 {
                return StdoutAside { saved: None };
            }
            StdoutAside { saved: Some(saved) }
        }
        #[cfg(not(unix))]
        StdoutAside {}
    }
}

impl Default for StdoutAside {
    fn default() -> StdoutAside {
        StdoutAside::new()
    }
}

impl Drop for StdoutAside {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            use std::os::fd::AsRawFd;
            // SAFETY: dup2(2) puts back the descriptor saved in new(); both are open.
            unsafe {
                libc::dup2(saved.as_raw_fd(), 1);
            }
        }
    }
}

#[cfg(target_os = "linux")]
const KEYCTL_READ: libc::c_long = 11;
#[cfg(target_os = "linux")]
const KEYCTL_GET_PERSISTENT: libc::c_long = 22;
#[cfg(target_os = "linux")]
const KEY_SPEC_SESSION_KEYRING: libc::c_long = -3;

#[cfg(target_os = "linux")]
thread_local! {
    /// The private session keyring this thread joined, once joined (see
    /// [`join_private_session_keyring`]).
    static PRIVATE_SESSION: std::cell::Cell<Option<i32>> = const { std::cell::Cell::new(None) };
}

/// Makes the calling thread's session keyring a new, anonymous one of its own
/// (`keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL)`), once per thread; later calls return the
/// same keyring's ID.
///
/// Why: a session keyring is inherited across `fork`, `su`, `sudo`, `setpriv` and `runuser`,
/// so the caller's one may be shared with processes of another uid, which *possess* whatever
/// is linked into it and so get a key's possessor permissions (read, write) on it. Every key
/// the helper adds, and the persistent keyring it links in, must only ever be linked into a
/// keyring no other process holds. The kernel keeps session keyrings in each thread's
/// credentials, so this holds for the calling thread (and the threads and children it starts
/// later), which must be the one that uses the kernel keyring.
///
/// # Errors
/// The kernel's error (e.g. `EDQUOT`, or `ENOSYS`/`EPERM` where a seccomp filter blocks keyctl).
#[cfg(target_os = "linux")]
pub fn join_private_session_keyring() -> std::io::Result<i32> {
    if let Some(id) = PRIVATE_SESSION.get() {
        return Ok(id);
    }
    // SAFETY: a null name pointer asks for a new anonymous keyring; no memory is passed.
    let id = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    };
    if id < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let id = i32::try_from(id).map_err(|_| std::io::Error::other("keyring id out of range"))?;
    PRIVATE_SESSION.set(Some(id));
    Ok(id)
}

/// The calling user's persistent keyring (persistent-keyring(7)), linked into the calling
/// thread's session keyring: `keyctl(KEYCTL_GET_PERSISTENT, -1, KEY_SPEC_SESSION_KEYRING)`.
/// Call [`join_private_session_keyring`] first, so that it is not linked into a session
/// keyring other processes share.
///
/// # Errors
/// The kernel's error (e.g. `EOPNOTSUPP` when the kernel has no persistent keyrings).
#[cfg(target_os = "linux")]
pub fn persistent_keyring() -> std::io::Result<i32> {
    // SAFETY: integer arguments only; -1 as uid means "the caller's".
    let id = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_GET_PERSISTENT,
            -1 as libc::c_long,
            KEY_SPEC_SESSION_KEYRING,
        )
    };
    if id < 0 {
        return Err(std::io::Error::last_os_error());
    }
    i32::try_from(id).map_err(|_| std::io::Error::other("keyring id out of range"))
}

/// The IDs of the keys and keyrings linked into keyring `ring` (`KEYCTL_READ`), with a buffer
/// sized from the kernel's answer (`linux_keyutils`' `KeyRing::get_links` trusts a caller-given
/// maximum and can overrun).
///
/// # Errors
/// The kernel's error (e.g. `ENOKEY`, `EACCES`).
#[cfg(target_os = "linux")]
pub fn keyring_links(ring: i32) -> std::io::Result<Vec<i32>> {
    let mut ids: Vec<i32> = Vec::new();
    loop {
        let cap_bytes = ids.len() * 4;
        let ptr = if cap_bytes == 0 {
            std::ptr::null_mut()
        } else {
            ids.as_mut_ptr()
        };
        // SAFETY: the kernel writes at most `cap_bytes` bytes into the buffer, which is `ids`'
        // initialised storage of exactly that size (or null with length 0 for the size query).
        let n = unsafe {
            libc::syscall(
                libc::SYS_keyctl,
                KEYCTL_READ,
                ring as libc::c_long,
                ptr,
                cap_bytes,
            )
        };
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let needed = n as usize;
        if needed <= cap_bytes {
            ids.truncate(needed / 4);
            return Ok(ids);
        }
        // Room for keys added between the size query and the read.
        ids = vec![0; needed / 4 + 16];
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// SIGINT's disposition now, read without changing it.
    #[cfg(unix)]
    fn sigint_disposition() -> libc::sighandler_t {
        // SAFETY: sigaction is plain data, for which all zeroes is a valid value.
        let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: a null `act` only reads the disposition into `old`, a valid sigaction.
        let rc = unsafe { libc::sigaction(libc::SIGINT, std::ptr::null(), &mut old) };
        assert_eq!(rc, 0);
        old.sa_sigaction
    }

    #[cfg(unix)]
    #[test]
    fn the_sigint_guard_ignores_sigint_and_restores_what_it_found() {
        let before = sigint_disposition();
        let guard = SigintIgnored::new();
        assert_eq!(sigint_disposition(), libc::SIG_IGN);
        drop(guard);
        assert_eq!(sigint_disposition(), before);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_private_session_keyring_is_joined_once_per_thread() {
        // KEYCTL_GET_KEYRING_ID (0) of the session keyring, without creating one.
        let session = || {
            // SAFETY: integer arguments only.
            let id = unsafe {
                libc::syscall(
                    libc::SYS_keyctl,
                    0 as libc::c_long,
                    KEY_SPEC_SESSION_KEYRING,
                    0,
                )
            };
            i32::try_from(id).ok().filter(|id| *id > 0)
        };
        let before = session();
        let id = join_private_session_keyring().unwrap();
        assert_ne!(Some(id), before, "a new keyring, not the inherited one");
        assert_eq!(session(), Some(id));
        assert_eq!(join_private_session_keyring().unwrap(), id);
        // Another thread has its own.
        let other = std::thread::spawn(|| join_private_session_keyring().unwrap())
            .join()
            .unwrap();
        assert_ne!(other, id);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_keyring_that_does_not_exist_is_an_error_not_a_listing() {
        assert!(keyring_links(i32::MAX).is_err());
    }
}

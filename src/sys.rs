//! Calls to the operating system that `std` does not offer: process hardening (rlimit,
//! prctl), signals (the keychain deadline, SIGINT at the prompt, the signals that end
//! `token --copy`'s countdown), stdout put aside, and the
//! raw keyctl(2) calls. Safe wrappers from `rustix` (and `nix` for `alarm`) where a crate has
//! one; the few calls none wraps safely are this crate's only `unsafe` blocks, each saying why.
//! The rest of the crate is `#![deny(unsafe_code)]`.

/// Now, in seconds since the Unix epoch (UTC); 0 if the clock is before 1970. The one reading
/// of the clock: everything else takes `now` from its caller.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Turns core dumps off for this process: the core size limit goes to 0 (`RLIMIT_CORE`) and,
/// on Linux, the process is made non-dumpable (`PR_SET_DUMPABLE` 0), which also keeps other
/// processes of the same user from reading its memory through ptrace or `/proc/PID/mem`.
/// Failures are ignored: they only mean the system's own setting stays in force. Does nothing
/// on Windows.
pub fn no_core_dumps() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        let zero = Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        let _ = setrlimit(Resource::Core, zero);
    }
    #[cfg(target_os = "linux")]
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
}

/// SIGINT ignored for this value's lifetime; dropping it restores the disposition it found.
/// Does nothing off Unix.
#[must_use = "SIGINT is restored when the guard is dropped"]
pub(crate) struct SigintIgnored {
    #[cfg(unix)]
    previous: libc::sighandler_t,
}

impl SigintIgnored {
    /// Ignores SIGINT until the returned guard is dropped.
    #[allow(clippy::new_without_default)]
    pub(crate) fn new() -> Self {
        #[cfg(unix)]
        // Unsafe because no crate offers a safe way to set a disposition: rustix has no
        // signal(2), and nix's `signal` is an `unsafe fn` for every handler, SIG_IGN included.
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
        // Unsafe for the reason in `new`.
        // SAFETY: reinstalls the disposition signal(2) returned in `new`, a handler (or
        // SIG_DFL/SIG_IGN, or SIG_ERR, which signal refuses) the process had before.
        unsafe {
            libc::signal(libc::SIGINT, self.previous);
        }
    }
}

/// The signals that end a wait a person is watching, caught rather than left to end the
/// process: SIGINT (Ctrl-C), SIGTERM (`kill`), SIGHUP (the terminal closed) and SIGQUIT
/// (`Ctrl-\`), so that the caller undoes what it did before it exits (`token --copy` clears the
/// clipboard). They are blocked in the calling thread, and so in every thread it starts later,
/// and taken by a thread of their own with sigwait(3): no handler, no `unsafe`. Create it
/// before starting other threads. Off Unix nothing is caught.
pub(crate) struct EndingSignals {
    caught: std::sync::mpsc::Receiver<i32>,
}

impl EndingSignals {
    /// Starts catching the signals; if they cannot be blocked, they keep ending the process.
    pub(crate) fn catch() -> EndingSignals {
        let (tx, caught) = std::sync::mpsc::channel();
        #[cfg(unix)]
        {
            use nix::sys::signal::{SigSet, Signal};
            let mut set = SigSet::empty();
            for signal in [
                Signal::SIGINT,
                Signal::SIGTERM,
                Signal::SIGHUP,
                Signal::SIGQUIT,
            ] {
                set.add(signal);
            }
            if set.thread_block().is_ok() {
                let waiter = std::thread::Builder::new().spawn(move || {
                    while let Ok(signal) = set.wait() {
                        if tx.send(signal as i32).is_err() {
                            break;
                        }
                    }
                });
                if waiter.is_err() {
                    // Nothing would take them: let them end the process again.
                    let _ = set.thread_unblock();
                }
            }
        }
        #[cfg(not(unix))]
        drop(tx);
        EndingSignals { caught }
    }

    /// Waits up to `timeout` for one of the signals; its number, or `None` when none came.
    pub(crate) fn wait(&self, timeout: std::time::Duration) -> Option<i32> {
        match self.caught.recv_timeout(timeout) {
            Ok(signal) => Some(signal),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => None,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(timeout);
                None
            }
        }
    }
}

/// The keychain deadline's literal, so that the message the signal handler writes (a static
/// string: a handler may not format) says the same number as [`KEYCHAIN_DEADLINE_SECS`].
#[cfg(unix)]
macro_rules! deadline_secs {
    () => {
        5
    };
}

/// How long git's operations may wait for the keychain, in seconds (Unix only: the deadline is
/// an `alarm(2)`).
#[cfg(unix)]
pub(crate) const KEYCHAIN_DEADLINE_SECS: u32 = deadline_secs!();

#[cfg(unix)]
const DEADLINE_MESSAGE: &[u8] = concat!(
    "git-credential-pat: the keychain did not answer within ",
    deadline_secs!(),
    " s; giving up so that git can go on (is the keyring locked, or its daemon stuck?)\n"
)
.as_bytes();

#[cfg(unix)]
extern "C" fn on_deadline(_: libc::c_int) {
    // write(2) through rustix is a bare system call, async-signal-safe.
    let _ = rustix::io::write(rustix::stdio::stderr(), DEADLINE_MESSAGE);
    // Unsafe because no crate wraps _exit(2) safely for a program linked with libc (rustix's
    // `exit_group` is in its Linux-only `runtime` module), and std's `exit` runs atexit
    // handlers, which is not async-signal-safe.
    // SAFETY: _exit(2) is async-signal-safe and touches no memory of ours.
    unsafe { libc::_exit(0) }
}

/// Arms (`true`) or disarms (`false`) the keychain deadline: when it passes, the process
/// prints one line on stderr and exits 0 with nothing written to stdout, so that git asks its
/// next helper or the person. An `alarm(2)`, not a thread: it costs one system call on the hot
/// path. Off Unix the deadline is not armed (the native keychains there do not hang).
pub fn keychain_deadline(on: bool) {
    #[cfg(unix)]
    if on {
        let handler = on_deadline as extern "C" fn(libc::c_int);
        // Unsafe because installing a handler is `unsafe` in every crate (rustix has no
        // signal(2); nix's `signal` and `sigaction` are `unsafe fn`): only the caller can
        // vouch that the handler is async-signal-safe.
        // SAFETY: the handler only makes async-signal-safe calls (see on_deadline).
        unsafe {
            libc::signal(libc::SIGALRM, handler as libc::sighandler_t);
        }
        nix::unistd::alarm::set(KEYCHAIN_DEADLINE_SECS);
    } else {
        nix::unistd::alarm::cancel();
    }
    #[cfg(not(unix))]
    let _ = on;
}

/// This process's effective user ID (geteuid(2), which cannot fail).
#[cfg(unix)]
pub(crate) fn effective_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The user ID of the process at the other end of a Unix-domain socket, as the kernel recorded
/// it when that process connected (`SO_PEERCRED`, socket(7), on Linux; getpeereid(3) on macOS
/// and the BSDs): the agent's check of who may ask it for a token.
///
/// # Errors
/// When the socket is not a connected Unix-domain socket.
#[cfg(unix)]
pub(crate) fn peer_uid(socket: &std::os::unix::net::UnixStream) -> std::io::Result<u32> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    return rustix::net::sockopt::socket_peercred(socket)
        .map(|c| c.uid.as_raw())
        .map_err(std::io::Error::from);
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    return nix::unistd::getpeereid(socket)
        .map(|(uid, _)| uid.as_raw())
        .map_err(std::io::Error::from);
}

/// Whether `fd` has something to read (or has reached its end) within `timeout`: poll(2).
///
/// # Errors
/// When poll fails.
#[cfg(unix)]
pub(crate) fn readable_within(
    fd: &impl std::os::fd::AsFd,
    timeout: std::time::Duration,
) -> std::io::Result<bool> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let timeout = Timespec {
        tv_sec: i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(timeout.subsec_nanos()),
    };
    let mut fds = [PollFd::new(fd, PollFlags::IN)];
    loop {
        match poll(&mut fds, Some(&timeout)) {
            Ok(n) => return Ok(n > 0),
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// Whether this process's group is the foreground group of the terminal `tty`
/// (tcgetpgrp(3)): a process in the background that reads or changes its terminal is stopped
/// by SIGTTIN or SIGTTOU, and must not try.
#[cfg(unix)]
pub(crate) fn in_foreground(tty: &impl std::os::fd::AsFd) -> bool {
    rustix::termios::tcgetpgrp(tty).is_ok_and(|group| group == rustix::process::getpgrp())
}

/// A terminal's settings (echo, line editing, signals), saved to be put back when a process
/// that may be ended in the middle of a hidden prompt exits.
#[cfg(unix)]
pub(crate) struct TerminalSettings {
    tty: std::fs::File,
    saved: rustix::termios::Termios,
}

#[cfg(unix)]
impl TerminalSettings {
    /// Saves `tty`'s settings (tcgetattr(3)); `None` when it is not a terminal.
    pub(crate) fn save(tty: std::fs::File) -> Option<TerminalSettings> {
        let saved = rustix::termios::tcgetattr(&tty).ok()?;
        Some(TerminalSettings { tty, saved })
    }

    /// Puts the saved settings back (tcsetattr(3), once pending output is written).
    pub(crate) fn restore(&self) {
        let _ = rustix::termios::tcsetattr(
            &self.tty,
            rustix::termios::OptionalActions::Drain,
            &self.saved,
        );
    }
}

/// Gives `to` the POSIX ACL of `from` (the `system.posix_acl_access` extended attribute, as
/// `cp --preserve=mode` copies it), when `from` has one: its mode bits alone would drop the
/// entries that name other users and groups. Nothing to do on a file system without ACLs.
///
/// # Errors
/// When `from` has an ACL that cannot be read or given to `to`.
#[cfg(unix)]
pub(crate) fn copy_acl(from: &std::fs::File, to: &std::fs::File) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::io::Errno;
        const NAME: &str = "system.posix_acl_access";
        let mut value = vec![0u8; 4096];
        let len = match rustix::fs::fgetxattr(from, NAME, &mut value[..]) {
            Ok(len) => len,
            Err(Errno::NODATA | Errno::NOTSUP) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        rustix::fs::fsetxattr(to, NAME, &value[..len], rustix::fs::XattrFlags::empty())?;
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (from, to);
    Ok(())
}

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
            let open = |path| std::fs::OpenOptions::new().write(true).open(path);
            let saved = open("/dev/tty")
                .or_else(|_| open("/dev/null"))
                .ok()
                .and_then(|target| {
                    // Close-on-exec: a browser the flow starts (and that stays open) must not
                    // hold git's pipe, or git would wait for the answer's end until it quits.
                    let saved = rustix::io::fcntl_dupfd_cloexec(rustix::stdio::stdout(), 0).ok()?;
                    rustix::stdio::dup2_stdout(&target).ok()?;
                    Some(saved)
                });
            StdoutAside { saved }
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
            let _ = rustix::stdio::dup2_stdout(saved);
        }
    }
}

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
pub(crate) fn join_private_session_keyring() -> std::io::Result<i32> {
    if let Some(id) = PRIVATE_SESSION.get() {
        return Ok(id);
    }
    // Unsafe because linux-keyutils has no call to join a session keyring, and rustix and nix
    // no keyctl(2) at all.
    // SAFETY: a null name pointer asks for a new anonymous keyring; no memory is passed.
    let id = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            libc::KEYCTL_JOIN_SESSION_KEYRING as libc::c_long,
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
pub(crate) fn persistent_keyring() -> std::io::Result<i32> {
    // Unsafe because linux-keyutils' `KeyRing::get_persistent` keeps the keyring's ID to
    // itself, and `keyring_links` needs it.
    // SAFETY: integer arguments only; -1 as uid means "the caller's".
    let id = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            libc::KEYCTL_GET_PERSISTENT as libc::c_long,
            -1 as libc::c_long,
            libc::KEY_SPEC_SESSION_KEYRING as libc::c_long,
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
pub(crate) fn keyring_links(ring: i32) -> std::io::Result<Vec<i32>> {
    let mut ids: Vec<i32> = Vec::new();
    loop {
        let cap_bytes = ids.len() * 4;
        let ptr = if cap_bytes == 0 {
            std::ptr::null_mut()
        } else {
            ids.as_mut_ptr()
        };
        // Unsafe because linux-keyutils' `get_links` can overrun (see above).
        // SAFETY: the kernel writes at most `cap_bytes` bytes into the buffer, which is `ids`'
        // initialised storage of exactly that size (or null with length 0 for the size query).
        let n = unsafe {
            libc::syscall(
                libc::SYS_keyctl,
                libc::KEYCTL_READ as libc::c_long,
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

/// SIGINT's disposition now, read without changing it: for the unit tests of [`SigintIgnored`].
#[cfg(all(test, unix))]
pub(crate) fn sigint_disposition() -> libc::sighandler_t {
    // Unsafe because nix's `sigaction` is an `unsafe fn` and rustix has none.
    // SAFETY: sigaction is plain data, for which all zeroes is a valid value.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a null `act` only reads the disposition into `old`, a valid sigaction.
    let rc = unsafe { libc::sigaction(libc::SIGINT, std::ptr::null(), &mut old) };
    assert_eq!(rc, 0);
    old.sa_sigaction
}

/// The ID of this thread's session keyring, without creating one (`KEYCTL_GET_KEYRING_ID`):
/// for the unit tests of [`join_private_session_keyring`]. `None` when there is none.
#[cfg(all(test, target_os = "linux"))]
pub(crate) fn session_keyring_id() -> Option<i32> {
    // Unsafe because linux-keyutils' `KeyRing::from_special_id` keeps the ID to itself.
    // SAFETY: integer arguments only.
    let id = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            libc::KEYCTL_GET_KEYRING_ID as libc::c_long,
            libc::KEY_SPEC_SESSION_KEYRING as libc::c_long,
            0 as libc::c_long,
        )
    };
    i32::try_from(id).ok().filter(|id| *id > 0)
}

#[cfg(all(test, unix))]
mod tests;

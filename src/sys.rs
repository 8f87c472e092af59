//! Every `unsafe` block of the crate, each behind a safe function and with its SAFETY comment:
//! process hardening (rlimit, prctl), signals (the keychain deadline, SIGINT at the prompt)
//! and the raw keyctl(2) calls. The rest of the crate is `#![deny(unsafe_code)]`.

/// Turns core dumps off for this process: the core size limit goes to 0 (`RLIMIT_CORE`) and,
/// on Linux, the process is made non-dumpable (`PR_SET_DUMPABLE` 0), which also keeps other
/// processes of the same user from reading its memory through ptrace or `/proc/PID/mem`.
/// Failures are ignored: they only mean the system's own setting stays in force.
pub fn no_core_dumps() {
    #[cfg(unix)]
    {
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit reads the struct we pass and nothing else.
        unsafe {
            libc::setrlimit(libc::RLIMIT_CORE, &zero);
        }
    }
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_DUMPABLE, 0) takes integer arguments only.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
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

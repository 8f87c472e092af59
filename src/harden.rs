//! Process hardening done first thing in `main`: a process that holds a token in memory must
//! not leave it in a core dump.

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

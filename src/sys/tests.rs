//! Unit tests of `src/sys.rs`, each a sentence of behaviour.
use super::*;

/// SIGINT's disposition now, read without changing it.
#[cfg(unix)]
fn sigint_disposition() -> libc::sighandler_t {
    // Unsafe because nix's `sigaction` is an `unsafe fn` and rustix has none.
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
    // KEYCTL_GET_KEYRING_ID of the session keyring, without creating one.
    let session = || {
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

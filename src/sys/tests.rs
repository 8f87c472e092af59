//! Unit tests of `src/sys.rs`, each a sentence of behaviour.
use super::*;

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
    let before = session_keyring_id();
    let id = join_private_session_keyring().unwrap();
    assert_ne!(Some(id), before, "a new keyring, not the inherited one");
    assert_eq!(session_keyring_id(), Some(id));
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

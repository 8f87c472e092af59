//! Unit tests of `src/cache.rs`, each a sentence of behaviour.
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

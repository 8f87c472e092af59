//! The cache files (the keychain write lock, the record of expiry warnings) under a HOME
//! another user may control: a planted symlink never makes the helper
//! create, append to or truncate the file it points at, and a cache directory another user
//! owns is not used; the helper still stores and serves tokens.

use crate::rig::now;
use crate::rig::{self, Sandbox};
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

/// Stores a token expiring in 3 days, then `get`s it (which warns, and records the warning).
fn store_then_get(sb: &Sandbox) -> rig::Output {
    let mut store = sb.helper();
    store.args(["--store=keyutils", "store"]);
    let stored = sb.run(
        &mut store,
        &format!(
            "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_cachefiles\npassword_expiry_utc={}\n\n",
            now() + 3 * 86_400
        ),
    );
    assert_eq!(stored.code, 0, "{stored:?}");
    let mut get = sb.helper();
    get.args(["--store=keyutils", "get"]);
    let got = sb.run(&mut get, "protocol=https\nhost=github.com\n\n");
    assert!(got.stdout.contains("password=ghp_cachefiles\n"), "{got:?}");
    got
}

#[test]
fn planted_symlinks_in_the_cache_directory_are_not_followed() {
    if rig::require_tools("this test", &["keyctl"]).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let cache = sb.home.join(".cache/git-credential-pat");
    fs::create_dir_all(&cache).unwrap();
    fs::set_permissions(&cache, fs::Permissions::from_mode(0o700)).unwrap();
    let lock_target = sb.dir.path().join("victim-lock");
    let record_target = sb.dir.path().join("victim-record");
    fs::write(&record_target, "precious\n").unwrap();
    std::os::unix::fs::symlink(&lock_target, cache.join("vault.lock")).unwrap();
    std::os::unix::fs::symlink(&record_target, cache.join("expiry-warnings")).unwrap();

    let got = store_then_get(&sb);
    assert!(
        got.stderr.contains("expires"),
        "the warning is still given: {got:?}"
    );
    assert!(
        !lock_target.exists(),
        "the lock file's planted symlink made the helper create its target"
    );
    assert_eq!(
        fs::read_to_string(&record_target).unwrap(),
        "precious\n",
        "the expiry record's planted symlink made the helper write its target"
    );
}

#[test]
fn a_cache_directory_another_user_owns_is_not_used() {
    if rig::require_tools("this test", &["keyctl"]).is_none() {
        return;
    }
    if !fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0) {
        rig::skip("giving the cache directory to uid 65534 needs root");
        return;
    }
    let sb = Sandbox::new();
    let cache = sb.home.join(".cache/git-credential-pat");
    fs::create_dir_all(&cache).unwrap();
    fs::set_permissions(&cache, fs::Permissions::from_mode(0o777)).unwrap();
    std::os::unix::fs::chown(&cache, Some(65534), Some(65534)).unwrap();
    store_then_get(&sb);
    assert_eq!(
        fs::read_dir(&cache).unwrap().count(),
        0,
        "the helper wrote into a cache directory uid 65534 owns"
    );
}

#[test]
fn the_cache_directory_and_its_files_are_private() {
    if rig::require_tools("this test", &["keyctl"]).is_none() {
        return;
    }
    let sb = Sandbox::new();
    store_then_get(&sb);
    let cache = sb.home.join(".cache/git-credential-pat");
    let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cache), 0o700);
    assert_eq!(mode(&cache.join("vault.lock")), 0o600);
    assert_eq!(mode(&cache.join("expiry-warnings")), 0o600);
}

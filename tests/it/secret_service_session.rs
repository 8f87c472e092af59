//! The encrypted Secret Service session (DH "dh-ietf1024-sha256-aes128-cbc-pkcs7", negotiated by
//! the vendored dbus-secret-service with an OS-random private key and aws-lc's constant-time
//! exponentiation) against a real private gnome-keyring: what the helper stores, libsecret's
//! `secret-tool` reads in clear, and what `secret-tool` stores, the helper's `get` decrypts.

use crate::rig::{self, Keychain, SecretService, World};

/// A world on a fresh private Secret Service, or None (with a note) when this machine has no
/// dbus/gnome-keyring and is not CI (`SecretService::start` panics under CI when they are missing).
fn secret_service_world() -> Option<World> {
    match SecretService::start() {
        Some(ss) => Some(World::new(Keychain::SecretService(ss))),
        None => {
            rig::skip("no Secret Service (dbus-daemon, gnome-keyring) on this machine");
            None
        }
    }
}

/// Tokens whose lengths straddle AES block boundaries (PKCS#7 pads 1 to 16 bytes).
fn tokens() -> Vec<String> {
    [1, 15, 16, 17, 31, 32, 33, 40, 93]
        .iter()
        .map(|&n| {
            let body: String = (0..n).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            format!("ghp_{body}")
        })
        .collect()
}

#[test]
fn a_token_the_helper_stores_is_read_in_clear_by_libsecret_and_by_get() {
    let Some(w) = secret_service_world() else {
        return;
    };
    for token in tokens() {
        let out = w.helper(
            "store",
            &format!("protocol=https\nhost=github.com\nusername=alice\npassword={token}\n"),
        );
        assert_eq!(out.code, 0, "store: {}", out.stderr);
        // secret-tool opens its own session with the daemon: the daemon decrypted our AES
        // ciphertext with the key both sides derived, or this would not match.
        assert_eq!(
            w.stored_tokens(),
            [format!("https://alice@github.com {token}|")]
        );
        // A new process: a new session, a new private key, the daemon's ciphertext decrypted.
        let out = w.helper("get", "protocol=https\nhost=github.com\n");
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (0, format!("username=alice\npassword={token}\n").as_str()),
            "get: {}",
            out.stderr
        );
    }
}

#[test]
fn a_token_libsecret_stores_is_decrypted_by_get_in_every_new_session() {
    let Some(w) = secret_service_world() else {
        return;
    };
    // The helper makes the entry (with every attribute its look-up uses); secret-tool then
    // replaces its secret, encrypted by libsecret's own session.
    let out = w.helper(
        "store",
        "protocol=https\nhost=github.com\nusername=bob\npassword=placeholder\n",
    );
    assert_eq!(out.code, 0, "store: {}", out.stderr);
    for token in tokens() {
        w.write_raw("https://bob@github.com", &format!("{token}\n"));
        assert_eq!(w.stored(), [format!("https://bob@github.com {token}|")]);
        for _ in 0..3 {
            let out = w.helper("get", "protocol=https\nhost=github.com\n");
            assert_eq!(
                (out.code, out.stdout.as_str()),
                (0, format!("username=bob\npassword={token}\n").as_str()),
                "get: {}",
                out.stderr
            );
        }
    }
}

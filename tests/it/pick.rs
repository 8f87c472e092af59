//! A `get` without a user name serves the host's pick: the most recently stored credential (or
//! the `login --default` one), also among users stored within the same second, and falls back
//! to reading every candidate when the pick is gone or was never kept.

use crate::rig::{World, keychains};

fn token(user: &str) -> String {
    format!("protocol=https\nhost=github.com\nusername={user}\npassword=tok_{user}\n")
}

fn served(w: &World) -> String {
    let out = w.helper("get", "protocol=https\nhost=github.com\n");
    assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
    out.stdout
}

#[test]
fn users_stored_within_one_second_are_served_newest_first() {
    for kc in keychains() {
        let w = World::new(kc);
        for user in ["alice", "bob", "carol"] {
            w.approve(&token(user));
        }
        assert_eq!(
            served(&w),
            "username=carol\npassword=tok_carol\n",
            "{}",
            w.name()
        );
        // A new token for alice makes her the newest.
        w.approve("protocol=https\nhost=github.com\nusername=alice\npassword=tok_alice2\n");
        assert_eq!(
            served(&w),
            "username=alice\npassword=tok_alice2\n",
            "{}",
            w.name()
        );
        // With the pick erased, every candidate is read again: one of the others is served.
        let out = w.credential(
            "reject",
            "protocol=https\nhost=github.com\nusername=alice\npassword=tok_alice2\n",
        );
        assert_eq!(out.code, 0, "{}", w.name());
        let now = served(&w);
        assert!(
            now == "username=bob\npassword=tok_bob\n"
                || now == "username=carol\npassword=tok_carol\n",
            "{}: {now}",
            w.name()
        );
        // Storing picks again.
        w.approve(&token("dave"));
        assert_eq!(
            served(&w),
            "username=dave\npassword=tok_dave\n",
            "{}",
            w.name()
        );
        // Only tokens are listed; the kernel keyring's pick key is no account.
        assert_eq!(w.stored_tokens().len(), 3, "{}", w.name());
    }
}

#[test]
fn entries_kept_without_a_pick_are_ranked_by_reading_them() {
    for kc in keychains() {
        let w = World::new(kc);
        // As an older version (or another tool) left them: no pick, one marked default.
        w.write_raw(
            "https://old@github.com",
            "tok_old\nstored_at=100\ndefault=1\n",
        );
        w.write_raw("https://new@github.com", "tok_new\nstored_at=200\n");
        assert_eq!(
            served(&w),
            "username=old\npassword=tok_old\n",
            "{}",
            w.name()
        );
        // A newer store does not outrank the default one.
        w.approve(&token("eve"));
        assert_eq!(
            served(&w),
            "username=old\npassword=tok_old\n",
            "{}",
            w.name()
        );
        // The default one is erased: the newest of the rest.
        let out = w.helper("erase", "protocol=https\nhost=github.com\nusername=old\n");
        assert_eq!(out.code, 0, "{}", w.name());
        assert_eq!(
            served(&w),
            "username=eve\npassword=tok_eve\n",
            "{}",
            w.name()
        );
    }
}

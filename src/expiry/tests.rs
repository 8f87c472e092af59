//! Unit tests of `src/expiry.rs`, each a sentence of behaviour.
use super::*;

const NOW: u64 = 1_800_000_000;

fn warn(expires_at: Option<u64>, now: u64, record: &Path) -> String {
    let mut err = Vec::new();
    warn_if_soon(
        "svc https://alice@github.com",
        "alice",
        "github.com",
        expires_at,
        now,
        Some(record),
        &mut err,
    );
    String::from_utf8(err).unwrap()
}

#[test]
fn a_token_expiring_within_a_week_is_warned_about_once_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("sub/expiry-warnings");
    let soon = NOW + 3 * 86_400 + 60;
    assert_eq!(
        warn(Some(soon), NOW, &record),
        "git-credential-pat: the token of alice for github.com expires 2027-01-18 08:01 UTC (in 3 days); \
         run `git credential-pat login github.com` to replace it\n"
    );
    assert_eq!(warn(Some(soon), NOW + 60, &record), "");
    assert_ne!(warn(Some(soon), NOW + 86_400, &record), "");
}

#[test]
fn no_warning_for_a_distant_unknown_or_past_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("w");
    assert_eq!(warn(Some(NOW + 8 * 86_400), NOW, &record), "");
    assert_eq!(warn(None, NOW, &record), "");
    assert_eq!(warn(Some(NOW - 1), NOW, &record), "");
}

//! Unit tests of `src/show.rs`, each a sentence of behaviour.
use super::*;

const NOW: u64 = 1_800_000_000;

#[test]
fn escape_neutralises_terminal_sequences_and_bidi_controls() {
    assert_eq!(escape("a\u{1b}[31mb"), "a\\u{1b}[31mb");
    assert_eq!(escape("x\u{9b}y\u{7f}"), "x\\u{9b}y\\u{7f}");
    assert_eq!(escape("evil\u{202e}moc"), "evil\\u{202e}moc");
    assert_eq!(escape("line\nbreak"), "line\\nbreak");
    assert_eq!(escape("octo-lab"), "octo-lab");
}

#[test]
fn times_are_shown_in_utc_with_a_distance() {
    assert_eq!(utc_minute(NOW), "2027-01-15 08:00 UTC");
    assert_eq!(utc_clock(NOW), "08:00 UTC");
    assert_eq!(
        describe_time(NOW + 3 * 86_400 + 5, NOW),
        "2027-01-18 08:00 UTC (in 3 days)"
    );
    assert_eq!(
        describe_time(NOW + 60, NOW),
        "2027-01-15 08:01 UTC (in 1 minute)"
    );
    assert_eq!(
        describe_time(NOW + 8 * 3_600, NOW),
        "2027-01-15 16:00 UTC (in 8 hours)"
    );
    assert_eq!(
        describe_time(NOW - 86_400, NOW),
        "2027-01-14 08:00 UTC (1 day ago)"
    );
}

#[test]
fn distances_are_rounded_to_what_a_person_expects() {
    // A 1-minute and an 8-hour lab timer read differently, and a minute later still right.
    assert_eq!(relative(NOW + 60, NOW), "in 1 minute");
    assert_eq!(relative(NOW + 8 * 3_600, NOW), "in 8 hours");
    assert_eq!(relative(NOW + 8 * 3_600 - 60, NOW), "in 8 hours");
    assert_eq!(relative(NOW + 55, NOW), "in less than a minute");
    assert_eq!(relative(NOW, NOW), "in less than a minute");
    assert_eq!(relative(NOW - 60, NOW), "1 minute ago");
    assert_eq!(relative(NOW - 90, NOW), "2 minutes ago");
    assert_eq!(relative(NOW + 10 * 60 + 20, NOW), "in 10 minutes");
    assert_eq!(relative(NOW + 90 * 60, NOW), "in 90 minutes");
    // The unit follows the rounded value: never "120 minutes" or "24 hours".
    assert_eq!(relative(NOW + 2 * 3_600 - 20, NOW), "in 2 hours");
    assert_eq!(relative(NOW + 5 * 3_600, NOW), "in 5 hours");
    assert_eq!(relative(NOW + 24 * 3_600 - 600, NOW), "in 1 day");
    assert_eq!(relative(NOW + 48 * 3_600 - 600, NOW), "in 2 days");
    assert_eq!(relative(NOW - 86_400, NOW), "1 day ago");
    assert_eq!(relative(NOW + 6 * 86_400 + 5, NOW), "in 6 days");
    assert_eq!(relative(NOW + 6 * 86_400 + 13 * 3_600, NOW), "in 7 days");
}

#[test]
fn a_tokens_facts_say_who_gave_them() {
    let forge = SaidBy::Forge {
        name: "GitHub",
        ignored_expiry: None,
    };
    let scopes = ["repo".to_owned(), "work\u{1b}flow".to_owned()];
    assert_eq!(
        token_facts(Some(&scopes), Some(NOW + 86_400), &forge, NOW),
        "scopes repo, work\\u{1b}flow; expires 2027-01-16 08:00 UTC (in 1 day)"
    );
    assert_eq!(
        token_facts(Some(&[]), None, &forge, NOW),
        "no scopes; no expiry reported"
    );
    assert_eq!(
        token_facts(None, None, &SaidBy::Keychain, NOW),
        "scopes unknown; no expiry known"
    );
    let wrong = SaidBy::Forge {
        name: "GitHub",
        ignored_expiry: Some(NOW),
    };
    assert_eq!(
        token_facts(None, None, &wrong, NOW),
        "no scopes reported; expiry unknown: GitHub reported 2027-01-15 08:00 UTC, which \
         cannot be right for a token it accepted"
    );
}

#[test]
fn a_token_is_named_user_at_host_and_path() {
    assert_eq!(
        token_name("https", "github.com", "octo", None),
        "octo@github.com"
    );
    assert_eq!(
        token_name("http", "h:8080", "o", Some("a/b.git")),
        "o@http://h:8080/a/b.git"
    );
    assert_eq!(
        token_name("https", "h", "o\u{1b}]8;;", None),
        "o\\u{1b}]8;;@h"
    );
}

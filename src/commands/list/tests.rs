//! Unit tests of `src/commands/list.rs`, each a sentence of behaviour.
use super::*;

const NOW: u64 = 1_800_000_000;

fn row(host: &str, user: &str) -> Row {
    Row {
        protocol: "https".into(),
        host: host.into(),
        username: user.into(),
        path: None,
        forge: Some("GitHub".into()),
        scopes: Some(vec!["repo".into(), "workflow".into()]),
        expires_at: Some(NOW + 6 * 86_400 + 5),
        stored_at: Some(NOW - 3600),
        erase_by: Some(NOW + 8 * 3600),
        default: true,
        to_revoke: false,
        keychain: "kernel keyring".into(),
        owners: Vec::new(),
    }
}

#[test]
fn the_table_shows_every_fact_but_the_token() {
    let mut other = row("gitlab.com", "bob");
    other.forge = None;
    other.scopes = None;
    other.expires_at = None;
    other.erase_by = None;
    other.default = false;
    assert_eq!(
        table(&[row("github.com", "alice"), other], NOW),
        "HOST        USER             FORGE   SCOPES          EXPIRES    STORED                KEYCHAIN        LAB TIMER\n\
         github.com  alice (default)  GitHub  repo, workflow  in 6 days  2027-01-15 07:00 UTC  kernel keyring  erases in 8 hours\n\
         gitlab.com  bob              -       -               unknown    2027-01-15 07:00 UTC  kernel keyring  -\n"
    );
}

#[test]
fn a_token_left_to_revoke_says_so() {
    let mut r = row("github.com", "alice");
    r.to_revoke = true;
    assert!(table(&[r], NOW).contains("ended: TO REVOKE"));
}

#[test]
fn control_characters_in_names_are_escaped() {
    let mut r = row("github.com", "eve\u{1b}[2J\n");
    r.path = Some("o/r\r".into());
    let text = table(&[r], NOW);
    assert!(text.contains("github.com/o/r\\r"), "{text}");
    assert!(text.contains("eve\\u{1b}[2J\\n (default)"), "{text}");
}

#[test]
fn distances_are_in_days_hours_or_minutes() {
    assert_eq!(relative(NOW + 3 * 86_400, NOW), "in 3 days");
    assert_eq!(relative(NOW - 2 * 86_400, NOW), "2 days ago");
    assert_eq!(relative(NOW + 5 * 3600, NOW), "in 5 hours");
    assert_eq!(relative(NOW + 600, NOW), "in 10 minutes");
}

#[test]
fn the_lab_timer_and_the_expiry_read_as_a_person_would_say_them() {
    let mut r = row("github.com", "alice");
    r.erase_by = Some(NOW + 55);
    r.expires_at = Some(NOW - 60);
    let text = table(&[r], NOW);
    assert!(text.contains("erases in less than a minute"), "{text}");
    assert!(text.contains("1 minute ago"), "{text}");
    let mut r = row("github.com", "alice");
    r.erase_by = Some(NOW + 8 * 3600 - 60);
    let text = table(&[r], NOW);
    assert!(text.contains("erases in 8 hours"), "{text}");
}

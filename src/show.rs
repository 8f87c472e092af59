//! What a person reads: escaping of names that come from outside (hosts, users, realms, API
//! answers, keychain entries) so that they cannot drive the terminal, naming a token, and the
//! one time formatter every message uses.
//!
//! Why escape: a host or user name reaches the helper from git's request, a keychain entry or
//! a forge's answer, and may hold terminal escape sequences (colours, OSC 8 hyperlinks, title
//! changes). Every such name is passed through [`escape`] before it is printed.

use std::fmt::Display;

/// `s` with control characters (C0, DEL, C1, which include ESC and CSI) and Unicode
/// bidirectional controls shown as escapes (`\n`, `\u{1b}`), so that a name cannot move the
/// cursor, recolour, retitle or reorder what the person reads.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A stored token named for a person: `alice@github.com`, with `protocol://` before the host
/// when it is not https and `/path` after it when it has one
/// (`alice@http://127.0.0.1:8080/org/repo`); escaped, and never with the token.
pub fn token_name(
    protocol: &str,
    host: impl Display,
    username: &str,
    path: Option<&str>,
) -> String {
    let scheme = if protocol == "https" {
        String::new()
    } else {
        format!("{protocol}://")
    };
    let path = path.map(|p| format!("/{p}")).unwrap_or_default();
    escape(&format!("{username}@{scheme}{host}{path}"))
}

/// Who gave the facts [`token_facts`] describes, which decides how a missing one is worded.
pub enum SaidBy<'a> {
    /// The forge named `name`, which has just accepted the token: what it did not say is "not
    /// reported". `ignored_expiry` is an expiry it gave that cannot be right (see
    /// `forge::TokenInfo::ignored_expiry`), which is named as such.
    Forge {
        /// The forge's name for people, e.g. `GitHub`.
        name: &'a str,
        /// The expiry set aside, seconds since the Unix epoch (UTC).
        ignored_expiry: Option<u64>,
    },
    /// The keychain entry: what it does not hold is "unknown".
    Keychain,
}

/// A token's scopes and expiry in one clause, for a person:
/// `scopes repo, workflow; expires 2027-01-31 00:00 UTC (in 6 days)`, or `no scopes` for a
/// token with none; how a missing fact is worded depends on [`SaidBy`]. Escaped; `now` and the
/// expiry are seconds since the Unix epoch (UTC).
pub fn token_facts(
    scopes: Option<&[String]>,
    expires_at: Option<u64>,
    said_by: &SaidBy,
    now: u64,
) -> String {
    let reported = matches!(said_by, SaidBy::Forge { .. });
    let scopes = match scopes {
        Some(s) if !s.is_empty() => format!("scopes {}", escape(&s.join(", "))),
        Some(_) => "no scopes".to_owned(),
        None if reported => "no scopes reported".to_owned(),
        None => "scopes unknown".to_owned(),
    };
    let expiry = match (expires_at, said_by) {
        (Some(t), _) => format!("expires {}", describe_time(t, now)),
        (
            None,
            SaidBy::Forge {
                name,
                ignored_expiry: Some(t),
            },
        ) => format!(
            "expiry unknown: {name} reported {}, which cannot be right for a token it accepted",
            utc_minute(*t)
        ),
        (None, SaidBy::Forge { .. }) => "no expiry reported".to_owned(),
        (None, SaidBy::Keychain) => "no expiry known".to_owned(),
    };
    format!("{scopes}; {expiry}")
}

/// `2026-12-31 23:59 UTC` for `t`, in seconds since the Unix epoch (UTC); the number itself
/// when it is out of range.
pub fn utc_minute(t: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t as i64)
        .ok()
        .and_then(|d| {
            d.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

/// `23:59 UTC` for `t` (seconds since the Unix epoch), for times within the day such as a rate
/// limit's reset.
pub fn utc_clock(t: u64) -> String {
    let minute = utc_minute(t);
    minute
        .split_once(' ')
        .map_or(minute.clone(), |(_, clock)| clock.to_owned())
}

/// `2026-12-31 23:59 UTC (in 40 days)` or `(… ago)` for `t` seen at `now` (both seconds since
/// the Unix epoch, UTC).
pub fn describe_time(t: u64, now: u64) -> String {
    let date = utc_minute(t);
    let days = |d: u64| match d {
        0 => "less than a day".to_owned(),
        1 => "1 day".to_owned(),
        n => format!("{n} days"),
    };
    if t >= now {
        format!("{date} (in {})", days((t - now) / 86_400))
    } else {
        format!("{date} ({} ago)", days((now - t) / 86_400))
    }
}

#[cfg(test)]
mod tests {
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
            "2027-01-15 08:01 UTC (in less than a day)"
        );
        assert_eq!(
            describe_time(NOW - 86_400, NOW),
            "2027-01-14 08:00 UTC (1 day ago)"
        );
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
}

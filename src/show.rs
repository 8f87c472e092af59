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
pub(crate) fn escape(s: &str) -> String {
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
pub(crate) fn token_name(
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
pub(crate) enum SaidBy<'a> {
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
pub(crate) fn token_facts(
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
        (Some(t), _) if t < now => format!("expired {}", describe_time(t, now)),
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
pub(crate) fn utc_minute(t: u64) -> String {
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
pub(crate) fn utc_clock(t: u64) -> String {
    let minute = utc_minute(t);
    minute
        .split_once(' ')
        .map_or(minute.clone(), |(_, clock)| clock.to_owned())
}

/// `23:59:07 UTC` for `t` (seconds since the Unix epoch): the time on each line of the agent's
/// log, where several requests fall within one minute.
#[cfg(unix)]
pub(crate) fn utc_second(t: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t as i64)
        .ok()
        .and_then(|d| {
            d.format(time::macros::format_description!(
                "[hour]:[minute]:[second] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

/// `2026-12-31 23:59 UTC (in 40 days)`, `(in 8 hours)` or `(… ago)` for `t` seen at `now`
/// (both seconds since the Unix epoch, UTC); the distance as [`relative`] words it.
pub(crate) fn describe_time(t: u64, now: u64) -> String {
    format!("{} ({})", utc_minute(t), relative(t, now))
}

/// `in 6 days`, `in 8 hours`, `in 1 minute`, `in less than a minute` or `2 days ago`: the
/// distance of `t` from `now` (seconds since the Unix epoch, UTC) the way a person says it,
/// rounded to the nearest unit: minutes below two hours, hours below a day, days above.
/// A timer set for 8 hours reads `in 8 hours` until half an hour has gone.
pub(crate) fn relative(t: u64, now: u64) -> String {
    if t >= now {
        format!("in {}", span(t - now))
    } else {
        format!("{} ago", span(now - t))
    }
}

/// `less than a minute`, `1 minute`, `119 minutes`, `2 hours`, `23 hours`, `1 day`: `seconds`
/// rounded to the nearest minute, hour or day; the unit is chosen on the rounded value, so that
/// 1 h 59 min 40 s is `2 hours`, never `120 minutes`, and 23 h 50 min is `1 day`.
fn span(seconds: u64) -> String {
    if seconds < 60 {
        return "less than a minute".to_owned();
    }
    let round = |unit: u64| (seconds + unit / 2) / unit;
    let (n, unit) = if round(60) < 120 {
        (round(60), "minute")
    } else if round(3_600) < 24 {
        (round(3_600), "hour")
    } else {
        (round(86_400), "day")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests;

//! GitLab (gitlab.com and self-managed): checking a token with
//! `GET /personal_access_tokens/self` (and reading its `expires_at`) and `GET /user`, which scopes stand in for which, and
//! revoking a token with `DELETE /personal_access_tokens/self`.
//!
//! Follows GitLab's REST API v4 documentation, as docs/FORGES.md ("GitLab") links it:
//! `PRIVATE-TOKEN` header; `personal_access_tokens/self` (15.5+; any scope) returns `scopes`,
//! `active`, `revoked`, `expires_at` (`YYYY-MM-DD`, the token stops at 00:00 UTC that day);
//! `GET /user` needs `read_user`, `api` or `read_api`; `DELETE /personal_access_tokens/self`
//! revokes the token itself (15.4+, `204`); the scope abilities from gitlabhq's
//! `abilities_for_scopes`.

use super::api::{Call, JSON, is_rate_limited, secret_header};
use super::errors::Refusal;
use super::revocation::{UNSENDABLE, Verdict};
use super::{TokenInfo, TokenKind, UNKNOWN_LOGIN, ValidationError};
use secrecy::{ExposeSecret, SecretString};

const SELF: &str = "/personal_access_tokens/self";

#[derive(serde::Deserialize)]
struct Token {
    /// The token's own id, unique on the instance.
    id: Option<u64>,
    #[serde(default)]
    scopes: Vec<String>,
    expires_at: Option<String>,
    active: Option<bool>,
    revoked: Option<bool>,
}

#[derive(serde::Deserialize)]
struct User {
    username: String,
}

/// `GET {api_base}/personal_access_tokens/self` with `PRIVATE-TOKEN` (scopes, `expires_at`
/// `YYYY-MM-DD` → 00:00:00 UTC that day, `active`; skipped on a GitLab older than 15.5, which
/// answers 404), then `GET {api_base}/user` → `username`; when the token lacks `read_user`,
/// `git-token-ID` with the token's `id` (each token its own identity, so that a second
/// token never overwrites the first), or [`UNKNOWN_LOGIN`] when GitLab gave no id.
pub(super) fn validate(call: &Call) -> Result<TokenInfo, ValidationError> {
    let answer = call.get(SELF, "private-token", "", JSON)?;
    let about = match answer.status {
        200..=299 => {
            Some(call.json::<Token>(answer, "the answer to GET /personal_access_tokens/self")?)
        }
        // Before GitLab 15.5 there is no such endpoint; 400 is a token that is not a PAT.
        400 | 404 => None,
        _ => return Err(call.refused(answer, SELF)),
    };
    if let Some(t) = &about {
        // GitLab's own record of the token: revoked, or no longer active (which, not revoked,
        // is expired).
        if t.revoked == Some(true) {
            return Err(call.bad_credentials(Refusal::Revoked, "revoked: true".to_owned()));
        }
        if t.active == Some(false) {
            return Err(call.bad_credentials(Refusal::Expired, "active: false".to_owned()));
        }
    }
    let answer = call.get("/user", "private-token", "", JSON)?;
    let login = match answer.status {
        200..=299 => {
            call.json::<User>(answer, "the answer to GET /user")?
                .username
        }
        // `GET /user` needs read_user; a token made only for git is still good for git.
        // Each such token gets a name of its own, `git-token-ID` (the token's id from
        // /personal_access_tokens/self), so that a second one never overwrites the first:
        // GitLab ignores the user name of a personal access token (docs/FORGES.md, GitLab,
        // "The user name git sends").
        403 if about.is_some() && !is_rate_limited(&answer.headers) => {
            match about.as_ref().and_then(|t| t.id) {
                Some(id) => format!("{UNKNOWN_LOGIN}-token-{id}"),
                None => UNKNOWN_LOGIN.to_owned(),
            }
        }
        _ => return Err(call.refused(answer, "/user")),
    };
    let (scopes, expires_at) = match about {
        Some(t) => (
            Some(t.scopes),
            t.expires_at.as_deref().and_then(parse_gitlab_date),
        ),
        None => (None, None),
    };
    Ok(TokenInfo {
        login: if login.is_empty() {
            UNKNOWN_LOGIN.to_owned()
        } else {
            login
        },
        scopes,
        expires_at,
        ignored_expiry: None,
        kind: TokenKind::GitLabPat,
    })
}

/// Whether the scopes the token `has` stand in for `need`: `write_repository`, `api` or
/// `read_api` for `read_repository`, `api` for `write_repository`.
pub(super) fn scope_implied(need: &str, has: &dyn Fn(&str) -> bool) -> bool {
    match need {
        "read_repository" => has("write_repository") || has("api") || has("read_api"),
        "write_repository" => has("api"),
        _ => false,
    }
}

/// `DELETE {api_base}/personal_access_tokens/self` with each token as `PRIVATE-TOKEN`: `204`
/// revoked, `401` a token that no longer works anyway.
pub(super) fn revoke(call: &Call, tokens: &[&SecretString]) -> Vec<Verdict> {
    let url = format!("{}{SELF}", call.forge.api_base);
    tokens
        .iter()
        .map(|token| {
            let Some(header) = secret_header("", token.expose_secret()) else {
                return Verdict::Refused(UNSENDABLE.to_owned());
            };
            let request = call.client.delete(&url).header("private-token", header);
            call.revocation(request, true)
        })
        .collect()
}

/// GitLab's `expires_at` (`2026-12-31`): tokens stop working at 00:00 UTC on that date
/// (docs/FORGES.md, GitLab, "Token page"). Seconds since the epoch, UTC.
pub(crate) fn parse_gitlab_date(value: &str) -> Option<u64> {
    let date = time::Date::parse(
        value.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    u64::try_from(date.midnight().assume_utc().unix_timestamp()).ok()
}

#[cfg(test)]
mod tests;

//! GitHub (github.com, GHE.com and GitHub Enterprise Server): checking a token with
//! `GET /user` (and reading its `GitHub-Authentication-Token-Expiration` header), which scopes
//! stand in for which, and revoking tokens with `POST /credentials/revoke`.
//!
//! Follows GitHub's REST API description (github/rest-api-description) and GitHub Docs, as
//! docs/FORGES.md links them: `Authorization: Bearer`, `Accept: application/vnd.github+json`,
//! `X-GitHub-Api-Version: 2022-11-28`; `login` from the body, `X-OAuth-Scopes`,
//! `GitHub-Authentication-Token-Expiration`, `X-GitHub-SSO: required; url=…`; the credential
//! revocation API ("Credential revocation API", GA 2025-04-29): body `{"credentials":[…]}`,
//! 1–1000 items, `202 Accepted`, `422` "Validation failed, or the endpoint has been spammed"
//! (for the whole request, naming no token), on github.com and GHEC "Any authenticated requests
//! will return a 403", unauthenticated callers limited to 60 requests an hour per address
//! ("Rate limits for the REST API": `x-ratelimit-remaining`, `x-ratelimit-reset`); on GHES
//! (REST reference for 3.18, the first release with the endpoint) `ghp_` and `github_pat_`
//! only, fine-grained tokens "cannot use this endpoint", 60 requests an hour, so a server
//! older than 3.18 answers 404.

use super::api::{Call, secret_header};
use super::revocation::{UNSENDABLE, Verdict};
use super::{TokenInfo, TokenKind, ValidationError};
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};

/// The headers GitHub's REST API documents for every request. API version `2022-11-28`:
/// GitHub's "API Versions" page (checked 2026-03-10) says a version is supported for at least
/// 24 months after its successor is released, and no successor was out then, so it holds until
/// at least 2028-03-10.
const HEADERS: &[(&str, &str)] = &[
    ("accept", "application/vnd.github+json"),
    ("x-github-api-version", "2022-11-28"),
];

/// The most tokens one `POST /credentials/revoke` takes.
const REVOKE_BATCH: usize = 1000;

/// Requests an hour the revocation endpoint allows one caller (GHEC reference: an
/// unauthenticated address; GHES 3.18 reference: each user). When an answer names no
/// `x-ratelimit-remaining`, at most this many less one are sent after it.
const REVOCATIONS_AN_HOUR: u64 = 60;

#[derive(serde::Deserialize)]
struct User {
    login: String,
}

/// `GET {api_base}/user` with `Authorization: Bearer`: `login` from the body, scopes from
/// `X-OAuth-Scopes` (absent → `None`; always `None` for fine-grained and GitHub App tokens,
/// which have permissions instead), expiry from `GitHub-Authentication-Token-Expiration`
/// (`2026-12-31 23:59:59 UTC` or `2027-03-31 00:00:00 +0900`; docs/FORGES.md, GitHub,
/// "Checking a token").
pub(super) fn validate(call: &Call) -> Result<TokenInfo, ValidationError> {
    let answer = call.get("/user", "authorization", "Bearer ", HEADERS)?;
    if !(200..300).contains(&answer.status) {
        return Err(call.refused_with(answer, "/user", |status, headers| {
            sso_required(call, status, headers)
        }));
    }
    let kind = call.forge.kind_of(call.token);
    let scopes = answer
        .headers
        .get("x-oauth-scopes")
        .and_then(|v| v.to_str().ok())
        .filter(|_| kind.has_scopes())
        .map(split_scopes);
    let expires_at = answer
        .headers
        .get("github-authentication-token-expiration")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_github_expiry);
    let user: User = call.json(answer, "the answer to GET /user")?;
    if user.login.is_empty() {
        return Err(call.unexpected(200, "GET /user named no login".to_owned()));
    }
    Ok(TokenInfo {
        login: user.login,
        scopes,
        expires_at,
        ignored_expiry: None,
        kind,
    })
}

/// HTTP 403 with `X-GitHub-SSO: required; url=…`: the token is good but an organization
/// enforcing SAML single sign-on has not authorized it.
fn sso_required(call: &Call, status: u16, headers: &HeaderMap) -> Option<ValidationError> {
    let sso = headers.get("x-github-sso")?.to_str().ok()?.trim();
    if status != 403 || !sso.to_ascii_lowercase().starts_with("required") {
        return None;
    }
    let url = sso
        .split(';')
        .filter_map(|part| part.trim().strip_prefix("url="))
        .find(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(|u| call.clean(u));
    Some(ValidationError::SsoRequired {
        forge: call.name(),
        url,
    })
}

/// `X-OAuth-Scopes: repo, read:org` → `["repo", "read:org"]`; an empty header → `[]`.
fn split_scopes(header: &str) -> Vec<String> {
    header
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether the scopes the token `has` stand in for `need`: `repo` for `public_repo` and
/// `repo:*`, `user` for `read:user` and `user:*`, `write:X`/`admin:X` for `read:X`, `admin:X`
/// for `write:X`.
pub(super) fn scope_implied(need: &str, has: &dyn Fn(&str) -> bool) -> bool {
    if need == "public_repo" || need.starts_with("repo:") {
        return has("repo");
    }
    if need == "read:user" || need.starts_with("user:") {
        return has("user");
    }
    if let Some(what) = need.strip_prefix("read:") {
        return has(&format!("write:{what}")) || has(&format!("admin:{what}"));
    }
    if let Some(what) = need.strip_prefix("write:") {
        return has(&format!("admin:{what}"));
    }
    false
}

/// `POST {api_base}/credentials/revoke` with `{"credentials": [...]}`, up to 1000 tokens a
/// request and no `Authorization`, as github.com and GHE.com require ("Any authenticated
/// requests will return a 403"). A batch's answer is each of its tokens' answer, except a 422:
/// it does not say which token failed validation, or whether the endpoint was "spammed", so the
/// batch's tokens are sent again one a request, as long as the rate limit allows (60 an hour
/// for an address; what is left is read from `x-ratelimit-remaining`), and each gets its own
/// verdict; those the limit leaves out are told when it resets.
pub(super) fn revoke_batch(call: &Call, tokens: &[&SecretString]) -> Vec<Verdict> {
    let mut results = Vec::with_capacity(tokens.len());
    for batch in tokens.chunks(REVOKE_BATCH) {
        let sent = match call.send_revocation(batch_request(call, batch)) {
            Ok(sent) => sent,
            Err(e) => {
                results.extend(batch.iter().map(|_| Verdict::NotAsked(e.clone())));
                continue;
            }
        };
        if sent.status != 422 || batch.len() == 1 {
            let verdict = call.revocation_verdict(&sent, false);
            results.extend(batch.iter().map(|_| verdict.clone()));
            continue;
        }
        let mut left = sent
            .remaining
            .unwrap_or(REVOCATIONS_AN_HOUR - 1)
            .min(REVOCATIONS_AN_HOUR);
        let mut reset = sent.reset;
        for token in batch {
            if left == 0 {
                results.push(Verdict::NotAsked(call.rate_limit_sentence(reset)));
                continue;
            }
            let outcome = call.send_revocation(batch_request(call, &[token]));
            left = match &outcome {
                Ok(one) => {
                    reset = one.reset.or(reset);
                    one.remaining.unwrap_or(left - 1)
                }
                Err(_) => left - 1,
            };
            results.push(match outcome {
                Ok(one) => call.revocation_verdict(&one, false),
                Err(why) => Verdict::NotAsked(why),
            });
        }
    }
    results
}

/// The unauthenticated `POST /credentials/revoke` for `batch`.
fn batch_request(call: &Call, batch: &[&SecretString]) -> reqwest::blocking::RequestBuilder {
    let url = format!("{}/credentials/revoke", call.forge.api_base);
    let body = serde_json::json!({
        "credentials": batch.iter().map(|t| t.expose_secret()).collect::<Vec<_>>()
    });
    let mut request = call.client.post(&url).json(&body);
    for (name, value) in HEADERS {
        request = request.header(*name, *value);
    }
    request
}

/// Why GitHub Enterprise Server's revocation API cannot take a token of `kind`, before any
/// request: its 3.18 reference accepts `ghp_` and `github_pat_` only and says fine-grained
/// tokens cannot use the endpoint, so only a classic `ghp_` token is sent.
pub(super) fn ghes_cannot_revoke(kind: TokenKind) -> Option<&'static str> {
    match kind {
        TokenKind::ClassicPat => None,
        TokenKind::FineGrainedPat => {
            Some("GitHub Enterprise Server's revocation API does not take fine-grained tokens")
        }
        _ => Some("GitHub Enterprise Server's revocation API takes only personal access tokens"),
    }
}

/// GitHub Enterprise Server 3.18+: the same path, one request per token, authenticated with
/// that token (`Authorization: Bearer`); a 401 is a token that no longer works. A token the
/// endpoint does not take ([`ghes_cannot_revoke`]) is not sent. A 404 is a server older than
/// 3.18, which has no such endpoint: the tokens after it are not sent either. At most 60
/// requests an hour (as for [`revoke_batch`]).
pub(super) fn revoke_each(call: &Call, tokens: &[&SecretString]) -> Vec<Verdict> {
    let url = format!("{}/credentials/revoke", call.forge.api_base);
    let no_endpoint = format!(
        "this {} has no revocation API (it came with version 3.18; the server answered 404)",
        call.name()
    );
    let mut older_server = false;
    let mut left = REVOCATIONS_AN_HOUR;
    let mut reset = None;
    tokens
        .iter()
        .map(|token| {
            if let Some(why) = ghes_cannot_revoke(call.forge.kind_of(token.expose_secret())) {
                return Verdict::ByHand(why.to_owned());
            }
            if older_server {
                return Verdict::Refused(no_endpoint.clone());
            }
            if left == 0 {
                return Verdict::NotAsked(call.rate_limit_sentence(reset));
            }
            let Some(auth) = secret_header("Bearer ", token.expose_secret()) else {
                return Verdict::Refused(UNSENDABLE.to_owned());
            };
            let mut request = call
                .client
                .post(&url)
                .header("authorization", auth)
                .json(&serde_json::json!({ "credentials": [token.expose_secret()] }));
            for (name, value) in HEADERS {
                request = request.header(*name, *value);
            }
            let sent = match call.send_revocation(request) {
                Ok(sent) => sent,
                Err(why) => return Verdict::NotAsked(why),
            };
            left = sent.remaining.unwrap_or(left - 1);
            reset = sent.reset.or(reset);
            if sent.status == 404 {
                older_server = true;
                return Verdict::Refused(no_endpoint.clone());
            }
            call.revocation_verdict(&sent, true)
        })
        .collect()
}

/// `GitHub-Authentication-Token-Expiration`, whose format GitHub does not document: seen as
/// `2026-12-31 23:59:59 UTC` and as `2027-03-31 00:00:00 +0900` (google/go-github#2649), so
/// both are read. Seconds since the epoch, UTC; `None` for anything else.
pub(crate) fn parse_github_expiry(value: &str) -> Option<u64> {
    use time::macros::format_description;
    let value = value.trim();
    let with_offset = format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
    );
    let with_colon = format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second] [offset_hour sign:mandatory]:[offset_minute]"
    );
    let local = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let at = if let Some(utc) = value
        .strip_suffix(" UTC")
        .or_else(|| value.strip_suffix(" GMT"))
    {
        time::PrimitiveDateTime::parse(utc, local)
            .ok()?
            .assume_utc()
    } else {
        time::OffsetDateTime::parse(value, with_offset)
            .or_else(|_| time::OffsetDateTime::parse(value, with_colon))
            .ok()?
    };
    u64::try_from(at.unix_timestamp()).ok()
}

#[cfg(test)]
mod tests;

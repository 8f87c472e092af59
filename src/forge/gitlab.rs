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

use super::api::{Call, JSON, UNSENDABLE, Verdict, is_rate_limited, secret_header};
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
    if let Some(t) = &about
        && (t.active == Some(false) || t.revoked == Some(true))
    {
        return Err(call.bad_credentials());
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
pub fn parse_gitlab_date(value: &str) -> Option<u64> {
    let date = time::Date::parse(
        value.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    u64::try_from(date.midnight().assume_utc().unix_timestamp()).ok()
}

#[cfg(test)]
mod tests {
    use super::super::Forge;
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn a_gitlab_token_reports_scopes_expiry_and_username() {
        let mut server = mockito::Server::new();
        let about = server
            .mock("GET", "/personal_access_tokens/self")
            .match_header("private-token", GITLAB)
            .with_status(200)
            .with_body(
                r#"{"id":4,"name":"lab","revoked":false,"created_at":"2026-11-01T10:00:00.000Z","description":"",
                "scopes":["read_repository","write_repository"],"user_id":7,"last_used_at":null,"active":true,
                "expires_at":"2026-12-31"}"#,
            )
            .create();
        let user = server
            .mock("GET", "/user")
            .match_header("private-token", GITLAB)
            .with_status(200)
            .with_body(r#"{"id":7,"username":"alice","name":"Alice"}"#)
            .create();
        let forge = mocked("gitlab", &server);
        let info = forge.validate_within(&secret(GITLAB), SECOND, NOW).unwrap();
        about.assert();
        user.assert();
        assert_eq!(
            info,
            TokenInfo {
                login: "alice".into(),
                scopes: Some(vec!["read_repository".into(), "write_repository".into()]),
                expires_at: Some(1_798_675_200),
                ignored_expiry: None,
                kind: TokenKind::GitLabPat,
            }
        );
        assert!(forge.missing_scopes(&info).is_empty());
    }

    #[test]
    fn a_gitlab_token_made_only_for_git_is_good_without_a_username() {
        let mut server = mockito::Server::new();
        server
            .mock("GET", "/personal_access_tokens/self")
            .with_status(200)
            .with_body(
                r#"{"scopes":["read_repository"],"active":true,"revoked":false,"expires_at":null}"#,
            )
            .create();
        server
            .mock("GET", "/user")
            .with_status(403)
            .with_body(r#"{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api read_api read_user"}"#)
            .create();
        let forge = mocked("gitlab", &server);
        let info = forge.validate_within(&secret(GITLAB), SECOND, NOW).unwrap();
        assert_eq!(
            (info.login.as_str(), info.expires_at),
            (UNKNOWN_LOGIN, None)
        );
        assert_eq!(forge.missing_scopes(&info), ["write_repository"]);
    }

    #[test]
    fn two_gitlab_tokens_without_read_user_get_identities_of_their_own() {
        let mut logins = Vec::new();
        for id in [41, 42] {
            let mut server = mockito::Server::new();
            server
                .mock("GET", "/personal_access_tokens/self")
                .with_status(200)
                .with_body(format!(
                    r#"{{"id":{id},"scopes":["write_repository"],"active":true,"revoked":false,"expires_at":null}}"#
                ))
                .create();
            server.mock("GET", "/user").with_status(403).create();
            let forge = mocked("gitlab", &server);
            logins.push(forge.validate_within(&secret(GITLAB), SECOND, NOW).unwrap().login);
        }
        assert_eq!(logins, ["git-token-41", "git-token-42"]);
    }

    #[test]
    fn a_rejected_or_revoked_gitlab_token_gets_the_401_sentence() {
        let mut server = mockito::Server::new();
        server
            .mock("GET", "/personal_access_tokens/self")
            .with_status(401)
            .with_body(r#"{"message":"401 Unauthorized"}"#)
            .create();
        let forge = Forge::detect(
            &parse_host("gitlab.com"),
            &[],
            &settings(None, Some(&server.url())),
        )
        .unwrap();
        let e = forge.validate_within(&secret(GITLAB), SECOND, NOW).unwrap_err();
        assert_eq!(
            e.to_string(),
            "GitLab did not accept this token (401 Bad credentials). Was all of it copied? It may also have expired \
             or been revoked; if so, create a new one at \
             https://gitlab.com/-/user_settings/personal_access_tokens?name=git-credential-pat&description=git-credential-pat&scopes=read_repository,write_repository,read_user"
        );
        assert_no_token(&e, GITLAB);

        let mut server = mockito::Server::new();
        server
            .mock("GET", "/personal_access_tokens/self")
            .with_status(200)
            .with_body(
                r#"{"scopes":["api"],"active":false,"revoked":true,"expires_at":"2020-01-01"}"#,
            )
            .create();
        let e = mocked("gitlab", &server)
            .validate_within(&secret(GITLAB), SECOND, NOW)
            .unwrap_err();
        assert!(matches!(e, ValidationError::BadCredentials { .. }), "{e:?}");
    }

    #[test]
    fn an_old_gitlab_without_the_self_endpoint_still_names_the_user() {
        let mut server = mockito::Server::new();
        server
            .mock("GET", "/personal_access_tokens/self")
            .with_status(404)
            .with_body(r#"{"error":"404 Not Found"}"#)
            .create();
        server
            .mock("GET", "/user")
            .with_status(200)
            .with_body(r#"{"username":"alice"}"#)
            .create();
        let info = mocked("gitlab", &server)
            .validate_within(&secret(GITLAB), SECOND, NOW)
            .unwrap();
        assert_eq!((info.login.as_str(), info.scopes), ("alice", None));
    }

    #[test]
    fn expires_at_is_midnight_utc_of_that_day() {
        assert_eq!(parse_gitlab_date("2026-12-31"), Some(1_798_675_200));
        assert_eq!(parse_gitlab_date("31/12/2026"), None);
    }

    #[test]
    fn a_redirect_to_another_host_is_not_followed_so_the_token_stays_home() {
        let mut elsewhere = mockito::Server::new();
        let stolen = elsewhere
            .mock("GET", "/user")
            .with_status(200)
            .with_body(r#"{"username":"eve"}"#)
            .expect(0)
            .create();
        let mut server = mockito::Server::new();
        server
            .mock("GET", "/personal_access_tokens/self")
            .with_status(302)
            .with_header("location", &format!("{}/user", elsewhere.url()))
            .create();
        let e = mocked("gitlab", &server)
            .validate_within(&secret(GITLAB), SECOND, NOW)
            .unwrap_err();
        assert!(
            matches!(e, ValidationError::Unexpected { status: 302, .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("redirected to"), "{e}");
        stolen.assert();
    }
}

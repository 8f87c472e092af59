//! Unit tests of `src/forge/gitlab.rs`, each a sentence of behaviour.
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
        logins.push(
            forge
                .validate_within(&secret(GITLAB), SECOND, NOW)
                .unwrap()
                .login,
        );
    }
    assert_eq!(logins, ["git-token-41", "git-token-42"]);
}

const PAGE: &str = "https://gitlab.com/-/user_settings/personal_access_tokens?name=git-credential-pat&description=git-credential-pat&scopes=read_repository,write_repository,read_user";

/// GitLab's 401 for `PRIVATE-TOKEN` on `GET /personal_access_tokens/self` with `body`.
fn refused_with(body: &str) -> ValidationError {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/personal_access_tokens/self")
        .with_status(401)
        .with_header("content-type", "application/json")
        .with_body(body)
        .create();
    let forge = Forge::detect(
        &parse_host("gitlab.com"),
        &[],
        &settings(None, Some(&server.url())),
    )
    .unwrap();
    let e = forge
        .validate_within(&secret(GITLAB), SECOND, NOW)
        .unwrap_err();
    assert_no_token(&e, GITLAB);
    e
}

#[test]
fn a_token_gitlab_does_not_know_gets_gitlabs_words_and_the_copy_question_only_when_pasted() {
    let e = refused_with(r#"{"message":"401 Unauthorized"}"#);
    assert_eq!(
        e.to_string(),
        format!(
            "GitLab did not accept this token (401 Unauthorized): it may have expired or been \
             revoked; create a new one at {PAGE}"
        )
    );
    assert_eq!(
        e.pasted().to_string(),
        format!(
            "GitLab did not accept this token (401 Unauthorized). Was all of it copied? It may \
             also have expired or been revoked; if so, create a new one at {PAGE}"
        )
    );
}

/// GitLab's `lib/api/api_guard.rb` answers an expired or revoked token with `invalid_token`
/// and a description saying which (docs/FORGES.md, GitLab, "Checking a token").
#[test]
fn an_expired_or_revoked_gitlab_token_is_called_what_gitlab_called_it() {
    let expired = refused_with(
        r#"{"error":"invalid_token","error_description":"Token is expired. You can either do re-authorization or token refresh."}"#,
    );
    for e in [expired.to_string(), expired.pasted().to_string()] {
        assert_eq!(
            e,
            format!(
                "GitLab did not accept this token: it has expired (401 invalid_token: Token is \
                 expired); create a new one at {PAGE}"
            )
        );
    }
    let revoked = refused_with(
        r#"{"error":"invalid_token","error_description":"Token was revoked. You have to re-authorize from the user."}"#,
    )
    .pasted();
    assert_eq!(
        revoked.to_string(),
        format!(
            "GitLab did not accept this token: it was revoked (401 invalid_token: Token was \
             revoked); create a new one at {PAGE}"
        )
    );
    assert!(!revoked.to_string().contains("copied"));
    let other = refused_with(
        r#"{"error":"invalid_token","error_description":"Token is an impersonation token but impersonation was disabled."}"#,
    );
    assert!(
        matches!(
            other,
            ValidationError::BadCredentials {
                refusal: Refusal::Unknown,
                ..
            }
        ),
        "{other:?}"
    );

    let mut server = mockito::Server::new();
    server
        .mock("GET", "/personal_access_tokens/self")
        .with_status(200)
        .with_body(r#"{"scopes":["api"],"active":false,"revoked":true,"expires_at":"2020-01-01"}"#)
        .create();
    let e = mocked("gitlab", &server)
        .validate_within(&secret(GITLAB), SECOND, NOW)
        .unwrap_err();
    assert!(
        e.to_string().contains("it was revoked (revoked: true)"),
        "{e}"
    );
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

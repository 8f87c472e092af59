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
    let e = forge
        .validate_within(&secret(GITLAB), SECOND, NOW)
        .unwrap_err();
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
        .with_body(r#"{"scopes":["api"],"active":false,"revoked":true,"expires_at":"2020-01-01"}"#)
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

//! Unit tests of `src/forge/gitea.rs`, each a sentence of behaviour.
use super::super::testutil::*;
use super::*;
use crate::forge::Revocation;

#[test]
fn a_gitea_token_is_sent_as_token_and_names_its_owner() {
    let mut server = mockito::Server::new();
    let user = server
        .mock("GET", "/user")
        .match_header("authorization", format!("token {GITEA}").as_str())
        .with_status(200)
        .with_body(r#"{"id":3,"login":"alice","full_name":"Alice"}"#)
        .create();
    let forge = mocked("forgejo", &server);
    let info = forge.validate_within(&secret(GITEA), SECOND, NOW).unwrap();
    user.assert();
    assert_eq!(
        info,
        TokenInfo {
            login: "alice".into(),
            scopes: None,
            expires_at: None,
            ignored_expiry: None,
            kind: TokenKind::GiteaToken
        }
    );
    assert!(forge.missing_scopes(&info).is_empty());
}

#[test]
fn a_gitea_token_without_read_user_is_told_which_permission_to_add() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/user")
        .with_status(403)
        .with_body(r#"{"message":"token does not have at least one of required scope(s), required=[read:user], token scope=write:repository","url":"https://codeberg.org/api/swagger"}"#)
        .create();
    let e = mocked("gitea", &server)
        .validate_within(&secret(GITEA), SECOND, NOW)
        .unwrap_err();
    assert!(
        matches!(e, ValidationError::Forbidden { status: 403, .. }),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("Gitea/Forgejo refused this token (HTTP 403: token does not have"),
        "{e}"
    );
    assert!(e.to_string().contains("read:user permission"), "{e}");
    assert_no_token(&e, GITEA);
}

/// Gitea API documentation: deleting a token (`DELETE /users/{username}/tokens/{token}`)
/// needs Basic auth with the password; nothing is sent.
#[test]
fn gitea_revocation_names_the_password_and_the_page_and_sends_nothing() {
    let mut server = mockito::Server::new();
    let any = server
        .mock("DELETE", mockito::Matcher::Any)
        .expect(0)
        .create();
    let forge = mocked("gitea", &server);
    let why = "Gitea/Forgejo's API deletes a token only with your account password, which \
               git-credential-pat never asks for; delete it by hand at \
               https://git.example.com/user/settings/applications";
    let revoked = forge.revoke_within(&[&secret(GITEA)], SECOND, NOW);
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].to_string(), why);
    assert!(matches!(revoked[0], Revocation::ByHand { .. }));
    assert_eq!(
        forge
            .cannot_revoke(&secret(GITEA))
            .map(|r| r.to_string())
            .as_deref(),
        Some(why)
    );
    any.assert();
}

//! Gitea and Forgejo (codeberg.org, gitea.com, self-hosted): checking a token with
//! `GET /user`, and the page where a person deletes one: the API that deletes a token needs
//! the account's password, which this helper never asks for.
//!
//! Follows Gitea's API documentation (and Forgejo's, which keeps it), as docs/FORGES.md
//! ("Gitea and Forgejo") links it: "For historical reasons, Gitea needs the word token included before the API
//! key" (`Authorization: token …`); `GET /api/v1/user` → `login`, which needs the `read:user`
//! permission; no scopes are reported; `DELETE /api/v1/users/{u}/tokens/{id}` needs Basic auth
//! with the account's password, so it is not used.

use super::api::{Call, JSON, Verdict};
use super::{Forge, TokenInfo, TokenKind, ValidationError};
use secrecy::SecretString;

#[derive(serde::Deserialize)]
struct User {
    login: String,
}

/// `GET {api_base}/user` with `Authorization: token` → `login`; no scopes. A 403 that names a
/// scope says which permission to add.
pub(super) fn validate(call: &Call) -> Result<TokenInfo, ValidationError> {
    let answer = call.get("/user", "authorization", "token ", JSON)?;
    if !(200..300).contains(&answer.status) {
        return Err(match call.refused(answer, "/user") {
            ValidationError::Forbidden {
                forge,
                status,
                message,
            } if message.contains("scope") => ValidationError::Forbidden {
                forge,
                status,
                message: format!(
                    "{message}; give the token the read:user permission (User: Read) as well"
                ),
            },
            other => other,
        });
    }
    let user: User = call.json(answer, "the answer to GET /user")?;
    if user.login.is_empty() {
        return Err(call.unexpected(200, "GET /user named no login".to_owned()));
    }
    Ok(TokenInfo {
        login: user.login,
        scopes: None,
        expires_at: None,
        ignored_expiry: None,
        kind: TokenKind::GiteaToken,
    })
}

/// Why no request revokes a Gitea/Forgejo token: `DELETE /users/{username}/tokens/{token}`
/// takes only Basic auth with the account's password (Gitea API documentation,
/// "Authentication": token management "requires basic auth"), which this helper never asks for.
pub(super) fn cannot_revoke(forge: &Forge) -> String {
    format!(
        "{}'s API deletes a token only with your account password, which git-credential-pat \
         never asks for",
        forge.name()
    )
}

/// Each of `tokens` is deleted by hand ([`cannot_revoke`]); no request is sent.
pub(super) fn revoke(forge: &Forge, tokens: &[&SecretString]) -> Vec<Verdict> {
    let why = cannot_revoke(forge);
    tokens.iter().map(|_| Verdict::ByHand(why.clone())).collect()
}

#[cfg(test)]
mod tests {
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
            forge.cannot_revoke(&secret(GITEA)).map(|r| r.to_string()).as_deref(),
            Some(why)
        );
        any.assert();
    }
}

//! Gitea and Forgejo (codeberg.org, gitea.com, self-hosted): checking a token with
//! `GET /user`, and the page where a person deletes one: the API that deletes a token needs
//! the account's password, which this helper never asks for.
//!
//! Follows Gitea's API documentation (and Forgejo's, which keeps it), as docs/FORGES.md
//! ("Gitea and Forgejo") links it: "For historical reasons, Gitea needs the word token included before the API
//! key" (`Authorization: token …`); `GET /api/v1/user` → `login`, which needs the `read:user`
//! permission; no scopes are reported; `DELETE /api/v1/users/{u}/tokens/{id}` needs Basic auth
//! with the account's password, so it is not used.

use super::api::{Call, JSON};
use super::revocation::Verdict;
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
    tokens
        .iter()
        .map(|_| Verdict::ByHand(why.clone()))
        .collect()
}

#[cfg(test)]
mod tests;

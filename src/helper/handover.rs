//! The token's second use (`token`, `exec`): the very token git would be served for a host,
//! chosen by [`get`](super::get()) itself, handed to what the person names. A lab timer that ran
//! out is ended here as git's `get` ends it.

use super::{Query, Revoker, end_lab, get};
use crate::forge::ForgeKind;
use crate::show::escape;
use crate::vault::Vault;
use anyhow::bail;
use secrecy::SecretString;

/// What [`handed_over`] found.
pub(crate) struct Handover {
    /// The token.
    pub(crate) token: SecretString,
    /// The forge its entry records, when the token was checked.
    pub(crate) forge: Option<ForgeKind>,
}

/// The token git would be served for `target` (a host or URL, as `login` takes it; its path
/// is ignored, since git sends one only with `credential.useHttpPath`) and, with `user`, for
/// exactly that account: never the host's other token that `get` hands git for an unknown
/// user name on GitHub or GitLab. `now` is seconds since the Unix epoch (UTC); `end` revokes
/// a token whose lab timer ran out (the binary passes `ending::revoke`).
///
/// # Errors
/// One sentence when nothing is served: nothing stored, the lab timer ended (the token is
/// then revoked and erased, or kept to revoke, with a line on stderr), or it expired.
pub(crate) fn handed_over(
    target: &str,
    user: Option<&str>,
    vault: &Vault,
    now: u64,
    end: Revoker,
) -> anyhow::Result<Handover> {
    let mut query = Query::for_target(target)?;
    query.path = None;
    if let Some(user) = user {
        query.username = Some(user.to_owned());
    }
    let mut served = get(&query, vault, now)?;
    if user.is_some() && served.instead_of.is_some() {
        served.answer = None;
    }
    let host = query.origin.host.to_string();
    if let Some(answer) = served.answer
        && let Some(token) = answer.password
    {
        let username = answer.username.unwrap_or_default();
        let mut forge = None;
        for found in vault.find(&query.origin)? {
            if found.account.username == username
                && let Some(stored) = found.read()?
            {
                forge = stored.forge;
                break;
            }
        }
        return Ok(Handover { token, forge });
    }
    if !served.lab_ended.is_empty() {
        for (found, stored) in served.lab_ended {
            let ended = end_lab(found.vault(), &found, stored, end, now)?;
            eprintln!("git-credential-pat: {ended}");
        }
        bail!(
            "the lab timer of the token for {host} ran out; run `git credential-pat login {host}` \
             for a new one"
        );
    }
    bail!(
        "no token is stored for {host}{} (or it has expired); create one with \
         `git credential-pat login {host}`",
        user.map(|u| format!(" and user {}", escape(u)))
            .unwrap_or_default()
    )
}

//! The token's second use (`token`, `exec`): the very token git would be served for a host,
//! chosen by [`get`](super::get()) itself for the user git would name (the URL's, else git's
//! `credential.<url>.username`), handed to what the person names, with a line on stderr when
//! it is another account's token. A lab timer that ran out is ended here as git's `get` ends it.

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

/// Who named the user a token is asked for.
#[derive(Clone, Copy)]
enum Named {
    /// The person, with `--user`: only that account's token is handed over.
    Person,
    /// The URL, as in `https://bob@github.com`.
    Url,
    /// git's `credential.<url>.username`, which git sends when the URL names no user.
    Config,
}

/// The token git would be served for `target` (a host or URL, as `login` takes it; its path
/// routes as git's does, see `login --owner`): [`get`]'s choice for the
/// user the URL names or, when it names none, the user git's `credential.<url>.username` names
/// (as git sends it, see [`crate::git::configured_username`]). When that user has no token and
/// `get` serves the host's other one (GitHub and GitLab ignore the user name), the token is
/// handed over as git is served it, with a line on stderr saying whose it is. With `user`
/// (`--user`), exactly that account's token or nothing. `now` is seconds since the Unix epoch
/// (UTC); `end` revokes a token whose lab timer ran out (the binary passes `ending::revoke`).
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
    let named = if let Some(user) = user {
        query.username = Some(user.to_owned());
        Some(Named::Person)
    } else if query.username.is_some() {
        Some(Named::Url)
    } else {
        query.username = crate::git::configured_username(&query.origin);
        query.username.as_ref().map(|_| Named::Config)
    };
    let mut served = get(&query, vault, now)?;
    if matches!(named, Some(Named::Person)) && served.instead_of.is_some() {
        served.answer = None;
    }
    let host = query.origin.host.to_string();
    if let Some(answer) = served.answer
        && let Some(token) = answer.password
    {
        let username = answer.username.unwrap_or_default();
        if let Some(asked) = &served.instead_of {
            let by = match named {
                Some(Named::Config) => format!(
                    "git's config names the user {} for {} (credential.username)",
                    escape(asked),
                    query.origin
                ),
                _ => format!("the URL names the user {}", escape(asked)),
            };
            eprintln!(
                "git-credential-pat: {by}, of whom no token is stored for {host}; this is the \
                 token of {}, the one git is served too (the forge ignores the user name sent \
                 with a token).",
                escape(&username)
            );
        }
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
    let for_user = match (named, query.username.as_deref()) {
        (Some(Named::Config), Some(u)) => {
            format!(" and user {} (git's credential.username)", escape(u))
        }
        (Some(_), Some(u)) => format!(" and user {}", escape(u)),
        _ => String::new(),
    };
    bail!(
        "no token is stored for {host}{for_user} (or it has expired); create one with \
         `git credential-pat login {host}`"
    )
}

//! The end of a stored token in the keychain: whether its lab timer has run out
//! ([`is_over`]), and what becomes of it once its forge was asked to revoke it ([`end_lab`]):
//! erased when it is dead, erased and named as still live when no API can revoke it, else
//! kept, marked [`Stored::to_revoke`] and never served, until a later run revokes it.
//!
//! The asking itself is a [`Revoker`] the caller passes (the binary passes
//! `ending::revoke`), so that these rules make no network call of their own and sit below
//! the commands that end a token.

use crate::forge::Revocation;
use crate::show::escape;
use crate::vault::{Account, Found, Stored, Vault, VaultError};

/// Asks the forge of an account to revoke its stored token; `now` is seconds since the Unix
/// epoch (UTC). Called only for a token that is not being served.
pub(crate) type Revoker = fn(&Account, &Stored, u64) -> Revocation;

/// Whether `stored` has reached its end at `now` (seconds since the Unix epoch, UTC): its lab
/// timer ran out, or it is already marked to revoke. Such a token is never served.
pub(crate) fn is_over(stored: &Stored, now: u64) -> bool {
    stored.to_revoke || stored.erase_by.is_some_and(|t| t <= now)
}

/// The command that revokes the token of `a`: `git credential-pat logout HOST --user NAME
/// --revoke` (the host with its protocol when that is not https).
pub(crate) fn revoke_command(a: &Account) -> String {
    let host = if a.protocol == "https" {
        a.host.to_string()
    } else {
        format!("{}://{}", a.protocol, a.host)
    };
    format!(
        "git credential-pat logout {host} --user {} --revoke",
        escape(&a.username)
    )
}

/// What [`end_lab`] did with one token; `Display` is the sentence a person reads (without the
/// `git-credential-pat: ` prefix a caller adds where it prints to git's stderr).
#[derive(Debug, Clone)]
pub(crate) struct Ended {
    /// Whether the token is gone from the keychain.
    pub(crate) gone: bool,
    who: String,
    marked: bool,
    revocation: Revocation,
    store: String,
    command: String,
}

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Ended {
            who,
            revocation,
            store,
            command,
            ..
        } = self;
        let what = if self.marked {
            "marked to revoke"
        } else {
            "whose lab timer ran out"
        };
        match revocation {
            Revocation::Revoked { .. } | Revocation::AlreadyInvalid { .. } => {
                write!(f, "{who} ({what}): {revocation}; erased from the {store}.")
            }
            Revocation::ByHand { .. } => write!(
                f,
                "{who} ({what}): erased from the {store}, but it STILL WORKS at the forge until \
                 it expires: {revocation}."
            ),
            Revocation::Refused { .. } | Revocation::NotAsked { .. } => write!(
                f,
                "{who} ({what}) is no longer served, but could not be revoked now: {revocation}; \
                 kept marked \"to revoke\" until `{command}` (or the next run) revokes it."
            ),
        }
    }
}

/// Ends the token of `found` (see [`is_over`]): asks `revoke` to revoke it, then erases it
/// when it is dead or no API can revoke it; when the forge refused or could not be asked now,
/// marks it [`Stored::to_revoke`] and keeps it. `now` is seconds since the Unix epoch (UTC).
///
/// # Errors
/// A [`VaultError`] when the keychain cannot be written.
pub(crate) fn end_lab(
    vault: &Vault,
    found: &Found,
    mut stored: Stored,
    revoke: Revoker,
    now: u64,
) -> Result<Ended, VaultError> {
    let marked = stored.to_revoke;
    let revocation = revoke(&found.account, &stored, now);
    let gone = match revocation {
        Revocation::Revoked { .. }
        | Revocation::AlreadyInvalid { .. }
        | Revocation::ByHand { .. } => {
            vault.delete(found)?;
            true
        }
        Revocation::Refused { .. } | Revocation::NotAsked { .. } => {
            if !stored.to_revoke {
                stored.to_revoke = true;
                vault.put(&found.account, &stored)?;
            }
            false
        }
    };
    Ok(Ended {
        gone,
        who: found.account.display_name(),
        marked,
        revocation,
        store: vault.store_name().to_owned(),
        command: revoke_command(&found.account),
    })
}

/// Ends every token in `vault` that [`is_over`] at `now`, as `list` and `doctor` do before
/// showing what is stored, each [`Ended`] in order.
///
/// # Errors
/// A [`VaultError`] when the keychain cannot be searched, read or written.
pub(crate) fn end_all_over(
    vault: &Vault,
    now: u64,
    revoke: Revoker,
) -> Result<Vec<Ended>, VaultError> {
    let mut ended = Vec::new();
    for found in vault.find_all()? {
        if let Some(stored) = vault.read(&found)?
            && is_over(&stored, now)
        {
            ended.push(end_lab(vault, &found, stored, revoke, now)?);
        }
    }
    Ok(ended)
}

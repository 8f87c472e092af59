//! The end of one stored token: revoking it at its forge where the forge's API can, and the
//! lab timer's end, which `get` (for the host), `list` and `doctor` carry out when they see a
//! token whose timer ran out. A token that could not be revoked now (offline, refused) is kept,
//! marked [`Stored::to_revoke`], never served, until a later run revokes it; a token no API can
//! revoke (Gitea/Forgejo, a fine-grained token on GitHub Enterprise Server, an unknown forge) is
//! erased and named as still live, with the page to delete it on.
//!
//! Network only here, never on the path that serves a token: callers come here only for a
//! token whose timer has already ended, or on a person's command.

use crate::forge::{Forge, Revocation};
use crate::git::HostSettings;
use crate::login::API_TIMEOUT;
use crate::show::escape;
use crate::vault::{Account, Found, Stored, Vault, VaultError};
use std::io::Write;

/// What asking the forge to revoke one token came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The forge revoked it (or no longer accepts it): it is dead. Names the forge.
    Dead(String),
    /// No request can revoke it here: it stays live at the forge until its expiry. The
    /// sentence says why and names the page to delete it on.
    StillLive(String),
    /// The forge could not be asked now (offline, refused, rate limited): try again later.
    NotNow(String),
}

/// The forge of `account`: from its host's git config and name, as `logout` finds it. Starts
/// `git config` (a process): never on the path that serves a token.
pub fn forge_of(account: &Account) -> Option<Forge> {
    let settings = HostSettings::read(&format!("{}://{}", account.protocol, account.host));
    Forge::detect(&account.host, &[], &settings)
}

/// Asks the forge of `account` to revoke `stored`'s token, waiting at most
/// [`API_TIMEOUT`] for each request.
pub fn revoke(account: &Account, stored: &Stored) -> Ending {
    let Some(forge) = forge_of(account) else {
        return Ending::StillLive(format!(
            "which forge {} is, is not known, so it cannot be revoked here",
            account.host
        ));
    };
    if let Some(why) = forge.cannot_revoke(&stored.password) {
        return Ending::StillLive(why);
    }
    match forge.revoke(&[&stored.password], API_TIMEOUT).pop() {
        Some(Ok(Revocation::Revoked)) => Ending::Dead(format!("revoked at {}", forge.name())),
        Some(Ok(Revocation::AlreadyInvalid)) => Ending::Dead(format!(
            "{} no longer accepts it (already revoked or expired)",
            forge.name()
        )),
        Some(Err(why)) => Ending::NotNow(why),
        None => Ending::NotNow("the forge gave no answer".to_owned()),
    }
}

/// Whether `stored` has reached its end at `now` (seconds since the Unix epoch, UTC): its lab
/// timer ran out, or it is already marked to revoke. Such a token is never served.
pub fn is_over(stored: &Stored, now: u64) -> bool {
    stored.to_revoke || stored.erase_by.is_some_and(|t| t <= now)
}

/// The command that revokes the token of `a`: `git credential-pat logout HOST --user NAME
/// --revoke`.
pub fn revoke_command(a: &Account) -> String {
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

/// Ends the token of `found` whose lab timer ran out (see [`is_over`]): revokes it with
/// `revoke_fn` (the binary passes [`revoke`]), then erases it; when the forge cannot be asked
/// now, marks it [`Stored::to_revoke`] and keeps it. Says what happened in one line on `err`.
/// Returns whether the token is gone from the keychain.
///
/// # Errors
/// A [`VaultError`] when the keychain cannot be written; a failed write to `err` is ignored.
pub fn end_lab(
    vault: &Vault,
    found: &Found,
    mut stored: Stored,
    revoke_fn: &dyn Fn(&Account, &Stored) -> Ending,
    err: &mut dyn Write,
) -> Result<bool, VaultError> {
    let who = found.account.display_name();
    let what = if stored.to_revoke {
        "marked to revoke"
    } else {
        "whose lab timer ran out"
    };
    match revoke_fn(&found.account, &stored) {
        Ending::Dead(said) => {
            vault.delete(found)?;
            let _ = writeln!(
                err,
                "git-credential-pat: {who} ({what}): {said}; erased from the {}.",
                vault.store_name()
            );
            Ok(true)
        }
        Ending::StillLive(why) => {
            vault.delete(found)?;
            let _ = writeln!(
                err,
                "git-credential-pat: {who} ({what}): erased from the {}, but it STILL WORKS at \
                 the forge until it expires: {why}.",
                vault.store_name()
            );
            Ok(true)
        }
        Ending::NotNow(why) => {
            if !stored.to_revoke {
                stored.to_revoke = true;
                vault.put(&found.account, &stored)?;
            }
            let _ = writeln!(
                err,
                "git-credential-pat: {who} ({what}) is no longer served, but could not be \
                 revoked now: {why}; kept marked \"to revoke\" until `{}` (or the next run) \
                 revokes it.",
                revoke_command(&found.account)
            );
            Ok(false)
        }
    }
}

/// Ends every token in `vault` that [`is_over`] at `now`, as `list` and `doctor` do before
/// showing what is stored. Returns how many were ended (gone from the keychain).
///
/// # Errors
/// A [`VaultError`] when the keychain cannot be searched, read or written.
pub fn end_all_over(
    vault: &Vault,
    now: u64,
    revoke_fn: &dyn Fn(&Account, &Stored) -> Ending,
    err: &mut dyn Write,
) -> Result<usize, VaultError> {
    let mut ended = 0;
    for found in vault.find_all()? {
        if let Some(stored) = vault.read(&found)?
            && is_over(&stored, now)
            && end_lab(vault, &found, stored, revoke_fn, err)?
        {
            ended += 1;
        }
    }
    Ok(ended)
}

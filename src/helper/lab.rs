//! The end of a stored token in the keychain: whether its lab timer has run out
//! ([`is_over`]), and what becomes of it once its forge was asked to revoke it ([`end_lab`]):
//! erased when it is dead, erased and named as still live when no API can revoke it, else
//! kept, marked [`Stored::to_revoke`] and never served, until a later run revokes it.
//!
//! The asking itself is a [`Revoker`] the caller passes (the binary passes
//! `ending::revoke`), so that these rules make no network call of their own and sit below
//! the commands that end a token. A `get` that serves a token never asks (see
//! [`passed_over`]); one that serves nothing asks again about a token it could not revoke at
//! most once every [`GET_ASKS_AGAIN_AFTER`] (see [`get_may_ask`]); `list`, `doctor` and
//! `logout` always ask.

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

/// How long after a failed revocation (see [`Stored::revoke_tried_at`]) a `get` asks the forge
/// again: one hour, so that git's requests do not each wait for a forge that is down.
pub(crate) const GET_ASKS_AGAIN_AFTER: u64 = 60 * 60;

/// Whether a `get` that serves nothing may ask the forge to revoke `stored` at `now`: it was
/// never tried, or last tried [`GET_ASKS_AGAIN_AFTER`] ago or more (or "in the future", after
/// the clock was set back).
pub(crate) fn get_may_ask(stored: &Stored, now: u64) -> bool {
    stored
        .revoke_tried_at
        .is_none_or(|t| t > now || now - t >= GET_ASKS_AGAIN_AFTER)
}

/// The `host` word of the commands this tool suggests for `a`: the host, with its protocol
/// when that is not https.
fn host_word(a: &Account) -> String {
    if a.protocol == "https" {
        a.host.to_string()
    } else {
        format!("{}://{}", a.protocol, a.host)
    }
}

/// The line a `get` that serves nothing after a lab ends prints before it tells git to stop
/// (`quit=1`, git-credential(1)), so that git neither asks another helper nor prompts: the
/// lab's token for `a`'s host ended, and the command that makes a new one.
pub(crate) fn stop_line(a: &Account) -> String {
    let host = host_word(a);
    format!(
        "the lab's token for {host} has ended, so git stops here instead of asking for \
         another; to make a new one: git credential-pat login {host}"
    )
}

/// The line a `get` that serves another token prints for a token of the same host whose end it
/// passed over without asking its forge (a `get` that serves never waits for the network):
/// not served, not yet revoked, and which command revokes it now.
pub(crate) fn passed_over(a: &Account, stored: &Stored) -> String {
    let what = if stored.to_revoke {
        "is marked to revoke"
    } else {
        "reached the end of its lab timer"
    };
    format!(
        "{} {what}: it is no longer served, but it is not revoked yet; `git credential-pat \
         list` or `{}` revokes it now.",
        a.display_name(),
        revoke_command(a)
    )
}

/// What a `get` that serves nothing says of a token marked to revoke whose forge it may not
/// ask yet (see [`get_may_ask`]): nothing is asked, nothing written.
pub(crate) fn not_asked_yet(vault: &Vault, found: &Found, stored: &Stored, now: u64) -> Ended {
    let minutes = stored
        .revoke_tried_at
        .map_or(0, |t| now.saturating_sub(t) / 60);
    let ago = match minutes {
        0 => "less than a minute ago".to_owned(),
        1 => "a minute ago".to_owned(),
        m => format!("{m} minutes ago"),
    };
    Ended {
        gone: false,
        who: found.account.display_name(),
        marked: true,
        revocation: Revocation::NotAsked {
            why: format!(
                "the forge was last asked {ago}, and git's requests ask it again an hour after \
                 that (`git credential-pat list` asks now)"
            ),
            page: None,
        },
        store: vault.store_name().to_owned(),
        command: revoke_command(&found.account),
    }
}

/// The command that revokes the token of `a`: `git credential-pat logout HOST --user NAME
/// --revoke` (the host with its protocol when that is not https).
pub(crate) fn revoke_command(a: &Account) -> String {
    format!(
        "git credential-pat logout {} --user {} --revoke",
        host_word(a),
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
/// marks it [`Stored::to_revoke`], records the try ([`Stored::revoke_tried_at`]) and keeps
/// it. `now` is seconds since the Unix epoch (UTC).
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
            stored.to_revoke = true;
            stored.revoke_tried_at = Some(now);
            vault.put(&found.account, &stored)?;
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

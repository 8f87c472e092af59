//! Revoking stored tokens at their forges, for every command that ends a token: `logout
//! --revoke`, the lab timer's end (which `get`, `list` and `doctor` carry out through
//! `helper::end_lab`), and `login`'s replacement of a token. Each token's forge is told from
//! git's config and its host ([`crate::git::forge_at`]); the outcome is the typed
//! [`Revocation`], whose `Display` is the one wording of it.
//!
//! Network only here, never on the path that serves a token: callers come here only for a
//! token whose timer has already ended, or on a person's command.

use crate::forge::Revocation;
use crate::vault::{Account, Stored};

/// Asks the forge of `account` to revoke `stored`'s token, waiting at most
/// [`crate::forge::API_TIMEOUT`]; `now` is seconds since the Unix epoch (UTC). The
/// [`crate::helper::Revoker`] the binary passes.
pub fn revoke(account: &Account, stored: &Stored, now: u64) -> Revocation {
    revoke_all(&[(account, stored)], now)
        .pop()
        .unwrap_or_else(|| Revocation::unknown_forge(&account.host))
}

/// Revokes every one of `tokens`, batching those of one host into one call to its forge (up
/// to 1000 tokens a request on github.com); one [`Revocation`] per token, in order. Starts
/// `git config` once per host.
pub(crate) fn revoke_all(tokens: &[(&Account, &Stored)], now: u64) -> Vec<Revocation> {
    let mut results: Vec<Option<Revocation>> = tokens.iter().map(|_| None).collect();
    for i in 0..tokens.len() {
        if results[i].is_some() {
            continue;
        }
        let origin = tokens[i].0.origin();
        let group: Vec<usize> = (i..tokens.len())
            .filter(|&j| results[j].is_none() && tokens[j].0.origin() == origin)
            .collect();
        let outcomes = match crate::git::forge_at(&origin) {
            Some(forge) => {
                let secrets: Vec<_> = group.iter().map(|&j| &tokens[j].1.password).collect();
                forge.revoke(&secrets, now)
            }
            None => group
                .iter()
                .map(|_| Revocation::unknown_forge(&origin.host))
                .collect(),
        };
        for (&j, outcome) in group.iter().zip(outcomes) {
            results[j] = Some(outcome);
        }
    }
    results
        .into_iter()
        .zip(tokens)
        .map(|(r, (account, _))| r.unwrap_or_else(|| Revocation::unknown_forge(&account.host)))
        .collect()
}

/// Why no request to its known forge can revoke `stored`'s token (see
/// [`crate::forge::Forge::cannot_revoke`]), known before any is sent; `None` when a request may,
/// or when the forge is not known (what [`revoke_all`] then says).
pub(crate) fn cannot_revoke(account: &Account, stored: &Stored) -> Option<Revocation> {
    crate::git::forge_at(&account.origin())?.cannot_revoke(&stored.password)
}

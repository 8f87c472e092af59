//! Which credential a `get` without a user name is served when git names the repository: the
//! host's pick (see `Vault::find_pick`) holds the host's routes (`login --owner`), so that the
//! path's owner is routed from the one entry a `get` reads already.

use super::{Query, is_over};
use crate::protocol::Credential;
use crate::vault::{Account, Stored};

/// Whether `stored` may be served at `now`: its lab timer has not run out, it is not marked to
/// revoke, and it has not expired (git ignores a password whose expiry has passed,
/// credential.c, credential_fill).
pub(crate) fn servable(stored: &Stored, now: u64) -> bool {
    !is_over(stored, now) && stored.password_expiry_utc.is_none_or(|t| t >= now)
}

/// git's answer for `account`'s `stored` credential.
pub(super) fn answer(account: Account, stored: Stored) -> Credential {
    Credential {
        username: Some(account.username),
        password: Some(stored.password),
        password_expiry_utc: stored.password_expiry_utc,
        oauth_refresh_token: stored.oauth_refresh_token,
        ..Credential::default()
    }
}

/// Which credential the host's pick says a `get` without a user name is served.
pub(super) enum Route {
    /// The pick itself.
    Pick,
    /// The account of this user, to which the path's owner is routed.
    To(String),
    /// The pick cannot say: the search of every candidate decides.
    Search,
}

/// What the pick `account`, holding `stored`, says about `query` (which names no user): with
/// no path, the pick is served; with one, its host map (see [`crate::vault::HostMap`]; none
/// routes nothing) routes the path's owner, unless the host keeps tokens per path, which only
/// a search finds.
pub(super) fn pick_route(query: &Query, account: &Account, stored: &Stored) -> Route {
    let Some(owner) = query.owner() else {
        return Route::Pick;
    };
    if account.path.is_some() {
        // A token kept for exactly this path (the pick matched it).
        return Route::Pick;
    }
    let Some(map) = &stored.map else {
        return Route::Pick;
    };
    if map.paths {
        return Route::Search;
    }
    match map.route(owner) {
        Some(user) if user != account.username => Route::To(user.to_owned()),
        _ => Route::Pick,
    }
}

//! The only implementation of git's storage-helper operations `get`, `store` and `erase` over a
//! [`Vault`]: which requests are answered, which credential is served, what is kept and what
//! is forgotten. The binary, the unit tests and the fuzzer all run [`run`]; what differs
//! between them (the login flow for a missing token, where a person reads messages, the
//! keychain deadline) comes in as [`Surroundings`]. No terminal and no network here: this is
//! the hot path.
//!
//! Sources: gitcredentials(7) "CUSTOM HELPERS", git-credential(1), and git's own helpers'
//! tests (t/lib-credential.sh), which fix the behaviour git expects of a storage helper.

mod handover;
mod lab;
mod query;
mod route;
pub(crate) use handover::handed_over;
pub(crate) use lab::{Revoker, end_all_over, end_lab, is_over, revoke_command};
pub(crate) use route::servable;
use route::{Route, answer, pick_route};

use crate::host::OriginError;
use crate::protocol::{self, Credential};
use crate::show::escape;
use crate::vault::{Account, Found, Stored, Vault, VaultError};
pub use query::Query;
use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// One of git's helper operations (gitcredentials(7) "CUSTOM HELPERS").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Answer a credential for the request, if one is stored.
    Get,
    /// Keep the credential git has just used successfully.
    Store,
    /// Forget the credential git has just seen rejected.
    Erase,
}

impl Operation {
    /// The operation git names with `word` (`get`, `store`, `erase`), if any.
    pub(crate) fn from_word(word: &str) -> Option<Operation> {
        match word {
            "get" => Some(Operation::Get),
            "store" => Some(Operation::Store),
            "erase" => Some(Operation::Erase),
            _ => None,
        }
    }
}

/// Why an operation did nothing, or failed. Messages name no secret.
#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    /// The request was refused by the protocol reader.
    #[error("refused the request from git: {0}")]
    Protocol(protocol::ProtocolError),
    /// The request names a protocol or host outside the grammar (see [`crate::host`]).
    #[error("refused the request from git: {0}")]
    Origin(OriginError),
    /// The keychain failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Writing the answer to git failed.
    #[error("could not answer git: {0}")]
    Io(std::io::Error),
    /// The missing-token flow failed (terminal, forge, keychain).
    #[error("{0:#}")]
    Login(anyhow::Error),
}

// By hand rather than `#[from]`, which would also make the inner error the `source` and print
// its message twice in `{:#}`.
impl From<protocol::ProtocolError> for HelperError {
    fn from(e: protocol::ProtocolError) -> Self {
        HelperError::Protocol(e)
    }
}

impl From<std::io::Error> for HelperError {
    fn from(e: std::io::Error) -> Self {
        HelperError::Io(e)
    }
}

/// The missing-token case of `get`: given git's request, its query, the vault and the stderr
/// writer, the answer for git (or `None`). The binary passes the login flow
/// (`login::on_missing`); tests pass what they need.
pub(crate) type OnMissing<'a> = dyn FnMut(&Credential, &Query, &Vault, &mut dyn Write) -> anyhow::Result<Option<Credential>>
    + 'a;

/// What an operation needs beyond git's request and the keychain.
pub struct Surroundings<'a> {
    /// Where a person reads messages (the binary's stderr).
    pub stderr: &'a mut dyn Write,
    /// What `get` does when nothing is stored (see [`OnMissing`]).
    pub on_missing: &'a mut OnMissing<'a>,
    /// The file that remembers which expiry warnings were shown today; `None` shows none.
    pub expiry_record: Option<PathBuf>,
    /// Called with `true` before keychain work starts and `false` when it ends, so that the
    /// binary can arm a deadline for a keychain that hangs (the login flow runs outside it).
    pub deadline: &'a mut dyn FnMut(bool),
    /// Asks the forge to revoke a token whose lab timer ran out (the binary passes
    /// `ending::revoke`); called only for such a token, and only by a `get` that serves
    /// nothing: a `get` that serves a token never waits for the network.
    pub end: Revoker,
}

/// Surroundings that print to `stderr`, answer nothing for a missing token, show no expiry
/// warning, arm no deadline and never ask a forge to revoke: what unit tests and the fuzzer use.
pub fn quiet<'a>(
    stderr: &'a mut dyn Write,
    on_missing: &'a mut OnMissing<'a>,
    deadline: &'a mut dyn FnMut(bool),
) -> Surroundings<'a> {
    Surroundings {
        stderr,
        on_missing,
        expiry_record: None,
        deadline,
        end: not_now,
    }
}

/// The revocation of [`quiet`]: the forge is never asked, so a token whose lab timer ended is
/// kept marked to revoke.
fn not_now(_: &Account, _: &Stored, _: u64) -> crate::forge::Revocation {
    crate::forge::Revocation::NotAsked {
        why: "the forge is not asked here".to_owned(),
        page: None,
    }
}

/// Reads git's request from `input`, performs `op` on the vault that `open_vault` opens, and
/// writes any answer to `output` (git's stdout). `now` is the current time in seconds since the
/// Unix epoch (UTC), used for `password_expiry_utc`, `stored_at` and the lab timer.
///
/// The vault is opened only for a request that can be answered, so refused input never
/// touches the keychain.
///
/// # Errors
/// A [`HelperError`]; nothing has then been written to `output`.
pub fn run(
    op: Operation,
    input: &mut impl BufRead,
    output: &mut impl Write,
    open_vault: impl FnOnce() -> Result<Vault, VaultError>,
    now: u64,
    around: &mut Surroundings<'_>,
) -> Result<(), HelperError> {
    let request = protocol::read(input)?;
    match op {
        Operation::Get => {
            let Some(query) = Query::for_get(&request)? else {
                return Ok(());
            };
            (around.deadline)(true);
            let found = open_vault().and_then(|vault| {
                let served = get(&query, &vault, now)?;
                Ok((vault, served))
            });
            (around.deadline)(false);
            let (vault, served) = found?;
            let answer = answer_get(&request, &query, &vault, served, now, around)?;
            if let Some(mut answer) = answer {
                mark_served(&request, &mut answer);
                protocol::write(&answer, output)?;
            }
        }
        Operation::Store => {
            if served_by_us(&request) {
                // git is handing back the credential this helper just served: nothing to do,
                // not even a keychain read.
                return Ok(());
            }
            if let Some((account, stored)) = storable(&request, now)? {
                (around.deadline)(true);
                let done = open_vault().and_then(|vault| store(&account, stored, &vault));
                (around.deadline)(false);
                done?;
            }
        }
        Operation::Erase => {
            if let Some(query) = Query::for_erase(&request)? {
                (around.deadline)(true);
                let done =
                    open_vault().and_then(|vault| erase(&query, request.password.as_ref(), &vault));
                (around.deadline)(false);
                done?;
            }
        }
    }
    Ok(())
}

/// What `get` answers git once the keychain has been searched: the stored token (with an
/// expiry warning on stderr when it is close, and one line naming the token when git asked
/// for another user name), `quit=1` after a lab timer ended (see below), or what the
/// missing-token flow gives.
///
/// A token whose lab ended is never served. When another token is served, the ended one is
/// only named (the forge is not asked: a `get` that serves never waits for the network). When
/// nothing is served, the forge is asked to revoke it (see [`end_lab`]; one it could not
/// revoke is asked again only an hour later, [`lab::get_may_ask`]) and git is told to stop
/// (`quit`, git-credential(1)): neither another helper nor git's own prompt may walk the person
/// into a token by hand, and one line says which command makes a new one.
fn answer_get(
    request: &Credential,
    query: &Query,
    vault: &Vault,
    served: Served,
    now: u64,
    around: &mut Surroundings<'_>,
) -> Result<Option<Credential>, HelperError> {
    let ended_one = served.lab_ended.first().map(|(f, _)| f.account.clone());
    for (found, stored) in served.lab_ended {
        if served.answer.is_some() {
            let line = lab::passed_over(&found.account, &stored);
            writeln!(around.stderr, "git-credential-pat: {line}")?;
            continue;
        }
        let ended = if lab::get_may_ask(&stored, now) {
            end_lab(vault, &found, stored, around.end, now)?
        } else {
            lab::not_asked_yet(vault, &found, &stored, now)
        };
        writeln!(around.stderr, "git-credential-pat: {ended}")?;
    }
    if let (Some(asked), Some(answer)) = (&served.instead_of, &served.answer) {
        // Names from git and the keychain are escaped: they must not drive the terminal.
        writeln!(
            around.stderr,
            "git-credential-pat: git named the user {} for {}; serving the token stored there \
             for {} (the forge ignores the user name sent with a token).",
            escape(asked),
            query.origin.host,
            escape(answer.username.as_deref().unwrap_or_default()),
        )?;
    }
    match served.answer {
        Some(answer) => {
            if let Some(record) = around.expiry_record.as_deref() {
                let user = escape(answer.username.as_deref().unwrap_or_default());
                let account = format!(
                    "{} {}://{user}@{}",
                    vault.service(),
                    query.origin.protocol,
                    query.origin.host
                );
                crate::expiry::warn_if_soon(
                    &account,
                    &user,
                    &query.origin.host.to_string(),
                    answer.password_expiry_utc,
                    now,
                    Some(record),
                    around.stderr,
                );
            }
            Ok(Some(answer))
        }
        // After a lab ends, git must not be walked into making a new token for it.
        None => match ended_one {
            Some(account) => {
                let line = lab::stop_line(&account);
                writeln!(around.stderr, "git-credential-pat: {line}")?;
                Ok(Some(Credential {
                    quit: true,
                    ..Credential::default()
                }))
            }
            None => (around.on_missing)(request, query, vault, around.stderr)
                .map_err(HelperError::Login),
        },
    }
}

/// The `state[]` value this helper adds to what it serves (gitcredentials(7), "state[]":
/// prefixed with the helper's name), so that it recognises its own credential when git hands
/// it back to `store` after a successful request, as git's osxkeychain helper does.
pub(crate) const SERVED_STATE: &str = "git-credential-pat:served";

/// Adds `capability[]=state` and [`SERVED_STATE`] to `answer` when git's `request` says it
/// understands state (git 2.46+); otherwise leaves it alone, since git would not pass it back.
pub(crate) fn mark_served(request: &Credential, answer: &mut Credential) {
    if answer.password.is_some() && request.capability.iter().any(|c| c == "state") {
        answer.capability = vec!["state".to_owned()];
        answer.state = vec![SERVED_STATE.to_owned()];
    }
}

/// Whether a `store` request carries the [`SERVED_STATE`] this helper gave the credential.
pub(crate) fn served_by_us(request: &Credential) -> bool {
    request.state.iter().any(|s| s == SERVED_STATE)
}

/// What a `get` found.
#[derive(Default)]
pub(crate) struct Served {
    /// git's answer, if a credential may be served.
    pub(crate) answer: Option<Credential>,
    /// The user name git asked for when the answer is another user's token (see [`get`]).
    pub(crate) instead_of: Option<String>,
    /// Credentials whose lab timer (`erase_by`) had run out, or marked to revoke: not served;
    /// when nothing is served, [`run`] revokes and erases them after the search (see
    /// [`end_lab`]).
    pub(crate) lab_ended: Vec<(Found, Stored)>,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served")
            .field("answer", &self.answer)
            .field("instead_of", &self.instead_of)
            .field(
                "lab_ended",
                &self
                    .lab_ended
                    .iter()
                    .map(|(f, _)| &f.account)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The answer to a `get`: the stored `username`, `password`, and `password_expiry_utc` and
/// `oauth_refresh_token` where stored, for the credential matching `query` that is not expired
/// at `now` (seconds since the Unix epoch). When several match (several users of one host and
/// no username in the request), the one marked by `login --default` is served, else the most
/// recently stored. User names are compared case-insensitively, as GitHub, GitLab and Gitea
/// compare logins. When git names a user of whom no token is stored, and the host's tokens are
/// for a forge that ignores the user name ([`crate::forge::ForgeKind::ignores_username`]), the host's default (or
/// most recent) token is served under its own stored login, with
/// [`Served::instead_of`] naming the user git asked for. A matching credential whose lab timer
/// has run out (or that is marked to revoke) is never served; it is returned in
/// [`Served::lab_ended`] for [`run`] to end.
///
/// No network, no process: only the keychain.
///
/// # Errors
/// A [`VaultError`] when the keychain cannot be searched or read.
pub(crate) fn get(query: &Query, vault: &Vault, now: u64) -> Result<Served, VaultError> {
    let mut served = Served::default();
    // Without a user name, the host's pick (kept by Vault::put) is the credential the search
    // below would choose, and it holds the host's routes (`login --owner`): it is read alone,
    // with at most the one account the path's owner is routed to, unless it may not be served
    // (then search all).
    if query.username.is_none()
        && let Some(found) = vault.find_pick(&query.origin)?
        && query.matches(&found.account)
        && let Some(stored) = vault.read(&found)?
        && servable(&stored, now)
    {
        match pick_route(query, &found.account, &stored) {
            Route::Pick => {
                served.answer = Some(answer(found.account, stored));
                return Ok(served);
            }
            Route::To(user) => {
                let routed = vault.find_user(&query.origin, Some(&user), None)?;
                if let Some(found) = routed.into_iter().find(|f| f.account.path.is_none())
                    && let Some(stored) = vault.read(&found)?
                    && servable(&stored, now)
                {
                    served.answer = Some(answer(found.account, stored));
                    return Ok(served);
                }
            }
            Route::Search => {}
        }
    }
    let mut found = matching(query, vault)?;
    let mut any_user = false;
    if found.is_empty()
        && let Some(asked) = &query.username
    {
        // Not stored under exactly that name: look at the host's other users.
        let mut all = vault.find_user(&query.origin, None, query.path.as_deref())?;
        all.retain(|f| query.path_matches(&f.account));
        let (same, others): (Vec<Found>, Vec<Found>) = all
            .into_iter()
            .partition(|f| same_login(&f.account.username, asked));
        if same.is_empty() {
            found = others;
            any_user = true;
        } else {
            found = same;
        }
    }
    let owner = query.owner();
    // A token kept for exactly this path first (one stored before paths only routed), then
    // one routed to the path's owner, then the ranking of `Stored::rank`.
    let key = |account: &Account, stored: &Stored| {
        let routed = owner.is_some_and(|o| stored.serves_owner(o));
        (account.path.is_some(), routed, stored.rank())
    };
    let mut best: Option<(Account, Stored)> = None;
    for found in found {
        let Some(stored) = vault.read(&found)? else {
            continue;
        };
        if is_over(&stored, now) {
            served.lab_ended.push((found, stored));
            continue;
        }
        // git ignores a password whose expiry has passed (credential.c, credential_fill).
        if stored.password_expiry_utc.is_some_and(|t| t < now) {
            continue;
        }
        if any_user && !stored.forge.is_some_and(|f| f.ignores_username()) {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|(a, b)| key(&found.account, &stored) > key(a, b))
        {
            best = Some((found.account, stored));
        }
    }
    if any_user && best.is_some() {
        served.instead_of = query.username.clone();
    }
    served.answer = best.map(|(account, stored)| answer(account, stored));
    Ok(served)
}

pub(crate) use crate::vault::same_login;

/// Whether the fact `new` adds nothing to `old`.
fn known<T: PartialEq>(new: &Option<T>, old: &Option<T>) -> bool {
    new.is_none() || new == old
}

fn matching(query: &Query, vault: &Vault) -> Result<Vec<Found>, VaultError> {
    let mut found = vault.find_user(
        &query.origin,
        query.username.as_deref(),
        query.path.as_deref(),
    )?;
    found.retain(|f| query.matches(&f.account));
    Ok(found)
}

/// What a `store` request would keep: `None` unless it is complete (protocol, host, username,
/// password) and may be kept (not `ephemeral`, not expired at `now`, a protocol `get` would
/// serve).
///
/// # Errors
/// [`HelperError::Origin`] when the protocol or host is outside its grammar.
pub(crate) fn storable(c: &Credential, now: u64) -> Result<Option<(Account, Stored)>, HelperError> {
    let Some(query) = Query::for_get(c)? else {
        return Ok(None);
    };
    let (Some(username), Some(password)) = (c.username.clone(), c.password.as_ref()) else {
        return Ok(None);
    };
    if c.ephemeral || c.password_expiry_utc.is_some_and(|t| t < now) {
        return Ok(None);
    }
    let account = Account {
        protocol: query.origin.protocol,
        host: query.origin.host,
        username,
        path: query.path,
    };
    let stored = Stored {
        password_expiry_utc: c.password_expiry_utc,
        oauth_refresh_token: c.oauth_refresh_token.clone(),
        stored_at: Some(now),
        ..Stored::new(SecretString::from(password.expose_secret().to_owned()))
    };
    Ok(Some((account, stored)))
}

/// The account [`store`] keeps a credential of `account` under, with what it holds now: the
/// account itself, or, for an account with a path of which nothing is stored, its per-host
/// account (the path then only routes: a token is kept per host and user, and one kept per
/// path before keeps that path).
///
/// # Errors
/// A [`VaultError`] when the keychain cannot be read.
pub(crate) fn storing_account(
    account: &Account,
    vault: &Vault,
) -> Result<(Account, Option<Stored>), VaultError> {
    let held = vault.get(account)?;
    if account.path.is_some() && held.is_none() {
        let per_host = Account {
            path: None,
            ..account.clone()
        };
        let held = vault.get(&per_host)?;
        return Ok((per_host, held));
    }
    Ok((account.clone(), held))
}

/// Keeps `stored` for `account`, replacing the account's old credential. Returns whether the
/// keychain was written.
///
/// When the password is the one stored already, this is the same token handed back: every
/// fact `stored` does not carry is kept from the old entry (expiry, refresh token, forge,
/// scopes, first `stored_at`, lab timer, default mark), and nothing is written when it carries
/// nothing new. git calls `store` after every successful request, and git before 2.41 knows
/// no `password_expiry_utc`, so its `store` carries only `username` and `password`: without
/// this, the first clone through git 2.39 would wipe what `login` learnt from the forge.
///
/// A new password starts fresh: the old token's facts (expiry, refresh token, forge, scopes,
/// `stored_at`) describe another token and are dropped. Only the account's own marks, the lab
/// timer, the default mark and the owners routed to it (`login --owner`), stay, so that a
/// token pasted at git's prompt during a lab is still erased when the lab ends.
///
/// git's `path` only routes (see [`Query::owner`]): a credential is kept per host and user,
/// and for a path only when a token was kept for exactly that path before (then that one is
/// the account served, and updated).
///
/// # Errors
/// A [`VaultError`] when the keychain cannot be read or written.
pub(crate) fn store(account: &Account, stored: Stored, vault: &Vault) -> Result<bool, VaultError> {
    let mut new = stored;
    let (account, old) = storing_account(account, vault)?;
    let account = &account;
    if let Some(old) = old {
        let same_password = old.password.expose_secret() == new.password.expose_secret();
        if same_password {
            let reveal =
                |s: &Option<SecretString>| s.as_ref().map(|s| s.expose_secret().to_owned());
            let nothing_new = known(&new.password_expiry_utc, &old.password_expiry_utc)
                && known(
                    &reveal(&new.oauth_refresh_token),
                    &reveal(&old.oauth_refresh_token),
                )
                && known(&new.forge, &old.forge)
                && known(&new.scopes, &old.scopes)
                && known(&new.erase_by, &old.erase_by)
                && (!new.default || old.default)
                && new.owners.iter().all(|o| old.serves_owner(o));
            if nothing_new {
                return Ok(false);
            }
            new.password_expiry_utc = new.password_expiry_utc.or(old.password_expiry_utc);
            new.oauth_refresh_token = new.oauth_refresh_token.or(old.oauth_refresh_token);
            new.forge = new.forge.or(old.forge);
            new.scopes = new.scopes.or(old.scopes);
            new.stored_at = old.stored_at.or(new.stored_at);
        }
        new.erase_by = new.erase_by.or(old.erase_by);
        new.default |= old.default;
        for owner in old.owners {
            if !new.serves_owner(&owner) {
                new.owners.push(owner);
            }
        }
    }
    vault.put(account, &new)?;
    Ok(true)
}

/// Forgets the credentials matching `query`. With `password` (git sends the rejected one),
/// only a stored credential holding that password is erased, so that a token stored since
/// the failed request is kept. Returns how many were erased. Errors: a [`VaultError`] when the
/// keychain cannot be searched, read or written.
pub(crate) fn erase(
    query: &Query,
    password: Option<&SecretString>,
    vault: &Vault,
) -> Result<usize, VaultError> {
    let mut erased = 0;
    for found in holding(query, password, vault)? {
        erased += usize::from(vault.delete(&found)?);
    }
    Ok(erased)
}

/// The stored credentials matching `query` that [`erase`] forgets: with `password`, only
/// those holding it. Errors: a [`VaultError`] when the keychain cannot be searched or read.
pub(crate) fn holding(
    query: &Query,
    password: Option<&SecretString>,
    vault: &Vault,
) -> Result<Vec<Found>, VaultError> {
    let mut held = Vec::new();
    for found in matching(query, vault)? {
        let Some(p) = password else {
            held.push(found);
            continue;
        };
        if vault
            .read(&found)?
            .is_some_and(|s| s.password.expose_secret() == p.expose_secret())
        {
            held.push(found);
        }
    }
    Ok(held)
}

#[cfg(test)]
mod tests;

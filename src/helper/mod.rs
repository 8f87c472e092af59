//! The only implementation of git's storage-helper operations `get`, `store` and `erase` over a
//! [`Vault`]: which requests are answered, which credential is served, what is kept and what
//! is forgotten. The binary, the unit tests and the fuzzer all run [`run`]; what differs
//! between them (the login flow for a missing token, where a person reads messages, the
//! keychain deadline) comes in as [`Surroundings`]. No terminal and no network here: this is
//! the hot path.
//!
//! Sources: gitcredentials(7) "CUSTOM HELPERS", git-credential(1), and git's own helpers'
//! tests (t/lib-credential.sh), which fix the behaviour git expects of a storage helper.

use crate::host::{Origin, OriginError};
use crate::protocol::{self, Credential};
use crate::show::escape;
use crate::vault::{Account, Found, Stored, Vault, VaultError};
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
    pub fn from_word(word: &str) -> Option<Operation> {
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
pub type OnMissing<'a> = dyn FnMut(&Credential, &Query, &Vault, &mut dyn Write) -> anyhow::Result<Option<Credential>>
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
}

/// Surroundings that print to `stderr`, answer nothing for a missing token, show no expiry
/// warning and arm no deadline: what unit tests and the fuzzer use.
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
/// expiry warning on stderr when it is close), nothing after a lab timer ended (with a line
/// saying so), or what the missing-token flow gives.
fn answer_get(
    request: &Credential,
    query: &Query,
    vault: &Vault,
    served: Served,
    now: u64,
    around: &mut Surroundings<'_>,
) -> Result<Option<Credential>, HelperError> {
    for ended in &served.lab_ended {
        // Names from the keychain are escaped: they must not drive the terminal.
        let (user, host) = (escape(&ended.username), ended.host.to_string());
        writeln!(
            around.stderr,
            "git-credential-pat: the lab timer of {user}'s token for {host} ran out; it was \
             erased. Run `git credential-pat login {host}` for a new one.",
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
        None if !served.lab_ended.is_empty() => Ok(None),
        None => {
            (around.on_missing)(request, query, vault, around.stderr).map_err(HelperError::Login)
        }
    }
}

/// The `state[]` value this helper adds to what it serves (gitcredentials(7), "state[]":
/// prefixed with the helper's name), so that it recognises its own credential when git hands
/// it back to `store` after a successful request, as git's osxkeychain helper does.
pub const SERVED_STATE: &str = "git-credential-pat:served";

/// Adds `capability[]=state` and [`SERVED_STATE`] to `answer` when git's `request` says it
/// understands state (git 2.46+); otherwise leaves it alone, since git would not pass it back.
pub fn mark_served(request: &Credential, answer: &mut Credential) {
    if answer.password.is_some() && request.capability.iter().any(|c| c == "state") {
        answer.capability = vec!["state".to_owned()];
        answer.state = vec![SERVED_STATE.to_owned()];
    }
}

/// Whether a `store` request carries the [`SERVED_STATE`] this helper gave the credential.
pub fn served_by_us(request: &Credential) -> bool {
    request.state.iter().any(|s| s == SERVED_STATE)
}

/// What a `get` or `erase` asks for: one origin, optionally one user and one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// git's `protocol` and `host`, parsed.
    pub origin: Origin,
    /// git's `username`, when it sent one.
    pub username: Option<String>,
    /// git's `path`, when it sent one (`credential.useHttpPath`).
    pub path: Option<String>,
}

impl Query {
    /// The query of a `get`: `None` (answer nothing) without `protocol` or `host`, since a
    /// missing field is never a wildcard (CVE-2020-11008), and for any protocol but `https`,
    /// except `http` to a loopback host (tests, local forges).
    ///
    /// # Errors
    /// [`HelperError::Origin`] when the protocol or host is outside its grammar.
    pub fn for_get(c: &Credential) -> Result<Option<Query>, HelperError> {
        Ok(Self::for_erase(c)?.filter(|q| q.origin.may_carry_tokens()))
    }

    /// The query of an `erase`: `None` without `protocol` or `host`.
    ///
    /// # Errors
    /// [`HelperError::Origin`] when the protocol or host is outside its grammar.
    pub fn for_erase(c: &Credential) -> Result<Option<Query>, HelperError> {
        let (Some(protocol), Some(host)) = (
            c.protocol.as_deref().filter(|p| !p.is_empty()),
            c.host.as_deref().filter(|h| !h.is_empty()),
        ) else {
            return Ok(None);
        };
        let origin = Origin::parse(protocol, host).map_err(HelperError::Origin)?;
        Ok(Some(Query {
            origin,
            username: c.username.clone(),
            path: c.path.clone().filter(|p| !p.is_empty()),
        }))
    }

    fn matches(&self, a: &Account) -> bool {
        self.username.as_ref().is_none_or(|u| *u == a.username)
            && self
                .path
                .as_ref()
                .is_none_or(|p| a.path.as_ref() == Some(p))
    }
}

impl Query {
    /// The query a person means by `target`: `github.com`, `github.com:8443` or
    /// `https://alice@github.com/org/repo.git` (an https URL, or plain http to a loopback
    /// host), as `login` and `logout` take it.
    ///
    /// # Errors
    /// A sentence naming the target (without any `user:password@`, since a pasted URL may hold
    /// a token) when it is not a host name or an https URL.
    pub fn for_target(target: &str) -> anyhow::Result<Query> {
        let url = if target.contains("://") {
            target.to_owned()
        } else {
            format!("https://{target}")
        };
        let shown = without_userinfo(target);
        let request = protocol::read(&mut format!("url={url}\n").as_bytes())
            .map_err(|e| anyhow::anyhow!("'{shown}' is not a host name or URL: {e}"))?;
        match Query::for_get(&request) {
            Ok(Some(query)) => Ok(query),
            Ok(None) => anyhow::bail!(
                "'{shown}' is not an https URL or a host name; tokens are only sent over https"
            ),
            Err(e) => anyhow::bail!("'{shown}' is not a host name or URL: {e}"),
        }
    }
}

/// `target` with any `user:password@` removed, escaped, for messages.
fn without_userinfo(target: &str) -> String {
    let (scheme, rest) = target.split_once("://").unwrap_or(("", target));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let rest = match rest[..end].find('@') {
        Some(at) => format!("…@{}", &rest[at + 1..]),
        None => rest.to_owned(),
    };
    let shown = if scheme.is_empty() {
        rest
    } else {
        format!("{scheme}://{rest}")
    };
    escape(&shown)
}

/// What a `get` found.
#[derive(Debug, Default)]
pub struct Served {
    /// git's answer, if a credential may be served.
    pub answer: Option<Credential>,
    /// Credentials whose lab timer (`erase_by`) had run out: erased now, not served.
    pub lab_ended: Vec<Account>,
}

/// The answer to a `get`: the stored `username`, `password`, and `password_expiry_utc` and
/// `oauth_refresh_token` where stored, for the credential matching `query` that is not expired
/// at `now` (seconds since the Unix epoch). When several match (several users of one host and
/// no username in the request), the one marked by `login --default` is served, else the most
/// recently stored. A matching credential whose lab timer has run out is erased instead.
///
/// # Errors
/// A [`VaultError`] when the keychain cannot be searched, read or written.
pub fn get(query: &Query, vault: &Vault, now: u64) -> Result<Served, VaultError> {
    let mut served = Served::default();
    // Without a user name, the host's pick (kept by Vault::put) is the credential the search
    // below would choose; it is read alone, unless it may not be served (then search all).
    if query.username.is_none()
        && let Some(found) = vault.find_pick(&query.origin)?
        && query.matches(&found.account)
        && let Some(stored) = vault.read(&found)?
        && stored.erase_by.is_none_or(|t| t > now)
        && stored.password_expiry_utc.is_none_or(|t| t >= now)
    {
        served.answer = Some(Credential {
            username: Some(found.account.username),
            password: Some(stored.password),
            password_expiry_utc: stored.password_expiry_utc,
            oauth_refresh_token: stored.oauth_refresh_token,
            ..Credential::default()
        });
        return Ok(served);
    }
    let mut best: Option<(Account, Stored)> = None;
    for found in matching(query, vault)? {
        let Some(stored) = vault.read(&found)? else {
            continue;
        };
        if stored.erase_by.is_some_and(|t| t <= now) {
            vault.delete(&found)?;
            served.lab_ended.push(found.account);
            continue;
        }
        // git ignores a password whose expiry has passed (credential.c, credential_fill).
        if stored.password_expiry_utc.is_some_and(|t| t < now) {
            continue;
        }
        let rank = |s: &Stored| (s.default, s.stored_at.unwrap_or(0));
        if best.as_ref().is_none_or(|(_, b)| rank(&stored) > rank(b)) {
            best = Some((found.account, stored));
        }
    }
    served.answer = best.map(|(account, stored)| Credential {
        username: Some(account.username),
        password: Some(stored.password),
        password_expiry_utc: stored.password_expiry_utc,
        oauth_refresh_token: stored.oauth_refresh_token,
        ..Credential::default()
    });
    Ok(served)
}

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
pub fn storable(c: &Credential, now: u64) -> Result<Option<(Account, Stored)>, HelperError> {
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

/// Keeps `stored` for `account`, replacing the account's old credential. Writes nothing when
/// the same credential, with the same facts, is stored already, because git calls `store`
/// after every successful request. Facts `stored` does not know are kept from the old entry:
/// the lab timer and the default mark always, forge and scopes when the token is the same.
/// Returns whether the keychain was written.
///
/// # Errors
/// A [`VaultError`] when the keychain cannot be read or written.
pub fn store(account: &Account, stored: Stored, vault: &Vault) -> Result<bool, VaultError> {
    let mut new = stored;
    if let Some(old) = vault.get(account)? {
        let same_token = old.same_as(&new);
        if same_token
            && known(&new.forge, &old.forge)
            && known(&new.scopes, &old.scopes)
            && known(&new.erase_by, &old.erase_by)
            && (!new.default || old.default)
        {
            return Ok(false);
        }
        if same_token {
            new.forge = new.forge.or(old.forge);
            new.scopes = new.scopes.or(old.scopes);
        }
        new.erase_by = new.erase_by.or(old.erase_by);
        new.default |= old.default;
    }
    vault.put(account, &new)?;
    Ok(true)
}

/// Forgets the credentials matching `query`. With `password` (git sends the rejected one),
/// only a stored credential holding that password is erased, so that a token stored since
/// the failed request is kept. Returns how many were erased.
///
/// # Errors
/// A [`VaultError`] when the keychain cannot be searched, read or written.
pub fn erase(
    query: &Query,
    password: Option<&SecretString>,
    vault: &Vault,
) -> Result<usize, VaultError> {
    let mut erased = 0;
    for found in matching(query, vault)? {
        if let Some(password) = password {
            let same = vault
                .read(&found)?
                .is_some_and(|s| s.password.expose_secret() == password.expose_secret());
            if !same {
                continue;
            }
        }
        if vault.delete(&found)? {
            erased += 1;
        }
    }
    Ok(erased)
}

#[cfg(test)]
mod tests;

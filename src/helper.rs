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
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn vault() -> Vault {
        Vault::with_store(
            keyring_core::mock::Store::new().unwrap(),
            None,
            Some("unit"),
        )
        .unwrap()
    }

    /// A missing-token case that answers nothing, as when no person is present.
    fn nothing_stored()
    -> impl FnMut(&Credential, &Query, &Vault, &mut dyn Write) -> anyhow::Result<Option<Credential>>
    {
        |_, _, _, _| Ok(None)
    }

    /// Runs `op` with `input` as the helper binary would, returning stdout or the error text.
    fn call(vault: &Vault, op: Operation, input: &str) -> Result<String, String> {
        call_at(vault, op, input, NOW)
    }

    fn call_at(vault: &Vault, op: Operation, input: &str, now: u64) -> Result<String, String> {
        let mut out = Vec::new();
        let (mut err, mut none, mut no_deadline) = (Vec::new(), nothing_stored(), |_| {});
        let mut around = quiet(&mut err, &mut none, &mut no_deadline);
        run(
            op,
            &mut input.as_bytes(),
            &mut out,
            || Ok(vault.clone()),
            now,
            &mut around,
        )
        .map_err(|e| e.to_string())?;
        Ok(String::from_utf8(out).unwrap())
    }

    /// Every (account key, secret) in the vault for github.com and the loopback test host.
    fn contents(vault: &Vault) -> Vec<String> {
        let mut all = Vec::new();
        for (p, h) in [("https", "github.com"), ("http", "127.0.0.1:8080")] {
            for f in vault
                .find(&crate::host::Origin::parse(p, h).unwrap())
                .unwrap()
            {
                // The mock store keeps an erased entry's name, with no secret.
                let Some(s) = vault.read(&f).unwrap() else {
                    continue;
                };
                all.push(format!(
                    "{} {}",
                    f.account.key(),
                    s.password.expose_secret()
                ));
            }
        }
        all.sort();
        all
    }

    fn approve(vault: &Vault, input: &str) {
        assert_eq!(call(vault, Operation::Store, input), Ok(String::new()));
    }

    #[test]
    fn get_answers_a_stored_token_for_its_host() {
        let v = vault();
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_a\n",
        );
        assert_eq!(
            call(&v, Operation::Get, "protocol=https\nhost=github.com\n"),
            Ok("username=alice\npassword=ghp_a\n".into())
        );
    }

    #[test]
    fn get_answers_nothing_without_protocol_or_host() {
        let v = vault();
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_a\n",
        );
        for req in [
            "host=github.com\n",
            "protocol=https\n",
            "protocol=https\nhost=\n",
            "",
        ] {
            assert_eq!(call(&v, Operation::Get, req), Ok(String::new()), "{req:?}");
        }
    }

    #[test]
    fn get_never_answers_plain_http_except_for_loopback_hosts() {
        let v = vault();
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_a\n",
        );
        assert_eq!(
            call(&v, Operation::Get, "protocol=http\nhost=github.com\n"),
            Ok(String::new())
        );
        approve(
            &v,
            "protocol=http\nhost=127.0.0.1:8080\nusername=t\npassword=p\n",
        );
        assert_eq!(
            call(&v, Operation::Get, "protocol=http\nhost=127.0.0.1:8080\n"),
            Ok("username=t\npassword=p\n".into())
        );
        // A plain-http credential for a remote host is not even kept.
        approve(
            &v,
            "protocol=http\nhost=example.com\nusername=t\npassword=p\n",
        );
        assert!(
            v.find(&crate::host::Origin::parse("http", "example.com").unwrap())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn get_matches_the_exact_host_case_insensitively_without_a_trailing_dot() {
        let v = vault();
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_a\n",
        );
        for host in ["GITHUB.COM", "github.com."] {
            let req = format!("protocol=https\nhost={host}\n");
            assert_eq!(
                call(&v, Operation::Get, &req),
                Ok("username=alice\npassword=ghp_a\n".into())
            );
        }
        for host in [
            "github.com.evil.tld",
            "evilgithub.com",
            "github.com:8443",
            "gist.github.com",
        ] {
            let req = format!("protocol=https\nhost={host}\n");
            assert_eq!(call(&v, Operation::Get, &req), Ok(String::new()), "{host}");
        }
    }

    #[test]
    fn the_username_in_the_request_selects_among_users_of_one_host() {
        let v = vault();
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_a\n",
        );
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=bob\npassword=ghp_b\n",
        );
        assert_eq!(
            call(
                &v,
                Operation::Get,
                "protocol=https\nhost=github.com\nusername=alice\n"
            ),
            Ok("username=alice\npassword=ghp_a\n".into())
        );
        assert_eq!(
            call(
                &v,
                Operation::Get,
                "protocol=https\nhost=github.com\nusername=carol\n"
            ),
            Ok(String::new())
        );
    }

    #[test]
    fn without_a_username_the_most_recently_stored_user_is_served() {
        let v = vault();
        call_at(
            &v,
            Operation::Store,
            "protocol=https\nhost=github.com\nusername=bob\npassword=ghp_b\n",
            NOW - 10,
        )
        .unwrap();
        call_at(
            &v,
            Operation::Store,
            "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_a\n",
            NOW - 5,
        )
        .unwrap();
        assert_eq!(
            call(&v, Operation::Get, "protocol=https\nhost=github.com\n"),
            Ok("username=alice\npassword=ghp_a\n".into())
        );
    }

    #[test]
    fn path_takes_part_only_when_git_sends_it() {
        let v = vault();
        approve(
            &v,
            "protocol=https\nhost=github.com\npath=org/a.git\nusername=u\npassword=pa\n",
        );
        approve(
            &v,
            "protocol=https\nhost=github.com\npath=org/b.git\nusername=u\npassword=pb\n",
        );
        assert_eq!(
            call(
                &v,
                Operation::Get,
                "protocol=https\nhost=github.com\npath=org/b.git\n"
            ),
            Ok("username=u\npassword=pb\n".into())
        );
        assert_eq!(
            call(
                &v,
                Operation::Get,
                "protocol=https\nhost=github.com\npath=org/c.git\n"
            ),
            Ok(String::new())
        );
    }

    #[test]
    fn get_passes_expiry_and_refresh_token_and_skips_an_expired_token() {
        let v = vault();
        let later = NOW + 3600;
        approve(
            &v,
            &format!(
                "protocol=https\nhost=github.com\nusername=a\npassword=p\npassword_expiry_utc={later}\noauth_refresh_token=r\n"
            ),
        );
        assert_eq!(
            call(&v, Operation::Get, "protocol=https\nhost=github.com\n"),
            Ok(format!(
                "username=a\npassword=p\noauth_refresh_token=r\npassword_expiry_utc={later}\n"
            ))
        );
        assert_eq!(
            call_at(
                &v,
                Operation::Get,
                "protocol=https\nhost=github.com\n",
                later + 1
            ),
            Ok(String::new())
        );
    }

    #[test]
    fn store_skips_an_incomplete_ephemeral_or_expired_credential() {
        let v = vault();
        for req in [
            "protocol=https\nhost=github.com\nusername=a\n",
            "protocol=https\nhost=github.com\npassword=p\n",
            "host=github.com\nusername=a\npassword=p\n",
            "protocol=https\nhost=github.com\nusername=a\npassword=p\nephemeral=1\n",
            "protocol=https\nhost=github.com\nusername=a\npassword=p\npassword_expiry_utc=1000\n",
            "protocol=https\nhost=github.com\nauthtype=bearer\ncredential=tok\n",
        ] {
            approve(&v, req);
        }
        assert!(contents(&v).is_empty());
    }

    #[test]
    fn store_overwrites_the_same_accounts_old_token() {
        let v = vault();
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=a\npassword=old\n",
        );
        approve(
            &v,
            "protocol=https\nhost=GitHub.com\nusername=a\npassword=new\n",
        );
        assert_eq!(contents(&v), ["https://a@github.com new"]);
    }

    #[test]
    fn store_of_an_unchanged_credential_writes_nothing() {
        let v = vault();
        let (account, stored) = storable(
            &protocol::read(
                &mut "protocol=https\nhost=github.com\nusername=a\npassword=p\n".as_bytes(),
            )
            .unwrap(),
            NOW,
        )
        .unwrap()
        .unwrap();
        let again = Stored {
            stored_at: Some(NOW + 5),
            ..Stored::new(SecretString::from(
                stored.password.expose_secret().to_owned(),
            ))
        };
        assert!(store(&account, stored, &v).unwrap());
        assert!(!store(&account, again, &v).unwrap());
    }

    #[test]
    fn with_state_git_gets_a_marker_and_store_of_a_served_credential_skips_the_keychain() {
        let v = vault();
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=a\npassword=p\n",
        );
        assert_eq!(
            call(
                &v,
                Operation::Get,
                "capability[]=state\nprotocol=https\nhost=github.com\n"
            ),
            Ok(
                "capability[]=state\nusername=a\npassword=p\nstate[]=git-credential-pat:served\n"
                    .into()
            )
        );
        // Without the capability git would not pass state back: none is sent.
        assert_eq!(
            call(&v, Operation::Get, "protocol=https\nhost=github.com\n"),
            Ok("username=a\npassword=p\n".into())
        );
        // A store carrying the marker never opens the keychain.
        let mut out = Vec::new();
        let input = "capability[]=state\nprotocol=https\nhost=github.com\nusername=a\npassword=new\n\
                     state[]=git-credential-pat:served\n";
        let (mut err, mut none, mut no_deadline) = (Vec::new(), nothing_stored(), |_| {});
        run(
            Operation::Store,
            &mut input.as_bytes(),
            &mut out,
            || panic!("opened the keychain"),
            NOW,
            &mut quiet(&mut err, &mut none, &mut no_deadline),
        )
        .unwrap();
        assert_eq!(contents(&v), ["https://a@github.com p"]);
    }

    #[test]
    fn empty_username_and_password_round_trip() {
        let v = vault();
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=\npassword=\n",
        );
        assert_eq!(
            call(&v, Operation::Get, "protocol=https\nhost=github.com\n"),
            Ok("username=\npassword=\n".into())
        );
    }

    #[test]
    fn erase_with_a_password_removes_only_the_credential_holding_it() {
        let v = vault();
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=a\npassword=pa\n",
        );
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=b\npassword=pb\n",
        );
        call(
            &v,
            Operation::Erase,
            "protocol=https\nhost=github.com\nusername=a\npassword=other\n",
        )
        .unwrap();
        assert_eq!(contents(&v).len(), 2);
        call(
            &v,
            Operation::Erase,
            "protocol=https\nhost=github.com\npassword=pa\n",
        )
        .unwrap();
        assert_eq!(contents(&v), ["https://b@github.com pb"]);
    }

    #[test]
    fn erase_by_protocol_and_host_forgets_every_user_of_that_host_only() {
        let v = vault();
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=a\npassword=pa\n",
        );
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=b\npassword=pb\n",
        );
        approve(
            &v,
            "protocol=http\nhost=127.0.0.1:8080\nusername=c\npassword=pc\n",
        );
        call(&v, Operation::Erase, "protocol=https\nhost=github.com\n").unwrap();
        assert_eq!(contents(&v), ["http://c@127.0.0.1:8080 pc"]);
    }

    #[test]
    fn erase_without_host_forgets_nothing() {
        let v = vault();
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=a\npassword=pa\n",
        );
        call(&v, Operation::Erase, "protocol=https\n").unwrap();
        call(&v, Operation::Erase, "host=github.com\n").unwrap();
        assert_eq!(contents(&v).len(), 1);
    }

    #[test]
    fn refused_input_answers_nothing_changes_nothing_and_says_why_without_the_secret() {
        let v = vault();
        approve(
            &v,
            "protocol=https\nhost=github.com\nusername=a\npassword=pa\n",
        );
        let before = contents(&v);
        for (op, req) in [
            (
                Operation::Get,
                "protocol=https\nhost=github.com\nhost=evil.example\n",
            ),
            (
                Operation::Store,
                "protocol=https\nhost=github.com\nusername=a\npassword=ghp_SECRET\rx\n",
            ),
            (
                Operation::Erase,
                "protocol=https\nhost=github.com\u{2028}\n",
            ),
            (Operation::Get, "url=https://github.com%0ahost=evil\n"),
            (
                Operation::Store,
                "protocol=https\nhost=github.com\nusername=a\npassword=ghp_SECRET\nquit=maybe\n",
            ),
        ] {
            let err = call(&v, op, req).unwrap_err();
            assert!(!err.contains('\n') && !err.contains("SECRET"), "{err}");
            assert!(err.starts_with("refused the request from git: "), "{err}");
        }
        assert_eq!(contents(&v), before);
    }

    #[test]
    fn login_targets_are_hosts_or_https_urls() {
        let q = Query::for_target("GitHub.com").unwrap();
        assert_eq!(q.origin.to_string(), "https://github.com");
        let q = Query::for_target("https://alice@gitlab.example.com:8443/g/r.git").unwrap();
        assert_eq!(q.origin.host.to_string(), "gitlab.example.com:8443");
        assert_eq!(q.username.as_deref(), Some("alice"));
        assert!(Query::for_target("http://github.com").is_err());
        assert!(Query::for_target("http://127.0.0.1:9").is_ok());
        assert!(Query::for_target("").is_err());
        assert!(Query::for_target("evil.example\\.ghe.com").is_err());
    }

    #[test]
    fn a_target_that_holds_a_token_is_never_repeated_in_an_error() {
        let e = Query::for_target("https://u:ghp_SECRET@github.com%0a/").unwrap_err();
        assert!(!format!("{e:#}").contains("ghp_SECRET"), "{e:#}");
        assert!(
            format!("{e:#}").contains("'https://…@github.com%0a/'"),
            "{e:#}"
        );
    }

    #[test]
    fn a_host_outside_the_grammar_is_refused_not_answered() {
        let v = vault();
        for host in [
            "evil.example\\.ghe.com",
            "a/b",
            "a?b",
            "a#b",
            "a@b",
            "a|b",
            "a b",
            "a\tb",
        ] {
            let req = format!("protocol=https\nhost={host}\n");
            let err = call(&v, Operation::Get, &req).unwrap_err();
            assert!(
                err.starts_with("refused the request from git: "),
                "{host}: {err}"
            );
        }
    }
}

//! One request on the agent's socket: who asks (the peer's uid), what (`get`, `store`,
//! `erase`, `exit`), and what the far side gets, with one line in the agent's log for each.
//!
//! `get` is the helper's own ([`helper::run`]): the host grammar, https only, the choice of
//! user, expiry and the lab timer are the ones git meets at home. The far side decides nothing
//! at home: its `store` is acknowledged or ignored, never written; its `erase` only makes the
//! agent ask the forge, and the forge's refusal, not the far side's word, erases the token.

use super::log::{Log, shown};
use super::request::{self, Action, Dropped};
use crate::forge::ValidationError;
use crate::helper::{self, Query};
use crate::host::Origin;
use crate::protocol::{self, Credential};
use crate::vault::{Vault, VaultError};
use secrecy::{ExposeSecret, SecretString};
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// What every request is served with: the keychain (opened once, so its connection and the
/// Secret Service's session are kept between requests), the allowed hosts and the agent's
/// rules.
pub(crate) struct Agent {
    /// The keychain.
    pub(crate) keychain: Keychain,
    /// The hosts whose tokens may be served (`--host`, or what `configure` set up).
    pub(crate) hosts: Vec<Origin>,
    /// `--confirm`: ask at the agent's terminal before each `get` is answered.
    pub(crate) confirm: bool,
    /// Whether the agent runs on a terminal where a person can log in or confirm.
    pub(crate) on_terminal: bool,
    /// The socket, named in the confirmation question.
    pub(crate) socket: PathBuf,
    /// How long a request may take to arrive.
    pub(crate) request_deadline: Duration,
    /// The file that remembers which expiry warnings were logged today; `None` logs none.
    pub(crate) expiry_record: Option<PathBuf>,
    /// One conversation at a time at the agent's terminal (a login flow, a confirmation).
    pub(crate) terminal: Mutex<()>,
    /// The log: one line per request.
    pub(crate) log: Log,
    /// When the forge last accepted a token a far side asked to erase, in seconds since the
    /// Unix epoch, by origin and user (see [`Agent::asked_lately`]).
    pub(crate) accepted: Mutex<std::collections::HashMap<String, u64>>,
}

/// The keychain the agent serves from: opened once and kept (its D-Bus connection and Secret
/// Service session with it), and opened again after it failed, so that a Secret Service that
/// was restarted while the agent ran is found again.
pub(crate) struct Keychain {
    vault: Mutex<Vault>,
    reopen: Box<dyn Fn() -> Result<Vault, VaultError> + Send + Sync>,
}

impl Keychain {
    /// `vault`, with `reopen` to open it again after a failure.
    pub(crate) fn new(
        vault: Vault,
        reopen: Box<dyn Fn() -> Result<Vault, VaultError> + Send + Sync>,
    ) -> Keychain {
        Keychain {
            vault: Mutex::new(vault),
            reopen,
        }
    }

    /// The open keychain (a clone shares its connection).
    pub(crate) fn vault(&self) -> Vault {
        self.vault.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Opens the keychain again after a failure; the new one when it opened.
    pub(crate) fn reopened(&self) -> Option<Vault> {
        let vault = (self.reopen)().ok()?;
        *self.vault.lock().unwrap_or_else(|e| e.into_inner()) = vault.clone();
        Some(vault)
    }
}

impl Agent {
    /// Checks a connection's peer and reads its request within the limits. `Err` when there
    /// is nothing to answer, with the line to log (none for an empty probe); the caller logs
    /// it unless the connection was closed to make room.
    pub(crate) fn receive(&self, stream: &UnixStream) -> Result<request::Request, Option<String>> {
        let own = crate::sys::effective_uid();
        match crate::sys::peer_uid(stream) {
            Ok(uid) if uid == own || uid == 0 => {}
            Ok(uid) => {
                return Err(Some(format!(
                    "refused a connection from uid {uid}: only uid 0 and the agent's own \
                     ({own}) may ask"
                )));
            }
            Err(e) => {
                return Err(Some(format!(
                    "refused a connection whose peer cannot be known: {e}"
                )));
            }
        }
        match request::read(stream, self.request_deadline) {
            Ok(request) => Ok(request),
            Err(Dropped::Empty) => Err(None),
            Err(e) => Err(Some(format!("dropped a request: {e}"))),
        }
    }

    /// Answers `request`, which came on `stream` at `now` (seconds since the Unix epoch), and
    /// logs what happened. Never fails: whatever goes wrong is a log line.
    pub(crate) fn answer(&self, request: request::Request, stream: UnixStream, now: u64) {
        match request.action {
            Action::Get => {
                if let Some((answer, line)) = self.get(&request.credential, now) {
                    let _ = (&stream).write_all(&answer);
                    // The far side's git reads to the end: end it before the log is written.
                    drop(stream);
                    self.log.line(&line);
                }
            }
            Action::Store => self.store(&request.credential, now),
            Action::Erase => {
                // The far side's git waits for the end of the answer: let it go on before
                // the forge is asked.
                drop(stream);
                self.erase(&request.credential, now);
            }
            Action::Exit => self
                .log
                .line("exit: ignored: the far side cannot stop this agent"),
            Action::Other(word) => self.log.line(&format!(
                "{}: ignored: not an action of git's credential-cache",
                shown(&word)
            )),
        }
    }

    /// A `store` from the far side: acknowledged when it hands back the token this agent
    /// serves for that request, and otherwise not written: the far side does not write to
    /// this keychain.
    pub(crate) fn store(&self, bytes: &[u8], now: u64) {
        let Some((request, query)) = self.read_query("store", bytes) else {
            return;
        };
        let host = query.origin.host.to_string();
        let user = named(request.username.as_deref());
        let served = self.allows(&query.origin)
            && helper::get(&query, &self.keychain.vault(), now).is_ok_and(|s| {
                s.answer
                    .and_then(|a| a.password)
                    .zip(request.password.as_ref())
                    .is_some_and(|(a, b)| a.expose_secret() == b.expose_secret())
            });
        let outcome = if served {
            "acknowledged: the token this agent serves"
        } else {
            "not written: the far side does not write to this keychain"
        };
        self.log.line(&format!("store {host}{user}: {outcome}"));
    }

    /// An `erase` from the far side, whose server refused a token: the forge is asked
    /// whether it still takes the token, and only a refusal there erases it here, as git's
    /// `erase` would.
    pub(crate) fn erase(&self, bytes: &[u8], now: u64) {
        let Some((request, query)) = self.read_query("erase", bytes) else {
            return;
        };
        let host = query.origin.host.to_string();
        let user = named(request.username.as_deref());
        let say = |outcome: &str| {
            self.log.line(&format!("erase {host}{user}: {outcome}"));
        };
        if !self.allows(&query.origin) {
            return say(&format!(
                "nothing erased: not one of this agent's hosts ({})",
                self.host_list()
            ));
        }
        let Some(password) = request.password.as_ref().filter(|p| self.holds(&query, p)) else {
            return say("nothing to erase: no stored token matches");
        };
        if self.asked_lately(&query, now) {
            return say(&format!(
                "kept: {host} was asked about this token less than a minute ago and accepted it"
            ));
        }
        let Some(forge) = crate::git::forge_at(&query.origin) else {
            return say(&format!(
                "kept: {host}'s forge is not known (credential.https://{host}.patForge), so it \
                 cannot be asked"
            ));
        };
        match forge.validate(password, now) {
            Ok(_) => {
                self.accepted(&query, now);
                say(&format!("kept: {host} still accepts the token"));
            }
            Err(ValidationError::BadCredentials { .. }) => {
                match helper::erase(&query, Some(password), &self.keychain.vault()) {
                    Ok(_) => say(&format!("erased: {host} refuses the token")),
                    Err(e) => say(&format!("kept: {host} refuses the token, but {e}")),
                }
            }
            Err(e) => say(&format!("kept: could not ask {host} ({e})")),
        }
    }

    /// Whether the forge accepted `query`'s token less than [`ASK_AGAIN_AFTER`] seconds
    /// before `now`: then a far side's `erase` is not passed on to the forge again, so that a
    /// far side cannot spend the person's API rate limit.
    fn asked_lately(&self, query: &Query, now: u64) -> bool {
        let accepted = self.accepted.lock().unwrap_or_else(|e| e.into_inner());
        accepted
            .get(&asked_key(query))
            .is_some_and(|&at| now.saturating_sub(at) < ASK_AGAIN_AFTER)
    }

    /// Remembers that the forge accepted `query`'s token at `now`.
    fn accepted(&self, query: &Query, now: u64) {
        let mut accepted = self.accepted.lock().unwrap_or_else(|e| e.into_inner());
        accepted.insert(asked_key(query), now);
    }

    /// Whether the keychain holds `password` for `query` (the credentials git's `erase` of
    /// it would forget, [`helper::holding`]).
    fn holds(&self, query: &Query, password: &SecretString) -> bool {
        helper::holding(query, Some(password), &self.keychain.vault()).is_ok_and(|h| !h.is_empty())
    }

    /// git's request in `bytes` and its query, or `None` after a log line saying why there is
    /// nothing to do.
    pub(crate) fn read_query(&self, action: &str, bytes: &[u8]) -> Option<(Credential, Query)> {
        let request = match protocol::read(&mut &bytes[..]) {
            Ok(request) => request,
            Err(e) => {
                self.log
                    .line(&format!("{action}: refused the request: {e}"));
                return None;
            }
        };
        match Query::for_get(&request) {
            Ok(Some(query)) => Some((request, query)),
            Ok(None) => {
                self.log.line(&format!(
                    "{action}: nothing to do: the request names no https host"
                ));
                None
            }
            Err(e) => {
                self.log.line(&format!("{action}: {e}"));
                None
            }
        }
    }

    /// Whether `origin` is one of the agent's hosts.
    pub(crate) fn allows(&self, origin: &Origin) -> bool {
        self.hosts.iter().any(|h| h == origin)
    }

    /// The agent's hosts, for messages: `github.com, gitlab.example.com`.
    pub(crate) fn host_list(&self) -> String {
        self.hosts
            .iter()
            .map(login_arg)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How long, in seconds, the forge's acceptance of a token answers a far side's `erase` of it.
const ASK_AGAIN_AFTER: u64 = 60;

/// What [`Agent::accepted`] remembers a forge's answer under: the origin and the user.
fn asked_key(query: &Query) -> String {
    format!(
        "{}\n{}",
        query.origin,
        query.username.as_deref().unwrap_or_default()
    )
}

/// ` (alice)` for a user name (escaped, cut short), nothing without one.
pub(crate) fn named(user: Option<&str>) -> String {
    user.map(|u| format!(" ({})", shown(u))).unwrap_or_default()
}

/// What `git credential-pat login` takes for `origin`: the host for https, else the URL.
pub(crate) fn login_arg(origin: &Origin) -> String {
    match origin.protocol.as_str() {
        "https" => origin.host.to_string(),
        _ => origin.to_string(),
    }
}

#[cfg(test)]
mod tests;

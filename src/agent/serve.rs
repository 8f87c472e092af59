//! One request on the agent's socket: who asks (the peer's uid), what (`get`, `store`,
//! `erase`, `exit`), and what the far side gets, with one line in the agent's log for each.
//!
//! `get` is the helper's own ([`helper::run`]): the host grammar, https only, the choice of
//! user, expiry and the lab timer are the ones git meets at home. The far side decides nothing
//! at home: its `store` is acknowledged or ignored, never written; its `erase` only makes the
//! agent ask the forge, and the forge's refusal, not the far side's word, erases the token.

use super::request::{self, Action, Dropped};
use crate::forge::ValidationError;
use crate::helper::{self, Operation, Query, Surroundings};
use crate::host::Origin;
use crate::protocol::{self, Credential};
use crate::show::escape;
use crate::tty::{Prompter, Tty};
use crate::vault::Vault;
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
    /// The keychain, opened once.
    pub(crate) vault: Vault,
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
}

/// The agent's log (its stderr): whole lines, one writer at a time, each with the time.
pub(crate) struct Log(pub(crate) Mutex<Box<dyn Write + Send>>);

impl Log {
    /// Writes `git-credential-pat agent: 04:41:50 UTC <line>`, at `now` (seconds since the
    /// Unix epoch).
    pub(crate) fn line(&self, now: u64, line: &str) {
        let mut out = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(
            out,
            "git-credential-pat agent: {} {line}",
            crate::show::utc_second(now)
        );
    }

    /// Writes `git-credential-pat agent: <line>` (no time): what the agent says once.
    pub(crate) fn say(&self, line: &str) {
        let mut out = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(out, "git-credential-pat agent: {line}");
    }
}

impl Agent {
    /// Serves one connection: checks the peer, reads its request within the limits, answers
    /// it, and logs what happened. Never fails: whatever goes wrong is a log line.
    pub(crate) fn handle(&self, stream: UnixStream, now: u64) {
        let own = crate::sys::effective_uid();
        match crate::sys::peer_uid(&stream) {
            Ok(uid) if uid == own || uid == 0 => {}
            Ok(uid) => {
                let line = format!(
                    "refused a connection from uid {uid}: only uid 0 and the agent's own \
                     ({own}) may ask"
                );
                return self.log.line(now, &line);
            }
            Err(e) => {
                let line = format!("refused a connection whose peer cannot be known: {e}");
                return self.log.line(now, &line);
            }
        }
        let request = match request::read(&stream, self.request_deadline) {
            Ok(request) => request,
            Err(Dropped::Empty) => return,
            Err(e) => return self.log.line(now, &format!("dropped a request: {e}")),
        };
        match request.action {
            Action::Get => {
                if let Some(answer) = self.get(&request.credential, now) {
                    let _ = (&stream).write_all(&answer);
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
                .line(now, "exit: ignored: the far side cannot stop this agent"),
            Action::Other(word) => self.log.line(
                now,
                &format!(
                    "{}: ignored: not an action of git's credential-cache",
                    escape(&word)
                ),
            ),
        }
    }

    /// The answer to a `get` (git-credential(1) lines: `username`, `password` and
    /// `password_expiry_utc` only), or `None` when nothing is served.
    pub(crate) fn get(&self, bytes: &[u8], now: u64) -> Option<Vec<u8>> {
        let (request, query) = self.read_query("get", bytes, now)?;
        let host = query.origin.host.to_string();
        let asked = named(request.username.as_deref());
        if !self.allows(&query.origin) {
            let line = format!(
                "get {host}{asked}: not served: not one of this agent's hosts ({})",
                self.host_list()
            );
            self.log.line(now, &line);
            return None;
        }
        let (answer, said, missing) = self.helper_get(bytes, now);
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => {
                self.log
                    .line(now, &format!("get {host}{asked}: not served: {e}"));
                return None;
            }
        };
        let Some(password) = answer.password.filter(|_| !answer.quit) else {
            let why = if missing {
                format!(
                    "no token stored; run `git credential-pat login {}` on this machine",
                    login_arg(&query.origin)
                )
            } else if !said.is_empty() {
                said.join("; ")
            } else {
                "no token was given at the agent's terminal".to_owned()
            };
            self.log
                .line(now, &format!("get {host}{asked}: not served: {why}"));
            return None;
        };
        let user = named(answer.username.as_deref());
        for line in &said {
            self.log.line(now, &format!("get {host}{user}: {line}"));
        }
        let who = escape(answer.username.as_deref().unwrap_or("the stored"));
        if self.confirm && !self.confirmed(&who, &host) {
            self.log.line(
                now,
                &format!("get {host}{user}: not served: refused at the terminal"),
            );
            return None;
        }
        let reply = Credential {
            username: answer.username,
            password: Some(password),
            password_expiry_utc: answer.password_expiry_utc,
            ..Credential::default()
        };
        let mut out = Vec::new();
        protocol::write(&reply, &mut out).ok()?;
        self.log.line(now, &format!("get {host}{user}: served"));
        Some(out)
    }

    /// Runs the helper's `get` on git's request `bytes`: its answer (empty for none), the
    /// lines it wrote for a person (without the `git-credential-pat: ` prefix), and whether
    /// nothing was stored and nobody could be asked.
    fn helper_get(
        &self,
        bytes: &[u8],
        now: u64,
    ) -> (Result<Credential, String>, Vec<String>, bool) {
        let mut said = Vec::new();
        let mut missing = false;
        let mut out = Vec::new();
        let result = {
            let mut on_missing = |request: &Credential,
                                  query: &Query,
                                  vault: &Vault,
                                  _: &mut dyn Write|
             -> anyhow::Result<Option<Credential>> {
                if !self.on_terminal {
                    missing = true;
                    return Ok(None);
                }
                let _turn = self.terminal.lock().unwrap_or_else(|e| e.into_inner());
                match crate::tty::flow_messages() {
                    Some(mut terminal) => {
                        crate::login::on_missing(request, query, vault, &mut terminal, now)
                    }
                    None => {
                        missing = true;
                        Ok(None)
                    }
                }
            };
            // No alarm(2) deadline: it would end the whole agent, not one request.
            let mut deadline = |_: bool| {};
            let mut around = Surroundings {
                stderr: &mut said,
                on_missing: &mut on_missing,
                expiry_record: self.expiry_record.clone(),
                deadline: &mut deadline,
                end: crate::ending::revoke,
            };
            helper::run(
                Operation::Get,
                &mut &bytes[..],
                &mut out,
                || Ok(self.vault.clone()),
                now,
                &mut around,
            )
        };
        let said = String::from_utf8_lossy(&said)
            .lines()
            .map(|l| l.trim_start_matches("git-credential-pat: ").to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        let answer = result
            .map_err(|e| e.to_string())
            .and_then(|()| protocol::read(&mut &out[..]).map_err(|e| e.to_string()));
        (answer, said, missing)
    }

    /// Asks at the agent's terminal whether to serve `who`'s token for `host`.
    fn confirmed(&self, who: &str, host: &str) -> bool {
        let _turn = self.terminal.lock().unwrap_or_else(|e| e.into_inner());
        let question = format!(
            "git-credential-pat agent: serve {who}'s token for {host} to the far side ({})? \
             [y/N] ",
            self.socket.display()
        );
        Tty.confirm(&question).unwrap_or(false)
    }

    /// A `store` from the far side: acknowledged when it hands back the token this agent
    /// serves for that request, and otherwise not written: the far side does not write to
    /// this keychain.
    pub(crate) fn store(&self, bytes: &[u8], now: u64) {
        let Some((request, query)) = self.read_query("store", bytes, now) else {
            return;
        };
        let host = query.origin.host.to_string();
        let user = named(request.username.as_deref());
        let served = self.allows(&query.origin)
            && helper::get(&query, &self.vault, now).is_ok_and(|s| {
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
        self.log
            .line(now, &format!("store {host}{user}: {outcome}"));
    }

    /// An `erase` from the far side, whose server refused a token: the forge is asked
    /// whether it still takes the token, and only a refusal there erases it here, as git's
    /// `erase` would.
    pub(crate) fn erase(&self, bytes: &[u8], now: u64) {
        let Some((request, _)) = self.read_query("erase", bytes, now) else {
            return;
        };
        let Ok(Some(query)) = Query::for_erase(&request) else {
            return;
        };
        let host = query.origin.host.to_string();
        let user = named(request.username.as_deref());
        let say = |outcome: &str| {
            self.log
                .line(now, &format!("erase {host}{user}: {outcome}"));
        };
        let held = match (&request.password, self.allows(&query.origin)) {
            (Some(password), true) => self.holds(&query, password),
            _ => false,
        };
        let (true, Some(password)) = (held, request.password.as_ref()) else {
            return say("nothing to erase: no stored token matches");
        };
        let Some(forge) = crate::git::forge_at(&query.origin) else {
            return say(&format!(
                "kept: which forge {host} is is not known, so it cannot be asked"
            ));
        };
        match forge.validate(password, now) {
            Ok(_) => say(&format!("kept: {host} still accepts the token")),
            Err(ValidationError::BadCredentials { .. }) => {
                match helper::erase(&query, Some(password), &self.vault) {
                    Ok(_) => say(&format!("erased: {host} refuses the token")),
                    Err(e) => say(&format!("kept: {host} refuses the token, but {e}")),
                }
            }
            Err(e) => say(&format!("kept: could not ask {host} ({e})")),
        }
    }

    /// Whether the keychain holds `password` for `query`'s origin (and user and path, when
    /// given).
    fn holds(&self, query: &Query, password: &SecretString) -> bool {
        let found = self.vault.find_user(
            &query.origin,
            query.username.as_deref(),
            query.path.as_deref(),
        );
        found.is_ok_and(|found| {
            found.iter().any(|f| {
                self.vault
                    .read(f)
                    .ok()
                    .flatten()
                    .is_some_and(|s| s.password.expose_secret() == password.expose_secret())
            })
        })
    }

    /// git's request in `bytes` and its query, or `None` after a log line saying why there is
    /// nothing to do.
    fn read_query(&self, action: &str, bytes: &[u8], now: u64) -> Option<(Credential, Query)> {
        let request = match protocol::read(&mut &bytes[..]) {
            Ok(request) => request,
            Err(e) => {
                self.log
                    .line(now, &format!("{action}: refused the request: {e}"));
                return None;
            }
        };
        match Query::for_get(&request) {
            Ok(Some(query)) => Some((request, query)),
            Ok(None) => {
                self.log.line(
                    now,
                    &format!("{action}: nothing to do: the request names no https host"),
                );
                None
            }
            Err(e) => {
                self.log.line(now, &format!("{action}: {e}"));
                None
            }
        }
    }

    /// Whether `origin` is one of the agent's hosts.
    fn allows(&self, origin: &Origin) -> bool {
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

/// ` (alice)` for a user name (escaped), nothing without one.
fn named(user: Option<&str>) -> String {
    user.map(|u| format!(" ({})", escape(u)))
        .unwrap_or_default()
}

/// What `git credential-pat login` takes for `origin`: the host for https, else the URL.
fn login_arg(origin: &Origin) -> String {
    match origin.protocol.as_str() {
        "https" => origin.host.to_string(),
        _ => origin.to_string(),
    }
}

#[cfg(test)]
mod tests;

//! A far side's `get`: the helper's own `get` ([`helper::run`]) for an allowed host, and what
//! happens at the agent's terminal: the login flow when nothing is stored, the `--confirm`
//! question. One conversation at a time holds the terminal, none for ever, and a request that
//! waited for the terminal looks at the keychain again before it starts its own.

use super::serve::{Agent, login_arg, named};
use crate::helper::{self, HelperError, Operation, Query, Surroundings};
use crate::protocol::{self, Credential};
use crate::show::escape;
use crate::vault::Vault;
use std::io::Write;
use std::sync::MutexGuard;
use std::time::{Duration, Instant};

/// How long a request waits for the agent's terminal while another conversation holds it.
const TERMINAL_WAIT: Duration = Duration::from_secs(60);

/// How long `--confirm`'s question waits for an answer.
const CONFIRM_WAIT: Duration = Duration::from_secs(60);

/// What the helper's `get` gave.
struct Outcome {
    /// Its answer (no password when nothing is served), or why it failed.
    answer: Result<Credential, HelperError>,
    /// The lines it wrote for a person, without the `git-credential-pat: ` prefix.
    said: Vec<String>,
    /// Why nobody was asked at the terminal although nothing was stored, if so.
    unasked: Option<String>,
}

impl Agent {
    /// The answer to a `get` (git-credential(1) lines: `username`, `password` and
    /// `password_expiry_utc`; or only `quit=1` when a lab's token ended or the person at the
    /// agent's terminal declined, as the helper answers git at home) and the log line to write
    /// once it is sent (so that a terminal that stops reading never holds up the far side); or
    /// `None`, after the log line, when nothing is answered. `now` is seconds since the Unix
    /// epoch.
    pub(crate) fn get(&self, bytes: &[u8], now: u64) -> Option<(Vec<u8>, String)> {
        let (request, query) = self.read_query("get", bytes)?;
        let host = query.origin.host.to_string();
        let asked = named(request.username.as_deref());
        if !self.allows(&query.origin) {
            self.log.line(&format!(
                "get {host}{asked}: not served: not one of this agent's hosts ({})",
                self.host_list()
            ));
            return None;
        }
        let mut outcome = self.helper_get(bytes, self.keychain.vault(), now);
        if matches!(outcome.answer, Err(HelperError::Vault(_)))
            && let Some(vault) = self.keychain.reopened()
        {
            // The keychain failed (a Secret Service restarted since the agent opened it): once
            // more, on a new connection.
            outcome = self.helper_get(bytes, vault, now);
        }
        let answer = match outcome.answer {
            Ok(answer) => answer,
            Err(e) => {
                self.log
                    .line(&format!("get {host}{asked}: not served: {e:#}"));
                return None;
            }
        };
        let said = outcome.said;
        if answer.quit {
            // The helper stops git after a lab's token ended (or the person declined): the far
            // side's git is stopped too, rather than walked into a token typed there.
            let why = match said.is_empty() {
                // The login flow told the person at the terminal; the log says what came of it.
                true => "no token was given at the agent's terminal".to_owned(),
                false => said.join("; "),
            };
            let mut out = Vec::new();
            let quit = Credential {
                quit: true,
                ..Credential::default()
            };
            protocol::write(&quit, &mut out).ok()?;
            return Some((out, format!("get {host}{asked}: not served: {why}")));
        }
        let Some(password) = answer.password else {
            let why = match outcome.unasked {
                Some(why) => why,
                None if !said.is_empty() => said.join("; "),
                None => "no token was stored at the agent's terminal".to_owned(),
            };
            self.log
                .line(&format!("get {host}{asked}: not served: {why}"));
            return None;
        };
        let user = named(answer.username.as_deref());
        if self.confirm
            && let Err(why) = self.confirmed(answer.username.as_deref(), &host)
        {
            self.log
                .line(&format!("get {host}{user}: not served: {why}"));
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
        // One line per request: what the helper would tell a person at home (an expiry
        // warning, another user's token served) follows on the same line.
        let notes: String = said.iter().map(|l| format!("; {l}")).collect();
        Some((out, format!("get {host}{user}: served{notes}")))
    }

    /// Runs the helper's `get` on git's request `bytes` over `vault`.
    fn helper_get(&self, bytes: &[u8], vault: Vault, now: u64) -> Outcome {
        let mut said = Vec::new();
        let mut unasked = None;
        let mut out = Vec::new();
        let result = {
            let mut on_missing = |request: &Credential,
                                  query: &Query,
                                  vault: &Vault,
                                  _: &mut dyn Write|
             -> anyhow::Result<Option<Credential>> {
                match self.login_at_terminal(request, query, vault, now) {
                    Ok(answer) => answer,
                    Err(why) => {
                        unasked = Some(why);
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
                || Ok(vault),
                now,
                &mut around,
            )
        };
        let said = String::from_utf8_lossy(&said)
            .lines()
            .map(|l| {
                l.trim_start_matches("git-credential-pat: ")
                    .trim_end_matches('.')
                    .to_owned()
            })
            .filter(|l| !l.is_empty())
            .collect();
        let answer = result.and_then(|()| protocol::read(&mut &out[..]).map_err(Into::into));
        Outcome {
            answer,
            said,
            unasked,
        }
    }

    /// The login flow at the agent's terminal for a request nothing is stored for; `Err` with
    /// the reason when nobody can be asked there, so that the log says what to run instead.
    fn login_at_terminal(
        &self,
        request: &Credential,
        query: &Query,
        vault: &Vault,
        now: u64,
    ) -> Result<anyhow::Result<Option<Credential>>, String> {
        let run_login = format!(
            "run `git credential-pat login {}` on this machine",
            login_arg(&query.origin)
        );
        let stored = match &request.username {
            Some(user) => format!("no token stored for {}", escape(user)),
            None => "no token stored".to_owned(),
        };
        if !self.on_terminal {
            return Err(format!("{stored}; {run_login}"));
        }
        let Some(_turn) = self.terminal_turn() else {
            return Err(format!(
                "{stored}, and the agent's terminal stayed busy; {run_login}"
            ));
        };
        // Another request may have stored one while this one waited for the terminal.
        if let Ok(served) = helper::get(query, vault, now)
            && let Some(answer) = served.answer
        {
            return Ok(Ok(Some(answer)));
        }
        if !crate::tty::in_foreground() {
            return Err(format!(
                "{stored}, and the agent's terminal is not in the foreground (`fg` brings it \
                 back); {run_login}"
            ));
        }
        let Some(mut terminal) = crate::tty::flow_messages() else {
            return Err(format!("{stored}; {run_login}"));
        };
        Ok(crate::login::on_missing(
            request,
            query,
            vault,
            &mut terminal,
            now,
        ))
    }

    /// Asks at the agent's terminal whether to serve `user`'s token for `host`; `Err` with the
    /// reason when it is not to be served.
    fn confirmed(&self, user: Option<&str>, host: &str) -> Result<(), String> {
        let Some(_turn) = self.terminal_turn() else {
            return Err("the agent's terminal stayed busy with another question".to_owned());
        };
        if !crate::tty::in_foreground() {
            return Err(
                "the agent's terminal is not in the foreground (`fg` brings it back)".to_owned(),
            );
        }
        let whose = match user {
            Some(user) => format!("{}'s token", escape(user)),
            None => "the token".to_owned(),
        };
        let question = format!(
            "git-credential-pat agent: serve {whose} for {host} to the far side ({})? [y/N] ",
            self.socket.display()
        );
        match crate::tty::confirm_within(&question, CONFIRM_WAIT) {
            Ok(Some(true)) => Ok(()),
            Ok(Some(false)) => Err("refused at the terminal".to_owned()),
            Ok(None) => Err(format!(
                "not answered at the terminal within {} seconds",
                CONFIRM_WAIT.as_secs()
            )),
            Err(e) => Err(format!("could not ask at the terminal: {e}")),
        }
    }

    /// The agent's terminal, once no other conversation holds it, waiting at most
    /// [`TERMINAL_WAIT`].
    fn terminal_turn(&self) -> Option<MutexGuard<'_, ()>> {
        let until = Instant::now() + TERMINAL_WAIT;
        loop {
            match self.terminal.try_lock() {
                Ok(turn) => return Some(turn),
                Err(std::sync::TryLockError::Poisoned(e)) => return Some(e.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) if Instant::now() < until => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(std::sync::TryLockError::WouldBlock) => return None,
            }
        }
    }
}

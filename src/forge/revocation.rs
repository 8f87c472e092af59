//! Revocation at the forges: the typed outcome of asking a forge to revoke a token
//! ([`Revocation`], whose `Display` is the one wording of each outcome), how one revocation
//! answer is read (status and rate-limit headers, [`Verdict`]), and [`Forge::revoke`], which
//! sends each forge's requests as its API documents them (docs/FORGES.md, "Revocation").

use super::api::{Call, is_rate_limited, reset_advice};
use super::{API_TIMEOUT, Forge, ForgeKind, RevocationMethod, api, gitea, github, gitlab};
use crate::host::Host;
use reqwest::blocking::RequestBuilder;
use secrecy::SecretString;
use std::time::Duration;

/// What asking a forge to revoke one token came to ([`Forge::revoke`]), with what a person
/// needs to finish the job: its `Display` is the one wording of each outcome, e.g. `revoked at
/// GitHub`, or `GitLab did not revoke it (HTTP 500); delete it by hand at https://…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// The forge accepted the revocation: the token is dead.
    Revoked {
        /// The forge that revoked it.
        forge: ForgeKind,
    },
    /// The forge no longer accepts the token (GitLab, GitHub Enterprise Server: 401), so
    /// there is nothing left to revoke: the token is dead.
    AlreadyInvalid {
        /// The forge that said so.
        forge: ForgeKind,
    },
    /// No request can revoke it here (Gitea/Forgejo, a fine-grained token on GitHub
    /// Enterprise Server, an unknown forge): it stays live until it expires, unless the person
    /// deletes it by hand.
    ByHand {
        /// Why, as a sentence.
        why: String,
        /// The page to delete it on; `None` when the forge is not known.
        page: Option<String>,
    },
    /// The forge answered and did not revoke it (HTTP 422, 500, a server without the API).
    Refused {
        /// The forge's answer, as a sentence.
        why: String,
        /// The page to delete it on by hand.
        page: Option<String>,
    },
    /// The forge could not be asked now (no network, a timeout, the rate limit used up).
    NotAsked {
        /// What went wrong, as a sentence.
        why: String,
        /// The page to delete it on by hand.
        page: Option<String>,
    },
}

impl Revocation {
    /// The outcome for a token on `host`, whose forge no rule names.
    pub(crate) fn unknown_forge(host: &Host) -> Revocation {
        Revocation::ByHand {
            why: format!("which forge {host} is, is not known, so it cannot be revoked here"),
            page: None,
        }
    }

    /// Whether the token no longer works at its forge ([`Revocation::Revoked`] or
    /// [`Revocation::AlreadyInvalid`]).
    pub(crate) fn is_dead(&self) -> bool {
        matches!(
            self,
            Revocation::Revoked { .. } | Revocation::AlreadyInvalid { .. }
        )
    }
}

impl std::fmt::Display for Revocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Revocation::Revoked { forge } => write!(f, "revoked at {forge}"),
            Revocation::AlreadyInvalid { forge } => write!(
                f,
                "{forge} no longer accepts it (already revoked or expired)"
            ),
            Revocation::ByHand { why, page }
            | Revocation::Refused { why, page }
            | Revocation::NotAsked { why, page } => match page {
                Some(page) => write!(f, "{why}; delete it by hand at {page}"),
                None => f.write_str(why),
            },
        }
    }
}

/// What one revocation request (or the decision not to send one) came to, before
/// [`Forge::revoke`] names the forge and the page of each token ([`Revocation`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    /// See [`Revocation::Revoked`].
    Revoked,
    /// See [`Revocation::AlreadyInvalid`].
    AlreadyInvalid,
    /// See [`Revocation::ByHand`]: why.
    ByHand(String),
    /// See [`Revocation::Refused`]: why.
    Refused(String),
    /// See [`Revocation::NotAsked`]: why.
    NotAsked(String),
}

/// What a revocation request was answered: the status and the rate-limit headers.
pub(super) struct Sent {
    /// The HTTP status.
    pub(super) status: u16,
    /// `x-ratelimit-remaining` (GitHub) or `ratelimit-remaining` (GitLab), when sent.
    pub(super) remaining: Option<u64>,
    /// Whether the headers say the limit is used up (`…-remaining: 0` or a `retry-after`).
    pub(super) rate_limited: bool,
    /// When the limit resets, in seconds since the Unix epoch (UTC), from
    /// `x-ratelimit-reset`, `ratelimit-reset` or `retry-after`.
    pub(super) reset: Option<u64>,
}

/// Why a revocation was not sent for a token with characters an HTTP header cannot carry.
pub(super) const UNSENDABLE: &str = "the token cannot be sent in an HTTP header";

impl Call<'_> {
    /// Sends one revocation `request` and reads its status: 2xx revoked; 401 (only when
    /// `authenticated`, i.e. the request carried the token) a token that no longer works; 422
    /// GitHub's "validation failed, or the endpoint has been spammed"; anything else not
    /// revoked.
    pub(super) fn revocation(&self, request: RequestBuilder, authenticated: bool) -> Verdict {
        match self.send_revocation(request) {
            Ok(answer) => self.revocation_verdict(&answer, authenticated),
            Err(why) => Verdict::NotAsked(why),
        }
    }

    /// Sends one revocation `request`; `Err` is the network failure as a sentence.
    pub(super) fn send_revocation(&self, request: RequestBuilder) -> Result<Sent, String> {
        let response = request
            .send()
            .map_err(|e| self.network_error(&e).to_string())?;
        let headers = response.headers();
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let reset = number("x-ratelimit-reset")
            .or_else(|| number("ratelimit-reset"))
            .or_else(|| number("retry-after").map(|after| self.now + after));
        Ok(Sent {
            status: response.status().as_u16(),
            remaining: number("x-ratelimit-remaining").or_else(|| number("ratelimit-remaining")),
            rate_limited: is_rate_limited(headers) || headers.contains_key("retry-after"),
            reset,
        })
    }

    /// What a revocation answer says, as [`Call::revocation`] reads it.
    pub(super) fn revocation_verdict(&self, answer: &Sent, authenticated: bool) -> Verdict {
        match answer.status {
            200..=299 => Verdict::Revoked,
            401 if authenticated => Verdict::AlreadyInvalid,
            403 | 429 if answer.rate_limited || answer.status == 429 => {
                Verdict::NotAsked(self.rate_limit_sentence(answer.reset))
            }
            422 => Verdict::Refused(format!(
                "{} refused the revocation (422: validation failed, or the endpoint has been \
                 spammed); try again later",
                self.name()
            )),
            status => {
                Verdict::Refused(format!("{} did not revoke it (HTTP {status})", self.name()))
            }
        }
    }

    /// The sentence for a revocation not tried, or refused, because the rate limit is used
    /// up; `reset` as in [`Sent::reset`].
    pub(super) fn rate_limit_sentence(&self, reset: Option<u64>) -> String {
        format!(
            "{}'s rate limit for revocations is used up for now (it is shared by everyone \
             behind this network address); {}",
            self.name(),
            reset_advice(reset)
        )
    }
}

impl Forge {
    /// Revokes `tokens` at the forge, so that they stop working everywhere; one
    /// [`Revocation`] per token, in order, each request waiting at most [`API_TIMEOUT`]. `now`
    /// (seconds since the Unix epoch, UTC) dates a rate limit's `retry-after`. How depends on
    /// [`ForgeKind::revocation`]:
    ///
    /// - [`RevocationMethod::GitHubBatch`] (github.com, GHE.com): `POST {api_base}/credentials/revoke` with
    ///   `{"credentials": [...]}`, unauthenticated as the endpoint requires, up to 1000 tokens a
    ///   request; `202 Accepted` means revoked (GitHub Docs, REST API "Revoke a list of
    ///   credentials", docs/FORGES.md).
    ///   A `422` for a batch is retried one token a request within the rate limit.
    /// - [`RevocationMethod::GitHubEachAuthenticated`] (GitHub Enterprise Server 3.18+): the
    ///   same path, one request per token, authenticated with that token; a token the
    ///   endpoint does not take ([`Forge::cannot_revoke`]) is not sent, and a `404` (a server
    ///   before 3.18) ends the sending.
    /// - [`RevocationMethod::GitLabSelf`]: `DELETE {api_base}/personal_access_tokens/self` with
    ///   `PRIVATE-TOKEN`; `204` means revoked, `401` that the token no longer works anyway.
    /// - [`RevocationMethod::OnThePage`] (Gitea/Forgejo): not sent.
    ///
    /// Every outcome but a dead token names the page where the person deletes the token by
    /// hand ([`Forge::delete_page`]).
    pub(crate) fn revoke(&self, tokens: &[&SecretString], now: u64) -> Vec<Revocation> {
        self.revoke_within(tokens, API_TIMEOUT, now)
    }

    /// [`Forge::revoke`], waiting at most `timeout` a request: the unit tests' short wait.
    pub(crate) fn revoke_within(
        &self,
        tokens: &[&SecretString],
        timeout: Duration,
        now: u64,
    ) -> Vec<Revocation> {
        use secrecy::ExposeSecret;
        let verdicts = self.verdicts(tokens, timeout, now);
        verdicts
            .into_iter()
            .zip(tokens)
            .map(|(verdict, token)| {
                let page = || Some(self.delete_page(self.kind_of(token.expose_secret())));
                match verdict {
                    Verdict::Revoked => Revocation::Revoked { forge: self.kind },
                    Verdict::AlreadyInvalid => Revocation::AlreadyInvalid { forge: self.kind },
                    Verdict::ByHand(why) => Revocation::ByHand { why, page: page() },
                    Verdict::Refused(why) => Revocation::Refused { why, page: page() },
                    Verdict::NotAsked(why) => Revocation::NotAsked { why, page: page() },
                }
            })
            .collect()
    }

    /// Why no request can revoke `token` here, known before any is sent: a token other than a
    /// classic `ghp_` one on GitHub Enterprise Server (its 3.18 reference), any token on
    /// Gitea/Forgejo; as the [`Revocation::ByHand`] that [`Forge::revoke`] would give it.
    /// `None` when a request may revoke it.
    pub(crate) fn cannot_revoke(&self, token: &SecretString) -> Option<Revocation> {
        use secrecy::ExposeSecret;
        let kind = self.kind_of(token.expose_secret());
        let why = match self.kind.revocation() {
            RevocationMethod::GitHubEachAuthenticated => {
                github::ghes_cannot_revoke(kind)?.to_owned()
            }
            RevocationMethod::OnThePage => gitea::cannot_revoke(self),
            RevocationMethod::GitHubBatch | RevocationMethod::GitLabSelf => return None,
        };
        Some(Revocation::ByHand {
            why,
            page: Some(self.delete_page(kind)),
        })
    }

    fn verdicts(&self, tokens: &[&SecretString], timeout: Duration, now: u64) -> Vec<Verdict> {
        let method = self.kind.revocation();
        if method == RevocationMethod::OnThePage {
            return gitea::revoke(self, tokens);
        }
        let client = match self.http_client(timeout) {
            Ok(client) => client,
            Err(e) => {
                return tokens
                    .iter()
                    .map(|_| Verdict::NotAsked(e.to_string()))
                    .collect();
            }
        };
        let call = api::Call {
            forge: self,
            client: &client,
            token: "",
            timeout,
            now,
        };
        match method {
            RevocationMethod::GitHubBatch => github::revoke_batch(&call, tokens),
            RevocationMethod::GitHubEachAuthenticated => github::revoke_each(&call, tokens),
            RevocationMethod::GitLabSelf => gitlab::revoke(&call, tokens),
            RevocationMethod::OnThePage => gitea::revoke(self, tokens),
        }
    }
}

#[cfg(test)]
mod tests;

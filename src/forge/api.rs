//! The HTTP side of every forge: the client (reqwest's blocking client over rustls, proxies
//! from the environment, redirects only within the API's origin), one [`Call`] of the API and
//! the reading of its answer, the typed errors a beginner can act on ([`ValidationError`]), what
//! an answer says about a token ([`TokenInfo`]) or a revocation ([`Revocation`]), and the
//! headers every forge sends alike (rate limits, `retry-after`, `location`).
//!
//! Follows what docs/FORGES.md quotes and links: GitHub's REST API description (status codes,
//! `message` bodies, `x-ratelimit-remaining`/`x-ratelimit-reset`, `retry-after`), GitLab's
//! (`ratelimit-*` headers, `error`/`error_description` bodies) and Gitea's (`message`). Each forge's own headers and dates
//! are read in its own file (`github::parse_github_expiry`, `gitlab::parse_gitlab_date`). A token never appears in an error
//! message or in `Debug` output, and is only ever sent over https (plain http only to this
//! machine's loopback).

use super::{Forge, TokenKind, is_loopback};
use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::time::Duration;

/// What the forge's API said about a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenInfo {
    /// The account the token belongs to: the username git should store with it
    /// ([`UNKNOWN_LOGIN`](super::UNKNOWN_LOGIN) when GitLab would not say).
    pub(crate) login: String,
    /// The scopes the token carries; `None` when the forge reports none (fine-grained and GitHub
    /// App tokens, Gitea), `Some(vec![])` for a classic token with no scope ticked.
    pub(crate) scopes: Option<Vec<String>>,
    /// When the token expires, in seconds since the Unix epoch (UTC); `None` when it does not,
    /// the forge does not say, or what it said cannot be right (see `ignored_expiry`).
    pub(crate) expires_at: Option<u64>,
    /// An expiry the forge reported at or before the moment it accepted the token (seconds
    /// since the Unix epoch, UTC), which is therefore not believed and not stored:
    /// google/go-github#3708 reports `GitHub-Authentication-Token-Expiration` equal to the
    /// current time for a working fine-grained token (docs/FORGES.md, GitHub, "Checking a
    /// token"). `None` when nothing was set aside. The caller says so.
    pub(crate) ignored_expiry: Option<u64>,
    /// What the token is, by its prefix.
    pub(crate) kind: TokenKind,
}

/// Why a token could not be confirmed. `Display` is one sentence a beginner can act on, naming
/// the forge and what to do next; neither `Display` nor `Debug` ever contains the token.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ValidationError {
    /// HTTP 401: the forge does not know the token (mistyped, cut short, expired or revoked).
    #[error(
        "{forge} did not accept this token (401 Bad credentials). Was all of it copied? \
         It may also have expired or been revoked; if so, create a new one at {token_page}"
    )]
    BadCredentials {
        /// [`Forge::name`].
        forge: &'static str,
        /// Where to create a new token ([`Forge::token_page_url`]).
        token_page: String,
    },
    /// HTTP 403 or 429 with `x-ratelimit-remaining: 0` (or a `retry-after`): too many requests.
    #[error("{forge}'s API rate limit is used up for now; {}", reset_advice(*.reset_utc))]
    RateLimited {
        /// [`Forge::name`].
        forge: &'static str,
        /// When the limit resets, in seconds since the Unix epoch (UTC), from
        /// `x-ratelimit-reset` (GitHub), `ratelimit-reset` (GitLab) or `retry-after`.
        reset_utc: Option<u64>,
    },
    /// HTTP 403 with `X-GitHub-SSO: required; url=…`: the token is good but an organization
    /// enforcing SAML single sign-on has not authorized it.
    #[error(
        "{forge} knows this token, but an organization that uses single sign-on (SAML) has not \
         authorized it; {}",
        sso_advice(.url.as_deref())
    )]
    SsoRequired {
        /// [`Forge::name`].
        forge: &'static str,
        /// The authorization address from the header, when it gave one.
        url: Option<String>,
    },
    /// Any other HTTP 403: the token is known but may not do this.
    #[error(
        "{forge} refused this token (HTTP {status}{}); check the token's scopes or permissions, \
         or wait a while if many tokens were tried",
        message_suffix(.message)
    )]
    Forbidden {
        /// [`Forge::name`].
        forge: &'static str,
        /// The HTTP status (403).
        status: u16,
        /// The API's own `message` (or `error_description`), cleaned and shortened; may be empty.
        message: String,
    },
    /// No answer within the timeout.
    #[error(
        "{api} did not answer within {seconds} s; there may be no network, or a proxy may be \
         needed (HTTPS_PROXY)"
    )]
    Timeout {
        /// The API base asked.
        api: String,
        /// The timeout, in whole seconds (rounded up).
        seconds: u64,
    },
    /// No connection: refused, DNS, TLS.
    #[error("could not reach {api} ({detail}); there may be no network, or the address is wrong")]
    Unreachable {
        /// The API base asked.
        api: String,
        /// The innermost cause, e.g. `Connection refused (os error 111)`.
        detail: String,
    },
    /// The API base is plain `http://` on a host that is not this machine's loopback.
    #[error(
        "refusing to send the token to {api}: the API must use https:// (plain http:// is \
         allowed only on this machine's loopback address); fix credential.<url>.patApiUrl"
    )]
    InsecureApi {
        /// The API base refused.
        api: String,
    },
    /// The API base is not a URL at all.
    #[error("the forge's API address {api} is not a valid URL; fix credential.<url>.patApiUrl")]
    BadApiUrl {
        /// The API base refused.
        api: String,
    },
    /// Anything else: 5xx, a redirect elsewhere, a body that is not the expected JSON.
    #[error(
        "{forge}'s API answered something unexpected ({}); try again later, and check \
         credential.<url>.patApiUrl if this is your own server",
        unexpected_detail(*.status, .detail)
    )]
    Unexpected {
        /// [`Forge::name`].
        forge: &'static str,
        /// The HTTP status, 0 when there was none.
        status: u16,
        /// What was wrong.
        detail: String,
    },
}

impl ValidationError {
    /// True for [`ValidationError::Timeout`] and [`ValidationError::Unreachable`]: the forge
    /// never judged the token, so the caller may offer to store it unchecked.
    pub(crate) fn is_network(&self) -> bool {
        matches!(self, Self::Timeout { .. } | Self::Unreachable { .. })
    }
}

pub(super) fn reset_advice(reset_utc: Option<u64>) -> String {
    match reset_utc.map(crate::show::utc_clock) {
        Some(at) => format!("it resets at {at}, so try again after that"),
        None => "wait a few minutes and try again".to_owned(),
    }
}

fn sso_advice(url: Option<&str>) -> String {
    match url {
        Some(url) => format!("open {url} to authorize it, then try again"),
        None => "authorize it with \"Configure SSO\" next to the token on the token page, \
                 then try again"
            .to_owned(),
    }
}

fn message_suffix(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

fn unexpected_detail(status: u16, detail: &str) -> String {
    match status {
        0 => detail.to_owned(),
        _ => format!("HTTP {status}: {detail}"),
    }
}

/// The `Accept` header of the forges that speak plain JSON (GitLab, Gitea).
pub(super) const JSON: &[(&str, &str)] = &[("accept", "application/json")];

impl Forge {
    /// `api_base` as a URL the token may be sent to.
    fn checked_api(&self) -> Result<Url, ValidationError> {
        let api = Url::parse(&self.api_base).map_err(|_| ValidationError::BadApiUrl {
            api: self.api_base.clone(),
        })?;
        match api.scheme() {
            "https" => Ok(api),
            "http" if is_loopback(&api) => Ok(api),
            "http" => Err(ValidationError::InsecureApi {
                api: self.api_base.clone(),
            }),
            _ => Err(ValidationError::BadApiUrl {
                api: self.api_base.clone(),
            }),
        }
    }

    /// The HTTP client for this forge's API, after [`Forge::checked_api`] allowed it.
    pub(super) fn http_client(
        &self,
        timeout: Duration,
    ) -> Result<reqwest::blocking::Client, ValidationError> {
        let api = self.checked_api()?;
        // reqwest drops `Authorization` on a cross-host redirect but not GitLab's
        // `PRIVATE-TOKEN`, so never follow a redirect off the API's origin.
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            let same_origin = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == attempt.url().origin());
            if same_origin && attempt.previous().len() <= 3 {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        let mut builder = reqwest::blocking::Client::builder()
            .user_agent(concat!("git-credential-pat/", env!("CARGO_PKG_VERSION")))
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(redirects);
        if is_loopback(&api) {
            // A proxy cannot reach this machine's loopback; asking one would only fail.
            builder = builder.no_proxy();
        }
        builder.build().map_err(|e| ValidationError::Unexpected {
            forge: self.name(),
            status: 0,
            detail: format!("could not set up an HTTPS client: {}", innermost(&e)),
        })
    }
}

/// One exchange with the forge's API: the forge, the client and the token (empty for an
/// unauthenticated request), so the per-forge steps stay short.
pub(super) struct Call<'a> {
    pub(super) forge: &'a Forge,
    pub(super) client: &'a reqwest::blocking::Client,
    pub(super) token: &'a str,
    pub(super) timeout: Duration,
    /// Now, seconds since the Unix epoch (UTC): the caller's clock, for a `retry-after`.
    pub(super) now: u64,
}

/// The parts of an answer the checks read; the body is read at most once.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) headers: HeaderMap,
    response: reqwest::blocking::Response,
}

/// The error bodies of all three forges: GitHub and Gitea `message`, GitLab `message` or
/// `error`/`error_description` (OAuth-style, e.g. `insufficient_scope`). A body of another
/// shape (GitLab sometimes sends `message` as an object) reads as no message.
#[derive(serde::Deserialize, Default)]
struct ApiMessage {
    message: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `prefix + token` as a header value kept out of reqwest's and http's `Debug` output; `None`
/// when the token has characters a header cannot carry.
pub(super) fn secret_header(prefix: &str, token: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("{prefix}{token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

impl Call<'_> {
    pub(super) fn name(&self) -> &'static str {
        self.forge.name()
    }

    /// `GET {api_base}{path}` with the token in `header` as `prefix + token`, and the forge's
    /// `accept` headers.
    pub(super) fn get(
        &self,
        path: &str,
        header: &'static str,
        prefix: &str,
        accept: &[(&'static str, &'static str)],
    ) -> Result<Answer, ValidationError> {
        let url = format!("{}{path}", self.forge.api_base);
        let secret = secret_header(prefix, self.token).ok_or_else(|| {
            self.unexpected(
                0,
                "the token has characters that cannot be sent in an HTTP header".to_owned(),
            )
        })?;
        let mut request = self
            .client
            .get(&url)
            .header(HeaderName::from_static(header), secret);
        for (name, value) in accept {
            request = request.header(*name, *value);
        }
        let response = request.send().map_err(|e| self.network_error(&e))?;
        Ok(Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            response,
        })
    }

    pub(super) fn network_error(&self, e: &reqwest::Error) -> ValidationError {
        let api = self.forge.api_base.clone();
        if e.is_timeout() {
            ValidationError::Timeout {
                api,
                seconds: self.timeout.as_secs() + u64::from(self.timeout.subsec_nanos() > 0),
            }
        } else if e.is_redirect() {
            self.unexpected(0, "it redirected too often".to_owned())
        } else {
            ValidationError::Unreachable {
                api,
                detail: self.clean(&innermost(e)),
            }
        }
    }

    pub(super) fn unexpected(&self, status: u16, detail: String) -> ValidationError {
        ValidationError::Unexpected {
            forge: self.name(),
            status,
            detail,
        }
    }

    /// The 401 sentence, with the token page to make a new token on.
    pub(super) fn bad_credentials(&self) -> ValidationError {
        ValidationError::BadCredentials {
            forge: self.name(),
            token_page: self.forge.token_page_url("git-credential-pat"),
        }
    }

    /// Reads a JSON body of a 2xx answer.
    pub(super) fn json<T: serde::de::DeserializeOwned>(
        &self,
        answer: Answer,
        what: &str,
    ) -> Result<T, ValidationError> {
        let status = answer.status;
        answer.response.json::<T>().map_err(|e| {
            if e.is_timeout() {
                self.network_error(&e)
            } else {
                self.unexpected(
                    status,
                    format!(
                        "{what} was not the JSON expected; is {} the API's address?",
                        self.forge.api_base
                    ),
                )
            }
        })
    }

    /// The error for an answer that is not 2xx.
    pub(super) fn refused(&self, answer: Answer, path: &str) -> ValidationError {
        self.refused_with(answer, path, |_, _| None)
    }

    /// [`Call::refused`], with `special` asked (status, headers) after the 401 and rate-limit
    /// checks and before the body is read, for a forge's own refusals (GitHub's SSO).
    pub(super) fn refused_with(
        &self,
        answer: Answer,
        path: &str,
        special: impl FnOnce(u16, &HeaderMap) -> Option<ValidationError>,
    ) -> ValidationError {
        let Answer {
            status,
            headers,
            response,
        } = answer;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        if status == 401 {
            return self.bad_credentials();
        }
        if status == 429
            || (status == 403 && (is_rate_limited(&headers) || header("retry-after").is_some()))
        {
            let reset = ["x-ratelimit-reset", "ratelimit-reset"]
                .iter()
                .find_map(|h| header(h).and_then(|v| v.parse::<u64>().ok()))
                .or_else(|| {
                    let after = header("retry-after")?.parse::<u64>().ok()?;
                    Some(self.now + after)
                });
            return ValidationError::RateLimited {
                forge: self.name(),
                reset_utc: reset,
            };
        }
        if let Some(e) = special(status, &headers) {
            return e;
        }
        let location = header("location").map(|l| self.clean(l));
        let body: ApiMessage = response.json().unwrap_or_default();
        let message = body
            .message
            .or(body.error_description)
            .or(body.error)
            .map(|m| self.clean(&m))
            .unwrap_or_default();
        if status == 403 {
            return ValidationError::Forbidden {
                forge: self.name(),
                status,
                message,
            };
        }
        let mut detail = format!("GET {}{path}", self.forge.api_base);
        if let Some(to) = location.filter(|_| (300..400).contains(&status)) {
            detail.push_str(&format!(" redirected to {to}"));
        }
        if !message.is_empty() {
            detail.push_str(&format!(": {message}"));
        }
        if status == 404 {
            detail.push_str(&format!("; is {} the API's address?", self.forge.api_base));
        }
        self.unexpected(status, detail)
    }

    /// Text from the server or the network made safe for an error message: the token (should
    /// a server ever echo it) replaced, control characters dropped, at most 200 characters.
    pub(super) fn clean(&self, text: &str) -> String {
        let text = if self.token.is_empty() {
            text.to_owned()
        } else {
            text.replace(self.token, "[token]")
        };
        let mut out: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(200)
            .collect();
        if text.chars().count() > 200 {
            out.push('…');
        }
        out.trim().to_owned()
    }
}

/// Whether a `x-ratelimit-remaining` (GitHub, Gitea) or `ratelimit-remaining` (GitLab) header
/// says the rate limit is used up.
pub(super) fn is_rate_limited(headers: &HeaderMap) -> bool {
    ["x-ratelimit-remaining", "ratelimit-remaining"]
        .iter()
        .any(|h| headers.get(*h).and_then(|v| v.to_str().ok()).map(str::trim) == Some("0"))
}

/// The innermost cause of a reqwest error (`Connection refused (os error 111)`, a DNS or TLS
/// failure), which says more than reqwest's own "error sending request".
fn innermost(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests;

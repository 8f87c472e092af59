//! The HTTP side of every forge: the client (reqwest's blocking client over rustls, proxies
//! from the environment, redirects only within the API's origin), one [`Call`] of the API and
//! the reading of its answer into the typed errors a beginner can act on ([`ValidationError`],
//! worded in `errors.rs`: a 401's reason, a certificate that is not trusted), what an answer
//! says about a token ([`TokenInfo`]) or a revocation ([`Revocation`](super::Revocation)), and the headers every
//! forge sends alike (rate limits, `retry-after`, `location`).
//!
//! Follows what docs/FORGES.md quotes and links: GitHub's REST API description (status codes,
//! `message` bodies, `x-ratelimit-remaining`/`x-ratelimit-reset`, `retry-after`), GitLab's
//! (`ratelimit-*` headers, `error`/`error_description` bodies) and Gitea's (`message`). Each forge's own headers and dates
//! are read in its own file (`github::parse_github_expiry`, `gitlab::parse_gitlab_date`). A token never appears in an error
//! message or in `Debug` output, and is only ever sent over https (plain http only to this
//! machine's loopback).

pub(super) use super::errors::reset_advice;
use super::errors::{Refusal, ValidationError, certificate_problem};
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
            let detail = self.clean(&innermost(e));
            match certificate_problem(&detail) {
                Some(trouble) => ValidationError::Certificate {
                    api,
                    detail,
                    trouble,
                },
                None => ValidationError::Unreachable { api, detail },
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

    /// The 401 sentence for `refusal`, with the forge's own words `said` and the token page to
    /// make a new token on.
    pub(super) fn bad_credentials(&self, refusal: Refusal, said: String) -> ValidationError {
        ValidationError::BadCredentials {
            forge: self.name(),
            token_page: self.forge.token_page_url("git-credential-pat"),
            refusal,
            said,
            pasted: false,
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
            let body: ApiMessage = response.json().unwrap_or_default();
            return self.unauthorized(body);
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

    /// A 401 with its body: GitLab's `invalid_token` with "Token is expired" or "Token was
    /// revoked" (`lib/api/api_guard.rb`, docs/FORGES.md) names the reason; anything else
    /// (GitHub's `Bad credentials`, GitLab's `401 Unauthorized` for a token it does not know)
    /// is [`Refusal::Unknown`]. The forge's words are quoted, its first sentence only.
    fn unauthorized(&self, body: ApiMessage) -> ValidationError {
        let first_sentence = |text: &str| {
            let text = text.trim();
            text.split_once(". ")
                .map_or(text, |(first, _)| first)
                .trim_end_matches('.')
                .to_owned()
        };
        let description = body.error_description.as_deref().map(first_sentence);
        let lower = description
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let refusal = if body.error.as_deref() != Some("invalid_token") {
            Refusal::Unknown
        } else if lower.starts_with("token is expired") {
            Refusal::Expired
        } else if lower.starts_with("token was revoked") {
            Refusal::Revoked
        } else {
            Refusal::Unknown
        };
        let words = match (body.error, description, body.message) {
            (Some(error), Some(description), _) => format!("{error}: {description}"),
            (_, _, Some(message)) => message,
            (Some(error), None, None) => error,
            (None, description, None) => description.unwrap_or_default(),
        };
        let words = self.clean(&words);
        let said = if words.is_empty() {
            "401".to_owned()
        } else if words.starts_with("401") {
            words
        } else {
            format!("401 {words}")
        };
        self.bad_credentials(refusal, said)
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

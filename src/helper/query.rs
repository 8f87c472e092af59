//! [`Query`]: what a `get` or `erase` asks for, read from git's request (or from what a person
//! types for `login`, `logout`, `token`), under git's rules: no protocol or host is never a
//! wildcard, and only `https` (or `http` to a loopback host) carries tokens.

use super::HelperError;
use crate::host::Origin;
use crate::protocol::{self, Credential};
use crate::show::escape;
use crate::vault::Account;

/// What a `get` or `erase` asks for: one origin, optionally one user and one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// git's `protocol` and `host`, parsed.
    pub origin: Origin,
    /// git's `username`, when it sent one.
    pub(crate) username: Option<String>,
    /// git's `path`, when it sent one (`credential.useHttpPath`).
    pub(crate) path: Option<String>,
}

impl Query {
    /// The query of a `get`: `None` (answer nothing) without `protocol` or `host`, since a
    /// missing field is never a wildcard (CVE-2020-11008), and for any protocol but `https`,
    /// except `http` to a loopback host (tests, local forges).
    ///
    /// # Errors
    /// [`HelperError::Origin`] when the protocol or host is outside its grammar.
    pub(crate) fn for_get(c: &Credential) -> Result<Option<Query>, HelperError> {
        Ok(Self::for_erase(c)?.filter(|q| q.origin.may_carry_tokens()))
    }

    /// The query of an `erase`: `None` without `protocol` or `host`.
    ///
    /// # Errors
    /// [`HelperError::Origin`] when the protocol or host is outside its grammar.
    pub(crate) fn for_erase(c: &Credential) -> Result<Option<Query>, HelperError> {
        let (Some(protocol), Some(host)) = (
            c.protocol.as_deref().filter(|p| !p.is_empty()),
            c.host.as_deref().filter(|h| !h.is_empty()),
        ) else {
            return Ok(None);
        };
        let origin = Origin::parse(protocol, host).map_err(HelperError::Origin)?;
        // A path that only a client's `url=` carries is not meant for http(s): see
        // `Credential::path_from_url`.
        let path = c
            .path
            .clone()
            .filter(|p| !p.is_empty())
            .filter(|_| !(c.path_from_url && origin.protocol.starts_with("http")));
        Ok(Some(Query {
            origin,
            username: c.username.clone(),
            path,
        }))
    }

    pub(super) fn matches(&self, a: &Account) -> bool {
        self.username.as_ref().is_none_or(|u| *u == a.username) && self.path_matches(a)
    }

    /// Whether `a` may answer for this query's path: any account without one, since a path
    /// only routes (see [`Query::owner`]), and one kept for exactly this path.
    pub(crate) fn path_matches(&self, a: &Account) -> bool {
        self.path
            .as_ref()
            .is_none_or(|p| a.path.as_ref().is_none_or(|ap| ap == p))
    }

    /// The repository owner of git's `path`: its first segment (`acme` for `acme/app.git`),
    /// which `login --owner` routes to an account.
    pub(crate) fn owner(&self) -> Option<&str> {
        let path = self.path.as_deref()?.trim_start_matches('/');
        path.split('/').next().filter(|o| !o.is_empty())
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
    pub(crate) fn for_target(target: &str) -> anyhow::Result<Query> {
        let url = if target.contains("://") {
            target.to_owned()
        } else {
            format!("https://{target}")
        };
        let shown = without_userinfo(target);
        let mut request = protocol::read(&mut format!("url={url}\n").as_bytes())
            .map_err(|e| anyhow::anyhow!("'{shown}' is not a host name or URL: {e}"))?;
        // A person's URL means its path.
        request.path_from_url = false;
        match Query::for_get(&request) {
            Ok(Some(query)) => Ok(query),
            Ok(None) => anyhow::bail!(
                "'{shown}' is not an https URL or a host name; tokens are only sent over https"
            ),
            // The grammar's own words: "refused the request from git" would be untrue here.
            Err(HelperError::Origin(e)) => {
                anyhow::bail!("'{shown}' is not a host name or URL: {e}")
            }
            Err(e) => anyhow::bail!("'{shown}' is not a host name or URL: {e}"),
        }
    }
}

/// `target` with any `user:password@` replaced by `…@`, escaped, for messages; also when it
/// does not parse.
fn without_userinfo(target: &str) -> String {
    let url = protocol::split_url(target);
    let scheme = url.scheme.map(|s| format!("{s}://")).unwrap_or_default();
    let user = if url.username.is_some() { "…@" } else { "" };
    escape(&format!("{scheme}{user}{}{}", url.host, url.rest))
}

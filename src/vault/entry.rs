//! Naming and content of one keychain entry: the account name `protocol://username@host[/path]`
//! ([`Account`]), the service name with its namespace, and the secret's lines ([`Stored`]).
//! Pure functions: nothing here touches a store.

use super::{SERVICE, VaultError};
use crate::forge::{Forge, ForgeKind, TokenInfo};
use crate::host::{Host, Origin};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};

/// The identity of one stored credential: git's `protocol`, `host`, `username`, `path`.
///
/// `path` is `None` unless git sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// git's `protocol`, e.g. `https`.
    pub protocol: String,
    /// git's `host`, with `:port` when there is one.
    pub host: Host,
    /// git's `username`; may be empty.
    pub username: String,
    /// git's `path`, only with `credential.useHttpPath`.
    pub path: Option<String>,
}

impl Account {
    /// How a token is named to a person: `alice@github.com`, and
    /// `alice@http://127.0.0.1:8080/org/repo` for another protocol or a path; escaped.
    pub(crate) fn display_name(&self) -> String {
        let path = self.path.as_deref();
        crate::show::token_name(&self.protocol, &self.host, &self.username, path)
    }

    /// The account's protocol and host.
    pub(crate) fn origin(&self) -> Origin {
        Origin {
            protocol: self.protocol.clone(),
            host: self.host.clone(),
        }
    }

    /// The keychain account name: `protocol://username@host[/path]`, with `%`, `@`, `/`, `:`
    /// and control characters percent-encoded in the username and host so that it parses back
    /// unambiguously.
    pub fn key(&self) -> String {
        let mut s = format!(
            "{}://{}@{}",
            encode(&self.protocol, USER),
            encode(&self.username, USER),
            encode(&self.host.to_string(), HOST)
        );
        if let Some(p) = &self.path {
            s.push('/');
            s.push_str(&encode(p, PATH));
        }
        s
    }

    /// Parses what [`Account::key`] made; `None` for anything else.
    pub fn parse(key: &str) -> Option<Account> {
        let (protocol, rest) = key.split_once("://")?;
        let (username, rest) = rest.split_once('@')?;
        let (host, path) = match rest.split_once('/') {
            Some((h, p)) => (h, Some(decode(p)?)),
            None => (rest, None),
        };
        Some(Account {
            protocol: decode(protocol)?,
            // Stored entries are read under the same strict grammar as git's requests.
            host: Host::parse(&decode(host)?).ok()?,
            username: decode(username)?,
            path,
        })
    }
}

/// Bytes percent-encoded in a key's protocol and username: ASCII controls, `%`, `:`, `/`, `@`,
/// and `;`, which ends a field where the kernel keyring describes a key
/// (`type;uid;gid;perm;description`: linux-keyutils 0.2.5 cuts the description at its first
/// `;`, so a key holding one could be stored but never listed).
const USER: &AsciiSet = &CONTROLS.add(b'%').add(b':').add(b'/').add(b'@').add(b';');
/// Bytes percent-encoded in a key's host: ASCII controls, `%`, `/`, `@` (a port's `:` stays).
const HOST: &AsciiSet = &CONTROLS.add(b'%').add(b'/').add(b'@');
/// Bytes percent-encoded in a key's path: ASCII controls, `%` and `;` (see [`USER`]).
const PATH: &AsciiSet = &CONTROLS.add(b'%').add(b';');
/// Bytes percent-encoded in the owners and routes of a secret's lines: ASCII controls, `%`,
/// `,` and space (their separators).
const LIST: &AsciiSet = &CONTROLS.add(b'%').add(b',').add(b' ');

/// Percent-encodes the bytes of `set`, and the UTF-8 bytes of the C1 controls (U+0080 to
/// U+009F), in upper-case hex. Other non-ASCII characters stay as they are: that is the format
/// entries have always been stored under, so `percent_encoding`'s own rule (every non-ASCII
/// byte encoded) would miss them.
fn encode(s: &str, set: &'static AsciiSet) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        // The longest run that percent-encoding may take as a whole: ASCII and C1 controls.
        let raw_at = rest
            .char_indices()
            .find(|&(_, c)| !c.is_ascii() && !c.is_control())
            .map_or(rest.len(), |(i, _)| i);
        out.extend(utf8_percent_encode(&rest[..raw_at], set));
        rest = &rest[raw_at..];
        let kept = rest
            .char_indices()
            .find(|&(_, c)| c.is_ascii() || c.is_control())
            .map_or(rest.len(), |(i, _)| i);
        out.push_str(&rest[..kept]);
        rest = &rest[kept..];
    }
    out
}

/// Decodes `%XX` escapes; `None` when a `%` is not followed by two hex digits or the result is
/// not UTF-8, so that only what [`encode`] can make parses.
fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let well_formed = bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return None;
    }
    percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// What a keychain entry holds for one credential: the secret, and the non-secret facts that
/// `list` shows (kept in the same entry because the kernel keyring has nowhere else to put
/// them, and so that they come and go with the token).
pub struct Stored {
    /// The token.
    pub password: SecretString,
    /// When the token expires, seconds since the Unix epoch (UTC); `None` if unknown or never.
    pub(crate) password_expiry_utc: Option<u64>,
    /// An OAuth refresh token, kept as confidential as the password.
    pub(crate) oauth_refresh_token: Option<SecretString>,
    /// When this was stored, seconds since the Unix epoch (UTC).
    pub(crate) stored_at: Option<u64>,
    /// The forge the API check was made with, kept as its [`ForgeKind::id`] in the `forge=`
    /// fact (older entries hold its name, which [`ForgeKind::from_fact`] reads too); `None`
    /// when not checked.
    pub(crate) forge: Option<ForgeKind>,
    /// The scopes the forge reported; `Some(empty)` for none, `None` when not reported.
    pub(crate) scopes: Option<Vec<String>>,
    /// The lab timer: the first `get` at or after this time (seconds since the Unix epoch, UTC)
    /// erases the credential instead of serving it.
    pub(crate) erase_by: Option<u64>,
    /// Marked by `login --default`: served when git names no user and several are stored.
    pub(crate) default: bool,
    /// The lab timer ran out but the forge could not be asked to revoke the token then
    /// (offline, refused): never served again, kept so that the next `logout --revoke`, `list`
    /// or `doctor` (or a `get` for the host that serves nothing, at most once an hour, see
    /// [`Stored::revoke_tried_at`]) revokes it, and shown by `list` as "to revoke".
    pub(crate) to_revoke: bool,
    /// When the forge was last asked to revoke this token and could not (seconds since the Unix
    /// epoch, UTC): a `get` asks again only an hour later, so that git's requests do not each
    /// wait for a forge that is down (see `helper::lab`).
    pub(crate) revoke_tried_at: Option<u64>,
    /// The repository owners routed to this account by `login --owner` (`owners=a,b`): a
    /// `get` for a path under one of them serves this account's token.
    pub(crate) owners: Vec<String>,
    /// The host's routes, kept on the host's pick only (see [`super::Vault::find_pick`]), so
    /// that a `get` learns from the one entry it reads which account serves the path's owner;
    /// `None` when there is nothing to route (no owner, no token kept per path), on any other
    /// entry, and on a pick written by an older version.
    pub(crate) map: Option<HostMap>,
}

/// The routes of one host, written on its pick by [`super::Vault::put`]: each owner routed by
/// `login --owner` and the user it is routed to (`route=OWNER USER` lines), and whether the
/// host also holds tokens kept per repository path (`map=paths`), which a `get` with a path
/// must then search for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HostMap {
    /// `(owner, user)`, in the order the host's entries were found.
    pub(crate) routes: Vec<(String, String)>,
    /// Whether some token of the host is kept for one repository path.
    pub(crate) paths: bool,
}

impl HostMap {
    /// The user `owner` is routed to, compared as the forges compare logins (without regard
    /// to case).
    pub(crate) fn route(&self, owner: &str) -> Option<&str> {
        self.routes
            .iter()
            .find(|(o, _)| same_login(o, owner))
            .map(|(_, u)| u.as_str())
    }
}

/// Whether two forge logins (user names, and the repository owners, users or organisations,
/// that routes name) are one: GitHub, GitLab and Gitea compare them without regard to case.
pub(crate) fn same_login(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stored")
            .field("password", &"[REDACTED]")
            .field("password_expiry_utc", &self.password_expiry_utc)
            .field(
                "oauth_refresh_token",
                &self.oauth_refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("stored_at", &self.stored_at)
            .field("forge", &self.forge)
            .field("scopes", &self.scopes)
            .field("erase_by", &self.erase_by)
            .field("default", &self.default)
            .field("to_revoke", &self.to_revoke)
            .field("revoke_tried_at", &self.revoke_tried_at)
            .field("owners", &self.owners)
            .field("map", &self.map)
            .finish()
    }
}

impl Stored {
    /// A credential holding only `password`.
    pub fn new(password: SecretString) -> Stored {
        Stored {
            password,
            password_expiry_utc: None,
            oauth_refresh_token: None,
            stored_at: None,
            forge: None,
            scopes: None,
            erase_by: None,
            default: false,
            to_revoke: false,
            revoke_tried_at: None,
            owners: Vec::new(),
            map: None,
        }
    }

    /// Whether `owner` is routed to this account (`login --owner`).
    pub(crate) fn serves_owner(&self, owner: &str) -> bool {
        self.owners.iter().any(|o| same_login(o, owner))
    }

    /// `self` with what `forge` said when it accepted the token (`info`): the expiry and scopes
    /// it reported, and which forge it is. The one place a forge's answer becomes stored facts.
    pub(crate) fn checked_by(self, forge: &Forge, info: &TokenInfo) -> Stored {
        Stored {
            password_expiry_utc: info.expires_at,
            forge: Some(forge.kind),
            scopes: info.scopes.clone(),
            ..self
        }
    }

    /// How a `get` that names no user ranks the credentials of one host, higher first: one not
    /// marked to revoke (a marked one is never served, so it must not stay the host's pick),
    /// then the `login --default` one, then one routed to no owner (the default for every
    /// owner not routed), then the most recently stored. The host's pick
    /// ([`super::Vault::find_pick`]) and `helper::get`'s search of every user both rank so.
    pub(crate) fn rank(&self) -> (bool, bool, bool, u64) {
        (
            !self.to_revoke,
            self.default,
            self.owners.is_empty(),
            self.stored_at.unwrap_or(0),
        )
    }

    /// [`Stored::encode_with_map`] with the host map it holds.
    #[cfg(test)]
    pub(crate) fn encode(&self) -> Zeroizing<String> {
        self.encode_with_map(self.map.as_ref())
    }

    /// The secret's bytes, with `map` in place of the host map it holds (see [`HostMap`]):
    /// password line, then `key=value` lines, each ending in `\n` (so that an empty password
    /// still makes a non-empty secret, which the kernel keyring requires). Line breaks inside
    /// the non-secret facts are replaced by spaces.
    pub(crate) fn encode_with_map(&self, map: Option<&HostMap>) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::new());
        s.push_str(self.password.expose_secret());
        s.push('\n');
        if let Some(t) = self.password_expiry_utc {
            s.push_str(&format!("password_expiry_utc={t}\n"));
        }
        if let Some(r) = &self.oauth_refresh_token {
            s.push_str("oauth_refresh_token=");
            s.push_str(r.expose_secret());
            s.push('\n');
        }
        let line = |s: &mut String, key: &str, value: &str| {
            s.push_str(&format!("{key}={}\n", value.replace(['\n', '\r'], " ")));
        };
        if let Some(t) = self.stored_at {
            line(&mut s, "stored_at", &t.to_string());
        }
        if let Some(f) = self.forge {
            line(&mut s, "forge", f.id());
        }
        if let Some(scopes) = &self.scopes {
            line(&mut s, "scopes", &scopes.join(","));
        }
        if let Some(t) = self.erase_by {
            line(&mut s, "erase_by", &t.to_string());
        }
        if self.default {
            line(&mut s, "default", "1");
        }
        if self.to_revoke {
            line(&mut s, "to_revoke", "1");
        }
        if let Some(t) = self.revoke_tried_at {
            line(&mut s, "revoke_tried_at", &t.to_string());
        }
        if !self.owners.is_empty() {
            let owners: Vec<String> = self.owners.iter().map(|o| encode(o, LIST)).collect();
            line(&mut s, "owners", &owners.join(","));
        }
        // An empty map is not written: an entry without one routes nothing, as before.
        if let Some(map) = map.filter(|m| **m != HostMap::default()) {
            if map.paths {
                line(&mut s, "map", "paths");
            }
            for (owner, user) in &map.routes {
                let route = format!("{} {}", encode(owner, LIST), encode(user, LIST));
                line(&mut s, "route", &route);
            }
        }
        s
    }

    /// Parses [`Stored::encode_with_map`]'s format, and the format of git's libsecret helper (no final
    /// newline). Unknown lines are ignored so that later versions can add facts.
    ///
    /// # Errors
    /// `None` when the bytes are not UTF-8.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Stored> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut lines = text.split('\n');
        let mut stored = Stored::new(SecretString::from(
            lines.next().unwrap_or_default().to_owned(),
        ));
        for line in lines {
            match line.split_once('=') {
                Some(("password_expiry_utc", v)) => {
                    stored.password_expiry_utc = v.parse().ok().filter(|&t| t != 0)
                }
                Some(("oauth_refresh_token", v)) => {
                    stored.oauth_refresh_token = Some(SecretString::from(v.to_owned()))
                }
                Some(("stored_at", v)) => stored.stored_at = v.parse().ok(),
                Some(("forge", v)) => stored.forge = ForgeKind::from_fact(v),
                Some(("scopes", v)) => {
                    stored.scopes = Some(
                        v.split(',')
                            .filter(|x| !x.is_empty())
                            .map(str::to_owned)
                            .collect(),
                    )
                }
                Some(("erase_by", v)) => stored.erase_by = v.parse().ok(),
                Some(("default", v)) => stored.default = v == "1",
                Some(("to_revoke", v)) => stored.to_revoke = v == "1",
                Some(("revoke_tried_at", v)) => stored.revoke_tried_at = v.parse().ok(),
                Some(("owners", v)) => {
                    stored.owners = v
                        .split(',')
                        .filter(|o| !o.is_empty())
                        .filter_map(decode)
                        .collect()
                }
                Some(("map", v)) => {
                    let map = stored.map.get_or_insert_with(HostMap::default);
                    map.paths = v == "paths";
                }
                Some(("route", v)) => {
                    if let Some((owner, user)) = v.split_once(' ')
                        && let (Some(owner), Some(user)) = (decode(owner), decode(user))
                    {
                        let map = stored.map.get_or_insert_with(HostMap::default);
                        map.routes.push((owner, user));
                    }
                }
                _ => {}
            }
        }
        Some(stored)
    }
}

/// The keychain service name for `namespace`: [`SERVICE`], or `SERVICE:NAMESPACE`.
///
/// # Errors
/// [`VaultError::BadNamespace`] unless the namespace is 1 to 64 letters, digits, `.`, `_`, `-`.
pub(super) fn service_name(namespace: Option<&str>) -> Result<String, VaultError> {
    match namespace.filter(|n| !n.is_empty()) {
        None => Ok(SERVICE.to_owned()),
        Some(ns)
            if ns.len() <= 64
                && ns
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) =>
        {
            Ok(format!("{SERVICE}:{ns}"))
        }
        Some(_) => Err(VaultError::BadNamespace),
    }
}

/// The unit tests' account: `user` at https://github.com, with `path`.
#[cfg(test)]
impl Account {
    pub(crate) fn on_github(user: &str, path: Option<&str>) -> Account {
        Account {
            protocol: "https".into(),
            host: Host::parse("github.com").expect("github.com is a host"),
            username: user.into(),
            path: path.map(Into::into),
        }
    }
}

#[cfg(test)]
mod tests;

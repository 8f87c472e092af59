//! The one place a host name is read: [`Host`] (a name and an optional port) and [`Origin`]
//! (a protocol and a host), parsed once under a strict grammar from git's attributes, from a
//! URL or from what a person types. Every other module takes these types, never a raw host
//! string, so that no two parsers can read one host two ways.
//!
//! Why strict: git percent-decodes the host of a URL (`https://evil.example%5c.ghe.com/`
//! reaches a helper as `host=evil.example\.ghe.com`), and a URL parser reads such a string as
//! a different host than a suffix check does. So a host is only letters, digits, `-` and `.`
//! in labels of RFC 1123 (1–63 characters, no `-` at either end), an IPv4 address, or an IPv6
//! address in brackets, optionally followed by `:PORT`. Anything else is refused.
//!
//! Names are compared lowercase. A trailing dot (`github.com.`, an absolute DNS name) names the
//! same host for matching stored tokens, as git's own helpers see it, but is kept distinct
//! where it matters: `localhost.` goes through DNS, so it is never loopback.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a host was refused. The message quotes no more than the host itself, escaped by the
/// caller when shown (see `show::escape`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// The host is empty.
    #[error("the host is empty")]
    Empty,
    /// A character outside the grammar (a `\`, `/`, `@`, space, control character, …).
    #[error("the host holds a character a host name cannot have")]
    BadCharacter,
    /// A label is empty, longer than 63 characters, or starts or ends with `-`.
    #[error("the host is not a valid DNS name")]
    BadLabel,
    /// The bracketed part is not an IPv6 address, or brackets are unbalanced.
    #[error("the host is not a valid IPv6 address in brackets")]
    BadIpv6,
    /// What follows `:` is not a port number from 1 to 65535.
    #[error("the port is not a number from 1 to 65535")]
    BadPort,
    /// The whole name is longer than 253 characters.
    #[error("the host name is longer than 253 characters")]
    TooLong,
}

/// The name part of a host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Name {
    /// A DNS name, lowercase, without its trailing dot.
    Dns(String),
    /// A dotted IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 address (written in brackets).
    V6(Ipv6Addr),
}

/// A host as git names it in `host=`: a name and an optional port.
///
/// Equality and the [`Display`](fmt::Display) form (`name[:port]`, IPv6 in brackets) ignore a
/// trailing dot, so that `GitHub.COM.` finds the token stored for `github.com`; see
/// [`Host::is_loopback`] for where the dot counts.
#[derive(Debug, Clone)]
pub struct Host {
    name: Name,
    port: Option<u16>,
    trailing_dot: bool,
}

impl PartialEq for Host {
    fn eq(&self, other: &Host) -> bool {
        self.name == other.name && self.port == other.port
    }
}
impl Eq for Host {}

impl PartialOrd for Host {
    fn partial_cmp(&self, other: &Host) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Host {
    /// By name, then port: the order `list` shows hosts in.
    fn cmp(&self, other: &Host) -> std::cmp::Ordering {
        (&self.name, self.port).cmp(&(&other.name, other.port))
    }
}

impl std::hash::Hash for Host {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.port.hash(state);
    }
}

impl Host {
    /// Parses `name[:port]` as git sends it in `host=` (and as stored entries and
    /// `login`/`logout` arguments name it).
    ///
    /// # Errors
    /// A [`HostError`] for anything outside the grammar in the module documentation.
    pub fn parse(s: &str) -> Result<Host, HostError> {
        if s.is_empty() {
            return Err(HostError::Empty);
        }
        if let Some(rest) = s.strip_prefix('[') {
            let (inside, after) = rest.split_once(']').ok_or(HostError::BadIpv6)?;
            let ip: Ipv6Addr = inside.parse().map_err(|_| HostError::BadIpv6)?;
            let port = match after {
                "" => None,
                _ => Some(parse_port(
                    after.strip_prefix(':').ok_or(HostError::BadIpv6)?,
                )?),
            };
            return Ok(Host {
                name: Name::V6(ip),
                port,
                trailing_dot: false,
            });
        }
        let (name, port) = match s.split_once(':') {
            Some((name, port)) => (name, Some(parse_port(port)?)),
            None => (s, None),
        };
        let (name, trailing_dot) = match name.strip_suffix('.') {
            Some(n) => (n, true),
            None => (name, false),
        };
        if name.is_empty() {
            return Err(HostError::Empty);
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        {
            return Err(HostError::BadCharacter);
        }
        if name.len() > 253 {
            return Err(HostError::TooLong);
        }
        // Four dotted decimals are an IPv4 address; any other all-numeric-and-dots name
        // (`1.2.3`, `1.2.3.999`) is refused rather than left for a resolver to interpret.
        let numeric = name.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        let name = if numeric {
            Name::V4(name.parse().map_err(|_| HostError::BadLabel)?)
        } else {
            for label in name.split('.') {
                if label.is_empty()
                    || label.len() > 63
                    || label.starts_with('-')
                    || label.ends_with('-')
                {
                    return Err(HostError::BadLabel);
                }
            }
            Name::Dns(name.to_ascii_lowercase())
        };
        Ok(Host {
            name,
            port,
            trailing_dot,
        })
    }

    /// The name without port and without a trailing dot, lowercase; IPv6 without brackets.
    pub(crate) fn name(&self) -> String {
        match &self.name {
            Name::Dns(n) => n.clone(),
            Name::V4(ip) => ip.to_string(),
            Name::V6(ip) => ip.to_string(),
        }
    }

    /// The DNS name, when the host is not an IP address.
    pub(crate) fn dns_name(&self) -> Option<&str> {
        match &self.name {
            Name::Dns(n) => Some(n),
            _ => None,
        }
    }

    /// The port, when one was given.
    pub(crate) fn port(&self) -> Option<u16> {
        self.port
    }

    /// Whether the DNS name is `domain` or a subdomain of it, e.g. `octo.ghe.com` in
    /// `ghe.com`. Compares whole labels, never raw string suffixes.
    pub(crate) fn is_within(&self, domain: &str) -> bool {
        self.dns_name().is_some_and(|n| {
            n == domain
                || n.strip_suffix(domain)
                    .is_some_and(|head| head.ends_with('.') && head.len() > 1)
        })
    }

    /// Whether the host names this machine without asking DNS: `localhost`, `127.0.0.0/8` or
    /// `::1`. A name with a trailing dot (`localhost.`) is resolved through DNS, so it is not.
    pub(crate) fn is_loopback(&self) -> bool {
        if self.trailing_dot {
            return false;
        }
        match &self.name {
            Name::Dns(n) => n == "localhost",
            Name::V4(ip) => IpAddr::V4(*ip).is_loopback(),
            Name::V6(ip) => ip.is_loopback(),
        }
    }
}

fn parse_port(s: &str) -> Result<u16, HostError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HostError::BadPort);
    }
    match s.parse::<u16>() {
        Ok(0) | Err(_) => Err(HostError::BadPort),
        Ok(p) => Ok(p),
    }
}

impl fmt::Display for Host {
    /// `name[:port]`, lowercase, IPv6 in brackets, without a trailing dot: the form stored in
    /// keychain entries and compared.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Name::Dns(n) => f.write_str(n)?,
            Name::V4(ip) => write!(f, "{ip}")?,
            Name::V6(ip) => write!(f, "[{ip}]")?,
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Host {
    type Err = HostError;
    fn from_str(s: &str) -> Result<Host, HostError> {
        Host::parse(s)
    }
}

/// Why an [`Origin`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    /// The protocol is not a URL scheme (RFC 3986: a letter, then letters, digits, `+-.`).
    #[error("the protocol is not a URL scheme")]
    BadProtocol,
    /// The host is refused.
    #[error(transparent)]
    Host(#[from] HostError),
}

/// A protocol and a host: what git's `protocol=` and `host=` name together, and what a stored
/// token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The URL scheme, lowercase, e.g. `https`.
    pub(crate) protocol: String,
    /// The host.
    pub host: Host,
}

impl Origin {
    /// An origin from git's `protocol` and `host` attributes.
    ///
    /// # Errors
    /// An [`OriginError`] when either is outside its grammar.
    pub fn parse(protocol: &str, host: &str) -> Result<Origin, OriginError> {
        let scheme_ok = protocol
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
            && protocol
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
        if !scheme_ok {
            return Err(OriginError::BadProtocol);
        }
        Ok(Origin {
            protocol: protocol.to_ascii_lowercase(),
            host: Host::parse(host)?,
        })
    }

    /// Whether a token may be served over this origin: `https` always, plain `http` only to a
    /// loopback host (tests and local forges), never anything else.
    pub(crate) fn may_carry_tokens(&self) -> bool {
        self.protocol == "https" || (self.protocol == "http" && self.host.is_loopback())
    }
}

impl fmt::Display for Origin {
    /// `protocol://host`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.protocol, self.host)
    }
}

#[cfg(test)]
mod tests;

//! git's credential-helper wire format: the [`Credential`] with git's attribute names, and
//! reading and writing it under the rules of git-credential(1) and gitcredentials(7); the one
//! reader of git's credential URL ([`parse_url`], also for git-credential-store's file and for
//! the `<url>` of `credential.<url>.*` keys), and git's boolean spellings ([`parse_bool`]).
//!
//! Only [`write()`] may write to stdout, because stdout belongs to git. The reader is strict where
//! git's own history shows that leniency leaked tokens (CVE-2020-5260, CVE-2020-11008,
//! CVE-2024-52006, CVE-2025-23040) and lenient where git is (unknown keys are ignored).

use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, Write};

/// The longest line git allows, newline included (git-credential(1), "IO FORMAT").
pub(crate) const MAX_LINE_BYTES: usize = 65_535;

/// The most input a request may carry before the helper stops reading: 1 MiB.
pub(crate) const MAX_INPUT_BYTES: usize = 1 << 20;

/// One credential description as git exchanges it with helpers.
///
/// Field names are git's attribute names. Secrets (`password`, `oauth_refresh_token`,
/// `credential`) are [`SecretString`]s so that they are zeroized on drop and never shown by
/// `Debug`. Source: git-credential(1), "IO FORMAT" (git 2.47).
#[derive(Debug, Default)]
pub struct Credential {
    /// `protocol`, e.g. `https`.
    pub protocol: Option<String>,
    /// `host`, including `:port` when the URL has one.
    pub host: Option<String>,
    /// `path`: the repository path, sent only with `credential.useHttpPath`.
    pub(crate) path: Option<String>,
    /// Whether `path` came only from a `url=` line, with no `path=` line confirming it.
    ///
    /// git never writes `url=` to a helper: it sends `protocol`, `host` and, with
    /// `credential.useHttpPath`, `path`. gitoxide (gix-credentials 0.40 to 0.43,
    /// `helper::Cascade::invoke`) hands `store` and `erase` the bytes of its context, which
    /// begin with the remote's whole URL (`url=https://HOST/org/repo.git`) when prompting is
    /// allowed, then `protocol=`, `host=`, and `path=` only when `useHttpPath` is on
    /// (`Context::destructure_url_in_place`). So for http(s) a path that only `url=` carries is
    /// not meant, as git itself drops an http path unless `useHttpPath` is set
    /// (credential.c, `credential_apply_config`): the helper ignores it (see
    /// `helper::Query::for_erase`). A person's URL (`login https://HOST/org/repo.git`) means
    /// its path; the caller clears this flag then.
    pub(crate) path_from_url: bool,
    /// `username`; `Some("")` is a present but empty username.
    pub username: Option<String>,
    /// `password`: the token.
    pub(crate) password: Option<SecretString>,
    /// `password_expiry_utc`: when the password expires, in seconds since the Unix epoch, UTC.
    /// As in git, `0` and values that are not a number mean "no expiry" (`None`).
    pub(crate) password_expiry_utc: Option<u64>,
    /// `oauth_refresh_token`, which git asks helpers to treat as confidential.
    pub(crate) oauth_refresh_token: Option<SecretString>,
    /// `authtype`, e.g. `bearer` (git 2.46+, with `capability[]=authtype`).
    pub(crate) authtype: Option<String>,
    /// `credential`: a pre-encoded credential used with `authtype` instead of username/password.
    pub(crate) credential: Option<SecretString>,
    /// `ephemeral`: the credential must not be kept by a storage helper.
    pub(crate) ephemeral: bool,
    /// `continue`: more rounds of a multistage authentication follow.
    pub(crate) continue_: bool,
    /// `quit`: git must not ask further helpers nor prompt.
    pub(crate) quit: bool,
    /// `capability[]`: what the other side understands, in order (`authtype`, `state`).
    pub(crate) capability: Vec<String>,
    /// `wwwauth[]`: each `WWW-Authenticate` header the server sent, in order.
    pub wwwauth: Vec<String>,
    /// `state[]`: opaque helper state passed back by git, in order.
    pub(crate) state: Vec<String>,
}

/// Why a request was refused. The message never contains a value, only the attribute name,
/// so it cannot leak a secret into stderr.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProtocolError {
    /// A line is longer than [`MAX_LINE_BYTES`].
    #[error("line {line} is longer than {MAX_LINE_BYTES} bytes")]
    LineTooLong {
        /// 1-based line number.
        line: usize,
    },
    /// The input is longer than [`MAX_INPUT_BYTES`]; the rest was not read.
    #[error("the request is longer than {MAX_INPUT_BYTES} bytes; stopped reading")]
    InputTooLong,
    /// A line has no `=`.
    #[error("line {line} is not of the form key=value")]
    NotKeyValue {
        /// 1-based line number.
        line: usize,
    },
    /// A value or key holds a byte that git forbids or that a reader could take for a line end.
    #[error("the value of '{key}' contains {what}")]
    ForbiddenCharacter {
        /// The attribute name (never the value).
        key: String,
        /// e.g. "a carriage return".
        what: &'static str,
    },
    /// A line is not UTF-8.
    #[error("line {line} is not valid UTF-8")]
    NotUtf8 {
        /// 1-based line number.
        line: usize,
    },
    /// A single-valued attribute was given twice (CVE-2020-5260 class).
    #[error("'{key}' is given more than once")]
    Repeated {
        /// The attribute name.
        key: String,
    },
    /// A boolean attribute is not one of git's boolean spellings.
    #[error("'{key}' is not a boolean")]
    NotBoolean {
        /// The attribute name.
        key: String,
    },
    /// `url=` could not be parsed.
    #[error("'url' cannot be parsed: {reason}")]
    BadUrl {
        /// What is wrong, without the URL itself (it may hold a password).
        reason: &'static str,
    },
    /// Reading stdin failed.
    #[error("could not read the request: {0}")]
    Io(String),
}

/// Reads one request from `input` up to a blank line or end of input (git sends no blank
/// line: it closes the pipe).
///
/// Rules (git-credential(1), "INPUT/OUTPUT FORMAT", with the stricter refusals that
/// docs/RELIABILITY.md lists): lines end in `\n`, a `\r` just before it is tolerated and any
/// other `\r` is refused, as are NUL and U+2028/U+2029; `key[]` lines form arrays and an empty
/// `key[]=` resets the array; unknown keys are ignored; `url=` clears what was read before it, as
/// in git, then sets the parts it holds; a single-valued key given twice is refused.
///
/// # Errors
/// A [`ProtocolError`] for any refused input; the request must then be answered with nothing.
pub fn read(input: &mut impl BufRead) -> Result<Credential, ProtocolError> {
    let mut c = Credential::default();
    let mut seen = Seen::default();
    let mut total = 0usize;
    // Zeroized on drop: the lines hold the password.
    let mut buf = secrecy::zeroize::Zeroizing::new(Vec::with_capacity(256));
    for line_no in 1.. {
        buf.clear();
        // Read at most one byte past the limit so an endless line cannot exhaust memory.
        let limit = (MAX_LINE_BYTES + 1) as u64;
        let n = std::io::Read::take(&mut *input, limit)
            .read_until(b'\n', &mut buf)
            .map_err(|e| ProtocolError::Io(e.kind().to_string()))?;
        if n == 0 {
            break;
        }
        total += n;
        if n > MAX_LINE_BYTES || (n == MAX_LINE_BYTES && buf.last() != Some(&b'\n')) {
            return Err(ProtocolError::LineTooLong { line: line_no });
        }
        if total > MAX_INPUT_BYTES {
            return Err(ProtocolError::InputTooLong);
        }
        let mut line = buf.as_slice();
        if let Some(rest) = line.strip_suffix(b"\n") {
            line = rest.strip_suffix(b"\r").unwrap_or(rest);
        }
        if line.is_empty() {
            break;
        }
        let eq = line
            .iter()
            .position(|&b| b == b'=')
            .ok_or(ProtocolError::NotKeyValue { line: line_no })?;
        let (key, value) = (&line[..eq], &line[eq + 1..]);
        let Some(key) = std::str::from_utf8(key).ok().and_then(Key::checked) else {
            // git forwards server headers (`wwwauth[]`) and other helpers' `state[]` as raw
            // bytes, and may add keys later; those are not ours to refuse. They are kept
            // lossily where they are used, and never written back.
            match key {
                b"wwwauth[]" => push_array(&mut c.wwwauth, &String::from_utf8_lossy(value)),
                b"state[]" => push_array(&mut c.state, &String::from_utf8_lossy(value)),
                _ => {}
            }
            continue;
        };
        let value =
            std::str::from_utf8(value).map_err(|_| ProtocolError::NotUtf8 { line: line_no })?;
        check_chars(key.name(), value)?;
        apply(&mut c, &mut seen, key, value)?;
    }
    Ok(c)
}

/// Every attribute the helper reads or writes: git's names, once. The order is the order git
/// itself writes them (credential.c, `credential_write`), which [`write()`] follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Capability,
    Authtype,
    Credential,
    Ephemeral,
    Protocol,
    Host,
    Path,
    Username,
    Password,
    OauthRefreshToken,
    PasswordExpiryUtc,
    Wwwauth,
    Continue,
    State,
    Quit,
    Url,
}

/// The key table: each attribute's name on the wire, and whether it may appear only once in a
/// request (a second occurrence is refused rather than letting the later line win, which is
/// how injected lines used to redirect credentials: CVE-2020-5260).
const KEYS: [(&str, Key, bool); 16] = [
    ("capability[]", Key::Capability, false),
    ("authtype", Key::Authtype, true),
    ("credential", Key::Credential, true),
    ("ephemeral", Key::Ephemeral, true),
    ("protocol", Key::Protocol, true),
    ("host", Key::Host, true),
    ("path", Key::Path, true),
    ("username", Key::Username, true),
    ("password", Key::Password, true),
    ("oauth_refresh_token", Key::OauthRefreshToken, true),
    ("password_expiry_utc", Key::PasswordExpiryUtc, true),
    ("wwwauth[]", Key::Wwwauth, false),
    ("continue", Key::Continue, true),
    ("state[]", Key::State, false),
    ("quit", Key::Quit, true),
    ("url", Key::Url, false),
];

impl Key {
    /// The key `name` names, for the attributes the helper checks strictly: all but
    /// `wwwauth[]` and `state[]`, which git forwards as raw bytes from servers and other
    /// helpers.
    fn checked(name: &str) -> Option<Key> {
        KEYS.iter()
            .find(|(n, k, _)| *n == name && !matches!(k, Key::Wwwauth | Key::State))
            .map(|(_, k, _)| *k)
    }

    fn name(self) -> &'static str {
        KEYS.iter()
            .find(|(_, k, _)| *k == self)
            .map_or("", |(n, _, _)| n)
    }

    fn single_valued(self) -> bool {
        KEYS.iter().any(|(_, k, once)| *k == self && *once)
    }
}

/// Refuses `\r`, NUL and U+2028/U+2029 in a key or value: the characters that git forbids or
/// that a reader could take for a line end. Used by [`read`] and [`write()`] alike, so that the
/// helper never writes what it would refuse to read.
fn check_chars(key: &str, value: &str) -> Result<(), ProtocolError> {
    let bad = |what| ProtocolError::ForbiddenCharacter {
        key: key.to_owned(),
        what,
    };
    for ch in key.chars().chain(value.chars()) {
        match ch {
            '\r' => return Err(bad("a carriage return")),
            '\n' => return Err(bad("a line break")),
            '\0' => return Err(bad("a NUL byte")),
            '\u{2028}' | '\u{2029}' => return Err(bad("a Unicode line or paragraph separator")),
            _ => {}
        }
    }
    Ok(())
}

/// What the reader has seen so far: the single-valued keys given, and the values `url=` set,
/// which an explicit attribute may repeat (gitoxide sends `url=` and then the same `protocol=`
/// and `host=`) but not contradict.
#[derive(Default)]
struct Seen {
    given: Vec<Key>,
    from_url: Vec<(Key, String)>,
}

fn apply(c: &mut Credential, seen: &mut Seen, key: Key, value: &str) -> Result<(), ProtocolError> {
    if key.single_valued() {
        if let Some(i) = seen.from_url.iter().position(|(k, _)| *k == key) {
            // The same value url= set is not a repeat; a different one is.
            let (_, from_url) = seen.from_url.remove(i);
            if from_url == value {
                seen.given.push(key);
                if key == Key::Path {
                    c.path_from_url = false;
                }
                return Ok(());
            }
            return Err(ProtocolError::Repeated {
                key: key.name().into(),
            });
        }
        if seen.given.contains(&key) {
            return Err(ProtocolError::Repeated {
                key: key.name().into(),
            });
        }
        seen.given.push(key);
    }
    let s = || Some(value.to_owned());
    let secret = || Some(SecretString::from(value.to_owned()));
    match key {
        Key::Protocol => c.protocol = s(),
        Key::Host => c.host = s(),
        Key::Path => c.path = s(),
        Key::Username => c.username = s(),
        Key::Password => c.password = secret(),
        // git: parse_timestamp(); 0 or unparsable means no expiry.
        Key::PasswordExpiryUtc => c.password_expiry_utc = value.parse().ok().filter(|&t| t != 0),
        Key::OauthRefreshToken => c.oauth_refresh_token = secret(),
        Key::Authtype => c.authtype = s(),
        Key::Credential => c.credential = secret(),
        Key::Ephemeral => c.ephemeral = boolean(key, value)?,
        Key::Continue => c.continue_ = boolean(key, value)?,
        Key::Quit => c.quit = boolean(key, value)?,
        Key::Capability => push_array(&mut c.capability, value),
        Key::Wwwauth => push_array(&mut c.wwwauth, value),
        Key::State => push_array(&mut c.state, value),
        Key::Url => {
            // git clears the whole credential before parsing url= (credential.c,
            // credential_from_url_gently), so what came before it is gone.
            *c = Credential::default();
            *seen = Seen::default();
            let parts = parse_url(value)?;
            let mut set = |key: Key, value: Option<String>| -> Option<String> {
                let v = value?;
                seen.from_url.push((key, v.clone()));
                Some(v)
            };
            c.protocol = set(Key::Protocol, parts.protocol);
            c.host = set(Key::Host, parts.host);
            c.username = set(Key::Username, parts.username);
            let password = parts.password.map(|p| p.expose_secret().to_owned());
            c.password = set(Key::Password, password).map(SecretString::from);
            c.path = set(Key::Path, parts.path);
            c.path_from_url = c.path.is_some();
        }
    }
    Ok(())
}

fn push_array(list: &mut Vec<String>, value: &str) {
    // gitcredentials(7): an empty `key[]=` clears the list.
    if value.is_empty() {
        list.clear();
    } else {
        list.push(value.to_owned());
    }
}

/// git's boolean spellings (config.c, `git_parse_maybe_bool`): `true|yes|on|1` and
/// `false|no|off|0|` (empty), case-insensitive; `None` for anything else. git reads its config
/// this way, and the credential protocol's `ephemeral`, `continue` and `quit` too, where it
/// reads integers as well.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Some(true),
        "false" | "no" | "off" | "" => Some(false),
        v => v.parse::<i64>().ok().map(|n| n != 0),
    }
}

/// [`parse_bool`] for an attribute: anything else is refused (git dies on it).
fn boolean(key: Key, value: &str) -> Result<bool, ProtocolError> {
    parse_bool(value).ok_or_else(|| ProtocolError::NotBoolean {
        key: key.name().to_owned(),
    })
}

/// A URL cut where git's credential code cuts it (credential.c, `credential_from_url_1`),
/// nothing decoded: the scheme ends at the first `://`; the host part ends at the first of
/// `/?#` after it; an `@` counts only before that, and the user name ends at the first `:`
/// before the `@`. [`parse_url`] decodes these parts; a message that must repeat a URL
/// without its `user:password@` rebuilds it from them, even when it does not decode.
pub(crate) struct UrlSplit<'a> {
    /// What stands before `://`; `None` without `://`.
    pub(crate) scheme: Option<&'a str>,
    /// The user name, still percent-encoded; `None` without an `@` in the host part.
    pub(crate) username: Option<&'a str>,
    /// The password, still percent-encoded: `None` without a `:` in the user part.
    pub(crate) password: Option<&'a str>,
    /// The host (and `:port`), still percent-encoded.
    pub(crate) host: &'a str,
    /// The rest, from the first of `/?#` after the host on; empty when there is none.
    pub(crate) rest: &'a str,
}

/// Cuts `url` into its parts as git does; see [`UrlSplit`].
pub(crate) fn split_url(url: &str) -> UrlSplit<'_> {
    let (scheme, after) = match url.split_once("://") {
        Some((scheme, after)) => (Some(scheme), after),
        None => (None, url),
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    let (userinfo, host) = match authority.split_once('@') {
        Some((userinfo, host)) => (Some(userinfo), host),
        None => (None, authority),
    };
    let (username, password) = match userinfo.map(|u| u.split_once(':')) {
        None => (None, None),
        Some(Some((u, p))) => (Some(u), Some(p)),
        Some(None) => (userinfo, None),
    };
    UrlSplit {
        scheme,
        username,
        password,
        host,
        rest,
    }
}

/// The parts of a URL as git's credential code reads it, percent-decoded; see [`parse_url`].
#[derive(Default)]
pub(crate) struct UrlParts {
    /// The scheme, e.g. `https`; `None` only in a partial URL without one.
    pub(crate) protocol: Option<String>,
    /// The host, with `:port` when the URL has one; `None` only in a partial URL without one.
    pub(crate) host: Option<String>,
    /// The user name, when the URL has a `user@`.
    pub(crate) username: Option<String>,
    /// The password, when the URL has a `user:password@`.
    pub(crate) password: Option<SecretString>,
    /// The path without its leading and trailing slashes; `None` when that leaves nothing.
    pub(crate) path: Option<String>,
}

/// Reads `scheme://[user[:password]@]host[:port][/path]` exactly as git's
/// `credential_from_url_gently` does (credential.c), percent-decoding the user, password, host
/// and path. This differs from a WHATWG or RFC 3986 parser (the `url` crate) on purpose: what
/// counts is the credential git itself would describe, e.g. git decodes `%2f` in a host, and
/// the strict host grammar of [`crate::host`] then refuses it. Also how a line of
/// git-credential-store's file is read.
///
/// # Errors
/// [`ProtocolError::BadUrl`] without a scheme, for a part that does not decode to UTF-8, and
/// for a part that decodes to a line break or NUL (CVE-2020-5260).
pub(crate) fn parse_url(url: &str) -> Result<UrlParts, ProtocolError> {
    url_parts(url, false)
}

/// Reads a URL that may lack any part, as git reads the `<url>` of a `credential.<url>.*` key
/// that is not a whole URL (credential.c, `credential_from_potentially_partial_url`):
/// `example.com` has only a host, `https://` only a protocol.
///
/// # Errors
/// As [`parse_url`], except that a missing scheme is no error.
pub(crate) fn parse_partial_url(url: &str) -> Result<UrlParts, ProtocolError> {
    url_parts(url, true)
}

fn url_parts(url: &str, partial: bool) -> Result<UrlParts, ProtocolError> {
    let bad = |reason| ProtocolError::BadUrl { reason };
    let split = split_url(url);
    if !partial && split.scheme.is_none_or(str::is_empty) {
        return Err(bad("it has no scheme"));
    }
    let decode = |part: Option<&str>| part.map(percent_decode).transpose();
    // As git: the path loses its leading slashes before decoding and its trailing ones after,
    // down to one character.
    let path = match split.rest.trim_start_matches('/') {
        "" => None,
        p => {
            let p = percent_decode(p)?;
            match p.trim_end_matches('/') {
                "" => Some(p[..1].to_owned()),
                trimmed => Some(trimmed.to_owned()),
            }
        }
    };
    let parts = UrlParts {
        protocol: split.scheme.filter(|s| !s.is_empty()).map(str::to_owned),
        host: decode(Some(split.host).filter(|h| !partial || !h.is_empty()))?,
        username: decode(split.username)?,
        password: decode(split.password)?.map(SecretString::from),
        path,
    };
    let password = parts.password.as_ref().map(|p| p.expose_secret());
    let texts = [&parts.username, &parts.path, &parts.host].map(Option::as_deref);
    // An encoded newline must not smuggle a second attribute (CVE-2020-5260).
    let breaks = |p: &str| p.contains(['\n', '\r', '\0', '\u{2028}', '\u{2029}']);
    if texts.into_iter().chain([password]).flatten().any(breaks) {
        return Err(bad("it contains an encoded line break or NUL"));
    }
    Ok(parts)
}

/// `%XX` decoding as git's `url_decode_mem` does it: a `%` not followed by two hex digits stays
/// as it is.
fn percent_decode(s: &str) -> Result<String, ProtocolError> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|d| d.into_owned())
        .map_err(|_| ProtocolError::BadUrl {
            reason: "it decodes to bytes that are not UTF-8",
        })
}

/// Writes the attributes of `c` that are set, one `key=value` line each, in the order git
/// itself writes them (credential.c, `credential_write`), with no trailing blank line. The
/// buffer that holds the token is zeroized once written.
///
/// # Errors
/// Refuses (writing nothing) a value holding what [`read`] refuses (`\n`, `\r`, NUL,
/// U+2028/U+2029), and returns any I/O error of `out`.
pub fn write(c: &Credential, out: &mut impl Write) -> std::io::Result<()> {
    // Every field, by name: a field added to Credential must be written (or explicitly not).
    let Credential {
        protocol,
        host,
        path,
        path_from_url: _,
        username,
        password,
        password_expiry_utc,
        oauth_refresh_token,
        authtype,
        credential,
        ephemeral,
        continue_,
        quit,
        capability,
        wwwauth,
        state,
    } = c;
    let expiry = password_expiry_utc.map(|t| t.to_string());
    let mut text = secrecy::zeroize::Zeroizing::new(String::new());
    let mut line = |key: Key, value: &str| -> std::io::Result<()> {
        check_chars(key.name(), value).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("refusing to send '{}': {e}", key.name()),
            )
        })?;
        text.push_str(key.name());
        text.push('=');
        text.push_str(value);
        text.push('\n');
        Ok(())
    };
    let sec = |v: &Option<SecretString>| v.as_ref().map(|s| s.expose_secret().to_owned());
    for &(_, key, _) in &KEYS {
        let values: Vec<String> = match key {
            Key::Capability => capability.clone(),
            Key::Authtype => authtype.iter().cloned().collect(),
            Key::Credential => sec(credential).into_iter().collect(),
            Key::Ephemeral => ephemeral.then(|| "1".to_owned()).into_iter().collect(),
            Key::Protocol => protocol.iter().cloned().collect(),
            Key::Host => host.iter().cloned().collect(),
            Key::Path => path.iter().cloned().collect(),
            Key::Username => username.iter().cloned().collect(),
            Key::Password => sec(password).into_iter().collect(),
            Key::OauthRefreshToken => sec(oauth_refresh_token).into_iter().collect(),
            Key::PasswordExpiryUtc => expiry.iter().cloned().collect(),
            Key::Wwwauth => wwwauth.clone(),
            Key::Continue => continue_.then(|| "1".to_owned()).into_iter().collect(),
            Key::State => state.clone(),
            Key::Quit => quit.then(|| "1".to_owned()).into_iter().collect(),
            Key::Url => Vec::new(),
        };
        for v in values {
            let v = secrecy::zeroize::Zeroizing::new(v);
            line(key, &v)?;
        }
    }
    out.write_all(text.as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests;

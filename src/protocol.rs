//! git's credential-helper wire format: the [`Credential`] with git's attribute names, and
//! reading and writing it under the rules of git-credential(1) and gitcredentials(7).
//!
//! Only [`write`] may write to stdout, because stdout belongs to git. The reader is strict where
//! git's own history shows that leniency leaked tokens (CVE-2020-5260, CVE-2020-11008,
//! CVE-2024-52006, CVE-2025-23040) and lenient where git is (unknown keys are ignored).

use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, Write};

/// The longest line git allows, newline included (git-credential(1), "IO FORMAT").
pub const MAX_LINE_BYTES: usize = 65_535;

/// The most input a request may carry before the helper stops reading: 1 MiB.
pub const MAX_INPUT_BYTES: usize = 1 << 20;

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
    pub path: Option<String>,
    /// `username`; `Some("")` is a present but empty username.
    pub username: Option<String>,
    /// `password`: the token.
    pub password: Option<SecretString>,
    /// `password_expiry_utc`: when the password expires, in seconds since the Unix epoch, UTC.
    /// As in git, `0` and values that are not a number mean "no expiry" (`None`).
    pub password_expiry_utc: Option<u64>,
    /// `oauth_refresh_token`, which git asks helpers to treat as confidential.
    pub oauth_refresh_token: Option<SecretString>,
    /// `authtype`, e.g. `bearer` (git 2.46+, with `capability[]=authtype`).
    pub authtype: Option<String>,
    /// `credential`: a pre-encoded credential used with `authtype` instead of username/password.
    pub credential: Option<SecretString>,
    /// `ephemeral`: the credential must not be kept by a storage helper.
    pub ephemeral: bool,
    /// `continue`: more rounds of a multistage authentication follow.
    pub continue_: bool,
    /// `quit`: git must not ask further helpers nor prompt.
    pub quit: bool,
    /// `capability[]`: what the other side understands, in order (`authtype`, `state`).
    pub capability: Vec<String>,
    /// `wwwauth[]`: each `WWW-Authenticate` header the server sent, in order.
    pub wwwauth: Vec<String>,
    /// `state[]`: opaque helper state passed back by git, in order.
    pub state: Vec<String>,
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
/// Rules (DESIGN.md "Protocol rules"): lines end in `\n`, a `\r` just before it is tolerated and
/// any other `\r` is refused, as are NUL and U+2028/U+2029; `key[]` lines form arrays and an empty
/// `key[]=` resets the array; unknown keys are ignored; `url=` clears what was read before it, as
/// in git, then sets the parts it holds; a single-valued key given twice is refused.
///
/// # Errors
/// A [`ProtocolError`] for any refused input; the request must then be answered with nothing.
pub fn read(input: &mut impl BufRead) -> Result<Credential, ProtocolError> {
    let mut c = Credential::default();
    let mut seen: Vec<&'static str> = Vec::new();
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
        let Some(key) = std::str::from_utf8(key).ok().filter(|k| is_checked(k)) else {
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
        check_chars(key, value)?;
        apply(&mut c, &mut seen, key, value)?;
    }
    Ok(c)
}

/// Whether `key` is an attribute whose value the helper uses, and so checks strictly.
fn is_checked(key: &str) -> bool {
    SINGLE_VALUED.contains(&key) || key == "url" || key == "capability[]"
}

fn check_chars(key: &str, value: &str) -> Result<(), ProtocolError> {
    let bad = |what| ProtocolError::ForbiddenCharacter {
        key: key.to_owned(),
        what,
    };
    for ch in key.chars().chain(value.chars()) {
        match ch {
            '\r' => return Err(bad("a carriage return")),
            '\0' => return Err(bad("a NUL byte")),
            '\u{2028}' | '\u{2029}' => return Err(bad("a Unicode line or paragraph separator")),
            _ => {}
        }
    }
    Ok(())
}

/// Attributes that may appear once per request; a second occurrence is refused rather than
/// letting the later line win, which is how injected lines used to redirect credentials.
const SINGLE_VALUED: [&str; 12] = [
    "protocol",
    "host",
    "path",
    "username",
    "password",
    "password_expiry_utc",
    "oauth_refresh_token",
    "authtype",
    "credential",
    "ephemeral",
    "continue",
    "quit",
];

fn apply(
    c: &mut Credential,
    seen: &mut Vec<&'static str>,
    key: &str,
    value: &str,
) -> Result<(), ProtocolError> {
    if let Some(name) = SINGLE_VALUED.iter().copied().find(|k| *k == key) {
        if seen.contains(&name) {
            return Err(ProtocolError::Repeated { key: name.into() });
        }
        seen.push(name);
    }
    let s = || Some(value.to_owned());
    let secret = || Some(SecretString::from(value.to_owned()));
    match key {
        "protocol" => c.protocol = s(),
        "host" => c.host = s(),
        "path" => c.path = s(),
        "username" => c.username = s(),
        "password" => c.password = secret(),
        // git: parse_timestamp(); 0 or unparsable means no expiry.
        "password_expiry_utc" => c.password_expiry_utc = value.parse().ok().filter(|&t| t != 0),
        "oauth_refresh_token" => c.oauth_refresh_token = secret(),
        "authtype" => c.authtype = s(),
        "credential" => c.credential = secret(),
        "ephemeral" => c.ephemeral = boolean(key, value)?,
        "continue" => c.continue_ = boolean(key, value)?,
        "quit" => c.quit = boolean(key, value)?,
        "capability[]" => push_array(&mut c.capability, value),
        "url" => {
            // git clears the whole credential before parsing url= (credential.c,
            // credential_from_url_gently), so what came before it is gone.
            *c = Credential::default();
            seen.clear();
            let parts = parse_url(value)?;
            seen.extend(["protocol", "host"]);
            c.protocol = Some(parts.protocol);
            c.host = Some(parts.host);
            if parts.username.is_some() {
                seen.push("username");
                c.username = parts.username;
            }
            if let Some(p) = parts.password {
                seen.push("password");
                c.password = Some(SecretString::from(p));
            }
            if parts.path.is_some() {
                seen.push("path");
                c.path = parts.path;
            }
        }
        // "Unrecognised attributes and capabilities are silently discarded." (git-credential(1))
        _ => {}
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

/// git's boolean spellings (config.c, `git_config_bool`): `true|yes|on` or a non-zero integer,
/// `false|no|off`, `0` or empty; anything else is refused (git dies on it).
fn boolean(key: &str, value: &str) -> Result<bool, ProtocolError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Ok(true),
        "false" | "no" | "off" | "" => Ok(false),
        v => v
            .parse::<i64>()
            .map(|n| n != 0)
            .map_err(|_| ProtocolError::NotBoolean {
                key: key.to_owned(),
            }),
    }
}

/// The parts of a `url=` value.
struct UrlParts {
    protocol: String,
    host: String,
    username: Option<String>,
    password: Option<String>,
    path: Option<String>,
}

/// Parses `scheme://[user[:password]@]host[:port][/path]` as git's `credential_from_url` does,
/// percent-decoding the user, password and path.
fn parse_url(url: &str) -> Result<UrlParts, ProtocolError> {
    let bad = |reason| ProtocolError::BadUrl { reason };
    let (scheme, rest) = url.split_once("://").ok_or(bad("it has no scheme"))?;
    if scheme.is_empty() {
        return Err(bad("it has no scheme"));
    }
    // As git's credential_from_url_1: the host ends at the first of `/?#`, and an `@` counts
    // only before that; the username ends at the first `:` before the `@`.
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(end);
    let (username, password, host) = match authority.find('@') {
        None => (None, None, authority),
        Some(at) => {
            let userinfo = &authority[..at];
            let host = &authority[at + 1..];
            match userinfo.split_once(':') {
                Some((u, p)) => (Some(percent_decode(u)?), Some(percent_decode(p)?), host),
                None => (Some(percent_decode(userinfo)?), None, host),
            }
        }
    };
    let path = after.get(1..).map(|p| p.trim_end_matches('/'));
    let path = match path {
        Some(p) if !p.is_empty() => Some(percent_decode(p)?),
        _ => None,
    };
    let host = percent_decode(host)?;
    for part in [&username, &password, &path, &Some(host.clone())]
        .into_iter()
        .flatten()
    {
        // An encoded newline must not smuggle a second attribute (CVE-2020-5260).
        if part.contains(['\n', '\r', '\0', '\u{2028}', '\u{2029}']) {
            return Err(bad("it contains an encoded line break or NUL"));
        }
    }
    Ok(UrlParts {
        protocol: scheme.to_owned(),
        host,
        username,
        password,
        path,
    })
}

fn percent_decode(s: &str) -> Result<String, ProtocolError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ProtocolError::BadUrl {
        reason: "it decodes to bytes that are not UTF-8",
    })
}

/// Writes the attributes of `c` that are set, one `key=value` line each, in the order git
/// itself writes them (credential.c, `credential_write`), with no trailing blank line.
///
/// # Errors
/// Refuses (writing nothing) a value holding `\n`, `\r` or NUL, which git would reject or
/// misread, and returns any I/O error of `out`.
pub fn write(c: &Credential, out: &mut impl Write) -> std::io::Result<()> {
    let mut lines: Vec<(&str, &str)> = Vec::new();
    for cap in &c.capability {
        lines.push(("capability[]", cap));
    }
    fn opt(v: &Option<String>) -> Option<&str> {
        v.as_deref()
    }
    fn sec(v: &Option<SecretString>) -> Option<&str> {
        v.as_ref().map(|s| s.expose_secret())
    }
    let expiry = c.password_expiry_utc.map(|t| t.to_string());
    let fields: [(&str, Option<&str>); 10] = [
        ("authtype", opt(&c.authtype)),
        ("credential", sec(&c.credential)),
        ("ephemeral", c.ephemeral.then_some("1")),
        ("protocol", opt(&c.protocol)),
        ("host", opt(&c.host)),
        ("path", opt(&c.path)),
        ("username", opt(&c.username)),
        ("password", sec(&c.password)),
        ("oauth_refresh_token", sec(&c.oauth_refresh_token)),
        ("password_expiry_utc", expiry.as_deref()),
    ];
    lines.extend(fields.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    for w in &c.wwwauth {
        lines.push(("wwwauth[]", w));
    }
    if c.continue_ {
        lines.push(("continue", "1"));
    }
    for s in &c.state {
        lines.push(("state[]", s));
    }
    if c.quit {
        lines.push(("quit", "1"));
    }
    if let Some((key, _)) = lines.iter().find(|(_, v)| v.contains(['\n', '\r', '\0'])) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("refusing to send '{key}': its value contains a line break or NUL"),
        ));
    }
    let mut text = String::new();
    for (k, v) in lines {
        text.push_str(k);
        text.push('=');
        text.push_str(v);
        text.push('\n');
    }
    out.write_all(text.as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Credential, ProtocolError> {
        read(&mut s.as_bytes())
    }

    fn written(c: &Credential) -> String {
        let mut out = Vec::new();
        write(c, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn reads_every_attribute_git_sends_and_ends_at_eof_without_a_blank_line() {
        let c = parse(
            "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=github.com:8443\n\
             path=o/r.git\nusername=alice\npassword=ghp_x\noauth_refresh_token=r\n\
             password_expiry_utc=1900000000\nwwwauth[]=Basic realm=\"git\"\nstate[]=pat:1\n\
             authtype=basic\nephemeral=1\ncontinue=yes\nquit=off",
        )
        .unwrap();
        assert_eq!(c.protocol.as_deref(), Some("https"));
        assert_eq!(c.host.as_deref(), Some("github.com:8443"));
        assert_eq!(c.path.as_deref(), Some("o/r.git"));
        assert_eq!(c.username.as_deref(), Some("alice"));
        assert_eq!(c.password.as_ref().unwrap().expose_secret(), "ghp_x");
        assert_eq!(c.oauth_refresh_token.as_ref().unwrap().expose_secret(), "r");
        assert_eq!(c.password_expiry_utc, Some(1_900_000_000));
        assert_eq!(c.capability, ["authtype", "state"]);
        assert_eq!(c.wwwauth, ["Basic realm=\"git\""]);
        assert_eq!(c.state, ["pat:1"]);
        assert_eq!(c.authtype.as_deref(), Some("basic"));
        assert!(c.ephemeral && c.continue_ && !c.quit);
    }

    #[test]
    fn stops_at_the_first_blank_line() {
        let c = parse("protocol=https\n\nhost=evil.example\n").unwrap();
        assert_eq!(c.host, None);
    }

    #[test]
    fn tolerates_crlf_line_ends_but_refuses_any_other_carriage_return() {
        let c = parse("protocol=https\r\nhost=github.com\r\n").unwrap();
        assert_eq!(c.host.as_deref(), Some("github.com"));
        let e = parse("protocol=https\nhost=github.com\rhost=evil.example\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the value of 'host' contains a carriage return"
        );
    }

    #[test]
    fn refuses_nul_and_unicode_line_separators() {
        assert!(matches!(
            parse("host=a\0b\n"),
            Err(ProtocolError::ForbiddenCharacter { .. })
        ));
        assert!(matches!(
            parse("host=a\u{2028}host=b\n"),
            Err(ProtocolError::ForbiddenCharacter { .. })
        ));
        assert!(matches!(
            parse("username=a\u{2029}\n"),
            Err(ProtocolError::ForbiddenCharacter { .. })
        ));
    }

    #[test]
    fn refuses_a_repeated_single_valued_key() {
        let e = parse("protocol=https\nhost=github.com\nhost=evil.example\n").unwrap_err();
        assert_eq!(e.to_string(), "'host' is given more than once");
    }

    #[test]
    fn ignores_unknown_keys() {
        let c = parse("protocol=https\nfuture=1\nhost=h\n").unwrap();
        assert_eq!(c.host.as_deref(), Some("h"));
    }

    #[test]
    fn refuses_a_line_without_an_equals_sign() {
        assert_eq!(
            parse("protocol=https\nhost\n").unwrap_err(),
            ProtocolError::NotKeyValue { line: 2 }
        );
    }

    #[test]
    fn an_empty_array_value_resets_the_array() {
        let c = parse("wwwauth[]=a\nwwwauth[]=b\nwwwauth[]=\nwwwauth[]=c\n").unwrap();
        assert_eq!(c.wwwauth, ["c"]);
    }

    #[test]
    fn refuses_a_line_over_65535_bytes_and_accepts_one_at_the_limit() {
        let ok = format!("host={}\n", "a".repeat(MAX_LINE_BYTES - 6));
        assert_eq!(ok.len(), MAX_LINE_BYTES);
        assert!(parse(&ok).is_ok());
        let long = format!("host={}\n", "a".repeat(MAX_LINE_BYTES - 5));
        assert_eq!(
            parse(&long).unwrap_err(),
            ProtocolError::LineTooLong { line: 1 }
        );
        let no_newline = format!("host={}", "a".repeat(MAX_LINE_BYTES));
        assert!(parse(&no_newline).is_err());
        // Exactly 65,535 bytes with no newline at the end of input: over the limit too, since
        // git counts the newline.
        let exact = format!("host={}", "a".repeat(MAX_LINE_BYTES - 5));
        assert_eq!(exact.len(), MAX_LINE_BYTES);
        assert_eq!(
            parse(&exact).unwrap_err(),
            ProtocolError::LineTooLong { line: 1 }
        );
        let under = format!("host={}", "a".repeat(MAX_LINE_BYTES - 6));
        assert!(parse(&under).is_ok());
    }

    #[test]
    fn stops_reading_input_over_one_mebibyte() {
        let line = format!("x={}\n", "a".repeat(1000));
        let many = line.as_bytes().repeat(2000);
        assert_eq!(
            read(&mut many.as_slice()).unwrap_err(),
            ProtocolError::InputTooLong
        );
        let mut endless = std::io::BufReader::new(std::io::repeat(b'x'));
        assert_eq!(
            read(&mut endless).unwrap_err(),
            ProtocolError::LineTooLong { line: 1 }
        );
    }

    #[test]
    fn refuses_a_boolean_git_would_die_on() {
        assert_eq!(
            parse("quit=maybe\n").unwrap_err().to_string(),
            "'quit' is not a boolean"
        );
        assert!(parse("quit=2\n").unwrap().quit);
        assert!(!parse("ephemeral=\n").unwrap().ephemeral);
    }

    #[test]
    fn treats_a_zero_or_non_numeric_expiry_as_none_like_git() {
        assert_eq!(
            parse("password_expiry_utc=0\n")
                .unwrap()
                .password_expiry_utc,
            None
        );
        assert_eq!(
            parse("password_expiry_utc=soon\n")
                .unwrap()
                .password_expiry_utc,
            None
        );
    }

    #[test]
    fn url_sets_its_parts_and_clears_what_came_before() {
        let c = parse("username=old\nurl=https://bob:pw%40x@GitHub.com:8443/o/r.git\n").unwrap();
        assert_eq!(c.protocol.as_deref(), Some("https"));
        assert_eq!(c.host.as_deref(), Some("GitHub.com:8443"));
        assert_eq!(c.username.as_deref(), Some("bob"));
        assert_eq!(c.password.as_ref().unwrap().expose_secret(), "pw@x");
        assert_eq!(c.path.as_deref(), Some("o/r.git"));
    }

    #[test]
    fn url_followed_by_a_username_it_lacked_is_accepted_but_not_one_it_had() {
        let c = parse("url=https://github.com\nusername=bob\n").unwrap();
        assert_eq!(c.username.as_deref(), Some("bob"));
        assert!(parse("url=https://a@github.com\nusername=bob\n").is_err());
    }

    #[test]
    fn url_splits_like_gits_own_parser() {
        let host = |url: &str| parse(&format!("url={url}\n")).unwrap().host.unwrap();
        assert_eq!(host("https://evil.example?@github.com/"), "evil.example");
        assert_eq!(host("https://evil.example#@github.com/"), "evil.example");
        assert_eq!(host("https://u@evil@github.com/"), "evil@github.com");
        let c = parse("url=https://u:p:q@h/a/b//\n").unwrap();
        assert_eq!(c.username.as_deref(), Some("u"));
        assert_eq!(c.password.unwrap().expose_secret(), "p:q");
        assert_eq!(c.path.as_deref(), Some("a/b"));
    }

    #[test]
    fn raw_bytes_in_wwwauth_state_and_unknown_keys_do_not_refuse_the_request() {
        let mut input =
            b"protocol=https\nhost=github.com\nwwwauth[]=Basic realm=\"Gitea \xe9 \xe2\x80\xa8\"\n"
                .to_vec();
        input.extend_from_slice(b"state[]=x\xff\nfuture\xff=\r\x00\n");
        let c = read(&mut input.as_slice()).unwrap();
        assert_eq!(c.host.as_deref(), Some("github.com"));
        assert_eq!(c.wwwauth.len(), 1);
        assert!(c.wwwauth[0].starts_with("Basic realm=\"Gitea "));
        assert_eq!(c.state.len(), 1);
    }

    #[test]
    fn url_with_an_encoded_newline_is_refused() {
        let e = parse("url=https://github.com%0ahost=evil.example/\n").unwrap_err();
        assert!(matches!(e, ProtocolError::BadUrl { .. }));
        assert!(!e.to_string().contains("evil"));
    }

    #[test]
    fn url_without_a_scheme_is_refused() {
        assert!(matches!(
            parse("url=github.com/o/r\n"),
            Err(ProtocolError::BadUrl { .. })
        ));
    }

    #[test]
    fn url_with_an_empty_host_gives_an_empty_host_not_a_wildcard() {
        let c = parse("url=https:///o/r\n").unwrap();
        assert_eq!(c.host.as_deref(), Some(""));
    }

    #[test]
    fn error_messages_never_contain_the_value() {
        let e = parse("password=ghp_SECRET\rx\n").unwrap_err();
        assert!(!e.to_string().contains("SECRET"));
        let e = parse("url=https://u:ghp_SECRET@h/%0a\n").unwrap_err();
        assert!(!e.to_string().contains("SECRET"));
    }

    #[test]
    fn writes_in_gits_order_and_round_trips_empty_values() {
        let c = Credential {
            protocol: Some("https".into()),
            host: Some("h".into()),
            username: Some(String::new()),
            password: Some(SecretString::from("")),
            password_expiry_utc: Some(5),
            oauth_refresh_token: Some(SecretString::from("r")),
            ..Default::default()
        };
        let text = written(&c);
        assert_eq!(
            text,
            "protocol=https\nhost=h\nusername=\npassword=\noauth_refresh_token=r\npassword_expiry_utc=5\n"
        );
        let back = parse(&text).unwrap();
        assert_eq!(back.username.as_deref(), Some(""));
        assert_eq!(back.password.unwrap().expose_secret(), "");
    }

    #[test]
    fn refuses_to_write_a_value_with_a_line_break() {
        let c = Credential {
            username: Some("a\nhost=evil".into()),
            ..Default::default()
        };
        let mut out = Vec::new();
        assert!(write(&c, &mut out).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn debug_output_does_not_show_secrets() {
        let c = parse("password=ghp_SECRET\noauth_refresh_token=ghr_SECRET\n").unwrap();
        assert!(!format!("{c:?}").contains("SECRET"));
    }
}

//! `git credential-pat login [URL|HOST] [--token-stdin] [--no-browser]`: create and store a
//! token for a host outside of a git command, with the same flow and checks as `get`.

use crate::config::HostSettings;
use crate::forge::Forge;
use crate::helper::Query;
use crate::login::{self, Outcome, Target, Tty};
use crate::protocol;
use crate::vault::{Vault, VaultError};
use anyhow::{Context, bail};
use secrecy::SecretString;
use std::io::BufRead;

/// What `login` was asked to do.
pub struct Options<'a> {
    /// `HOST`, `HOST:PORT` or a URL; `github.com` when `None`.
    pub target: Option<&'a str>,
    /// Read the token from stdin instead of the terminal.
    pub token_stdin: bool,
    /// Do not open a browser.
    pub no_browser: bool,
    /// The lab timer, e.g. `8h`; `None`: `credential.<url>.patLifetime`.
    pub lifetime: Option<&'a str>,
    /// Mark the token as the host's default.
    pub default: bool,
}

/// Runs `login`. `now` is seconds since the Unix epoch.
///
/// # Errors
/// When the target is not an https URL or host, its forge is unknown, no token was given, the
/// forge refused the token, or the keychain failed.
pub fn run(
    options: &Options,
    open_vault: impl FnOnce() -> Result<Vault, VaultError>,
    now: u64,
) -> anyhow::Result<()> {
    let query = parse_target(
        options
            .target
            .unwrap_or(crate::commands::configure::DEFAULT_HOST),
    )?;
    let settings = HostSettings::read(&Target::of(&query).url());
    let lifetime = options.lifetime.or(settings.lifetime.as_deref());
    let mut target = Target::of(&query).with_lifetime(lifetime, now)?;
    target.default = options.default;
    let Some(forge) = Forge::detect(&query.host, &[], &settings) else {
        bail!(
            "which forge is {host}? Tell git-credential-pat with \
             `git config --global credential.{url}.patForge github` (or ghes, gitlab, gitea)",
            host = query.host,
            url = target.url()
        );
    };
    let vault = open_vault()?;
    let err = &mut std::io::stderr();
    if options.token_stdin {
        let mut line = secrecy::zeroize::Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("could not read the token from stdin")?;
        let token = SecretString::from(line.trim().to_owned());
        login::non_interactive(&forge, &target, &vault, token, err, now)?;
        return Ok(());
    }
    let settings_allow_browser = !settings.browser_forbidden();
    let browser: Option<&login::OpenBrowser> =
        (settings_allow_browser && !options.no_browser).then_some(&login::open_in_browser);
    if std::fs::File::open("/dev/tty").is_err() {
        bail!("there is no terminal to paste a token into; pipe it in with --token-stdin");
    }
    match login::interactive(&forge, &target, &vault, &mut Tty, browser, err, now)? {
        Outcome::Stored(_) => Ok(()),
        Outcome::Cancelled => bail!("no token given; nothing was stored"),
        Outcome::GaveUp => bail!("no token was accepted; nothing was stored"),
    }
}

/// `github.com`, `github.com:8443`, `https://alice@github.com/org/repo.git` → the query `get`
/// would make for it; only https, or http for a loopback host.
pub fn parse_target(target: &str) -> anyhow::Result<Query> {
    let url = if target.contains("://") {
        target.to_owned()
    } else {
        format!("https://{target}")
    };
    let shown = without_userinfo(target);
    let request = protocol::read(&mut format!("url={url}\n").as_bytes())
        .with_context(|| format!("'{shown}' is not a host name or URL"))?;
    match Query::for_get(&request) {
        Some(query) => Ok(query),
        None => {
            bail!("'{shown}' is not an https URL or a host name; tokens are only sent over https")
        }
    }
}

/// `target` with any `user:password@` removed, for messages: a pasted URL may hold a token.
fn without_userinfo(target: &str) -> String {
    let (scheme, rest) = target.split_once("://").unwrap_or(("", target));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let rest = match rest[..end].find('@') {
        Some(at) => format!("…@{}", &rest[at + 1..]),
        None => rest.to_owned(),
    };
    let shown = if scheme.is_empty() {
        rest
    } else {
        format!("{scheme}://{rest}")
    };
    crate::commands::list::escape(&shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_targets_are_hosts_or_https_urls() {
        let q = parse_target("GitHub.com").unwrap();
        assert_eq!(
            (q.protocol.as_str(), q.host.as_str()),
            ("https", "github.com")
        );
        let q = parse_target("https://alice@gitlab.example.com:8443/g/r.git").unwrap();
        assert_eq!(q.host, "gitlab.example.com:8443");
        assert_eq!(q.username.as_deref(), Some("alice"));
        assert!(parse_target("http://github.com").is_err());
        assert!(parse_target("http://127.0.0.1:9").is_ok());
        assert!(parse_target("").is_err());
    }

    #[test]
    fn a_target_that_holds_a_token_is_never_repeated_in_an_error() {
        let e = parse_target("https://u:ghp_SECRET@github.com%0a/").unwrap_err();
        assert!(!format!("{e:#}").contains("ghp_SECRET"), "{e:#}");
        assert!(
            format!("{e:#}").contains("'https://…@github.com%0a/'"),
            "{e:#}"
        );
    }
}

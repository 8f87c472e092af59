//! `git credential-pat login [URL|HOST] [--token-stdin] [--no-browser]`: create and store a
//! token for a host outside of a git command, with the same flow and checks as `get`.

use crate::cli::{self, Context, DEFAULT_HOST, Run};
use crate::forge::Forge;
use crate::git::HostSettings;
use crate::helper::Query;
use crate::login::{self, Outcome, Target, Tty};
use anyhow::{Context as _, bail};
use secrecy::SecretString;
use std::io::{BufRead, Read};

/// The most `login --token-stdin` reads: 64 KiB (tokens are under 300 bytes).
const MAX_STDIN_TOKEN: u64 = 64 * 1024;

impl Run for cli::Login {
    /// Runs `login`.
    ///
    /// # Errors
    /// When the target is not an https URL or host, its forge is unknown, no token was given,
    /// the forge refused the token, or the keychain failed.
    fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        let (options, now) = (self, ctx.now);
        let open_vault = || ctx.open_vault();
        let query = Query::for_target(options.target.as_deref().unwrap_or(DEFAULT_HOST))?;
        let settings = HostSettings::read(&Target::of(&query).url());
        let lifetime = options.lifetime.or(settings.lifetime);
        let mut target = Target::of(&query).with_lifetime(lifetime, now);
        target.default = options.default;
        let Some(forge) = Forge::detect(&query.origin.host, &[], &settings) else {
            bail!(
                "which forge is {host}? Tell git-credential-pat with \
             `git config --global credential.{url}.patForge github` (or ghes, gitlab, gitea)",
                host = query.origin.host,
                url = target.url()
            );
        };
        let vault = open_vault()?;
        let err = &mut std::io::stderr();
        if options.token_stdin {
            let mut line = secrecy::zeroize::Zeroizing::new(String::new());
            std::io::stdin()
                .lock()
                .take(MAX_STDIN_TOKEN + 1)
                .read_line(&mut line)
                .context("could not read the token from stdin")?;
            if line.len() as u64 > MAX_STDIN_TOKEN {
                bail!(
                    "the token on stdin is longer than 64 KiB; give the token alone, on one line"
                );
            }
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
}

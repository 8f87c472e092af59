//! `git credential-pat login [URL|HOST] [--token-stdin] [--no-browser]`: create and store a
//! token for a host outside of a git command, with the same flow and checks as `get`.

use crate::cli::{self, Context, DEFAULT_HOST, Run};
use crate::ending;
use crate::forge::Forge;
use crate::git::HostSettings;
use crate::helper::Query;
use crate::helper::same_login;
use crate::login::{self, Outcome, Prompter, Target, Tty};
use crate::protocol::Credential;
use crate::show::{SaidBy, token_facts};
use crate::vault::{Found, Stored, Vault};
use anyhow::{Context as _, bail};
use secrecy::ExposeSecret;
use secrecy::SecretString;
use std::io::Write;
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
        let Some(forge) = Forge::detect(&query.origin.host, &[], &settings.forge) else {
            bail!(
                "which forge is {host}? Tell git-credential-pat with \
             `git config --global credential.{url}.patForge github` (or ghes, gitlab, gitea)",
                host = query.origin.host,
                url = target.url()
            );
        };
        let vault = open_vault()?;
        let err = &mut std::io::stderr();
        let old = stored_now(&vault, &query)?;
        if !old.is_empty() {
            let shown: Vec<String> = old.iter().map(|(f, s)| describe(f, s, now)).collect();
            writeln!(
                err,
                "git-credential-pat: already stored for {}: {}.",
                target.url(),
                shown.join("; ")
            )?;
            if !options.token_stdin {
                if crate::tty::open().is_err() {
                    bail!(
                        "a token is stored already; to replace it, pipe the new one in with --token-stdin"
                    );
                }
                let question = if old.len() == 1 {
                    "Replace it with a new token? [y/N] "
                } else {
                    "Store a new token (it replaces the one of its user)? [y/N] "
                };
                if !Tty.confirm(question)? {
                    bail!("kept the stored token; nothing changed");
                }
            }
        }
        if options.token_stdin {
            let mut line = secrecy::zeroize::Zeroizing::new(String::new());
            std::io::stdin()
                .lock()
                .take(MAX_STDIN_TOKEN + 1)
                .read_line(&mut line)
                .context("could not read the token from stdin")?;
            if line.len() as u64 > MAX_STDIN_TOKEN {
                bail!(
                    "the token on stdin is longer than {} KiB; give the token alone, on one line",
                    MAX_STDIN_TOKEN / 1024
                );
            }
            let token = SecretString::from(line.trim().to_owned());
            let answer = login::non_interactive(&forge, &target, &vault, token, err, now)?;
            return replaced(&vault, old, &answer, err, now);
        }
        let settings_allow_browser = !settings.browser_forbidden();
        let browser: Option<&login::OpenBrowser> =
            (settings_allow_browser && !options.no_browser).then_some(&login::open_in_browser);
        if crate::tty::open().is_err() {
            bail!("there is no terminal to paste a token into; pipe it in with --token-stdin");
        }
        match login::interactive(&forge, &target, &vault, &mut Tty, browser, err, now)? {
            Outcome::Stored(answer) => replaced(&vault, old, &answer, err, now),
            Outcome::Cancelled => bail!("no token given; nothing was stored"),
            Outcome::GaveUp => bail!(login::gave_up()),
        }
    }
}

/// The tokens stored for the host (and user, when the target names one) of `query`.
fn stored_now(vault: &Vault, query: &Query) -> anyhow::Result<Vec<(Found, Stored)>> {
    let mut out = Vec::new();
    for f in vault.find(&query.origin)? {
        if query
            .username
            .as_ref()
            .is_some_and(|u| !same_login(u, &f.account.username))
        {
            continue;
        }
        if let Some(s) = vault.read(&f)? {
            out.push((f, s));
        }
    }
    Ok(out)
}

/// `alice (scopes repo, workflow; expires in 6 days)`: a stored token, for a person.
fn describe(f: &Found, s: &Stored, now: u64) -> String {
    let facts = token_facts(
        s.scopes.as_deref(),
        s.password_expiry_utc,
        &SaidBy::Keychain,
        now,
    );
    format!("{} ({facts})", crate::show::escape(&f.account.username))
}

/// After a new token was stored as `answer`: each old token of the same user that is another
/// token is revoked at the forge where it can be, erased when it was under another name, and
/// otherwise named as still live.
fn replaced(
    vault: &Vault,
    old: Vec<(Found, Stored)>,
    answer: &Credential,
    err: &mut dyn Write,
    now: u64,
) -> anyhow::Result<()> {
    let (Some(user), Some(new)) = (answer.username.as_deref(), answer.password.as_ref()) else {
        return Ok(());
    };
    for (found, stored) in old {
        if !same_login(&found.account.username, user)
            || stored.password.expose_secret() == new.expose_secret()
        {
            continue;
        }
        let name = found.account.display_name();
        match ending::revoke(&found.account, &stored, now) {
            dead if dead.is_dead() => writeln!(
                err,
                "git-credential-pat: the replaced token of {name}: {dead}."
            )?,
            why => writeln!(
                err,
                "git-credential-pat: the replaced token of {name} STILL WORKS at the forge until it expires: {why}."
            )?,
        }
        if found.account.username != user {
            vault.delete(&found)?;
        }
    }
    Ok(())
}

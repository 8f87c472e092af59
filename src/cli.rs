//! The command line: git's helper operations (`get`, `store`, `erase`) and the user's
//! commands, parsed with clap, and dispatched.
//!
//! git runs a helper configured as `pat --store=keyutils` as
//! `git-credential-pat --store=keyutils get`, so the options come before the operation; they
//! are also accepted after it.

use crate::commands;
use crate::helper::{self, HelperError, Operation, Query};
use crate::vault::{NAMESPACE_ENV, StoreChoice, Vault, VaultError};
use crate::{expiry, login, protocol};
use clap::{Parser, Subcommand};
use std::ffi::OsString;

/// A git credential helper that keeps personal access tokens in the OS keychain.
#[derive(Debug, Parser)]
#[command(name = "git-credential-pat", version)]
pub struct Cli {
    /// Which keychain holds the tokens: auto (Secret Service if one answers, else the kernel
    /// keyring, on Linux; the native keychain elsewhere), secret-service, or keyutils.
    #[arg(long, global = true, value_enum, default_value_t = StoreChoice::Auto)]
    pub store: StoreChoice,
    /// Keep a separate set of tokens under this name (letters, digits, '.', '_', '-').
    #[arg(long, global = true, env = NAMESPACE_ENV)]
    pub namespace: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The operations git sends and the commands a person runs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// (git) Answer the stored token for the request on stdin.
    Get,
    /// (git) Keep the credential on stdin, which git has just used successfully.
    Store,
    /// (git) Forget the credential on stdin, which the server has just rejected.
    Erase,
    /// Point git at this helper for the given hosts (default: github.com) in the global config.
    Configure {
        /// Hosts to configure, e.g. github.com or gitlab.example.com.
        hosts: Vec<String>,
    },
    /// Create (in the browser) and store a token for a host: the same flow `get` starts when
    /// nothing is stored and you are at the terminal.
    Login {
        /// The host or URL, e.g. github.com or https://gitlab.example.com (default: github.com).
        target: Option<String>,
        /// Read the token from stdin (one line) instead of asking; opens no browser.
        #[arg(long)]
        token_stdin: bool,
        /// Print the token page's address but do not open a browser.
        #[arg(long)]
        no_browser: bool,
    },
    /// Undo `configure` for the given hosts (default: github.com).
    Unconfigure {
        /// Hosts to unconfigure.
        hosts: Vec<String>,
    },
    /// Any other operation git may send in the future, e.g. `capability`: ignored, as
    /// gitcredentials(7) asks of helpers.
    #[command(external_subcommand)]
    Other(Vec<OsString>),
}

/// Runs the parsed command. The exit code is 0 for every operation git sends, failures
/// included (git ignores a helper's exit code, and a failing keychain must not stop git from
/// asking its next helper); 1 for a failed user command.
///
/// # Errors
/// The failure to print as one line on stderr; the returned code is the exit code.
pub fn run(cli: Cli) -> (i32, anyhow::Result<()>) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let namespace = cli.namespace.as_deref();
    let open_vault = || Vault::open(cli.store, namespace);
    let op = match cli.command {
        Command::Get => return (0, get(open_vault, now)),
        Command::Store => Operation::Store,
        Command::Erase => Operation::Erase,
        Command::Login {
            target,
            token_stdin,
            no_browser,
        } => {
            let options = commands::login::Options {
                target: target.as_deref(),
                token_stdin,
                no_browser,
            };
            return (1, commands::login::run(&options, open_vault, now));
        }
        Command::Configure { hosts } => {
            return (
                1,
                commands::configure::configure(&hosts, cli.store, namespace),
            );
        }
        Command::Unconfigure { hosts } => {
            return (1, commands::configure::unconfigure(&hosts));
        }
        Command::Other(_) => return (0, Ok(())),
    };
    let result = helper::run(
        op,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        open_vault,
        now,
    );
    (0, result.map_err(Into::into))
}

/// git's `get`: the stored token if there is one (the hot path: no process, no network),
/// else the login flow's answer (see [`login::on_missing`]).
fn get(open_vault: impl FnOnce() -> Result<Vault, VaultError>, now: u64) -> anyhow::Result<()> {
    let request = protocol::read(&mut std::io::stdin().lock()).map_err(HelperError::from)?;
    let Some(query) = Query::for_get(&request) else {
        return Ok(());
    };
    let vault = open_vault()?;
    let stderr = &mut std::io::stderr();
    let answer = match helper::get(&query, &vault, now)? {
        Some(answer) => {
            let user = answer.username.as_deref().unwrap_or_default();
            let account = format!(
                "{} {}://{user}@{}",
                vault.service(),
                query.protocol,
                query.host
            );
            let record = expiry::record_path();
            let expires = answer.password_expiry_utc;
            expiry::warn_if_soon(
                &account,
                user,
                &query.host,
                expires,
                now,
                record.as_deref(),
                stderr,
            );
            Some(answer)
        }
        None => login::on_missing(&request, &query, &vault, stderr, now)?,
    };
    if let Some(answer) = answer {
        protocol::write(&answer, &mut std::io::stdout().lock()).map_err(HelperError::from)?;
    }
    Ok(())
}

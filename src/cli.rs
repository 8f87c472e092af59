//! The command line: git's helper operations (`get`, `store`, `erase`) and the user's
//! commands, parsed with clap, and dispatched.
//!
//! git runs a helper configured as `pat --store=keyutils` as
//! `git-credential-pat --store=keyutils get`, so the options come before the operation; they
//! are also accepted after it.

use crate::commands;
use crate::commands::list::escape;
use crate::helper::{self, HelperError, Operation, Query};
use crate::vault::{NAMESPACE_ENV, StoreChoice, Vault, VaultError};
use crate::{expiry, login, protocol};
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write;

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
        /// The lab timer: erase the token this long after now, e.g. 8h or 3days (default:
        /// credential.<url>.patLifetime).
        #[arg(long = "for", value_name = "DURATION")]
        lifetime: Option<String>,
        /// Serve this token when git names no user and several are stored for the host.
        #[arg(long)]
        default: bool,
    },
    /// Show the stored tokens: host, user, forge, scopes, expiry, keychain. Never the token.
    List {
        /// Print JSON for scripts instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Forget tokens everywhere: in the keychain, in every other helper git uses, and with
    /// --revoke at the forge.
    Logout {
        /// The host or URL (default: github.com).
        target: Option<String>,
        /// Only this user's token.
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
        /// Every stored token, on every host.
        #[arg(long, conflicts_with = "target")]
        all: bool,
        /// Also revoke the tokens at the forge, so that they stop working everywhere.
        #[arg(long)]
        revoke: bool,
        /// Do not ask before erasing more than one token.
        #[arg(long)]
        yes: bool,
        /// Erase a token even when it could not be revoked.
        #[arg(long, requires = "revoke")]
        force: bool,
    },
    /// Point git at this helper, and only it, for the given hosts (default: github.com).
    Configure {
        /// Hosts to configure, e.g. github.com or gitlab.example.com.
        hosts: Vec<String>,
    },
    /// Undo `configure` for the given hosts (default: every host it set up).
    Unconfigure {
        /// Hosts to unconfigure.
        hosts: Vec<String>,
    },
    /// Check the installation, git's configuration, the keychain and the stored tokens.
    Doctor {
        /// Do not check the tokens with the forges.
        #[arg(long)]
        offline: bool,
    },
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    #[command(hide = true)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(hide = true)]
    Manpage,
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
    let store = cli.store;
    let namespace = cli.namespace.clone();
    let open_vault = {
        let namespace = namespace.clone();
        move || Vault::open(store, namespace.as_deref())
    };
    let op = match cli.command {
        Command::Get => return (0, get(open_vault, now)),
        Command::Store => Operation::Store,
        Command::Erase => Operation::Erase,
        Command::Other(_) => return (0, Ok(())),
        command => {
            return (
                1,
                run_command(command, &store, namespace.as_deref(), open_vault, now),
            );
        }
    };
    let result = within_deadline(move || {
        helper::run(
            op,
            &mut std::io::stdin().lock(),
            &mut std::io::stdout().lock(),
            open_vault,
            now,
        )
    });
    (0, result.and_then(|r| r.map_err(Into::into)))
}

/// The commands a person runs.
fn run_command(
    command: Command,
    store: &StoreChoice,
    namespace: Option<&str>,
    open_vault: impl FnOnce() -> Result<Vault, VaultError>,
    now: u64,
) -> anyhow::Result<()> {
    match command {
        Command::Login {
            target,
            token_stdin,
            no_browser,
            lifetime,
            default,
        } => {
            let options = commands::login::Options {
                target: target.as_deref(),
                token_stdin,
                no_browser,
                lifetime: lifetime.as_deref(),
                default,
            };
            commands::login::run(&options, open_vault, now)
        }
        Command::List { json } => commands::list::run(json, &open_vault()?, now),
        Command::Logout {
            target,
            user,
            all,
            revoke,
            yes,
            force,
        } => {
            let options = commands::logout::Options {
                target: target.as_deref(),
                user: user.as_deref(),
                all,
                revoke,
                yes,
                force,
            };
            commands::logout::run(&options, &open_vault()?)
        }
        Command::Configure { hosts } => commands::configure::configure(&hosts, *store, namespace),
        Command::Unconfigure { hosts } => commands::configure::unconfigure(&hosts),
        Command::Doctor { offline } => commands::doctor::run(offline, *store, namespace, now),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(
                shell,
                &mut cmd,
                "git-credential-pat",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Command::Manpage => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
            Ok(())
        }
        Command::Get | Command::Store | Command::Erase | Command::Other(_) => Ok(()),
    }
}

/// git's `get`: the stored token if there is one (the hot path: no process, no network),
/// else the login flow's answer (see [`login::on_missing`]).
/// How long git's operations may wait for the keychain before the helper gives up, so that a
/// hung keychain (a Secret Service that does not answer) does not hang git.
pub const KEYCHAIN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs `work` on its own thread and waits at most [`KEYCHAIN_DEADLINE`] for it.
///
/// # Errors
/// When the deadline passes; the thread is then abandoned (the process exits soon after).
pub fn within_deadline<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    rx.recv_timeout(KEYCHAIN_DEADLINE).map_err(|_| {
        anyhow::anyhow!(
            "the keychain did not answer within {} s; giving up so that git can go on \
             (is the keyring locked, or its daemon stuck?)",
            KEYCHAIN_DEADLINE.as_secs()
        )
    })
}

/// git's `get`: the stored token if there is one (the hot path: no process, no network),
/// else the login flow's answer (see [`login::on_missing`]).
fn get(
    open_vault: impl FnOnce() -> Result<Vault, VaultError> + Send + 'static,
    now: u64,
) -> anyhow::Result<()> {
    let request = protocol::read(&mut std::io::stdin().lock()).map_err(HelperError::from)?;
    let Some(query) = Query::for_get(&request) else {
        return Ok(());
    };
    let lookup = {
        let query = query.clone();
        move || -> Result<(Vault, helper::Served), VaultError> {
            let vault = open_vault()?;
            let served = helper::get(&query, &vault, now)?;
            Ok((vault, served))
        }
    };
    let (vault, served) = within_deadline(lookup)??;
    let stderr = &mut std::io::stderr();
    for ended in &served.lab_ended {
        // Names from the keychain are escaped: they must not drive the terminal.
        let (user, host) = (escape(&ended.username), escape(&ended.host));
        writeln!(
            stderr,
            "git-credential-pat: the lab timer of {user}'s token for {host} ran out; it was \
             erased. Run `git credential-pat login {host}` for a new one.",
        )?;
    }
    let answer = match served.answer {
        Some(answer) => {
            let user = escape(answer.username.as_deref().unwrap_or_default());
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
                &user,
                &escape(&query.host),
                expires,
                now,
                record.as_deref(),
                stderr,
            );
            Some(answer)
        }
        // After a lab ends, git must not be walked into making a new token for it.
        None if !served.lab_ended.is_empty() => None,
        None => login::on_missing(&request, &query, &vault, stderr, now)?,
    };
    if let Some(mut answer) = answer {
        helper::mark_served(&request, &mut answer);
        protocol::write(&answer, &mut std::io::stdout().lock()).map_err(HelperError::from)?;
    }
    Ok(())
}

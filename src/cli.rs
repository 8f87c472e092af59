//! The command line, with clap: each command's arguments as a struct, and the [`Run`] trait
//! that each command implements in its own file under `commands/` (zoxide's layout).
//!
//! git runs a helper configured as `pat --store=keyutils` as
//! `git-credential-pat --store=keyutils get`: the options come before the operation, and the
//! operation is always the last word. [`git_operation`] recognises that shape before clap
//! builds its parser, because `get` is the hot path; everything a person types goes through
//! clap.

use crate::helper::Operation;
use crate::vault::{NAMESPACE_ENV, StoreChoice, Vault, VaultError};
use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;

/// A git credential helper that keeps personal access tokens in the OS keychain.
#[derive(Debug, Parser)]
#[command(
    name = "git-credential-pat",
    version,
    arg_required_else_help = true,
    after_help = EXAMPLES,
    after_long_help = EXAMPLES
)]
pub struct Cli {
    /// Which keychain holds the tokens: auto, secret-service or keyutils.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = StoreChoice::Auto,
        help_heading = "Global options",
        long_help = "Which keychain holds the tokens: auto (Secret Service if one answers, else \
                     the kernel keyring, on Linux; the native keychain elsewhere), \
                     secret-service, or keyutils."
    )]
    pub store: StoreChoice,
    /// Keep a separate set of tokens under this name (letters, digits, '.', '_', '-').
    #[arg(long, global = true, env = NAMESPACE_ENV, help_heading = "Global options")]
    pub namespace: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The examples under `git credential-pat --help`: one for each command a person runs.
pub(crate) const EXAMPLES: &str = "\
Examples:
  git credential-pat login gitlab.com           create and store a token (browser)
  git credential-pat list                       the stored tokens, never the token itself
  git credential-pat logout --revoke            forget the github.com token, revoke it
  git credential-pat token | gh auth login --with-token
                                                the token git would be served, to a pipe
  git credential-pat exec -- docker compose up  run a tool with GITHUB_TOKEN set
  git credential-pat import                     move tokens out of ~/.git-credentials
  git credential-pat configure github.com       make git use this helper for a host
  git credential-pat doctor                     check the installation and the tokens
  git credential-pat agent --ssh lab-vm         git on lab-vm uses this machine's tokens

git runs get, store and erase itself (`credential.helper = pat`).";

/// The commands a person runs (first, in the order `--help` lists them) and the operations
/// git sends (last).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create (in the browser) and store a token for a host: the same flow `get` starts when
    /// nothing is stored and you are at the terminal.
    Login(Login),
    /// Show the stored tokens: host, user, forge, scopes, expiry, keychain. Never the token.
    List(List),
    /// Forget tokens everywhere: in the keychain, in every other helper git uses, and with
    /// --revoke at the forge.
    Logout(Logout),
    /// Print the token git would be served for a host, to a pipe (or --copy it).
    Token(Token),
    /// Run a command with the token in an environment variable (GITHUB_TOKEN, ...).
    Exec(Exec),
    /// Move tokens from git-credential-store's plaintext files (~/.git-credentials) into the
    /// keychain, and remove their lines from the files.
    Import(Import),
    /// Point git at this helper, and only it, for the given hosts (default: github.com).
    Configure(Configure),
    /// Undo `configure` for the given hosts (default: every host it set up).
    Unconfigure(Unconfigure),
    /// Check the installation, git's configuration, the keychain and the stored tokens.
    Doctor(Doctor),
    /// Serve the tokens to git on other machines (a lab VM over SSH, a container) through
    /// git's own credential-cache client: the far side keeps nothing.
    Agent(Agent),
    /// (git's) Answer the stored token for the request on stdin.
    Get,
    /// (git's) Keep the credential on stdin, which git has just used successfully.
    Store,
    /// (git's) Forget the credential on stdin, which the server has just rejected.
    Erase,
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    #[command(hide = true)]
    Completions(Completions),
    /// Print the man page (roff).
    #[command(hide = true)]
    Manpage,
}

/// `token`'s arguments.
#[derive(Debug, Args)]
pub struct Token {
    /// The host or URL, e.g. github.com or `https://gitlab.example.com/g/r.git` (default:
    /// github.com).
    pub(crate) target: Option<String>,
    /// The token of this user (default: the one git would be served).
    #[arg(long, value_name = "NAME")]
    pub(crate) user: Option<String>,
    /// Print the token even when stdout is a terminal (it stays in the scrollback).
    #[arg(long)]
    pub(crate) show: bool,
    /// Put the token on the clipboard instead, and clear it after 45 seconds.
    #[arg(long, conflicts_with = "show")]
    pub(crate) copy: bool,
    /// Seconds before `--copy` clears the clipboard (for tests).
    #[arg(
        long,
        hide = true,
        env = COPY_SECONDS_ENV,
        value_name = "SECONDS",
        default_value_t = 45
    )]
    pub(crate) clear_after: u64,
}

/// The environment variable that sets how long `token --copy` keeps the token on the
/// clipboard, in seconds (default 45; the tests shorten it).
pub(crate) const COPY_SECONDS_ENV: &str = "GIT_CREDENTIAL_PAT_COPY_SECONDS";

/// `exec`'s arguments.
#[derive(Debug, Args)]
pub struct Exec {
    /// The host or URL (default: github.com).
    pub(crate) target: Option<String>,
    /// The token of this user (default: the one git would be served).
    #[arg(long, value_name = "NAME")]
    pub(crate) user: Option<String>,
    /// Put the token in this variable (may repeat; default: GITHUB_TOKEN, GITLAB_TOKEN or
    /// GITEA_TOKEN after the forge); never one that programs obey, such as PATH or LD_PRELOAD.
    #[arg(long = "env", value_name = "NAME")]
    pub(crate) env: Vec<String>,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub(crate) command: Vec<OsString>,
}

/// `login`'s arguments.
#[derive(Debug, Args)]
pub struct Login {
    /// The host or URL, e.g. github.com or https://gitlab.example.com (default: github.com).
    pub(crate) target: Option<String>,
    /// Read the token from stdin (one line) instead of asking; opens no browser.
    #[arg(long)]
    pub(crate) token_stdin: bool,
    /// Print the token page's address but do not open a browser.
    #[arg(long)]
    pub(crate) no_browser: bool,
    /// The lab timer: erase the token this long after now, e.g. 8h or 3days (default:
    /// credential.<url>.patLifetime).
    #[arg(long = "for", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub(crate) lifetime: Option<std::time::Duration>,
    /// Serve this token when git names no user and several are stored for the host.
    #[arg(long)]
    pub(crate) default: bool,
    /// Serve this account's token for the repositories under OWNER/ on the host (repeatable;
    /// owners compared without regard to case). With a user in the URL
    /// (https://NAME@github.com) whose token is stored, no new token is made.
    #[arg(long, value_name = "OWNER")]
    pub(crate) owner: Vec<String>,
}

/// `list`'s arguments.
#[derive(Debug, Args)]
pub struct List {
    /// Mark (with `*`) the token git would be served for this host or URL.
    pub(crate) target: Option<String>,
    /// Print JSON for scripts instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
    /// Print instead, one a line, each namespace that a helper command in git's config names
    /// (`helper = pat --namespace=N`): the tokens stored there are listed with
    /// `--namespace=N list`.
    #[arg(long, conflicts_with_all = ["target", "json"])]
    pub(crate) namespaces: bool,
}

/// `logout`'s arguments.
#[derive(Debug, Args)]
pub struct Logout {
    /// The host or URL (default: github.com).
    pub(crate) target: Option<String>,
    /// Only this user's token.
    #[arg(long, value_name = "NAME")]
    pub(crate) user: Option<String>,
    /// Every stored token, on every host.
    #[arg(long, conflicts_with = "target")]
    pub(crate) all: bool,
    /// Also revoke the tokens at the forge, so that they stop working everywhere.
    #[arg(long)]
    pub(crate) revoke: bool,
    /// Do not ask before erasing more than one token.
    #[arg(long)]
    pub(crate) yes: bool,
    /// Erase a token even when it could not be revoked.
    #[arg(long, requires = "revoke")]
    pub(crate) force: bool,
}

/// `configure`'s arguments.
#[derive(Debug, Args)]
pub struct Configure {
    /// Hosts to configure, e.g. github.com or gitlab.example.com.
    pub(crate) hosts: Vec<String>,
}

/// `unconfigure`'s arguments.
#[derive(Debug, Args)]
pub struct Unconfigure {
    /// Hosts to unconfigure.
    pub(crate) hosts: Vec<String>,
}

/// `doctor`'s arguments.
#[derive(Debug, Args)]
pub struct Doctor {
    /// Do not check the tokens with the forges.
    #[arg(long)]
    pub(crate) offline: bool,
}

/// `agent`'s arguments.
#[derive(Debug, Args)]
pub struct Agent {
    /// Listen on this socket, in a directory only you can enter (default:
    /// $XDG_RUNTIME_DIR/git-credential-pat/agent.sock; without XDG_RUNTIME_DIR, that directory
    /// name with your user ID appended, in /tmp; with --ssh, agent-PID.sock there).
    #[arg(long, value_name = "PATH")]
    pub(crate) socket: Option<std::path::PathBuf>,
    /// Serve only this host's tokens (repeatable; default: the hosts `configure` set up).
    #[arg(long = "host", value_name = "HOST")]
    pub(crate) hosts: Vec<String>,
    /// Ask at this terminal before each token is served, as `ssh-add -c` does.
    #[arg(long)]
    pub(crate) confirm: bool,
    /// Stop after this long, e.g. 8h or 30m, and remove the socket.
    #[arg(long = "for", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub(crate) lifetime: Option<std::time::Duration>,
    /// Open an SSH session to DESTINATION (host or user@host) that carries the socket, with git
    /// there told to use it (nothing is written on the far side).
    #[arg(long, value_name = "DESTINATION")]
    pub(crate) ssh: Option<String>,
    /// An option for ssh, as `-o OPTION` (repeatable), e.g. Port=2222.
    #[arg(long = "ssh-option", value_name = "OPTION", requires = "ssh")]
    pub(crate) ssh_options: Vec<String>,
    /// Print the `docker run` options and the devcontainer.json lines that give a container
    /// this agent's socket, and exit.
    #[arg(long, conflicts_with_all = ["ssh", "confirm", "lifetime"])]
    pub(crate) print_docker: bool,
    /// With --ssh: the command to run on the far side, after `--` (default: a login shell).
    #[arg(last = true, value_name = "COMMAND", requires = "ssh")]
    pub(crate) command: Vec<String>,
}

/// `import`'s arguments (none: it reads git-credential-store's files).
#[derive(Debug, Args)]
pub struct Import {}

/// `completions`' arguments.
#[derive(Debug, Args)]
pub struct Completions {
    /// The shell.
    pub(crate) shell: clap_complete::Shell,
}

/// The host `login`, `logout` and `configure` act on when none is given.
pub(crate) const DEFAULT_HOST: &str = "github.com";

/// `manpage` (no arguments).
#[derive(Debug)]
pub struct Manpage;

/// What every command is given: the global options and the time.
#[derive(Debug, Clone)]
pub struct Context {
    /// `--store`.
    pub store: StoreChoice,
    /// `--namespace` (or `GIT_CREDENTIAL_PAT_NAMESPACE`).
    pub namespace: Option<String>,
    /// Now, in seconds since the Unix epoch (UTC).
    pub now: u64,
}

impl Context {
    /// Opens the keychain the options choose.
    ///
    /// # Errors
    /// A [`VaultError`] when no keychain answers or the namespace is not valid.
    pub fn open_vault(&self) -> Result<Vault, VaultError> {
        Vault::open(self.store, self.namespace.as_deref())
    }

    /// Opens every keychain that answers ([`Vault::open_every`]) for `list`, `logout` and
    /// `doctor`; with an explicit `--store=`, only that one.
    ///
    /// # Errors
    /// A [`VaultError`] when no keychain answers or the namespace is not valid.
    pub(crate) fn open_every_vault(&self) -> Result<Vec<Vault>, VaultError> {
        match self.store {
            StoreChoice::Auto => Vault::open_every(self.namespace.as_deref()),
            _ => Ok(vec![self.open_vault()?]),
        }
    }
}

/// A command a person runs. Implemented in `commands/`, one file per command.
pub trait Run {
    /// Runs the command; what it prints goes to stdout (results) and stderr (progress).
    ///
    /// # Errors
    /// The failure, printed by `main` as one line; the exit code is then 1.
    fn run(&self, ctx: &Context) -> anyhow::Result<()>;
}

/// git's shape of a call, recognised without clap: `[--store=X|--store X]
/// [--namespace=N|--namespace N] OPERATION`, with the operation last. Returns the operation and
/// the context, or `None` for anything else (which then goes to clap).
pub fn git_operation(args: &[OsString]) -> Option<(Operation, Context)> {
    let (op, options) = args.get(1..)?.split_last()?;
    let op = Operation::from_word(op.to_str()?)?;
    let mut ctx = Context {
        store: StoreChoice::Auto,
        namespace: std::env::var(NAMESPACE_ENV).ok(),
        now: crate::sys::now(),
    };
    let mut words = options.iter().map(|o| o.to_str());
    while let Some(word) = words.next() {
        let word = word?;
        let (name, value) = match word.split_once('=') {
            Some((name, value)) => (name, value.to_owned()),
            None => (word, words.next()??.to_owned()),
        };
        match name {
            "--store" => ctx.store = clap::ValueEnum::from_str(&value, false).ok()?,
            "--namespace" => ctx.namespace = Some(value),
            _ => return None,
        }
    }
    Some((op, ctx))
}

/// Whether a word clap did not know came from a person rather than from git: git runs a
/// helper with its operation as the last word and stdin a pipe, so a terminal on stdin, or
/// more words after the unknown one (`logut --revoke`), mean a person typed it.
pub fn typed_by_a_person(args: &[OsString], unknown: &str) -> bool {
    use std::io::IsTerminal;
    let last = args.last().and_then(|a| a.to_str());
    std::io::stdin().is_terminal() || last != Some(unknown)
}

#[cfg(test)]
mod tests;

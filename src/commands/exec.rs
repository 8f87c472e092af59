//! `git credential-pat exec [HOST|URL] [--user NAME] [--env NAME]... -- COMMAND [ARGS...]`:
//! runs a tool (`docker compose up`, `nautobot-server`, `gh`) with the token git would be
//! served in environment variables, so that the tool uses the same tracked token.
//!
//! The token goes only into the child's environment: never into an argument (which any user
//! can read in /proc/PID/cmdline) and never into a file. On Unix the command replaces this
//! process (`execvp`), so its exit code, and its death by a signal, are what the shell sees
//! (`$?` is then 128+N); elsewhere the command is waited for and its exit code passed on.

use crate::cli::{self, Context, DEFAULT_HOST, Run};
use crate::forge::Family;
use crate::helper::{self, Query};
use crate::show::escape;
use anyhow::bail;
use secrecy::{ExposeSecret, SecretString};

impl Run for cli::Exec {
    /// Runs `exec`; returns only when the command could not be started (on Unix) or, elsewhere,
    /// exits with the command's exit code.
    ///
    /// # Errors
    /// When the target is not a host or https URL, no token is served for it, a `--env` name
    /// is not a variable name, the forge is unknown and no `--env` is given, or the command
    /// cannot be started.
    fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        for name in &self.env {
            if !is_variable_name(name) {
                bail!(
                    "--env {}: a variable name is letters, digits and '_', not starting with a digit",
                    escape(name)
                );
            }
        }
        let Some((program, args)) = self.command.split_first() else {
            bail!("give the command after --, e.g. git credential-pat exec -- docker compose up");
        };
        let (token, family) = served(self.target.as_deref(), self.user.as_deref(), ctx)?;
        let names: Vec<String> = if self.env.is_empty() {
            match family {
                Some(family) => vec![family.token_env_var().to_owned()],
                None => bail!(
                    "which forge is this host? Name the variable with --env NAME, or tell \
                     git-credential-pat with `git config --global credential.<url>.patForge github`"
                ),
            }
        } else {
            self.env.clone()
        };
        let mut command = std::process::Command::new(program);
        command.args(args);
        for name in &names {
            command.env(name, token.expose_secret());
        }
        run(command, program)
    }
}

/// Replaces this process with `command` (Unix).
#[cfg(unix)]
fn run(mut command: std::process::Command, program: &std::ffi::OsStr) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;
    let e = command.exec();
    bail!("could not run {}: {e}", escape(&program.to_string_lossy()))
}

/// Runs `command` and exits with its exit code (not Unix).
#[cfg(not(unix))]
fn run(mut command: std::process::Command, program: &std::ffi::OsStr) -> anyhow::Result<()> {
    let status = match command.status() {
        Ok(status) => status,
        Err(e) => bail!("could not run {}: {e}", escape(&program.to_string_lossy())),
    };
    drop(command);
    std::process::exit(status.code().unwrap_or(1))
}

/// Whether `name` is a portable environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The token [`helper::handed_over`] gives for `target` (default github.com) and `user`, and
/// its forge's family: the stored entry's `forge` fact, else what [`crate::git::forge_at`] sees.
///
/// # Errors
/// One sentence when nothing is served: nothing stored, the lab timer ended, or expired.
fn served(
    target: Option<&str>,
    user: Option<&str>,
    ctx: &Context,
) -> anyhow::Result<(SecretString, Option<Family>)> {
    let target = target.unwrap_or(DEFAULT_HOST);
    let handover = helper::handed_over(
        target,
        user,
        &ctx.open_vault()?,
        ctx.now,
        crate::ending::revoke,
    )?;
    let kind = handover.forge.or_else(|| {
        let origin = Query::for_target(target).ok()?.origin;
        crate::git::forge_at(&origin).map(|f| f.kind)
    });
    let family = kind.map(|k| k.family());
    Ok((handover.token, family))
}

#[cfg(test)]
mod tests;

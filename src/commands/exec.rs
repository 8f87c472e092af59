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
    /// is not a variable name or one that programs obey (see [`obeyed`]), the forge is unknown and no `--env` is given, or the command
    /// cannot be started.
    fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        for name in &self.env {
            if !is_variable_name(name) {
                bail!(
                    "--env {}: a variable name is letters, digits and '_', not starting with a digit",
                    escape(name)
                );
            }
            if let Some(why) = obeyed(name) {
                bail!(
                    "--env {name}: {why}, so the token must not go there; name the variable the \
                     tool reads its token from, e.g. --env GITHUB_TOKEN"
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

/// Variables that programs obey or print rather than pass on as a token, as (name, why):
/// a name ending in `*` stands for every name it begins. A token in one of them is printed
/// (the loader's `LD_PRELOAD` error, git's traces, a shell's `PS4`), sent somewhere (a proxy
/// or a resolver looks the token up as a host name) or changes what runs (`PATH`, `BASH_ENV`).
/// Compared without regard to case, since some are read in either case (`https_proxy`).
const OBEYED: &[(&str, &str)] = &[
    (
        "LD_*",
        "the dynamic loader obeys LD_* variables and prints what it cannot load (LD_PRELOAD puts the token on stderr, into CI logs)",
    ),
    ("DYLD_*", "macOS's dynamic loader obeys DYLD_* variables"),
    ("GLIBC_TUNABLES", "the C library obeys it"),
    ("GCONV_PATH", "the C library loads code from it"),
    ("LOCPATH", "the C library reads locales from it"),
    ("NLSPATH", "the C library reads messages from it"),
    ("MALLOC_*", "the C library's allocator obeys it"),
    (
        "GIT_TRACE*",
        "git writes its traces where GIT_TRACE* names, or to stderr",
    ),
    (
        "GIT_CONFIG*",
        "git reads its configuration from GIT_CONFIG* variables",
    ),
    ("GIT_SSH*", "git runs the program GIT_SSH* names"),
    ("GIT_ASKPASS", "git runs the program it names"),
    ("GIT_EDITOR", "git runs the program it names"),
    ("GIT_PAGER", "git runs the program it names"),
    ("GIT_PROXY_COMMAND", "git runs the program it names"),
    ("GIT_EXEC_PATH", "git runs its commands from there"),
    ("GIT_DIR", "git takes it as the repository"),
    ("GIT_WORK_TREE", "git takes it as the working tree"),
    (
        "GIT_CURL_VERBOSE",
        "git prints its HTTP traffic when it is set",
    ),
    ("GIT_CREDENTIAL_PAT_*", "git-credential-pat itself obeys it"),
    ("BASH_ENV", "bash runs the file it names"),
    ("ENV", "sh runs the file it names"),
    (
        "SHELLOPTS",
        "bash takes it as its options and refuses to start on an unknown one",
    ),
    ("BASHOPTS", "bash takes it as its options"),
    ("BASH_XTRACEFD", "bash writes its trace there"),
    ("PS1", "a shell prints it"),
    ("PS2", "a shell prints it"),
    (
        "PS4",
        "a shell prints it before every traced command (set -x)",
    ),
    ("PROMPT_COMMAND", "bash runs it"),
    ("IFS", "a shell splits every word on its characters"),
    ("CDPATH", "a shell's cd searches it"),
    ("PATH", "commands are looked up in it"),
    ("HOME", "programs read their configuration from there"),
    ("TMPDIR", "programs make their temporary files there"),
    ("TMP", "programs make their temporary files there"),
    ("TEMP", "programs make their temporary files there"),
    ("PWD", "programs take it as the current directory"),
    ("SHELL", "programs run it as the shell"),
    (
        "XDG_*",
        "programs read and write their files where XDG_* variables say",
    ),
    ("EDITOR", "programs run it"),
    ("VISUAL", "programs run it"),
    ("PAGER", "programs run it"),
    ("LESSOPEN", "less runs it"),
    ("BROWSER", "programs run it"),
    ("PYTHON*", "Python obeys PYTHON* variables"),
    ("PERL5*", "Perl obeys PERL5* variables"),
    ("RUBYOPT", "Ruby obeys it"),
    ("NODE_OPTIONS", "Node.js obeys it"),
    ("JAVA_TOOL_OPTIONS", "Java obeys it"),
    (
        "*_PROXY",
        "programs send their requests through the proxy it names, looking the token up as a host name",
    ),
    (
        "SSL_CERT_*",
        "TLS libraries read their trusted certificates from there",
    ),
    (
        "CURL_CA_BUNDLE",
        "curl reads its trusted certificates from there",
    ),
    ("RES_OPTIONS", "the resolver obeys it"),
    ("HOSTALIASES", "the resolver reads host names from there"),
    ("LOCALDOMAIN", "the resolver sends it with every look-up"),
    ("LANG", "programs take it as their language"),
    ("LANGUAGE", "programs take it as their language"),
    ("LC_*", "programs take LC_* variables as their language"),
    (
        "TZ",
        "programs take it as the time zone and may read a file it names",
    ),
    ("TERM", "programs take it as the terminal"),
    (
        "TERMINFO",
        "programs read the terminal's description from there",
    ),
    ("DISPLAY", "graphical programs connect to it"),
    ("WAYLAND_DISPLAY", "graphical programs connect to it"),
    ("DBUS_SESSION_BUS_ADDRESS", "programs connect to it"),
    ("SSH_AUTH_SOCK", "ssh connects to it"),
];

/// Why a token must not go into the variable `name` (see [`OBEYED`]), if so.
fn obeyed(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_uppercase();
    OBEYED.iter().find_map(|&(pattern, why)| {
        let hit = match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
            (Some(suffix), _) => name.ends_with(suffix),
            (_, Some(prefix)) => name.starts_with(prefix),
            _ => name == pattern,
        };
        hit.then_some(why)
    })
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

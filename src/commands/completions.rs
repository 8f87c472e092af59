//! `git credential-pat completions SHELL` and `manpage`: the shell completions and the man
//! page, both generated from the clap definition in `cli.rs`, which `install.sh` installs.
//!
//! Completions offer only the commands a person runs: not the hidden ones, and not git's
//! `get`, `store` and `erase`. For `git credential-pat <TAB>` (not only
//! `git-credential-pat <TAB>`): git's bash completion calls `_git_credential_pat`, which the
//! bash script defines; zsh's `_git` calls `_git-credential-pat`, the function clap's zsh
//! script defines; fish's git completion runs the completions of every `git-*` command on
//! PATH by itself.
//!
//! The man page is one page, git-credential-pat(1): clap_mangen's own subcommand section would
//! point at pages (git-credential-pat-login(1), …) that do not exist, so every command's usage
//! and options are written into this page instead.

use crate::cli::{self, Cli, Context, Run};
use clap::Command;
use std::io::Write;

/// The bash function git's completion (`git credential-pat <TAB>`) looks for: it rewrites
/// git's words (`git credential-pat lo`) as the standalone command's and calls clap's function.
const BASH_GIT_HOOK: &str = r#"
# `git credential-pat <TAB>`: git's completion calls _git_credential_pat with its own
# words/cword; complete as if `git-credential-pat` had been typed.
_git_credential_pat() {
    local COMP_WORDS=(git-credential-pat "${words[@]:2}")
    local COMP_CWORD=$((cword - 1))
    _git__credential__pat git-credential-pat "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
}
"#;

/// The command as a person sees it: without the hidden commands and git's operations.
pub fn person_command() -> Command {
    let full = <Cli as clap::CommandFactory>::command();
    let visible: Vec<Command> = full
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && !["get", "store", "erase"].contains(&s.get_name()))
        .cloned()
        .collect();
    let mut cmd = Command::new("git-credential-pat")
        .about(full.get_about().cloned().unwrap_or_default())
        .version(env!("CARGO_PKG_VERSION"));
    for arg in full.get_arguments() {
        cmd = cmd.arg(arg.clone());
    }
    cmd.subcommands(visible)
}

impl Run for cli::Completions {
    fn run(&self, _ctx: &Context) -> anyhow::Result<()> {
        let mut cmd = person_command();
        let mut out = Vec::new();
        clap_complete::generate(self.shell, &mut cmd, "git-credential-pat", &mut out);
        if self.shell == clap_complete::Shell::Bash {
            // clap_complete 4.6 names each subcommand's case with the '-'s of the binary's
            // name turned into its separator (`git__subcmd__credential__subcmd__pat__…`) but
            // jumps to `git__credential__pat__…`: without this, no option of a subcommand
            // completes.
            let script = String::from_utf8(out)?.replace(
                "git__subcmd__credential__subcmd__pat",
                "git__credential__pat",
            );
            out = script.into_bytes();
            out.extend_from_slice(BASH_GIT_HOOK.as_bytes());
        }
        std::io::stdout().lock().write_all(&out)?;
        Ok(())
    }
}

impl Run for cli::Manpage {
    fn run(&self, _ctx: &Context) -> anyhow::Result<()> {
        std::io::stdout().lock().write_all(&manpage()?)?;
        Ok(())
    }
}

/// The `credential.<url>.pat*` keys, as (key, meaning) for the man page.
const CONFIG_KEYS: &[(&str, &str)] = &[
    (
        "credential.<url>.patForge",
        "Which forge the host runs: github, ghes, gitlab or gitea (Forgejo too). Needed for \
         hosts whose name does not say it.",
    ),
    (
        "credential.<url>.patApiUrl",
        "The forge's API base, e.g. https://ghe.example.com/api/v3, when it is not the usual one.",
    ),
    (
        "credential.<url>.patScopes",
        "The scopes a new token is made with and checked for (commas or spaces).",
    ),
    (
        "credential.<url>.patTokenType",
        "classic or fine-grained (GitHub): which token page login opens.",
    ),
    (
        "credential.<url>.patBrowser",
        "false (or never) stops login from opening a browser; it prints the address instead.",
    ),
    (
        "credential.<url>.patLifetime",
        "The lab timer for new tokens, e.g. 8h: the first get after it erases the token.",
    ),
    (
        "credential.interactive",
        "git's own key: false (or never) stops the helper from starting a login when nothing is \
         stored.",
    ),
];

/// The environment variables, as (name, meaning), for the man page.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        crate::vault::NAMESPACE_ENV,
        "The same as --namespace: a separate set of tokens under this name.",
    ),
    (
        cli::COPY_SECONDS_ENV,
        "Seconds token --copy keeps the token on the clipboard (default 45).",
    ),
    (
        "GIT_TERMINAL_PROMPT",
        "0 stops the helper from starting a login when nothing is stored, as it stops git's \
         own prompts.",
    ),
    (
        "DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR",
        "Where the Secret Service (GNOME Keyring, KWallet, KeePassXC) is reached on Linux.",
    ),
    (
        "DISPLAY, WAYLAND_DISPLAY",
        "The clipboard token --copy uses on Linux.",
    ),
    (
        "GITHUB_TOKEN, GITLAB_TOKEN, GITEA_TOKEN",
        "Set by exec (not read): the variables a command run by exec receives.",
    ),
];

/// The files the helper touches, as (path, meaning), for the man page.
const FILES: &[(&str, &str)] = &[
    (
        "~/.gitconfig",
        "credential.helper and the credential.<url>.pat* keys (written by configure, \
         unconfigure and install.sh).",
    ),
    (
        "~/.cache/git-credential-pat/",
        "vault.lock (the keychain write lock) and expiry-warnings (one expiry warning a day); \
         never a token.",
    ),
    (
        "~/.local/bin/git-credential-pat",
        "The program, as install.sh puts it.",
    ),
    (
        "~/.local/share/man/man1/git-credential-pat.1, ~/.local/share/bash-completion/, \
         ~/.local/share/zsh/site-functions/, ~/.local/share/fish/vendor_completions.d/",
        "This page and the shell completions, as install.sh puts them.",
    ),
];

/// Examples, as (command, what it does), for the man page.
const MAN_EXAMPLES: &[(&str, &str)] = &[
    (
        "git credential-pat login gitlab.com",
        "Create a token in the browser and store it.",
    ),
    ("git credential-pat list", "Show the stored tokens."),
    (
        "git credential-pat logout --revoke",
        "Erase the github.com token and revoke it at GitHub.",
    ),
    (
        "git credential-pat token | gh auth login --with-token",
        "Give gh the same token git uses.",
    ),
    (
        "git credential-pat token --copy",
        "Put the token on the clipboard for 45 seconds, for a web form.",
    ),
    (
        "git credential-pat exec -- docker compose up",
        "Run a tool with GITHUB_TOKEN set to the token.",
    ),
    (
        "git credential-pat configure github.com gitlab.com",
        "Make git use this helper for these hosts.",
    ),
    ("git credential-pat doctor", "Check everything."),
];

/// Escapes text for roff: backslashes, and a leading `.` or `'`.
fn roff(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    match text.chars().next() {
        Some('.' | '\'') => format!("\\&{text}"),
        _ => text,
    }
}

/// The man page, git-credential-pat(1), in roff.
///
/// # Errors
/// Never in practice (rendering into memory).
pub fn manpage() -> anyhow::Result<Vec<u8>> {
    let full = <Cli as clap::CommandFactory>::command();
    let man = clap_mangen::Man::new(full.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    writeln!(
        out,
        ".SH DESCRIPTION\n\
         git\\-credential\\-pat keeps personal access tokens for GitHub, GitLab and Gitea \
         (Forgejo) in the OS keychain and serves them to git over https. When nothing is \
         stored and you are at a terminal, it opens the forge's token page and stores the \
         token you paste. git runs it as the credential helper \\fBpat\\fR; you run the \
         commands below as \\fBgit credential\\-pat COMMAND\\fR."
    )?;
    writeln!(out, ".SH OPTIONS")?;
    for arg in full.get_arguments().filter(|a| !a.is_hide_set()) {
        write_arg(&mut out, arg)?;
    }
    writeln!(out, ".SH COMMANDS")?;
    for sub in full.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut sub = sub
            .clone()
            .bin_name(format!("git credential-pat {}", sub.get_name()));
        let usage = sub.render_usage().to_string();
        let usage = usage.trim_start_matches("Usage:").trim();
        writeln!(out, ".TP\n\\fB{}\\fR", roff(usage))?;
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(|a| a.to_string())
            .unwrap_or_default();
        writeln!(out, "{}", roff(&about))?;
        writeln!(out, ".RS")?;
        for arg in sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_global_set())
            .filter(|a| !["help", "version"].contains(&a.get_id().as_str()))
        {
            write_arg(&mut out, arg)?;
        }
        writeln!(out, ".RE")?;
    }
    for (title, items) in [
        ("CONFIGURATION", CONFIG_KEYS),
        ("ENVIRONMENT", ENVIRONMENT),
        ("FILES", FILES),
        ("EXAMPLES", MAN_EXAMPLES),
    ] {
        writeln!(out, ".SH {title}")?;
        for (name, meaning) in items {
            writeln!(out, ".TP\n\\fB{}\\fR\n{}", roff(name), roff(meaning))?;
        }
    }
    writeln!(
        out,
        ".SH SEE ALSO\n\\fBgitcredentials\\fR(7), \\fBgit\\-credential\\fR(1), \
         \\fBgit\\-config\\fR(1)"
    )?;
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// One option or argument as a roff `.TP` paragraph.
fn write_arg(out: &mut Vec<u8>, arg: &clap::Arg) -> std::io::Result<()> {
    let value = arg
        .get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.to_string())
        .unwrap_or_else(|| arg.get_id().to_string().to_uppercase());
    let name = match (arg.get_long(), arg.get_short()) {
        (Some(long), Some(short)) => format!("-{short}, --{long}"),
        (Some(long), None) => format!("--{long}"),
        (None, Some(short)) => format!("-{short}"),
        (None, None) => value.clone(),
    };
    let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values())
        && (arg.get_long().is_some() || arg.get_short().is_some());
    let head = if takes_value {
        format!("{name} {value}")
    } else {
        name
    };
    let help = arg
        .get_long_help()
        .or(arg.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    writeln!(out, ".TP\n\\fB{}\\fR\n{}", roff(&head), roff(&help))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_man_page_names_every_command_key_and_no_missing_page() {
        let page = String::from_utf8(manpage().unwrap()).unwrap();
        for word in [
            "login",
            "list",
            "logout",
            "token",
            "exec",
            "import",
            "configure",
            "doctor",
        ] {
            assert!(page.contains(&format!("credential\\-pat {word}")), "{word}");
        }
        for (key, _) in CONFIG_KEYS {
            assert!(page.contains(&roff(key)), "{key}");
        }
        assert!(
            !page.contains("git\\-credential\\-pat\\-login(1)"),
            "{page}"
        );
        assert!(page.contains(".SH ENVIRONMENT") && page.contains(".SH FILES"));
    }

    #[test]
    fn completions_offer_no_hidden_command() {
        let names: Vec<String> = person_command()
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        assert!(names.contains(&"login".to_owned()), "{names:?}");
        for hidden in ["completions", "manpage", "get", "store", "erase"] {
            assert!(!names.contains(&hidden.to_owned()), "{names:?}");
        }
    }
}

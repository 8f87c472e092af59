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
pub(crate) fn person_command() -> Command {
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

/// git-credential-pat(1) as written by hand: what clap's definition does not hold (the
/// description, the settings, the environment, the files). Each `.\" clap: …` line in it marks
/// where a part rendered from [`Cli`] goes; its other `.\"` lines are notes for its reader.
const MAN_TEMPLATE: &str = include_str!("manpage.roff");

/// The man page, git-credential-pat(1), in roff: [`MAN_TEMPLATE`] with clap_mangen's
/// rendering of [`Cli`] put in.
///
/// # Errors
/// Never in practice (rendering into memory; the template's parts are checked by a test).
pub(crate) fn manpage() -> anyhow::Result<Vec<u8>> {
    let full = <Cli as clap::CommandFactory>::command();
    let man = clap_mangen::Man::new(full.clone());
    let mut out = Vec::new();
    for line in MAN_TEMPLATE.lines() {
        match line.strip_prefix(".\\\" clap: ") {
            Some("title, name, synopsis") => {
                man.render_title(&mut out)?;
                man.render_name_section(&mut out)?;
                man.render_synopsis_section(&mut out)?;
            }
            Some("options, commands") => {
                man.render_options_section(&mut out)?;
                write_commands(&mut out, &full)?;
            }
            Some("examples") => write_examples(&mut out)?,
            Some("version") => man.render_version_section(&mut out)?,
            Some(part) => anyhow::bail!("the man page template names no known part: {part}"),
            None if line.starts_with(".\\\"") => {}
            None => writeln!(out, "{line}")?,
        }
    }
    Ok(out)
}

/// COMMANDS: each command's usage line (as its `--help` shows it), then its description and
/// options as clap_mangen renders them, in this one page (clap_mangen's own subcommand section
/// would point at git-credential-pat-login(1) and the like, pages that do not exist).
fn write_commands(out: &mut Vec<u8>, full: &Command) -> std::io::Result<()> {
    writeln!(out, ".SH COMMANDS")?;
    for sub in full.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut sub = sub
            .clone()
            .bin_name(format!("git credential-pat {}", sub.get_name()))
            .disable_help_flag(true);
        let usage = sub.render_usage().to_string();
        let mut head = roff::Roff::new();
        head.control("TP", [])
            .text([roff::bold(usage.trim_start_matches("Usage:").trim())]);
        head.to_writer(out)?;
        let man = clap_mangen::Man::new(sub);
        write_body(out, |w| man.render_description_section(w))?;
        writeln!(out, ".RS")?;
        write_body(out, |w| man.render_options_section(w))?;
        writeln!(out, ".RE")?;
    }
    Ok(())
}

/// A section clap_mangen renders, without its `.SH` heading: the body goes under a command.
fn write_body(
    out: &mut Vec<u8>,
    render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut section = Vec::new();
    render(&mut section)?;
    for line in String::from_utf8_lossy(&section).lines() {
        if !line.starts_with(".SH ") {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// EXAMPLES: the examples `--help` ends with ([`cli::EXAMPLES`]), laid out as there.
fn write_examples(out: &mut Vec<u8>) -> std::io::Result<()> {
    let mut page = roff::Roff::new();
    page.control("SH", ["EXAMPLES"]).control("nf", []);
    for line in cli::EXAMPLES.trim_start_matches("Examples:\n").lines() {
        page.text([roff::roman(line)]);
    }
    page.control("fi", []).to_writer(out)
}

#[cfg(test)]
mod tests;

//! `git credential-pat import`: moves the tokens git-credential-store left in plaintext
//! (`~/.git-credentials`, `$XDG_CONFIG_HOME/git/credentials`) into the keychain, each checked
//! with its forge where the forge is known (stored unchecked where it is not, or cannot be
//! reached), then removes exactly those lines from the file under git's own lock, found by
//! their text in the file as it is then, keeping every other line and the file's mode, group
//! and ACL. Lines for other protocols than https (and http to this machine), lines with a
//! control character in a value, lines the forge refuses, and lines whose account already
//! holds a different token stay, each named; so does a file that belongs to another user.

use crate::cli::{self, Context, Run};
use crate::forge::UNKNOWN_LOGIN;
use crate::helper;
use crate::plaintext::{self, Line};
use crate::show::{SaidBy, escape, token_facts};
use crate::vault::{Account, Stored, Vault};
use anyhow::Context as _;
use secrecy::{ExposeSecret, SecretString};
use std::io::Write;

impl Run for cli::Import {
    /// Runs `import`, one line per credential on stderr.
    ///
    /// # Errors
    /// When a file cannot be read or rewritten, or the keychain does not open.
    fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        let vault = ctx.open_vault()?;
        let err = &mut std::io::stderr();
        let files = plaintext::files();
        let (mut moved_total, mut stayed_total, mut seen) = (0, 0, false);
        for file in &files {
            let shown = escape(&file.display().to_string());
            let Some(lines) =
                plaintext::read(file).with_context(|| format!("could not read {shown}"))?
            else {
                continue;
            };
            seen |= !lines.is_empty();
            if let Some(why) = plaintext::not_owned(file).filter(|_| !lines.is_empty()) {
                writeln!(
                    err,
                    "git-credential-pat: {why}; its {} stay{} in plaintext.",
                    counted(lines.len(), "credential"),
                    if lines.len() == 1 { "s" } else { "" },
                )?;
                stayed_total += lines.len();
                continue;
            }
            let mut moved = Vec::new();
            for line in &lines {
                match import(line, &vault, ctx.now) {
                    Ok((said, account)) => {
                        writeln!(err, "{}: {said}", line.name())?;
                        moved.push((line, account));
                    }
                    Err(why) => {
                        writeln!(err, "{}: stays in {shown}: {why}", line.name())?;
                        stayed_total += 1;
                    }
                }
            }
            // Only the lines whose very token the keychain holds now are removed, found by
            // their text in the file as it is when git's lock is taken.
            let mut texts = Vec::new();
            for (line, account) in &moved {
                match vault.get(account) {
                    Ok(Some(s)) if s.password.expose_secret() == line.password.expose_secret() => {
                        texts.push(&line.text);
                    }
                    held => {
                        let why = match held {
                            Err(e) => format!("could not read it back: {e}"),
                            _ => "no longer holds its token".to_owned(),
                        };
                        writeln!(
                            err,
                            "{}: stays in {shown}: the {} {why}",
                            line.name(),
                            vault.store_name()
                        )?;
                        stayed_total += 1;
                    }
                }
            }
            if !texts.is_empty() {
                let removed = plaintext::remove_lines(file, &texts).with_context(|| {
                    format!(
                        "the tokens are in the {} now, but their lines are still in {shown}: \
                         run import again to remove them, or delete them by hand",
                        vault.store_name()
                    )
                })?;
                let lines = match removed {
                    0 => "their lines were no longer in the file".to_owned(),
                    1 => "removed its line from the file".to_owned(),
                    n => format!("removed {n} lines from the file"),
                };
                writeln!(
                    err,
                    "git-credential-pat: moved {} from {shown} into the {}, and {lines}.",
                    counted(texts.len(), "token"),
                    vault.store_name(),
                )?;
                moved_total += texts.len();
            }
        }
        if !seen {
            let names: Vec<String> = files
                .iter()
                .map(|f| escape(&f.display().to_string()))
                .collect();
            writeln!(
                err,
                "git-credential-pat: no tokens in {}; nothing to import.",
                names.join(" or ")
            )?;
            return Ok(());
        }
        if stayed_total > 0 {
            writeln!(
                err,
                "git-credential-pat: {stayed_total} credential{} stayed in plaintext (see above).",
                if stayed_total == 1 { "" } else { "s" }
            )?;
        }
        if moved_total > 0 && stores_in_plaintext() {
            writeln!(
                err,
                "git-credential-pat: git is still configured with the `store` helper, which \
                 writes tokens to the file again: run `git credential-pat configure` (or \
                 `git config --global --unset-all credential.helper store`)."
            )?;
        }
        Ok(())
    }
}

/// `1 token`, `2 tokens`.
fn counted(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Moves one line's token into `vault`; what was done and the account it is stored as, or why
/// the line stays.
fn import(line: &Line, vault: &Vault, now: u64) -> Result<(String, Account), String> {
    if let Some(value) = line.control {
        return Err(format!(
            "its {value} holds a control character (such as %0A, a line break), which the \
             helper does not store; correct the line or delete it by hand"
        ));
    }
    if !line.origin.may_carry_tokens() {
        return Err(format!(
            "the helper serves tokens over https only, not {}; delete the line by hand when it is no longer needed",
            escape(&line.origin.protocol)
        ));
    }
    let forge = crate::git::forge_at(&line.origin);
    let password = SecretString::from(line.password.expose_secret().to_owned());
    let mut stored = Stored {
        stored_at: Some(now),
        ..Stored::new(password)
    };
    let mut username = line.username.clone();
    let checked = match &forge {
        None => format!(
            "not checked: which forge {} is, is not known (set credential.{}.patForge)",
            line.origin.host, line.origin
        ),
        Some(forge) => match forge.validate(&line.password, now) {
            Ok(info) => {
                if info.login != UNKNOWN_LOGIN {
                    username = info.login.clone();
                }
                let said_by = SaidBy::Forge {
                    name: forge.name(),
                    ignored_expiry: info.ignored_expiry,
                };
                let facts = token_facts(info.scopes.as_deref(), info.expires_at, &said_by, now);
                let missing = forge.missing_scopes(&info);
                let lacks = if missing.is_empty() {
                    String::new()
                } else {
                    format!("; it lacks {}", missing.join(", "))
                };
                stored = stored.checked_by(forge, &info);
                format!(
                    "{} accepts it as {} ({facts}{lacks})",
                    forge.name(),
                    escape(&info.login)
                )
            }
            Err(e) if e.is_network() => format!("not checked: {e}"),
            Err(e) => return Err(format!("{} refuses it: {e}", forge.name())),
        },
    };
    let account = Account {
        protocol: line.origin.protocol.clone(),
        host: line.origin.host.clone(),
        username,
        path: line.path.clone(),
    };
    // The account `store` writes: with a path of which nothing is stored, the per-host one.
    let (account, held) = helper::storing_account(&account, vault).map_err(|e| e.to_string())?;
    if let Some(old) = held
        && old.password.expose_secret() != line.password.expose_secret()
    {
        return Err(format!(
            "the {} already holds a different token for {}; log that one out first, or \
             delete the line by hand",
            vault.store_name(),
            escape(&account.username)
        ));
    }
    helper::store(&account, stored, vault).map_err(|e| e.to_string())?;
    Ok((
        format!("moved into the {}; {checked}", vault.store_name()),
        account,
    ))
}

/// Whether git's configuration (outside any repository) names the `store` helper.
fn stores_in_plaintext() -> bool {
    crate::git::config_get_regexp(r"^credential\..*helper$", false)
        .iter()
        .filter_map(|(_, value)| crate::git::helper_program(value))
        .any(|word| word == "store" || word.ends_with("git-credential-store"))
}

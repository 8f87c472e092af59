//! `git credential-pat import`: moves the tokens git-credential-store left in plaintext
//! (`~/.git-credentials`, `$XDG_CONFIG_HOME/git/credentials`) into the keychain, each checked
//! with its forge where the forge is known (stored unchecked where it is not, or cannot be
//! reached), then removes exactly those lines from the file, keeping every other line and the
//! file's mode. Lines for other protocols than https (and http to this machine), lines the
//! forge refuses, and lines whose account already holds a different token stay, each named.

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
            let mut moved = Vec::new();
            for line in &lines {
                match import(line, &vault, ctx.now) {
                    Ok(said) => {
                        writeln!(err, "{}: {said}", line.name())?;
                        moved.push(line.index);
                    }
                    Err(why) => {
                        writeln!(err, "{}: stays in {shown}: {why}", line.name())?;
                        stayed_total += 1;
                    }
                }
            }
            if !moved.is_empty() {
                plaintext::remove_lines(file, &moved).with_context(|| {
                    format!(
                        "the tokens are in the keychain now, but could not be removed from \
                         {shown}; delete those lines by hand"
                    )
                })?;
                writeln!(
                    err,
                    "git-credential-pat: moved {} token{} from {shown} into the {}, and removed {} from the file.",
                    moved.len(),
                    if moved.len() == 1 { "" } else { "s" },
                    vault.store_name(),
                    if moved.len() == 1 {
                        "its line"
                    } else {
                        "their lines"
                    },
                )?;
                moved_total += moved.len();
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

/// Moves one line's token into `vault`; what was done, or why the line stays.
fn import(line: &Line, vault: &Vault, now: u64) -> Result<String, String> {
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
    match vault.get(&account) {
        Ok(Some(old)) if old.password.expose_secret() != line.password.expose_secret() => {
            return Err(format!(
                "the {} already holds a different token for {}; log that one out first, or \
                 delete the line by hand",
                vault.store_name(),
                escape(&account.username)
            ));
        }
        Ok(_) => {}
        Err(e) => return Err(e.to_string()),
    }
    helper::store(&account, stored, vault).map_err(|e| e.to_string())?;
    Ok(format!("moved into the {}; {checked}", vault.store_name()))
}

/// Whether git's configuration (outside any repository) names the `store` helper.
fn stores_in_plaintext() -> bool {
    crate::git::config_get_regexp(r"^credential\..*helper$", false)
        .iter()
        .filter_map(|(_, value)| crate::git::helper_program(value))
        .any(|word| word == "store" || word.ends_with("git-credential-store"))
}

//! `git credential-pat logout [URL|HOST] [--user NAME] [--all] [--revoke] [--yes] [--force]`:
//! the end of a lab. Each chosen token is revoked at the forge (with `--revoke`), erased from
//! the keychain, and rejected through `git credential reject`, so that every other helper git
//! is configured with (osxkeychain, wincred, libsecret, store, cache, manager) forgets its copy.
//! A token that could not be revoked is kept and named, unless `--force`. Without `--revoke`,
//! the closing line names the page on the forge where each erased, still live token is deleted.

use crate::cli::{self, Context, DEFAULT_HOST, Run};
use crate::ending;
use crate::helper::Query;
use crate::login::{Prompter, Tty};
use crate::show::{escape, utc_minute};
use crate::vault::{Account, Found, Stored, Vault};
use anyhow::bail;
use secrecy::ExposeSecret;
use std::io::Write;

impl Run for cli::Logout {
    fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        run(self, &ctx.open_every_vault()?, ctx.now)
    }
}

/// Runs `logout`, reporting one line per token on stderr.
///
/// # Errors
/// When nothing may be done (more than one token, no `--yes` and no terminal to ask), the
/// person said no, or anything failed for some token (a revocation, the keychain, git);
/// the message then says which tokens are still stored.
fn run(options: &cli::Logout, vaults: &[Vault], now: u64) -> anyhow::Result<()> {
    let mut chosen: Vec<(Found, Stored)> = Vec::new();
    // Every keychain that answers: a token stored from an SSH session (kernel keyring) is
    // logged out from the desktop (Secret Service) too, and the reverse.
    let mut found = Vec::new();
    for vault in vaults {
        found.extend(find(options, vault)?);
    }
    found.sort_by(|a, b| {
        let key = |f: &Found| {
            (
                f.account.host.clone(),
                f.account.username.clone(),
                f.account.path.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    for f in found {
        if let Some(stored) = f.read()? {
            chosen.push((f, stored));
        }
    }
    let err = &mut std::io::stderr();
    if chosen.is_empty() {
        let names: Vec<&str> = vaults.iter().map(Vault::store_name).collect();
        writeln!(
            err,
            "git-credential-pat: no token is stored for that (in the {}); nothing to do",
            names.join(" or the ")
        )?;
        return Ok(());
    }
    let names: Vec<String> = chosen
        .iter()
        .map(|(f, _)| f.account.display_name())
        .collect();
    if chosen.len() > 1 && !options.yes {
        let question = format!(
            "Erase {} tokens ({})? [y/N] ",
            chosen.len(),
            names.join(", ")
        );
        if crate::tty::open().is_err() {
            bail!(
                "{} tokens match ({}); add --yes to erase them all",
                chosen.len(),
                names.join(", ")
            );
        }
        if !Tty.confirm(&question)? {
            bail!("nothing was erased");
        }
    }

    let revocations: Vec<Option<crate::forge::Revocation>> = if options.revoke {
        // Say before any request which tokens no API can revoke, and where to delete them.
        for ((found, stored), name) in chosen.iter().zip(&names) {
            if let Some(why) = ending::cannot_revoke(&found.account, stored) {
                writeln!(err, "{name}: cannot be revoked through the API: {why}")?;
            }
        }
        let tokens: Vec<_> = chosen.iter().map(|(f, s)| (&f.account, s)).collect();
        ending::revoke_all(&tokens, now)
            .into_iter()
            .map(Some)
            .collect()
    } else {
        chosen.iter().map(|_| None).collect()
    };
    let mut kept = Vec::new();
    let mut failed = false;
    for (((found, stored), revocation), name) in chosen.iter().zip(revocations).zip(names) {
        let mut said = Vec::new();
        match revocation {
            None => {}
            Some(dead) if dead.is_dead() => said.push(dead.to_string()),
            Some(why) => {
                failed = true;
                if !options.force {
                    writeln!(
                        err,
                        "{name}: NOT revoked: {why}; kept in the {}",
                        found.store_name()
                    )?;
                    kept.push(name);
                    continue;
                }
                said.push(format!("NOT revoked: {why}"));
            }
        }
        match found.delete() {
            Ok(_) => said.push(format!("erased from the {}", found.store_name())),
            Err(e) => {
                failed = true;
                writeln!(err, "{name}: could not be erased: {e}")?;
                kept.push(name);
                continue;
            }
        }
        match reject_everywhere(&found.account, stored) {
            Ok(()) => said.push("git's other helpers told to forget it".to_owned()),
            Err(e) => {
                failed = true;
                said.push(format!("git credential reject failed: {e}"));
            }
        }
        writeln!(err, "{name}: {}", said.join("; "))?;
    }
    if !kept.is_empty() {
        bail!(
            "still stored: {}; run logout again, or add --force to erase {} anyway",
            kept.join(", "),
            if kept.len() == 1 { "it" } else { "them" }
        );
    }
    if !options.revoke {
        // No token left behind: erasing here is not the end of a token at the forge, and with
        // the token gone no command here can revoke it any more; its forge's page still can.
        let one = chosen.len() == 1;
        let until = match chosen.iter().map(|(_, s)| s.password_expiry_utc).min() {
            Some(Some(t)) if one => format!("until it expires ({})", utc_minute(t)),
            _ if one => "until it expires".to_owned(),
            _ => "until they expire".to_owned(),
        };
        let mut pages: Vec<String> = Vec::new();
        for (found, stored) in &chosen {
            let page = match crate::git::forge_at(&found.account.origin()) {
                Some(forge) => forge.delete_page_of(stored.password.expose_secret()),
                None => format!(
                    "the token page of {}",
                    escape(&found.account.host.to_string())
                ),
            };
            if !pages.contains(&page) {
                pages.push(page);
            }
        }
        writeln!(
            err,
            "git-credential-pat: {} at the forge {until}: erased here only, so delete {} at {}.",
            if one {
                "it STILL WORKS"
            } else {
                "they STILL WORK"
            },
            if one { "it" } else { "them" },
            pages.join(" and "),
        )?;
    }
    if failed {
        bail!("logout finished with errors (see above)");
    }
    Ok(())
}

/// The tokens `options` choose in `vault`.
fn find(options: &cli::Logout, vault: &Vault) -> anyhow::Result<Vec<Found>> {
    Ok(if options.all {
        vault.find_all()?
    } else {
        let query = Query::for_target(options.target.as_deref().unwrap_or(DEFAULT_HOST))?;
        let user = options.user.clone().or(query.username.clone());
        let mut found = vault.find(&query.origin)?;
        found.retain(|f| user.as_ref().is_none_or(|u| *u == f.account.username));
        found.retain(|f| {
            query
                .path
                .as_ref()
                .is_none_or(|p| f.account.path.as_ref() == Some(p))
        });
        found
    })
}

/// `git credential reject` for the credential, so that every helper git is configured with
/// for that URL forgets it (this one included, which finds it gone already).
fn reject_everywhere(account: &Account, stored: &Stored) -> anyhow::Result<()> {
    let password = stored.password.expose_secret().to_owned();
    let request = crate::protocol::Credential {
        protocol: Some(account.protocol.clone()),
        host: Some(account.host.to_string()),
        path: account.path.clone(),
        username: Some(account.username.clone()),
        password: Some(secrecy::SecretString::from(password)),
        ..Default::default()
    };
    let mut input = secrecy::zeroize::Zeroizing::new(Vec::with_capacity(512));
    // git reads its input line by line: the writer refuses a value that would inject attributes.
    if crate::protocol::write(&request, &mut *input).is_err() {
        bail!("its name or token holds a line break, so git cannot be asked to forget it");
    }
    let input = String::from_utf8_lossy(&input).into_owned();
    crate::git::credential_reject(secrecy::zeroize::Zeroizing::new(input))
}

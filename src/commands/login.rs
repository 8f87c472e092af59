//! `git credential-pat login [URL|HOST] [--token-stdin] [--no-browser]`: create and store a
//! token for a host outside of a git command, with the same flow and checks as `get`.

use crate::cli::{self, Context, DEFAULT_HOST, Run};
use crate::ending;
use crate::forge::{Forge, Revocation, is_stand_in_login};
use crate::git::HostSettings;
use crate::helper::Query;
use crate::helper::{same_login, servable};
use crate::login::{self, Outcome, Prompter, Target, Tty};
use crate::protocol::Credential;
use crate::show::{SaidBy, describe_time, token_facts};
use crate::vault::{Found, Stored, Vault};
use anyhow::{Context as _, bail};
use secrecy::ExposeSecret;
use secrecy::SecretString;
use std::io::Write;
use std::io::{BufRead, Read};

/// The most `login --token-stdin` reads: 64 KiB (tokens are under 300 bytes).
const MAX_STDIN_TOKEN: u64 = 64 * 1024;

impl Run for cli::Login {
    /// Runs `login`.
    ///
    /// # Errors
    /// When the target is not an https URL or host, its forge is unknown, no token was given,
    /// the forge refused the token, or the keychain failed.
    fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        let query = Query::for_target(self.target.as_deref().unwrap_or(DEFAULT_HOST))?;
        let owners = owners_of(&self.owner)?;
        if !owners.is_empty()
            && let Some(user) = &query.username
            && route_stored(&ctx.open_vault()?, &query, user, &owners)?
        {
            return send_paths(&query);
        }
        self.new_token(ctx, query.clone(), owners.clone())?;
        if owners.is_empty() {
            return Ok(());
        }
        send_paths(&query)
    }
}

/// The owners `login --owner` names, each checked to be one path segment.
///
/// # Errors
/// One sentence for an owner that is not a plain name.
fn owners_of(given: &[String]) -> anyhow::Result<Vec<String>> {
    given
        .iter()
        .map(|o| {
            let o = o.trim_matches('/');
            if o.is_empty() || o.contains(['/', ' ', ',', '%']) || o.chars().any(char::is_control) {
                bail!(
                    "'{}' is not a repository owner such as acme (the first part of a \
                     repository's path)",
                    crate::show::escape(o)
                );
            }
            Ok(o.to_owned())
        })
        .collect()
}

/// Routes `owners` to the stored token of `user` on `query`'s host, when there is one: no new
/// token is made. Returns whether it was stored.
///
/// # Errors
/// When the keychain fails.
fn route_stored(
    vault: &Vault,
    query: &Query,
    user: &str,
    owners: &[String],
) -> anyhow::Result<bool> {
    let Some((found, mut stored)) = stored_now(vault, query)?
        .into_iter()
        .find(|(f, _)| f.account.path.is_none() && same_login(&f.account.username, user))
    else {
        return Ok(false);
    };
    for owner in owners {
        if !stored.serves_owner(owner) {
            stored.owners.push(owner.clone());
        }
    }
    vault.put(&found.account, &stored)?;
    login::clear_other_owners(&found.account, owners, vault)?;
    eprintln!(
        "git-credential-pat: the repositories under {} on {} are now served the token of {}.",
        owners
            .iter()
            .map(|o| format!("{}/", crate::show::escape(o)))
            .collect::<Vec<_>>()
            .join(", "),
        query.origin,
        found.account.display_name()
    );
    Ok(true)
}

/// Makes git send the repository's path to helpers for `query`'s host (routing by owner needs
/// it), unless the global config says already whether it does.
///
/// # Errors
/// When git config fails.
fn send_paths(query: &Query) -> anyhow::Result<()> {
    let key = format!("credential.{}.useHttpPath", query.origin);
    if crate::git::global_set_if_unset(&key, "true")? {
        eprintln!("git-credential-pat: set {key} = true, so that git names the repository");
    }
    Ok(())
}

impl cli::Login {
    /// `login`'s flow for a new token, routing `owners` to it.
    fn new_token(&self, ctx: &Context, query: Query, owners: Vec<String>) -> anyhow::Result<()> {
        let (options, now) = (self, ctx.now);
        let open_vault = || ctx.open_vault();
        let settings = HostSettings::read(&Target::of(&query).url());
        let lifetime = options.lifetime.or(settings.lifetime);
        let mut target = Target::of(&query).with_lifetime(lifetime);
        target.default = options.default;
        // The fine-grained token page preselects the owner (`target_name`) from the path.
        if target.path.is_none() {
            target.path = owners.first().cloned();
        }
        target.owners = owners;
        let Some(forge) = Forge::detect(&query.origin.host, &[], &settings.forge) else {
            bail!(
                "which forge is {host}? Tell git-credential-pat with \
             `git config --global credential.{url}.patForge github` (or ghes, gitlab, gitea)",
                host = query.origin.host,
                url = target.url()
            );
        };
        let vault = open_vault()?;
        let err = &mut std::io::stderr();
        let old = stored_now(&vault, &query)?;
        // Whether the person answered "Replace it?" over exactly one stored token.
        let mut confirmed_one = false;
        if !old.is_empty() {
            let shown: Vec<String> = old.iter().map(|(f, s)| describe(f, s, now)).collect();
            writeln!(
                err,
                "git-credential-pat: already stored for {}: {}.",
                target.url(),
                shown.join("; ")
            )?;
            let live = old.iter().filter(|(_, s)| servable(s, now)).count();
            // With --owner the new token is usually another account's, which replaces nothing
            // (a token of the same account is still replaced, and revoked, as below).
            if !options.token_stdin && target.owners.is_empty() {
                if crate::tty::open().is_err() {
                    bail!(
                        "a token is stored already; to replace it, pipe the new one in with \
                         --token-stdin{}",
                        if options.lifetime.is_some() && live > 0 {
                            "; to put the lab timer on it, run this at a terminal"
                        } else {
                            ""
                        }
                    );
                }
                if let Some(lifetime) = options.lifetime
                    && live > 0
                {
                    let them = if live == 1 {
                        "the stored token".to_owned()
                    } else {
                        format!("the {live} stored tokens")
                    };
                    let question = format!(
                        "Put the lab timer on {them} instead of making a new one (it ends in {}; \
                         nothing is revoked now)? [y/N] ",
                        humantime::format_duration(lifetime)
                    );
                    if Tty.confirm(&question)? {
                        return put_timer(&vault, old, lifetime, err, now);
                    }
                }
                warn_replacing(&old, err, now)?;
                let question = if old.len() == 1 {
                    "Replace it with a new token? [y/N] "
                } else {
                    "Store a new token (it replaces the one of its user)? [y/N] "
                };
                if !Tty.confirm(question)? {
                    bail!("kept the stored token; nothing changed");
                }
                confirmed_one = old.len() == 1;
            }
            target.situation = Some(if old.len() == 1 {
                "a new token replaces the stored one.".to_owned()
            } else {
                "a new token replaces the one stored for its user.".to_owned()
            });
        }
        if options.token_stdin {
            let mut line = secrecy::zeroize::Zeroizing::new(String::new());
            std::io::stdin()
                .lock()
                .take(MAX_STDIN_TOKEN + 1)
                .read_line(&mut line)
                .context("could not read the token from stdin")?;
            if line.len() as u64 > MAX_STDIN_TOKEN {
                bail!(
                    "the token on stdin is longer than {} KiB; give the token alone, on one line",
                    MAX_STDIN_TOKEN / 1024
                );
            }
            let token = SecretString::from(line.trim().to_owned());
            let answer = login::non_interactive(&forge, &target, &vault, token, err, now)?;
            return replaced(&vault, old, &answer, false, err, now);
        }
        let settings_allow_browser = !settings.browser_forbidden();
        let browser: Option<&login::OpenBrowser> =
            (settings_allow_browser && !options.no_browser).then_some(&login::open_in_browser);
        if crate::tty::open().is_err() {
            bail!("there is no terminal to paste a token into; pipe it in with --token-stdin");
        }
        match login::interactive(&forge, &target, &vault, &mut Tty, browser, err, now)? {
            Outcome::Stored(answer) => replaced(&vault, old, &answer, confirmed_one, err, now),
            Outcome::Cancelled => bail!("no token given; nothing was stored"),
            Outcome::GaveUp => bail!(login::gave_up()),
        }
    }
}

/// The tokens stored for the host (and user, when the target names one) of `query`.
fn stored_now(vault: &Vault, query: &Query) -> anyhow::Result<Vec<(Found, Stored)>> {
    let mut out = Vec::new();
    for f in vault.find(&query.origin)? {
        if query
            .username
            .as_ref()
            .is_some_and(|u| !same_login(u, &f.account.username))
        {
            continue;
        }
        if let Some(s) = vault.read(&f)? {
            out.push((f, s));
        }
    }
    Ok(out)
}

/// Puts the lab timer on every live one of `old` instead of making a new token: each is
/// erased (and revoked) `lifetime` from now; nothing else changes.
fn put_timer(
    vault: &Vault,
    old: Vec<(Found, Stored)>,
    lifetime: std::time::Duration,
    err: &mut dyn Write,
    started: u64,
) -> anyhow::Result<()> {
    // Counted from the answer, not from when the command started.
    let now = crate::sys::now().max(started);
    let erase_by = now.saturating_add(lifetime.as_secs().max(1));
    for (found, mut stored) in old {
        if !servable(&stored, now) {
            continue;
        }
        stored.erase_by = Some(erase_by);
        vault.put(&found.account, &stored)?;
        writeln!(
            err,
            "git-credential-pat: the lab timer now ends the token of {} {}: it is then revoked \
             at the forge and erased here. No new token was made, and nothing was revoked.",
            found.account.display_name(),
            describe_time(erase_by, now)
        )?;
    }
    Ok(())
}

/// Says, before a person agrees to replace a stored token, what replacing does to it: revoked
/// at the forge, so that every copy handed to another tool stops working; or, where no request
/// can revoke it, that it stays live.
fn warn_replacing(old: &[(Found, Stored)], err: &mut dyn Write, now: u64) -> anyhow::Result<()> {
    let live: Vec<&(Found, Stored)> = old.iter().filter(|(_, s)| servable(s, now)).collect();
    let [(found, stored)] = live.as_slice() else {
        if !live.is_empty() {
            writeln!(
                err,
                "git-credential-pat: a new token replaces the one of its user, which is then \
                 revoked at the forge: every copy of it given to another tool (`exec`, `token`) \
                 stops working."
            )?;
        }
        return Ok(());
    };
    match ending::cannot_revoke(&found.account, stored) {
        Some(why) => writeln!(
            err,
            "git-credential-pat: a new token replaces it, but it cannot be revoked from here \
             ({why}): it stays live, and so does every copy of it given to another tool."
        )?,
        None => writeln!(
            err,
            "git-credential-pat: replacing it revokes it at the forge: every copy of it given to \
             another tool (`exec`, `token`) stops working."
        )?,
    }
    Ok(())
}

/// `alice (scopes repo, workflow; expires in 6 days)`: a stored token, for a person.
fn describe(f: &Found, s: &Stored, now: u64) -> String {
    let facts = token_facts(
        s.scopes.as_deref(),
        s.password_expiry_utc,
        &SaidBy::Keychain,
        now,
    );
    format!("{} ({facts})", crate::show::escape(&f.account.username))
}

/// After a new token was stored as `answer`: each old token it replaces is revoked at the
/// forge where it can be (else named as still live), and erased when it was under another
/// name. A new token replaces the old ones of the same user; and, when the person `confirmed`
/// at "Replace it?" that it replaces the one stored, that one also when either name is a
/// stand-in ([`is_stand_in_login`]: a GitLab token without `read_user` is stored as
/// `git-token-ID`, so two tokens of one person have two names). A token not replaced is kept,
/// and said to be.
fn replaced(
    vault: &Vault,
    old: Vec<(Found, Stored)>,
    answer: &Credential,
    confirmed: bool,
    err: &mut dyn Write,
    now: u64,
) -> anyhow::Result<()> {
    let (Some(user), Some(new)) = (answer.username.as_deref(), answer.password.as_ref()) else {
        return Ok(());
    };
    for (found, stored) in old {
        let name = found.account.display_name();
        if stored.password.expose_secret() == new.expose_secret() {
            continue;
        }
        let old_user = &found.account.username;
        let stand_in = is_stand_in_login(old_user) || is_stand_in_login(user);
        let replaces = same_login(old_user, user) || (confirmed && stand_in);
        if !replaces {
            let whose = if stand_in {
                "the forge did not say whose it is"
            } else {
                "another account"
            };
            writeln!(
                err,
                "git-credential-pat: the token of {name} ({whose}) stays stored beside it."
            )?;
            continue;
        }
        if let Some(t) = stored.password_expiry_utc.filter(|&t| t < now) {
            // Dead already: nothing to ask the forge.
            writeln!(
                err,
                "git-credential-pat: the replaced token of {name} expired {}.",
                describe_time(t, now)
            )?;
        } else {
            match ending::revoke(&found.account, &stored, now) {
                revoked @ Revocation::Revoked { .. } => writeln!(
                    err,
                    "git-credential-pat: the replaced token of {name}: {revoked}; every copy of \
                     it given to another tool stops working."
                )?,
                dead if dead.is_dead() => writeln!(
                    err,
                    "git-credential-pat: the replaced token of {name}: {dead}."
                )?,
                why => writeln!(
                    err,
                    "git-credential-pat: the replaced token of {name} STILL WORKS at the forge until it expires: {why}."
                )?,
            }
        }
        if found.account.username != user {
            vault.delete(&found)?;
        }
    }
    Ok(())
}

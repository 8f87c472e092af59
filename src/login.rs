//! Getting a token into the keychain: the interactive flow that `get` starts when nothing is
//! stored and a person is at the terminal, and that `git credential-pat login` runs.
//!
//! The flow: print the forge's token page (and open it in the browser), read the pasted token
//! from `/dev/tty` without echo, refuse what cannot be a token, check it against the forge's
//! API (who, which scopes, when it expires), store it under the API's login, and answer git.
//! Everything a person reads goes to stderr; prompts go to `/dev/tty`; stdout stays git's.

use crate::forge::{Forge, TokenInfo, UNKNOWN_LOGIN};
use crate::git::HostSettings;
use crate::helper::{self, Query};
use crate::host::Origin;
use crate::protocol::Credential;
use crate::show::{SaidBy, describe_time, escape, token_facts};
pub(crate) use crate::tty::{Prompter, Tty, person_present};
use crate::vault::{Account, Stored, Vault};
use secrecy::{ExposeSecret, SecretString};
use std::io::Write;

/// How many tokens a person may paste before the flow gives up.
pub(crate) const ATTEMPTS: usize = 3;

/// Opens a URL in a browser; `Err` says why it could not.
pub(crate) type OpenBrowser<'a> = dyn Fn(&str) -> Result<(), String> + 'a;

/// The description put on a new token: this helper and this machine, with the time, because
/// GitHub refuses a second classic token with the same note.
pub(crate) fn token_description(now: u64) -> String {
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    let when = time::OffsetDateTime::from_unix_timestamp(now as i64)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour][minute]"
            ))
            .ok()
        })
        .unwrap_or_default();
    format!("git-credential-pat {host} {when}")
}

/// What the flow ended with.
pub(crate) enum Outcome {
    /// The token was stored; this is git's answer.
    Stored(Box<Credential>),
    /// The person gave no token (empty answer, Ctrl-C); nothing was stored.
    Cancelled,
    /// Every attempt failed; nothing was stored. The caller says so ([`gave_up`]).
    GaveUp,
}

/// Where the token goes: git's protocol, host and (with `credential.useHttpPath`) path.
pub(crate) struct Target {
    /// `https` (or `http` for a loopback host) and the host.
    pub(crate) origin: Origin,
    /// git's `path`, when it sent one.
    pub(crate) path: Option<String>,
    /// The username git asked for, if any: used only when a token is stored unchecked.
    pub(crate) username: Option<String>,
    /// The lab timer: erase the token this long after it is stored (counted from the moment
    /// it was checked and stored, not from when the flow began).
    pub(crate) lifetime: Option<std::time::Duration>,
    /// Mark the token as the host's default (`login --default`).
    pub(crate) default: bool,
    /// The repository owners routed to the token's account (`login --owner`).
    pub(crate) owners: Vec<String>,
    /// What the flow says first when a token is stored for the target already (one that
    /// expired, one a new token replaces), instead of "no token is stored".
    pub(crate) situation: Option<String>,
    /// The clock read when the token is stored: seconds since the Unix epoch, UTC.
    pub(crate) clock: fn() -> u64,
}

impl Target {
    /// The target of a `get` request.
    pub(crate) fn of(query: &Query) -> Target {
        Target {
            origin: query.origin.clone(),
            path: query.path.clone(),
            username: query.username.clone(),
            lifetime: None,
            default: false,
            owners: Vec::new(),
            situation: None,
            clock: crate::sys::now,
        }
    }

    /// Sets the lab timer: the token is erased `lifetime` (at least one second) after it is
    /// stored.
    pub(crate) fn with_lifetime(mut self, lifetime: Option<std::time::Duration>) -> Target {
        self.lifetime = lifetime.map(|d| d.max(std::time::Duration::from_secs(1)));
        self
    }

    /// The token page of `forge`, asking for an expiry that covers the lab timer, if any.
    fn token_page(&self, forge: &Forge, now: u64) -> String {
        let days = self
            .lifetime
            .map(|d| u32::try_from(d.as_secs().div_ceil(86_400)).unwrap_or(u32::MAX));
        forge.token_page_url_for(&token_description(now), days, self.path.as_deref())
    }

    /// `protocol://host`, the URL git config is matched against.
    pub(crate) fn url(&self) -> String {
        self.origin.to_string()
    }
}

/// The slow path of `get`, when nothing is stored for `query`: for a known forge, runs the
/// interactive flow when a person is present, else prints one hint line on `err` and answers
/// nothing; for an unknown host does nothing, so git prompts as it always does. A cancelled or
/// failed flow answers `quit=1` so that git does not prompt again for what was just refused.
///
/// # Errors
/// When the terminal or the keychain fails.
pub fn on_missing(
    request: &Credential,
    query: &Query,
    vault: &Vault,
    err: &mut dyn Write,
    now: u64,
) -> anyhow::Result<Option<Credential>> {
    let settings = HostSettings::read(&Target::of(query).url());
    let mut target = Target::of(query).with_lifetime(settings.lifetime);
    let Some(forge) = Forge::detect(&query.origin.host, &request.wwwauth, &settings.forge) else {
        return Ok(None);
    };
    let expired = expired_here(query, vault, now)?;
    let login_arg = if target.origin.protocol == "https" {
        target.origin.host.to_string()
    } else {
        target.url()
    };
    let trust_it = format!(
        "git config --global credential.{}.patForge {}",
        target.url(),
        forge.kind.setting_word()
    );
    if !person_present(&settings) {
        if forge.by_realm_only {
            writeln!(
                err,
                "git-credential-pat: no token stored for {host}, which only claims (by its realm) to \
                 be a {name}; if you know and trust {host}, run `{trust_it}`, then \
                 `git credential-pat login {login_arg}`",
                host = target.origin.host,
                name = forge.name(),
            )?;
            return Ok(None);
        }
        let login_arg = if target.origin.protocol == "https" {
            target.origin.host.to_string()
        } else {
            target.url()
        };
        let why = match &expired {
            Some(expired) => format!("{expired}; create a new one"),
            None => format!("no token stored for {}: create one", target.origin.host),
        };
        writeln!(
            err,
            "git-credential-pat: {why} at {}, then run `git credential-pat login {login_arg}`",
            target.token_page(&forge, now),
        )?;
        return Ok(None);
    }
    target.situation = expired.map(|e| format!("{e}."));
    if forge.by_realm_only {
        // Any HTTPS server can answer 401 with realm="GitHub": name it and ask first.
        writeln!(
            err,
            "git-credential-pat: {host} says (by its realm) that it is a {name}. Nothing but the \
             server itself says so: a token you paste goes to {host} and its API.",
            host = target.origin.host,
            name = forge.name(),
        )?;
        let question = format!(
            "Open {host}'s token page and store a token for it? [y/N] ",
            host = target.origin.host
        );
        if !Tty.confirm(&question)? {
            writeln!(
                err,
                "git-credential-pat: nothing was opened or stored for {}",
                target.origin.host
            )?;
            return Ok(None);
        }
        writeln!(
            err,
            "git-credential-pat: to trust {} without this question: {trust_it}",
            target.origin.host
        )?;
    }
    let browser: Option<&OpenBrowser> = (!settings.browser_forbidden()).then_some(&open_in_browser);
    let quit = Credential {
        quit: true,
        ..Credential::default()
    };
    match interactive(&forge, &target, vault, &mut Tty, browser, err, now)? {
        Outcome::Stored(answer) => Ok(Some(*answer)),
        Outcome::Cancelled => {
            writeln!(
                err,
                "git-credential-pat: no token given; nothing was stored"
            )?;
            Ok(Some(quit))
        }
        Outcome::GaveUp => {
            writeln!(err, "git-credential-pat: {}", gave_up())?;
            Ok(Some(quit))
        }
    }
}

/// `the token stored for https://gitlab.com (git-token-104) expired 2026-11-01 00:00 UTC (36
/// days ago)`: the tokens stored for `query`'s host (and path) whose expiry has passed at `now`,
/// which `get` does not serve, whichever user git named; `None` when there are none.
fn expired_here(query: &Query, vault: &Vault, now: u64) -> anyhow::Result<Option<String>> {
    let mut said = Vec::new();
    for found in vault.find(&query.origin)? {
        let account = &found.account;
        if !query.path_matches(account) {
            continue;
        }
        if let Some(stored) = vault.read(&found)?
            && let Some(t) = stored.password_expiry_utc.filter(|&t| t < now)
        {
            said.push(format!(
                "the token stored for {} ({}) expired {}",
                query.origin,
                escape(&account.username),
                describe_time(t, now)
            ));
        }
    }
    Ok((!said.is_empty()).then(|| said.join("; ")))
}

/// The one line that ends a flow after [`ATTEMPTS`] refused tokens, which its caller prints
/// (`get` on git's stderr, `login` as its error): once, whoever prints it.
pub(crate) fn gave_up() -> String {
    format!("giving up after {ATTEMPTS} attempts; nothing was stored")
}

/// Opens `url` with the `webbrowser` crate, which honours `$BROWSER`.
pub(crate) fn open_in_browser(url: &str) -> Result<(), String> {
    webbrowser::open(url).map_err(|e| e.to_string())
}

/// Runs the interactive flow: shows the token page (opening it with `open_browser` unless
/// `None`), reads up to [`ATTEMPTS`] tokens with `prompter`, checks each with the forge's API,
/// and stores the first good one in `vault`. `now` is seconds since the Unix epoch. Ending
/// with [`Outcome::GaveUp`] or [`Outcome::Cancelled`], it prints no closing line: the caller
/// does, once.
///
/// # Errors
/// When the terminal or the keychain fails.
pub(crate) fn interactive(
    forge: &Forge,
    target: &Target,
    vault: &Vault,
    prompter: &mut dyn Prompter,
    open_browser: Option<&OpenBrowser<'_>>,
    err: &mut dyn Write,
    now: u64,
) -> anyhow::Result<Outcome> {
    let page = target.token_page(forge, now);
    let scopes = match forge.page_scopes.as_slice() {
        [] => String::new(),
        s => format!(" with the scopes {} ticked", s.join(", ")),
    };
    let situation = match &target.situation {
        Some(said) => said.clone(),
        None => format!("no token is stored for {}.", target.url()),
    };
    writeln!(
        err,
        "git-credential-pat: {situation}\nCreate a {}{} token{scopes} at:\n\n  {page}\n",
        if target.situation.is_some() {
            "new "
        } else {
            ""
        },
        forge.name()
    )?;
    if let Some(hint) = forge.token_page_hint() {
        writeln!(err, "{hint}")?;
    }
    if let Some(open) = open_browser {
        match open(&page) {
            Ok(()) => writeln!(err, "(opened in your browser)")?,
            Err(e) => writeln!(
                err,
                "(could not open a browser: {e}; open the address yourself)"
            )?,
        }
    }
    for attempt in 1..=ATTEMPTS {
        let prompt = if attempt == 1 {
            format!(
                "Paste the token for {} (it is not shown; Enter alone cancels): ",
                target.origin.host
            )
        } else {
            format!(
                "Paste the token again (attempt {attempt} of {ATTEMPTS}; Enter alone cancels): "
            )
        };
        let Some(typed) = prompter
            .secret(&prompt)?
            .map(secrecy::zeroize::Zeroizing::new)
        else {
            return Ok(Outcome::Cancelled);
        };
        let token = SecretString::from(typed.trim().to_owned());
        if token.expose_secret().is_empty() {
            return Ok(Outcome::Cancelled);
        }
        let kind = match forge.check_token(token.expose_secret()) {
            Ok(kind) => kind,
            Err(why) => {
                writeln!(err, "git-credential-pat: {why}")?;
                continue;
            }
        };
        let info = match forge.validate(&token, now) {
            Ok(info) => info,
            Err(e) if e.is_network() => {
                writeln!(err, "git-credential-pat: {e}")?;
                if !prompter.confirm("Store the token without checking it? [y/N] ")? {
                    continue;
                }
                let unchecked = TokenInfo {
                    login: target.username.clone().unwrap_or(UNKNOWN_LOGIN.into()),
                    scopes: None,
                    expires_at: None,
                    ignored_expiry: None,
                    kind,
                };
                return store(forge, target, vault, token, &unchecked, err, now)
                    .map(|c| Outcome::Stored(Box::new(c)));
            }
            Err(e) => {
                writeln!(err, "git-credential-pat: {}", e.pasted())?;
                continue;
            }
        };
        let missing = forge.missing_scopes(&info);
        if !missing.is_empty() {
            writeln!(
                err,
                "git-credential-pat: this token lacks the scope{} {} that git needs to clone and push; \
                 create one with {} ticked at:\n\n  {page}\n",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                if missing.len() == 1 { "it" } else { "them" },
            )?;
            continue;
        }
        return store(forge, target, vault, token, &info, err, now)
            .map(|c| Outcome::Stored(Box::new(c)));
    }
    Ok(Outcome::GaveUp)
}

/// Checks `token` (read from somewhere other than a person: `login --token-stdin`) with the
/// forge and stores it, without asking anything.
///
/// # Errors
/// A sentence saying why the token was refused, or a keychain failure.
pub(crate) fn non_interactive(
    forge: &Forge,
    target: &Target,
    vault: &Vault,
    token: SecretString,
    err: &mut dyn Write,
    now: u64,
) -> anyhow::Result<Credential> {
    forge
        .check_token(token.expose_secret())
        .map_err(anyhow::Error::msg)?;
    let info = forge.validate(&token, now).map_err(|e| e.pasted())?;
    let missing = forge.missing_scopes(&info);
    if !missing.is_empty() {
        anyhow::bail!(
            "this token lacks the scope(s) {} that git needs; create one at {}",
            missing.join(", "),
            target.token_page(forge, now)
        );
    }
    store(forge, target, vault, token, &info, err, now)
}

/// Stores `token` under `info.login` and returns git's answer; says on `err` what was stored.
fn store(
    forge: &Forge,
    target: &Target,
    vault: &Vault,
    token: SecretString,
    info: &TokenInfo,
    err: &mut dyn Write,
    now: u64,
) -> anyhow::Result<Credential> {
    let account = Account {
        protocol: target.origin.protocol.clone(),
        host: target.origin.host.clone(),
        username: info.login.clone(),
        path: target.path.clone(),
    };
    // The lab timer counts from now, when the token is checked and stored, however long the
    // person took to paste it.
    let now = (target.clock)().max(now);
    let erase_by = target.lifetime.map(|d| now.saturating_add(d.as_secs()));
    let stored = Stored {
        stored_at: Some(now),
        erase_by,
        default: target.default,
        owners: target.owners.clone(),
        ..Stored::new(token)
    }
    .checked_by(forge, info);
    let answer = Credential {
        username: Some(info.login.clone()),
        password: Some(SecretString::from(
            stored.password.expose_secret().to_owned(),
        )),
        password_expiry_utc: stored.password_expiry_utc,
        ..Credential::default()
    };
    helper::store(&account, stored, vault)?;
    if target.default {
        clear_other_defaults(&account, vault)?;
    }
    clear_other_owners(&account, &target.owners, vault)?;
    let said_by = SaidBy::Forge {
        name: forge.name(),
        ignored_expiry: info.ignored_expiry,
    };
    let facts = token_facts(info.scopes.as_deref(), info.expires_at, &said_by, now);
    let timer = match erase_by {
        Some(t) => format!("; the lab timer erases it {}", describe_time(t, now)),
        None => String::new(),
    };
    writeln!(
        err,
        "git-credential-pat: stored the {} token of {} for {} in the {} ({facts}{timer}).",
        forge.name(),
        escape(&info.login),
        target.url(),
        vault.store_name()
    )?;
    Ok(answer)
}

/// Routes `owners` to `account` alone: takes them off every other user of its host, so that
/// one owner is served one account.
///
/// # Errors
/// When the keychain cannot be searched, read or written.
pub(crate) fn clear_other_owners(
    account: &Account,
    owners: &[String],
    vault: &Vault,
) -> anyhow::Result<()> {
    if owners.is_empty() {
        return Ok(());
    }
    for found in vault.find(&account.origin())? {
        if found.account.username == account.username {
            continue;
        }
        if let Some(mut other) = vault.read(&found)?
            && owners.iter().any(|o| other.serves_owner(o))
        {
            other
                .owners
                .retain(|o| !owners.iter().any(|n| crate::vault::same_login(o, n)));
            vault.put(&found.account, &other)?;
        }
    }
    Ok(())
}

/// Takes the default mark off every other user of `account`'s host.
fn clear_other_defaults(account: &Account, vault: &Vault) -> anyhow::Result<()> {
    for found in vault.find(&account.origin())? {
        if found.account == *account {
            continue;
        }
        if let Some(mut other) = vault.read(&found)?
            && other.default
        {
            other.default = false;
            vault.put(&found.account, &other)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

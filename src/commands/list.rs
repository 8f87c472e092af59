//! `git credential-pat list [HOST|URL] [--json]`: what is stored, one row per credential, and
//! never the token itself; with a URL, the row of the token git would be served for it is
//! marked (what `gh auth status` answers). `list --namespaces` names the namespaces git's
//! configured helper commands use, whose tokens `--namespace=N list` shows.

use crate::cli::{self, Context, Run};
use crate::helper::{self, Query};
use crate::show::{escape, relative, utc_minute};
use crate::vault::{Account, Stored, Vault, same_login};
use serde::Serialize;
use std::io::Write;

/// One stored credential as `list --json` prints it. Field names and meanings are stable for
/// scripts: times are seconds since the Unix epoch (UTC), `null` when unknown.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct Row {
    /// git's `protocol`.
    pub(crate) protocol: String,
    /// git's `host`, with `:port` when it has one.
    pub(crate) host: String,
    /// git's `username`: the account the token belongs to.
    pub(crate) username: String,
    /// git's `path`, for tokens kept per repository (`credential.useHttpPath`).
    pub(crate) path: Option<String>,
    /// The forge that checked the token, e.g. `GitHub`.
    pub(crate) forge: Option<String>,
    /// The token's scopes as the forge reported them.
    pub(crate) scopes: Option<Vec<String>>,
    /// When the token expires.
    pub(crate) expires_at: Option<u64>,
    /// When it was stored.
    pub(crate) stored_at: Option<u64>,
    /// The lab timer: when the first `get` erases it.
    pub(crate) erase_by: Option<u64>,
    /// Served when git names no user and several are stored for the host.
    pub(crate) default: bool,
    /// The lab timer ran out but the forge could not revoke the token then: it is no longer
    /// served, and the next `list`, `doctor`, `get` for the host or `logout --revoke` tries
    /// again. The table shows it as "to revoke".
    pub(crate) to_revoke: bool,
    /// The keychain holding it, e.g. `kernel keyring`.
    pub(crate) keychain: String,
    /// The repository owners routed to it (`login --owner`): git is served this token for
    /// their repositories on the host.
    pub(crate) owners: Vec<String>,
}

impl Row {
    fn new(account: Account, stored: &Stored, keychain: String) -> Row {
        Row {
            protocol: account.protocol,
            host: account.host.to_string(),
            username: account.username,
            path: account.path,
            forge: stored.forge.map(|k| k.name().to_owned()),
            scopes: stored.scopes.clone(),
            expires_at: stored.password_expiry_utc,
            stored_at: stored.stored_at,
            erase_by: stored.erase_by,
            default: stored.default,
            to_revoke: stored.to_revoke,
            keychain,
            owners: stored.owners.clone(),
        }
    }
}

/// Every credential in `vaults`, sorted by host, then user, each with the keychain holding it.
///
/// # Errors
/// When a keychain cannot be searched or read.
pub(crate) fn rows(vaults: &[Vault]) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for vault in vaults {
        for found in vault.find_all()? {
            if let Some(stored) = vault.read(&found)? {
                let keychain = found.store_name().to_owned();
                rows.push(Row::new(found.account, &stored, keychain));
            }
        }
    }
    rows.sort_by(|a, b| (&a.host, &a.username, &a.path).cmp(&(&b.host, &b.username, &b.path)));
    Ok(rows)
}

/// Prints the table (or JSON with `json`) on stdout; `now` is seconds since the Unix epoch.
///
/// # Errors
/// When the keychain fails or stdout cannot be written.
impl Run for cli::List {
    fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        if self.namespaces {
            // A namespace the keychain refuses holds no token: the helper fails before storing.
            let mut out = std::io::stdout().lock();
            for ns in crate::git::configured_namespaces() {
                if Vault::namespace_is_valid(&ns) {
                    writeln!(out, "{ns}")?;
                }
            }
            return Ok(());
        }
        let vaults = ctx.open_every_vault()?;
        let Some(target) = &self.target else {
            return run(self.json, &vaults, ctx.now);
        };
        // git's `get` asks one keychain, the automatic choice: so does the mark.
        let vault = ctx.open_vault()?;
        // The same choice as git's `get` (which also erases a token whose lab timer ended).
        let query = Query::for_target(target)?;
        let served = helper::get(&query, &vault, ctx.now)?;
        let Some(user) = served.answer.and_then(|a| a.username) else {
            run(self.json, &vaults, ctx.now)?;
            eprintln!(
                "No token would be served for {}.",
                escape(&query.origin.to_string())
            );
            return Ok(());
        };
        let is_served = |r: &Row| {
            r.protocol == query.origin.protocol
                && r.host == query.origin.host.to_string()
                && r.username == user
                && r.keychain == vault.store_name()
                && r.path
                    .as_ref()
                    .is_none_or(|rp| query.path.as_ref() == Some(rp))
        };
        let rows = rows(&vaults)?;
        let mut out = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
            return Ok(());
        }
        let text = table(&rows, ctx.now);
        for (i, line) in text.lines().enumerate() {
            let mark = if i > 0 && is_served(&rows[i - 1]) {
                "*"
            } else {
                " "
            };
            writeln!(out, "{mark} {line}")?;
        }
        // Why: the user name git sends wins, then the path's owner, then the default.
        let routed = query.owner().filter(|o| {
            rows.iter()
                .any(|r| is_served(r) && r.owners.iter().any(|w| same_login(w, o)))
        });
        let why = match (&query.username, routed) {
            (Some(asked), _) => format!("the URL names the user {}", escape(asked)),
            (None, Some(owner)) => format!("its owner {}/ is routed to it", escape(owner)),
            (None, None) => "the host's default".to_owned(),
        };
        let target = match &query.path {
            Some(path) => format!("{}/{}", query.origin, path),
            None => query.origin.to_string(),
        };
        writeln!(
            out,
            "* the token git is served for {} ({why})",
            escape(&target)
        )?;
        Ok(())
    }
}

/// Prints the table (or JSON) of what `vaults` hold at `now` (seconds since the Unix epoch).
///
/// # Errors
/// When a keychain cannot be listed or stdout cannot be written.
fn run(json: bool, vaults: &[Vault], now: u64) -> anyhow::Result<()> {
    // A token whose lab timer ran out is revoked and erased before it is listed.
    for vault in vaults {
        for ended in crate::helper::end_all_over(vault, now, crate::ending::revoke)? {
            eprintln!("git-credential-pat: {ended}");
        }
    }
    let rows = rows(vaults)?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    if rows.is_empty() {
        let names: Vec<&str> = vaults.iter().map(Vault::store_name).collect();
        writeln!(
            out,
            "No tokens are stored (in the {}).",
            names.join(" or the ")
        )?;
        return Ok(());
    }
    write!(out, "{}", table(&rows, now))?;
    Ok(())
}

/// The rows as an aligned text table. Control characters in host, user and path are escaped,
/// so that a crafted name cannot rewrite the terminal (CVE-2024-50349 class).
pub(crate) fn table(rows: &[Row], now: u64) -> String {
    let header = [
        "HOST",
        "USER",
        "FORGE",
        "SCOPES",
        "EXPIRES",
        "STORED",
        "KEYCHAIN",
        "LAB TIMER",
    ];
    let mut cells: Vec<[String; 8]> = vec![header.map(str::to_owned)];
    for r in rows {
        let mut host = if r.protocol == "https" {
            escape(&r.host)
        } else {
            format!("{}://{}", escape(&r.protocol), escape(&r.host))
        };
        if let Some(path) = &r.path {
            host = format!("{host}/{}", escape(path));
        }
        let mut user = if r.default {
            format!("{} (default)", escape(&r.username))
        } else {
            escape(&r.username)
        };
        if !r.owners.is_empty() {
            let owners: Vec<String> = r.owners.iter().map(|o| format!("{}/", escape(o))).collect();
            user = format!("{user} for {}", owners.join(" "));
        }
        let scopes = match &r.scopes {
            Some(s) if s.is_empty() => "none".to_owned(),
            Some(s) => s.join(", "),
            None => "-".to_owned(),
        };
        let expires = match (r.expires_at, &r.forge) {
            (Some(t), _) => relative(t, now),
            (None, Some(_)) => "never".to_owned(),
            (None, None) => "unknown".to_owned(),
        };
        let stored = r.stored_at.map(utc_minute).unwrap_or_else(|| "-".into());
        let timer = match r.erase_by {
            _ if r.to_revoke => "ended: TO REVOKE".to_owned(),
            Some(t) => format!("erases {}", relative(t, now)),
            None => "-".into(),
        };
        cells.push([
            host,
            user,
            r.forge.as_deref().map(escape).unwrap_or_else(|| "-".into()),
            escape(&scopes),
            expires,
            stored,
            r.keychain.clone(),
            timer,
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for row in &cells {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        text.push_str(line.join("  ").trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests;

//! `git credential-pat doctor [--offline]`: one line per check of the installation, git's
//! configuration, the keychain and the stored tokens, each saying what to do when it is not
//! right. Exits non-zero when a check fails.

use crate::cli::{self, Context, Run};
use crate::git::{HostSettings, find_on_path, helper_entries, helper_list, is_ours};
use crate::host::Origin;
use crate::show::{SaidBy, describe_time, escape, token_facts};
use crate::vault::{Account, StoreChoice, StoreKind, Stored, Vault, same_login};
use secrecy::SecretString;
use std::path::PathBuf;

/// The oldest git that passes `password_expiry_utc` to helpers and honours it.
const MIN_GIT: (u32, u32) = (2, 40);

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Ok,
    Note,
    Fail,
}

struct Report {
    failures: usize,
}

impl Report {
    fn say(&mut self, level: Level, text: impl AsRef<str>) {
        let tag = match level {
            Level::Ok => "ok  ",
            Level::Note => "note",
            Level::Fail => {
                self.failures += 1;
                "FAIL"
            }
        };
        println!("{tag}  {}", text.as_ref());
    }
}

/// Runs every check and prints one line per check on stdout.
///
/// # Errors
/// When any check failed (the lines above say which and what to do).
impl Run for cli::Doctor {
    fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        run(self.offline, ctx.store, ctx.namespace.as_deref(), ctx.now)
    }
}

fn run(offline: bool, store: StoreChoice, namespace: Option<&str>, now: u64) -> anyhow::Result<()> {
    let mut r = Report { failures: 0 };
    let me = std::env::current_exe().and_then(|p| p.canonicalize()).ok();
    check_binary(&mut r, me.as_ref());
    check_git_version(&mut r);
    check_helpers(&mut r, me.as_ref());
    check_unscoped_settings(&mut r);
    if let Some(vault) = check_keychain(&mut r, store, namespace, now) {
        // Tokens in every keychain that answers (unless --store names one), each named with
        // its keychain when there are several.
        let vaults = match store {
            StoreChoice::Auto => Vault::open_every(namespace).unwrap_or_else(|_| vec![vault]),
            _ => vec![vault],
        };
        check_tokens(&mut r, &vaults, offline, now);
        check_routes(&mut r, &vaults);
    }
    check_plaintext(&mut r);
    if r.failures > 0 {
        anyhow::bail!(
            "{} check{} failed",
            r.failures,
            if r.failures == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

fn check_binary(r: &mut Report, me: Option<&PathBuf>) {
    let version = env!("CARGO_PKG_VERSION");
    match me {
        Some(p) => r.say(
            Level::Ok,
            format!("this is {} (version {version})", p.display()),
        ),
        None => r.say(
            Level::Note,
            format!("cannot tell this program's own path (version {version})"),
        ),
    }
    match find_on_path("git-credential-pat").and_then(|p| p.canonicalize().ok()) {
        Some(p) if Some(&p) == me => r.say(Level::Ok, "`git credential-pat` runs this program"),
        Some(p) => r.say(
            Level::Note,
            format!("`git credential-pat` runs {}, not this program; run ./install.sh again to replace it", p.display()),
        ),
        None => r.say(
            Level::Note,
            "git-credential-pat is not on PATH: `git credential-pat …` will not work, though git finds the helper by its configured path",
        ),
    }
}

/// A bare `credential.patApiUrl` or `credential.patForge` (no URL) would apply to every host;
/// the helper ignores it, and says so here.
fn check_unscoped_settings(r: &mut Report) {
    for (key, value) in crate::git::config_get_regexp(crate::git::UNSCOPED_REDIRECTS, false) {
        r.say(
            Level::Note,
            format!(
                "{key} = {} has no URL, so it is ignored (it would send every host's token to \
                 one place); scope it: git config --global --unset {key} and set \
                 credential.https://HOST.{} instead",
                escape(&value),
                key.trim_start_matches("credential."),
            ),
        );
    }
}

fn check_git_version(r: &mut Report) {
    let Some(version) = crate::git::version() else {
        return r.say(Level::Fail, "git does not run: install git");
    };
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse::<u32>().ok());
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) >= MIN_GIT {
        r.say(Level::Ok, format!("git {version}"));
    } else {
        r.say(
            Level::Note,
            format!("git {version} is older than 2.40: it ignores token expiry dates; upgrade git"),
        );
    }
}

fn check_helpers(r: &mut Report, me: Option<&PathBuf>) {
    let entries = helper_entries();
    let mut hosts: Vec<String> = entries
        .iter()
        .filter(|e| is_ours(&e.value))
        .filter_map(|e| e.pattern.as_deref())
        .filter_map(|p| crate::protocol::parse_partial_url(p).ok()?.host)
        .collect();
    hosts.sort();
    hosts.dedup();
    if hosts.is_empty() {
        if entries
            .iter()
            .any(|e| e.pattern.is_none() && is_ours(&e.value))
        {
            hosts.push("github.com".into());
        } else {
            return r.say(
                Level::Fail,
                "git is not configured to ask git-credential-pat for any host: run `git credential-pat configure`",
            );
        }
    }
    for host in hosts {
        let list = helper_list(&entries, &host);
        let others: Vec<String> = list
            .iter()
            .filter(|e| !is_ours(&e.value))
            .map(|e| format!("`{} = {}`", e.key, escape(&e.value)))
            .collect();
        let fix = format!("git credential-pat configure {host}");
        match (list.iter().find(|e| is_ours(&e.value)), others.is_empty()) {
            (None, _) => r.say(
                Level::Fail,
                format!("git does not ask git-credential-pat for https://{host} (a later empty credential.helper resets it): run `{fix}`"),
            ),
            (Some(ours), true) => {
                r.say(Level::Ok, format!("git asks only git-credential-pat for https://{host} ({})", ours.value));
                if ours.key.ends_with("/.helper") {
                    r.say(
                        Level::Note,
                        format!("cargo's libgit2 does not read `{}` (the trailing slash): run `{fix}`", ours.key),
                    );
                }
                check_runs_me(r, &ours.value, me);
            }
            (Some(_), false) => r.say(
                Level::Fail,
                format!(
                    "for https://{host} git also hands every token to {}, which may keep its own copy: run `{fix}`, which moves git-credential-pat's entries after it",
                    others.join(", ")
                ),
            ),
        }
    }
}

/// Whether the helper command git runs is this program.
fn check_runs_me(r: &mut Report, command: &str, me: Option<&PathBuf>) {
    // `pat` runs `git-credential-pat` from git's exec path or PATH; `/…/git-credential-pat` and
    // `!'/…/git-credential-pat'` run that file (git's rule: crate::git::helper_words).
    let program = crate::git::helper_program(command).unwrap_or_default();
    let runs = if program.contains('/') {
        Some(PathBuf::from(program))
    } else {
        let exec_path = crate::git::exec_path().map(|p| p.join(&program));
        exec_path
            .filter(|p| p.is_file())
            .or_else(|| find_on_path(&program))
    };
    match runs.and_then(|p| p.canonicalize().ok()) {
        Some(p) if Some(&p) == me => {}
        Some(p) => r.say(
            Level::Note,
            format!("git runs {} as the helper, not this program", p.display()),
        ),
        None => r.say(
            Level::Fail,
            format!("git cannot find the helper `{command}`: run ./install.sh again"),
        ),
    }
}

fn check_keychain(
    r: &mut Report,
    store: StoreChoice,
    namespace: Option<&str>,
    now: u64,
) -> Option<Vault> {
    let vault = match Vault::open(store, namespace) {
        Ok(v) => v,
        Err(e) => {
            r.say(Level::Fail, format!("{e}"));
            return None;
        }
    };
    let probe = Account {
        protocol: "doctor".into(),
        host: crate::host::Host::parse("probe.invalid").expect("a valid host"),
        username: format!("pid{}", std::process::id()),
        path: None,
    };
    let stored = Stored {
        stored_at: Some(now),
        ..Stored::new(SecretString::from("probe"))
    };
    let works = vault
        .put(&probe, &stored)
        .and_then(|()| vault.get(&probe))
        .map(|s| s.is_some());
    for found in vault.find(&probe.origin()).unwrap_or_default() {
        let _ = vault.delete(&found);
    }
    match works {
        Ok(true) => r.say(
            Level::Ok,
            format!("the {} stores and reads tokens", vault.store_name()),
        ),
        Ok(false) => r.say(
            Level::Fail,
            format!(
                "the {} accepted a test entry but did not return it",
                vault.store_name()
            ),
        ),
        Err(e) => r.say(Level::Fail, format!("{e}")),
    }
    if vault.kind() == Some(StoreKind::Keyutils) {
        r.say(
            Level::Note,
            "the kernel keyring keeps tokens in memory only: they are lost at reboot, and after 3 days unused (see the README)",
        );
        if let Some(sign) = container_sign(std::env::var_os("container"), |p| {
            std::path::Path::new(p).exists()
        }) {
            r.say(
                Level::Note,
                format!(
                    "this looks like a container ({sign}): the kernel keyring is per user, not per container, so every \
                     container and CI job of this uid on this machine shares these tokens; a CI job \
                     should store its token with `login HOST --token-stdin --for 1h` and run \
                     `logout HOST --revoke` at its end (see the README)"
                ),
            );
        }
    }
    Some(vault)
}

/// Tokens in git-credential-store's plaintext files, for any host; named, never printed.
fn check_plaintext(r: &mut Report) {
    for file in crate::plaintext::files() {
        let shown = escape(&file.display().to_string());
        check_leftovers(r, &file, &shown);
        let lines = match crate::plaintext::read(&file) {
            Ok(Some(lines)) if !lines.is_empty() => lines,
            Ok(_) => continue,
            Err(e) => {
                r.say(Level::Note, format!("{shown} could not be read: {e}"));
                continue;
            }
        };
        let names: Vec<String> = lines.iter().map(crate::plaintext::Line::name).collect();
        r.say(
            Level::Fail,
            format!(
                "{shown} holds {} token{} in plaintext ({}): run `git credential-pat import` \
                 to move {} into the keychain",
                lines.len(),
                if lines.len() == 1 { "" } else { "s" },
                names.join(", "),
                if lines.len() == 1 { "it" } else { "them" },
            ),
        );
    }
}

/// What an interrupted rewrite of `file` left behind: git's lock `FILE.lock` (while it exists,
/// `git credential-store` cannot write the file), and the `.FILE.git-credential-pat-PID` copies
/// that earlier versions of `import` wrote instead. Both may hold the file's tokens in plaintext.
fn check_leftovers(r: &mut Report, file: &std::path::Path, shown: &str) {
    let resolved = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_owned());
    let lock = crate::plaintext::lock_path(&resolved);
    if std::fs::symlink_metadata(&lock).is_ok() {
        r.say(
            Level::Fail,
            format!(
                "{} is left from a rewrite of {shown} that was stopped (by git-credential-store \
                 or `git credential-pat import`), unless one runs right now: while it exists, \
                 git cannot store credentials in the file, and it may hold tokens in plaintext; \
                 the file itself is intact: delete the lock file",
                escape(&lock.display().to_string())
            ),
        );
    }
    let (Some(dir), Some(name)) = (resolved.parent(), resolved.file_name()) else {
        return;
    };
    let prefix = format!(".{}.git-credential-pat-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            r.say(
                Level::Fail,
                format!(
                    "{} is a copy of {shown} left by an `import` that was stopped (an earlier \
                     version): it may hold tokens in plaintext; delete it",
                    escape(&entry.path().display().to_string())
                ),
            );
        }
    }
}

/// What says this process runs in a container, if anything does: the `container` variable
/// (systemd-nspawn, podman, LXC set it), `/.dockerenv` (Docker) or `/run/.containerenv`
/// (podman). `exists` is asked about those paths.
fn container_sign(
    variable: Option<std::ffi::OsString>,
    exists: impl Fn(&str) -> bool,
) -> Option<String> {
    if let Some(v) = variable.filter(|v| !v.is_empty()) {
        return Some(format!("container={}", escape(&v.to_string_lossy())));
    }
    ["/.dockerenv", "/run/.containerenv"]
        .into_iter()
        .find(|p| exists(p))
        .map(str::to_owned)
}

fn check_tokens(r: &mut Report, vaults: &[Vault], offline: bool, now: u64) {
    let mut found = Vec::new();
    for vault in vaults {
        match vault.find_all() {
            Ok(more) => found.extend(more),
            Err(e) => r.say(Level::Fail, format!("{e}")),
        }
    }
    if found.is_empty() {
        return r.say(Level::Ok, "no tokens are stored yet");
    }
    for f in found {
        let mut name = f.account.display_name();
        if vaults.len() > 1 {
            name = format!("{name} (in the {})", f.store_name());
        }
        let stored = match f.read() {
            Ok(Some(s)) => s,
            Ok(None) => continue,
            Err(e) => {
                r.say(Level::Fail, format!("{name}: {e}"));
                continue;
            }
        };
        if crate::helper::is_over(&stored, now) {
            // The lab timer ran out: revoke it now, or say that it is still to revoke.
            if offline {
                r.say(
                    Level::Fail,
                    format!(
                        "{name}: its lab timer ended and it is still live: TO REVOKE; run `{}`",
                        crate::helper::revoke_command(&f.account)
                    ),
                );
                continue;
            }
            match crate::helper::end_lab(f.vault(), &f, stored, crate::ending::revoke, now) {
                Ok(ended) if ended.gone => r.say(Level::Note, ended.to_string()),
                Ok(ended) => r.say(Level::Fail, ended.to_string()),
                Err(e) => r.say(Level::Fail, format!("{name}: {e}")),
            }
            continue;
        }
        if let Some(t) = stored.password_expiry_utc.filter(|&t| t < now) {
            r.say(
                Level::Fail,
                format!(
                    "{name}: the token expired {}; run `git credential-pat login {}`",
                    describe_time(t, now),
                    f.account.host
                ),
            );
            continue;
        }
        if offline {
            r.say(
                Level::Ok,
                format!("{name}: stored (not checked: --offline)"),
            );
            continue;
        }
        let Some(forge) = crate::git::forge_at(&f.account.origin()) else {
            r.say(
                Level::Note,
                format!(
                    "{name}: not checked (unknown forge; set credential.https://{}.patForge)",
                    f.account.host
                ),
            );
            continue;
        };
        match forge.validate(&stored.password, now) {
            Ok(info) => {
                let missing = forge.missing_scopes(&info);
                if missing.is_empty() {
                    let said_by = SaidBy::Forge {
                        name: forge.name(),
                        ignored_expiry: info.ignored_expiry,
                    };
                    let facts = token_facts(info.scopes.as_deref(), info.expires_at, &said_by, now);
                    r.say(
                        Level::Ok,
                        format!(
                            "{name}: {} accepts it as {} ({facts})",
                            forge.name(),
                            escape(&info.login)
                        ),
                    );
                } else {
                    r.say(
                        Level::Fail,
                        format!("{name}: the token lacks {}; run `git credential-pat login {}` with a new one", missing.join(", "), f.account.host),
                    );
                }
            }
            Err(e) if e.is_network() => r.say(Level::Note, format!("{name}: not checked: {e}")),
            Err(e) => r.say(Level::Fail, format!("{name}: {e}")),
        }
    }
}

/// The owners `login --owner` routed: each to one account of its host (the keychain cannot
/// say which of two is meant), on a host whose git sends the repository's path, without which
/// every owner is served the default.
fn check_routes(r: &mut Report, vaults: &[Vault]) {
    // (origin, owner, users), in the order found.
    let mut routes: Vec<(Origin, String, Vec<String>)> = Vec::new();
    for vault in vaults {
        for f in vault.find_all().unwrap_or_default() {
            let Ok(Some(stored)) = f.read() else {
                continue;
            };
            let origin = f.account.origin();
            for owner in &stored.owners {
                let user = f.account.username.clone();
                match routes
                    .iter_mut()
                    .find(|(o, w, _)| *o == origin && same_login(w, owner))
                {
                    Some((_, _, users)) if !users.contains(&user) => users.push(user),
                    Some(_) => {}
                    None => routes.push((origin.clone(), owner.clone(), vec![user])),
                }
            }
        }
    }
    let mut hosts: Vec<&Origin> = Vec::new();
    for (origin, owner, users) in &routes {
        let shown = format!("{}/ on {}", escape(owner), escape(&origin.to_string()));
        let names: Vec<String> = users.iter().map(|u| escape(u)).collect();
        if let [user] = names.as_slice() {
            r.say(Level::Ok, format!("{shown} is served the token of {user}"));
        } else {
            r.say(
                Level::Fail,
                format!(
                    "{shown} is routed to {} accounts ({}); run `git credential-pat login \
                     https://NAME@{} --owner {}` for the one meant",
                    names.len(),
                    names.join(", "),
                    origin.host,
                    escape(owner)
                ),
            );
        }
        if !hosts.contains(&origin) {
            hosts.push(origin);
            if !HostSettings::read(&origin.to_string()).use_http_path {
                r.say(
                    Level::Fail,
                    format!(
                        "{origin}: owners are routed but git does not name the repository; run \
                         `git config --global credential.{origin}.useHttpPath true`"
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;

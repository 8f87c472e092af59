//! Every git subprocess the helper starts (config reads and writes, `git credential reject`,
//! `git --version`), and the per-host settings from git's config: `credential.<url>.*` keys,
//! read with one `git config -z --get-urlmatch credential <url>` in the slow path only (never
//! for a stored token: that would start a process on the hot path), and parsed once into
//! types. A value that cannot be understood is a one-line warning on stderr, never silently
//! ignored.
//!
//! Keys (gitcredentials(7) "CONFIGURATION OPTIONS" for git's own; `pat*` are ours):
//! `credential.interactive`, `credential.username`, `credential.<url>.patForge`
//! (`github`, `ghes`, `gitlab`, `gitea`, `forgejo`), `credential.<url>.patApiUrl`,
//! `credential.<url>.patScopes` (comma- or space-separated), `credential.<url>.patTokenType`
//! (`classic` or `fine-grained`), `credential.<url>.patBrowser` (`never` turns the browser off),
//! `credential.<url>.patLifetime` (the lab timer, e.g. `8h`).

use crate::forge::{Forge, ForgeKind, ForgeSettings, TokenType};
use crate::host::Origin;
use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The settings git's config holds for one URL. Empty when git is not installed or the config
/// cannot be read: the caller then behaves as if nothing were configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostSettings {
    /// `credential.interactive` as written, lowercased (`false`, `never`, `true`, `auto`, …).
    pub(crate) interactive: Option<String>,
    /// `credential.<url>.patForge`, `patApiUrl`, `patScopes` and `patTokenType`: what
    /// [`crate::forge::Forge::detect`] reads.
    pub(crate) forge: ForgeSettings,
    /// `credential.<url>.patBrowser`: `false` (or `never`) turns the browser off.
    pub(crate) browser: bool,
    /// `credential.<url>.patLifetime`: the lab timer for new tokens, e.g. `8h`.
    pub(crate) lifetime: Option<Duration>,
    /// `credential.<url>.useHttpPath`: git sends the repository's path (owners need it).
    pub(crate) use_http_path: bool,
    /// What could not be understood, one sentence each (printed by [`HostSettings::read`]).
    pub(crate) warnings: Vec<String>,
}

impl Default for HostSettings {
    fn default() -> HostSettings {
        HostSettings {
            interactive: None,
            forge: ForgeSettings::default(),
            browser: true,
            lifetime: None,
            use_http_path: false,
            warnings: Vec::new(),
        }
    }
}

impl HostSettings {
    /// Reads the settings that apply to `url` (e.g. `https://github.com`) by running
    /// `git config --get-urlmatch credential <url>`, which also sees `git -c` overrides through
    /// the environment git passes to its helpers.
    ///
    /// Only the system and global config and `git -c` count, never a repository's own
    /// `.git/config`: a cloned repository must not be able to point `patApiUrl` at its own
    /// server and have tokens sent there.
    pub(crate) fn read(url: &str) -> HostSettings {
        let out = git_outside_any_repository()
            .args(["config", "-z", "--get-urlmatch", "credential", url])
            .output();
        let mut settings = match out {
            Ok(out) if out.status.success() => Self::parse(&String::from_utf8_lossy(&out.stdout)),
            _ => HostSettings::default(),
        };
        if settings.forge.api_url.is_some() || settings.forge.kind.is_some() {
            settings.drop_unscoped(&config_get_regexp(SCOPED_REDIRECTS, false));
        }
        for warning in &settings.warnings {
            eprintln!("git-credential-pat: {}", crate::show::escape(warning));
        }
        settings
    }

    /// Parses `git config -z --get-urlmatch` output: `key\nvalue\0` records with the key in
    /// lowercase (git prints the variable name canonicalised), e.g. `credential.patforge\ngithub\0`.
    pub(crate) fn parse(text: &str) -> HostSettings {
        let mut s = HostSettings::default();
        for record in text.split('\0').filter(|r| !r.is_empty()) {
            let (key, value) = record.split_once('\n').unwrap_or((record, ""));
            let value = value.trim().to_owned();
            let lower = || Some(value.to_ascii_lowercase());
            let key = key.to_ascii_lowercase();
            match key.as_str() {
                "credential.interactive" => s.interactive = lower(),
                "credential.usehttppath" => s.use_http_path = parse_bool(&value) == Some(true),
                "credential.patforge" => match ForgeKind::from_setting(&value) {
                    Some(kind) => s.forge.kind = Some(kind),
                    None => s.warnings.push(format!(
                        "credential.patForge '{value}' is not one of {}; it is ignored",
                        ForgeKind::setting_words()
                    )),
                },
                "credential.patapiurl" => match reqwest::Url::parse(&value) {
                    Ok(_) => s.forge.api_url = Some(value),
                    Err(_) => s.warnings.push(format!(
                        "credential.patApiUrl '{value}' is not a URL; it is ignored"
                    )),
                },
                "credential.patscopes" => {
                    s.forge.scopes = Some(
                        value
                            .split([',', ' '])
                            .filter(|x| !x.is_empty())
                            .map(str::to_owned)
                            .collect(),
                    )
                }
                "credential.pattokentype" => match TokenType::from_setting(&value) {
                    Some(t) => s.forge.token_type = Some(t),
                    None => s.warnings.push(format!(
                        "credential.patTokenType '{value}' is not {}; it is ignored",
                        TokenType::SETTINGS.map(|(w, _)| w).join(" or ")
                    )),
                },
                "credential.patbrowser" => match value.to_ascii_lowercase().as_str() {
                    "never" => s.browser = false,
                    other => match parse_bool(other) {
                        Some(b) => s.browser = b,
                        None => s.warnings.push(format!(
                            "credential.patBrowser '{value}' is not true, false or never; it is ignored"
                        )),
                    },
                },
                "credential.patlifetime" => match humantime::parse_duration(&value) {
                    Ok(d) => s.lifetime = Some(d),
                    Err(_) => s.warnings.push(format!(
                        "credential.patLifetime '{value}' is not a duration such as 8h or 90min; it is ignored"
                    )),
                },
                other if other.starts_with("credential.pat") => s.warnings.push(format!(
                    "{other} is not a setting git-credential-pat knows; it is ignored"
                )),
                _ => {}
            }
        }
        s
    }

    /// Keeps `patApiUrl` and `patForge` only when a URL-scoped key (`credential.<url>.patApiUrl`)
    /// among `scoped` (key, value) pairs gave that value: a bare `credential.patApiUrl` would
    /// apply to every host, and send every host's token to one API.
    pub(crate) fn drop_unscoped(&mut self, scoped: &[(String, String)]) {
        let given = |suffix: &str, value: &str| {
            scoped.iter().any(|(k, v)| {
                k.to_ascii_lowercase().ends_with(suffix) && v.trim().eq_ignore_ascii_case(value)
            })
        };
        if self
            .forge
            .api_url
            .as_deref()
            .is_some_and(|v| !given(".patapiurl", v))
        {
            self.forge.api_url = None;
        }
        let forge_given = scoped.iter().any(|(k, v)| {
            k.to_ascii_lowercase().ends_with(".patforge")
                && ForgeKind::from_setting(v) == self.forge.kind
        });
        if self.forge.kind.is_some() && !forge_given {
            self.forge.kind = None;
        }
    }

    /// Whether `credential.interactive` forbids prompting (`false`, `never`, or another of
    /// git's false spellings, the empty value included).
    pub(crate) fn interactive_forbidden(&self) -> bool {
        matches!(
            self.interactive.as_deref(),
            Some("false" | "never" | "no" | "off" | "0" | "")
        )
    }

    /// Whether `credential.<url>.patBrowser` forbids opening a browser.
    pub(crate) fn browser_forbidden(&self) -> bool {
        !self.browser
    }
}

/// The forge `origin` runs, as git's config (`credential.<url>.patForge`, `patApiUrl`, …) and
/// the host's name tell it, with no server challenge to go by: what every command that acts on
/// a stored token (revoking, checking, handing over) asks. Starts `git config` (a process):
/// never on the path that serves a token. `None` for a host no rule names.
pub(crate) fn forge_at(origin: &Origin) -> Option<Forge> {
    Forge::detect(
        &origin.host,
        &[],
        &HostSettings::read(&origin.to_string()).forge,
    )
}

/// The user name git sends with a request for `origin` whose URL names none:
/// `credential.<url>.username` (or `credential.username`), the most specific that matches, as
/// `git config --get-urlmatch credential.username <url>` finds it from the current directory,
/// so that a repository's own config counts as it does for a git command run there
/// (gitcredentials(7), "CONFIGURATION OPTIONS"). Starts `git config` (a process): never on the
/// path that serves a token. `None` when none is set, it is empty, or git cannot run.
pub(crate) fn configured_username(origin: &Origin) -> Option<String> {
    let out = Command::new("git")
        .args(["config", "--get-urlmatch", "credential.username"])
        .arg(origin.to_string())
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let name = String::from_utf8(out.stdout).ok()?;
    let name = name.strip_suffix('\n').unwrap_or(&name);
    (out.status.success() && !name.is_empty()).then(|| name.to_owned())
}

/// The URL-scoped keys that decide where a token is sent (`credential.<url>.patApiUrl`,
/// `credential.<url>.patForge`), as a `git config --get-regexp` pattern; the bare keys, without
/// a URL, do not match it.
pub(crate) const SCOPED_REDIRECTS: &str = r"^credential\..+\.(patapiurl|patforge)$";

/// The bare keys that would apply to every host, which the helper ignores (doctor warns).
pub(crate) const UNSCOPED_REDIRECTS: &str = r"^credential\.(patapiurl|patforge)$";

// git's boolean spellings, which its config and its credential protocol share.
use crate::protocol::parse_bool;

/// A `git` command that cannot see the current repository's config: it runs in `/` with the
/// variables that name a repository removed. System, global and `git -c` config still apply.
pub(crate) fn git_outside_any_repository() -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir("/")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_COMMON_DIR")
        .env_remove("GIT_CONFIG")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd
}

/// The first `name` file in a `PATH` directory.
pub(crate) fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn global_config() -> Command {
    let mut cmd = Command::new("git");
    cmd.args(["config", "--global"]);
    cmd
}

/// Every value of `key` in the global config, in order (`git config --global -z --get-all`).
///
/// # Errors
/// When git cannot run or fails other than with "not set".
pub(crate) fn global_get_all(key: &str) -> anyhow::Result<Vec<String>> {
    let out = global_config()
        .args(["-z", "--get-all", key])
        .output()
        .context("could not run git config")?;
    // Exit code 1: the key is not set.
    match out.status.code() {
        Some(0) => Ok(String::from_utf8_lossy(&out.stdout)
            .split_terminator('\0')
            .map(str::to_owned)
            .collect()),
        Some(1) => Ok(Vec::new()),
        _ => bail!(
            "git config --get-all {key} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    }
}

/// Every `(key, value)` whose key matches `regexp` in the config git reads outside any
/// repository (system, global, `git -c`), in git's order (`git config -z --get-regexp`). With
/// `global_only`, the global file alone.
pub(crate) fn config_get_regexp(regexp: &str, global_only: bool) -> Vec<(String, String)> {
    let mut cmd = git_outside_any_repository();
    cmd.arg("config");
    if global_only {
        cmd.arg("--global");
    }
    let Ok(out) = cmd.args(["-z", "--get-regexp", regexp]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .split_terminator('\0')
        .map(|record| {
            let (key, value) = record.split_once('\n').unwrap_or((record, ""));
            (key.to_owned(), value.to_owned())
        })
        .collect()
}

/// One `credential…helper` config value, in the order git reads them.
pub(crate) struct HelperEntry {
    /// The key as git prints it (section and name lowercased), e.g. `credential.helper` or
    /// `credential.https://github.com.helper`.
    pub(crate) key: String,
    /// The URL pattern of `credential.<url>.helper`, `None` for plain `credential.helper`.
    pub(crate) pattern: Option<String>,
    /// The helper command; empty resets the list.
    pub(crate) value: String,
}

/// The hosts whose `credential.https://HOST.helper` (or, written by an older `configure`,
/// `credential.https://HOST/.helper`) in the global config runs this helper: the hosts
/// `configure` set up, sorted.
pub(crate) fn configured_hosts() -> Vec<String> {
    let mut hosts: Vec<String> = config_get_regexp(r"^credential\.https://.*\.helper$", true)
        .into_iter()
        .filter_map(|(key, value)| {
            let rest = key
                .strip_prefix("credential.https://")?
                .strip_suffix(".helper")?;
            let host = rest.strip_suffix('/').unwrap_or(rest);
            if host.contains('/') {
                return None;
            }
            is_ours(&value).then(|| host.to_owned())
        })
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Every `credential.helper` and `credential.<url>.helper` value git reads outside any
/// repository (system, global, `git -c`), in git's order.
pub(crate) fn helper_entries() -> Vec<HelperEntry> {
    config_get_regexp(r"^credential\..*helper$", false)
        .into_iter()
        .filter_map(|(key, value)| {
            let middle = key.strip_prefix("credential.")?;
            let pattern = if middle.eq_ignore_ascii_case("helper") {
                None
            } else {
                Some(middle.strip_suffix(".helper")?.to_owned())
            };
            Some(HelperEntry {
                key: key.clone(),
                pattern,
                value,
            })
        })
        .collect()
}

/// Whether a `credential.<pattern>.*` key applies to `https://host` (gitcredentials(7),
/// "CONFIGURATION OPTIONS": scheme and host must match, `*.` matches one label, a pattern
/// path must be a prefix; partial patterns such as `example.com` are allowed).
pub(crate) fn url_pattern_matches(pattern: &str, host: &str) -> bool {
    // git warns about a pattern it cannot read and skips it.
    let Ok(want) = crate::protocol::parse_partial_url(pattern) else {
        return false;
    };
    if want
        .protocol
        .is_some_and(|s| !s.eq_ignore_ascii_case("https"))
    {
        return false;
    }
    let Some(authority) = want.host.map(|h| h.to_ascii_lowercase()) else {
        return true;
    };
    let strip_default = |h: &str| h.strip_suffix(":443").unwrap_or(h).to_owned();
    let (want, have) = (
        strip_default(&authority),
        strip_default(&host.to_ascii_lowercase()),
    );
    let want_labels: Vec<&str> = want.split('.').collect();
    let have_labels: Vec<&str> = have.split('.').collect();
    want_labels.len() == have_labels.len()
        && want_labels
            .iter()
            .zip(&have_labels)
            .all(|(w, h)| *w == "*" || w == h)
}

/// The helpers git runs for `https://host`, in order: the entries that apply to it, after the
/// last empty one (git's list for a URL is the config-order concatenation of every matching
/// `credential.<url>.helper` and `credential.helper`; an empty value resets it).
pub(crate) fn helper_list<'a>(entries: &'a [HelperEntry], host: &str) -> Vec<&'a HelperEntry> {
    let mut list = Vec::new();
    for e in entries.iter().filter(|e| {
        e.pattern
            .as_deref()
            .is_none_or(|p| url_pattern_matches(p, host))
    }) {
        if e.value.is_empty() {
            list.clear();
        } else {
            list.push(e);
        }
    }
    list
}

/// Removes every `key` whose value is exactly `value` from the global config
/// (`git config --global --unset-all --fixed-value`, git 2.30+), leaving other lines, and a
/// section that still holds any, byte for byte. Returns whether any was removed.
///
/// # Errors
/// When git fails other than with "nothing to unset".
pub(crate) fn global_unset_value(key: &str, value: &str) -> anyhow::Result<bool> {
    let status = global_config()
        .args(["--fixed-value", "--unset-all", key, value])
        .status()
        .context("could not run git config")?;
    match status.code() {
        Some(0) => Ok(true),
        // Exit code 5: there was nothing to unset.
        Some(5) => Ok(false),
        _ => bail!("git config --unset-all {key} failed"),
    }
}

/// Sets `key` to `value` in the global config unless it has a value there; whether it did.
///
/// # Errors
/// When git config fails.
pub(crate) fn global_set_if_unset(key: &str, value: &str) -> anyhow::Result<bool> {
    let set = global_get_all(key)?.is_empty();
    if set && !global_config().args([key, value]).status()?.success() {
        bail!("git config --global {key} failed");
    }
    Ok(set)
}

/// Appends a new section `[section "subsection"]` holding `name = value` for each of
/// `values`, in order, at the end of the global config, even when a section of that name
/// exists earlier (`git config --add` would write into that one): the values go into a section
/// of a name no config holds, which is then renamed.
///
/// # Errors
/// When a git config command fails.
pub(crate) fn global_append_section(
    section: &str,
    subsection: &str,
    name: &str,
    values: &[String],
) -> anyhow::Result<()> {
    let temporary = format!("{section}.{subsection} git-credential-pat-new");
    for value in values {
        let status = global_config()
            .args(["--add", &format!("{temporary}.{name}"), value])
            .status()
            .context("could not run git config")?;
        if !status.success() {
            bail!("git config --add {temporary}.{name} failed");
        }
    }
    let status = global_config()
        .args([
            "--rename-section",
            &temporary,
            &format!("{section}.{subsection}"),
        ])
        .status()
        .context("could not run git config")?;
    if !status.success() {
        bail!("git config --rename-section {temporary} failed");
    }
    Ok(())
}

/// `git --version`'s version, e.g. `2.47.3`; `None` when git does not run.
pub(crate) fn version() -> Option<String> {
    let out = Command::new("git").arg("--version").output().ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .trim_start_matches("git version ")
            .to_owned()
    })
}

/// `git --exec-path`: where git looks for `git-credential-*` first.
pub(crate) fn exec_path() -> Option<PathBuf> {
    let out = Command::new("git").arg("--exec-path").output().ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// Runs `git credential reject` outside any repository with `request` (git's attributes, the
/// password included) on its stdin, so that every helper git is configured with forgets that
/// credential. `request` is zeroized after it is written.
///
/// # Errors
/// When git cannot run or exits non-zero (its stderr is the message).
pub(crate) fn credential_reject(
    request: secrecy::zeroize::Zeroizing<String>,
) -> anyhow::Result<()> {
    use std::io::Write;
    use std::process::Stdio;
    // Outside any repository: a repository's own config must not get to name a helper that
    // is handed the token.
    let mut child = git_outside_any_repository()
        .args(["credential", "reject"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(request.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

mod helper_value;
pub(crate) use helper_value::*;

#[cfg(test)]
mod tests;

//! `configure` and `unconfigure`: pointing git at this helper for some hosts in the global git
//! config (`credential.https://HOST.helper`), and taking it back.
//!
//! The helper list for a host is an empty entry, which resets any helper configured before it
//! (a plaintext `store` would otherwise keep a copy of the token), then this helper
//! (gitcredentials(7) "CONFIGURATION OPTIONS": "If credential.helper is configured to the empty
//! string, this resets the helper list to empty").
//!
//! Both go in a section of their own, `[credential "https://HOST/"]` (the trailing slash
//! matches the same URLs as `https://HOST`), appended after whatever the config holds: the
//! reset then comes after the person's own helper entries, which stay untouched where they are,
//! and `unconfigure` removes that section and nothing else, leaving the file as it was.

use crate::vault::StoreChoice;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The host configured when none is given.
pub const DEFAULT_HOST: &str = "github.com";

/// Makes git ask this helper, and only it, for each of `hosts` (default `github.com`), adding
/// `--store` and `--namespace` to the helper's command when they were given. Idempotent: a
/// second run changes nothing. Reports what changed on stderr.
///
/// # Errors
/// When a host is not a plain host name, or `git config --global` fails.
pub fn configure(
    hosts: &[String],
    store: StoreChoice,
    namespace: Option<&str>,
) -> anyhow::Result<()> {
    let helper = helper_command(store, namespace)?;
    for host in hosts_or_default(hosts)? {
        let key = helper_key(host);
        let current = get_all(&key)?;
        let mut wanted: Vec<String> = current
            .iter()
            .filter(|v| !v.is_empty() && !is_ours(v))
            .cloned()
            .collect();
        wanted.extend([String::new(), helper.clone()]);
        if current == wanted {
            eprintln!("git already asks git-credential-pat for https://{host}");
            continue;
        }
        set_all(&key, &wanted)?;
        eprintln!("git now asks git-credential-pat for https://{host} ({key} = {helper})");
    }
    Ok(())
}

/// Removes this helper, and the empty entry `configure` put before it, from each of `hosts`
/// (default: every host `configure` set up); other helpers configured for a host are kept.
///
/// # Errors
/// When a host is not a plain host name, or `git config --global` fails.
pub fn unconfigure(hosts: &[String]) -> anyhow::Result<()> {
    let hosts = if hosts.is_empty() {
        configured_hosts()?
    } else {
        hosts_or_default(hosts)?
            .into_iter()
            .map(str::to_owned)
            .collect()
    };
    if hosts.is_empty() {
        eprintln!("git-credential-pat is not configured for any host");
    }
    for host in &hosts {
        let key = helper_key(host);
        let current = get_all(&key)?;
        let kept: Vec<String> = current
            .iter()
            .filter(|v| !v.is_empty() && !is_ours(v))
            .cloned()
            .collect();
        if kept == current {
            eprintln!("git-credential-pat was not configured for https://{host}");
            continue;
        }
        set_all(&key, &kept)?;
        eprintln!("git no longer asks git-credential-pat for https://{host}");
    }
    Ok(())
}

/// The hosts whose `credential.https://HOST/.helper` in the global config runs this helper.
fn configured_hosts() -> anyhow::Result<Vec<String>> {
    let out = git_config()
        .args(["--get-regexp", r"^credential\.https://.*/\.helper$"])
        .output()
        .context("could not run git config")?;
    let mut hosts: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            let host = key
                .strip_prefix("credential.https://")?
                .strip_suffix("/.helper")?;
            is_ours(value).then(|| host.to_owned())
        })
        .collect();
    hosts.dedup();
    Ok(hosts)
}

fn hosts_or_default(hosts: &[String]) -> anyhow::Result<Vec<&str>> {
    if hosts.is_empty() {
        return Ok(vec![DEFAULT_HOST]);
    }
    hosts
        .iter()
        .map(|h| {
            let h = h.trim_start_matches("https://").trim_end_matches('/');
            let plain = !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
            if plain {
                Ok(h)
            } else {
                bail!("'{h}' is not a host name such as github.com or gitlab.example.com:8443")
            }
        })
        .collect()
}

fn helper_key(host: &str) -> String {
    format!("credential.https://{host}/.helper")
}

/// Whether a configured helper value runs this binary.
pub fn is_ours(value: &str) -> bool {
    let first = match value.strip_prefix('\'') {
        Some(quoted) => quoted.split('\'').next().unwrap_or_default(),
        None => value.split_whitespace().next().unwrap_or_default(),
    };
    first == "pat" || Path::new(first).file_name().is_some_and(|f| f == BIN_NAME)
}

const BIN_NAME: &str = "git-credential-pat";

/// `pat` when this binary is the `git-credential-pat` that git finds on `PATH`, else its
/// absolute path, so that git runs this very binary; then the options that select the store.
fn helper_command(store: StoreChoice, namespace: Option<&str>) -> anyhow::Result<String> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .context("could not find this program's own path")?;
    let on_path = find_on_path(BIN_NAME).and_then(|p| p.canonicalize().ok());
    let mut cmd = if on_path.as_deref() == Some(exe.as_path()) {
        "pat".to_owned()
    } else {
        let s = exe.to_string_lossy();
        // git runs a helper given as a path through the shell.
        if s.contains(|c: char| !(c.is_ascii_alphanumeric() || "/._-+".contains(c))) {
            format!("'{}'", s.replace('\'', r"'\''"))
        } else {
            s.into_owned()
        }
    };
    match store {
        StoreChoice::Auto => {}
        StoreChoice::SecretService => cmd.push_str(" --store=secret-service"),
        StoreChoice::Keyutils => cmd.push_str(" --store=keyutils"),
    }
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        cmd.push_str(&format!(" --namespace={ns}"));
    }
    Ok(cmd)
}

/// The first `name` file in a `PATH` directory.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn git_config() -> Command {
    let mut cmd = Command::new("git");
    cmd.args(["config", "--global"]);
    cmd
}

fn get_all(key: &str) -> anyhow::Result<Vec<String>> {
    let out = git_config()
        .args(["--get-all", key])
        .output()
        .context("could not run git config")?;
    // Exit code 1: the key is not set.
    match out.status.code() {
        Some(0) => Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()),
        Some(1) => Ok(Vec::new()),
        _ => bail!(
            "git config --get-all {key} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    }
}

fn set_all(key: &str, values: &[String]) -> anyhow::Result<()> {
    let status = git_config()
        .args(["--unset-all", key])
        .status()
        .context("could not run git config")?;
    // Exit code 5: there was nothing to unset.
    if !matches!(status.code(), Some(0) | Some(5)) {
        bail!("git config --unset-all {key} failed");
    }
    for value in values {
        let status = git_config()
            .args(["--add", key, value])
            .status()
            .context("could not run git config")?;
        if !status.success() {
            bail!("git config --add {key} failed");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_its_own_helper_values_only() {
        assert!(is_ours("pat"));
        assert!(is_ours("pat --store=keyutils"));
        assert!(is_ours("/root/.local/bin/git-credential-pat --namespace=x"));
        assert!(is_ours("'/a b/git-credential-pat'"));
        assert!(!is_ours("store"));
        assert!(!is_ours("/usr/bin/git-credential-libsecret"));
        assert!(!is_ours("patch"));
    }

    #[test]
    fn hosts_are_plain_names_and_accept_an_https_prefix() {
        let hosts = vec!["https://gitlab.example.com:8443/".to_owned()];
        assert_eq!(
            hosts_or_default(&hosts).unwrap(),
            ["gitlab.example.com:8443"]
        );
        assert_eq!(hosts_or_default(&[]).unwrap(), ["github.com"]);
        assert!(hosts_or_default(&["a b".to_owned()]).is_err());
        assert!(hosts_or_default(&["x.com/evil".to_owned()]).is_err());
    }
}

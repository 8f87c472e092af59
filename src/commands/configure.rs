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

use crate::cli::{self, Context, DEFAULT_HOST, Run};
use crate::git::{
    BIN_NAME, config_get_regexp, find_on_path, global_get_all, global_set_all, is_ours,
};
use crate::vault::StoreChoice;
use anyhow::{Context as _, bail};

impl Run for cli::Configure {
    fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        configure(&self.hosts, ctx.store, ctx.namespace.as_deref())
    }
}

impl Run for cli::Unconfigure {
    fn run(&self, _ctx: &Context) -> anyhow::Result<()> {
        unconfigure(&self.hosts)
    }
}

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
        let current = global_get_all(&key)?;
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
        global_set_all(&key, &wanted)?;
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
        let current = global_get_all(&key)?;
        let kept: Vec<String> = current
            .iter()
            .filter(|v| !v.is_empty() && !is_ours(v))
            .cloned()
            .collect();
        if kept == current {
            eprintln!("git-credential-pat was not configured for https://{host}");
            continue;
        }
        global_set_all(&key, &kept)?;
        eprintln!("git no longer asks git-credential-pat for https://{host}");
    }
    Ok(())
}

/// The hosts whose `credential.https://HOST/.helper` in the global config runs this helper.
fn configured_hosts() -> anyhow::Result<Vec<String>> {
    let mut hosts: Vec<String> = config_get_regexp(r"^credential\.https://.*/\.helper$", true)
        .into_iter()
        .filter_map(|(key, value)| {
            let host = key
                .strip_prefix("credential.https://")?
                .strip_suffix("/.helper")?;
            is_ours(&value).then(|| host.to_owned())
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
        // git runs the helper command through the shell: only a namespace of the characters
        // every other command accepts goes into it (anything else could run commands).
        if !ns
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            bail!(
                "the namespace '{}' may hold only letters, digits, '.', '_' and '-'",
                crate::show::escape(ns)
            );
        }
        cmd.push_str(&format!(" --namespace={ns}"));
    }
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

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

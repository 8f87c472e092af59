//! `configure` and `unconfigure`: pointing git at this helper for some hosts in the global git
//! config (`credential.https://HOST.helper`), and taking it back.
//!
//! The helper list for a host is an empty entry, which resets any helper configured before it
//! (a plaintext `store` would otherwise keep a copy of the token), then this helper
//! (gitcredentials(7) "CONFIGURATION OPTIONS": "If credential.helper is configured to the empty
//! string, this resets the helper list to empty"), as `gh auth setup-git` writes it. git's list
//! for a URL is the config-order concatenation of every matching entry, so the pair must come
//! after every other entry that applies to the host: `configure` checks that it does, and
//! moves the pair to the end of the file when a later entry (say a `credential.helper store`
//! added by a workshop guide) would also receive tokens, saying what it moved.
//!
//! The key is `credential.https://HOST.helper`, without a trailing slash: git matches both
//! spellings, but libgit2 (cargo's default fetch, git2's `CredentialHelper`) looks up only
//! `credential.<url>.helper`, `credential.https://HOST.helper` and `credential.helper`. A section
//! `[credential "https://HOST/"]` that an older `configure` wrote is migrated on the next run.
//!
//! The pair goes in a section of its own, `[credential "https://HOST"]`, appended after whatever
//! the config holds, even when the person has a section of that name already (whose lines stay
//! untouched where they are). `unconfigure` removes exactly those two lines, and git then drops
//! the emptied section header, leaving the file as it was, byte for byte.

use crate::cli::{self, Context, DEFAULT_HOST, Run};
use crate::git::{
    BIN_NAME, HelperEntry, configured_hosts, find_on_path, global_append_section, global_get_all,
    global_set_if_unset, global_unset_value, helper_entries, helper_list, helper_value_for_path,
    is_ours,
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
/// `--store` and `--namespace` to the helper's command when they were given: the host's helper
/// list (see [`helper_list`]) must end with this helper alone, under the key libgit2 reads too.
/// Idempotent: a second run changes nothing. Reports what changed, and what it moved past, on
/// stderr.
///
/// # Errors
/// When a host is not a plain host name, or `git config --global` fails.
pub(crate) fn configure(
    hosts: &[String],
    store: StoreChoice,
    namespace: Option<&str>,
) -> anyhow::Result<()> {
    let helper = helper_command(store, namespace)?;
    for host in hosts_or_default(hosts)? {
        let key = helper_key(host);
        let old_key = old_helper_key(host);
        let entries = helper_entries();
        let list = helper_list(&entries, host);
        let in_place = matches!(list.as_slice(), [only] if only.key == key && only.value == helper)
            && ends_with_our_pair(&entries, &key, &helper)
            && !global_get_all(&old_key)?.iter().any(|v| is_ours(v));
        if in_place {
            eprintln!("git already asks git-credential-pat for https://{host}");
            send_paths(host)?;
            continue;
        }
        // Entries that would also receive tokens: those after ours (or all, when ours is
        // missing from the list) that are not ours.
        let passed: Vec<String> = list
            .iter()
            .filter(|e| !is_ours(&e.value))
            .map(|e| format!("{} = {}", e.key, crate::show::escape(&e.value)))
            .collect();
        let migrated = remove_ours(&old_key)?;
        let was_there = remove_ours(&key)?;
        global_append_section(
            "credential",
            &format!("https://{host}"),
            "helper",
            &[String::new(), helper.clone()],
        )?;
        if migrated {
            eprintln!(
                "moved git-credential-pat's entries for https://{host} from [credential \"https://{host}/\"] to [credential \"https://{host}\"], the key cargo's libgit2 also reads"
            );
        }
        if !passed.is_empty() {
            let what = if was_there || migrated {
                "moved"
            } else {
                "put"
            };
            eprintln!(
                "{what} git-credential-pat's entries for https://{host} after {}, so that git no longer hands tokens to it",
                passed.join(", ")
            );
        }
        eprintln!("git now asks git-credential-pat for https://{host} ({key} = {helper})");
        send_paths(host)?;
    }
    Ok(())
}

/// Makes git name the repository (`path`) to helpers for `host`, so that `login --owner` can
/// route it (tokens are still kept per host and user), unless the global config says already
/// whether git does.
///
/// # Errors
/// When git config fails.
fn send_paths(host: &str) -> anyhow::Result<()> {
    let key = format!("credential.https://{host}.useHttpPath");
    if global_set_if_unset(&key, "true")? {
        eprintln!("git now names the repository to git-credential-pat ({key} = true)");
    }
    Ok(())
}

/// Whether the last two entries of the config under `key` are the empty reset and `helper`,
/// the pair `configure` writes.
fn ends_with_our_pair(entries: &[HelperEntry], key: &str, helper: &str) -> bool {
    let ours: Vec<&str> = entries
        .iter()
        .filter(|e| e.key == key)
        .map(|e| e.value.as_str())
        .collect();
    ours.ends_with(&["", helper])
}

/// Removes this helper's entries under `key` from the global config, and the empty entries
/// that reset the list before them. Returns whether any of this helper's were there.
fn remove_ours(key: &str) -> anyhow::Result<bool> {
    let mut values: Vec<String> = global_get_all(key)?
        .into_iter()
        .filter(|v| is_ours(v))
        .collect();
    if values.is_empty() {
        return Ok(false);
    }
    values.sort();
    values.dedup();
    values.push(String::new());
    for value in &values {
        global_unset_value(key, value)?;
    }
    Ok(true)
}

/// Removes this helper, and the empty entry `configure` put before it, from each of `hosts`
/// (default: every host `configure` set up); other helpers configured for a host are kept.
///
/// # Errors
/// When a host is not a plain host name, or `git config --global` fails.
pub(crate) fn unconfigure(hosts: &[String]) -> anyhow::Result<()> {
    let hosts = if hosts.is_empty() {
        configured_hosts()
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
        let removed = remove_ours(&helper_key(host))? | remove_ours(&old_helper_key(host))?;
        if !removed {
            eprintln!("git-credential-pat was not configured for https://{host}");
            continue;
        }
        global_unset_value(&format!("credential.https://{host}.useHttpPath"), "true")?;
        eprintln!("git no longer asks git-credential-pat for https://{host}");
    }
    Ok(())
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

/// The key git and libgit2 both read for `https://host`.
fn helper_key(host: &str) -> String {
    format!("credential.https://{host}.helper")
}

/// The key an older `configure` wrote, with a trailing slash, which libgit2 does not read.
fn old_helper_key(host: &str) -> String {
    format!("credential.https://{host}/.helper")
}

/// `pat` when this binary is the `git-credential-pat` that git finds on `PATH`, else its
/// absolute path in the form git runs ([`helper_value_for_path`]: `!'…'` when the path needs
/// quoting), so that git runs this very binary; then the options that select the store.
fn helper_command(store: StoreChoice, namespace: Option<&str>) -> anyhow::Result<String> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .context("could not find this program's own path")?;
    let on_path = find_on_path(BIN_NAME).and_then(|p| p.canonicalize().ok());
    let mut cmd = if on_path.as_deref() == Some(exe.as_path()) {
        "pat".to_owned()
    } else {
        let Some(path) = exe.to_str() else {
            bail!(
                "this program's path {} is not UTF-8, which git's config cannot hold as a helper command: move it, or put it on PATH",
                crate::show::escape(&exe.to_string_lossy())
            );
        };
        helper_value_for_path(path)
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
mod tests;

//! Per-host settings from git's config: `credential.<url>.*` keys, read with one
//! `git config --get-urlmatch credential <url>` in the slow path only (never for a stored
//! token: that would start a process on the hot path).
//!
//! Keys (gitcredentials(7) "CONFIGURATION OPTIONS" for git's own; `pat*` are ours):
//! `credential.interactive`, `credential.username`, `credential.<url>.patForge`
//! (`github`, `ghes`, `gitlab`, `gitea`, `forgejo`), `credential.<url>.patApiUrl`,
//! `credential.<url>.patScopes` (comma- or space-separated), `credential.<url>.patTokenType`
//! (`classic` or `fine-grained`), `credential.<url>.patBrowser` (`never` turns the browser off),
//! `credential.<url>.patLifetime` (the lab timer, e.g. `8h`).

use std::process::Command;

/// The settings git's config holds for one URL. Empty when git is not installed or the config
/// cannot be read: the caller then behaves as if nothing were configured.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HostSettings {
    /// `credential.interactive` as written (`false`, `never`, `true`, `auto`, …).
    pub interactive: Option<String>,
    /// `credential.username`.
    pub username: Option<String>,
    /// `credential.<url>.patForge`, lowercased.
    pub forge: Option<String>,
    /// `credential.<url>.patApiUrl`: the forge's API base, e.g. `https://ghe.example.com/api/v3`.
    pub api_url: Option<String>,
    /// `credential.<url>.patScopes`, split on commas and spaces.
    pub scopes: Option<Vec<String>>,
    /// `credential.<url>.patTokenType`, lowercased.
    pub token_type: Option<String>,
    /// `credential.<url>.patBrowser`, lowercased.
    pub browser: Option<String>,
    /// `credential.<url>.patLifetime`: the lab timer for new tokens, e.g. `8h`.
    pub lifetime: Option<String>,
}

impl HostSettings {
    /// Reads the settings that apply to `url` (e.g. `https://github.com`) by running
    /// `git config --get-urlmatch credential <url>`, which also sees `git -c` overrides through
    /// the environment git passes to its helpers.
    ///
    /// Only the system and global config and `git -c` count, never a repository's own
    /// `.git/config`: a cloned repository must not be able to point `patApiUrl` at its own
    /// server and have tokens sent there.
    pub fn read(url: &str) -> HostSettings {
        let out = git_outside_any_repository()
            .args(["config", "--get-urlmatch", "credential", url])
            .output();
        match out {
            Ok(out) if out.status.success() => Self::parse(&String::from_utf8_lossy(&out.stdout)),
            _ => HostSettings::default(),
        }
    }

    /// Parses `git config --get-urlmatch` output: `key value` lines with the key in lowercase
    /// (git prints the variable name canonicalised), e.g. `credential.patforge github`.
    pub fn parse(text: &str) -> HostSettings {
        let mut s = HostSettings::default();
        for line in text.lines() {
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            let value = value.trim().to_owned();
            let lower = || Some(value.to_ascii_lowercase());
            match key.to_ascii_lowercase().as_str() {
                "credential.interactive" => s.interactive = lower(),
                "credential.username" => s.username = Some(value),
                "credential.patforge" => s.forge = lower(),
                "credential.patapiurl" => s.api_url = Some(value),
                "credential.patscopes" => {
                    s.scopes = Some(
                        value
                            .split([',', ' '])
                            .filter(|x| !x.is_empty())
                            .map(str::to_owned)
                            .collect(),
                    )
                }
                "credential.pattokentype" => s.token_type = lower(),
                "credential.patbrowser" => s.browser = lower(),
                "credential.patlifetime" => s.lifetime = Some(value),
                _ => {}
            }
        }
        s
    }

    /// Whether `credential.interactive` forbids prompting (`false`, `never`, or another of
    /// git's false spellings, the empty value included).
    pub fn interactive_forbidden(&self) -> bool {
        matches!(
            self.interactive.as_deref(),
            Some("false" | "never" | "no" | "off" | "0" | "")
        )
    }

    /// Whether `credential.<url>.patBrowser` forbids opening a browser.
    pub fn browser_forbidden(&self) -> bool {
        matches!(
            self.browser.as_deref(),
            Some("never" | "false" | "no" | "off" | "0")
        )
    }
}

/// A `git` command that cannot see the current repository's config: it runs in `/` with the
/// variables that name a repository removed. System, global and `git -c` config still apply.
pub fn git_outside_any_repository() -> Command {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_url_matched_credential_settings() {
        let s = HostSettings::parse(
            "credential.helper \ncredential.helper pat\ncredential.interactive never\n\
             credential.patforge GHES\ncredential.patapiurl http://127.0.0.1:9/api/v3\n\
             credential.patscopes repo, workflow read:org\ncredential.pattokentype fine-grained\n\
             credential.patbrowser never\ncredential.username alice\ncredential.patlifetime 8h\n",
        );
        assert_eq!(s.forge.as_deref(), Some("ghes"));
        assert_eq!(s.api_url.as_deref(), Some("http://127.0.0.1:9/api/v3"));
        assert_eq!(
            s.scopes.as_deref(),
            Some(&["repo".to_owned(), "workflow".into(), "read:org".into()][..])
        );
        assert_eq!(s.token_type.as_deref(), Some("fine-grained"));
        assert_eq!(s.username.as_deref(), Some("alice"));
        assert_eq!(s.lifetime.as_deref(), Some("8h"));
        assert!(s.interactive_forbidden() && s.browser_forbidden());
        assert!(!HostSettings::default().interactive_forbidden());
    }
}

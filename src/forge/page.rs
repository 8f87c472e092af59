//! Token pages: the web page at `https://{host}` (never the API host) where a person creates a
//! token, with what the forge lets a link fill in, and which kind of GitHub token it offers
//! ([`TokenType`]).
//!
//! Follows REFERENCE.md Part A §2 and C4: GitHub's classic page `/settings/tokens/new`
//! (`scopes`, `description`; `default_expires_at` observed, not documented), the fine-grained
//! page `/settings/personal-access-tokens/new` (changelog 2025-08-26, documented for github.com
//! and GHEC: `name` ≤ 40, `description` ≤ 1024, `expires_in` 1–366, `<permission>=write`),
//! GitLab's `/-/user_settings/personal_access_tokens` (`name`, `scopes`, read by gitlabhq's
//! `personal_access_tokens_controller.rb`), and Gitea's `/user/settings/applications` (no
//! prefill documented). Values are encoded with the `percent-encoding` crate.

use super::{Family, Forge};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Which kind of GitHub personal access token the token page offers (`credential.<url>.patTokenType`);
/// meaningless for the other forges, where it stays [`TokenType::Classic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenType {
    /// A classic PAT (`ghp_`), with scopes such as `repo`.
    #[default]
    Classic,
    /// A fine-grained PAT (`github_pat_`), with per-repository permissions and no scopes.
    FineGrained,
}

impl TokenType {
    /// `credential.<url>.patTokenType` for a forge of `family`: `fine-grained` (or
    /// `fine_grained`, `finegrained`, `fine`) on GitHub, else [`TokenType::Classic`].
    pub(super) fn from_setting(family: Family, setting: Option<&str>) -> TokenType {
        match setting.map(str::trim) {
            Some(t)
                if family == Family::GitHub
                    && ["fine-grained", "fine_grained", "finegrained", "fine"]
                        .iter()
                        .any(|s| t.eq_ignore_ascii_case(s)) =>
            {
                TokenType::FineGrained
            }
            _ => TokenType::Classic,
        }
    }
}

/// What a query value keeps as it is: RFC 3986's unreserved characters.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A scope keeps its colon too (`read:org`), as the forges' own links write it.
const SCOPE: &AsciiSet = &QUERY_VALUE.remove(b':');

/// Form-encodes `value` for a query string: characters outside `set` become `%XX` (UTF-8),
/// space becomes `+`. A `%20` in the encoded text can only be a space, since `%` itself is
/// encoded as `%25`.
fn encode(value: &str, set: &'static AsciiSet) -> String {
    utf8_percent_encode(value, set)
        .to_string()
        .replace("%20", "+")
}

impl Forge {
    /// The page at `https://{host}` (never the API host) where a person creates a token, with
    /// what the forge lets a link fill in; values are form-encoded (space → `+`), scope lists
    /// keep their commas and colons (REFERENCE.md Part A §2, §4):
    /// - GitHub classic: `/settings/tokens/new?scopes=repo,workflow&description=…` (the
    ///   `scopes` parameter is left out when there are none);
    /// - GitHub fine-grained: `/settings/personal-access-tokens/new?name=…&description=…&contents=write`,
    ///   `name` cut to 40 characters and `description` to 1024, the documented limits;
    /// - GitLab: `/-/user_settings/personal_access_tokens?name=…&scopes=read_repository,write_repository,read_user`;
    /// - Gitea/Forgejo: `/user/settings/applications` (no prefill is documented).
    pub fn token_page_url(&self, description: &str) -> String {
        self.token_page_url_expiring(description, None)
    }

    /// [`Forge::token_page_url`], asking the page to preselect an expiry `days` days ahead
    /// where the forge lets a link do so: GitHub fine-grained `expires_in` (documented, 1 to
    /// 366) and GitHub classic `default_expires_at` (observed, not documented: REFERENCE.md
    /// Part A §2). The lab timer uses it so that the token does not outlive the lab by much.
    pub fn token_page_url_expiring(&self, description: &str, days: Option<u32>) -> String {
        let url = self.page_url(description);
        let Some(days) = days.map(|d| d.clamp(1, 366)) else {
            return url;
        };
        match (self.kind.family(), self.token_type) {
            (Family::GitHub, TokenType::Classic) => format!("{url}&default_expires_at={days}"),
            (Family::GitHub, TokenType::FineGrained) => format!("{url}&expires_in={days}"),
            _ => url,
        }
    }

    fn page_url(&self, description: &str) -> String {
        let base = format!("https://{}", self.host);
        let scopes = self
            .page_scopes
            .iter()
            .map(|s| encode(s, SCOPE))
            .collect::<Vec<_>>()
            .join(",");
        match (self.kind.family(), self.token_type) {
            (Family::GitHub, TokenType::Classic) => {
                let scopes = if scopes.is_empty() {
                    String::new()
                } else {
                    format!("scopes={scopes}&")
                };
                format!(
                    "{base}/settings/tokens/new?{scopes}description={}",
                    encode(description, QUERY_VALUE)
                )
            }
            (Family::GitHub, TokenType::FineGrained) => {
                let name: String = description.chars().take(40).collect();
                let description: String = description.chars().take(1024).collect();
                format!(
                    "{base}/settings/personal-access-tokens/new?name={}&description={}&contents=write",
                    encode(name.trim_end(), QUERY_VALUE),
                    encode(&description, QUERY_VALUE)
                )
            }
            (Family::GitLab, _) => {
                let mut url = format!(
                    "{base}/-/user_settings/personal_access_tokens?name={}",
                    encode(description, QUERY_VALUE)
                );
                if !scopes.is_empty() {
                    url.push_str("&scopes=");
                    url.push_str(&scopes);
                }
                url
            }
            (Family::Gitea, _) => format!("{base}/user/settings/applications"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use crate::git::HostSettings;

    #[test]
    fn values_are_form_encoded_as_before_with_colons_kept_in_scopes() {
        assert_eq!(encode("a b~c-d.e_f", QUERY_VALUE), "a+b~c-d.e_f");
        assert_eq!(encode("100% a+b", QUERY_VALUE), "100%25+a%2Bb");
        assert_eq!(encode("é", QUERY_VALUE), "%C3%A9");
        assert_eq!(encode("read:org", SCOPE), "read:org");
        assert_eq!(encode("read:org", QUERY_VALUE), "read%3Aorg");
    }

    #[test]
    fn token_pages_are_on_the_web_host_with_everything_prefilled() {
        let d = "git-credential-pat on lab-pc 2026-11-21";
        assert_eq!(
            detect("github.com").unwrap().token_page_url(d),
            "https://github.com/settings/tokens/new?scopes=repo,workflow&description=git-credential-pat+on+lab-pc+2026-11-21"
        );
        assert_eq!(
            detect("octo.ghe.com").unwrap().token_page_url("a&b=c/ü"),
            "https://octo.ghe.com/settings/tokens/new?scopes=repo,workflow&description=a%26b%3Dc%2F%C3%BC"
        );
        let mut s = settings(None, None);
        s.token_type = Some("fine-grained".into());
        assert_eq!(
            Forge::detect(&parse_host("github.com"), &[], &s)
                .unwrap()
                .token_page_url("git-credential-pat on lab-pc 2026-11-21 15:30"),
            "https://github.com/settings/personal-access-tokens/new?name=git-credential-pat+on+lab-pc+2026-11-21\
             &description=git-credential-pat+on+lab-pc+2026-11-21+15%3A30&contents=write"
        );
        assert_eq!(
            detect("gitlab.com").unwrap().token_page_url(d),
            "https://gitlab.com/-/user_settings/personal_access_tokens?name=git-credential-pat+on+lab-pc+2026-11-21\
             &scopes=read_repository,write_repository,read_user"
        );
        assert_eq!(
            detect("codeberg.org").unwrap().token_page_url(d),
            "https://codeberg.org/user/settings/applications"
        );
        s.token_type = None;
        s.scopes = Some(vec!["repo".into(), "read:org".into()]);
        s.forge = Some("ghes".into());
        let ghes = Forge::detect(&parse_host("git.corp.example:8443"), &[], &s).unwrap();
        assert_eq!(
            ghes.token_page_url("x y"),
            "https://git.corp.example:8443/settings/tokens/new?scopes=repo,read:org&description=x+y"
        );
    }

    #[test]
    fn the_lab_timer_asks_github_pages_for_an_expiry_that_covers_it() {
        let github =
            Forge::detect(&parse_host("github.com"), &[], &HostSettings::default()).unwrap();
        assert_eq!(
            github.token_page_url_expiring("lab", Some(1)),
            "https://github.com/settings/tokens/new?scopes=repo,workflow&description=lab&default_expires_at=1"
        );
        let fine = HostSettings {
            token_type: Some("fine-grained".into()),
            ..HostSettings::default()
        };
        let fine = Forge::detect(&parse_host("github.com"), &[], &fine).unwrap();
        assert_eq!(
            fine.token_page_url_expiring("lab", Some(400)),
            "https://github.com/settings/personal-access-tokens/new?name=lab&description=lab&contents=write&expires_in=366"
        );
        let gitlab =
            Forge::detect(&parse_host("gitlab.com"), &[], &HostSettings::default()).unwrap();
        assert_eq!(
            gitlab.token_page_url_expiring("lab", Some(1)),
            gitlab.token_page_url("lab")
        );
    }
}

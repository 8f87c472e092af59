//! Token pages: the web page at `https://{host}` (never the API host) where a person creates a
//! token, with what the forge lets a link fill in, which kind of GitHub token it offers
//! ([`TokenType`]), and the page where a person deletes a token by hand.
//!
//! Follows what each forge documents for it (docs/FORGES.md, each forge's token page):
//! - GitHub's classic page `/settings/tokens/new` (`scopes`, `description`; `default_expires_at`
//!   is not documented: only the values of the page's own menu, 7, 30, 60, 90, `custom` and
//!   `none`, are observed to work, so a lab timer is rounded up to one of them);
//! - the fine-grained page `/settings/personal-access-tokens/new` (changelog 2025-08-26 and
//!   GitHub Docs "Managing your personal access tokens", for github.com and GHE.com only:
//!   `name` ≤ 40, `description` ≤ 1024, `target_name`, `expires_in` 1–366 or `none`,
//!   `<permission>=read|write|admin` with the REST API's permission names, here `contents` and
//!   `workflows`). github/docs removed that section on 2026-05-22 (github/docs#44419, "Remove
//!   documentation for broken FG PAT URL prefill feature"), so the page may ignore them: the
//!   person is told which permissions to choose either way. On GitHub Enterprise Server,
//!   where the parameters were never documented and the revocation API refuses fine-grained
//!   tokens (GHES 3.18 REST reference), the classic page is offered;
//! - GitLab's `/-/user_settings/personal_access_tokens` (`name`, `description`, `scopes`, read
//!   by gitlabhq's `app/controllers/user_settings/personal_access_tokens_controller.rb`; the
//!   form opens only after "Add new token" is pressed on gitlab.com's current page);
//! - Gitea's `/user/settings/applications` (no prefill documented).
//!
//! Values are encoded with the `percent-encoding` crate.

use super::{Family, Forge, ForgeKind, TokenKind};
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
    /// The words `credential.<url>.patTokenType` takes.
    pub const SETTING_WORDS: [&'static str; 2] = ["classic", "fine-grained"];

    /// The type a `credential.<url>.patTokenType` word names, case-insensitive: `classic` or
    /// `fine-grained`. `None` for any other word.
    pub fn from_setting(word: &str) -> Option<TokenType> {
        match word.trim().to_ascii_lowercase().as_str() {
            "classic" => Some(TokenType::Classic),
            "fine-grained" => Some(TokenType::FineGrained),
            _ => None,
        }
    }

    /// The type the token page offers for a forge of `kind` when `credential.<url>.patTokenType`
    /// asks for `setting`: fine-grained only on github.com and GHE.com, else
    /// [`TokenType::Classic`]. GitHub Enterprise Server gets the classic page: its documents
    /// name no prefill for the fine-grained page, and its revocation API refuses fine-grained
    /// tokens, so `logout --revoke` could not end one.
    pub(super) fn for_forge(kind: ForgeKind, setting: Option<TokenType>) -> TokenType {
        match setting {
            Some(TokenType::FineGrained)
                if matches!(kind, ForgeKind::GitHub | ForgeKind::GheCom) =>
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

/// The day counts GitHub's classic token page offers in its "Expiration" menu, the only
/// values of the undocumented `default_expires_at` parameter seen to take effect.
const CLASSIC_PRESETS: [u32; 4] = [7, 30, 60, 90];

/// The longest expiry GitHub's fine-grained page takes in `expires_in`, in days.
const FINE_GRAINED_MAX_DAYS: u32 = 366;

/// The owner of a repository from git's `path` (`workshop/lab.git` → `workshop`), when it is a
/// name GitHub allows for an account or organization (letters, digits, single hyphens inside,
/// at most 39 characters).
fn owner_of(path: &str) -> Option<&str> {
    let owner = path.trim_start_matches('/').split('/').next()?;
    let fits = !owner.is_empty()
        && owner.len() <= 39
        && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !owner.starts_with('-')
        && !owner.ends_with('-')
        && !owner.contains("--");
    fits.then_some(owner)
}

impl Forge {
    /// The page at `https://{host}` (never the API host) where a person creates a token, with
    /// what the forge lets a link fill in; values are form-encoded (space → `+`), scope lists
    /// keep their commas and colons (docs/FORGES.md, each forge's token page):
    /// - GitHub classic: `/settings/tokens/new?scopes=repo,workflow&description=…` (the
    ///   `scopes` parameter is left out when there are none);
    /// - GitHub fine-grained (github.com, GHE.com):
    ///   `/settings/personal-access-tokens/new?name=…&description=…&contents=write&workflows=write`,
    ///   `name` cut to 40 characters and `description` to 1024, the documented limits;
    /// - GitLab: `/-/user_settings/personal_access_tokens?name=…&description=…&scopes=read_repository,write_repository,read_user`;
    /// - Gitea/Forgejo: `/user/settings/applications` (no prefill is documented).
    pub fn token_page_url(&self, description: &str) -> String {
        self.token_page_url_for(description, None, None)
    }

    /// [`Forge::token_page_url_for`] without a repository path.
    pub fn token_page_url_expiring(&self, description: &str, days: Option<u32>) -> String {
        self.token_page_url_for(description, days, None)
    }

    /// [`Forge::token_page_url`], asking the page to preselect an expiry that covers `days`
    /// days where the forge lets a link do so, and, on GitHub's fine-grained page, the
    /// repository owner from git's `path` (`workshop/lab.git` → `target_name=workshop`):
    /// - GitHub classic: `default_expires_at` rounded up to the page's own choices 7, 30, 60 or
    ///   90 days, and `custom` (the page asks for a date) beyond 90 days; the parameter is
    ///   observed, not documented, and other day counts are probably ignored;
    /// - GitHub fine-grained: `expires_in` (documented, 1 to 366 days; longer is cut to 366);
    /// - other forges: no expiry parameter.
    ///
    /// The lab timer uses it so that the token does not outlive the lab by much.
    pub fn token_page_url_for(
        &self,
        description: &str,
        days: Option<u32>,
        path: Option<&str>,
    ) -> String {
        let mut url = self.page_url(description, path);
        let Some(days) = days.map(|d| d.max(1)) else {
            return url;
        };
        match (self.kind.family(), self.token_type) {
            (Family::GitHub, TokenType::Classic) => {
                let preset = CLASSIC_PRESETS.iter().find(|&&p| p >= days);
                match preset {
                    Some(p) => url.push_str(&format!("&default_expires_at={p}")),
                    None => url.push_str("&default_expires_at=custom"),
                }
            }
            (Family::GitHub, TokenType::FineGrained) => {
                let days = days.min(FINE_GRAINED_MAX_DAYS);
                // Before the permissions, as the documented examples order them.
                let at = url.find("&contents=").unwrap_or(url.len());
                url.insert_str(at, &format!("&expires_in={days}"));
            }
            _ => {}
        }
        url
    }

    /// What the person must do on the token page before its prefill shows, for the prompt:
    /// GitLab's page (gitlab.com since 17.x) shows the list of tokens first and the prefilled
    /// form only after "Add new token" is pressed.
    pub fn token_page_hint(&self) -> Option<&'static str> {
        match self.kind.family() {
            Family::GitLab => Some(
                "On that page, press \"Add new token\" if the form is not open yet; its name, \
                 description and scopes are then filled in.",
            ),
            _ => None,
        }
    }

    /// The page where the person deletes a token of `kind` by hand, for when no API can revoke
    /// it: GitHub `https://HOST/settings/personal-access-tokens` for a fine-grained token and
    /// `https://HOST/settings/tokens` for any other (GitHub Docs, "Managing your personal access
    /// tokens", "Deleting a personal access token"), GitLab
    /// `/-/user_settings/personal_access_tokens`, Gitea/Forgejo `/user/settings/applications`.
    pub fn delete_page(&self, kind: TokenKind) -> String {
        let base = format!("https://{}", self.host);
        match (self.kind.family(), kind) {
            (Family::GitHub, TokenKind::FineGrainedPat) => {
                format!("{base}/settings/personal-access-tokens")
            }
            (Family::GitHub, _) => format!("{base}/settings/tokens"),
            (Family::GitLab, _) => format!("{base}/-/user_settings/personal_access_tokens"),
            (Family::Gitea, _) => format!("{base}/user/settings/applications"),
        }
    }

    fn page_url(&self, description: &str, path: Option<&str>) -> String {
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
                let target = path
                    .and_then(owner_of)
                    .map(|o| format!("&target_name={}", encode(o, QUERY_VALUE)))
                    .unwrap_or_default();
                // `contents=write` to clone and push, `workflows=write` to push changes to
                // `.github/workflows`: the classic page's `repo, workflow`.
                format!(
                    "{base}/settings/personal-access-tokens/new?name={}&description={}{target}\
                     &contents=write&workflows=write",
                    encode(name.trim_end(), QUERY_VALUE),
                    encode(&description, QUERY_VALUE)
                )
            }
            (Family::GitLab, _) => {
                let mut url = format!(
                    "{base}/-/user_settings/personal_access_tokens?name={}&description={}",
                    encode(description, QUERY_VALUE),
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
    use crate::forge::ForgeSettings;

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
        s.token_type = Some(TokenType::FineGrained);
        assert_eq!(
            Forge::detect(&parse_host("github.com"), &[], &s)
                .unwrap()
                .token_page_url("git-credential-pat on lab-pc 2026-11-21 15:30"),
            "https://github.com/settings/personal-access-tokens/new?name=git-credential-pat+on+lab-pc+2026-11-21\
             &description=git-credential-pat+on+lab-pc+2026-11-21+15%3A30&contents=write&workflows=write"
        );
        assert_eq!(
            detect("gitlab.com").unwrap().token_page_url(d),
            "https://gitlab.com/-/user_settings/personal_access_tokens?name=git-credential-pat+on+lab-pc+2026-11-21\
             &description=git-credential-pat+on+lab-pc+2026-11-21&scopes=read_repository,write_repository,read_user"
        );
        assert_eq!(
            detect("codeberg.org").unwrap().token_page_url(d),
            "https://codeberg.org/user/settings/applications"
        );
        s.token_type = None;
        s.scopes = Some(vec!["repo".into(), "read:org".into()]);
        s.kind = Some(ForgeKind::GitHubEnterpriseServer);
        let ghes = Forge::detect(&parse_host("git.corp.example:8443"), &[], &s).unwrap();
        assert_eq!(
            ghes.token_page_url("x y"),
            "https://git.corp.example:8443/settings/tokens/new?scopes=repo,read:org&description=x+y"
        );
    }

    /// The classic page's `default_expires_at` is undocumented; only its menu's values 7, 30,
    /// 60, 90 and `custom` are observed to work (docs/FORGES.md, GitHub, "Token pages"), so a
    /// timer is rounded up to one of them, and past 90 days the page is left to ask for a date.
    #[test]
    fn the_lab_timer_rounds_the_classic_pages_expiry_up_to_the_pages_own_choices() {
        let github =
            Forge::detect(&parse_host("github.com"), &[], &ForgeSettings::default()).unwrap();
        let preset = |days| {
            let url = github.token_page_url_expiring("lab", Some(days));
            url.rsplit_once("default_expires_at=").unwrap().1.to_owned()
        };
        for (days, expected) in [
            (0, "7"),
            (1, "7"),
            (7, "7"),
            (8, "30"),
            (30, "30"),
            (31, "60"),
            (60, "60"),
            (61, "90"),
            (90, "90"),
            (91, "custom"),
            (u32::MAX, "custom"),
        ] {
            assert_eq!(preset(days), expected, "{days} days");
        }
        assert_eq!(
            github.token_page_url_expiring("lab", Some(1)),
            "https://github.com/settings/tokens/new?scopes=repo,workflow&description=lab&default_expires_at=7"
        );
    }

    /// Changelog 2025-08-26 and GitHub Docs "Managing your personal access tokens" (github.com
    /// and GHE.com): `name` ≤ 40, `description` ≤ 1024, `target_name`, `expires_in` 1–366,
    /// `<permission>=read|write|admin`.
    #[test]
    fn the_fine_grained_page_gets_owner_expiry_and_the_permissions_of_repo_and_workflow() {
        let fine = ForgeSettings {
            token_type: Some(TokenType::FineGrained),
            ..ForgeSettings::default()
        };
        let github = Forge::detect(&parse_host("github.com"), &[], &fine).unwrap();
        assert_eq!(
            github.token_page_url_for("lab", Some(3), Some("workshop/lab.git")),
            "https://github.com/settings/personal-access-tokens/new?name=lab&description=lab\
             &target_name=workshop&expires_in=3&contents=write&workflows=write"
        );
        // No owner from a path GitHub could not have; the longest expiry is 366 days.
        for path in ["", "-bad/x", "a--b/x", "dots.not.allowed/x", "/"] {
            assert!(
                !github
                    .token_page_url_for("lab", None, Some(path))
                    .contains("target_name"),
                "{path}"
            );
        }
        assert!(
            github
                .token_page_url_for("lab", Some(400), None)
                .contains("&expires_in=366&")
        );
        let ghe_com = Forge::detect(&parse_host("octo.ghe.com"), &[], &fine).unwrap();
        assert_eq!(ghe_com.token_type, TokenType::FineGrained);
        // Enterprise Server: the classic page, with the classic scopes to check.
        let ghes = ForgeSettings {
            kind: Some(ForgeKind::GitHubEnterpriseServer),
            ..fine
        };
        let ghes = Forge::detect(&parse_host("git.corp.example"), &[], &ghes).unwrap();
        assert_eq!(ghes.token_type, TokenType::Classic);
        assert_eq!(ghes.scopes, ["repo"]);
        assert_eq!(
            ghes.token_page_url_for("lab", Some(3), Some("workshop/lab.git")),
            "https://git.corp.example/settings/tokens/new?scopes=repo,workflow&description=lab&default_expires_at=7"
        );
    }

    /// gitlabhq `personal_access_tokens_controller.rb` reads `name`, `description` and
    /// `scopes`; gitlab.com shows the form after "Add new token".
    #[test]
    fn gitlabs_page_gets_a_description_and_the_prompt_says_to_press_add_new_token() {
        let gitlab = detect("gitlab.com").unwrap();
        assert_eq!(
            gitlab.token_page_url("a b"),
            "https://gitlab.com/-/user_settings/personal_access_tokens?name=a+b&description=a+b\
             &scopes=read_repository,write_repository,read_user"
        );
        assert!(
            gitlab
                .token_page_hint()
                .unwrap()
                .contains("press \"Add new token\"")
        );
        assert_eq!(detect("github.com").unwrap().token_page_hint(), None);
    }

    #[test]
    fn the_delete_pages_are_the_ones_each_forge_documents() {
        let fine = ForgeSettings {
            kind: Some(ForgeKind::GitHubEnterpriseServer),
            ..ForgeSettings::default()
        };
        let ghes = Forge::detect(&parse_host("git.corp.example:8443"), &[], &fine).unwrap();
        assert_eq!(
            ghes.delete_page(TokenKind::ClassicPat),
            "https://git.corp.example:8443/settings/tokens"
        );
        assert_eq!(
            ghes.delete_page(TokenKind::FineGrainedPat),
            "https://git.corp.example:8443/settings/personal-access-tokens"
        );
        assert_eq!(
            detect("gitlab.com")
                .unwrap()
                .delete_page(TokenKind::GitLabPat),
            "https://gitlab.com/-/user_settings/personal_access_tokens"
        );
        assert_eq!(
            detect("codeberg.org")
                .unwrap()
                .delete_page(TokenKind::GiteaToken),
            "https://codeberg.org/user/settings/applications"
        );
    }
}

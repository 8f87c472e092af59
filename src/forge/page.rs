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
pub(crate) enum TokenType {
    /// A classic PAT (`ghp_`), with scopes such as `repo`.
    #[default]
    Classic,
    /// A fine-grained PAT (`github_pat_`), with per-repository permissions and no scopes.
    FineGrained,
}

impl TokenType {
    /// The words `credential.<url>.patTokenType` takes and the type each names.
    pub(crate) const SETTINGS: [(&'static str, TokenType); 2] = [
        ("classic", TokenType::Classic),
        ("fine-grained", TokenType::FineGrained),
    ];

    /// The type a `credential.<url>.patTokenType` word names ([`TokenType::SETTINGS`],
    /// case-insensitive); `None` for any other word.
    pub(crate) fn from_setting(word: &str) -> Option<TokenType> {
        super::setting(&Self::SETTINGS, word)
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
    pub(crate) fn token_page_url(&self, description: &str) -> String {
        self.token_page_url_for(description, None, None)
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
    pub(crate) fn token_page_url_for(
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
    pub(crate) fn token_page_hint(&self) -> Option<&'static str> {
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
    pub(crate) fn delete_page(&self, kind: TokenKind) -> String {
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
mod tests;

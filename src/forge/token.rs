//! Token shapes and scopes: what a pasted token is by its prefix ([`TokenKind`]), the checks
//! made before any request (length, whitespace, control characters, the characters tokens are
//! made of, each forge's prefix or format), the scopes each forge's token needs by default and
//! which of them a token lacks ([`Forge::missing_scopes`]; the forges' rules of which scope
//! stands in for which are in `github` and `gitlab`).
//!
//! Follows docs/FORGES.md, each forge's "Token shapes" (GitHub's "Behind GitHub's new
//! authentication token formats", 2021: `ghp_`, `github_pat_`, `gho_`, `ghu_`, `ghs_`, `ghr_`),
//! GitHub's changelog 2026-04-24 "Notice about upcoming new format for GitHub App installation
//! tokens" (`ghs_APPID_JWT`, about 520 characters, variable length, with dots), GitLab's
//! `glpat-` prefix, configurable on self-managed instances, and Gitea's 40 hexadecimal characters.

use super::{Family, Forge, TokenInfo, github, gitlab};

/// The longest token accepted, in characters. GitHub's 2021 advice ("up to 255 characters")
/// no longer holds: its changelog of 2026-04-24 announces installation tokens of about 520
/// characters whose length "will vary", and user-to-server tokens are to follow, so the cap
/// leaves room for twice that. It still stops a pasted paragraph, and keeps a stored secret
/// (token plus its `password_expiry_utc=` line) under the 2,560 bytes Windows Credential Manager
/// takes (`CRED_MAX_CREDENTIAL_BLOB_SIZE`).
pub(crate) const MAX_TOKEN_LEN: usize = 1024;

/// What a token is, told by its prefix (docs/FORGES.md, each forge's "Token shapes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// GitHub `ghp_`.
    ClassicPat,
    /// GitHub `github_pat_`.
    FineGrainedPat,
    /// GitHub `gho_`: an OAuth app's access token.
    OAuthApp,
    /// GitHub `ghu_`: a GitHub App's user access token.
    GitHubAppUser,
    /// GitHub `ghs_`: a GitHub App installation token (git's username is `x-access-token`).
    /// [`Forge::check_token`] refuses it; see there why.
    GitHubAppInstallation,
    /// GitLab `glpat-` (or any prefix on a self-managed GitLab, where the prefix is configurable).
    GitLabPat,
    /// Gitea/Forgejo: 40 hexadecimal characters.
    GiteaToken,
    /// GitHub's pre-2021 token format: 40 hexadecimal characters, still accepted by GitHub.
    Legacy,
}

/// GitHub's token prefixes and what each names.
const GITHUB_PREFIXES: [(&str, TokenKind); 5] = [
    ("ghp_", TokenKind::ClassicPat),
    ("github_pat_", TokenKind::FineGrainedPat),
    ("gho_", TokenKind::OAuthApp),
    ("ghu_", TokenKind::GitHubAppUser),
    ("ghs_", TokenKind::GitHubAppInstallation),
];

impl TokenKind {
    /// Whether the forge reports scopes for a token of this kind: not for fine-grained and
    /// GitHub App tokens, which have permissions instead.
    pub(crate) fn has_scopes(self) -> bool {
        !matches!(
            self,
            TokenKind::FineGrainedPat | TokenKind::GitHubAppUser | TokenKind::GitHubAppInstallation
        )
    }
}

impl Forge {
    /// Checks the shape of a pasted token before any network call. `Ok` tells what the token
    /// is by its prefix; `Err` is one sentence a beginner can act on, never quoting the token.
    ///
    /// Refused everywhere: empty, any whitespace or control character, over
    /// [`MAX_TOKEN_LEN`] characters, characters outside `[A-Za-z0-9_.-]`. GitHub (and GitHub
    /// Enterprise): the prefixes `ghp_`, `github_pat_`, `gho_`, `ghu_`, or a legacy 40-hex
    /// token (`ghr_` refresh tokens cannot sign in). GitLab: `glpat-` on gitlab.com, any
    /// shape on a self-managed instance (the prefix is configurable there). Gitea/Forgejo: 40
    /// hexadecimal characters (docs/FORGES.md, each forge's "Token shapes").
    ///
    /// A GitHub App installation token (`ghs_`) is refused here, with a sentence saying what it
    /// is, rather than stored unchecked as `x-access-token`: it is the app's token, not the
    /// person's; `GET /user`, the only check there is, answers 403 to it ("Resource not
    /// accessible by integration"), so neither its owner nor its expiry could be known; and it
    /// expires one hour after it was made (GitHub Docs, "Generating an installation access
    /// token for a GitHub App"), so a stored copy would fail within the lab with nothing able
    /// to renew it. The app that made it should hand it to git itself.
    pub(crate) fn check_token(&self, token: &str) -> Result<TokenKind, String> {
        if token.is_empty() {
            return Err("no token was given; paste the token the page showed".to_owned());
        }
        if token.chars().any(char::is_whitespace) {
            return Err(
                "the token contains a space or line break; copy it again as one piece, \
                        without anything around it"
                    .to_owned(),
            );
        }
        if token.chars().any(char::is_control) {
            return Err(
                "the token contains an invisible control character; copy it again from \
                        the token page"
                    .to_owned(),
            );
        }
        if token.chars().count() > MAX_TOKEN_LEN {
            return Err(format!(
                "that is longer than any token ({MAX_TOKEN_LEN} characters at most); copy only \
                 the token itself, not the text around it"
            ));
        }
        if !token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(
                "the token contains characters that tokens never have (only letters, \
                        digits, _, - and . appear in them); copy the token itself, not its name"
                    .to_owned(),
            );
        }
        if let Some(why) = self.doubled(token) {
            return Err(why);
        }
        let kind = self.kind_of(token);
        match self.kind.family() {
            Family::GitHub => {
                if token.starts_with("ghr_") {
                    return Err(format!(
                        "that is a {} refresh token (ghr_), which cannot sign in; paste the \
                         access token instead",
                        self.name()
                    ));
                }
                if kind == TokenKind::GitHubAppInstallation {
                    return Err(format!(
                        "that is a GitHub App installation token (ghs_): an app's own token, \
                         which expires within an hour and cannot be checked or renewed here; \
                         create a personal access token at {} and paste that instead",
                        self.token_page_url("git-credential-pat")
                    ));
                }
                match kind {
                    TokenKind::Legacy if !is_hex40(token) => Err(format!(
                        "that does not look like a {} token (they start with ghp_ or \
                         github_pat_); copy the token itself, not its name",
                        self.name()
                    )),
                    kind => Ok(kind),
                }
            }
            Family::GitLab => {
                let gitlab_com = self.host.dns_name() == Some("gitlab.com");
                if gitlab_com && !token.starts_with("glpat-") {
                    Err(
                        "that does not look like a GitLab token (they start with glpat-); copy \
                         the token itself, not its name"
                            .to_owned(),
                    )
                } else {
                    Ok(TokenKind::GitLabPat)
                }
            }
            Family::Gitea => {
                if is_hex40(token) {
                    Ok(TokenKind::GiteaToken)
                } else {
                    Err(format!(
                        "that does not look like a {} token (they are 40 characters of 0-9 \
                         and a-f); copy the token itself, not its name",
                        self.name()
                    ))
                }
            }
        }
    }

    /// The sentence for a paste that holds two tokens, or one token twice: the same text in two
    /// halves, or a second token prefix inside (`ghp_…ghp_…`, `glpat-…glpat-…`). A classic,
    /// OAuth, user or refresh token never holds `_` after its prefix, so any prefix inside it
    /// starts a second token; a fine-grained token (`github_pat_A_B`) or a 2026 installation
    /// token (`ghs_APPID_JWT`) may hold `ghp_` by chance, so only its own prefix counts there.
    fn doubled(&self, token: &str) -> Option<String> {
        let bytes = token.as_bytes();
        let (first, second) = bytes.split_at(bytes.len() / 2);
        let same_twice = bytes.len() >= 16 && first == second;
        let prefixes: Vec<&str> = match self.kind.family() {
            Family::GitHub if token.starts_with("github_pat_") => vec!["github_pat_"],
            Family::GitHub if token.starts_with("ghs_") => vec!["ghs_"],
            Family::GitHub => GITHUB_PREFIXES
                .iter()
                .map(|(p, _)| *p)
                .chain(["ghr_"])
                .collect(),
            Family::GitLab => vec!["glpat-"],
            Family::Gitea => vec![],
        };
        let again = prefixes
            .iter()
            .find(|p| token.get(1..).is_some_and(|rest| rest.contains(**p)));
        let what = match (same_twice, again) {
            (true, _) => "the same token twice over".to_owned(),
            (false, Some(p)) => format!("two tokens one after the other ({p} appears twice)"),
            (false, None) => return None,
        };
        Some(format!(
            "that looks like {what}: it was probably pasted twice; copy the token again and \
             paste it once"
        ))
    }

    /// What `token` is by its prefix alone, with this forge's fallback for an unknown shape.
    pub(super) fn kind_of(&self, token: &str) -> TokenKind {
        match self.kind.family() {
            Family::GitHub => GITHUB_PREFIXES
                .iter()
                .find(|(p, _)| token.len() > p.len() && token.starts_with(p))
                .map_or(TokenKind::Legacy, |(_, k)| *k),
            Family::GitLab => TokenKind::GitLabPat,
            Family::Gitea => TokenKind::GiteaToken,
        }
    }
}

impl Forge {
    /// The page where the person deletes `token` by hand ([`Forge::delete_page`] for its kind,
    /// told by its prefix): what a person is sent to for a token erased here but still live.
    pub(crate) fn delete_page_of(&self, token: &str) -> String {
        self.delete_page(self.kind_of(token))
    }

    /// The required [`Forge::scopes`] that `info` lacks; empty when `info.scopes` is `None` (the
    /// forge reports none) or the token is fine-grained. A broader scope stands in for a
    /// narrower one: GitLab's `api` for both git scopes, `write_repository` or `read_api` for
    /// `read_repository` (GitLab's `abilities_for_scopes`); GitHub's `repo` for `public_repo`
    /// and `repo:*`, `write:X`/`admin:X` for `read:X`, `user` for `read:user` and `user:*`.
    pub(crate) fn missing_scopes(&self, info: &TokenInfo) -> Vec<String> {
        let Some(have) = &info.scopes else {
            return vec![];
        };
        if info.kind == TokenKind::FineGrainedPat {
            return vec![];
        }
        let has = |s: &str| have.iter().any(|h| h.eq_ignore_ascii_case(s));
        let implied = |need: &str| match self.kind.family() {
            Family::GitHub => github::scope_implied(need, &has),
            Family::GitLab => gitlab::scope_implied(need, &has),
            Family::Gitea => false,
        };
        self.scopes
            .iter()
            .filter(|need| !has(need) && !implied(need))
            .cloned()
            .collect()
    }
}

impl Family {
    /// (required scopes, scopes the token page ticks) for a classic token: GitHub `repo`
    /// (the page adds `workflow`, so that a push may change `.github/workflows`), GitLab
    /// `read_repository`, `write_repository` (the page adds `read_user`, so that the API tells
    /// the token's username), Gitea none (not reported).
    pub(super) fn default_scopes(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Family::GitHub => (&["repo"], &["repo", "workflow"]),
            Family::GitLab => (
                &["read_repository", "write_repository"],
                &["read_repository", "write_repository", "read_user"],
            ),
            Family::Gitea => (&[], &[]),
        }
    }
}

fn is_hex40(token: &str) -> bool {
    token.len() == 40 && token.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests;

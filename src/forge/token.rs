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
pub const MAX_TOKEN_LEN: usize = 1024;

/// What a token is, told by its prefix (docs/FORGES.md, each forge's "Token shapes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
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
    pub fn has_scopes(self) -> bool {
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
    pub fn check_token(&self, token: &str) -> Result<TokenKind, String> {
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
    /// The required [`Forge::scopes`] that `info` lacks; empty when `info.scopes` is `None` (the
    /// forge reports none) or the token is fine-grained. A broader scope stands in for a
    /// narrower one: GitLab's `api` for both git scopes, `write_repository` or `read_api` for
    /// `read_repository` (GitLab's `abilities_for_scopes`); GitHub's `repo` for `public_repo`
    /// and `repo:*`, `write:X`/`admin:X` for `read:X`, `user` for `read:user` and `user:*`.
    pub fn missing_scopes(&self, info: &TokenInfo) -> Vec<String> {
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
mod tests {
    use super::super::testutil::*;
    use super::super::{TokenInfo, TokenType};
    use super::*;

    #[test]
    fn pasted_tokens_are_checked_for_shape_before_any_request() {
        let gh = detect("github.com").unwrap();
        assert_eq!(gh.check_token(CLASSIC), Ok(TokenKind::ClassicPat));
        assert_eq!(gh.check_token(FINE), Ok(TokenKind::FineGrainedPat));
        assert_eq!(
            gh.check_token("gho_16C7e42F292c6912E7710c838347Ae178B4a"),
            Ok(TokenKind::OAuthApp)
        );
        assert_eq!(
            gh.check_token("ghu_16C7e42F292c6912E7710c838347Ae178B4a"),
            Ok(TokenKind::GitHubAppUser)
        );
        assert_eq!(gh.check_token(GITEA), Ok(TokenKind::Legacy));
        assert_eq!(
            gh.check_token("my-laptop-token"),
            Err("that does not look like a GitHub token (they start with ghp_ or github_pat_); copy the token itself, not its name".into())
        );
        assert!(
            gh.check_token("ghr_16C7e42F292c6912E7710c838347Ae178B4a")
                .unwrap_err()
                .contains("refresh token")
        );
        assert!(gh.check_token("ghp_").is_err());
        assert_eq!(
            gh.check_token(""),
            Err("no token was given; paste the token the page showed".into())
        );
        for spaced in [
            "ghp_abc def",
            "ghp_abc\tdef",
            "ghp_abc\ndef",
            "ghp_abc\u{a0}def",
        ] {
            assert!(
                gh.check_token(spaced)
                    .unwrap_err()
                    .contains("space or line break"),
                "{spaced:?}"
            );
        }
        assert!(
            gh.check_token("ghp_abc\u{7}def")
                .unwrap_err()
                .contains("control character")
        );
        let long = format!("ghp_{}", "a".repeat(1021));
        assert_eq!(long.len(), 1025);
        assert_eq!(
            gh.check_token(&long).unwrap_err(),
            "that is longer than any token (1024 characters at most); copy only the token \
             itself, not the text around it"
        );
        assert_eq!(gh.check_token(&long[..1024]), Ok(TokenKind::ClassicPat));
        assert!(
            gh.check_token("ghp_abc+def/ghi=")
                .unwrap_err()
                .contains("characters that tokens never have")
        );

        let gitlab_com = detect("gitlab.com").unwrap();
        assert_eq!(gitlab_com.check_token(GITLAB), Ok(TokenKind::GitLabPat));
        assert_eq!(
            gitlab_com.check_token(CLASSIC),
            Err("that does not look like a GitLab token (they start with glpat-); copy the token itself, not its name".into())
        );
        let self_managed = Forge::detect(
            &parse_host("lab.example"),
            &[],
            &settings(Some("gitlab"), None),
        )
        .unwrap();
        assert_eq!(
            self_managed.check_token("corp-abcdef0123456789"),
            Ok(TokenKind::GitLabPat)
        );

        let gitea = detect("codeberg.org").unwrap();
        assert_eq!(gitea.check_token(GITEA), Ok(TokenKind::GiteaToken));
        assert_eq!(
            gitea.check_token(&GITEA.to_uppercase()),
            Ok(TokenKind::GiteaToken)
        );
        assert!(
            gitea
                .check_token(&GITEA[..39])
                .unwrap_err()
                .contains("40 characters of 0-9 and a-f")
        );
        assert!(
            gitea
                .check_token(CLASSIC)
                .unwrap_err()
                .starts_with("that does not look like a Gitea/Forgejo token")
        );

        for token in [CLASSIC, FINE, GITLAB, GITEA] {
            for f in [&gh, &gitlab_com, &gitea] {
                if let Err(e) = f.check_token(&format!("{token} x")) {
                    assert!(!e.contains(token), "{e}");
                }
            }
        }
    }

    /// GitHub changelog 2026-04-24, "Notice about upcoming new format for GitHub App
    /// installation tokens": `ghs_APPID_JWT`, about 520 characters, length varying, prefixes
    /// unchanged. A JWT is three base64url parts joined by dots.
    #[test]
    fn tokens_of_the_2026_format_fit_under_the_length_cap_and_keep_the_character_check() {
        let jwt = format!(
            "{}.{}.{}",
            "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9",
            "eyJpbnN0YWxsYXRpb24iOjQyLCJhcHAiOjEyMzQ1fQ".repeat(10),
            "c2lnbmF0dXJlLWJ5dGVzLWJhc2U2NHVybC1lbmNvZGVk_-".repeat(2)
        );
        let long_pat = format!("github_pat_123456_{jwt}");
        assert!((500..1024).contains(&long_pat.len()), "{}", long_pat.len());
        let gh = detect("github.com").unwrap();
        assert_eq!(gh.check_token(&long_pat), Ok(TokenKind::FineGrainedPat));
        assert!(
            gh.check_token(&format!("{long_pat}="))
                .unwrap_err()
                .contains("characters that tokens never have")
        );
    }

    /// `ghs_` is refused (the decision is documented on `Forge::check_token`): an installation
    /// token is the app's, lives an hour, and `GET /user` answers it 403 ("Resource not
    /// accessible by integration", GitHub REST API description for `GET /user`, which lists
    /// 403 among its answers), so the login flow never asks the API about it.
    #[test]
    fn an_installation_token_is_refused_with_what_it_is_and_what_is_needed() {
        let gh = detect("github.com").unwrap();
        for ghs in [
            "ghs_16C7e42F292c6912E7710c838347Ae178B4a".to_owned(),
            format!(
                "ghs_12345_{}",
                "eyJhbGciOiJSUzI1NiJ9.eyJpIjo0Mn0.c2ln".repeat(14)
            ),
        ] {
            let e = gh.check_token(&ghs).unwrap_err();
            assert_eq!(
                e,
                "that is a GitHub App installation token (ghs_): an app's own token, which \
                 expires within an hour and cannot be checked or renewed here; create a personal \
                 access token at https://github.com/settings/tokens/new?scopes=repo,workflow&description=git-credential-pat \
                 and paste that instead"
            );
            assert!(!e.contains(&ghs));
        }
        assert_eq!(
            gh.kind_of("ghs_16C7e42F292c6912E7710c838347Ae178B4a"),
            TokenKind::GitHubAppInstallation
        );
    }

    #[test]
    fn debug_output_of_the_forge_and_its_answers_holds_no_token() {
        let forge = detect("github.com").unwrap();
        let info = TokenInfo {
            login: "alice".into(),
            scopes: None,
            expires_at: None,
            ignored_expiry: None,
            kind: forge.kind_of(CLASSIC),
        };
        assert!(!format!("{forge:?}{info:?}").contains(CLASSIC));
    }

    #[test]
    fn pat_scopes_and_pat_token_type_shape_the_scopes() {
        let mut s = settings(None, None);
        s.scopes = Some(vec!["repo".into(), "read:org".into()]);
        let f = Forge::detect(&parse_host("github.com"), &[], &s).unwrap();
        assert_eq!(
            (f.scopes.clone(), f.page_scopes.clone()),
            (
                vec!["repo".to_owned(), "read:org".into()],
                vec!["repo".to_owned(), "read:org".into()]
            )
        );
        s.token_type = Some(TokenType::FineGrained);
        let f = Forge::detect(&parse_host("github.com"), &[], &s).unwrap();
        assert_eq!(f.token_type, TokenType::FineGrained);
        assert!(f.scopes.is_empty() && f.page_scopes.is_empty());
        // Token types are GitHub's alone.
        let f = Forge::detect(&parse_host("gitlab.com"), &[], &s).unwrap();
        assert_eq!(f.token_type, TokenType::Classic);
    }
}

//! Unit tests of `src/forge/token.rs`, each a sentence of behaviour.
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

#[test]
fn a_token_pasted_twice_is_told_so_before_any_request() {
    let gh = detect("github.com").unwrap();
    let twice = gh.check_token(&format!("{CLASSIC}{CLASSIC}")).unwrap_err();
    assert_eq!(
        twice,
        "that looks like the same token twice over: it was probably pasted twice; copy the \
         token again and paste it once"
    );
    let two = gh
        .check_token(&format!("{CLASSIC}ghp_Other000000000000000000000000000000"))
        .unwrap_err();
    assert!(
        two.contains("two tokens one after the other (ghp_ appears twice)"),
        "{two}"
    );
    let two = gh.check_token(&format!("{FINE}{FINE}")).unwrap_err();
    assert!(two.contains("pasted twice"), "{two}");
    let gitlab = detect("gitlab.com").unwrap();
    let two = gitlab
        .check_token(&format!("{GITLAB}{GITLAB}x"))
        .unwrap_err();
    assert!(two.contains("(glpat- appears twice)"), "{two}");
    let gitea = detect("codeberg.org").unwrap();
    assert!(
        gitea
            .check_token(&format!("{GITEA}{GITEA}"))
            .unwrap_err()
            .contains("pasted twice")
    );
    // One token alone is still taken, even one whose second half repeats nothing.
    assert_eq!(gh.check_token(CLASSIC), Ok(TokenKind::ClassicPat));
    assert_eq!(gh.check_token(FINE), Ok(TokenKind::FineGrainedPat));
    assert_eq!(gitlab.check_token(GITLAB), Ok(TokenKind::GitLabPat));
}

//! Unit tests of `src/forge/page.rs`, each a sentence of behaviour.
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
    let github = Forge::detect(&parse_host("github.com"), &[], &ForgeSettings::default()).unwrap();
    let preset = |days| {
        let url = github.token_page_url_for("lab", Some(days), None);
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
        github.token_page_url_for("lab", Some(1), None),
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

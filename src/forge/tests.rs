//! Unit tests of `forge/mod.rs`, each a sentence of behaviour.
use super::testutil::*;
use super::*;

#[test]
fn github_com_in_any_spelling_is_github_with_its_api_and_the_repo_scope() {
    for host in ["github.com", "GitHub.com.", "github.com:443"] {
        let f = detect(host).unwrap();
        assert_eq!(f.kind, ForgeKind::GitHub, "{host}");
        assert_eq!(f.api_base, "https://api.github.com");
        assert_eq!(f.scopes, ["repo"]);
        assert_eq!(f.page_scopes, ["repo", "workflow"]);
        assert_eq!(f.token_type, TokenType::Classic);
        assert_eq!(f.name(), "GitHub");
    }
    assert_eq!(
        detect("GitHub.com.").unwrap().host.to_string(),
        "github.com"
    );
    assert_eq!(
        detect("github.com:443").unwrap().host.to_string(),
        "github.com:443"
    );
}

#[test]
fn a_ghe_com_host_is_github_enterprise_with_an_api_subdomain() {
    let f = detect("octo.ghe.com").unwrap();
    assert_eq!(f.kind, ForgeKind::GheCom);
    assert_eq!(f.api_base, "https://api.octo.ghe.com");
    assert_eq!(f.name(), "GitHub Enterprise Cloud");
    assert!(detect("ghe.com").is_none());
}

#[test]
fn each_kind_has_its_name_api_base_revocation_and_environment_variable() {
    let facts = |host: &str, forge: Option<&str>| {
        let f = Forge::detect(&parse_host(host), &[], &settings(forge, None)).unwrap();
        (
            f.kind,
            f.name(),
            f.api_base,
            f.kind.revocation(),
            f.kind.family().token_env_var(),
        )
    };
    use RevocationMethod::*;
    assert_eq!(
        facts("github.com", None),
        (
            ForgeKind::GitHub,
            "GitHub",
            "https://api.github.com".into(),
            GitHubBatch,
            "GITHUB_TOKEN"
        )
    );
    assert_eq!(
        facts("Octo.GHE.com", Some("github")),
        (
            ForgeKind::GheCom,
            "GitHub Enterprise Cloud",
            "https://api.octo.ghe.com".into(),
            GitHubBatch,
            "GITHUB_TOKEN"
        )
    );
    assert_eq!(
        facts("git.corp.example", Some("github")),
        (
            ForgeKind::GitHubEnterpriseServer,
            "GitHub Enterprise Server",
            "https://git.corp.example/api/v3".into(),
            GitHubEachAuthenticated,
            "GITHUB_TOKEN"
        )
    );
    assert_eq!(
        facts("gitlab.com", None),
        (
            ForgeKind::GitLab,
            "GitLab",
            "https://gitlab.com/api/v4".into(),
            GitLabSelf,
            "GITLAB_TOKEN"
        )
    );
    assert_eq!(
        facts("codeberg.org", None),
        (
            ForgeKind::Gitea,
            "Gitea/Forgejo",
            "https://codeberg.org/api/v1".into(),
            OnThePage,
            "GITEA_TOKEN"
        )
    );
}

#[test]
fn gitlab_com_codeberg_and_gitea_com_are_known_by_name() {
    let f = detect("gitlab.com").unwrap();
    assert_eq!(
        (f.kind, f.api_base.as_str()),
        (ForgeKind::GitLab, "https://gitlab.com/api/v4")
    );
    assert_eq!(f.scopes, ["read_repository", "write_repository"]);
    let f = detect("codeberg.org").unwrap();
    assert_eq!(
        (f.kind, f.api_base.as_str()),
        (ForgeKind::Gitea, "https://codeberg.org/api/v1")
    );
    assert!(f.scopes.is_empty());
    assert_eq!(f.name(), "Gitea/Forgejo");
    assert_eq!(detect("gitea.com").unwrap().kind, ForgeKind::Gitea);
}

#[test]
fn an_unknown_host_or_a_known_name_on_another_port_is_no_forge() {
    assert_eq!(detect("git.example.com"), None);
    assert_eq!(detect("github.com:8443"), None);
    assert_eq!(detect("notgithub.com"), None);
}

#[test]
fn the_realm_of_gits_challenge_names_the_forge() {
    let realm = |host: &str, w: &str| {
        Forge::detect(
            &parse_host(host),
            &[w.to_owned()],
            &ForgeSettings::default(),
        )
        .map(|f| (f.kind, f.api_base))
    };
    assert_eq!(
        realm("git.corp.example", r#"Basic realm="GitHub""#),
        Some((
            ForgeKind::GitHubEnterpriseServer,
            "https://git.corp.example/api/v3".into()
        ))
    );
    assert_eq!(
        realm("github.com", r#"basic REALM="github""#),
        Some((ForgeKind::GitHub, "https://api.github.com".into()))
    );
    assert_eq!(
        realm("lab.example:8443", r#"Basic realm="GitLab""#),
        Some((ForgeKind::GitLab, "https://lab.example:8443/api/v4".into()))
    );
    assert_eq!(
        realm("tea.example", r#"Basic realm="Gitea (Basic Auth)""#)
            .unwrap()
            .0,
        ForgeKind::Gitea
    );
    assert_eq!(
        realm("forge.example", r#"Basic realm="Forgejo""#)
            .unwrap()
            .0,
        ForgeKind::Gitea
    );
    assert_eq!(realm("x.example", r#"Basic realm="git""#), None);
    assert_eq!(realm("x.example", r#"Basic realm="GitHubby""#), None);
    assert_eq!(realm("x.example", "Negotiate"), None);
}

#[test]
fn pat_forge_overrides_the_host_and_pat_api_url_the_api() {
    let f = Forge::detect(
        &parse_host("git.corp.example"),
        &[],
        &settings(Some("github"), None),
    )
    .unwrap();
    assert_eq!(
        (f.kind, f.api_base.as_str()),
        (
            ForgeKind::GitHubEnterpriseServer,
            "https://git.corp.example/api/v3"
        )
    );
    assert_eq!(f.name(), "GitHub Enterprise Server");
    let f = Forge::detect(
        &parse_host("github.com"),
        &[],
        &settings(Some("github"), None),
    )
    .unwrap();
    assert_eq!(f.kind, ForgeKind::GitHub);
    let f = Forge::detect(
        &parse_host("github.com"),
        &[],
        &settings(Some("ghes"), None),
    )
    .unwrap();
    assert_eq!(f.kind, ForgeKind::GitHubEnterpriseServer);
    let f = Forge::detect(
        &parse_host("github.com"),
        &[],
        &settings(Some("gitlab"), None),
    )
    .unwrap();
    assert_eq!(
        (f.kind, f.api_base.as_str()),
        (ForgeKind::GitLab, "https://github.com/api/v4")
    );
    let f = Forge::detect(
        &parse_host("git.example:3000"),
        &[],
        &settings(Some("forgejo"), None),
    )
    .unwrap();
    assert_eq!(
        (f.kind, f.api_base.as_str()),
        (ForgeKind::Gitea, "https://git.example:3000/api/v1")
    );
    let f = Forge::detect(
        &parse_host("x.example"),
        &[],
        &settings(Some("gitea"), Some("http://127.0.0.1:9/api/v1/ ")),
    )
    .unwrap();
    assert_eq!(f.api_base, "http://127.0.0.1:9/api/v1");
    let f = Forge::detect(
        &parse_host("[::1]:8443"),
        &[],
        &settings(Some("ghes"), None),
    )
    .unwrap();
    assert_eq!(
        (f.host.to_string().as_str(), f.api_base.as_str()),
        ("[::1]:8443", "https://[::1]:8443/api/v3")
    );
    // A misspelt patForge falls back to what the host says.
    assert_eq!(
        Forge::detect(
            &parse_host("gitlab.com"),
            &[],
            &settings(Some("gitlb"), None)
        )
        .unwrap()
        .kind,
        ForgeKind::GitLab
    );
}

#[test]
fn a_stored_forge_fact_is_read_back_by_its_id_or_by_the_name_older_entries_hold() {
    for kind in [
        ForgeKind::GitHub,
        ForgeKind::GheCom,
        ForgeKind::GitHubEnterpriseServer,
        ForgeKind::GitLab,
        ForgeKind::Gitea,
    ] {
        assert_eq!(ForgeKind::from_fact(kind.id()), Some(kind));
        assert_eq!(ForgeKind::from_fact(kind.name()), Some(kind));
        assert_eq!(kind.to_string(), kind.name());
    }
    assert_eq!(ForgeKind::from_fact("Bitbucket"), None);
    assert_eq!(ForgeKind::from_fact("github-enterprise"), None);
}

#[test]
fn pat_forge_words_select_a_kind_and_nothing_else_does() {
    assert_eq!(ForgeKind::from_setting("GitHub"), Some(ForgeKind::GitHub));
    assert_eq!(
        ForgeKind::from_setting("ghes"),
        Some(ForgeKind::GitHubEnterpriseServer)
    );
    assert_eq!(ForgeKind::from_setting("gitlab"), Some(ForgeKind::GitLab));
    assert_eq!(ForgeKind::from_setting("forgejo"), Some(ForgeKind::Gitea));
    assert_eq!(ForgeKind::from_setting("gitea"), Some(ForgeKind::Gitea));
    for (word, kind) in ForgeKind::SETTINGS {
        assert_eq!(ForgeKind::from_setting(word), Some(kind), "{word}");
    }
    assert_eq!(ForgeKind::GheCom.setting_word(), "github");
    assert_eq!(ForgeKind::Gitea.setting_word(), "gitea");
    assert_eq!(
        ForgeKind::setting_words(),
        "github, ghes, gitlab, gitea, forgejo"
    );
    for word in ["", "github.com", "GitHubX", "bitbucket"] {
        assert_eq!(ForgeKind::from_setting(word), None, "{word}");
    }
    // Who ignores the user name sent with a token: GitHub's kinds and GitLab, not Gitea.
    assert!(ForgeKind::GitHubEnterpriseServer.ignores_username());
    assert!(ForgeKind::GitLab.ignores_username());
    assert!(!ForgeKind::Gitea.ignores_username());
}

#[test]
fn stand_in_logins_are_the_unknown_login_and_gitlab_token_ids_only() {
    for login in ["git", "git-token-104", "git-token-1"] {
        assert!(is_stand_in_login(login), "{login}");
    }
    for login in [
        "alice",
        "git-token-",
        "git-token-12a",
        "gitx",
        "Git-token-1",
    ] {
        assert!(!is_stand_in_login(login), "{login}");
    }
}

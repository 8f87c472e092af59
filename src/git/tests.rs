//! Unit tests of `src/git.rs`, each a sentence of behaviour.
use super::*;

#[test]
fn parses_url_matched_credential_settings() {
    let s = HostSettings::parse(
        "credential.helper\n\0credential.helper\npat\0credential.interactive\nnever\0\
         credential.patforge\nGHES\0credential.patapiurl\nhttp://127.0.0.1:9/api/v3\0\
         credential.patscopes\nrepo, workflow read:org\0credential.pattokentype\nfine-grained\0\
         credential.patbrowser\nnever\0credential.username\nalice\0credential.patlifetime\n8h\0",
    );
    assert_eq!(s.forge.kind, Some(ForgeKind::GitHubEnterpriseServer));
    assert_eq!(
        s.forge.api_url.as_deref(),
        Some("http://127.0.0.1:9/api/v3")
    );
    assert_eq!(
        s.forge.scopes.as_deref(),
        Some(&["repo".to_owned(), "workflow".into(), "read:org".into()][..])
    );
    assert_eq!(s.forge.token_type, Some(TokenType::FineGrained));
    assert_eq!(s.lifetime, Some(Duration::from_secs(8 * 3600)));
    assert!(s.interactive_forbidden() && s.browser_forbidden());
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert!(!HostSettings::default().interactive_forbidden());
}

#[test]
fn a_value_it_cannot_understand_is_a_warning_not_silence() {
    let s = HostSettings::parse(
        "credential.patforge\ngithib\0credential.patlifetime\nall day\0\
         credential.patbrowser\nmaybe\0credential.pattokentype\nshiny\0\
         credential.patapiurl\nnot a url\0credential.patscope\nrepo\0",
    );
    assert_eq!(s.forge.kind, None);
    assert_eq!(s.lifetime, None);
    assert!(!s.browser_forbidden());
    assert_eq!(s.warnings.len(), 6, "{:?}", s.warnings);
    assert!(
        s.warnings[0].contains("'githib' is not one of github, ghes"),
        "{}",
        s.warnings[0]
    );
    assert!(
        s.warnings[5].contains("credential.patscope is not a setting"),
        "{}",
        s.warnings[5]
    );
}

#[test]
fn git_booleans_follow_git() {
    for t in ["true", "YES", "on", "1", "-1"] {
        assert_eq!(parse_bool(t), Some(true), "{t}");
    }
    for f in ["false", "No", "off", "0", ""] {
        assert_eq!(parse_bool(f), Some(false), "{f}");
    }
    assert_eq!(parse_bool("maybe"), None);
}

#[test]
fn recognises_its_own_helper_values_only() {
    assert!(is_ours("pat"));
    assert!(is_ours("pat --store=keyutils"));
    assert!(is_ours("/root/.local/bin/git-credential-pat --namespace=x"));
    assert!(is_ours("!'/a b/git-credential-pat' --namespace=x"));
    assert!(is_ours("!git credential-pat"));
    // What an older configure wrote, which git cannot run: replaced and removed as ours.
    assert!(is_ours("'/a b/git-credential-pat'"));
    assert!(!is_ours("store"));
    assert!(!is_ours("/usr/bin/git-credential-libsecret"));
    assert!(!is_ours("patch"));
    assert!(!is_ours("!f() { echo git-credential-pat; }; f"));
}

#[test]
fn helper_values_are_read_as_git_runs_them() {
    let words = |v: &str| helper_words(v).unwrap_or_default();
    assert_eq!(
        words("pat --namespace=x"),
        ["git-credential-pat", "--namespace=x"]
    );
    assert_eq!(
        words("!'/it'\\''s here/git-credential-pat' --store=keyutils"),
        ["/it's here/git-credential-pat", "--store=keyutils"]
    );
    assert_eq!(words("/usr/bin/x y"), ["/usr/bin/x", "y"]);
    assert_eq!(
        words("'/a b/git-credential-pat'"),
        ["git-credential-/a b/git-credential-pat"]
    );
    assert_eq!(helper_words(""), None);
    assert_eq!(helper_words("!'unclosed"), None);
    assert_eq!(
        helper_namespace("pat --store=keyutils --namespace=lab"),
        Some("lab".into())
    );
    assert_eq!(
        helper_namespace("!'/a b/git-credential-pat' --namespace lab2"),
        Some("lab2".into())
    );
    assert_eq!(helper_namespace("pat"), None);
    assert_eq!(helper_namespace("store --namespace=x"), None);
}

#[test]
fn a_path_that_needs_quoting_becomes_a_shell_command() {
    assert_eq!(
        helper_value_for_path("/home/u/.local/bin/git-credential-pat"),
        "/home/u/.local/bin/git-credential-pat"
    );
    let value = helper_value_for_path("/home/it's me/.local/bin/git-credential-pat");
    assert_eq!(value, "!'/home/it'\\''s me/.local/bin/git-credential-pat'");
    assert_eq!(
        helper_program(&value).as_deref(),
        Some("/home/it's me/.local/bin/git-credential-pat")
    );
}

#[test]
fn a_bare_api_url_or_forge_is_ignored_only_url_scoped_ones_count() {
    let mut s = HostSettings::parse(
        "credential.patapiurl\nhttps://evil.example/api\0credential.patforge\ngithub\0",
    );
    s.drop_unscoped(&[]);
    assert_eq!((s.forge.api_url, s.forge.kind), (None, None));
    let mut s = HostSettings::parse(
        "credential.patapiurl\nhttps://ghe.example/api/v3\0credential.patforge\nghes\0",
    );
    s.drop_unscoped(&[
        (
            "credential.https://ghe.example.patapiurl".into(),
            "https://ghe.example/api/v3".into(),
        ),
        (
            "credential.https://ghe.example.patforge".into(),
            "ghes".into(),
        ),
    ]);
    assert_eq!(
        s.forge.api_url.as_deref(),
        Some("https://ghe.example/api/v3")
    );
    assert_eq!(s.forge.kind, Some(ForgeKind::GitHubEnterpriseServer));
}

//! Unit tests of `src/commands/doctor.rs`, each a sentence of behaviour.
use super::*;
use crate::git::url_pattern_matches;

#[test]
fn a_container_is_told_by_its_variable_or_its_marker_files() {
    let none = |_: &str| false;
    assert_eq!(container_sign(None, none), None);
    assert_eq!(container_sign(Some("".into()), none), None);
    assert_eq!(
        container_sign(Some("podman".into()), none).as_deref(),
        Some("container=podman")
    );
    assert_eq!(
        container_sign(None, |p| p == "/run/.containerenv").as_deref(),
        Some("/run/.containerenv")
    );
    assert_eq!(
        container_sign(None, |p| p == "/.dockerenv").as_deref(),
        Some("/.dockerenv")
    );
}

#[test]
fn a_helper_at_a_quoted_path_with_a_space_is_found_only_in_the_form_git_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a b");
    std::fs::create_dir(&dir).unwrap();
    let bin = dir.join("git-credential-pat");
    std::fs::write(&bin, "").unwrap();
    let me = bin.canonicalize().unwrap();
    let mut r = Report { failures: 0 };
    let command = format!("!'{}' --namespace=x", bin.display());
    check_runs_me(&mut r, &command, Some(&me));
    assert_eq!(r.failures, 0, "{command}");
    // Without `!`, git runs `git credential-'/…'`, which is no command.
    let command = format!("'{}' --namespace=x", bin.display());
    check_runs_me(&mut r, &command, Some(&me));
    assert_eq!(r.failures, 1, "{command}");
}

#[test]
fn credential_url_patterns_match_as_git_matches_them() {
    assert!(url_pattern_matches("https://github.com", "github.com"));
    assert!(url_pattern_matches("https://github.com/", "github.com"));
    assert!(url_pattern_matches("github.com", "github.com"));
    assert!(url_pattern_matches(
        "https://*.example.com",
        "git.example.com"
    ));
    assert!(url_pattern_matches("https://", "github.com"));
    assert!(!url_pattern_matches("http://github.com", "github.com"));
    assert!(!url_pattern_matches("https://gitlab.com", "github.com"));
    assert!(!url_pattern_matches("https://*.example.com", "example.com"));
    assert!(!url_pattern_matches(
        "https://github.com:8443",
        "github.com"
    ));
}

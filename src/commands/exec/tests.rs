//! Unit tests of `src/commands/exec.rs`, each a sentence of behaviour.
use super::*;

#[test]
fn variable_names_are_checked() {
    assert!(is_variable_name("GITHUB_TOKEN"));
    assert!(is_variable_name("_x1"));
    for bad in ["", "1A", "A-B", "A=B", "A B", "É"] {
        assert!(!is_variable_name(bad), "{bad}");
    }
}

#[test]
fn names_that_programs_obey_are_refused_and_token_names_are_not() {
    for name in [
        "LD_PRELOAD",
        "ld_library_path",
        "DYLD_INSERT_LIBRARIES",
        "GIT_TRACE",
        "GIT_TRACE2_EVENT",
        "GIT_CONFIG_PARAMETERS",
        "BASH_ENV",
        "ENV",
        "SHELLOPTS",
        "PS4",
        "IFS",
        "PATH",
        "TMPDIR",
        "HOME",
        "https_proxy",
        "HTTPS_PROXY",
        "LC_ALL",
    ] {
        assert!(obeyed(name).is_some(), "{name}");
    }
    for name in [
        "GITHUB_TOKEN",
        "GITLAB_TOKEN",
        "GH_TOKEN",
        "GIT_TOKEN",
        "NAUTOBOT_TOKEN",
        "ENVIRONMENT_TOKEN",
        "PATH_TOKEN",
        "A",
    ] {
        assert_eq!(obeyed(name), None, "{name}");
    }
}

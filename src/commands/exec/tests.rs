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

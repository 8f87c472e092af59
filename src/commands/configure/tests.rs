//! Unit tests of `src/commands/configure.rs`, each a sentence of behaviour.
use super::*;

#[test]
fn hosts_are_plain_names_and_accept_an_https_prefix() {
    let hosts = vec!["https://gitlab.example.com:8443/".to_owned()];
    assert_eq!(
        hosts_or_default(&hosts).unwrap(),
        ["gitlab.example.com:8443"]
    );
    assert_eq!(hosts_or_default(&[]).unwrap(), ["github.com"]);
    assert!(hosts_or_default(&["a b".to_owned()]).is_err());
    assert!(hosts_or_default(&["x.com/evil".to_owned()]).is_err());
}

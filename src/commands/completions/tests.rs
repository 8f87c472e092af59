//! Unit tests of `src/commands/completions.rs`, each a sentence of behaviour.
use super::*;

#[test]
fn the_man_page_names_every_command_key_and_no_missing_page() {
    let page = String::from_utf8(manpage().unwrap()).unwrap();
    for word in [
        "login",
        "list",
        "logout",
        "token",
        "exec",
        "import",
        "configure",
        "doctor",
    ] {
        assert!(page.contains(&format!("credential\\-pat {word}")), "{word}");
    }
    for key in [
        "patForge",
        "patApiUrl",
        "patScopes",
        "patTokenType",
        "patBrowser",
        "patLifetime",
    ] {
        assert!(page.contains(&format!("credential.<url>.{key}")), "{key}");
    }
    for name in [crate::vault::NAMESPACE_ENV, cli::COPY_SECONDS_ENV] {
        assert!(page.contains(name), "{name}");
    }
    assert!(
        !page.contains("git\\-credential\\-pat\\-login(1)"),
        "{page}"
    );
    for section in [
        "OPTIONS",
        "COMMANDS",
        "ENVIRONMENT",
        "FILES",
        "EXAMPLES",
        "VERSION",
    ] {
        assert!(page.contains(&format!(".SH {section}")), "{section}");
    }
}

#[test]
fn completions_offer_no_hidden_command() {
    let names: Vec<String> = person_command()
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    assert!(names.contains(&"login".to_owned()), "{names:?}");
    for hidden in ["completions", "manpage", "get", "store", "erase"] {
        assert!(!names.contains(&hidden.to_owned()), "{names:?}");
    }
}

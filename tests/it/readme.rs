//! The README as a new user tries it: every `git credential-pat COMMAND` it mentions is a
//! command the binary knows (`COMMAND --help` succeeds), so that no instruction points at a
//! command that was renamed or never existed. Shell blocks that need the network or a stored
//! token say so in a first-line comment (`# network: …`) and are not run.

use crate::rig;

/// Every word following `git credential-pat ` in the README, e.g. `login`, `list`.
fn commands_in_readme() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read README.md");
    let mut words: Vec<String> = text
        .match_indices("git credential-pat ")
        .filter_map(|(at, m)| {
            let rest = &text[at + m.len()..];
            let word: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                .collect();
            (!word.is_empty() && !word.starts_with('-')).then_some(word)
        })
        .collect();
    words.sort();
    words.dedup();
    words
}

#[test]
fn every_command_the_readme_names_exists() {
    let words = commands_in_readme();
    for expected in [
        "login",
        "list",
        "logout",
        "token",
        "exec",
        "configure",
        "doctor",
    ] {
        assert!(words.iter().any(|w| w == expected), "{expected}: {words:?}");
    }
    let sb = rig::Sandbox::new();
    for word in &words {
        let out = sb.run(sb.helper().args([word.as_str(), "--help"]), "");
        assert_eq!(
            out.code, 0,
            "the README names `git credential-pat {word}`: {}",
            out.stderr
        );
    }
}

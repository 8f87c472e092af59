//! Unit tests of `src/cli.rs`, each a sentence of behaviour.
use super::*;

fn args(words: &[&str]) -> Vec<OsString> {
    std::iter::once("git-credential-pat")
        .chain(words.iter().copied())
        .map(OsString::from)
        .collect()
}

#[test]
fn gits_calls_are_recognised_without_clap() {
    let (op, ctx) = git_operation(&args(&["get"])).unwrap();
    assert_eq!(op, Operation::Get);
    assert_eq!(ctx.store, StoreChoice::Auto);
    let (op, ctx) =
        git_operation(&args(&["--store=keyutils", "--namespace", "lab", "erase"])).unwrap();
    assert_eq!(op, Operation::Erase);
    assert_eq!(ctx.store, StoreChoice::Keyutils);
    assert_eq!(ctx.namespace.as_deref(), Some("lab"));
}

#[test]
fn anything_else_goes_to_clap() {
    for words in [
        &["list"][..],
        &["get", "--store=keyutils"],
        &["--store=nope", "get"],
        &["--verbose", "get"],
        &["--store"],
        &[],
    ] {
        assert!(git_operation(&args(words)).is_none(), "{words:?}");
    }
}

#[test]
fn the_parser_is_well_formed() {
    <Cli as clap::CommandFactory>::command().debug_assert();
}

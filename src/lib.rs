//! git-credential-pat: a git credential helper that keeps personal access tokens in the OS
//! keychain and serves them to git for HTTPS only. docs/ARCHITECTURE.md follows a `get` from
//! stdin to the keychain and back and says what each module owns.

#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod cache;
// cli's doc comments are clap's help text, which a person reads in a terminal: a bare URL or a
// `credential.<url>.pat…` key there is meant as plain text, not as a link or an HTML tag.
#[allow(rustdoc::bare_urls, rustdoc::invalid_html_tags)]
pub mod cli;
pub mod commands;
pub mod ending;
pub mod expiry;
pub mod forge;
pub mod git;
pub mod helper;
pub mod host;
pub mod login;
pub mod plaintext;
pub mod protocol;
pub mod show;
#[allow(unsafe_code)]
pub mod sys;
pub mod tty;
pub mod vault;

//! git-credential-pat: a git credential helper that keeps personal access tokens in the OS
//! keychain and serves them to git for HTTPS only. docs/ARCHITECTURE.md follows a `get` from
//! stdin to the keychain and back and says what each module owns.

#![warn(missing_docs)]
#![deny(unsafe_code)]
// Only what the binary, the integration tests and the benchmark use is `pub`; the rest is
// `pub(crate)`, so that the compiler reports dead code. The docs are built with the private
// items (`cargo doc --document-private-items`), where a public item may link to the
// crate-private item it rests on.
#![allow(rustdoc::private_intra_doc_links)]

#[cfg(unix)]
pub(crate) mod agent;
pub(crate) mod cache;
// cli's doc comments are clap's help text, which a person reads in a terminal: a bare URL or a
// `credential.<url>.pat…` key there is meant as plain text, not as a link or an HTML tag.
#[allow(rustdoc::bare_urls, rustdoc::invalid_html_tags)]
pub mod cli;
pub(crate) mod commands;
pub mod ending;
pub mod expiry;
pub mod forge;
pub(crate) mod git;
pub mod helper;
pub mod host;
pub mod login;
pub(crate) mod plaintext;
pub mod protocol;
pub(crate) mod show;
#[allow(unsafe_code)]
pub mod sys;
pub mod tty;
pub mod vault;

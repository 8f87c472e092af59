//! git-credential-pat: a git credential helper that keeps personal access tokens in the OS
//! keychain and serves them to git for HTTPS only. The modules follow the data flow in
//! DESIGN.md: `protocol` reads git's request, `helper` applies `get`/`store`/`erase` to the
//! `vault`, and `protocol` writes the answer.

#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod config;
pub mod expiry;
pub mod forge;
pub mod helper;
pub mod login;
pub mod protocol;
#[allow(unsafe_code)]
pub mod sys;
pub mod vault;

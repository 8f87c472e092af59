//! The commands a person runs, one file each, each implementing [`crate::cli::Run`] for its
//! arguments. Commands never import each other: what two share lives in the module that owns
//! the concept (`git`, `show`, `helper`, `forge`, `vault`).

pub mod completions;
pub mod configure;
pub mod doctor;
pub mod exec;
pub mod import;
pub mod list;
pub mod login;
pub mod logout;
pub mod token;

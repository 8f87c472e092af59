//! The commands a person runs, one file each, each implementing [`crate::cli::Run`] for its
//! arguments. Commands never import each other: what two share lives in the module that owns
//! the concept (`git`, `show`, `helper`, `forge`, `vault`).

pub(crate) mod agent;
pub(crate) mod completions;
pub(crate) mod configure;
pub(crate) mod doctor;
pub(crate) mod exec;
pub(crate) mod import;
pub(crate) mod list;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod token;

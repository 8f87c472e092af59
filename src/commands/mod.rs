//! The commands a person runs, one file each.

pub mod configure;
pub mod login;

//! The commands a person runs, one file each.

pub mod configure;
pub mod doctor;
pub mod list;
pub mod login;
pub mod logout;

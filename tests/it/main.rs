//! The integration tests, compiled once as one test binary (`cargo test --test it`): the rig
//! in [`rig`], and one module per area of the helper's behaviour. Run one area with its
//! module path as the filter, e.g. `cargo test --test it login::`.

mod rig;

mod after_the_lab;
mod agent;
mod agent_setup;
mod agent_ssh;
mod agent_terminal;
mod architecture;
mod bounded_waits;
mod cache_files;
mod clients;
mod clipboard;
mod clone_push;
mod concurrency;
mod every_keychain;
mod fuzz;
mod git_credential;
mod hostile_input;
mod import;
mod install;
mod keychain_faults;
mod keyring_isolation;
mod lab_end;
mod login;
mod network_faults;
mod owners;
mod pick;
mod readme;
mod refusals;
mod replacing;
mod rig_smoke;
mod second_tool;
mod second_use;
mod secret_service_session;
mod secrets;
mod typos;
mod wording;

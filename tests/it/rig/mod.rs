//! The integration tests' test rig: an isolated git world per test (`Sandbox`), a private
//! Secret Service (`SecretService`) and a local HTTPS git server with Basic auth (`GitServer`).
//!
//! It owns every process the tests start behind the built binary: each daemon is killed when
//! its owner drops, including when a test panics, and a small watchdog shell kills them even
//! when the test process itself is killed (nextest timeouts, Ctrl-C), since `Drop` cannot run then.
//!
//! One file per concern: [`sandbox`] (the isolated git world and the helper binary),
//! [`secret_service`] (private D-Bus + gnome-keyring), [`git_server`] (nginx + fcgiwrap +
//! `git http-backend` over HTTPS), [`procs`] (process groups, the watchdog, timeouts, waiting),
//! [`keychain`] (a [`World`] on one of the real keychains), [`agent`] (a running
//! `git credential-pat agent` and its far side), [`ssh`] (a real sshd and a far account) and
//! [`forge_api`] (GitHub's `GET /user`, the one part imitated). This file holds what they
//! share: the CI rule for missing tools and the path helpers.

pub mod agent;
pub mod forge_api;
pub mod git_server;
pub mod keychain;
pub mod procs;
pub mod sandbox;
pub mod secret_service;
pub mod ssh;

pub use agent::Agent;
pub use git_server::GitServer;
pub use keychain::{Keychain, World, keychains, keyutils_entries};
pub use procs::{Output, run_with_timeout};
pub use sandbox::{DEBIAN_GIT, Sandbox, git_at_least, git_version, gits, helper_bin, sandboxed};
pub use secret_service::SecretService;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Now, in seconds since the Unix epoch (UTC): the tests' clock, for the times they store and
/// expect.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

/// Whether CI=true is set: then a missing keychain or server tool is a test failure (panic with
/// a clear message), never a silent skip. `CI=1` counts too, as some CI systems spell it so.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Skip the calling test, or fail it under CI: panics with `why` when [`in_ci`]; otherwise
/// prints `skipping <test>: <why>` on stderr, and the caller then returns.
pub fn skip(why: &str) {
    let current = std::thread::current();
    let test = current.name().unwrap_or("a rig thread");
    if in_ci() {
        panic!("CI=true and {test} cannot run: {why}; in CI that is a failure, not a skip");
    }
    eprintln!("skipping {test}: {why}");
}

/// Find each tool on PATH (plus the sbin dirs, where nginx and fcgiwrap live but a non-root
/// PATH may not look). When one is missing: None after [`skip`] (a note on stderr, or a panic
/// under CI).
pub fn require_tools(what: &str, names: &[&str]) -> Option<Vec<PathBuf>> {
    let mut found = Vec::new();
    for name in names {
        match find_tool(name) {
            Some(p) => found.push(p),
            None => {
                skip(&format!(
                    "{what} needs `{name}`, which is not installed (see .ci/run)"
                ));
                return None;
            }
        }
    }
    Some(found)
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// PATH for the daemons and the CGI: the caller's PATH plus the sbin dirs.
fn std_path() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    format!("{path}:/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin")
}

/// A temp dir for a rig, short enough for unix socket paths (108 bytes) even if TMPDIR is long.
fn rig_tempdir(prefix: &str) -> tempfile::TempDir {
    let base = std::env::temp_dir();
    let base = if path_str(&base).len() > 60 {
        PathBuf::from("/tmp")
    } else {
        base
    };
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(base)
        .expect("create a rig temp dir")
}

fn log_file(path: &Path) -> Stdio {
    fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(Stdio::from)
        .unwrap_or_else(|e| panic!("open log {}: {e}", path.display()))
}

fn read_log(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| format!("<cannot read {}: {e}>", path.display()))
}

fn path_str(p: &Path) -> &str {
    p.to_str()
        .unwrap_or_else(|| panic!("rig paths must be UTF-8: {}", p.display()))
}

/// Every file below `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file()
                && let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                hits.push(path.display().to_string());
            }
        }
    }
    hits
}

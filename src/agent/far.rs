//! The far side's setup, which installs nothing there: the git configuration that makes its git
//! ask the agent (environment variables only), the `ssh` command that carries the socket to a
//! lab VM, and the recipe for a container.
//!
//! Sources: git-config(1) "ENVIRONMENT" (`GIT_CONFIG_COUNT`, `GIT_CONFIG_KEY_<n>`,
//! `GIT_CONFIG_VALUE_<n>`, git 2.31+); gitcredentials(7) "credential.helper" (a value that is
//! not a path runs `git credential-<value>`; an empty value resets the list); ssh(1) `-R
//! remote_socket:local_socket` and `ExitOnForwardFailure`; sshd_config(5)
//! `StreamLocalBindUnlink` (off by default, so a socket file left by a dropped session blocks a
//! forward to the same path).

use std::ffi::OsString;
use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::process::Command;

/// Where a container sees the agent's socket, bind-mounted.
pub(crate) const CONTAINER_SOCKET: &str = "/run/git-credential-pat.sock";

/// The environment that makes a far side's git ask the agent at `socket`, and no other helper:
/// `credential.helper` reset (so that a `store` helper configured there, as workshops once
/// told people to, never writes the served token to a file), then git's own client
/// `cache --socket PATH`. As (name, value) pairs, in order.
pub(crate) fn git_config_env(socket: &str) -> Vec<(String, String)> {
    vec![
        ("GIT_CONFIG_COUNT".to_owned(), "2".to_owned()),
        (
            "GIT_CONFIG_KEY_0".to_owned(),
            "credential.helper".to_owned(),
        ),
        ("GIT_CONFIG_VALUE_0".to_owned(), String::new()),
        (
            "GIT_CONFIG_KEY_1".to_owned(),
            "credential.helper".to_owned(),
        ),
        ("GIT_CONFIG_VALUE_1".to_owned(), helper_value(socket)),
    ]
}

/// `cache --socket PATH`: the `credential.helper` value that runs git's own client, with the
/// path quoted as `sh` reads it (git runs the value through the shell, gitcredentials(7)).
pub(crate) fn helper_value(socket: &str) -> String {
    format!("cache --socket {}", shell_words::quote(socket))
}

/// [`git_config_env`] as shell assignments, `NAME=value` each, the value quoted where
/// needed (a quoted name would not be an assignment).
pub(crate) fn env_words(socket: &str) -> String {
    git_config_env(socket)
        .iter()
        .map(|(name, value)| assignment(name, value))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `NAME=value` as `sh` reads an assignment: `GIT_CONFIG_VALUE_0=`,
/// `GIT_CONFIG_VALUE_1='cache --socket /tmp/x.sock'`.
fn assignment(name: &str, value: &str) -> String {
    if value.is_empty() {
        format!("{name}=")
    } else {
        format!("{name}={}", shell_words::quote(value))
    }
}

/// What `--print-docker` prints for the agent's `socket`: the `agent` command line that starts
/// it there, a `docker run` line with the bind mount and the variables, and the same as a
/// devcontainer.json fragment (the Development Container Specification's `mounts` and
/// `containerEnv`).
pub(crate) fn docker_recipe(agent: &str, socket: &Path) -> String {
    let source = socket.display().to_string();
    let mount = format!("{}:{CONTAINER_SOCKET}", shell_words::quote(&source));
    let env = git_config_env(CONTAINER_SOCKET);
    let flags: Vec<String> = env
        .iter()
        .map(|(name, value)| format!("-e {}", assignment(name, value)))
        .collect();
    let json_env: Vec<String> = env
        .iter()
        .map(|(name, value)| format!("    {}: {}", json(name), json(value)))
        .collect();
    format!(
        "# on this machine, the agent (or its systemd unit):\n\
         {agent}\n\
         \n\
         # docker run, with the agent's socket and git told to ask it:\n\
         docker run -v {mount} {} IMAGE\n\
         \n\
         # devcontainer.json:\n\
         \"mounts\": [\n    {}\n],\n\
         \"containerEnv\": {{\n{}\n}}\n",
        flags.join(" "),
        json(&format!(
            "source={source},target={CONTAINER_SOCKET},type=bind"
        )),
        json_env.join(",\n"),
    )
}

/// `s` as a JSON string.
fn json(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// A new path for the far side's end of the forward: `/tmp/git-credential-pat-<16 hex>.sock`.
///
/// New for each session, so that a socket file a dropped session left behind never blocks the
/// next forward (sshd does not remove it unless the server sets `StreamLocalBindUnlink`). In
/// `/tmp`, which is open to every user, on purpose: git's credential-cache client starts its
/// own caching daemon when a `store` finds no socket, and that daemon refuses a socket
/// directory that others may enter, so a far side whose forward dropped can never start
/// keeping the token in memory there. sshd makes the socket the user's own, mode 0600
/// (`StreamLocalBindMask`). The name need not be secret, only new: the random state that
/// seeds std's hash maps (drawn from the operating system) makes it so.
pub(crate) fn remote_socket() -> String {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    format!("/tmp/git-credential-pat-{:016x}.sock", hasher.finish())
}

/// The shell script the far side runs: the variables of [`git_config_env`] for `remote`,
/// exported; then `command` (its words quoted as `sh` reads them) or, without one, the user's
/// login shell; at its end, however it ends, the forward's socket file is removed. Its exit
/// code is the command's.
pub(crate) fn far_script(remote: &str, command: &[String]) -> String {
    let names: Vec<String> = git_config_env(remote)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let run = if command.is_empty() {
        "\"${SHELL:-/bin/sh}\" -l".to_owned()
    } else {
        shell_words::join(command)
    };
    // The socket file goes whichever way the script ends: normally, or by a signal (a hung-up
    // session, a broken pipe once the connection is gone), each trapped so that it ends
    // through the EXIT trap.
    let remove = shell_words::quote(&format!("rm -f {}", shell_words::quote(remote))).into_owned();
    format!(
        "trap {remove} EXIT; trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; \
         trap 'exit 143' TERM; {}; export {}; {run}",
        env_words(remote),
        names.join(" "),
    )
}

/// What `agent --ssh` runs: `ssh -o ExitOnForwardFailure=yes [-o OPTION]... -R REMOTE:LOCAL
/// [-t] DESTINATION 'sh -c …'`, with [`far_script`] as the far side's command. `tty` asks for a
/// terminal there (the agent's own stdin is one and no command was given).
pub(crate) fn ssh_command(
    destination: &str,
    options: &[String],
    local: &Path,
    remote: &str,
    command: &[String],
    tty: bool,
) -> Command {
    let mut ssh = Command::new("ssh");
    ssh.args(["-o", "ExitOnForwardFailure=yes"]);
    for option in options {
        ssh.arg("-o").arg(option);
    }
    let mut forward = OsString::from(format!("{remote}:"));
    forward.push(local.as_os_str());
    ssh.arg("-R").arg(forward);
    if tty {
        ssh.arg("-t");
    }
    // `--` ends ssh's options, so that a destination such as `-oProxyCommand=…` is a host.
    ssh.arg("--").arg(destination);
    // ssh hands the far side's login shell one string; `sh -c` makes the script's syntax
    // POSIX whatever that shell is.
    ssh.arg(format!(
        "sh -c {}",
        shell_words::quote(&far_script(remote, command))
    ));
    ssh
}

#[cfg(test)]
mod tests;

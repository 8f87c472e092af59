//! The agent's own files and life: its socket is 0600 in a 0700 directory of its user; a stale
//! socket file is replaced and a live one refused; a directory open to others is refused;
//! `--for` and SIGTERM, SIGINT and SIGHUP end it and remove its socket; with no host to serve it
//! does not start, and by default it serves the hosts `configure` set up. Under socket
//! activation it serves the socket it was handed, and leaves it to systemd.

use super::{HOST, USER, answer, expiry, far_get, store_token, wait_requests};
use crate::rig::agent::is_socket;
use crate::rig::{Agent, Keychain, World};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::Path;

/// A world on the kernel keyring: what these tests check does not depend on the keychain.
fn world() -> World {
    World::new(Keychain::Keyutils)
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn my_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Makes `dir` with `mode` (and its parents as the umask says).
fn make_dir(dir: &Path, mode: u32) {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(dir)
        .unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The agent with `args` run to its end (it must end by itself within 30 seconds).
fn agent_run(w: &World, args: &[&str]) -> crate::rig::Output {
    w.helper_args(&[&["agent"], args].concat(), "")
}

fn assert_private(socket: &Path) {
    let dir = socket.parent().expect("the socket's directory");
    assert!(is_socket(socket), "{} is not a socket", socket.display());
    assert_eq!(mode(socket), 0o600, "{}", socket.display());
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    let owner = std::fs::metadata(dir).expect("stat").uid();
    assert_eq!(owner, my_uid(), "{} is not the agent user's", dir.display());
}

#[test]
fn its_socket_is_0600_in_a_0700_directory_of_its_own_user() {
    let w = world();
    let agent = Agent::start(&w, &["--host", HOST]);
    assert_private(&agent.socket);

    // The default place, below $XDG_RUNTIME_DIR.
    let mut w = world();
    let run = w.sb.dir.path().join("run");
    make_dir(&run, 0o700);
    w.sb.set_env("XDG_RUNTIME_DIR", run.to_str().expect("a UTF-8 path"));
    let socket = run.join("git-credential-pat").join("agent.sock");
    let mut cmd = w.sb.helper();
    cmd.arg(w.store_arg()).args(["agent", "--host", HOST]);
    let agent = Agent::spawn(&w.sb, cmd, socket);
    assert_private(&agent.socket);
}

#[test]
fn a_stale_socket_file_is_replaced() {
    let w = world();
    let expires = expiry();
    store_token(&w, HOST, expires);
    let socket = Agent::socket_in(&w.sb);
    make_dir(socket.parent().expect("a parent"), 0o700);
    // What a killed agent leaves: the file, with nothing listening.
    drop(std::os::unix::net::UnixListener::bind(&socket).expect("bind"));
    assert!(is_socket(&socket));
    assert!(std::os::unix::net::UnixStream::connect(&socket).is_err());

    let agent = Agent::start(&w, &["--host", HOST]);
    assert_private(&agent.socket);
    let far = agent.far_side();
    assert_eq!(far_get(&agent, &far, HOST), answer(expires));
}

#[test]
fn a_second_agent_on_a_live_socket_is_refused_and_the_first_goes_on() {
    let w = world();
    let expires = expiry();
    store_token(&w, HOST, expires);
    let agent = Agent::start(&w, &["--host", HOST]);
    let socket = agent.socket.to_str().expect("a UTF-8 path");
    let out = agent_run(&w, &["--socket", socket, "--host", HOST]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            1,
            "",
            format!(
                "git-credential-pat: another agent is serving on {socket}; stop it first, or \
                 give another --socket (if it is git's own credential-cache daemon, \
                 `git credential-cache --socket {socket} exit` stops it)\n"
            )
            .as_str()
        )
    );
    assert!(!agent.exited());
    let far = agent.far_side();
    assert_eq!(far_get(&agent, &far, HOST), answer(expires));
    assert_eq!(
        wait_requests(&agent, 1),
        [format!("get {HOST} ({USER}): served")]
    );
}

#[test]
fn a_socket_directory_open_to_others_or_of_another_user_is_refused() {
    for open in [0o755, 0o770, 0o701] {
        let w = world();
        let socket = Agent::socket_in(&w.sb);
        let dir = socket.parent().expect("a parent");
        make_dir(dir, open);
        let dir = dir.to_str().expect("a UTF-8 path");
        let out = agent_run(&w, &["--socket", socket.to_str().unwrap(), "--host", HOST]);
        assert_eq!(out.code, 1, "mode {open:o}: {}", out.stderr);
        assert_eq!(
            out.stderr.lines().count(),
            1,
            "mode {open:o}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(dir) && out.stderr.contains(&format!("chmod 700 {dir}")),
            "mode {open:o}: {}",
            out.stderr
        );
        assert!(!socket.exists(), "mode {open:o}: a socket was made");
        assert_eq!(
            mode(Path::new(dir)),
            open,
            "the agent changed the directory"
        );
    }
    if !rustix::process::geteuid().is_root() {
        // Not silent: under CI, rig::skip fails the test.
        crate::rig::skip("a directory of another user needs root to chown it");
        return;
    }
    let w = world();
    let socket = Agent::socket_in(&w.sb);
    let dir = socket.parent().expect("a parent");
    make_dir(dir, 0o700);
    std::os::unix::fs::chown(dir, Some(65534), Some(65534)).expect("chown");
    let out = agent_run(&w, &["--socket", socket.to_str().unwrap(), "--host", HOST]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains(dir.to_str().unwrap()), "{}", out.stderr);
    assert!(!socket.exists(), "a socket was made");
}

#[test]
fn for_a_duration_ends_the_agent_and_removes_its_socket() {
    let w = world();
    let agent = Agent::start(&w, &["--host", HOST, "--for", "2s"]);
    agent.wait_for_log("stopping: the --for time is over");
    assert_eq!(agent.wait_exit(), 0, "{}", agent.log());
    assert!(
        !agent.socket.exists(),
        "the socket is left: {}",
        agent.log()
    );
}

#[test]
fn sigterm_sigint_and_sighup_end_the_agent_and_remove_its_socket() {
    for signal in ["TERM", "INT", "HUP"] {
        let w = world();
        let agent = Agent::start(&w, &["--host", HOST]);
        if signal == "TERM" {
            agent.stop();
        } else {
            let kill = std::process::Command::new("kill")
                .args(["-s", signal, &agent.pid().to_string()])
                .status()
                .expect("run kill");
            assert!(kill.success());
        }
        assert_eq!(agent.wait_exit(), 0, "SIG{signal}: {}", agent.log());
        assert!(
            !agent.socket.exists(),
            "SIG{signal} left the socket: {}",
            agent.log()
        );
    }
}

#[test]
fn with_no_host_to_serve_it_does_not_start() {
    let w = world();
    let socket = Agent::socket_in(&w.sb);
    let out = agent_run(&w, &["--socket", socket.to_str().unwrap()]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            1,
            "",
            "git-credential-pat: no host to serve: give --host HOST or run \
             `git credential-pat configure HOST`\n"
        )
    );
    assert!(!socket.exists(), "a socket was made");
}

#[test]
fn by_default_it_serves_the_hosts_configure_set_up_and_no_other() {
    let w = world();
    let expires = expiry();
    store_token(&w, HOST, expires);
    store_token(&w, "other.lab.test", expires);
    let out = w.helper_args(&["configure", HOST], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let agent = Agent::start(&w, &[]);
    let far = agent.far_side();
    assert_eq!(far_get(&agent, &far, HOST), answer(expires));
    assert_eq!(far_get(&agent, &far, "other.lab.test"), "");
    assert_eq!(
        wait_requests(&agent, 2),
        [
            format!("get {HOST} ({USER}): served"),
            format!("get other.lab.test: not served: not one of this agent's hosts ({HOST})"),
        ]
    );
}

#[test]
fn a_host_outside_git_s_host_grammar_is_refused_at_start() {
    for bad in ["a b", "github.com:99999", "gith\u{7f}ub.com"] {
        let w = world();
        let socket = Agent::socket_in(&w.sb);
        let out = agent_run(&w, &["--socket", socket.to_str().unwrap(), "--host", bad]);
        assert_eq!(out.code, 1, "--host {bad:?}: {}", out.stderr);
        assert_eq!(
            out.stderr.lines().count(),
            1,
            "--host {bad:?}: {}",
            out.stderr
        );
        // The host came from the command line, not from git.
        assert!(
            out.stderr.starts_with("git-credential-pat: ")
                && !out.stderr.contains("request from git"),
            "--host {bad:?}: {}",
            out.stderr
        );
        assert!(!socket.exists(), "--host {bad:?}: a socket was made");
    }
}

#[test]
fn under_socket_activation_it_serves_the_socket_it_was_handed() {
    let Some(tools) = crate::rig::require_tools("this test", &["systemd-socket-activate"]) else {
        return;
    };
    let w = world();
    let expires = expiry();
    store_token(&w, HOST, expires);
    let socket = Agent::socket_in(&w.sb);
    make_dir(socket.parent().expect("a parent"), 0o700);
    // systemd-socket-activate(1) listens, then runs the agent with the socket as fd 3 and
    // LISTEN_FDS=1, LISTEN_PID=its own PID, as systemd does for a socket unit.
    let mut cmd = crate::rig::sandboxed(&w.sb, &tools[0]);
    // It hands the agent only the variables named with -E (and its LISTEN_* ones).
    let names: Vec<String> = cmd
        .get_envs()
        .filter(|(_, value)| value.is_some())
        .map(|(name, _)| name.to_string_lossy().into_owned())
        .collect();
    for name in names.iter().map(String::as_str).chain(["PATH"]) {
        cmd.args(["-E", name]);
    }
    cmd.arg("-l")
        .arg(&socket)
        .arg(crate::rig::helper_bin())
        .args([w.store_arg(), "agent", "--host", HOST]);
    let agent = Agent::spawn(&w.sb, cmd, socket);
    let far = agent.far_side();
    assert_eq!(far_get(&agent, &far, HOST), answer(expires));
    assert_eq!(
        wait_requests(&agent, 1),
        [format!("get {HOST} ({USER}): served")]
    );
    // The socket is systemd's (its socket unit listens on it again for the next start):
    // the agent leaves it when it ends.
    agent.stop();
    assert!(
        is_socket(&agent.socket),
        "the agent removed systemd's socket"
    );
}

/// A `--for` too long to add to the clock is no end at all: the agent serves, and does not
/// panic (it once did, after it had made its socket, and left the socket behind).
#[test]
fn a_for_longer_than_the_clock_can_count_means_no_end() {
    let w = world();
    let expires = expiry();
    store_token(&w, HOST, expires);
    let agent = Agent::start(&w, &["--host", HOST, "--for", "500000000000years"]);
    let far = agent.far_side();
    assert_eq!(far_get(&agent, &far, HOST), answer(expires));
    assert!(!agent.exited(), "{}", agent.log());
    agent.stop();
    assert!(!agent.socket.exists(), "{}", agent.log());
}

/// The line the agent prints for the far side is shell words: a socket path with a space in it
/// (quoted inside the helper value, since git runs `cache --socket …` through the shell) still
/// reaches the agent when the far side runs the printed assignments.
#[test]
fn the_printed_helper_line_works_for_a_socket_path_with_a_space() {
    let w = world();
    let expires = expiry();
    store_token(&w, HOST, expires);
    let dir = w.sb.dir.path().join("with space");
    make_dir(&dir, 0o700);
    let socket = dir.join("agent.sock");
    let mut cmd = w.sb.helper();
    cmd.arg(w.store_arg())
        .args(["agent", "--host", HOST, "--socket"])
        .arg(&socket);
    let agent = Agent::spawn(&w.sb, cmd, socket.clone());
    let printed = agent.wait_for_log("git on the far side uses it with ");
    let line = printed
        .lines()
        .find_map(|l| {
            l.split_once("git on the far side uses it with ")
                .map(|(_, v)| v)
        })
        .expect("the helper line")
        .to_owned();
    let far = crate::rig::Sandbox::new();
    let mut fill = crate::rig::sandboxed(&far, "sh");
    fill.args([
        "-c",
        &format!("{line}; export GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0 GIT_CONFIG_KEY_1 GIT_CONFIG_VALUE_1; git credential fill"),
    ]);
    let out = far.run(&mut fill, &format!("protocol=https\nhost={HOST}\n"));
    assert_eq!(
        (out.code, out.stdout),
        (
            0,
            format!("protocol=https\nhost={HOST}\n{}", answer(expires))
        ),
        "{}\nthe agent's log:\n{}",
        out.stderr,
        agent.log()
    );
}

/// ssh's `-R REMOTE:LOCAL` cannot carry a local path with a ':' in it: the agent says so before
/// it starts anything, instead of ending with ssh's "Bad remote forwarding specification".
#[test]
fn a_socket_path_with_a_colon_is_refused_for_ssh_before_anything_starts() {
    let w = world();
    let socket = w.sb.dir.path().join("a:b").join("agent.sock");
    let out = agent_run(
        &w,
        &[
            "--host",
            HOST,
            "--socket",
            socket.to_str().expect("a UTF-8 path"),
            "--ssh",
            "nowhere.invalid",
        ],
    );
    assert_eq!(
        (out.code, out.stderr),
        (
            1,
            format!(
                "git-credential-pat: --socket {}: ssh cannot forward a path with ':' in it; give \
                 another --socket\n",
                socket.display()
            )
        )
    );
    assert!(!socket.parent().expect("a directory").exists());
}

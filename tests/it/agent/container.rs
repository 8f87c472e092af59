//! A container stand-in: a mount namespace made by bubblewrap (bwrap(1)) that sees the system's
//! programs, a fresh /tmp and HOME, the network (for the local git server), and of the agent's
//! machine only its socket, bind-mounted at `/run/git-credential-pat.sock` as `docker run -v`
//! would. It is configured only by the `GIT_CONFIG_*` variables that `git credential-pat agent
//! --print-docker` prints (git-config(1), "ENVIRONMENT"), read from that output, so the test
//! proves the printed recipe; no file, key or socket of the agent's is visible in it, and no key's
//! secret can be read there; git 2.47 and Debian's 2.39 clone in it. The agent's own command
//! line in the recipe, run as printed, serves what the agent it was printed for serves.

use super::{HOST, TOKEN, USER, answer, expiry, far_get, shell_words, store_token, wait_requests};
use crate::rig::{self, Agent, GitServer, World, git_version, gits, keychains, run_with_timeout};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Where the container sees the socket, as `--print-docker` mounts it.
const MOUNTED: &str = "/run/git-credential-pat.sock";

/// The recipe `--print-docker` printed: the host side of its `-v HOST:/run/…` bind mount and
/// its `-e NAME=VALUE` variables, read as a shell reads the `docker run` line (its words are
/// shell-quoted for pasting).
struct Recipe {
    mount: String,
    env: Vec<(String, String)>,
}

/// The words of the first command in `printed` that starts with `start` (with its
/// `\`-continued lines), as a shell reads them: the recipe is printed for pasting.
fn command_words(sb: &rig::Sandbox, printed: &str, start: &str) -> Vec<String> {
    let mut command = String::new();
    let mut lines = printed
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(start));
    for line in lines.by_ref() {
        match line.strip_suffix('\\') {
            Some(part) => command.push_str(part),
            None => {
                command.push_str(line);
                break;
            }
        }
    }
    assert!(!command.is_empty(), "no `{start}` line in:\n{printed}");
    shell_words(sb, &command)
}

fn recipe(sb: &rig::Sandbox, printed: &str) -> Recipe {
    let words = command_words(sb, printed, "docker run");
    let mut mount = None;
    let mut env = Vec::new();
    for pair in words.windows(2) {
        match pair[0].as_str() {
            "-v" | "--volume" => {
                if let Some(host) = pair[1].strip_suffix(&format!(":{MOUNTED}")) {
                    mount = Some(host.to_owned());
                }
            }
            "-e" | "--env" => {
                if let Some((name, value)) = pair[1].split_once('=')
                    && name.starts_with("GIT_CONFIG_")
                {
                    env.push((name.to_owned(), value.to_owned()));
                }
            }
            _ => {}
        }
    }
    Recipe {
        mount: mount.unwrap_or_else(|| panic!("no `-v SOCKET:{MOUNTED}` in {words:?}")),
        env,
    }
}

/// bwrap's arguments for the system's top-level directories git needs: a directory is bound
/// read-only, a symbolic link (`/bin -> usr/bin` on a merged-/usr system) is made again.
fn system_dirs() -> Vec<String> {
    let mut args = Vec::new();
    for dir in ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc"] {
        match std::fs::read_link(dir) {
            Ok(target) => {
                let target = target.to_str().expect("a UTF-8 link").to_owned();
                args.extend(["--symlink".to_owned(), target, dir.to_owned()]);
            }
            Err(_) if Path::new(dir).is_dir() => {
                args.extend(["--ro-bind".to_owned(), dir.to_owned(), dir.to_owned()]);
            }
            Err(_) => {}
        }
    }
    args
}

/// The kernel keyring's keys of `namespace` as /proc/keys shows them to this process: their
/// ids, in hex.
fn key_ids(namespace: &str) -> Vec<String> {
    std::fs::read_to_string("/proc/keys")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(&format!("@git-credential-pat:{namespace}")))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// In the namespace: clone, show the README, then name anything of the agent's machine that is
/// visible (the paths given), any file under /tmp, HOME or /run that holds the token (read from
/// stdin, never an argument), any key of the agent's keychain namespace the kernel lists, and
/// any of the agent's keys (their ids in `$KEYS`, as if guessed) whose secret can be read.
const INSIDE: &str = r#"
git=$1 url=$2 namespace=$3; shift 3
IFS= read -r token
"$git" clone -q "$url" /tmp/lab || exit 10
cat /tmp/lab/README
for p in "$@"; do [ -e "$p" ] && echo "visible: $p"; done
grep -rlF -e "$token" /tmp "$HOME" /run 2>/dev/null | sed 's/^/holds the token: /'
grep -F -e "$namespace" /proc/keys 2>/dev/null | sed 's/^/a key: /'
if command -v keyctl >/dev/null; then
  p=$(keyctl get_persistent @s 2>/dev/null) && keyctl rlist "$p" 2>/dev/null | tr ' ' '\n' |
    while read -r id; do keyctl rdescribe "$id" 2>/dev/null; done | grep -F -e "$namespace" |
    sed 's/^/a persistent key: /'
  for id in $KEYS; do
    keyctl pipe "$((0x$id))" 2>/dev/null | grep -qF -e "$token" && echo "read the token from key $id"
  done
fi
exit 0
"#;

#[test]
fn a_container_configured_only_by_the_printed_variables_clones_through_the_mounted_socket() {
    let Some(tools) = rig::require_tools("the container stand-in", &["bwrap"]) else {
        return;
    };
    let Some(server) = GitServer::start(USER, TOKEN) else {
        return;
    };
    let host = server.host();
    let gits = gits();
    for kc in keychains() {
        let w = World::new(kc);
        // The Secret Service's D-Bus socket (in the agent's environment only): the container
        // must not see it either.
        let bus: Option<PathBuf> =
            w.sb.git()
                .get_envs()
                .find(|(k, _)| *k == "DBUS_SESSION_BUS_ADDRESS")
                .and_then(|(_, v)| v?.to_str()?.strip_prefix("unix:path=").map(PathBuf::from));
        store_token(&w, &host, expiry());
        let agent = Agent::start(&w, &["--host", &host]);
        let socket = agent.socket.to_str().expect("a UTF-8 path");
        let printed = w.helper_args(
            &[
                "agent",
                "--socket",
                socket,
                "--host",
                &host,
                "--print-docker",
            ],
            "",
        );
        assert_eq!(printed.code, 0, "--print-docker: {}", printed.stderr);
        assert!(
            printed.stdout.contains("\"mounts\"") && printed.stdout.contains("\"containerEnv\""),
            "no devcontainer.json snippet in:\n{}",
            printed.stdout
        );
        let recipe = recipe(&w.sb, &printed.stdout);
        assert_eq!(recipe.mount, socket, "the printed bind mount");
        assert!(
            recipe.env.iter().any(|(k, _)| k == "GIT_CONFIG_COUNT"),
            "no GIT_CONFIG_COUNT in {:?}",
            recipe.env
        );

        let mut hidden: Vec<PathBuf> = vec![
            w.sb.dir.path().to_owned(),
            w.sb.home.clone(),
            agent.socket.clone(),
            rig::helper_bin(),
        ];
        hidden.extend(bus);
        let keys = key_ids(&w.sb.namespace).join(" ");
        let mut served = 0;
        for git in &gits {
            let mut bwrap = Command::new(&tools[0]);
            bwrap
                .args(["--unshare-all", "--share-net", "--die-with-parent"])
                .args(system_dirs())
                .args(["--proc", "/proc", "--dev", "/dev"])
                // Docker hides the host's kernel keys from a container: /proc/keys is one of
                // its default masked paths (`docker inspect`: HostConfig.MaskedPaths), and its
                // seccomp profile refuses keyctl(2).
                .args(["--ro-bind", "/dev/null", "/proc/keys"])
                .args(["--tmpfs", "/tmp", "--tmpfs", "/home/far"])
                .arg("--ro-bind")
                .arg(&server.cert)
                .arg("/srv/git-server.pem")
                .arg("--bind")
                .arg(&agent.socket)
                .arg(MOUNTED)
                .args(["--chdir", "/home/far", "sh", "-c", INSIDE, "sh"])
                .arg(git)
                .arg(server.repo_url())
                .arg(&w.sb.namespace)
                .args(&hidden)
                .env_clear()
                .env("PATH", "/usr/local/bin:/usr/bin:/bin")
                .env("HOME", "/home/far")
                .env("LC_ALL", "C")
                .env("GIT_TERMINAL_PROMPT", "0")
                // The machine's own /etc/gitconfig is not the container's business.
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_SSL_CAINFO", "/srv/git-server.pem")
                .env("KEYS", &keys)
                .envs(recipe.env.iter().map(|(k, v)| (k, v)));
            let input = format!("{TOKEN}\n");
            let out = run_with_timeout(&mut bwrap, input.as_bytes(), Duration::from_secs(60));
            assert_eq!(
                (out.code, out.stdout.as_str()),
                (0, "seed\n"),
                "{} with git {}: {}\nthe agent's log:\n{}",
                w.name(),
                git_version(git),
                out.stderr,
                agent.log()
            );
            served += 1;
        }
        let lines = wait_requests(&agent, 2 * served);
        assert_eq!(
            lines
                .iter()
                .filter(|l| **l == format!("get {host} ({USER}): served"))
                .count(),
            served,
            "{}: {lines:?}",
            w.name()
        );
    }
}

#[test]
fn the_agent_command_line_in_the_printed_recipe_serves_the_hosts_and_keychain_it_was_printed_for() {
    for kc in keychains() {
        let w = World::new(kc);
        let expires = expiry();
        store_token(&w, HOST, expires);
        let socket = Agent::socket_in(&w.sb);
        let socket = socket.to_str().expect("a UTF-8 path");
        let printed = w.helper_args(
            &[
                "agent",
                "--socket",
                socket,
                "--host",
                HOST,
                "--print-docker",
            ],
            "",
        );
        assert_eq!(printed.code, 0, "--print-docker: {}", printed.stderr);
        let words = command_words(&w.sb, &printed.stdout, "git credential-pat ");
        // Run as printed, with the built binary for `git credential-pat`.
        let mut cmd = w.sb.helper();
        cmd.args(&words[2..]);
        let agent = Agent::spawn(&w.sb, cmd, socket.into());
        let far = agent.far_side();
        assert_eq!(far_get(&agent, &far, HOST), answer(expires), "{}", w.name());
        assert!(
            words.iter().any(|word| word == w.store_arg()),
            "{}: the printed agent does not use the keychain it was printed for: {words:?}",
            w.name()
        );
    }
}

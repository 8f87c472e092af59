//! The agent set up to run at login, as `./install.sh --agent` installs it: the systemd user
//! units from `contrib/systemd` (socket-activated) and the launchd agent from `contrib/launchd`.
//!
//! CI has no systemd user instance, so the units are checked by systemd's own tools instead:
//! `systemd-analyze verify` loads them as the user manager would (it fails on a bad line or an
//! `ExecStart` that names no executable), and `systemd-socket-activate` starts the installed
//! `ExecStart` the way systemd starts a socket-activated service (the listening socket as file
//! descriptor 3, `LISTEN_PID` and `LISTEN_FDS=1`, sd_listen_fds(3); only the environment it is
//! given), after which git on the far side is served through `git credential-cache --socket`.

use crate::install::install;
use crate::rig::{self, Agent, Sandbox, World};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const SOCKET_UNIT: &str = "git-credential-pat-agent.socket";
const SERVICE_UNIT: &str = "git-credential-pat-agent.service";
const TOKEN: &str = "ghp_AgentSetup000000000000000000000000001";

/// A file of the repository's `contrib/` directory.
fn contrib(path: &str) -> String {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("contrib")
        .join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()))
}

/// Where systemd reads a user's own units, in `sb`'s HOME (no XDG_CONFIG_HOME is set there).
fn units_dir(sb: &Sandbox) -> PathBuf {
    sb.home.join(".config/systemd/user")
}

/// `contrib/systemd`'s service with its `ExecStart` line as install.sh writes it for `bin`.
fn service_for(exec_start: &str) -> String {
    contrib(&format!("systemd/{SERVICE_UNIT}"))
        .lines()
        .map(|l| {
            if l.starts_with("ExecStart=") {
                exec_start.to_owned()
            } else {
                l.to_owned()
            }
        })
        .map(|l| l + "\n")
        .collect()
}

/// A private `XDG_RUNTIME_DIR` (0700) in `sb`, as systemd's user manager has one.
fn runtime_dir(sb: &Sandbox) -> PathBuf {
    let dir = sb.dir.path().join("run");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

/// `systemd-analyze --user verify` on the units installed in `sb`: loads them as the user
/// manager would. The Documentation= man page is not looked up (`--man=no`): that needs
/// man-db, and says nothing about whether the units run.
fn verify_units(sb: &Sandbox) -> rig::Output {
    let units = units_dir(sb);
    let mut cmd = rig::sandboxed(sb, "systemd-analyze");
    cmd.env("XDG_RUNTIME_DIR", runtime_dir(sb))
        .args(["--user", "verify", "--man=no"])
        .arg(units.join(SOCKET_UNIT))
        .arg(units.join(SERVICE_UNIT));
    sb.run(&mut cmd, "")
}

#[test]
fn install_help_lists_the_agent_option() {
    let sb = Sandbox::new();
    let out = install(&sb, &sb.dir.path().join("prefix"), &["--help"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("./install.sh --agent ")
            && out.stdout.contains("systemd user units")
            && out.stdout.contains("launchd"),
        "{}",
        out.stdout
    );
    assert!(!sb.dir.path().join("prefix").exists(), "--help installed");
}

/// `./install.sh --binary FILE --agent` without a systemd user instance (CI, a container):
/// the units land in ~/.config/systemd/user, the socket as contrib/ has it and the service
/// with `ExecStart` naming the installed binary, systemd's verifier accepts them, and the
/// output says the two commands to run once `systemctl --user` answers. A later install
/// without `--agent` keeps them; `--uninstall` removes them with the binary.
#[test]
fn install_agent_writes_units_for_the_installed_binary_and_uninstall_removes_them() {
    if rig::require_tools(
        "the agent's systemd units",
        &["systemctl", "systemd-analyze"],
    )
    .is_none()
    {
        return;
    }
    let sb = Sandbox::new();
    let prefix = sb.dir.path().join("prefix");
    let bin = prefix.join("bin/git-credential-pat");
    let given = rig::helper_bin();
    let out = install(
        &sb,
        &prefix,
        &["--binary", given.to_str().unwrap(), "--agent"],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let units = units_dir(&sb);
    assert!(
        out.stdout.contains(&format!(
            "Installed the agent's systemd units in {}, but systemctl --user does not answer in this session; once it does (in a login session), run:\n      systemctl --user daemon-reload && systemctl --user enable --now {SOCKET_UNIT}\n",
            units.display()
        )),
        "{}",
        out.stdout
    );
    let socket = std::fs::read_to_string(units.join(SOCKET_UNIT)).unwrap();
    assert_eq!(socket, contrib(&format!("systemd/{SOCKET_UNIT}")));
    for line in [
        "ListenStream=%t/git-credential-pat/agent.sock",
        "SocketMode=0600",
        "DirectoryMode=0700",
    ] {
        assert!(socket.lines().any(|l| l == line), "{line}: {socket}");
    }
    let service = std::fs::read_to_string(units.join(SERVICE_UNIT)).unwrap();
    assert_eq!(
        service,
        service_for(&format!("ExecStart={} agent", bin.display()))
    );
    let verified = verify_units(&sb);
    assert_eq!(
        verified.code, 0,
        "systemd-analyze verify: {}{}",
        verified.stdout, verified.stderr
    );

    let again = install(&sb, &prefix, &["--binary", given.to_str().unwrap()]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.contains("Installed the agent's systemd units"),
        "{}",
        again.stdout
    );
    assert_eq!(
        std::fs::read_to_string(units.join(SERVICE_UNIT)).unwrap(),
        service
    );

    let out = install(&sb, &prefix, &["--uninstall"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!(
            "Removed the agent's systemd units from {}\n",
            units.display()
        )),
        "{}",
        out.stdout
    );
    assert!(!units.join(SOCKET_UNIT).exists() && !units.join(SERVICE_UNIT).exists());
    assert!(!bin.exists());
}

/// A prefix holding a space and a percent sign (`/…/Jo Neil 100%/bin`): the `ExecStart` line
/// quotes the path and doubles the `%`, which systemd would otherwise expand
/// (systemd.service(5), "Command lines"), and systemd's verifier finds that very executable.
#[test]
fn a_binary_path_with_a_space_and_a_percent_sign_is_one_systemd_word() {
    if rig::require_tools(
        "the agent's systemd units",
        &["systemctl", "systemd-analyze"],
    )
    .is_none()
    {
        return;
    }
    let sb = Sandbox::new();
    let prefix = sb.dir.path().join("Jo Neil 100%");
    let bin = prefix.join("bin/git-credential-pat");
    install_agent_at(&sb, &prefix);
    assert_eq!(
        std::fs::read_to_string(units_dir(&sb).join(SERVICE_UNIT)).unwrap(),
        service_for(&format!(
            "ExecStart=\"{}\" agent",
            bin.display().to_string().replace('%', "%%")
        ))
    );
    let verified = verify_units(&sb);
    assert_eq!(
        verified.code, 0,
        "systemd-analyze verify: {}{}",
        verified.stdout, verified.stderr
    );
    // The same check fails on a path that names nothing, so the pass above means that systemd
    // read the quoted path as the installed binary.
    std::fs::remove_file(&bin).unwrap();
    let missing = verify_units(&sb);
    assert!(
        missing.code != 0 && missing.stderr.contains("is not executable"),
        "{}",
        missing.stderr
    );
}

/// A prefix holding a quote (`/…/Jo O'Neil/bin`): systemd refuses such an executable name
/// ("Executable name contains special characters"), so the path goes to /bin/sh as an
/// argument, which systemd's verifier accepts.
#[test]
fn a_binary_path_with_a_quote_is_run_through_sh() {
    if rig::require_tools(
        "the agent's systemd units",
        &["systemctl", "systemd-analyze"],
    )
    .is_none()
    {
        return;
    }
    let sb = Sandbox::new();
    let prefix = sb.dir.path().join("Jo O'Neil");
    install_agent_at(&sb, &prefix);
    assert_eq!(
        std::fs::read_to_string(units_dir(&sb).join(SERVICE_UNIT)).unwrap(),
        service_for(&format!(
            "ExecStart=/bin/sh -c \"exec \\\"$$0\\\" agent\" \"{}\"",
            prefix.join("bin/git-credential-pat").display()
        ))
    );
    let verified = verify_units(&sb);
    assert_eq!(
        verified.code, 0,
        "systemd-analyze verify: {}{}",
        verified.stdout, verified.stderr
    );
}

/// `./install.sh --agent --binary <the built helper>` with `PREFIX=prefix`, asserted to succeed.
fn install_agent_at(sb: &Sandbox, prefix: &Path) {
    let given = rig::helper_bin();
    let out = install(
        sb,
        prefix,
        &["--agent", "--binary", given.to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

/// The installed pair serves: a token is stored, `install.sh --agent` writes the units, and
/// their `ExecStart` runs under `systemd-socket-activate` on the socket unit's `ListenStream`
/// (with `%t` the service's `XDG_RUNTIME_DIR`, its directory `DirectoryMode`), given only the
/// environment a user service has. git 2.39 and 2.47 on the far side, pointed at the socket by
/// `cache --socket`, are served the token; the agent took the inherited socket, and leaves it
/// in place when it stops, since systemd goes on listening on it.
#[test]
fn the_installed_units_serve_a_stored_token_through_socket_activation() {
    let Some(tools) = rig::require_tools(
        "the agent's systemd units",
        &["systemctl", "systemd-socket-activate"],
    ) else {
        return;
    };
    for kc in rig::keychains() {
        let w = World::new(kc);
        w.approve(&format!(
            "protocol=https\nhost=github.com\nusername=alice\npassword={TOKEN}\n"
        ));
        let prefix = w.sb.dir.path().join("prefix");
        let given = rig::helper_bin();
        let out = install(
            &w.sb,
            &prefix,
            &["--binary", given.to_str().unwrap(), "--agent"],
        );
        assert_eq!(out.code, 0, "{}: {}{}", w.name(), out.stdout, out.stderr);
        let units = units_dir(&w.sb);
        let unit = |name: &str, key: &str| -> String {
            let text = std::fs::read_to_string(units.join(name)).unwrap();
            text.lines()
                .find_map(|l| l.strip_prefix(key))
                .unwrap_or_else(|| panic!("{name} has no {key}: {text}"))
                .to_owned()
        };
        let run = runtime_dir(&w.sb);
        let socket =
            PathBuf::from(unit(SOCKET_UNIT, "ListenStream=").replace("%t", run.to_str().unwrap()));
        let mode = u32::from_str_radix(&unit(SOCKET_UNIT, "DirectoryMode="), 8).unwrap();
        std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
        std::fs::set_permissions(
            socket.parent().unwrap(),
            std::fs::Permissions::from_mode(mode),
        )
        .unwrap();
        let exec_start = unit(SERVICE_UNIT, "ExecStart=");
        let argv: Vec<&str> = exec_start.split_whitespace().collect();
        assert_eq!(
            argv,
            [
                prefix.join("bin/git-credential-pat").to_str().unwrap(),
                "agent"
            ]
        );

        // systemd-socket-activate passes on only HOME, PATH, TERM and USER, plus each `-E`;
        // a user service gets the user manager's environment, here the sandbox's.
        let mut cmd = rig::sandboxed(&w.sb, &tools[1]);
        cmd.env("XDG_RUNTIME_DIR", &run).arg("-l").arg(&socket);
        let names: Vec<String> = cmd
            .get_envs()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k.to_string_lossy().into_owned())
            .collect();
        for name in names {
            cmd.arg("-E").arg(name);
        }
        cmd.args(&argv);
        let agent = Agent::spawn(&w.sb, cmd, socket.clone());

        for git in rig::gits() {
            let mut far = agent.far_side();
            far.set_git(&git);
            let out = far.run(
                far.git().args(["credential", "fill"]),
                "protocol=https\nhost=github.com\n",
            );
            assert_eq!(
                (out.code, out.stdout.as_str()),
                (
                    0,
                    format!("protocol=https\nhost=github.com\nusername=alice\npassword={TOKEN}\n")
                        .as_str()
                ),
                "{} with git {}: {}\nthe agent's log:\n{}",
                w.name(),
                rig::git_version(&git),
                out.stderr,
                agent.log()
            );
        }
        let log = agent.wait_for_log("get github.com (alice): served");
        assert!(!log.contains(TOKEN), "{log}");
        // Listening on its own default socket instead, it would have made this directory's
        // socket itself, or refused it as another agent's.
        assert!(rig::agent::is_socket(&socket));
        agent.stop();
        assert!(
            rig::agent::is_socket(&socket),
            "{}: the agent removed the socket systemd listens on; its log:\n{}",
            w.name(),
            agent.log()
        );
    }
}

/// contrib/launchd's plist is a property list (read by Python's plistlib, as `plutil -lint`
/// would on macOS) that runs `git-credential-pat agent` at login and again whenever it ends,
/// with the two paths install.sh writes over in the lines it looks for.
#[test]
fn the_launchd_plist_runs_the_agent_at_login_and_keeps_it_alive() {
    let Some(tools) = rig::require_tools("the launchd plist check", &["python3"]) else {
        return;
    };
    let plist = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("contrib/launchd/git-credential-pat.agent.plist");
    let mut cmd = std::process::Command::new(&tools[0]);
    cmd.args([
        "-c",
        "import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], 'rb')), sort_keys=True))",
    ])
    .arg(&plist);
    let out = rig::run_with_timeout(&mut cmd, b"", rig::procs::RUN_TIMEOUT);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.trim(),
        r#"{"KeepAlive": true, "Label": "git-credential-pat.agent", "ProgramArguments": ["/Users/you/.local/bin/git-credential-pat", "agent"], "RunAtLoad": true, "StandardErrorPath": "/Users/you/Library/Logs/git-credential-pat-agent.log"}"#
    );
    let text = contrib("launchd/git-credential-pat.agent.plist");
    for end in [
        "/git-credential-pat</string>",
        "/git-credential-pat-agent.log</string>",
    ] {
        assert_eq!(
            text.lines().filter(|l| l.ends_with(end)).count(),
            1,
            "install.sh replaces the one line ending in {end}"
        );
    }
}

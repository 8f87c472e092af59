//! A private Secret Service per test ([`SecretService`]): its own `dbus-daemon` and an
//! unlocked gnome-keyring `login` collection, and ways to read and lock it from outside the
//! helper (`secret-tool`, `dbus-send`).

use super::procs::{Procs, RUN_TIMEOUT, START_TIMEOUT, run_with_timeout, wait_until};
use super::sandbox::Sandbox;
use super::{log_file, path_str, read_log, require_tools, rig_tempdir, std_path};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A private Secret Service: a `dbus-daemon --session` on a unix socket in a temp dir, and gnome-keyring-daemon with a `login`
/// keyring created and unlocked non-interactively (`printf pw | gnome-keyring-daemon --unlock --components=secrets` with HOME set to
/// a private temp home that has .cache and .local/share; see REFERENCE §2 for the leak trap: wait until org.freedesktop.secrets is
/// owned on the bus, find the daemon's PID via D-Bus (GetConnectionUnixProcessID) and kill it by PID in Drop; also kill dbus-daemon).
///
/// The bus has no service directories, so nothing is ever D-Bus-activated on it: a client that
/// asks for org.freedesktop.secrets after the daemon is gone gets an error instead of spawning
/// a stray gnome-keyring. gnome-keyring runs with `--foreground` so it stays our child.
pub struct SecretService {
    procs: Procs,
    address: String,
    home: PathBuf,
    runtime_dir: PathBuf,
    keyring_pid: u32,
    dbus_pid: u32,
    // Last, so the daemons are dead (Procs' Drop) before their files are removed.
    _dir: tempfile::TempDir,
}

/// One item as `secret-tool search` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeychainItem {
    /// The D-Bus object path, e.g. `/org/freedesktop/secrets/collection/login/1` (shown as `/1`).
    pub path: String,
    /// The item's label.
    pub label: String,
    /// The secret as text; multi-line secrets keep their inner newlines.
    pub secret: String,
    /// The item's attributes (e.g. `service`, `username`, `xdg:schema`).
    pub attributes: BTreeMap<String, String>,
}

const KEYRING_PASSWORD: &str = "rig-login-password";

impl SecretService {
    /// Start one. Returns None when dbus-daemon or gnome-keyring-daemon is not installed and !in_ci(); panics when in_ci() and missing,
    /// or when startup fails. Must be fast (tens of ms) and robust when many tests start their own concurrently (cargo nextest runs tests
    /// in parallel processes), with a bounded wait (e.g. 10 s) for the bus name.
    ///
    /// Ready means: org.freedesktop.secrets is owned and the `login` collection reports
    /// `Locked = false`, so the first store cannot race the daemon's startup.
    pub fn start() -> Option<SecretService> {
        let tools = require_tools(
            "SecretService",
            &[
                "dbus-daemon",
                "gnome-keyring-daemon",
                "dbus-send",
                "secret-tool",
            ],
        )?;
        let (dbus_daemon, gnome_keyring) = (&tools[0], &tools[1]);

        let dir = rig_tempdir("gcp-ss-");
        let home = dir.path().join("home");
        let runtime_dir = dir.path().join("run");
        fs::create_dir_all(home.join(".cache")).expect("create secret service home/.cache");
        fs::create_dir_all(home.join(".local/share")).expect("create home/.local/share");
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&runtime_dir)
            .expect("create secret service XDG_RUNTIME_DIR");
        let socket = dir.path().join("bus");
        let address = format!("unix:path={}", path_str(&socket));
        let config = dir.path().join("bus.conf");
        fs::write(&config, bus_config(&socket)).expect("write bus.conf");

        let mut procs = Procs::new();
        let dbus_log = dir.path().join("dbus.log");
        let mut dbus = Command::new(dbus_daemon);
        dbus.arg(format!("--config-file={}", path_str(&config)))
            .args(["--nofork", "--nopidfile"])
            .env_clear()
            .env("PATH", std_path())
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file(&dbus_log));
        let dbus_pid = procs.spawn(&mut dbus, false);
        let bus_up = wait_until(START_TIMEOUT, || {
            if UnixStream::connect(&socket).is_ok() {
                return Some(Ok(()));
            }
            procs.exited(dbus_pid).then_some(Err(()))
        });
        match bus_up {
            Some(Ok(())) => {}
            Some(Err(())) => panic!(
                "dbus-daemon exited during startup; its log:\n{}",
                read_log(&dbus_log)
            ),
            None => panic!(
                "dbus-daemon did not listen on {} within {START_TIMEOUT:?}; its log:\n{}",
                socket.display(),
                read_log(&dbus_log)
            ),
        }

        let keyring_log = dir.path().join("gnome-keyring.log");
        let mut keyring = Command::new(gnome_keyring);
        keyring
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env_clear()
            .env("PATH", std_path())
            .env("HOME", &home)
            .env("XDG_RUNTIME_DIR", &runtime_dir)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("LC_ALL", "C")
            .stdin(Stdio::piped())
            .stdout(log_file(&keyring_log))
            .stderr(log_file(&keyring_log));
        let keyring_pid = procs.spawn(&mut keyring, true);
        // The password is read up to EOF, so the pipe must be closed, not just written.
        if let Some(mut stdin) = procs.take_stdin(keyring_pid) {
            stdin
                .write_all(KEYRING_PASSWORD.as_bytes())
                .expect("write the login keyring password to gnome-keyring-daemon");
        }

        let mut ss = SecretService {
            procs,
            address,
            home,
            runtime_dir,
            keyring_pid,
            dbus_pid,
            _dir: dir,
        };
        let owner = wait_until(START_TIMEOUT, || {
            if let Some(pid) = ss.secrets_owner_pid() {
                return Some(Ok(pid));
            }
            ss.procs.exited(keyring_pid).then_some(Err(()))
        });
        let owner = match owner {
            Some(Ok(pid)) => pid,
            Some(Err(())) => panic!(
                "gnome-keyring-daemon exited during startup; its log:\n{}",
                read_log(&keyring_log)
            ),
            None => panic!(
                "org.freedesktop.secrets was not owned on {} within {START_TIMEOUT:?}; gnome-keyring log:\n{}",
                ss.address,
                read_log(&keyring_log)
            ),
        };
        if owner != keyring_pid {
            // Not expected (nothing can be activated on this bus), but whoever owns the name is
            // a daemon this rig started and must die with it.
            ss.procs.watch(&owner.to_string());
        }
        if wait_until(START_TIMEOUT, || ss.login_unlocked().then_some(())).is_none() {
            panic!(
                "the login collection on {} did not become unlocked within {START_TIMEOUT:?}; gnome-keyring log:\n{}",
                ss.address,
                read_log(&keyring_log)
            );
        }
        Some(ss)
    }

    /// The daemon's HOME, where gnome-keyring keeps its (encrypted) keyring files.
    pub fn home_dir(&self) -> PathBuf {
        self.home.clone()
    }

    /// Point a sandbox's git()/helper() commands at this Secret Service (sets DBUS_SESSION_BUS_ADDRESS).
    pub fn attach(&self, sandbox: &mut Sandbox) {
        sandbox.set_env("DBUS_SESSION_BUS_ADDRESS", &self.address);
    }

    /// PIDs of dbus-daemon and gnome-keyring-daemon, for tests that check nothing outlives the rig.
    pub fn pids(&self) -> Vec<u32> {
        vec![self.dbus_pid, self.keyring_pid]
    }

    /// A `secret-tool` Command talking to this bus only (e.g. to plant or read items directly).
    pub fn secret_tool(&self) -> Command {
        let mut cmd = Command::new("secret-tool");
        self.bus_env(&mut cmd);
        cmd
    }

    /// Run `secret-tool search --all service <service>`-like inspection: return the raw stdout of
    /// `secret-tool search --all --unlock service <service>` run on this bus (for assertions about what the keychain holds).
    ///
    /// libsecret 0.20 prints the `attribute.* = …` lines on stderr, so stderr is merged into the
    /// same pipe (each line lands in order, under its item's `[path]`). Empty when nothing matches.
    pub fn search_service(&self, service: &str) -> String {
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "exec secret-tool search --all --unlock service \"$1\" 2>&1",
            "sh",
            service,
        ]);
        self.bus_env(&mut cmd);
        run_with_timeout(&mut cmd, b"", RUN_TIMEOUT).stdout
    }

    /// Lock the `login` collection, to test how the helper copes with a locked keychain.
    /// There is no way back: unlocking needs a prompter, and none can be activated on this bus,
    /// so a client's unlock attempt fails at once (it does not hang).
    pub fn lock(&self) {
        let reply = self.dbus_send(&[
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ]);
        assert!(
            reply.is_some() && !self.login_unlocked(),
            "could not lock the login collection on {}",
            self.address
        );
    }

    /// The items whose `service` attribute is `service`, parsed from `search_service`.
    pub fn items(&self, service: &str) -> Vec<KeychainItem> {
        parse_secret_tool_search(&self.search_service(service))
    }

    fn bus_env(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", std_path())
            .env("HOME", &self.home)
            .env("XDG_RUNTIME_DIR", &self.runtime_dir)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("LC_ALL", "C")
            .stdin(Stdio::null());
    }

    fn dbus_send(&self, args: &[&str]) -> Option<String> {
        let mut cmd = Command::new("dbus-send");
        cmd.arg(format!("--bus={}", self.address))
            .arg("--print-reply")
            .args(args);
        self.bus_env(&mut cmd);
        let out = run_with_timeout(&mut cmd, b"", START_TIMEOUT);
        (out.code == 0).then_some(out.stdout)
    }

    fn secrets_owner_pid(&self) -> Option<u32> {
        let reply = self.dbus_send(&[
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.secrets",
        ])?;
        reply
            .split_whitespace()
            .skip_while(|w| *w != "uint32")
            .nth(1)?
            .parse()
            .ok()
    }

    fn login_unlocked(&self) -> bool {
        self.dbus_send(&[
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets/collection/login",
            "org.freedesktop.DBus.Properties.Get",
            "string:org.freedesktop.Secret.Collection",
            "string:Locked",
        ])
        .is_some_and(|reply| reply.contains("boolean false"))
    }
}

fn bus_config(socket: &Path) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        xml_escape(path_str(socket))
    )
}

fn parse_secret_tool_search(text: &str) -> Vec<KeychainItem> {
    let mut items: Vec<KeychainItem> = Vec::new();
    let mut in_secret = false;
    for line in text.lines() {
        let is_field = [
            "label = ",
            "secret = ",
            "created = ",
            "modified = ",
            "schema = ",
        ]
        .iter()
        .any(|p| line.starts_with(p))
            || line.starts_with("attribute.")
            || (line.starts_with('[') && line.ends_with(']'));
        if in_secret && !is_field {
            if let Some(item) = items.last_mut() {
                item.secret.push('\n');
                item.secret.push_str(line);
            }
            continue;
        }
        in_secret = false;
        if line.starts_with('[') && line.ends_with(']') {
            items.push(KeychainItem {
                path: line[1..line.len() - 1].to_owned(),
                ..KeychainItem::default()
            });
            continue;
        }
        let Some(item) = items.last_mut() else {
            continue;
        };
        if let Some(v) = line.strip_prefix("label = ") {
            item.label = v.to_owned();
        } else if let Some(v) = line.strip_prefix("secret = ") {
            item.secret = v.to_owned();
            in_secret = true;
        } else if let Some(rest) = line.strip_prefix("attribute.")
            && let Some((k, v)) = rest.split_once(" = ")
        {
            item.attributes.insert(k.to_owned(), v.to_owned());
        }
    }
    items
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

//! The integration tests' test rig: an isolated git world per test (`Sandbox`), a private
//! Secret Service (`SecretService`) and a local HTTPS git server with Basic auth (`GitServer`).
//!
//! It owns every process the tests start behind the built binary: each daemon is killed when
//! its owner drops, including when a test panics, and a small watchdog shell kills them even
//! when the test process itself is killed (nextest timeouts, Ctrl-C), since `Drop` cannot run then.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::fd::OwnedFd;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long `Sandbox::run` lets a command live before it counts as hung.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a daemon may take to become ready before startup counts as failed.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Path of the built helper binary: env!("CARGO_BIN_EXE_git-credential-pat").
pub fn helper_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_git-credential-pat"))
}

/// Whether CI=true is set: then a missing keychain or server tool is a test failure (panic with
/// a clear message), never a silent skip. `CI=1` counts too, as some CI systems spell it so.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// The result of `Sandbox::run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The exit code, or 128 + the signal number when the process was killed by a signal
    /// (the shell's convention), so a crash never looks like success.
    pub code: i32,
    /// Everything the process wrote to stdout (lossy UTF-8).
    pub stdout: String,
    /// Everything the process wrote to stderr (lossy UTF-8).
    pub stderr: String,
}

// Environment variables that would let the developer's or the machine's setup leak into a test:
// a real session bus or display, prompts, and the real user's XDG directories. Every `GIT_*`
// variable is removed too (see `isolated`), which covers GIT_SSL_CAINFO, GIT_ASKPASS,
// GIT_CONFIG_PARAMETERS and a GIT_DIR set by a hook that runs `cargo test`.
const LEAKY_VARS: &[&str] = &[
    "SSH_ASKPASS",
    "DBUS_SESSION_BUS_ADDRESS",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XDG_RUNTIME_DIR",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "XDG_STATE_HOME",
    "GH_TOKEN",
    "GITHUB_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GITLAB_TOKEN",
    "BROWSER",
];

/// A temporary, isolated world for one test.
pub struct Sandbox {
    /// The temp dir holding everything below; removed when the Sandbox drops.
    pub dir: tempfile::TempDir,
    /// `<dir>/home`, the HOME of every command (it has `.cache`, which gnome-keyring and others expect).
    pub home: PathBuf,
    /// This test's own keychain namespace (`GIT_CREDENTIAL_PAT_NAMESPACE`), unique across
    /// processes and threads, so parallel tests never see each other's entries.
    pub namespace: String,
    gitconfig: PathBuf,
    extra_env: Vec<(String, String)>,
}

impl Sandbox {
    /// New temp dir with HOME=<dir>/home (with home/.cache created), an empty global git config file at <dir>/gitconfig,
    /// and a unique namespace string (e.g. "t-<pid>-<counter>-<nanos>") so tests never see each other's keychain entries.
    ///
    /// `BROWSER` points at `<dir>/browser.sh`, which only records its arguments (see
    /// `browser_urls`), so no test can open a real browser; override it with `set_env`.
    pub fn new() -> Sandbox {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = tempfile::Builder::new()
            .prefix("gcp-test-")
            .tempdir()
            .expect("create the sandbox temp dir");
        let home = dir.path().join("home");
        fs::create_dir_all(home.join(".cache")).expect("create <sandbox>/home/.cache");
        let gitconfig = dir.path().join("gitconfig");
        fs::write(&gitconfig, "").expect("create <sandbox>/gitconfig");
        let browser = dir.path().join("browser.sh");
        fs::write(
            &browser,
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$(dirname \"$0\")/browser.log\"\n",
        )
        .expect("write <sandbox>/browser.sh");
        fs::set_permissions(&browser, fs::Permissions::from_mode(0o755))
            .expect("make browser.sh executable");
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let namespace = format!(
            "t-{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        Sandbox {
            home,
            namespace,
            gitconfig,
            extra_env: vec![("BROWSER".into(), path_str(&browser).into())],
            dir,
        }
    }

    /// The global git config file (`GIT_CONFIG_GLOBAL`); `git config --global` writes here.
    pub fn gitconfig(&self) -> &Path {
        &self.gitconfig
    }

    /// A `git` Command (git from PATH) whose environment is isolated: env_clear() is NOT used (PATH etc. must stay), but it sets
    /// HOME, GIT_CONFIG_NOSYSTEM=1, GIT_CONFIG_GLOBAL=<dir>/gitconfig, GIT_TERMINAL_PROMPT=0, GIT_CREDENTIAL_PAT_NAMESPACE=<namespace>,
    /// LC_ALL=C, removes GIT_SSL_CAINFO, GIT_ASKPASS, SSH_ASKPASS, GIT_CONFIG_PARAMETERS, DBUS_SESSION_BUS_ADDRESS, DISPLAY,
    /// and then applies the Sandbox's extra environment (see `set_env`). stdin defaults to null.
    ///
    /// Beyond those it removes every other `GIT_*` variable, the XDG directory variables (so the
    /// helper's config lands in the sandbox HOME and no real session bus is found via
    /// XDG_RUNTIME_DIR) and forge token variables such as GH_TOKEN. The working directory is `dir`.
    pub fn git(&self) -> Command {
        self.isolated(Path::new("git"))
    }

    /// The helper binary as a Command with the same isolated environment as `git()`.
    pub fn helper(&self) -> Command {
        self.isolated(&helper_bin())
    }

    /// Add an env var applied to every later git()/helper() command (e.g. DBUS_SESSION_BUS_ADDRESS from a SecretService).
    /// Setting a key again replaces its value.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.extra_env.retain(|(k, _)| k != key);
        self.extra_env.push((key.to_owned(), value.to_owned()));
    }

    /// Run `cmd` with `input` on stdin, return (exit code as i32, stdout String, stderr String). Panics with a useful message if it cannot spawn.
    /// Must kill the child and panic if it runs longer than 30 s (no hanging tests).
    ///
    /// stdin, stdout and stderr are always pipes here, whatever `cmd` had; stdin is closed after `input`.
    pub fn run(&self, cmd: &mut Command, input: &str) -> Output {
        run_with_timeout(cmd, input.as_bytes(), RUN_TIMEOUT)
    }

    /// The URLs the helper handed to `$BROWSER`, one per call, oldest first.
    pub fn browser_urls(&self) -> Vec<String> {
        fs::read_to_string(self.dir.path().join("browser.log"))
            .map(|s| s.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    fn isolated(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("GIT_") {
                cmd.env_remove(&key);
            }
        }
        for key in LEAKY_VARS {
            cmd.env_remove(key);
        }
        cmd.env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", &self.gitconfig)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CREDENTIAL_PAT_NAMESPACE", &self.namespace)
            .env("LC_ALL", "C")
            .envs(self.extra_env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        cmd
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

impl Drop for Sandbox {
    /// Erases what the test left in the kernel keyring under its namespace (and namespaces
    /// named after it), so that the user's persistent keyring does not fill up with test keys,
    /// which would slow every later `get` that lists it.
    fn drop(&mut self) {
        let script = r#"p=$(keyctl get_persistent @s) || exit 0
for id in $(keyctl rlist "$p"); do
  case "$(keyctl rdescribe "$id" 2>/dev/null)" in *"@git-credential-pat:$1"*) keyctl invalidate "$id" ;; esac
done"#;
        let _ = Command::new("keyctl")
            .args(["session", "-", "sh", "-c", script, "sh", &self.namespace])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

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
    dir: tempfile::TempDir,
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
            dir,
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

    /// The value for DBUS_SESSION_BUS_ADDRESS.
    pub fn bus_address(&self) -> &str {
        &self.address
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

/// An HTTPS git server on 127.0.0.1 with HTTP Basic auth: nginx + fcgiwrap + `git http-backend` (REFERENCE §5), on a free port
/// (pick one by binding a std::net::TcpListener to 127.0.0.1:0, dropping it, and retrying a few times if nginx fails to bind).
///
/// nginx runs as one process (`master_process off`, `daemon off`) as the current user; fcgiwrap
/// gets its listening socket as stdin, already bound, so the first request can never race it.
pub struct GitServer {
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// The server's self-signed certificate (PEM). git must be told to trust it with
    /// `GIT_SSL_CAINFO=<cert>` on the git command (`trust` does that): the machine exports
    /// GIT_SSL_CAINFO globally, and that variable overrides `http.sslCAInfo`.
    pub cert: PathBuf,
    procs: Procs,
    fcgiwrap_pid: u32,
    nginx_pid: u32,
    access_log: PathBuf,
    repos: PathBuf,
    // Last, so the daemons are dead (Procs' Drop) before their files are removed.
    dir: tempfile::TempDir,
}

impl GitServer {
    /// Start with one user `user`/`password`, a self-signed EC P-256 cert for IP:127.0.0.1 (+DNS:localhost), and one bare repo
    /// `repo.git` (http.receivepack true) holding one seed commit on branch `main` with a file README containing "seed\n".
    /// Everything (config, pid files, logs, temp paths: nginx needs its own client_body_temp_path etc., and must run as the
    /// current user, not drop to www-data, `daemon off` or pid file in the temp dir) lives in a temp dir. fcgiwrap runs in
    /// its own process group with its own socket in the temp dir; Drop kills nginx and fcgiwrap's whole process group.
    /// Returns None / panics under the same rule as SecretService.
    ///
    /// The process group comes from `Command::process_group(0)` rather than the `setsid` tool:
    /// the group is what lets one kill reach fcgiwrap's preforked workers, and this way its id
    /// is fcgiwrap's own PID, known at spawn, with no fork in between.
    pub fn start(user: &str, password: &str) -> Option<GitServer> {
        assert!(
            !user.contains([':', '\n']) && !password.contains('\n'),
            "GitServer user must not contain ':' or a newline, nor the password a newline"
        );
        let tools = require_tools("GitServer", &["nginx", "fcgiwrap", "openssl", "git"])?;
        let (nginx, fcgiwrap, openssl) = (&tools[0], &tools[1], &tools[2]);
        let backend = http_backend();

        let dir = rig_tempdir("gcp-git-");
        let d = dir.path();
        for sub in ["tmp", "repos"] {
            fs::create_dir_all(d.join(sub)).expect("create git server dirs");
        }
        let cert = d.join("cert.pem");
        let key = d.join("key.pem");
        let out = run_with_timeout(
            Command::new(openssl)
                .args(["req", "-x509", "-newkey", "ec"])
                .args(["-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&cert)
                .args(["-days", "7", "-subj", "/CN=127.0.0.1"])
                .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
                .env_clear()
                .env("PATH", std_path())
                .env("HOME", d),
            b"",
            START_TIMEOUT,
        );
        assert_eq!(out.code, 0, "openssl could not make a certificate: {out:?}");
        // nginx's {PLAIN} scheme avoids hashing, so any password works byte for byte.
        fs::write(d.join("htpasswd"), format!("{user}:{{PLAIN}}{password}\n"))
            .expect("write htpasswd");
        let repos = d.join("repos");
        seed_repo(&repos.join("repo.git"), d);

        let mut procs = Procs::new();
        let socket = d.join("fcgiwrap.sock");
        let listener = UnixListener::bind(&socket).expect("bind the fcgiwrap socket");
        let fcgi_log = d.join("fcgiwrap.log");
        let mut fcgi = Command::new(fcgiwrap);
        fcgi.args(["-c", "4"])
            .env_clear()
            .env("PATH", std_path())
            .stdin(Stdio::from(OwnedFd::from(listener)))
            .stdout(Stdio::null())
            .stderr(log_file(&fcgi_log));
        let fcgi_pid = procs.spawn(&mut fcgi, false);
        // Drop the Command: it holds our copy of the listening socket.
        drop(fcgi);
        procs.watch(&format!("-{fcgi_pid}"));

        let access_log = d.join("access.log");
        let error_log = d.join("error.log");
        let pid_file = d.join("nginx.pid");
        let mut last_error = String::new();
        for _attempt in 0..10 {
            let port = free_port();
            let conf = d.join("nginx.conf");
            fs::write(
                &conf,
                nginx_config(d, port, &socket, &backend, &access_log, &error_log),
            )
            .expect("write nginx.conf");
            let _ = fs::remove_file(&pid_file);
            let stderr_log = d.join(format!("nginx-{port}.stderr"));
            let mut cmd = Command::new(nginx);
            cmd.arg("-p")
                .arg(d)
                .arg("-e")
                .arg(&error_log)
                .arg("-c")
                .arg(&conf)
                .env_clear()
                .env("PATH", std_path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log_file(&stderr_log));
            let nginx_pid = procs.spawn(&mut cmd, false);
            // nginx writes its pid file only after it has bound its listening socket.
            let ready = wait_until(START_TIMEOUT, || {
                let pid = fs::read_to_string(&pid_file).unwrap_or_default();
                if pid.trim() == nginx_pid.to_string() {
                    return Some(Ok(()));
                }
                procs.exited(nginx_pid).then_some(Err(()))
            });
            match ready {
                Some(Ok(())) => {
                    return Some(GitServer {
                        port,
                        cert,
                        procs,
                        fcgiwrap_pid: fcgi_pid,
                        nginx_pid,
                        access_log,
                        repos,
                        dir,
                    });
                }
                Some(Err(())) => {
                    last_error = format!(
                        "nginx exited; stderr:\n{}\nerror.log:\n{}",
                        read_log(&stderr_log),
                        read_log(&error_log)
                    );
                    if !last_error.contains("Address already in use") {
                        break;
                    }
                }
                None => panic!(
                    "nginx did not start within {START_TIMEOUT:?}; error.log:\n{}",
                    read_log(&error_log)
                ),
            }
        }
        panic!("GitServer could not start nginx: {last_error}");
    }

    /// "https://127.0.0.1:<port>/repo.git"
    pub fn repo_url(&self) -> String {
        format!("https://127.0.0.1:{}/repo.git", self.port)
    }

    /// `repo_url` with `user:password@` in it (percent-encoding is the caller's business).
    pub fn repo_url_with(&self, user: &str, password: &str) -> String {
        format!("https://{user}:{password}@127.0.0.1:{}/repo.git", self.port)
    }

    /// "127.0.0.1:<port>", i.e. the `host` attribute git sends.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The bare repository on disk, for inspecting what a push delivered.
    pub fn repo_path(&self) -> PathBuf {
        self.repos.join("repo.git")
    }

    /// Make the sandbox's git trust this server's certificate (sets GIT_SSL_CAINFO=<cert>).
    pub fn trust(&self, sandbox: &mut Sandbox) {
        sandbox.set_env("GIT_SSL_CAINFO", path_str(&self.cert));
    }

    /// Number of requests in the access log answered 401 (so tests can tell whether git had to ask).
    pub fn count_401(&self) -> usize {
        self.access_log()
            .lines()
            .filter(|l| l.starts_with("401 "))
            .count()
    }

    /// The access log, one `<status> <method> <uri> <remote_user or ->` line per request, complete
    /// up to now: it first sends nginx one plain-HTTP request (logged as `400 … -`) and waits for
    /// the answer, and single-process nginx logs each request before it serves the next.
    pub fn access_log(&self) -> String {
        self.sync_log();
        fs::read_to_string(&self.access_log).unwrap_or_default()
    }

    /// PIDs of fcgiwrap's main process (first; its PID is also the process group holding its
    /// workers) and nginx, for tests that check nothing outlives the rig.
    pub fn pids(&self) -> Vec<u32> {
        vec![self.fcgiwrap_pid, self.nginx_pid]
    }

    fn sync_log(&self) {
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = s.write_all(b"GET /rig-log-barrier HTTP/1.0\r\n\r\n");
        let _ = s.read_to_end(&mut Vec::new());
    }
}

fn seed_repo(repo: &Path, scratch: &Path) {
    let git = |args: &[&str], input: &[u8]| {
        let mut cmd = Command::new("git");
        cmd.args(args)
            .env_clear()
            .env("PATH", std_path())
            .env("HOME", scratch)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("LC_ALL", "C");
        let out = run_with_timeout(&mut cmd, input, START_TIMEOUT);
        assert_eq!(
            out.code, 0,
            "seeding the server repo: git {args:?}: {out:?}"
        );
    };
    let repo = path_str(repo);
    git(
        &["init", "--quiet", "--bare", "--initial-branch=main", repo],
        b"",
    );
    git(
        &["--git-dir", repo, "config", "http.receivepack", "true"],
        b"",
    );
    // One fast-import run writes the blob, tree, commit and branch without a work tree.
    git(
        &["--git-dir", repo, "fast-import", "--quiet"],
        b"commit refs/heads/main\n\
          committer Seed <seed@example.invalid> 1700000000 +0000\n\
          data 5\nseed\n\
          M 100644 inline README\n\
          data 5\nseed\n\n",
    );
}

fn nginx_config(
    d: &Path,
    port: u16,
    socket: &Path,
    backend: &Path,
    access_log: &Path,
    error_log: &Path,
) -> String {
    let q = |p: &Path| format!("\"{}\"", path_str(p));
    let tmp = |name: &str| q(&d.join("tmp").join(name));
    format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {pid};
error_log {error_log} info;
events {{ worker_connections 256; }}
http {{
  log_format rig '$status $request_method $request_uri $remote_user';
  access_log {access_log} rig;
  client_body_temp_path {client_body};
  proxy_temp_path {proxy};
  fastcgi_temp_path {fastcgi};
  uwsgi_temp_path {uwsgi};
  scgi_temp_path {scgi};
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    client_max_body_size 0;
    location / {{
      auth_basic "git";
      auth_basic_user_file {htpasswd};
      fastcgi_pass unix:{socket};
      fastcgi_param SCRIPT_FILENAME {backend};
      fastcgi_param GIT_PROJECT_ROOT {repos};
      fastcgi_param GIT_HTTP_EXPORT_ALL 1;
      fastcgi_param GIT_CONFIG_NOSYSTEM 1;
      fastcgi_param GIT_CONFIG_GLOBAL /dev/null;
      fastcgi_param HOME {home};
      fastcgi_param PATH "{path}";
      fastcgi_param PATH_INFO $uri;
      fastcgi_param QUERY_STRING $query_string;
      fastcgi_param REQUEST_METHOD $request_method;
      fastcgi_param CONTENT_TYPE $content_type;
      fastcgi_param CONTENT_LENGTH $content_length;
      fastcgi_param REMOTE_USER $remote_user;
      fastcgi_param REMOTE_ADDR $remote_addr;
      fastcgi_param SERVER_PROTOCOL $server_protocol;
      fastcgi_param GATEWAY_INTERFACE CGI/1.1;
    }}
  }}
}}
"#,
        pid = q(&d.join("nginx.pid")),
        error_log = q(error_log),
        access_log = q(access_log),
        client_body = tmp("client_body"),
        proxy = tmp("proxy"),
        fastcgi = tmp("fastcgi"),
        uwsgi = tmp("uwsgi"),
        scgi = tmp("scgi"),
        cert = q(&d.join("cert.pem")),
        key = q(&d.join("key.pem")),
        htpasswd = q(&d.join("htpasswd")),
        socket = path_str(socket),
        backend = q(backend),
        repos = q(&d.join("repos")),
        home = q(d),
        path = std_path(),
    )
}

/// `<git --exec-path>/git-http-backend` of the git on PATH, looked up once per test process.
fn http_backend() -> PathBuf {
    static BACKEND: OnceLock<PathBuf> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            let out = run_with_timeout(Command::new("git").arg("--exec-path"), b"", START_TIMEOUT);
            assert_eq!(out.code, 0, "git --exec-path failed: {out:?}");
            let backend = Path::new(out.stdout.trim()).join("git-http-backend");
            assert!(
                backend.is_file(),
                "{} is missing; GitServer needs git's http-backend",
                backend.display()
            );
            backend
        })
        .clone()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("find a free port on 127.0.0.1")
        .port()
}

/// The daemons one rig object owns, plus a watchdog that kills them if this test process dies
/// without running Drop.
///
/// The watchdog is `sh` in its own process group reading target PIDs (or `-PGID`s) from a pipe
/// only we hold; when the pipe closes, because we dropped it or because the kernel closed it
/// when the process died, it SIGKILLs every target. Its own group keeps it out of the signals a
/// test runner sends to the test's group.
struct Procs {
    watchdog: Option<Child>,
    feed: Option<ChildStdin>,
    children: Vec<Child>,
    groups: Vec<String>,
}

impl Procs {
    fn new() -> Procs {
        let mut watchdog = Command::new("sh")
            .args([
                "-c",
                "t=; while read -r x; do t=\"$t $x\"; done; [ -n \"$t\" ] && kill -s KILL -- $t 2>/dev/null; exit 0",
            ])
            .env_clear()
            .env("PATH", std_path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn the rig's watchdog shell: {e}"));
        let feed = watchdog.stdin.take();
        Procs {
            watchdog: Some(watchdog),
            feed,
            children: Vec::new(),
            groups: Vec::new(),
        }
    }

    /// Spawn `cmd` in its own process group (so a Ctrl-C meant for the test runner does not
    /// kill it before we do) and put it under watch. Returns its PID.
    fn spawn(&mut self, cmd: &mut Command, keep_stdin: bool) -> u32 {
        cmd.process_group(0);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn {cmd:?}: {e}"));
        if !keep_stdin {
            drop(child.stdin.take());
        }
        let pid = child.id();
        self.watch(&pid.to_string());
        self.children.push(child);
        pid
    }

    fn take_stdin(&mut self, pid: u32) -> Option<ChildStdin> {
        self.children
            .iter_mut()
            .find(|c| c.id() == pid)
            .and_then(|c| c.stdin.take())
    }

    /// Add a kill target: a PID, or `-PGID` for a whole process group.
    fn watch(&mut self, target: &str) {
        if target.starts_with('-') {
            self.groups.push(target.to_owned());
        }
        if let Some(feed) = self.feed.as_mut() {
            let _ = writeln!(feed, "{target}");
        }
    }

    /// Whether a child has died, without reaping it: until Drop reaps it, its PID cannot be
    /// reused, so the watchdog can never kill an unrelated process that inherited the number
    /// (pid_max is 32768 on this machine, and a long test run wraps it).
    fn exited(&self, pid: u32) -> bool {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The state letter follows the parenthesised command name, which may hold spaces.
        let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
        matches!(state.and_then(|s| s.chars().next()), None | Some('Z' | 'X'))
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        let mut watchdog_did_it = false;
        if let Some(mut watchdog) = self.watchdog.take() {
            let alive = matches!(watchdog.try_wait(), Ok(None));
            drop(self.feed.take());
            watchdog_did_it = alive && watchdog.wait().is_ok();
        }
        if !watchdog_did_it && !self.groups.is_empty() {
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--"])
                .args(&self.groups)
                .stderr(Stdio::null())
                .status();
        }
        // Reap our direct children so they do not linger as zombies of the test process.
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Spawn `cmd` with piped stdio, feed it `input`, collect its output, and kill it and panic
/// if it outlives `timeout`.
pub fn run_with_timeout(cmd: &mut Command, input: &[u8], timeout: Duration) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    // A child that never reads stdin must not block us, so the write happens on its own thread.
    thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let stdout = reader(child.stdout.take().expect("piped stdout"));
    let stderr = reader(child.stderr.take().expect("piped stderr"));

    let deadline = Instant::now() + timeout;
    let mut nap = Duration::from_micros(200);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => {}
            Err(e) => panic!("waiting for {cmd:?}: {e}"),
        }
        thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(10));
    };
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        let grace = Instant::now() + Duration::from_secs(2);
        panic!(
            "{cmd:?} ran longer than {timeout:?} and was killed.\n--- stdout so far:\n{}\n--- stderr so far:\n{}",
            collect(&stdout, grace),
            collect(&stderr, grace)
        );
    };
    // A grandchild that kept the pipes open (a daemon it started) must not hang the test either.
    let grace = Instant::now() + Duration::from_secs(5);
    Output {
        code: status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
        stdout: collect(&stdout, grace),
        stderr: collect(&stderr, grace),
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

fn collect(rx: &mpsc::Receiver<Vec<u8>>, deadline: Instant) -> String {
    let wait = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(wait) {
        Ok(buf) => String::from_utf8_lossy(&buf).into_owned(),
        Err(_) => "<pipe still open: a background process kept it>".to_owned(),
    }
}

/// Poll `probe` until it yields a value or `timeout` passes, starting fast (startup is
/// usually a few ms) and backing off to 10 ms so a slow machine is not hammered.
fn wait_until<T>(timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    let mut nap = Duration::from_millis(1);
    loop {
        if let Some(v) = probe() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(10));
    }
}

/// Find each tool on PATH (plus the sbin dirs, where nginx and fcgiwrap live but a non-root
/// PATH may not look). None, with a note on stderr, when one is missing outside CI.
fn require_tools(what: &str, names: &[&str]) -> Option<Vec<PathBuf>> {
    let mut found = Vec::new();
    for name in names {
        match find_tool(name) {
            Some(p) => found.push(p),
            None if in_ci() => panic!(
                "CI=true and {what} needs `{name}`, which is not installed (see .ci/run); \
                 in CI a missing tool is a failure, not a skip"
            ),
            None => {
                eprintln!("skipping: {what} needs `{name}`, which is not installed");
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

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

//! A private Secret Service per test ([`SecretService`]): its own `dbus-daemon` and an
//! unlocked gnome-keyring `login` collection, and ways to read and lock it from outside the
//! helper (`secret-tool`, `dbus-send`).
//!
//! # Why the readiness probe is shaped as it is
//!
//! gnome-keyring-daemon (42.x, read in its source) answers a property read on a collection in
//! `daemon/dbus/gkd-secret-objects.c` (`gkd_secret_collection_skeleton_get_property_dbus` →
//! `secret_objects_lookup_gck_object_for_path`), which asks
//! `gkd_secret_service_get_pkcs11_session` (`daemon/dbus/gkd-secret-service.c`) for the
//! caller's PKCS#11 session. That session hangs off a per-caller entry which the daemon only
//! adds from an idle callback (`service_message_filter` → `ensure_client_for_sender`) and drops
//! again on `NameOwnerChanged` (`service_name_owner_changed`). When a read finds no entry,
//! the getter returns NULL without setting a `GError`, and GLib's
//! `invoke_get_property_in_idle_cb` (`gio/gdbusconnection.c`) asserts `error != NULL` and
//! aborts the whole daemon. A busy machine once showed exactly that on this rig's
//! `Properties.Get(Locked)` of the login collection, sent by a fresh `dbus-send` connection
//! while the daemon was starting: `assertion 'client' failed`, then `assertion 'session'
//! failed`, then the abort. `OpenSession` is no safer as a first call: `plain_negotiate`
//! (`daemon/dbus/gkd-secret-session.c`) asks for the same session and the reply is then built
//! from a NULL value. The ignored smoke test
//! `rig_smoke::gnome_keyring_outlives_getall_and_readalias_from_a_caller_it_has_forgotten`
//! makes the daemon forget a caller on purpose and shows both halves: `Get` and `OpenSession`
//! abort it, `GetAll` and `ReadAlias` are answered.
//!
//! So every probe here is one the daemon answers without dying even when it has no entry for
//! the caller, and each says "not yet" rather than "broken":
//! 1. `GetConnectionUnixProcessID(org.freedesktop.secrets)` on the bus: the name is owned, and
//!    by whom (so a stray owner dies with the rig);
//! 2. `Service.ReadAlias("default")`: `service_method_read_alias` answers `/` when its lookup
//!    fails, and the login collection's path once the alias resolves and the collection
//!    exists (the helper stores through that alias);
//! 3. `Properties.GetAll` on that collection, never `Get`: GLib's
//!    `invoke_get_all_properties_in_idle_cb` leaves out a property whose getter fails instead
//!    of aborting, so `Locked = false` appears once the collection is really readable.
//!
//! No probe goes to `/org/freedesktop/secrets/aliases/…`: the daemon rewrites such paths in
//! its D-Bus worker thread (`rewrite_default_alias`) from the same alias table its main thread
//! rewrites for every new caller.
//!
//! Should a daemon still die before it is ready, [`SecretService::start`] notices (the process
//! is gone), says so on stderr in one line, and starts another on a fresh HOME, at most
//! [`KEYRING_ATTEMPTS`] starts in all; a daemon that is alive but stuck is not restarted: that
//! fails at once with its log. [`SecretService::restart_keyring`] goes through the same steps.

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

/// How many times [`SecretService::start`] starts gnome-keyring-daemon before it gives up on a
/// daemon that keeps dying while it starts.
pub const KEYRING_ATTEMPTS: u32 = 3;

/// A private Secret Service: a `dbus-daemon --session` on a unix socket in a temp dir, and gnome-keyring-daemon with a `login`
/// keyring created and unlocked non-interactively (`printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets`
/// with HOME set to a private temp home that has .cache and .local/share). It waits until org.freedesktop.secrets is owned on
/// the bus, finds the owner's PID via D-Bus (GetConnectionUnixProcessID) and kills it by PID in Drop; also kills dbus-daemon.
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
    /// Every start of gnome-keyring-daemon so far; numbers each start's log file.
    starts: u32,
    restarts: u32,
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

/// The login collection's object path, as `ReadAlias("default")` answers it once ready.
const LOGIN_COLLECTION: &str = "/org/freedesktop/secrets/collection/login";

/// What a start of gnome-keyring-daemon finds in its HOME.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Home {
    /// An empty HOME, where the daemon creates the `login` keyring.
    Fresh,
    /// The HOME of the daemon before it: its keyring files, and so its items, are kept.
    Kept,
}

/// Why one start of gnome-keyring-daemon did not get ready.
enum NotReady {
    /// The process exited (or was killed) before it was ready: worth another start.
    Died { during: &'static str, how: String },
    /// It is alive but did not get past `during` in time: a hang, not retried.
    Stuck { during: &'static str },
}

impl SecretService {
    /// Start one. Returns None when dbus-daemon or gnome-keyring-daemon is not installed and !in_ci(); panics when in_ci() and
    /// missing, or when startup fails. Fast (tens of ms) and robust when many tests start their own concurrently, with a bounded
    /// wait ([`START_TIMEOUT`]) for each step.
    ///
    /// Ready means: org.freedesktop.secrets is owned, the `default` alias names the `login`
    /// collection, and that collection reports `Locked = false`, so the first store cannot race
    /// the daemon's startup. A gnome-keyring-daemon that dies before that is started again (one
    /// line on stderr says so), up to [`KEYRING_ATTEMPTS`] starts in all; then this panics with
    /// every attempt's log.
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

        let mut ss = SecretService {
            procs,
            address,
            home: dir.path().join("home"),
            runtime_dir: dir.path().join("run"),
            keyring_pid: 0,
            dbus_pid,
            starts: 0,
            restarts: 0,
            _dir: dir,
        };
        ss.start_keyring_until_ready(gnome_keyring, Home::Fresh);
        Some(ss)
    }

    /// Restart gnome-keyring-daemon under its running clients: SIGTERM, and once it has ended
    /// and left the bus, a new one started as [`SecretService::start`] does (same bus, HOME and
    /// password, same probes and retries), so the items stored before are there, unlocked; the
    /// clients' sessions (`OpenSession`) lived in the old daemon and are gone. Panics with the
    /// log when the old one does not end or the new one is not ready in [`START_TIMEOUT`].
    pub fn restart_keyring(&mut self) {
        let old = self.keyring_pid;
        let _ = Command::new("kill")
            .args(["-s", "TERM", &old.to_string()])
            .env_clear()
            .env("PATH", std_path())
            .status();
        // Both, before the next start: a new daemon that found the name still owned would not
        // get it, and a probe could reach the old one.
        let gone = wait_until(START_TIMEOUT, || {
            (self.procs.exited(old) && self.secrets_owner_pid().is_none()).then_some(())
        });
        assert!(
            gone.is_some(),
            "gnome-keyring-daemon (pid {old}) on {} did not end and leave the bus within {START_TIMEOUT:?} of SIGTERM; its log:\n{}",
            self.address,
            read_log(&self.keyring_log(self.starts))
        );
        // Found by `start`, so here; not kept in `self`, which `Keychain` holds by value and
        // clippy's large_enum_variant keeps small.
        let tools = require_tools("SecretService", &["gnome-keyring-daemon"])
            .expect("gnome-keyring-daemon, found when this Secret Service started");
        self.start_keyring_until_ready(&tools[0], Home::Kept);
    }

    /// Start gnome-keyring-daemon on `home` until one is ready, [`KEYRING_ATTEMPTS`] starts at
    /// most, as [`SecretService::start`] documents.
    fn start_keyring_until_ready(&mut self, gnome_keyring: &Path, home: Home) {
        let mut logs = Vec::new();
        for attempt in 1..=KEYRING_ATTEMPTS {
            self.starts += 1;
            let log = self.keyring_log(self.starts);
            logs.push(log.clone());
            let why = match self.start_keyring(gnome_keyring, home, &log) {
                Ok(()) => return,
                Err(why) => why,
            };
            let which = match home {
                Home::Fresh => "a fresh",
                Home::Kept => "the same",
            };
            match why {
                NotReady::Died { during, how } if attempt < KEYRING_ATTEMPTS => {
                    self.restarts += 1;
                    eprintln!(
                        "rig: gnome-keyring-daemon (pid {}) on {} {how} while {during}; starting it again on {which} HOME, start {} of {KEYRING_ATTEMPTS} (its last log line: {})",
                        self.keyring_pid,
                        self.address,
                        attempt + 1,
                        last_line(&read_log(&log)),
                    );
                }
                NotReady::Died { during, how } => panic!(
                    "gnome-keyring-daemon died while starting, {KEYRING_ATTEMPTS} times in a row on {} (the last one {how} while {during}); their logs:\n{}",
                    self.address,
                    all_logs(&logs)
                ),
                NotReady::Stuck { during } => panic!(
                    "gnome-keyring-daemon (pid {}) on {} is alive but was still {during} after {START_TIMEOUT:?}; its log{}:\n{}",
                    self.keyring_pid,
                    self.address,
                    if logs.len() > 1 { "s" } else { "" },
                    all_logs(&logs)
                ),
            }
        }
        unreachable!("the last attempt either returns or panics")
    }

    /// The log file of the `n`th start of gnome-keyring-daemon.
    fn keyring_log(&self, n: u32) -> PathBuf {
        self._dir.path().join(format!("gnome-keyring-{n}.log"))
    }

    /// Start gnome-keyring-daemon once, on a fresh XDG_RUNTIME_DIR (it holds only a daemon's
    /// control socket) and, unless `home` is [`Home::Kept`], a fresh HOME, and wait until it is
    /// ready (see the module documentation for the order of the probes and why).
    fn start_keyring(
        &mut self,
        gnome_keyring: &Path,
        home: Home,
        log: &Path,
    ) -> Result<(), NotReady> {
        let dirs = match home {
            Home::Fresh => vec![&self.home, &self.runtime_dir],
            Home::Kept => vec![&self.runtime_dir],
        };
        for dir in dirs {
            if dir.exists() {
                fs::remove_dir_all(dir)
                    .unwrap_or_else(|e| panic!("clear {} for a new start: {e}", dir.display()));
            }
        }
        fs::create_dir_all(self.home.join(".cache")).expect("create secret service home/.cache");
        fs::create_dir_all(self.home.join(".local/share")).expect("create home/.local/share");
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&self.runtime_dir)
            .expect("create secret service XDG_RUNTIME_DIR");

        let mut keyring = Command::new(gnome_keyring);
        keyring
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env_clear()
            .env("PATH", std_path())
            .env("HOME", &self.home)
            .env("XDG_RUNTIME_DIR", &self.runtime_dir)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("LC_ALL", "C")
            .stdin(Stdio::piped())
            .stdout(log_file(log))
            .stderr(log_file(log));
        let pid = self.procs.spawn(&mut keyring, true);
        self.keyring_pid = pid;
        // The password is read up to EOF, so the pipe must be closed, not just written. A
        // daemon that died at once closed its end: then the exit below says so, not a panic.
        if let Some(mut stdin) = self.procs.take_stdin(pid) {
            let _ = stdin.write_all(KEYRING_PASSWORD.as_bytes());
        }

        let owner = self.wait_ready("waiting for org.freedesktop.secrets to be owned", |ss| {
            ss.secrets_owner_pid()
        })?;
        if owner != pid {
            // Not expected (nothing can be activated on this bus), but whoever owns the name is
            // a daemon this rig started and must die with it.
            self.procs.watch(&owner.to_string());
        }
        self.wait_ready(
            "waiting for ReadAlias(\"default\") to name the login collection",
            |ss| (ss.default_alias().as_deref() == Some(LOGIN_COLLECTION)).then_some(()),
        )?;
        self.wait_ready(
            "waiting for the login collection to report Locked = false",
            |ss| ss.login_unlocked().then_some(()),
        )?;
        Ok(())
    }

    /// Poll `probe` until it answers, the daemon exits, or [`START_TIMEOUT`] passes.
    fn wait_ready<T>(
        &self,
        during: &'static str,
        mut probe: impl FnMut(&Self) -> Option<T>,
    ) -> Result<T, NotReady> {
        let outcome = wait_until(START_TIMEOUT, || {
            if let Some(v) = probe(self) {
                return Some(Ok(v));
            }
            self.procs.exited(self.keyring_pid).then(|| {
                Err(NotReady::Died {
                    during,
                    how: exit_description(self.keyring_pid),
                })
            })
        });
        outcome.unwrap_or(Err(NotReady::Stuck { during }))
    }

    /// How many times gnome-keyring-daemon died while starting and was started again, by
    /// [`SecretService::start`] or [`SecretService::restart_keyring`] (0 when none died).
    pub fn restarts(&self) -> u32 {
        self.restarts
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

    /// A `dbus-send --bus=<this bus>` Command with this bus's environment, for tests that talk
    /// to the daemon directly (add `--print-reply`, the destination, path and method).
    pub fn dbus_send_command(&self) -> Command {
        let mut cmd = Command::new("dbus-send");
        cmd.arg(format!("--bus={}", self.address));
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
        let mut cmd = self.dbus_send_command();
        cmd.arg("--print-reply").args(args);
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

    /// What `ReadAlias("default")` answers: a collection's object path, or `/` for none yet.
    fn default_alias(&self) -> Option<String> {
        let reply = self.dbus_send(&[
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.ReadAlias",
            "string:default",
        ])?;
        let (_, rest) = reply.split_once("object path \"")?;
        rest.split_once('"').map(|(path, _)| path.to_owned())
    }

    /// Whether the login collection reports `Locked = false`, read with `Properties.GetAll`
    /// (never `Get`: see the module documentation).
    fn login_unlocked(&self) -> bool {
        self.dbus_send(&[
            "--dest=org.freedesktop.secrets",
            LOGIN_COLLECTION,
            "org.freedesktop.DBus.Properties.GetAll",
            "string:org.freedesktop.Secret.Collection",
        ])
        .and_then(|reply| property_value(&reply, "Locked"))
        .is_some_and(|value| value == "boolean false")
    }
}

/// In `dbus-send --print-reply`'s rendering of an `a{sv}`, the value of `name`, e.g.
/// `boolean false`: the line after `string "<name>"` reads `variant <value>`.
fn property_value(reply: &str, name: &str) -> Option<String> {
    let key = format!("string \"{name}\"");
    let mut lines = reply.lines().map(str::trim);
    lines.find(|line| *line == key)?;
    let value = lines.next()?.strip_prefix("variant")?;
    Some(value.trim().to_owned())
}

/// How a child that is gone (a zombie until [`Procs`] reaps it) ended, from the exit code the
/// kernel keeps in `/proc/<pid>/stat` (field 52, the `waitpid` status).
fn exit_description(pid: u32) -> String {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let status = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(49))
        .and_then(|field| field.parse::<i32>().ok());
    match status {
        Some(s) if s & 0x7f != 0 => format!("was killed by signal {}", s & 0x7f),
        Some(s) => format!("exited with status {}", (s >> 8) & 0xff),
        None => "exited".to_owned(),
    }
}

fn last_line(log: &str) -> &str {
    log.lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("<empty>")
}

fn all_logs(logs: &[PathBuf]) -> String {
    logs.iter()
        .enumerate()
        .map(|(n, log)| format!("--- start {}:\n{}", n + 1, read_log(log)))
        .collect::<Vec<_>>()
        .join("\n")
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

//! A real OpenSSH server per test ([`Sshd`]): Debian's `/usr/sbin/sshd` on 127.0.0.1 on a free
//! port, with a host key and a client key generated in a temp dir and its own `sshd_config`, and
//! a far side that is another account ([`FAR_USER`]), so what the far side's git leaves behind is
//! owned by someone else than the agent and can be searched for ([`Sshd::search_far_side`]).
//!
//! sshd must run as root (to switch to the far account), so without root the tests are skipped,
//! and fail under CI (see `skip`). The `sshd_config` keeps OpenSSH's defaults where the agent
//! must cope with them: `StreamLocalBindUnlink no` (sshd_config(5)), so a socket file left by a
//! dropped session stays in the way of a forward to the same path.

use super::procs::{Output, Procs, RUN_TIMEOUT, START_TIMEOUT, run_with_timeout, wait_until};
use super::{log_file, path_str, read_log, require_tools, rig_tempdir, skip, std_path};
use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The far side's account: a system user with a home and `/bin/sh`, made on first use.
pub const FAR_USER: &str = "pat-far";

/// The far account as the password database has it.
struct FarUser {
    uid: u32,
    gid: u32,
    home: PathBuf,
}

/// An sshd for one test, and that test's far HOME; sshd and every process the test's far
/// commands left are killed when it drops, and the far HOME is removed.
pub struct Sshd {
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// This test's far HOME: a directory owned by [`FAR_USER`] in its home. Far commands run
    /// with `HOME` set to it ([`Sshd::far_script`]), so parallel tests share the account, never
    /// a git config.
    pub far_home: PathBuf,
    far: &'static FarUser,
    log: PathBuf,
    client_key: PathBuf,
    known_hosts: PathBuf,
    // Dropped before the directories, so sshd is dead before its files go.
    _procs: Procs,
    far_dir: tempfile::TempDir,
    _dir: tempfile::TempDir,
}

impl Sshd {
    /// Generates the keys, makes the far account (idempotent), writes `sshd_config`, starts
    /// `sshd -D` on a free port and waits for its "Server listening" line. None after [`skip`]
    /// when not root or a tool is missing; panics when sshd does not come up.
    pub fn start() -> Option<Sshd> {
        let tools = require_tools(
            "the real OpenSSH tests",
            &[
                "sshd",
                "ssh",
                "ssh-keygen",
                "useradd",
                "runuser",
                "keyctl",
                "mkfifo",
            ],
        )?;
        let (sshd, keygen) = (&tools[0], &tools[2]);
        if fs::metadata("/proc/self")
            .map(|m| m.uid())
            .unwrap_or(u32::MAX)
            != 0
        {
            skip("sshd runs as root to log in as another account, and this test is not root");
            return None;
        }
        if !Command::new("getent")
            .args(["passwd", "sshd"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            skip("sshd's privilege separation user `sshd` is missing (openssh-server makes it)");
            return None;
        }
        let far = far_user();
        // sshd refuses to start without its privilege separation directory.
        fs::create_dir_all("/run/sshd").expect("create /run/sshd");

        let dir = rig_tempdir("gcp-sshd-");
        let d = dir.path();
        // The far account reads authorized_keys through this directory (sshd opens the file as
        // the user); the private keys in it stay 0600.
        fs::set_permissions(d, fs::Permissions::from_mode(0o755)).expect("chmod the sshd dir");
        let host_key = d.join("host_key");
        let client_key = d.join("client_key");
        for (key, comment) in [(&host_key, "rig host"), (&client_key, "rig client")] {
            let out = run_with_timeout(
                Command::new(keygen)
                    .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
                    .arg(key)
                    .env_clear()
                    .env("PATH", std_path()),
                b"",
                START_TIMEOUT,
            );
            assert_eq!(out.code, 0, "ssh-keygen failed: {out:?}");
        }
        let authorized = d.join("authorized_keys");
        fs::copy(d.join("client_key.pub"), &authorized).expect("write authorized_keys");
        fs::set_permissions(&authorized, fs::Permissions::from_mode(0o644))
            .expect("chmod authorized_keys");
        let host_pub = fs::read_to_string(d.join("host_key.pub")).expect("read host_key.pub");

        let far_dir = tempfile::Builder::new()
            .prefix("far-")
            .tempdir_in(&far.home)
            .expect("create a far HOME");
        give_to_far(far, far_dir.path());

        let mut procs = Procs::new();
        let mut last_error = String::new();
        for _attempt in 0..10 {
            let port = free_port();
            let config = d.join("sshd_config");
            fs::write(&config, sshd_config(d, port)).expect("write sshd_config");
            let log = d.join(format!("sshd-{port}.log"));
            let mut cmd = Command::new(sshd);
            // sshd re-executes itself, which needs the absolute path `require_tools` found.
            cmd.arg("-D")
                .arg("-f")
                .arg(&config)
                .arg("-E")
                .arg(&log)
                .env_clear()
                .env("PATH", std_path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log_file(&log));
            let pid = procs.spawn(&mut cmd, false);
            let listening = format!("Server listening on 127.0.0.1 port {port}.");
            let ready = wait_until(START_TIMEOUT, || {
                if read_log(&log).contains(&listening) {
                    return Some(true);
                }
                procs.exited(pid).then_some(false)
            });
            match ready {
                Some(true) => {
                    let known_hosts = d.join("known_hosts");
                    fs::write(&known_hosts, format!("[127.0.0.1]:{port} {host_pub}"))
                        .expect("write known_hosts");
                    return Some(Sshd {
                        port,
                        far_home: far_dir.path().to_owned(),
                        far,
                        log,
                        client_key,
                        known_hosts,
                        _procs: procs,
                        far_dir,
                        _dir: dir,
                    });
                }
                Some(false) => {
                    last_error = read_log(&log);
                    if !last_error.contains("Address already in use") {
                        break;
                    }
                }
                None => panic!(
                    "sshd did not listen within {START_TIMEOUT:?}; its log:\n{}",
                    read_log(&log)
                ),
            }
        }
        panic!("the rig could not start sshd; its log:\n{last_error}");
    }

    /// `pat-far@127.0.0.1`, the agent's `--ssh DESTINATION`.
    pub fn destination(&self) -> String {
        format!("{FAR_USER}@127.0.0.1")
    }

    /// The `-o` options an ssh client needs for this server: its port, the rig's key and no
    /// other (an ssh-agent of the machine must not answer), the host key pinned, no prompt.
    pub fn ssh_options(&self) -> Vec<String> {
        vec![
            format!("Port={}", self.port),
            format!("IdentityFile={}", path_str(&self.client_key)),
            "IdentitiesOnly=yes".to_owned(),
            format!("UserKnownHostsFile={}", path_str(&self.known_hosts)),
            "StrictHostKeyChecking=yes".to_owned(),
            "BatchMode=yes".to_owned(),
        ]
    }

    /// The agent's arguments for a session to this server: `--ssh DESTINATION` and one
    /// `--ssh-option` per [`Sshd::ssh_options`].
    pub fn agent_args(&self) -> Vec<String> {
        let mut args = vec!["--ssh".to_owned(), self.destination()];
        for option in self.ssh_options() {
            args.push("--ssh-option".to_owned());
            args.push(option);
        }
        args
    }

    /// Runs `ssh DESTINATION COMMAND` with [`Sshd::ssh_options`], as the agent's ssh would.
    pub fn ssh(&self, command: &str) -> Output {
        let mut cmd = Command::new("ssh");
        for option in self.ssh_options() {
            cmd.arg("-o").arg(option);
        }
        cmd.arg(self.destination()).arg(command);
        run_with_timeout(&mut cmd, b"", RUN_TIMEOUT)
    }

    /// Writes `name` in the far HOME with `contents`, owned by the far account; returns its path.
    pub fn write_far_file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.far_home.join(name);
        fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        give_to_far(self.far, &path);
        path
    }

    /// Makes the FIFO `name` in the far HOME, owned by the far account: a far command that
    /// reads it waits until the test writes it (see [`Sshd::release`]).
    pub fn far_fifo(&self, name: &str) -> PathBuf {
        let path = self.far_home.join(name);
        let out = run_with_timeout(Command::new("mkfifo").arg(&path), b"", START_TIMEOUT);
        assert_eq!(out.code, 0, "mkfifo {}: {out:?}", path.display());
        give_to_far(self.far, &path);
        path
    }

    /// Writes one line into `fifo`, which ends a far command's `cat FIFO`; panics when no far
    /// command reads it within the rig's run timeout.
    pub fn release(&self, fifo: &Path) {
        let out = run_with_timeout(
            Command::new("sh").args(["-c", "echo >\"$1\"", "sh", path_str(fifo)]),
            b"",
            RUN_TIMEOUT,
        );
        assert_eq!(out.code, 0, "writing {}: {out:?}", fifo.display());
    }

    /// Writes `body` as the script `name` in the far HOME and returns the far command that
    /// runs it there: `env HOME=<far HOME> sh <script>`, after `cd "$HOME"`.
    pub fn far_script(&self, name: &str, body: &str) -> Vec<String> {
        let script = self.write_far_file(name, &format!("cd \"$HOME\" || exit 1\n{body}"));
        vec![
            "env".to_owned(),
            format!("HOME={}", path_str(&self.far_home)),
            "sh".to_owned(),
            path_str(&script).to_owned(),
        ]
    }

    /// What sshd has logged so far (`LogLevel VERBOSE`).
    pub fn log(&self) -> String {
        read_log(&self.log)
    }

    /// Waits until sshd's log contains `needle`, and returns the log; panics with the log when
    /// it does not appear in time.
    pub fn wait_for_log(&self, needle: &str) -> String {
        wait_until(RUN_TIMEOUT, || {
            let log = self.log();
            log.contains(needle).then_some(log)
        })
        .unwrap_or_else(|| panic!("sshd never logged {needle:?}; its log:\n{}", self.log()))
    }

    /// The far account's live processes, as `PID COMMAND LINE` (arguments joined by spaces).
    pub fn far_processes(&self) -> Vec<String> {
        far_pids(self.far.uid)
            .into_iter()
            .filter_map(|pid| {
                let cmdline = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
                // A zombie has an empty command line (PID 1 here may not reap).
                (!cmdline.is_empty()).then(|| {
                    let words: Vec<String> = cmdline
                        .split(|b| *b == 0)
                        .filter(|w| !w.is_empty())
                        .map(|w| String::from_utf8_lossy(w).into_owned())
                        .collect();
                    format!("{pid} {}", words.join(" "))
                })
            })
            .collect()
    }

    /// Every place on the far side that holds `needle`: files of the far account's home
    /// (every test's far HOME is in it), files the far account owns under /tmp, /var/tmp and
    /// /dev/shm (reached through directories it may enter), the keys its kernel keyrings hold
    /// (user keyring and persistent keyring, descriptions and payloads), and the environment
    /// and command line of its processes. Empty when the far side kept no copy.
    pub fn search_far_side(&self, needle: &str) -> Vec<String> {
        let far = self.far;
        let mut hits = super::files_containing(&far.home, needle);
        for root in ["/tmp", "/var/tmp", "/dev/shm"] {
            hits.extend(owned_files_containing(far, Path::new(root), needle));
        }
        hits.extend(far_keys_containing(needle));
        for pid in far_pids(far.uid) {
            for part in ["environ", "cmdline"] {
                let bytes = fs::read(format!("/proc/{pid}/{part}")).unwrap_or_default();
                if contains(&bytes, needle) {
                    hits.push(format!("process {pid}'s {part}"));
                }
            }
        }
        hits
    }
}

impl Drop for Sshd {
    /// Kills what the test's far commands left running (a session dropped on purpose leaves
    /// its far command behind): the far account's processes whose HOME is this far HOME.
    fn drop(&mut self) {
        let marker = format!("HOME={}", path_str(self.far_dir.path()));
        for pid in far_pids(self.far.uid) {
            let environ = fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            if environ.split(|b| *b == 0).any(|v| v == marker.as_bytes()) {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .stderr(Stdio::null())
                    .status();
            }
        }
    }
}

fn sshd_config(d: &Path, port: u16) -> String {
    format!(
        "ListenAddress 127.0.0.1
Port {port}
HostKey {host_key}
AuthorizedKeysFile {authorized}
AllowUsers {FAR_USER}
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AllowStreamLocalForwarding yes
StreamLocalBindUnlink no
X11Forwarding no
PrintMotd no
PidFile none
LogLevel VERBOSE
",
        host_key = path_str(&d.join("host_key")),
        authorized = path_str(&d.join("authorized_keys")),
    )
}

/// The far account, made on first use in this process. `useradd` locks the password
/// database, so a test process racing another for it gets "already exists" (exit 9) or
/// "cannot lock" (exit 10, tried again); either way the account then exists.
fn far_user() -> &'static FarUser {
    static FAR: OnceLock<FarUser> = OnceLock::new();
    FAR.get_or_init(|| {
        let made = wait_until(RUN_TIMEOUT, || {
            if let Some(user) = lookup_far_user() {
                return Some(user);
            }
            // `*` rather than useradd's locked `!`: without PAM, sshd refuses a locked account
            // even for a key.
            let out = run_with_timeout(
                Command::new("useradd")
                    .args(["--system", "--create-home", "--shell", "/bin/sh"])
                    .args(["--home-dir", &format!("/home/{FAR_USER}")])
                    .args(["--password", "*", FAR_USER])
                    .env_clear()
                    .env("PATH", std_path()),
                b"",
                START_TIMEOUT,
            );
            assert!(
                [0, 9, 10].contains(&out.code),
                "useradd {FAR_USER} failed: {out:?}"
            );
            None
        });
        let user = made.unwrap_or_else(|| panic!("the account {FAR_USER} never appeared"));
        fs::create_dir_all(&user.home).expect("create the far account's home");
        give_to_far(&user, &user.home);
        user
    })
}

fn lookup_far_user() -> Option<FarUser> {
    let out = Command::new("getent")
        .args(["passwd", FAR_USER])
        .output()
        .ok()?;
    let line = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = line.trim().split(':').collect();
    (out.status.success() && fields.len() >= 7).then(|| FarUser {
        uid: fields[2].parse().expect("a numeric uid"),
        gid: fields[3].parse().expect("a numeric gid"),
        home: PathBuf::from(fields[5]),
    })
}

fn give_to_far(far: &FarUser, path: &Path) {
    std::os::unix::fs::chown(path, Some(far.uid), Some(far.gid))
        .unwrap_or_else(|e| panic!("chown {} to {FAR_USER}: {e}", path.display()));
}

/// The PIDs whose real or effective uid is `uid`.
fn far_pids(uid: u32) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let uids = status.lines().find_map(|l| l.strip_prefix("Uid:"));
        let mut ids = uids.into_iter().flat_map(str::split_whitespace).take(2);
        if ids.any(|id| id == uid.to_string()) {
            pids.push(pid);
        }
    }
    pids
}

/// Files under `root` owned by the far account that contain `needle`. Only directories the
/// far account may enter are walked: it cannot have written below any other.
fn owned_files_containing(far: &FarUser, root: &Path, needle: &str) -> Vec<String> {
    let may_enter = |m: &fs::Metadata| {
        let mode = m.mode();
        if m.uid() == far.uid {
            mode & 0o100 != 0
        } else if m.gid() == far.gid {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        }
    };
    let mut hits = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                if may_enter(&meta) {
                    stack.push(entry.path());
                }
            } else if meta.is_file()
                && meta.uid() == far.uid
                && fs::read(entry.path()).is_ok_and(|b| contains(&b, needle))
            {
                hits.push(entry.path().display().to_string());
            }
        }
    }
    hits
}

/// The far account's keys (its user keyring and persistent keyring, walked as that account in
/// a fresh session that links both, since only possessed keys can be read) whose description
/// or payload contains `needle`, as `kernel keyring key ID (DESCRIPTION)`.
fn far_keys_containing(needle: &str) -> Vec<String> {
    let script = r#"
walk() {
  for id in $(keyctl rlist "$1" 2>/dev/null); do
    d=$(keyctl rdescribe "$id" 2>/dev/null) || continue
    case "$d" in
      keyring\;*) walk "$id" ;;
      *) printf '%s %s\n' "$id" "$d"; keyctl pipe "$id" 2>/dev/null | od -An -v -tx1 | tr -d ' \n'; printf '\n' ;;
    esac
  done
}
keyctl link @u @s >/dev/null 2>&1
keyctl get_persistent @s >/dev/null 2>&1
walk @s
"#;
    let out = run_with_timeout(
        Command::new("runuser")
            .args(["-u", FAR_USER, "--", "keyctl", "session", "-"])
            .args(["sh", "-c", script, "sh"])
            .env_clear()
            .env("PATH", std_path()),
        b"",
        RUN_TIMEOUT,
    );
    assert_eq!(out.code, 0, "reading {FAR_USER}'s kernel keyrings: {out:?}");
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("Joined session keyring"))
        .collect();
    lines
        .chunks(2)
        .filter(|pair| {
            let hex = pair.get(1).copied().unwrap_or_default();
            let payload: Vec<u8> = (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
                .collect();
            pair[0].contains(needle) || contains(&payload, needle)
        })
        .map(|pair| format!("kernel keyring key {}", pair[0]))
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
}

/// A port free on 127.0.0.1 a moment ago; sshd's start tries another when it was taken since.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("find a free port on 127.0.0.1")
        .port()
}

/// The absolute path of `program` (a git from `rig::gits`, which may be a bare `git` for PATH's),
/// for a far command: sshd gives the far side its own PATH, not the test's.
pub fn absolute(program: &Path) -> PathBuf {
    if program.is_absolute() {
        return program.to_owned();
    }
    super::find_tool(path_str(program))
        .unwrap_or_else(|| panic!("{} is not on PATH", program.display()))
}

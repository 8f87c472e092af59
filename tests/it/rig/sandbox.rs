//! One test's isolated git world ([`Sandbox`]): a temp HOME and global git config, its own
//! keychain namespace, no leaking environment, a recording `$BROWSER`; and the built helper.

use super::path_str;
use super::procs::{Output, RUN_TIMEOUT, run_with_timeout};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Path of the built helper binary: env!("CARGO_BIN_EXE_git-credential-pat").
///
/// `PAT_TEST_BINARY` names another build to test instead (the static musl binary in
/// `.ci/cross.sh`, or an older release to see a test fail on it).
pub fn helper_bin() -> PathBuf {
    std::env::var_os("PAT_TEST_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_git-credential-pat")))
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
    git: PathBuf,
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
            git: PathBuf::from("git"),
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
        self.isolated(&self.git)
    }

    /// Makes `git()` (and everything built on it: `World::credential`, clones) run `program`
    /// instead of the `git` on PATH, e.g. Debian's own `/usr/bin/git` (see [`gits`]). The
    /// helper's own git subprocesses still use PATH's git.
    pub fn set_git(&mut self, program: &Path) {
        self.git = program.to_owned();
    }

    /// The git `git()` runs: `git` (PATH's) or what `set_git` chose.
    pub fn git_program(&self) -> &Path {
        &self.git
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

/// `program` as a Command with `sb`'s isolated environment (the one `Sandbox::git` sets up).
pub fn sandboxed(sb: &Sandbox, program: impl AsRef<std::ffi::OsStr>) -> Command {
    let git = sb.git();
    let mut cmd = Command::new(program);
    for (k, v) in git.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    if let Some(dir) = git.get_current_dir() {
        cmd.current_dir(dir);
    }
    cmd
}

/// Debian's own git, 2.39 on Debian 12: it knows no `password_expiry_utc`, `capability[]` or
/// `state[]`, as most users' git (Debian 12, Ubuntu 22.04 ship 2.39 and 2.34).
pub const DEBIAN_GIT: &str = "/usr/bin/git";

/// The gits a client-facing test runs with: PATH's `git` (the newer one on these machines),
/// then Debian's [`DEBIAN_GIT`] when it is another program. A missing `/usr/bin/git` is
/// skipped with a note, and is a failure under CI (`.ci/run` installs Debian's `git`).
pub fn gits() -> Vec<PathBuf> {
    let mut all = vec![PathBuf::from("git")];
    let debian = Path::new(DEBIAN_GIT);
    if !debian.is_file() {
        super::skip(&format!(
            "{DEBIAN_GIT} (Debian's git package) is missing, so the test runs with PATH's git only"
        ));
        return all;
    }
    let on_path = super::find_tool("git").and_then(|p| p.canonicalize().ok());
    if on_path.as_deref() != debian.canonicalize().ok().as_deref() {
        all.push(debian.to_owned());
    }
    all
}

/// `program --version`'s words after `git version`, e.g. `2.39.5`, for messages.
pub fn git_version(program: &Path) -> String {
    Command::new(program)
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .trim_start_matches("git version ")
                .to_owned()
        })
        .unwrap_or_else(|e| format!("<{} does not run: {e}>", program.display()))
}

/// Whether `program` is git `major.minor` or newer (git 2.41 added `password_expiry_utc` and
/// `oauth_refresh_token` to what it passes between helpers).
pub fn git_at_least(program: &Path, major: u32, minor: u32) -> bool {
    let version = git_version(program);
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (major, minor)
}

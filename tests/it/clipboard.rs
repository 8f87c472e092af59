//! `token --copy` on a real X clipboard (Xvfb, read with xclip): the token is there while the
//! countdown runs, marked as a secret for clipboard histories (`x-kde-passwordManagerHint`,
//! no `SAVE_TARGETS`), and gone afterwards: after the timeout, after every signal that ends
//! the countdown (SIGINT, SIGTERM, SIGHUP) even under a window manager that keeps a copy of
//! the selection when its owner goes (mutter, GNOME's), and when the clipboard cannot be read.

use crate::rig::{self, World, keychains};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

const SENTINEL: &str = "glpat-CLIPBOARDz9Qx000000";
const GL_HOST: &str = "gitlab.lab.test";

/// A world with SENTINEL stored for alice on GL_HOST (a GitLab).
fn world(kc: rig::Keychain) -> World {
    let w = World::new(kc);
    w.write_raw(
        &format!("https://alice@{GL_HOST}"),
        &format!("{SENTINEL}\nforge=GitLab\n"),
    );
    w
}

/// A private X server (Xvfb) on a display of its own, with mutter managing it when asked;
/// all killed on drop.
struct Xvfb {
    display: String,
    /// mutter's HOME.
    home: tempfile::TempDir,
    procs: rig::procs::Procs,
}

/// Distinguishes the displays of the tests of one process, which run at once.
static NEXT_DISPLAY: AtomicU32 = AtomicU32::new(0);

/// Makes each text that probes mutter new.
static PROBES: AtomicU32 = AtomicU32::new(0);

impl Xvfb {
    fn start(with_mutter: bool) -> Option<Xvfb> {
        let mut tools = vec!["Xvfb", "xclip"];
        if with_mutter {
            tools.extend(["mutter", "dbus-run-session"]);
        }
        let tools = rig::require_tools("the clipboard test", &tools)?;
        let mut procs = rig::procs::Procs::new();
        let n = NEXT_DISPLAY.fetch_add(1, Ordering::Relaxed) % 4;
        let display = format!(":{}", 200 + (std::process::id() % 170) * 4 + n);
        let mut cmd = Command::new(&tools[0]);
        // -noreset: by default the server resets when its last client leaves, and closes the
        // connections that arrive meanwhile (the readiness probe's xclip is such a client).
        cmd.args([
            &display,
            "-nolisten",
            "tcp",
            "-noreset",
            "-screen",
            "0",
            "640x480x24",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        procs.spawn(&mut cmd, false);
        let home = tempfile::tempdir().expect("a HOME for mutter");
        let x = Xvfb {
            display,
            home,
            procs,
        };
        let up = rig::procs::wait_until(Duration::from_secs(10), || {
            Command::new("xclip")
                .args(["-selection", "clipboard", "-o"])
                .env("DISPLAY", &x.display)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .output()
                .ok()
                .filter(|o| !String::from_utf8_lossy(&o.stderr).contains("Can't open display"))
        });
        if up.is_none() {
            rig::skip(&format!("Xvfb on {} never answered within 10 s", x.display));
            return None;
        }
        if !with_mutter {
            return Some(x);
        }
        let mut x = x;
        let mut cmd = Command::new("dbus-run-session");
        cmd.args(["--", "mutter", "--x11", "--replace", "--sm-disable"])
            .env("DISPLAY", &x.display)
            .env("HOME", x.home.path())
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let pid = x.procs.spawn(&mut cmd, false);
        x.procs.watch(&format!("-{pid}"));
        // Ready when it keeps a copy of the selection of an owner that went away.
        let keeps = rig::procs::wait_until(Duration::from_secs(30), || {
            let probe = format!("probe-{}", PROBES.fetch_add(1, Ordering::Relaxed));
            let mut owner = x.offer(&probe, "UTF8_STRING");
            std::thread::sleep(Duration::from_millis(300));
            let _ = owner.kill();
            let _ = owner.wait();
            std::thread::sleep(Duration::from_millis(300));
            (x.clipboard() == probe).then_some(())
        });
        assert!(keeps.is_some(), "mutter never kept a copy of the selection");
        Some(x)
    }

    fn xclip(&self) -> Command {
        let mut cmd = Command::new("xclip");
        cmd.args(["-selection", "clipboard"])
            .env("DISPLAY", &self.display)
            .stderr(Stdio::null());
        cmd
    }

    /// The clipboard's text, empty when there is none.
    fn clipboard(&self) -> String {
        let out = self.xclip().arg("-o").output().expect("run xclip");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The clipboard's value for one target (`TARGETS`, a MIME type); `None` when it has no
    /// owner or the owner offers no such target.
    fn target(&self, target: &str) -> Option<String> {
        let out = self
            .xclip()
            .args(["-o", "-t", target])
            .output()
            .expect("run xclip");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// An xclip that owns the clipboard with `data` as `target` until it is killed or loses it.
    fn offer(&self, data: &str, target: &str) -> Child {
        let mut child = self
            .xclip()
            .args(["-i", "-quiet", "-t", target])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("run xclip -i");
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(data.as_bytes()).unwrap();
        drop(stdin);
        child
    }

    /// `token GL_HOST --copy` with a countdown of `seconds`, started; returns once the token
    /// is on the clipboard.
    fn copy(&self, w: &World, seconds: u32) -> Child {
        let mut cmd = rig::sandboxed(&w.sb, rig::helper_bin());
        cmd.args([w.store_arg(), "token", GL_HOST, "--copy"])
            .env("DISPLAY", &self.display)
            .env("GIT_CREDENTIAL_PAT_COPY_SECONDS", seconds.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn token --copy");
        let copied = rig::procs::wait_until(Duration::from_secs(10), || {
            (self.clipboard() == SENTINEL).then_some(())
        });
        if copied.is_none() {
            let _ = child.kill();
            let out = child.wait_with_output().expect("token --copy ends");
            panic!(
                "xclip never read the token: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        child
    }
}

/// The child's exit code (128 + N for a death by signal N) and its stderr; it is killed
/// (SIGKILL, and the test fails) when it runs longer than `limit`.
fn ended(child: Child, limit: Duration) -> (Option<i32>, String) {
    use std::os::unix::process::ExitStatusExt;
    let pid = child.id();
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        // Until it is reaped below, the PID cannot be another process's.
        let late = finished.recv_timeout(limit).is_err();
        if late {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        late
    });
    let out = child.wait_with_output().expect("token --copy ends");
    let _ = done.send(());
    let late = watchdog.join().unwrap_or(true);
    assert!(!late, "token --copy ran longer than {limit:?}");
    let code = out
        .status
        .code()
        .or_else(|| out.status.signal().map(|s| 128 + s));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(SENTINEL) && out.stdout.is_empty(),
        "the token on stdout or stderr"
    );
    (code, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn copy_puts_the_token_on_the_x_clipboard_and_clears_it_after_the_timeout() {
    let Some(kc) = keychains().into_iter().next() else {
        return;
    };
    let w = world(kc);
    // Without a display: says so, exit 1.
    let out = w.helper_args(&["token", GL_HOST, "--copy"], "");
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no clipboard"), "{}", out.stderr);
    // Under mutter, which keeps a copy of the selection when its owner goes: without it the
    // clipboard would be empty after the helper's exit whether or not it was cleared.
    let Some(x) = Xvfb::start(true) else {
        return;
    };
    let child = x.copy(&w, 5);
    let (code, stderr) = ended(child, Duration::from_secs(20));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("cleared in"), "a countdown: {stderr}");
    assert!(stderr.contains("The clipboard is cleared"), "{stderr}");
    let back = rig::procs::wait_until(Duration::from_secs(3), || {
        (x.clipboard() == SENTINEL).then_some(())
    });
    assert!(back.is_none(), "the clipboard still holds the token");
}

#[test]
fn the_copy_is_marked_secret_for_clipboard_histories_and_offers_no_save_targets() {
    let Some(kc) = keychains().into_iter().next() else {
        return;
    };
    let w = world(kc);
    let Some(x) = Xvfb::start(false) else {
        return;
    };
    let child = x.copy(&w, 30);
    let targets = x.target("TARGETS").unwrap_or_default();
    let hint = x.target("x-kde-passwordManagerHint");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = ended(child, Duration::from_secs(10));
    let targets: Vec<&str> = targets.lines().collect();
    assert!(
        targets.contains(&"x-kde-passwordManagerHint"),
        "no x-kde-passwordManagerHint target: {targets:?}"
    );
    assert_eq!(hint.as_deref(), Some("secret"), "{targets:?}");
    assert!(
        !targets.contains(&"SAVE_TARGETS"),
        "SAVE_TARGETS offered: {targets:?}"
    );
}

#[test]
fn every_signal_that_ends_the_countdown_clears_the_clipboard_under_mutter() {
    if keychains().is_empty() {
        return;
    }
    let Some(x) = Xvfb::start(true) else {
        return;
    };
    for kc in keychains() {
        let w = world(kc);
        for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
            let child = x.copy(&w, 60);
            let _ = Command::new("kill")
                .args([format!("-{signal}"), child.id().to_string()])
                .status();
            let (code, stderr) = ended(child, Duration::from_secs(10));
            // mutter takes its copy when the owner's connection closes, a little later: wait
            // for the token to come back, which it must not.
            let back = rig::procs::wait_until(Duration::from_secs(3), || {
                (x.clipboard() == SENTINEL).then_some(())
            });
            assert!(
                back.is_none(),
                "{}: after SIG{signal} the clipboard still holds the token (exit {code:?}): \
                 {stderr}",
                w.name()
            );
            assert_eq!(code, Some(128 + number), "SIG{signal}: {stderr}");
            assert!(
                stderr.contains("The clipboard is cleared"),
                "SIG{signal}: {stderr}"
            );
        }
    }
}

#[test]
fn a_clipboard_that_cannot_be_read_is_cleared_rather_than_kept() {
    let Some(kc) = keychains().into_iter().next() else {
        return;
    };
    let w = world(kc);
    let Some(x) = Xvfb::start(false) else {
        return;
    };
    // A countdown long enough for the other owner below to take the clipboard first on a busy
    // machine; `ended` waits for the helper's exit, however soon it comes.
    let child = x.copy(&w, 20);
    // Another owner whose content is no text: the clipboard's text cannot be read, so whether
    // the token is still there cannot be told.
    let mut other = x.offer("\u{1}binary", "image/png");
    let taken =
        rig::procs::wait_until(Duration::from_secs(5), || x.target("image/png").map(|_| ()));
    assert!(taken.is_some(), "xclip never took the clipboard");
    let (code, stderr) = ended(child, Duration::from_secs(40));
    let left = x.target("TARGETS");
    let _ = other.kill();
    let _ = other.wait();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("The clipboard is cleared") && !stderr.contains("Something else"),
        "a clipboard that could not be read was kept: {stderr}"
    );
    assert_eq!(left, None, "the clipboard still has an owner");
}

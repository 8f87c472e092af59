//! `git credential-pat agent --ssh`, end to end on real parts: the agent serves its keychain
//! over a real OpenSSH session (`ssh -R`, unix-domain forwarding) to a far side that is another
//! account on a real sshd, where git 2.47 and Debian's 2.39 clone and push over HTTPS through
//! git's own `credential-cache` client, and the far side keeps no copy of the token.

use crate::rig::agent::is_socket;
use crate::rig::procs::{RUN_TIMEOUT, wait_until};
use crate::rig::ssh::{FAR_USER, Sshd, absolute};
use crate::rig::{
    Agent, GitServer, Keychain, Output, World, git_version, gits, keychains, run_with_timeout,
    sandboxed,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const USER: &str = "alice";

/// How long a test waits for a far command to reach a point it marks.
const FAR_WAIT: Duration = Duration::from_secs(30);

/// One test's parts: the HTTPS git server, which accepts only `token`, and the sshd whose far
/// HOME trusts the server's certificate (`http.sslCAInfo`, a copy the far account can read).
struct Lab {
    server: GitServer,
    sshd: Sshd,
    token: String,
}

impl Lab {
    /// None when a part cannot run here (a skip, or a failure under CI).
    fn start() -> Option<Lab> {
        let sshd = Sshd::start()?;
        // Unique across tests and test processes, so a search of the far account, which
        // parallel tests share, finds only this test's token.
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let token = format!(
            "ghp_farside{}x{}x{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let server = GitServer::start(USER, &token)?;
        let cert = std::fs::read_to_string(&server.cert).expect("read the server's certificate");
        let cert = sshd.write_far_file("server.pem", &cert);
        sshd.write_far_file(
            ".gitconfig",
            &format!(
                "[user]\n\tname = Far User\n\temail = far@example.com\n[http]\n\tsslCAInfo = {}\n",
                cert.display()
            ),
        );
        Some(Lab {
            server,
            sshd,
            token,
        })
    }

    /// A world on `kc` whose keychain holds the token: the only copy this side has.
    fn world(&self, kc: Keychain) -> World {
        let w = World::new(kc);
        w.approve(&format!(
            "protocol=https\nhost={}\nusername={USER}\npassword={}\n",
            self.server.host(),
            self.token
        ));
        w
    }

    /// `git-credential-pat --store=… agent --host HOST [--socket S] --ssh pat-far@127.0.0.1
    /// --ssh-option … -- FAR_COMMAND`.
    fn agent(&self, w: &World, socket: Option<&Path>, far: &[String]) -> Command {
        let mut cmd = w.sb.helper();
        cmd.arg(w.store_arg())
            .arg("agent")
            .args(["--host", &self.server.host()]);
        if let Some(socket) = socket {
            cmd.arg("--socket").arg(socket);
        }
        cmd.args(self.sshd.agent_args()).arg("--").args(far);
        cmd
    }

    /// Runs a whole session to its end.
    fn session(&self, w: &World, far: &[String]) -> Output {
        w.sb.run(&mut self.agent(w, None, far), "")
    }

    /// A far script that clones the server's repository into `dir` with `git`, commits
    /// `message` and pushes it, stopping at the first failure.
    fn clone_and_push(&self, name: &str, git: &Path, dir: &str, message: &str) -> Vec<String> {
        self.sshd.far_script(
            name,
            &format!(
                "set -e\nexport GIT_TERMINAL_PROMPT=0\nGIT={git}\n\
                 \"$GIT\" clone -q {url} {dir}\ncd {dir}\n\
                 \"$GIT\" commit -q --allow-empty -m '{message}'\n\
                 \"$GIT\" push -q origin HEAD\n",
                git = absolute(git).display(),
                url = self.server.repo_url(),
            ),
        )
    }

    /// The subject of the newest commit on the server's `main`.
    fn pushed(&self) -> String {
        let out = Command::new("git")
            .arg("--git-dir")
            .arg(self.server.repo_path())
            .args(["log", "-1", "--format=%s", "main"])
            .output()
            .expect("run git log on the server's repository");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The far side holds no copy of the token anywhere the rig looks, and runs no caching
    /// daemon of git's that could hold one in memory.
    fn assert_far_side_kept_nothing(&self, what: &str) {
        assert_eq!(
            self.sshd.search_far_side(&self.token),
            Vec::<String>::new(),
            "{what}: the far side kept a copy of the token"
        );
        let daemons: Vec<String> = self
            .sshd
            .far_processes()
            .into_iter()
            .filter(|p| p.contains("credential-cache--daemon"))
            .collect();
        assert_eq!(
            daemons,
            Vec::<String>::new(),
            "{what}: a caching daemon runs"
        );
    }
}

/// The agent's request lines in `log` (`git-credential-pat agent: HH:MM:SS UTC EVENT`), as
/// their EVENTs: what a person reads on the agent's terminal, without the clock.
fn requests(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|line| {
            let (time, event) = line
                .strip_prefix("git-credential-pat agent: ")?
                .split_once(" UTC ")?;
            (time.len() == 8 && time.bytes().all(|b| b.is_ascii_digit() || b == b':'))
                .then(|| event.to_owned())
        })
        .collect()
}

/// What the agent logs for a far clone and push: git asks for each, and after each success
/// offers the credential back for storing.
fn clone_and_push_requests(host: &str) -> Vec<String> {
    let get = format!("get {host} ({USER}): served");
    let store = format!("store {host} ({USER}): acknowledged: the token this agent serves");
    vec![get.clone(), store.clone(), get, store]
}

/// Where an `agent --ssh` without `--socket` listens: `agent-PID.sock` in its private
/// directory, `$TMPDIR/git-credential-pat-UID` when there is no XDG_RUNTIME_DIR (the sandbox
/// has none).
fn session_socket(pid: u32) -> PathBuf {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self")
        .expect("stat /proc/self")
        .uid();
    std::env::temp_dir()
        .join(format!("git-credential-pat-{uid}"))
        .join(format!("agent-{pid}.sock"))
}

/// The far socket a far command saw: the last `credential.helper` git had, `cache --socket PATH`.
fn far_socket(helpers: &str) -> PathBuf {
    let last = helpers.lines().last().unwrap_or_default();
    let path = last
        .strip_prefix("cache --socket ")
        .unwrap_or_else(|| panic!("the far side's last credential.helper is {last:?}"));
    PathBuf::from(path)
}

/// Waits until the far command has written `path` (it does so as the last step before it
/// waits), and returns what it wrote.
fn wait_for_far_file(path: &Path, agent: &Agent) -> String {
    wait_until(FAR_WAIT, || {
        std::fs::read_to_string(path)
            .ok()
            .filter(|s| s.ends_with('\n'))
    })
    .unwrap_or_else(|| {
        panic!(
            "the far command never wrote {}; the agent's log:\n{}",
            path.display(),
            agent.log()
        )
    })
}

#[test]
fn far_git_clones_and_pushes_with_the_token_only_in_the_agents_keychain_and_keeps_no_copy() {
    let Some(lab) = Lab::start() else { return };
    let host = lab.server.host();
    let mut round = 0;
    for git in gits() {
        for kc in keychains() {
            round += 1;
            let w = lab.world(kc);
            let what = format!("far git {} ({})", git_version(&git), w.name());
            let message = format!("pushed from the far side with {what}");
            let far = lab.clone_and_push(
                &format!("clone-{round}.sh"),
                &git,
                &format!("work-{round}"),
                &message,
            );

            let out = lab.session(&w, &far);
            assert_eq!(out.code, 0, "{what}: the session failed: {}", out.stderr);
            assert_eq!(lab.pushed(), message, "{what}");
            assert_eq!(
                requests(&out.stderr),
                clone_and_push_requests(&host),
                "{what}: {}",
                out.stderr
            );
            assert!(
                !out.stdout.contains(&lab.token) && !out.stderr.contains(&lab.token),
                "{what}: the token was printed"
            );
            assert_eq!(
                w.stored_tokens(),
                [format!("https://{USER}@{host} {}|", lab.token)],
                "{what}: the keychain at home changed"
            );
            lab.assert_far_side_kept_nothing(&what);
        }
    }
}

#[test]
fn a_second_session_to_the_same_host_clones_while_the_first_is_open() {
    let Some(lab) = Lab::start() else { return };
    let Some(kc) = keychains().into_iter().next() else {
        return;
    };
    let w = lab.world(kc);
    let hold = lab.sshd.far_fifo("hold");
    let first = lab.sshd.far_script(
        "first.sh",
        &format!(
            "set -e\ngit clone -q {} first\necho cloned >first.done\ncat hold >/dev/null\n",
            lab.server.repo_url()
        ),
    );
    let socket = Agent::socket_in(&w.sb);
    let open = Agent::spawn(&w.sb, lab.agent(&w, Some(&socket), &first), socket);
    wait_for_far_file(&lab.sshd.far_home.join("first.done"), &open);

    let second = lab.clone_and_push("second.sh", Path::new("git"), "second", "second session");
    let out = lab.session(&w, &second);
    assert_eq!(out.code, 0, "the second session failed: {}", out.stderr);
    assert_eq!(lab.pushed(), "second session");
    assert_eq!(
        requests(&out.stderr),
        clone_and_push_requests(&lab.server.host()),
        "{}",
        out.stderr
    );

    lab.sshd.release(&hold);
    assert!(
        wait_until(FAR_WAIT, || open.exited().then_some(())).is_some(),
        "the first session did not end with its far command; its log:\n{}",
        open.log()
    );
    assert!(
        !is_socket(&open.socket),
        "the first agent left its socket {}",
        open.socket.display()
    );
    lab.assert_far_side_kept_nothing("two sessions");
}

#[test]
fn a_session_after_a_dropped_one_clones_though_the_dropped_sessions_socket_file_stays() {
    let Some(lab) = Lab::start() else { return };
    let Some(kc) = keychains().into_iter().next() else {
        return;
    };
    let w = lab.world(kc);
    let hold = lab.sshd.far_fifo("hold");
    let dropped = lab.sshd.far_script(
        "dropped.sh",
        "git config --get-all credential.helper >helpers.tmp\nmv helpers.tmp helpers\n\
         cat hold >/dev/null\n",
    );
    let socket = Agent::socket_in(&w.sb);
    let agent = Agent::spawn(&w.sb, lab.agent(&w, Some(&socket), &dropped), socket);
    let helpers = wait_for_far_file(&lab.sshd.far_home.join("helpers"), &agent);
    let stale = far_socket(&helpers);
    assert!(is_socket(&stale), "no far socket at {}", stale.display());

    // The connection drops: the agent and its ssh die at once, as when a laptop's lid closes.
    // Procs started the agent in a process group of its own, which its ssh shares.
    let status = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", agent.pid())])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill the agent's process group");
    assert!(
        wait_until(FAR_WAIT, || agent.exited().then_some(())).is_some(),
        "the agent outlived SIGKILL"
    );
    lab.sshd
        .wait_for_log(&format!("Close session: user {FAR_USER}"));
    assert!(
        is_socket(&stale),
        "sshd removed the dropped session's socket; with StreamLocalBindUnlink off it stays"
    );

    let after = lab.clone_and_push("after.sh", Path::new("git"), "after", "after the drop");
    let out = lab.session(&w, &after);
    assert_eq!(
        out.code, 0,
        "the session after the drop failed: {}",
        out.stderr
    );
    assert_eq!(lab.pushed(), "after the drop");
    assert_eq!(
        requests(&out.stderr),
        clone_and_push_requests(&lab.server.host()),
        "{}",
        out.stderr
    );
    lab.assert_far_side_kept_nothing("a session after a dropped one");

    // The dropped session's far command ends normally now, and its script removes the stale
    // socket: nothing stays behind on the far side.
    lab.sshd.release(&hold);
    assert!(
        wait_until(FAR_WAIT, || (!stale.exists()).then_some(())).is_some(),
        "the dropped session's far script did not remove {} when its command ended",
        stale.display()
    );
}

#[test]
fn the_far_sides_own_store_helper_never_gets_the_token() {
    let Some(lab) = Lab::start() else { return };
    let Some(kc) = keychains().into_iter().next() else {
        return;
    };
    let w = lab.world(kc);
    let gitconfig = std::fs::read_to_string(lab.sshd.far_home.join(".gitconfig")).unwrap();
    lab.sshd.write_far_file(
        ".gitconfig",
        &format!("{gitconfig}[credential]\n\thelper = store\n"),
    );
    let before = "https://bob:ghp_someone_elses@example.org\n";
    let stored = lab.sshd.write_far_file(".git-credentials", before);
    let far = lab.clone_and_push("store.sh", Path::new("git"), "work", "past the far helper");

    let out = lab.session(&w, &far);
    assert_eq!(out.code, 0, "the session failed: {}", out.stderr);
    assert_eq!(lab.pushed(), "past the far helper");
    assert_eq!(
        requests(&out.stderr),
        clone_and_push_requests(&lab.server.host()),
        "{}",
        out.stderr
    );
    // Compared without printing: a failure must not show the token either.
    let after = std::fs::read_to_string(&stored).unwrap_or_default();
    assert!(
        after == before,
        "the far side's ~/.git-credentials changed{}",
        if after.contains(&lab.token) {
            ": it holds the token"
        } else {
            ""
        }
    );
    lab.assert_far_side_kept_nothing("a far side with `credential.helper store`");
}

#[test]
fn the_agent_exits_with_the_far_commands_code_and_leaves_no_socket_on_either_side() {
    let Some(lab) = Lab::start() else { return };
    let Some(kc) = keychains().into_iter().next() else {
        return;
    };
    let w = lab.world(kc);
    let hold = lab.sshd.far_fifo("hold");
    let far = lab.sshd.far_script(
        "exit3.sh",
        "git config --get-all credential.helper >helpers.tmp\nmv helpers.tmp helpers\n\
         cat hold >/dev/null\nexit 3\n",
    );
    // The agent's PID names its socket; `exec` keeps the PID the shell wrote.
    let pid_file = w.sb.dir.path().join("session.pid");
    let agent = lab.agent(&w, None, &far);
    let mut cmd = sandboxed(&w.sb, "sh");
    cmd.args(["-c", "echo $$ >\"$0\" && exec \"$@\""])
        .arg(&pid_file)
        .arg(agent.get_program())
        .args(agent.get_args());
    let session = std::thread::spawn(move || run_with_timeout(&mut cmd, b"", RUN_TIMEOUT));

    let helpers = wait_until(FAR_WAIT, || {
        std::fs::read_to_string(lab.sshd.far_home.join("helpers")).ok()
    });
    let pid = std::fs::read_to_string(&pid_file).unwrap_or_default();
    let local = pid.trim().parse().ok().map(session_socket);
    let remote = helpers.as_deref().map(far_socket);
    let listening = (
        local.as_deref().is_some_and(is_socket),
        remote.as_deref().is_some_and(is_socket),
    );
    // Released before any check, so a failing check does not leave the session waiting; a
    // far command that never ran has nothing to release.
    if helpers.is_some() {
        lab.sshd.release(&hold);
    }
    let out = session.join().expect("the session's thread");
    let (Some(local), Some(remote)) = (local, remote) else {
        panic!("the far command never ran, or the agent's PID is unknown: {out:?}");
    };

    assert_eq!(
        listening,
        (true, true),
        "while the session ran: the agent's socket {} and the far socket {}",
        local.display(),
        remote.display()
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(
        requests(&out.stderr),
        Vec::<String>::new(),
        "{}",
        out.stderr
    );
    assert!(
        !local.exists(),
        "the agent left its socket {}",
        local.display()
    );
    assert!(
        !remote.exists(),
        "the session left its far socket {}",
        remote.display()
    );
}

#[test]
fn the_far_side_search_finds_a_token_in_each_place_it_looks() {
    let Some(sshd) = Sshd::start() else { return };
    let token = format!("ghp_searchme{}", std::process::id());
    assert_eq!(sshd.search_far_side(&token), Vec::<String>::new());

    // Each place as the far account itself would fill it, through an ssh session.
    let file = sshd.far_home.join("notes");
    let out = sshd.ssh(&format!(
        "printf %s {token} >{notes}; printf %s {token} >/tmp/gcp-far-search-{token}; \
         printf %s {token} | keyctl session - sh -c {add}",
        notes = file.display(),
        add = "'keyctl padd user gcp-far-search \"$(keyctl get_persistent @s)\"'",
    ));
    assert_eq!(out.code, 0, "filling the far side: {out:?}");
    let hold = sshd.far_fifo("hold");
    let holder = format!("TOKEN={token} cat {} >/dev/null", hold.display());
    let mut holding = Command::new("runuser");
    holding.args([
        "-u",
        FAR_USER,
        "--",
        "env",
        &format!("HOME={}", sshd.far_home.display()),
    ]);
    holding.args(["sh", "-c", &holder]);
    holding.stdin(std::process::Stdio::null());
    let mut holding = holding.spawn().expect("start a far process");
    let found = wait_until(FAR_WAIT, || {
        let hits = sshd.search_far_side(&token);
        (hits.iter().any(|h| h.starts_with("process "))).then_some(hits)
    });

    // Cleaned before the checks, so a failing check leaves nothing behind.
    let tmp = format!("/tmp/gcp-far-search-{token}");
    sshd.release(&hold);
    let _ = holding.wait();
    let out = sshd.ssh(&format!(
        "rm -f {tmp} {notes}; keyctl session - sh -c {unlink}",
        notes = file.display(),
        unlink = "'p=$(keyctl get_persistent @s) && keyctl unlink \"$(keyctl search \"$p\" user gcp-far-search)\" \"$p\"'",
    ));
    assert_eq!(out.code, 0, "cleaning the far side: {out:?}");
    assert_eq!(sshd.search_far_side(&token), Vec::<String>::new());

    let found = found.expect("the search never found the far process holding the token");
    assert!(found.contains(&file.display().to_string()), "{found:?}");
    assert!(found.contains(&tmp), "{found:?}");
    assert!(
        found
            .iter()
            .any(|h| h.starts_with("kernel keyring key ") && h.ends_with(";gcp-far-search")),
        "{found:?}"
    );
    assert!(found.iter().any(|h| h.ends_with("'s environ")), "{found:?}");
}

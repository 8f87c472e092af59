//! The agent's limits, met by real connections: a peer of another uid is refused (as root: a
//! process switched to `nobody` by setpriv(1)); a request over 1 MiB, or one not complete by the
//! deadline, is dropped with a log line; a far side that leaves mid-request costs nothing; more
//! than 16 requests at once are closed at once, while 16 are all served; terminal escapes from
//! the far side reach the agent's log only escaped. After each, the agent still serves.

use super::{
    HOST, REQUEST_SECONDS, TOKEN, USER, answer, ask_raw, connect, expiry, far_get, read_to_close,
    requests, store_token, wait_requests,
};
use crate::rig::procs::wait_until;
use crate::rig::{self, Agent, Sandbox, World, keychains, run_with_timeout};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// Waits until a `get` from `far` is served (the agent may still be closing connections a test
/// just dropped, each holding one of its 16 places); panics with the agent's log when none is
/// served within 20 seconds.
fn served_soon(agent: &Agent, far: &Sandbox, expires: u64) {
    let input = format!("protocol=https\nhost={HOST}\n");
    let served = wait_until(Duration::from_secs(20), || {
        let out = agent.client(far, "get", &input);
        (out.stdout == answer(expires)).then_some(())
    });
    assert!(
        served.is_some(),
        "the agent served no `get` within 20 seconds; its log:\n{}",
        agent.log()
    );
}

/// A connection that has sent the start of a request and waits: one request in progress.
fn hold(socket: &Path) -> UnixStream {
    let mut stream = connect(socket);
    stream
        .write_all(b"action=get\n")
        .expect("write the start of a request");
    stream
}

/// Whether a held connection is still open at the agent's end (nothing to read yet), rather
/// than closed by it.
fn in_progress(stream: &UnixStream) -> bool {
    stream
        .set_nonblocking(true)
        .expect("make the connection non-blocking");
    let mut byte = [0u8; 1];
    let open = matches!(
        (&*stream).read(&mut byte),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
    );
    stream
        .set_nonblocking(false)
        .expect("make the connection blocking again");
    open
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
}

#[test]
fn a_peer_of_another_uid_is_refused_even_when_the_socket_is_open_to_it() {
    if !rustix::process::geteuid().is_root() {
        rig::skip("connecting as uid 65534 with setpriv needs root");
        return;
    }
    let Some(tools) = rig::require_tools("this test", &["setpriv"]) else {
        return;
    };
    for kc in keychains() {
        let w = World::new(kc);
        let expires = expiry();
        store_token(&w, HOST, expires);
        let before = w.stored();
        let agent = Agent::start(&w, &["--host", HOST]);
        // The agent checked its directory when it started; a careless chmod afterwards lets any
        // user reach the socket, and the uid check is then all that stands.
        chmod(w.sb.dir.path(), 0o711);
        chmod(
            agent.socket.parent().expect("the socket's directory"),
            0o711,
        );
        chmod(&agent.socket, 0o666);
        let mut cmd = std::process::Command::new(&tools[0]);
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "git"])
            .args(["credential-cache", "--socket"])
            .arg(&agent.socket)
            .arg("get")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", "/nonexistent")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("LC_ALL", "C")
            .current_dir("/");
        let input = format!("protocol=https\nhost={HOST}\n");
        let out = run_with_timeout(&mut cmd, input.as_bytes(), Duration::from_secs(30));
        // The agent closes the connection before reading it, so git's client either reads
        // the end at once or, when it writes its request after the close, dies of SIGPIPE
        // (128 + 13): git reads no answer from the helper either way.
        assert!(
            matches!(out.code, 0 | 141) && out.stdout.is_empty() && out.stderr.is_empty(),
            "{}: git's client as uid 65534: {out:?}",
            w.name()
        );
        assert_eq!(
            wait_requests(&agent, 1),
            ["refused a connection from uid 65534: only uid 0 and the agent's own (0) may ask"],
            "{}",
            w.name()
        );
        assert_eq!(w.stored(), before, "{}", w.name());
        let far = agent.far_side();
        assert_eq!(far_get(&agent, &far, HOST), answer(expires), "{}", w.name());
    }
}

#[test]
fn a_request_over_1_mib_is_dropped_and_the_next_is_served() {
    for kc in keychains() {
        let w = World::new(kc);
        let expires = expiry();
        store_token(&w, HOST, expires);
        let agent = Agent::start(&w, &["--host", HOST]);
        // Short lines, so that only the request's size is over a limit, never a line's.
        let mut request = format!("action=get\ntimeout=900\nprotocol=https\nhost={HOST}\n");
        while request.len() <= 1 << 20 {
            request.push_str("wwwauth[]=Basic realm=\"padding\"\n");
        }
        assert_eq!(
            ask_raw(&agent.socket, request.as_bytes()),
            b"",
            "{}",
            w.name()
        );
        assert_eq!(
            wait_requests(&agent, 1),
            ["dropped a request: larger than 1 MiB"],
            "{}",
            w.name()
        );
        let far = agent.far_side();
        assert_eq!(far_get(&agent, &far, HOST), answer(expires), "{}", w.name());
        assert_eq!(
            wait_requests(&agent, 2)[1],
            format!("get {HOST} ({USER}): served")
        );
    }
}

#[test]
fn a_request_not_complete_by_the_deadline_is_dropped_and_the_next_is_served() {
    for kc in keychains() {
        let mut w = World::new(kc);
        w.sb.set_env(REQUEST_SECONDS, "1");
        let expires = expiry();
        store_token(&w, HOST, expires);
        let agent = Agent::start(&w, &["--host", HOST]);
        let mut slow = connect(&agent.socket);
        slow.write_all(b"action=get\ntimeout=900\nprotocol=https\nho")
            .expect("write half a request");
        assert_eq!(read_to_close(&mut slow), b"", "{}", w.name());
        let lines = wait_requests(&agent, 1);
        assert!(
            lines[0].starts_with("dropped a request: not complete within 1 second"),
            "{}: {lines:?}",
            w.name()
        );
        let far = agent.far_side();
        assert_eq!(far_get(&agent, &far, HOST), answer(expires), "{}", w.name());
        assert_eq!(
            wait_requests(&agent, 2)[1],
            format!("get {HOST} ({USER}): served")
        );
        drop(slow);

        // A far side that sends a byte every 100 ms, never finishing: the deadline is for the
        // whole request, not for each read, so it too is closed (or the read here fails after
        // 30 seconds).
        let mut trickle = connect(&agent.socket);
        let mut writer = trickle.try_clone().expect("clone the connection");
        let feeding = std::thread::spawn(move || {
            for byte in b"action=get\ntimeout=900\n".iter().cycle() {
                if writer.write_all(&[*byte]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        assert_eq!(read_to_close(&mut trickle), b"", "{}", w.name());
        let lines = wait_requests(&agent, 3);
        assert!(
            lines[2].starts_with("dropped a request: not complete within 1 second"),
            "{}: {lines:?}",
            w.name()
        );
        drop(trickle);
        feeding.join().expect("the trickling thread");
    }
}

#[test]
fn a_far_side_that_leaves_mid_request_costs_nothing() {
    for kc in keychains() {
        let mut w = World::new(kc);
        // A place a broken request kept would stay taken for a minute: longer than this test.
        w.sb.set_env(REQUEST_SECONDS, "60");
        let expires = expiry();
        store_token(&w, HOST, expires);
        let before = w.stored();
        let agent = Agent::start(&w, &["--host", HOST]);
        for _ in 0..20 {
            let mut half = connect(&agent.socket);
            half.write_all(b"action=get\ntimeout=900\nprotocol=https\nho")
                .expect("write half a request");
        }
        // A whole request whose asker leaves without reading the answer.
        let mut gone = connect(&agent.socket);
        gone.write_all(
            format!("action=get\ntimeout=900\nprotocol=https\nhost={HOST}\n\n").as_bytes(),
        )
        .expect("write a request");
        gone.shutdown(std::net::Shutdown::Write)
            .expect("shut down the write side");
        drop(gone);

        let far = agent.far_side();
        served_soon(&agent, &far, expires);
        // All 16 places are free: 15 requests in progress and a `get` beside them.
        let held: Vec<UnixStream> = (0..15).map(|_| hold(&agent.socket)).collect();
        served_soon(&agent, &far, expires);
        drop(held);
        assert!(!agent.exited(), "{}: the agent ended", w.name());
        assert_eq!(w.stored(), before, "{}", w.name());
        assert!(!agent.log().contains(TOKEN), "the agent logged the token");
    }
}

/// A slowloris far side: sixteen connections that send the start of a request and wait. They
/// cannot lock git out: each new connection takes the place of the oldest one still waiting
/// for its request, and a whole `get` is served at once.
#[test]
fn sixteen_idle_connections_cannot_lock_git_out_the_oldest_makes_room() {
    let made_room = "dropped a request: closed the oldest connection whose request had not \
                     arrived, to make room (16 at once at most)";
    for kc in keychains() {
        let mut w = World::new(kc);
        // The held requests must not end by the deadline while the test runs.
        w.sb.set_env(REQUEST_SECONDS, "60");
        let expires = expiry();
        store_token(&w, HOST, expires);
        let agent = Agent::start(&w, &["--host", HOST]);
        let far = agent.far_side();
        let held: Vec<UnixStream> = (0..16).map(|_| hold(&agent.socket)).collect();
        // The agent takes connections in order: wait until all sixteen are taken.
        wait_until(Duration::from_secs(20), || {
            (held.iter().filter(|h| in_progress(h)).count() == 16).then_some(())
        });
        for round in 0..3 {
            assert_eq!(
                far_get(&agent, &far, HOST),
                answer(expires),
                "{} round {round}: {}",
                w.name(),
                agent.log()
            );
        }
        // The oldest held ones were closed to make room; the newest still wait.
        assert!(!in_progress(&held[0]), "{}: the oldest is open", w.name());
        assert!(
            in_progress(&held[15]),
            "{}: the newest was closed",
            w.name()
        );
        assert!(
            requests(&agent).iter().any(|l| l == made_room),
            "{}: the agent's log:\n{}",
            w.name(),
            agent.log()
        );
        drop(held);
        served_soon(&agent, &far, expires);
        assert!(!agent.exited(), "{}: the agent ended", w.name());
    }
}

#[test]
fn sixteen_gets_at_once_are_all_served() {
    for kc in keychains() {
        let w = World::new(kc);
        let expires = expiry();
        store_token(&w, HOST, expires);
        let agent = Agent::start(&w, &["--host", HOST]);
        let far = agent.far_side();
        // A connection's place is given back just after it ends (the readiness check's, or
        // an earlier round's), so a round may find one still taken and have one `get`
        // refused: up to five rounds, and one must serve all sixteen.
        let served = format!("get {HOST} ({USER}): served");
        let mut rounds = Vec::new();
        for round in 1..=5 {
            let answers: Vec<String> = std::thread::scope(|s| {
                let asks: Vec<_> = (0..16)
                    .map(|_| s.spawn(|| far_get(&agent, &far, HOST)))
                    .collect();
                asks.into_iter()
                    .map(|a| a.join().expect("a far side's get"))
                    .collect()
            });
            let lines = wait_requests(&agent, 16 * round);
            let all = answers.iter().all(|a| *a == answer(expires));
            rounds.push(answers.iter().filter(|a| **a == answer(expires)).count());
            if all {
                assert_eq!(lines[16 * (round - 1)..], vec![served.clone(); 16]);
                break;
            }
        }
        assert_eq!(
            rounds.last(),
            Some(&16),
            "{}: served per round of 16: {rounds:?}; the log:\n{}",
            w.name(),
            agent.log()
        );
    }
}

#[test]
fn what_the_far_side_sends_reaches_the_agent_s_log_without_control_characters() {
    for kc in keychains() {
        let w = World::new(kc);
        let expires = expiry();
        store_token(&w, HOST, expires);
        let agent = Agent::start(&w, &["--host", HOST]);
        // Terminal escapes (clear the screen, set the window title) in each field the agent
        // names in its log: the action, the host, the user.
        let requests: [&[u8]; 4] = [
            b"action=\x1b[2Jget\ntimeout=900\nprotocol=https\nhost=ghe.lab.test\n",
            b"action=get\ntimeout=900\nprotocol=https\nhost=ghe.lab.test\nusername=\x1b]0;owned\x07\n",
            b"action=store\ntimeout=900\nprotocol=https\nhost=ghe.lab.test\nusername=\x1b[31mred\npassword=x\n",
            b"action=get\ntimeout=900\nprotocol=https\nhost=\x1b[2J.lab.test\n",
        ];
        for request in requests {
            assert_eq!(ask_raw(&agent.socket, request), b"", "{}", w.name());
        }
        let lines = wait_requests(&agent, 4);
        let log = agent.log();
        assert!(
            !log.bytes().any(|b| b < 0x20 && b != b'\n' || b == 0x7f),
            "{}: a control character reached the agent's log: {lines:?}",
            w.name()
        );
        let far = agent.far_side();
        assert_eq!(far_get(&agent, &far, HOST), answer(expires), "{}", w.name());
    }
}

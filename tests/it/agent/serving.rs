//! What the agent serves: a far side with no keychain clones and pushes over HTTPS with the
//! token that only the agent's keychain holds, through git's credential-cache client, with git
//! 2.47 and Debian's 2.39; the answer to `get` is exactly `username`, `password` and
//! `password_expiry_utc`, and each request is one log line naming no secret. The variables the
//! agent prints when it starts are, alone, what a far side's git needs. An agent whose Secret
//! Service restarts under it serves again from the restarted one.

use super::{HOST, TOKEN, USER, answer, expiry, far_get, shell_words, store_token, wait_requests};
use crate::rig::{
    Agent, GitServer, Keychain, Sandbox, SecretService, World, files_containing, git_version, gits,
    keychains,
};

#[test]
fn a_far_side_clones_and_pushes_with_the_token_held_only_in_the_agent_s_keychain() {
    let Some(server) = GitServer::start(USER, TOKEN) else {
        return;
    };
    let host = server.host();
    let gits = gits();
    for kc in keychains() {
        let w = World::new(kc);
        store_token(&w, &host, expiry());
        let before = w.stored();
        let agent = Agent::start(&w, &["--host", &host]);
        for git in &gits {
            let version = git_version(git);
            let mut far = agent.far_side();
            server.trust(&mut far);
            far.set_git(git);
            let lab = far.dir.path().join("lab");
            let lab = lab.to_str().expect("a UTF-8 path");
            let out = far.run(far.git().args(["clone", &server.repo_url(), lab]), "");
            assert_eq!(
                out.code,
                0,
                "{} with git {version}: clone: {}\nthe agent's log:\n{}",
                w.name(),
                out.stderr,
                agent.log()
            );
            let readme = std::fs::read_to_string(format!("{lab}/README")).expect("README");
            assert_eq!(readme, "seed\n");

            let message = format!("pushed from the far side with git {version}");
            let mut commit = far.git();
            commit
                .args([
                    "-c",
                    "user.name=Far Side",
                    "-c",
                    "user.email=far@example.com",
                ])
                .args(["-C", lab, "commit", "--allow-empty", "-m", &message]);
            let out = far.run(&mut commit, "");
            assert_eq!(out.code, 0, "{}", out.stderr);
            let out = far.run(far.git().args(["-C", lab, "push", "origin", "HEAD"]), "");
            assert_eq!(
                out.code,
                0,
                "{} with git {version}: push: {}\nthe agent's log:\n{}",
                w.name(),
                out.stderr,
                agent.log()
            );
            let mut log = std::process::Command::new("git");
            log.arg("--git-dir")
                .arg(server.repo_path())
                .args(["log", "-1", "--format=%s", "main"]);
            let pushed = far.run(&mut log, "");
            assert_eq!(pushed.stdout.trim(), message);
            assert_eq!(
                files_containing(far.dir.path(), TOKEN),
                Vec::<String>::new(),
                "{} with git {version}: the far side kept a copy of the token",
                w.name()
            );
        }
        // Each of clone and push asks once and, having got in, hands the credential back with
        // `store`, which the agent acknowledges without writing.
        let one = [
            format!("get {host} ({USER}): served"),
            format!("store {host} ({USER}): acknowledged: the token this agent serves"),
        ];
        let expected: Vec<String> = (0..2 * gits.len()).flat_map(|_| one.clone()).collect();
        assert_eq!(
            wait_requests(&agent, expected.len()),
            expected,
            "{}",
            w.name()
        );
        assert_eq!(
            w.stored(),
            before,
            "{}: the home keychain changed",
            w.name()
        );
        assert!(!agent.log().contains(TOKEN), "the agent logged the token");
    }
}

#[test]
fn the_answer_to_get_is_exactly_username_password_and_expiry_with_either_git() {
    let gits = gits();
    for kc in keychains() {
        let w = World::new(kc);
        let expires = expiry();
        store_token(&w, HOST, expires);
        let agent = Agent::start(&w, &["--host", HOST]);
        let mut far = agent.far_side();
        for git in &gits {
            far.set_git(git);
            assert_eq!(
                far_get(&agent, &far, HOST),
                answer(expires),
                "{} with git {}",
                w.name(),
                git_version(git)
            );
            // What git 2.47 sends a helper on an HTTP 401 (its capabilities, the server's
            // challenge, a path) changes nothing in the answer.
            let rich = format!(
                "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost={HOST}\n\
                 path=workshop/lab.git\nwwwauth[]=Basic realm=\"GitHub\"\n"
            );
            let out = agent.client(&far, "get", &rich);
            assert_eq!(
                (out.code, out.stdout, out.stderr),
                (0, answer(expires), String::new()),
                "{} with git {}",
                w.name(),
                git_version(git)
            );
        }
        let served = format!("get {HOST} ({USER}): served");
        assert_eq!(
            wait_requests(&agent, 2 * gits.len()),
            vec![served; 2 * gits.len()],
            "{}",
            w.name()
        );
        assert!(!agent.log().contains(TOKEN), "the agent logged the token");
    }
}

#[test]
fn on_start_it_names_what_it_serves_and_the_variables_that_make_a_far_side_s_git_ask_it() {
    let Some(server) = GitServer::start(USER, TOKEN) else {
        return;
    };
    let host = server.host();
    let gits = gits();
    for kc in keychains() {
        let w = World::new(kc);
        store_token(&w, &host, expiry());
        let agent = Agent::start(&w, &["--host", &host]);
        let socket = agent.socket.display().to_string();
        let log = agent.log();
        let mut lines = log.lines();
        assert_eq!(
            lines.next(),
            Some(
                format!("git-credential-pat agent: serving {host} on {socket} (Ctrl-C stops it)")
                    .as_str()
            ),
            "{}",
            w.name()
        );
        let recipe = lines
            .next()
            .and_then(|l| {
                l.strip_prefix("git-credential-pat agent: git on the far side uses it with ")
            })
            .unwrap_or_else(|| panic!("{}: no recipe line in:\n{log}", w.name()));
        let env: Vec<(String, String)> = shell_words(&w.sb, recipe)
            .iter()
            .map(|word| {
                let (name, value) = word.split_once('=').expect("NAME=VALUE");
                assert!(name.starts_with("GIT_CONFIG_"), "{word}");
                (name.to_owned(), value.to_owned())
            })
            .collect();
        // A far side with no helper configured at all: only the printed variables.
        for git in &gits {
            let mut far = Sandbox::new();
            server.trust(&mut far);
            far.set_git(git);
            let lab = far.dir.path().join("lab");
            let mut clone = far.git();
            clone
                .args(["clone", &server.repo_url()])
                .arg(&lab)
                .envs(env.iter().map(|(k, v)| (k, v)));
            let out = far.run(&mut clone, "");
            assert_eq!(
                out.code,
                0,
                "{} with git {}: {}\nthe agent's log:\n{}",
                w.name(),
                git_version(git),
                out.stderr,
                agent.log()
            );
        }
        let served = format!("get {host} ({USER}): served");
        let lines = wait_requests(&agent, 2 * gits.len());
        assert_eq!(
            lines.iter().filter(|l| **l == served).count(),
            gits.len(),
            "{lines:?}"
        );
    }
}

#[test]
fn after_the_secret_service_restarts_the_agent_serves_again_without_being_restarted() {
    let Some(ss) = SecretService::start() else {
        return;
    };
    let mut w = World::new(Keychain::SecretService(ss));
    let expires = expiry();
    store_token(&w, HOST, expires);
    let agent = Agent::start(&w, &["--host", HOST]);
    let far = agent.far_side();
    assert_eq!(far_get(&agent, &far, HOST), answer(expires));
    let Keychain::SecretService(ss) = &mut w.kc else {
        unreachable!("the world was made on a Secret Service")
    };
    // The agent's session with the old daemon is gone; the token, kept on disk, is not.
    ss.restart_keyring();
    for n in 2..=3 {
        assert_eq!(
            far_get(&agent, &far, HOST),
            answer(expires),
            "get number {n}, after the Secret Service restarted; the agent's log:\n{}",
            agent.log()
        );
    }
    let served = format!("get {HOST} ({USER}): served");
    assert_eq!(wait_requests(&agent, 3), vec![served; 3]);
    assert!(
        !agent.exited(),
        "the agent ended; its log:\n{}",
        agent.log()
    );
    assert!(!agent.log().contains(TOKEN), "the agent logged the token");
}

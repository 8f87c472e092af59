//! What the far side may not have or change: a host outside the agent's allow-list and a token
//! whose lab timer has ended get an empty answer; `store` writes nothing at home; `erase`
//! erases only a token the forge itself refuses (asked at the forge's API, a local mock);
//! `exit` does not stop the agent; an allowed host with no token gets an empty answer and a log
//! line saying what to run. Each test reads the home keychain directly afterwards.

use super::{
    HOST, TOKEN, USER, answer, configure_forge, expiry, far_get, store_token, wait_requests,
};
use crate::rig::{Agent, World, keychains, now};

const BOB_TOKEN: &str = "ghp_Bob00000000000000000000000000000000002";
const OTHER_TOKEN: &str = "ghp_Other000000000000000000000000000000003";

#[test]
fn a_host_outside_the_allow_list_gets_an_empty_answer_and_a_log_line() {
    let other = "other.lab.test";
    for kc in keychains() {
        let w = World::new(kc);
        store_token(&w, HOST, expiry());
        store_token(&w, other, expiry());
        let before = w.stored();
        let agent = Agent::start(&w, &["--host", HOST]);
        let far = agent.far_side();
        // A stored host the agent was not told to serve, and the allowed host on another port.
        for asked in [other, "ghe.lab.test:8443"] {
            assert_eq!(far_get(&agent, &far, asked), "", "{}: {asked}", w.name());
        }
        // Plain http is never served, even for an allowed host.
        let out = agent.client(&far, "get", &format!("protocol=http\nhost={HOST}\n"));
        assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", w.name());
        let lines = wait_requests(&agent, 3);
        assert_eq!(
            lines[..2],
            [
                format!("get {other}: not served: not one of this agent's hosts ({HOST})"),
                format!(
                    "get ghe.lab.test:8443: not served: not one of this agent's hosts ({HOST})"
                ),
            ],
            "{}",
            w.name()
        );
        assert_eq!(
            lines[2],
            "get: nothing to do: the request names no https host",
            "{}: the http request's line",
            w.name()
        );
        assert_eq!(w.stored(), before, "{}", w.name());
    }
}

#[test]
fn a_token_whose_lab_timer_has_ended_is_not_served() {
    for kc in keychains() {
        let mut api = mockito::Server::new();
        let w = World::new(kc);
        configure_forge(&w, HOST, &api);
        // The timer ran out a minute ago, as `login --lab` would have set it.
        w.write_raw(
            &format!("https://{USER}@{HOST}"),
            &format!("{TOKEN}\nforge=GitHub\nerase_by={}\n", now() - 60),
        );
        // The helper's own `get` revokes an ended token at the forge and erases it: the agent's
        // `get` is that `get`.
        let revoked = api
            .mock("POST", "/credentials/revoke")
            .with_status(202)
            .expect(1)
            .create();
        let agent = Agent::start(&w, &["--host", HOST]);
        let far = agent.far_side();
        // git's own answer after a lab ends, passed on: the far side's git stops, rather than
        // asking its person for a token to type there (git-credential(1), `quit`).
        assert_eq!(far_get(&agent, &far, HOST), "quit=1\n", "{}", w.name());
        let lines = wait_requests(&agent, 1);
        let ended = format!(
            "get {HOST}: not served: {USER}@{HOST} (whose lab timer ran out): revoked at GitHub \
             Enterprise Server; erased from the {}; the lab's token for {HOST} has ended, so git \
             stops here instead of asking for another; to make a new one: git credential-pat \
             login {HOST}",
            w.name()
        );
        assert!(lines[0] == ended, "{}: {lines:?}", w.name());
        revoked.assert();
        assert_eq!(w.stored(), Vec::<String>::new(), "{}", w.name());
        assert!(!agent.log().contains(TOKEN), "the agent logged the token");
    }
}

#[test]
fn store_from_the_far_side_writes_nothing_at_home_and_acknowledges_only_the_served_token() {
    for kc in keychains() {
        let w = World::new(kc);
        let expires = expiry();
        store_token(&w, HOST, expires);
        let before = w.stored();
        let agent = Agent::start(&w, &["--host", HOST]);
        let far = agent.far_side();
        let stores = [
            // Another account, another token for the same account, and the served token as
            // git hands it back after a clone, then with another expiry (the same token: it is
            // acknowledged, and the expiry at home stays).
            format!("username=bob\npassword={BOB_TOKEN}\n"),
            format!("username={USER}\npassword={OTHER_TOKEN}\n"),
            format!("username={USER}\npassword={TOKEN}\npassword_expiry_utc={expires}\n"),
            format!(
                "username={USER}\npassword={TOKEN}\npassword_expiry_utc={}\n",
                now() + 60
            ),
        ];
        for credential in &stores {
            let out = agent.client(
                &far,
                "store",
                &format!("protocol=https\nhost={HOST}\n{credential}"),
            );
            assert_eq!(
                (out.code, out.stdout.as_str(), out.stderr.as_str()),
                (0, "", ""),
                "{}",
                w.name()
            );
        }
        let not_written = "not written: the far side does not write to this keychain";
        let acknowledged = "acknowledged: the token this agent serves";
        assert_eq!(
            wait_requests(&agent, 4),
            [
                format!("store {HOST} (bob): {not_written}"),
                format!("store {HOST} ({USER}): {not_written}"),
                format!("store {HOST} ({USER}): {acknowledged}"),
                format!("store {HOST} ({USER}): {acknowledged}"),
            ],
            "{}",
            w.name()
        );
        assert_eq!(
            w.stored(),
            before,
            "{}: the home keychain changed",
            w.name()
        );
        assert_eq!(far_get(&agent, &far, HOST), answer(expires), "{}", w.name());
        let log = agent.log();
        for token in [TOKEN, BOB_TOKEN, OTHER_TOKEN] {
            assert!(!log.contains(token), "the agent logged a token: {log}");
        }
    }
}

/// The far side's `erase` of [`TOKEN`] for [`USER`], as git sends it after a 401.
fn far_erase(agent: &Agent, w: &World) {
    let far = agent.far_side();
    let out = agent.client(
        &far,
        "erase",
        &format!("protocol=https\nhost={HOST}\nusername={USER}\npassword={TOKEN}\n"),
    );
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", ""),
        "{}",
        w.name()
    );
}

#[test]
fn erase_of_a_token_the_forge_still_accepts_keeps_it() {
    for kc in keychains() {
        let mut api = mockito::Server::new();
        let w = World::new(kc);
        let expires = expiry();
        store_token(&w, HOST, expires);
        configure_forge(&w, HOST, &api);
        let before = w.stored();
        let works = api
            .mock("GET", "/user")
            .match_header("authorization", format!("Bearer {TOKEN}").as_str())
            .with_status(200)
            .with_header("x-oauth-scopes", "repo, workflow")
            .with_body(format!(r#"{{"login":"{USER}"}}"#))
            .expect(1)
            .create();
        let agent = Agent::start(&w, &["--host", HOST]);
        far_erase(&agent, &w);
        assert_eq!(
            wait_requests(&agent, 1),
            [format!(
                "erase {HOST} ({USER}): kept: {HOST} still accepts the token"
            )],
            "{}",
            w.name()
        );
        works.assert();
        assert_eq!(
            w.stored(),
            before,
            "{}: the home keychain changed",
            w.name()
        );
        let far = agent.far_side();
        assert_eq!(far_get(&agent, &far, HOST), answer(expires), "{}", w.name());
    }
}

#[test]
fn erase_of_a_token_the_forge_refuses_erases_it_at_home_and_nothing_else() {
    for kc in keychains() {
        let mut api = mockito::Server::new();
        let w = World::new(kc);
        store_token(&w, HOST, expiry());
        w.approve(&format!(
            "protocol=https\nhost={HOST}\nusername=bob\npassword={BOB_TOKEN}\n"
        ));
        configure_forge(&w, HOST, &api);
        let refused = api
            .mock("GET", "/user")
            .match_header("authorization", format!("Bearer {TOKEN}").as_str())
            .with_status(401)
            .with_body(r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#)
            .expect(1)
            .create();
        let agent = Agent::start(&w, &["--host", HOST]);
        far_erase(&agent, &w);
        assert_eq!(
            wait_requests(&agent, 1),
            [format!(
                "erase {HOST} ({USER}): erased: {HOST} refuses the token"
            )],
            "{}",
            w.name()
        );
        refused.assert();
        let left: Vec<String> = w.stored_tokens();
        assert!(
            !left.iter().any(|e| e.contains(TOKEN)),
            "{}: the refused token is still stored: {left:?}",
            w.name()
        );
        assert!(
            left.iter()
                .any(|e| e.starts_with(&format!("https://bob@{HOST} ")) && e.contains(BOB_TOKEN)),
            "{}: bob's token went too: {left:?}",
            w.name()
        );
    }
}

#[test]
fn exit_from_the_far_side_does_not_stop_the_agent() {
    for kc in keychains() {
        let w = World::new(kc);
        let expires = expiry();
        store_token(&w, HOST, expires);
        let agent = Agent::start(&w, &["--host", HOST]);
        let far = agent.far_side();
        let out = agent.client(&far, "exit", "");
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", ""),
            "{}",
            w.name()
        );
        assert_eq!(
            wait_requests(&agent, 1),
            ["exit: ignored: the far side cannot stop this agent"],
            "{}",
            w.name()
        );
        assert!(!agent.exited(), "{}: the agent stopped", w.name());
        assert_eq!(far_get(&agent, &far, HOST), answer(expires), "{}", w.name());
        assert_eq!(
            wait_requests(&agent, 2)[1],
            format!("get {HOST} ({USER}): served")
        );
    }
}

#[test]
fn an_allowed_host_with_no_token_gets_an_empty_answer_and_the_log_says_what_to_run() {
    for kc in keychains() {
        let w = World::new(kc);
        let agent = Agent::start(&w, &["--host", HOST]);
        let far = agent.far_side();
        assert_eq!(far_get(&agent, &far, HOST), "", "{}", w.name());
        assert_eq!(
            wait_requests(&agent, 1),
            [format!(
                "get {HOST}: not served: no token stored; run `git credential-pat login {HOST}` \
                 on this machine"
            )],
            "{}",
            w.name()
        );
        assert_eq!(w.stored(), Vec::<String>::new(), "{}", w.name());
    }
}

#[test]
fn erase_of_an_unknown_token_or_when_the_forge_cannot_be_asked_keeps_everything() {
    for kc in keychains() {
        let mut api = mockito::Server::new();
        let w = World::new(kc);
        store_token(&w, HOST, expiry());
        configure_forge(&w, HOST, &api);
        let before = w.stored();
        let agent = Agent::start(&w, &["--host", HOST]);
        let far = agent.far_side();
        // A token this keychain does not hold: the forge is not asked.
        let unknown = api.mock("GET", "/user").expect(0).create();
        let out = agent.client(
            &far,
            "erase",
            &format!("protocol=https\nhost={HOST}\nusername={USER}\npassword={OTHER_TOKEN}\n"),
        );
        assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", w.name());
        let lines = wait_requests(&agent, 1);
        unknown.assert();
        unknown.remove();
        assert_eq!(
            lines[0],
            format!("erase {HOST} ({USER}): nothing to erase: no stored token matches"),
            "{}",
            w.name()
        );
        // The forge's API fails: the token is kept.
        let down = api
            .mock("GET", "/user")
            .with_status(500)
            .expect_at_least(1)
            .create();
        far_erase(&agent, &w);
        let lines = wait_requests(&agent, 2);
        down.assert();
        assert!(
            lines[1].starts_with(&format!(
                "erase {HOST} ({USER}): kept: could not ask {HOST} ("
            )),
            "{}: {lines:?}",
            w.name()
        );
        assert_eq!(
            w.stored(),
            before,
            "{}: the home keychain changed",
            w.name()
        );
    }
}

#[test]
fn store_and_erase_for_a_host_outside_the_allow_list_change_nothing_and_ask_no_forge() {
    let other = "other.lab.test";
    for kc in keychains() {
        let mut api = mockito::Server::new();
        let w = World::new(kc);
        store_token(&w, HOST, expiry());
        store_token(&w, other, expiry());
        configure_forge(&w, other, &api);
        let before = w.stored();
        // The forge would refuse the token: only asking it could lead to an erase.
        let refused = api.mock("GET", "/user").with_status(401).expect(0).create();
        let agent = Agent::start(&w, &["--host", HOST]);
        let far = agent.far_side();
        let credential =
            format!("protocol=https\nhost={other}\nusername={USER}\npassword={TOKEN}\n");
        for action in ["erase", "store"] {
            let out = agent.client(&far, action, &credential);
            assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", w.name());
        }
        let lines = wait_requests(&agent, 2);
        refused.assert();
        assert_eq!(
            w.stored(),
            before,
            "{}: the home keychain changed",
            w.name()
        );
        // The keychain does hold this token: the reason it is left alone is the allow-list,
        // and the log says so, as it does for `get`.
        assert!(
            lines[0].starts_with(&format!("erase {other} ({USER}): "))
                && lines[0].contains(&format!("not one of this agent's hosts ({HOST})"))
                && !lines[0].contains("no stored token matches"),
            "{}: {lines:?}",
            w.name()
        );
        assert!(
            lines[1].starts_with(&format!("store {other}")) && !lines[1].contains("acknowledged"),
            "{}: {lines:?}",
            w.name()
        );
    }
}

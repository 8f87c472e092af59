//! `login` over a stored token, as a person at a terminal answers it: `--for` offers to put
//! the lab timer on the stored token (no new token, nothing revoked); replacing says before it
//! revokes that every copy handed to another tool stops working; a GitLab token stored under
//! its stand-in name `git-token-ID` is replaced (revoked with `DELETE
//! /personal_access_tokens/self`), not kept beside the new one; an expired token is said to be
//! expired, and when; and the lab timer counts from the moment the token is stored. Real
//! keychains, the binary on a pseudo-terminal, the forge's API as a local mock.

use crate::rig::now;
use crate::rig::{self, World, keychains};

/// A GitHub Enterprise Server the tests make up; its API is the mock.
const HOST: &str = "ghe.replace.test";
/// A self-managed GitLab the tests make up; its API is the mock.
const GL_HOST: &str = "gitlab.replace.test";
const ALICE_TOKEN: &str = "ghp_Alice000000000000000000000000000000001";
const ALICE_NEW: &str = "ghp_AliceNew0000000000000000000000000003";

/// `GET /user` answers alice for both of her tokens, as GitHub documents it.
fn github_api() -> mockito::ServerGuard {
    let mut api = mockito::Server::new();
    for token in [ALICE_TOKEN, ALICE_NEW] {
        api.mock("GET", "/user")
            .match_header("authorization", format!("Bearer {token}").as_str())
            .with_status(200)
            .with_header("x-oauth-scopes", "repo, workflow")
            .with_body(r#"{"login":"alice"}"#)
            .expect_at_most(usize::MAX)
            .create();
    }
    api
}

/// A world on `kc` whose git knows `host` as `forge` (a `patForge` word) with its API at `api`.
fn world(kc: rig::Keychain, host: &str, forge: &str, api: &mockito::ServerGuard) -> World {
    let w = World::new(kc);
    let config = format!(
        "[credential]\n\thelper =\n\thelper = \"{}\"\n[credential \"https://{host}\"]\n\
         \tpatForge = {forge}\n\tpatApiUrl = {}\n",
        w.helper_command(),
        api.url()
    );
    std::fs::write(w.sb.gitconfig(), config).unwrap();
    w
}

/// `git-credential-pat login ARGS…` on a new pseudo-terminal (echo on, prompts allowed); the
/// shell prints `login ended CODE` when it returns.
fn login_on_a_terminal(w: &World, args: &[&str]) -> rexpect::session::PtySession {
    let script =
        "b=$1; s=$2; shift 2; stty echo; \"$b\" \"$s\" login \"$@\"; echo \"login ended $?\"";
    let mut cmd = rig::sandboxed(&w.sb, "sh");
    cmd.env("GIT_TERMINAL_PROMPT", "1")
        .args(["-c", script, "sh"])
        .arg(rig::helper_bin())
        .arg(w.store_arg())
        .args(args);
    rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn login on a pty")
}

fn list_json(w: &World) -> serde_json::Value {
    let out = w.helper_args(&["list", "--json"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

/// Answers "Replace it?" with yes and pastes `token` at the GitLab prompt, which must not claim
/// that nothing is stored; what the flow said until it ended, which it did with exit 0.
fn replace_with(p: &mut rexpect::session::PtySession, token: &str, w: &World) -> String {
    p.send_line("y").unwrap();
    let page = p
        .exp_string(&format!("Paste the token for {GL_HOST}"))
        .unwrap();
    assert!(!page.contains("no token is stored"), "{page}");
    p.send_line(token).unwrap();
    let rest = p.exp_string("login ended ").unwrap();
    let code = p.read_line().unwrap();
    assert_eq!(code.trim(), "0", "{}: {rest}", w.name());
    rest
}

/// The user names `list --json` shows.
fn stored_users(w: &World) -> Vec<String> {
    list_json(w)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["username"].as_str().unwrap().to_owned())
        .collect()
}

fn stdin_login(w: &World, host: &str, token: &str) {
    let out = w.helper_args(&["login", host, "--token-stdin"], &format!("{token}\n"));
    assert_eq!(out.code, 0, "{}: login: {}", w.name(), out.stderr);
}

/// `login --for 1h` over a token that was handed to another tool: the person is offered the
/// timer on the stored token, and taking it makes no new token and revokes nothing.
#[test]
fn login_for_over_a_stored_token_puts_the_timer_on_it_without_a_new_token_or_a_revocation() {
    for kc in keychains() {
        let mut api = github_api();
        let w = world(kc, HOST, "ghes", &api);
        stdin_login(&w, HOST, ALICE_TOKEN);
        let revoked = api
            .mock("POST", "/credentials/revoke")
            .with_status(202)
            .expect(0)
            .create();
        let mut p = login_on_a_terminal(&w, &[HOST, "--for", "1h"]);
        let said = p
            .exp_string("Put the lab timer on the stored token")
            .unwrap_or_else(|e| panic!("{}: no offer of the timer: {e}", w.name()));
        assert!(
            said.contains(&format!("already stored for https://{HOST}: alice")),
            "{said}"
        );
        p.exp_string("[y/N] ").unwrap();
        let answered = now();
        p.send_line("y").unwrap();
        let rest = p.exp_string("login ended ").unwrap();
        let code = p.read_line().unwrap();
        assert_eq!(code.trim(), "0", "{}: {rest}", w.name());
        assert!(
            rest.contains(&format!(
                "the lab timer now ends the token of alice@{HOST} "
            )) && rest.contains("No new token was made, and nothing was revoked."),
            "{rest}"
        );
        assert!(!rest.contains("no token is stored"), "{rest}");
        assert!(w.sb.browser_urls().is_empty(), "a token page was opened");
        revoked.assert();
        let json = list_json(&w);
        let rows = json.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{json}");
        let erase_by = rows[0]["erase_by"].as_u64().unwrap();
        assert!(
            (answered + 3600..=now() + 3600).contains(&erase_by),
            "{erase_by}"
        );
        // The same token, still served until the timer ends.
        let out = w.credential("fill", &format!("protocol=https\nhost={HOST}\n"));
        assert!(
            out.stdout.contains(&format!("password={ALICE_TOKEN}\n")),
            "{}",
            out.stderr
        );
    }
}

/// Declining the timer and replacing: the person reads that the copies stop working before
/// agreeing, the flow never says nothing is stored, and the old token is revoked.
#[test]
fn replacing_a_stored_token_says_before_revoking_that_every_copy_stops_working() {
    for kc in keychains() {
        let mut api = github_api();
        let w = world(kc, HOST, "ghes", &api);
        stdin_login(&w, HOST, ALICE_TOKEN);
        let revoked = api
            .mock("POST", "/credentials/revoke")
            .match_body(mockito::Matcher::Regex(ALICE_TOKEN.to_owned()))
            .with_status(202)
            .expect(1)
            .create();
        let mut p = login_on_a_terminal(&w, &[HOST, "--for", "1m"]);
        p.exp_string("Put the lab timer on the stored token")
            .unwrap_or_else(|e| panic!("{}: no offer of the timer: {e}", w.name()));
        p.exp_string("[y/N] ").unwrap();
        p.send_line("n").unwrap();
        let before = p
            .exp_string("Replace it with a new token? [y/N] ")
            .unwrap_or_else(|e| panic!("{}: no question: {e}", w.name()));
        assert!(
            before
                .contains("every copy of it given to another tool (`exec`, `token`) stops working"),
            "{before}"
        );
        p.send_line("y").unwrap();
        let page = p
            .exp_string(&format!("Paste the token for {HOST}"))
            .unwrap();
        assert!(!page.contains("no token is stored"), "{page}");
        assert!(
            page.contains("a new token replaces the stored one."),
            "{page}"
        );
        p.send_line(ALICE_NEW).unwrap();
        let rest = p.exp_string("login ended ").unwrap();
        let code = p.read_line().unwrap();
        assert_eq!(code.trim(), "0", "{}: {rest}", w.name());
        revoked.assert();
        assert!(
            rest.contains(&format!(
                "the replaced token of alice@{HOST}: revoked at GitHub Enterprise Server"
            )),
            "{rest}"
        );
        let tokens = w.stored_tokens();
        assert_eq!(tokens.len(), 1, "{tokens:?}");
        assert!(tokens[0].contains(ALICE_NEW), "{tokens:?}");
    }
}

/// The lab timer of `login --for 30s` runs from when the token was checked and stored, not
/// from when the command started: the paste comes 3 s after the prompt.
#[test]
fn the_lab_timer_counts_from_when_the_token_is_stored_not_from_when_login_started() {
    let api = github_api();
    for kc in keychains() {
        let w = world(kc, HOST, "ghes", &api);
        let mut p = login_on_a_terminal(&w, &[HOST, "--for", "30s"]);
        p.exp_string(&format!("Paste the token for {HOST}"))
            .unwrap_or_else(|e| panic!("{}: no prompt: {e}", w.name()));
        std::thread::sleep(std::time::Duration::from_secs(3));
        let pasted = now();
        p.send_line(ALICE_TOKEN).unwrap();
        let rest = p.exp_string("login ended ").unwrap();
        let code = p.read_line().unwrap();
        assert_eq!(code.trim(), "0", "{}: {rest}", w.name());
        let json = list_json(&w);
        let row = &json[0];
        let (stored_at, erase_by) = (
            row["stored_at"].as_u64().unwrap(),
            row["erase_by"].as_u64().unwrap(),
        );
        assert!(
            stored_at >= pasted,
            "{}: stored_at {stored_at} is before the paste at {pasted}",
            w.name()
        );
        assert_eq!(erase_by - stored_at, 30, "{}: {row}", w.name());
    }
}

/// A GitLab whose two tokens lack `read_user` (`GET /user` is 403): each is named by its id.
/// `DELETE /personal_access_tokens/self` revokes the one sent (204), or says it no longer
/// works (401), as GitLab documents it.
fn gitlab_api(tokens: &[(&str, u64)]) -> mockito::ServerGuard {
    let mut api = mockito::Server::new();
    for &(token, id) in tokens {
        api.mock("GET", "/personal_access_tokens/self")
            .match_header("private-token", token)
            .with_status(200)
            .with_body(format!(
                r#"{{"id":{id},"scopes":["write_repository"],"active":true,"revoked":false,"expires_at":null}}"#
            ))
            .expect_at_most(usize::MAX)
            .create();
    }
    api.mock("GET", "/user")
        .with_status(403)
        .with_body(r#"{"error":"insufficient_scope"}"#)
        .expect_at_most(usize::MAX)
        .create();
    api
}

/// "Replace it?" over `git-token-104`, answered yes, with another such token pasted: the old
/// token is revoked at GitLab and erased, not kept beside `git-token-105`.
#[test]
fn replacing_a_gitlab_token_without_read_user_revokes_it_instead_of_keeping_both() {
    const OLD: &str = "glpat-Old0000000000000000104";
    const NEW: &str = "glpat-New0000000000000000105";
    for kc in keychains() {
        let mut api = gitlab_api(&[(OLD, 104), (NEW, 105)]);
        let w = world(kc, GL_HOST, "gitlab", &api);
        stdin_login(&w, GL_HOST, OLD);
        let revoked = api
            .mock("DELETE", "/personal_access_tokens/self")
            .match_header("private-token", OLD)
            .with_status(204)
            .expect(1)
            .create();
        let mut p = login_on_a_terminal(&w, &[GL_HOST]);
        let before = p
            .exp_string("Replace it with a new token? [y/N] ")
            .unwrap_or_else(|e| panic!("{}: no question: {e}", w.name()));
        assert!(
            before.contains(&format!(
                "already stored for https://{GL_HOST}: git-token-104"
            )),
            "{before}"
        );
        let rest = replace_with(&mut p, NEW, &w);
        revoked.assert();
        assert!(
            rest.contains(&format!(
                "the replaced token of git-token-104@{GL_HOST}: revoked at GitLab"
            )),
            "{rest}"
        );
        let users = stored_users(&w);
        assert_eq!(users, ["git-token-105"], "{}", w.name());
    }
}

/// An expired token stored for the host: `login` and git's own request both say that it
/// expired, and when, instead of "no token is stored"; replacing it erases it.
#[test]
fn with_an_expired_token_stored_login_and_git_say_it_expired_and_when() {
    const OLD: &str = "glpat-Old0000000000000000104";
    const NEW: &str = "glpat-New0000000000000000105";
    // 2025-12-01 00:00 UTC.
    const EXPIRED: u64 = 1_764_547_200;
    for kc in keychains() {
        let mut api = gitlab_api(&[(NEW, 105)]);
        let w = world(kc, GL_HOST, "gitlab", &api);
        w.write_raw(
            &format!("https://git-token-104@{GL_HOST}"),
            &format!("{OLD}\npassword_expiry_utc={EXPIRED}\nforge=gitlab\n"),
        );
        let not_asked = api
            .mock("DELETE", "/personal_access_tokens/self")
            .match_header("private-token", OLD)
            .with_status(401)
            .with_body(r#"{"message":"401 Unauthorized"}"#)
            .expect(0)
            .create();

        // git asks, and no person is there: the hint names the expired token.
        let out = w.credential("fill", &format!("protocol=https\nhost={GL_HOST}\n"));
        assert_ne!(out.code, 0);
        let said = format!(
            "the token stored for https://{GL_HOST} (git-token-104) expired 2025-12-01 00:00 UTC ("
        );
        assert!(out.stderr.contains(&said), "{}: {}", w.name(), out.stderr);
        assert!(!out.stderr.contains("no token stored"), "{}", out.stderr);

        let mut p = login_on_a_terminal(&w, &[GL_HOST]);
        let before = p
            .exp_string("Replace it with a new token? [y/N] ")
            .unwrap_or_else(|e| panic!("{}: no question: {e}", w.name()));
        assert!(
            before.contains(&format!(
                "already stored for https://{GL_HOST}: git-token-104 (scopes unknown; \
                 expired 2025-12-01 00:00 UTC ("
            )),
            "{before}"
        );
        let rest = replace_with(&mut p, NEW, &w);
        not_asked.assert();
        assert!(
            rest.contains(&format!(
                "the replaced token of git-token-104@{GL_HOST} expired 2025-12-01 00:00 UTC ("
            )),
            "{rest}"
        );
        let users = stored_users(&w);
        assert_eq!(users, ["git-token-105"], "{}: {rest}", w.name());
    }
}

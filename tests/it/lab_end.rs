//! The end of a lab as git meets it: a `get` whose token's lab timer ran out (or that is marked
//! to revoke) ends git's request with `quit=1` (git-credential(1): no further helper, no
//! prompt) and one line naming the command that makes a new token, with git 2.39 and the newer
//! git, on a terminal and without one; and a `get` that serves one token never waits for the
//! forge to revoke another, while one that serves nothing asks a forge that could not revoke at
//! most once an hour (`list` always asks). Real git, the real keychains, the real HTTPS git
//! server, the forge's API as a local mock whose requests are counted.

use crate::rig::now;
use crate::rig::{self, GitServer, World, keychains};
use rexpect::ReadUntil;

/// A GitHub Enterprise Server the tests make up; its API is the mock.
const HOST: &str = "ghe.lab.test";
const ALICE_TOKEN: &str = "ghp_Alice000000000000000000000000000000001";
const BOB_TOKEN: &str = "ghp_Bob00000000000000000000000000000000002";
const CAROL_TOKEN: &str = "ghp_Carol00000000000000000000000000000003";

/// Appends `host`'s forge settings to the world's git config: a GitHub whose API is `api`.
fn configure_forge(w: &World, host: &str, forge: &str, api: &mockito::ServerGuard) {
    let mut config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
    config.push_str(&format!(
        "[credential \"https://{host}\"]\n\tpatForge = {forge}\n\tpatApiUrl = {}\n",
        api.url()
    ));
    std::fs::write(w.sb.gitconfig(), config).unwrap();
}

/// git's exit code. rexpect does not re-export nix's `WaitStatus`, so it is read from its
/// `Debug` form, `Exited(Pid(N), CODE)`.
fn exit_code(p: &rexpect::session::PtySession) -> i32 {
    let status = format!("{:?}", p.process().wait().expect("wait for git"));
    status
        .strip_prefix("Exited(")
        .and_then(|s| s.rsplit_once(", "))
        .and_then(|(_, code)| code.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("git ended with {status}"))
}

/// `git ls-remote URL` on a new pseudo-terminal, `GIT_TERMINAL_PROMPT` unset (git may prompt):
/// everything git and the helper printed there, and git's exit code. Fails the test when git
/// shows its own user name or password prompt.
fn ls_remote_on_a_terminal(w: &World, url: &str) -> (String, i32) {
    let mut cmd = rig::sandboxed(&w.sb, w.sb.git_program());
    cmd.env_remove("GIT_TERMINAL_PROMPT")
        .args(["ls-remote", url]);
    let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn git on a pty");
    let prompts = ["Username for", "Password for"];
    let mut until: Vec<ReadUntil> = prompts
        .iter()
        .map(|p| ReadUntil::String((*p).to_owned()))
        .collect();
    until.push(ReadUntil::EOF);
    let (seen, what) = p
        .exp_any(until)
        .unwrap_or_else(|e| panic!("git neither ended nor prompted: {e}"));
    if prompts.contains(&what.as_str()) {
        p.send_control('c').unwrap();
        let _ = p.exp_eof();
        panic!("git prompted after the lab ended:\n{seen}{what}");
    }
    let all = format!("{seen}{what}");
    (all, exit_code(&p))
}

#[test]
fn an_ended_lab_token_ends_git_s_request_with_one_line_and_neither_a_prompt_nor_another_helper() {
    let Some(server) = GitServer::start("alice", ALICE_TOKEN) else {
        return;
    };
    let host = server.host();
    let stop = format!(
        "git-credential-pat: the lab's token for {host} has ended, so git stops here instead of \
         asking for another; to make a new one: git credential-pat login {host}"
    );
    for kc in keychains() {
        let mut api = mockito::Server::new();
        let mut w = World::new(kc);
        server.trust(&mut w.sb);
        // A second helper after this one: `quit` must keep git from asking it.
        let asked = w.sb.gitconfig().with_file_name("second-helper-asked");
        let mut config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
        config.push_str(&format!(
            "[credential]\n\thelper = \"!f() {{ echo \\\"$1\\\" >>'{}'; }}; f\"\n",
            asked.display()
        ));
        std::fs::write(w.sb.gitconfig(), config).unwrap();
        configure_forge(&w, &host, "github", &api);
        for (i, git) in rig::gits().iter().enumerate() {
            w.sb.set_git(git);
            let version = rig::git_version(git);

            // The timer ran out during the lab; the forge revokes the token.
            let user = format!("timer{i}");
            let past = now() - 60;
            w.write_raw(
                &format!("https://{user}@{host}"),
                &format!("{ALICE_TOKEN}\nforge=GitHub\nerase_by={past}\n"),
            );
            let revoked = api
                .mock("POST", "/credentials/revoke")
                .with_status(202)
                .expect(1)
                .create();
            let url = format!("https://{user}@{host}/repo.git");
            let (seen, code) = ls_remote_on_a_terminal(&w, &url);
            revoked.assert();
            revoked.remove();
            assert_ne!(code, 0, "{} with git {version}: {seen}", w.name());
            assert!(
                seen.contains(&format!(
                    "{user}@{host} (whose lab timer ran out): revoked at"
                )) && seen.contains(&stop)
                    && seen.contains("told us to quit"),
                "{} with git {version}: {seen}",
                w.name()
            );
            assert!(
                !w.stored().iter().any(|e| e.contains(&user)),
                "{}",
                w.name()
            );

            // A token kept "to revoke" (the forge still refuses), with git's prompts off.
            let user = format!("marked{i}");
            w.write_raw(
                &format!("https://{user}@{host}"),
                &format!("{ALICE_TOKEN}\nforge=GitHub\nerase_by={past}\nto_revoke=1\n"),
            );
            let refused = api
                .mock("POST", "/credentials/revoke")
                .with_status(503)
                .expect(1)
                .create();
            let url = format!("https://{user}@{host}/repo.git");
            let out = w.sb.run(w.sb.git().args(["ls-remote", &url]), "");
            refused.assert();
            refused.remove();
            assert_eq!(out.code, 128, "{} with git {version}", w.name());
            assert!(
                !out.stderr.contains("Username for")
                    && !out.stderr.contains("Password for")
                    && out.stderr.contains(&stop),
                "{} with git {version}: {}",
                w.name(),
                out.stderr
            );
            assert!(
                out.stderr.contains(&format!(
                    "{user}@{host} (marked to revoke) is no longer served, but could not be \
                     revoked now"
                )),
                "{}",
                out.stderr
            );
        }
        assert!(
            !asked.exists(),
            "{}: git asked the next helper: {:?}",
            w.name(),
            std::fs::read_to_string(&asked)
        );
    }
}

#[test]
fn a_get_that_serves_a_token_never_waits_for_another_s_revocation_and_asks_again_hourly() {
    for kc in keychains() {
        let mut api = mockito::Server::new();
        let w = World::new(kc);
        configure_forge(&w, HOST, "ghes", &api);
        let t = now();
        // No pick is written (straight into the keychain), so `get` weighs both: bob, the most
        // recently stored, is over; alice is served.
        w.write_raw(
            &format!("https://alice@{HOST}"),
            &format!("{ALICE_TOKEN}\nforge=ghes\nstored_at={}\n", t - 600),
        );
        w.write_raw(
            &format!("https://bob@{HOST}"),
            &format!(
                "{BOB_TOKEN}\nforge=ghes\nstored_at={}\nerase_by={}\n",
                t - 300,
                t - 60
            ),
        );
        let revoke = |api: &mut mockito::ServerGuard, hits: usize| {
            api.mock("POST", "/credentials/revoke")
                .with_status(503)
                .expect(hits)
                .create()
        };
        let fill = |input: &str| w.credential("fill", input);

        // Serving alice: bob's end is named, and the forge is not asked.
        let none = revoke(&mut api, 0);
        let out = fill(&format!("protocol=https\nhost={HOST}\n"));
        none.assert();
        none.remove();
        assert!(
            out.stdout.contains(&format!("password={ALICE_TOKEN}\n")),
            "{}: {}",
            w.name(),
            out.stderr
        );
        assert!(
            out.stderr.contains(&format!(
                "git-credential-pat: bob@{HOST} reached the end of its lab timer: it is no longer \
                 served, but it is not revoked yet; `git credential-pat list` or `git \
                 credential-pat logout {HOST} --user bob --revoke` revokes it now."
            )),
            "{}",
            out.stderr
        );

        // Asked for bob, nothing is served: the forge is asked once, refuses, and is not asked
        // again by git's requests within the hour.
        let bob = format!("protocol=https\nhost={HOST}\nusername=bob\n");
        let once = revoke(&mut api, 1);
        let out = fill(&bob);
        once.assert();
        once.remove();
        assert_eq!(out.code, 128, "{}", out.stdout);
        assert!(
            out.stderr.contains("could not be revoked now"),
            "{}",
            out.stderr
        );
        let none = revoke(&mut api, 0);
        let out = fill(&bob);
        none.assert();
        none.remove();
        assert_eq!(out.code, 128, "{}", out.stdout);
        assert!(
            out.stderr.contains(&format!(
                "bob@{HOST} (marked to revoke) is no longer served, but could not be revoked \
                 now: the forge was last asked less than a minute ago, and git's requests ask \
                 it again an hour after that (`git credential-pat list` asks now)"
            )),
            "{}",
            out.stderr
        );
        assert!(!out.stdout.contains(BOB_TOKEN));

        // `list` always asks.
        let once = revoke(&mut api, 1);
        let out = w.helper_args(&["list", "--json"], "");
        once.assert();
        once.remove();
        assert!(
            out.stdout.contains("\"to_revoke\": true") || out.stdout.contains("\"to_revoke\":true"),
            "{}",
            out.stdout
        );

        // A token last tried over an hour ago is asked about again by git's request.
        w.write_raw(
            &format!("https://carol@{HOST}"),
            &format!(
                "{CAROL_TOKEN}\nforge=ghes\nerase_by={}\nto_revoke=1\nrevoke_tried_at={}\n",
                t - 7200,
                t - 3601
            ),
        );
        let revoked = api
            .mock("POST", "/credentials/revoke")
            .with_status(202)
            .expect(1)
            .create();
        let out = fill(&format!("protocol=https\nhost={HOST}\nusername=carol\n"));
        revoked.assert();
        assert_eq!(out.code, 128, "{}", out.stdout);
        assert!(
            out.stderr.contains(&format!(
                "carol@{HOST} (marked to revoke): revoked at GitHub Enterprise Server; erased"
            )),
            "{}",
            out.stderr
        );
        assert!(!w.stored().iter().any(|e| e.contains(CAROL_TOKEN)));
    }
}

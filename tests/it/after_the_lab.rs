//! After the lab: `list`, `logout` (everywhere, and `--revoke` at the forge), the lab timer,
//! the default account, `configure`/`unconfigure`, `doctor`, completions and the man page;
//! with real git, the real keychains, and the forge's API as a local mock.

use crate::rig::now;
use crate::rig::{self, World, keychains};

/// A GitHub Enterprise Server the tests make up; its API is the mock.
const HOST: &str = "ghe.lab.test";
const ALICE_TOKEN: &str = "ghp_Alice000000000000000000000000000000001";
const BOB_TOKEN: &str = "ghp_Bob00000000000000000000000000000000002";

/// `GET /user` answers alice or bob by token, as GitHub documents it.
fn mock_api() -> mockito::ServerGuard {
    let mut api = mockito::Server::new();
    for (token, login) in [(ALICE_TOKEN, "alice"), (BOB_TOKEN, "bob")] {
        api.mock("GET", "/user")
            .match_header("authorization", format!("Bearer {token}").as_str())
            .with_status(200)
            .with_header("x-oauth-scopes", "repo, workflow")
            .with_body(format!(r#"{{"login":"{login}"}}"#))
            .expect_at_most(usize::MAX)
            .create();
    }
    api
}

/// A world on `kc` that knows HOST as a GitHub Enterprise Server whose API is `api`.
fn world(kc: rig::Keychain, api: &mockito::ServerGuard) -> World {
    let w = World::new(kc);
    let helpers = format!(
        "[credential]\n\thelper =\n\thelper = \"{}\"\n",
        w.helper_command()
    );
    set_config(&w, api, &helpers);
    w
}

/// The sandbox's global git config: `helpers`, then HOST's forge settings.
fn set_config(w: &World, api: &mockito::ServerGuard, helpers: &str) {
    let config = format!(
        "{helpers}[credential \"https://{HOST}\"]\n\tpatForge = ghes\n\tpatApiUrl = {}\n",
        api.url()
    );
    std::fs::write(w.sb.gitconfig(), config).unwrap();
}

fn login(w: &World, token: &str, extra: &[&str]) {
    let mut args = vec!["login", HOST, "--token-stdin"];
    args.extend_from_slice(extra);
    let out = w.helper_args(&args, &format!("{token}\n"));
    assert_eq!(out.code, 0, "{}: login: {}", w.name(), out.stderr);
}

fn list_json(w: &World) -> serde_json::Value {
    let out = w.helper_args(&["list", "--json"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn list_shows_host_user_forge_scopes_and_keychain_but_never_the_token() {
    let api = mock_api();
    for kc in keychains() {
        let w = world(kc, &api);
        login(&w, ALICE_TOKEN, &[]);
        w.approve("protocol=https\nhost=gitlab.com\nusername=carol\npassword=glpat-carol\n");
        let out = w.helper_args(&["list"], "");
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            !out.stdout.contains("ghp_") && !out.stdout.contains("glpat-"),
            "{}",
            out.stdout
        );
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines.len(), 3, "{}", out.stdout);
        assert!(lines[0].starts_with("HOST"), "{}", lines[0]);
        let alice = lines.iter().find(|l| l.starts_with(HOST)).unwrap();
        for fact in [
            "alice",
            "GitHub Enterprise Server",
            "repo, workflow",
            "never",
            w.name(),
        ] {
            assert!(alice.contains(fact), "{fact} missing from {alice:?}");
        }
        let json = list_json(&w);
        let rows = json.as_array().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["host"], HOST);
        assert_eq!(rows[0]["username"], "alice");
        assert_eq!(rows[0]["scopes"], serde_json::json!(["repo", "workflow"]));
        assert_eq!(rows[0]["keychain"], w.name());
        assert_eq!(rows[1]["host"], "gitlab.com");
        assert_eq!(rows[1]["forge"], serde_json::Value::Null);
        assert!(!json.to_string().contains("ghp_"));
    }
}

#[test]
fn logout_erases_the_token_from_the_keychain_and_from_every_other_helper_git_uses() {
    let api = mock_api();
    for kc in keychains() {
        let w = world(kc, &api);
        // A plaintext store beside ours, as a workshop machine might have: both keep a copy.
        let file = w.sb.dir.path().join("git-credentials");
        let helpers = format!(
            "[credential]\n\thelper =\n\thelper = \"{}\"\n\thelper = store --file={}\n",
            w.helper_command(),
            file.display()
        );
        set_config(&w, &api, &helpers);
        w.approve(&format!(
            "protocol=https\nhost={HOST}\nusername=alice\npassword={ALICE_TOKEN}\n"
        ));
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .contains(ALICE_TOKEN),
            "the store helper kept no copy"
        );
        assert_eq!(w.stored_tokens().len(), 1);

        let out = w.helper_args(&["logout", HOST], "");
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        assert_eq!(
            out.stderr,
            format!(
                "alice@{HOST}: erased from the {}; git's other helpers told to forget it\n\
                 git-credential-pat: it STILL WORKS at the forge until it expires: erased here \
                 only, so delete it at https://{HOST}/settings/tokens.\n",
                w.name()
            ),
            "plain logout names the token as still live"
        );
        assert!(w.stored().is_empty(), "{}", w.name());
        assert!(
            !std::fs::read_to_string(&file)
                .unwrap()
                .contains(ALICE_TOKEN),
            "the store helper still has it"
        );
    }
}

#[test]
fn logout_revoke_revokes_at_the_forge_and_keeps_a_token_it_could_not_revoke() {
    for kc in keychains() {
        let mut api = mock_api();
        let w = world(kc, &api);
        login(&w, ALICE_TOKEN, &[]);
        login(&w, BOB_TOKEN, &[]);
        // GitHub Enterprise Server: one authenticated request per token.
        let alice = api
            .mock("POST", "/credentials/revoke")
            .match_header("authorization", format!("Bearer {ALICE_TOKEN}").as_str())
            .match_body(mockito::Matcher::Json(
                serde_json::json!({ "credentials": [ALICE_TOKEN] }),
            ))
            .with_status(202)
            .create();
        let bob = api
            .mock("POST", "/credentials/revoke")
            .match_header("authorization", format!("Bearer {BOB_TOKEN}").as_str())
            .with_status(500)
            .with_body(r#"{"message":"Server Error"}"#)
            .expect(1)
            .create();
        let out = w.helper_args(&["logout", HOST, "--revoke", "--yes"], "");
        alice.assert();
        bob.assert();
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(
            out.stderr.contains(&format!(
                "alice@{HOST}: revoked at GitHub Enterprise Server; erased from the {}",
                w.name()
            )),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains(&format!(
                "bob@{HOST}: NOT revoked: GitHub Enterprise Server did not revoke it (HTTP 500); \
                 delete it by hand at https://{HOST}/settings/tokens; kept in the {}",
                w.name()
            )),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains(&format!(
                "still stored: bob@{HOST}; run logout again, or add --force"
            )),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("ghp_"));
        assert_eq!(w.stored_tokens().len(), 1, "{}", w.name());
        assert!(w.stored_tokens()[0].starts_with(&format!("https://bob@{HOST} {BOB_TOKEN}")));

        let out = w.helper_args(&["logout", HOST, "--revoke", "--force"], "");
        assert_eq!(
            out.code, 1,
            "a failed revocation still fails the command: {}",
            out.stderr
        );
        assert!(w.stored().is_empty(), "--force erases it anyway");
    }
}

/// GHES 3.18 REST reference, `POST /credentials/revoke`: fine-grained tokens cannot use the
/// endpoint. logout says so before any request, names the page, and `--force` names it too.
#[test]
fn logout_revoke_on_ghes_says_before_trying_that_a_fine_grained_token_needs_the_page() {
    const FINE: &str = "github_pat_11CAROL0000000000000000_carol000000000000000000000000000000000000000000000000000";
    for kc in keychains() {
        let mut api = mock_api();
        api.mock("GET", "/user")
            .match_header("authorization", format!("Bearer {FINE}").as_str())
            .with_status(200)
            .with_body(r#"{"login":"carol"}"#)
            .create();
        let revoke = api
            .mock("POST", "/credentials/revoke")
            .with_status(202)
            .expect(0)
            .create();
        let w = world(kc, &api);
        login(&w, FINE, &[]);
        let page = format!("https://{HOST}/settings/personal-access-tokens");
        let out = w.helper_args(&["logout", HOST, "--revoke"], "");
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(
            out.stderr.starts_with(&format!(
                "carol@{HOST}: cannot be revoked through the API: GitHub Enterprise Server's \
                 revocation API does not take fine-grained tokens; delete it by hand at {page}\n"
            )),
            "{}",
            out.stderr
        );
        assert_eq!(w.stored_tokens().len(), 1, "{}", w.name());
        let out = w.helper_args(&["logout", HOST, "--revoke", "--force"], "");
        assert!(
            out.stderr.contains(&format!(
                "carol@{HOST}: NOT revoked: GitHub Enterprise Server's revocation API does not \
                 take fine-grained tokens; delete it by hand at {page}; erased from the {}",
                w.name()
            )),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("github_pat_"));
        assert!(w.stored().is_empty(), "{}", w.name());
        revoke.assert();
    }
}

/// go-github#3708: `GitHub-Authentication-Token-Expiration` equal to the current time on a
/// `200` for a fine-grained token that works. Stored with no expiry, and said so.
#[test]
fn a_token_accepted_with_an_expiry_of_now_is_stored_without_one_and_the_person_is_told() {
    const FINE: &str = "github_pat_11DAVE00000000000000000_dave0000000000000000000000000000000000000000000000000000";
    for kc in keychains() {
        let mut api = mockito::Server::new();
        let at = std::process::Command::new("date")
            .args(["-u", "+%Y-%m-%d %H:%M:%S UTC"])
            .output()
            .unwrap();
        let at = String::from_utf8(at.stdout).unwrap();
        api.mock("GET", "/user")
            .match_header("authorization", format!("Bearer {FINE}").as_str())
            .with_status(200)
            .with_header("github-authentication-token-expiration", at.trim())
            .with_body(r#"{"login":"dave"}"#)
            .create();
        let w = world(kc, &api);
        let out = w.helper_args(&["login", HOST, "--token-stdin"], &format!("{FINE}\n"));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stderr.contains(&format!(
                "expiry unknown: GitHub Enterprise Server reported {} UTC, which cannot be right for a \
                 token it accepted",
                &at.trim()[..16]
            )),
            "{}",
            out.stderr
        );
        assert_eq!(list_json(&w)[0]["expires_at"], serde_json::Value::Null);
    }
}

#[test]
fn logout_of_several_tokens_without_yes_and_without_a_terminal_erases_nothing() {
    let api = mock_api();
    for kc in keychains() {
        let w = world(kc, &api);
        login(&w, ALICE_TOKEN, &[]);
        login(&w, BOB_TOKEN, &[]);
        let out = w.helper_args(&["logout", "--all"], "");
        assert_eq!(out.code, 1);
        assert_eq!(
            out.stderr,
            format!(
                "git-credential-pat: 2 tokens match (alice@{HOST}, bob@{HOST}); add --yes to erase them all\n"
            )
        );
        assert_eq!(w.stored().len(), 2);
    }
}

#[test]
fn the_first_get_after_the_lab_timer_revokes_the_token_or_keeps_it_to_revoke_and_serves_nothing() {
    for kc in keychains() {
        let mut api = mock_api();
        let w = world(kc, &api);
        let past = now() - 60;
        w.write_raw(
            &format!("https://alice@{HOST}"),
            &format!("{ALICE_TOKEN}\nforge=GitHub Enterprise Server\nerase_by={past}\n"),
        );
        // The forge refuses the revocation: the token is not served, and not forgotten.
        let refused = api
            .mock("POST", "/credentials/revoke")
            .with_status(503)
            .expect(1)
            .create();
        let out = w.credential("fill", &format!("protocol=https\nhost={HOST}\n"));
        refused.assert();
        refused.remove();
        assert_eq!(out.code, 128, "{}: {}", w.name(), out.stdout);
        assert!(!out.stdout.contains(ALICE_TOKEN));
        assert!(
            out.stderr.contains(&format!(
                "git-credential-pat: alice@{HOST} (whose lab timer ran out) is no longer served, \
                 but could not be revoked now"
            )) && out.stderr.contains("to revoke"),
            "{}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("no token stored"),
            "no login hint after a lab ends: {}",
            out.stderr
        );
        let json = list_json(&w);
        assert_eq!(json[0]["to_revoke"], serde_json::json!(true), "{json}");
        let table = w.helper_args(&["list"], "");
        assert!(table.stdout.contains("TO REVOKE"), "{}", table.stdout);
        let doctor = w.helper_args(&["doctor"], "");
        assert!(
            doctor.stdout.contains("to revoke") || doctor.stderr.contains("to revoke"),
            "{}{}",
            doctor.stdout,
            doctor.stderr
        );

        // The next run that asks (`list`, `doctor`, `logout` always; git's `get` an hour after
        // the last try, see `lab_end`), with the forge answering, revokes it and erases it.
        let revoked = api
            .mock("POST", "/credentials/revoke")
            .match_header("authorization", format!("Bearer {ALICE_TOKEN}").as_str())
            .with_status(202)
            .expect(1)
            .create();
        let out = w.helper_args(&["list"], "");
        revoked.assert();
        assert_eq!(out.code, 0, "{}", out.stdout);
        assert!(
            out.stderr.contains(&format!(
                "alice@{HOST} (marked to revoke): revoked at GitHub Enterprise Server; erased"
            )),
            "{}",
            out.stderr
        );
        assert!(w.stored().is_empty(), "{}", w.name());
    }
}

#[test]
fn list_revokes_a_token_whose_lab_timer_ended() {
    for kc in keychains() {
        let mut api = mock_api();
        let w = world(kc, &api);
        let past = now() - 60;
        w.write_raw(
            &format!("https://alice@{HOST}"),
            &format!("{ALICE_TOKEN}\nforge=GitHub Enterprise Server\nerase_by={past}\n"),
        );
        let revoked = api
            .mock("POST", "/credentials/revoke")
            .with_status(202)
            .expect(1)
            .create();
        let out = w.helper_args(&["list", "--json"], "");
        revoked.assert();
        assert_eq!(out.stdout.trim(), "[]", "{}", out.stderr);
        assert!(out.stderr.contains("revoked at"), "{}", out.stderr);
        assert!(w.stored().is_empty());
    }
}

#[test]
fn login_for_sets_the_lab_timer_that_list_shows() {
    let api = mock_api();
    for kc in keychains() {
        let w = world(kc, &api);
        let before = now();
        login(&w, ALICE_TOKEN, &["--for", "8h"]);
        let json = list_json(&w);
        let erase_by = json[0]["erase_by"].as_u64().unwrap();
        assert!(
            (before + 8 * 3600..=now() + 8 * 3600).contains(&erase_by),
            "{erase_by}"
        );
        let out = w.helper_args(&["list"], "");
        assert!(
            out.stdout.contains("erases in 7 hours") || out.stdout.contains("erases in 8 hours"),
            "{}",
            out.stdout
        );
        // Until then it is served as usual.
        let out = w.credential("fill", &format!("protocol=https\nhost={HOST}\n"));
        assert!(
            out.stdout.contains(&format!("password={ALICE_TOKEN}\n")),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn with_several_users_and_none_asked_for_the_default_one_is_served() {
    let api = mock_api();
    for kc in keychains() {
        let w = world(kc, &api);
        login(&w, BOB_TOKEN, &["--default"]);
        login(&w, ALICE_TOKEN, &[]);
        let fill = |input: &str| w.credential("fill", input).stdout;
        assert!(
            fill(&format!("protocol=https\nhost={HOST}\n")).contains("username=bob\n"),
            "{}",
            w.name()
        );
        assert!(fill(&format!("url=https://alice@{HOST}\n")).contains("username=alice\n"));
        login(&w, ALICE_TOKEN, &["--default"]);
        assert!(
            fill(&format!("protocol=https\nhost={HOST}\n")).contains("username=alice\n"),
            "{}",
            w.name()
        );
        let json = list_json(&w);
        let defaults: Vec<_> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["default"].as_bool().unwrap())
            .collect();
        assert_eq!(defaults, [true, false], "only one default per host");
    }
}

#[test]
fn configure_and_unconfigure_leave_a_config_with_other_helpers_exactly_as_it_was() {
    let sb = rig::Sandbox::new();
    let original = "[user]\n\tname = Lab User\n[credential]\n\thelper = cache --timeout=300\n\
                    [credential \"https://github.com\"]\n\thelper = osxkeychain\n\tusername = alice\n\
                    [core]\n\teditor = vim\n";
    std::fs::write(sb.gitconfig(), original).unwrap();
    let configure = |args: &[&str]| {
        let mut cmd = sb.helper();
        cmd.env_remove("GIT_CREDENTIAL_PAT_NAMESPACE").args(args);
        sb.run(&mut cmd, "")
    };
    let out = configure(&["configure", "github.com", "gitlab.com"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let configured = std::fs::read_to_string(sb.gitconfig()).unwrap();
    let bin = rig::helper_bin().canonicalize().unwrap();
    assert_eq!(
        configured,
        format!(
            "{original}[credential \"https://github.com\"]\n\thelper = \n\thelper = {bin}\n\
             \tuseHttpPath = true\n\
             [credential \"https://gitlab.com\"]\n\thelper = \n\thelper = {bin}\n\
             \tuseHttpPath = true\n",
            bin = bin.display()
        )
    );
    let again = configure(&["configure", "github.com", "gitlab.com"]);
    assert_eq!(again.code, 0);
    assert_eq!(
        std::fs::read_to_string(sb.gitconfig()).unwrap(),
        configured,
        "configure is not idempotent"
    );
    let out = configure(&["unconfigure", "github.com", "gitlab.com"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(sb.gitconfig()).unwrap(), original);
}

#[test]
fn doctor_passes_a_healthy_setup_and_fails_when_another_helper_also_keeps_tokens() {
    let api = mock_api();
    for kc in keychains() {
        let w = world(kc, &api);
        // Configured the way `configure` does it, for HOST.
        let mut helpers = format!(
            "[credential \"https://{HOST}\"]\n\thelper =\n\thelper = \"{}\"\n",
            w.helper_command()
        );
        set_config(&w, &api, &helpers);
        login(&w, ALICE_TOKEN, &[]);
        let out = w.helper_args(&["doctor"], "");
        assert_eq!(out.code, 0, "{}: {}{}", w.name(), out.stdout, out.stderr);
        assert!(
            out.stdout.contains(&format!(
                "ok    git asks only git-credential-pat for https://{HOST}"
            )),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout
                .contains(&format!("ok    the {} stores and reads tokens", w.name())),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout.contains(&format!(
                "ok    alice@{HOST}: GitHub Enterprise Server accepts it as alice"
            )),
            "{}",
            out.stdout
        );
        assert!(!out.stdout.contains("FAIL"), "{}", out.stdout);

        helpers.push_str(&format!(
            "[credential]\n\thelper = store --file={}/plain\n",
            w.sb.dir.path().display()
        ));
        set_config(&w, &api, &helpers);
        let out = w.helper_args(&["doctor", "--offline"], "");
        assert_eq!(out.code, 1, "{}", out.stdout);
        assert!(
            out.stdout.contains(&format!(
                "FAIL  for https://{HOST} git also hands every token to `credential.helper = store --file="
            )),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout.contains("(not checked: --offline)"),
            "{}",
            out.stdout
        );
        assert_eq!(out.stderr, "git-credential-pat: 1 check failed\n");
    }
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line_definition() {
    let sb = rig::Sandbox::new();
    let out = sb.run(sb.helper().args(["completions", "bash"]), "");
    assert_eq!(out.code, 0);
    for word in ["logout", "--revoke", "--token-stdin", "configure", "doctor"] {
        assert!(out.stdout.contains(word), "bash completion lacks {word}");
    }
    let out = sb.run(sb.helper().arg("manpage"), "");
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        &out.stdout[..80.min(out.stdout.len())]
    );
    assert!(
        out.stdout.contains(".TH git-credential-pat 1"),
        "not a man page"
    );
}

/// Two GitLab tokens made without `read_user` (GitLab will not name their
/// owner) are both kept, each under its own identity, rather than the second overwriting the
/// first as user `git`.
#[test]
fn a_second_gitlab_token_without_read_user_does_not_overwrite_the_first() {
    const GL_HOST: &str = "gitlab.lab.test";
    let tokens = [
        ("glpat-First0000000000000001", 41),
        ("glpat-Second000000000000002", 42),
    ];
    let mut api = mockito::Server::new();
    for (token, id) in tokens {
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
    for kc in keychains() {
        let w = World::new(kc);
        let config = format!(
            "[credential]\n\thelper =\n\thelper = \"{}\"\n[credential \"https://{GL_HOST}\"]\n\
             \tpatForge = gitlab\n\tpatApiUrl = {}\n",
            w.helper_command(),
            api.url()
        );
        std::fs::write(w.sb.gitconfig(), config).unwrap();
        for (token, _) in tokens {
            let out = w.helper_args(&["login", GL_HOST, "--token-stdin"], &format!("{token}\n"));
            assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        }
        let json = list_json(&w);
        let users: Vec<_> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["username"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(users, ["git-token-41", "git-token-42"], "{}", w.name());
    }
}

/// `login` for an account that has a token says which one is stored and,
/// with --token-stdin, replaces it, revoking the old one at the forge.
#[test]
fn login_over_a_stored_token_names_it_and_revokes_the_one_it_replaces() {
    const ALICE_NEW: &str = "ghp_AliceNew0000000000000000000000000003";
    for kc in keychains() {
        let mut api = mock_api();
        api.mock("GET", "/user")
            .match_header("authorization", format!("Bearer {ALICE_NEW}").as_str())
            .with_status(200)
            .with_header("x-oauth-scopes", "repo")
            .with_body(r#"{"login":"Alice"}"#)
            .expect_at_most(usize::MAX)
            .create();
        let w = world(kc, &api);
        login(&w, ALICE_TOKEN, &[]);
        let revoked = api
            .mock("POST", "/credentials/revoke")
            .match_header("authorization", format!("Bearer {ALICE_TOKEN}").as_str())
            .with_status(202)
            .expect(1)
            .create();
        let out = w.helper_args(&["login", HOST, "--token-stdin"], &format!("{ALICE_NEW}\n"));
        assert_eq!(out.code, 0, "{}", out.stderr);
        revoked.assert();
        assert!(
            out.stderr.contains(&format!(
                "already stored for https://{HOST}: alice (scopes repo, workflow"
            )),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("no token is stored"), "{}", out.stderr);
        assert!(
            out.stderr.contains(&format!(
                "the replaced token of alice@{HOST}: revoked at GitHub Enterprise Server"
            )),
            "{}",
            out.stderr
        );
        let tokens = w.stored_tokens();
        assert_eq!(tokens.len(), 1, "{tokens:?}");
        assert!(tokens[0].contains(ALICE_NEW), "{tokens:?}");
    }
}

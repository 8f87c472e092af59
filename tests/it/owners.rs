//! Two accounts on one forge, chosen by the repository's owner (`login --owner`): real git
//! (PATH's and Debian's 2.39) against a local HTTPS server whose two repositories, under two
//! owners, each accept only their own account's token and answer another's 404 as GitHub
//! does; `git credential fill`, `token`, `exec` and `list URL` make the same choice.

use crate::rig::{GitServer, World, git_version, gits, keychains};

/// The work account: the default, for every owner not routed.
const WORK: (&str, &str) = ("alice", "ghp_work_account_token");
/// The personal account, routed the lab's owner.
const ME: (&str, &str) = ("bob", "ghp_personal_account_token");

fn start_server() -> Option<GitServer> {
    let server = GitServer::start_owners(&[WORK, ME], &[("acme", WORK.0), ("lab", ME.0)]);
    if server.is_none() {
        eprintln!("note: no nginx/fcgiwrap here; skipping the end-to-end test");
    }
    server
}

/// The user and password `git credential fill` gets for `url`.
fn fill(w: &World, url: &str) -> (String, String) {
    let out = w.credential("fill", &format!("url={url}\n\n"));
    assert_eq!(out.code, 0, "{}: fill {url}: {}", w.name(), out.stderr);
    let field = |key: &str| {
        out.stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_default()
            .to_owned()
    };
    (field("username"), field("password"))
}

#[test]
fn each_owner_is_cloned_and_pushed_with_its_own_account_without_a_user_name_in_the_url() {
    let Some(server) = start_server() else { return };
    let host = server.host();
    for program in gits() {
        for kc in keychains() {
            let mut w = World::new(kc);
            server.trust(&mut w.sb);
            w.sb.set_git(&program);
            let who = format!("git {} ({})", git_version(&program), w.name());
            for (user, token) in [WORK, ME] {
                w.approve(&format!(
                    "protocol=https\nhost={host}\nusername={user}\npassword={token}\n"
                ));
            }
            // The personal account was stored last: without a route it would serve acme too.
            let out = w.helper_args(
                &[
                    "login",
                    &format!("https://{}@{host}", ME.0),
                    "--owner",
                    "lab",
                ],
                "",
            );
            assert_eq!(out.code, 0, "{who}: login --owner: {}", out.stderr);
            assert!(
                out.stderr.contains("lab/") && out.stderr.contains(ME.0),
                "{who}: {}",
                out.stderr
            );
            let config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
            assert!(
                config.contains("useHttpPath = true"),
                "{who}: login --owner makes git send the path: {config}"
            );

            for owner in ["acme", "lab"] {
                let dir = w.sb.dir.path().join(owner);
                let dir = dir.to_str().unwrap();
                let out = w.git(&["clone", &server.owner_url(owner), dir]);
                assert_eq!(out.code, 0, "{who}: clone {owner}: {}", out.stderr);
                let message = format!("pushed to {owner} with {who}");
                let out = w.git(&["-C", dir, "commit", "--allow-empty", "-m", &message]);
                assert_eq!(out.code, 0, "{}", out.stderr);
                let out = w.git(&["-C", dir, "push", "origin", "HEAD"]);
                assert_eq!(out.code, 0, "{who}: push {owner}: {}", out.stderr);
                let log = std::process::Command::new("git")
                    .arg("--git-dir")
                    .arg(server.owner_repo_path(owner))
                    .args(["log", "-1", "--format=%s", "main"])
                    .output()
                    .unwrap();
                assert_eq!(String::from_utf8_lossy(&log.stdout).trim(), message);
            }
            assert!(
                !server.access_log().lines().any(|l| l.starts_with("404 ")),
                "{who}: a repository was asked with the other account's token:\n{}",
                server.access_log()
            );
            // Both accounts still stored, once each, per host (no copy per repository).
            let stored = w.stored_tokens();
            assert_eq!(stored.len(), 2, "{who}: {stored:?}");
        }
    }
}

#[test]
fn fill_token_exec_and_list_agree_on_the_owner_the_user_name_and_the_default() {
    let Some(server) = start_server() else { return };
    let host = server.host();
    for kc in keychains() {
        let mut w = World::new(kc);
        server.trust(&mut w.sb);
        for (user, token) in [WORK, ME] {
            w.approve(&format!(
                "protocol=https\nhost={host}\nusername={user}\npassword={token}\n"
            ));
        }
        let out = w.helper_args(
            &[
                "login",
                &format!("https://{}@{host}", ME.0),
                "--owner",
                "Lab",
            ],
            "",
        );
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        let cases = [
            (format!("https://{host}/acme/app.git"), WORK),
            (format!("https://{host}/lab/app.git"), ME),
            (format!("https://{host}/LAB/other.git"), ME),
            (format!("https://{host}/third/x.git"), WORK),
            (format!("https://{}@{host}/acme/app.git", ME.0), ME),
            (format!("https://{}@{host}/lab/app.git", WORK.0), WORK),
        ];
        let table = w.helper_args(&["list"], "");
        assert!(
            table.stdout.contains(&format!("{} for Lab/", ME.0)),
            "{}: list shows each account's owners:\n{}",
            w.name(),
            table.stdout
        );
        let reasons = [
            "the host's default",
            "its owner lab/ is routed to it",
            "its owner LAB/ is routed to it",
            "the host's default",
            "the URL names the user bob",
            "the URL names the user alice",
        ];
        for ((url, (user, token)), reason) in cases.into_iter().zip(reasons) {
            let why = format!("{}: {url}", w.name());
            assert_eq!(fill(&w, &url), (user.into(), token.into()), "{why}");
            let out = w.helper_args(&["token", &url], "");
            assert_eq!(
                (out.code, out.stdout.trim()),
                (0, token),
                "{why}: {}",
                out.stderr
            );
            let out = w.helper_args(
                &[
                    "exec",
                    &url,
                    "--env",
                    "T",
                    "--",
                    "sh",
                    "-c",
                    "printf %s \"$T\"",
                ],
                "",
            );
            assert_eq!(
                (out.code, out.stdout.as_str()),
                (0, token),
                "{why}: {}",
                out.stderr
            );
            let out = w.helper_args(&["list", &url], "");
            assert_eq!(out.code, 0, "{why}: {}", out.stderr);
            let marked: Vec<&str> = out
                .stdout
                .lines()
                .filter(|l| l.starts_with(&format!("* {host} ")))
                .collect();
            assert!(
                out.stdout.contains(&format!("({reason})\n")),
                "{why}: list says why: {}",
                out.stdout
            );
            assert!(
                marked.len() == 1 && marked[0].split_whitespace().nth(2) == Some(user),
                "{why}: list marks {marked:?}\n{}",
                out.stdout
            );
        }
    }
}

#[test]
fn configure_sets_use_http_path_and_unconfigure_leaves_the_file_as_it_was() {
    let sb = crate::rig::Sandbox::new();
    let original =
        "[user]\n\tname = Lab User\n[credential \"https://github.com\"]\n\tusername = alice\n";
    std::fs::write(sb.gitconfig(), original).unwrap();
    let run = |args: &[&str]| {
        let mut cmd = sb.helper();
        cmd.env_remove("GIT_CREDENTIAL_PAT_NAMESPACE").args(args);
        sb.run(&mut cmd, "")
    };
    let out = run(&["configure", "github.com"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let configured = std::fs::read_to_string(sb.gitconfig()).unwrap();
    let bin = crate::rig::helper_bin().canonicalize().unwrap();
    assert_eq!(
        configured,
        format!(
            "{original}[credential \"https://github.com\"]\n\thelper = \n\thelper = {}\n\
             \tuseHttpPath = true\n",
            bin.display()
        )
    );
    let out = sb.run(
        sb.git().args([
            "config",
            "--get-urlmatch",
            "credential.useHttpPath",
            "https://github.com/acme/app.git",
        ]),
        "",
    );
    assert_eq!(out.stdout.trim(), "true", "{configured}");
    let out = run(&["unconfigure", "github.com"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(sb.gitconfig()).unwrap(), original);
}

#[test]
fn doctor_names_an_owner_routed_to_two_accounts_and_a_routed_host_without_use_http_path() {
    for kc in keychains() {
        let w = World::new(kc);
        for (user, token) in [WORK, ME] {
            w.write_raw(
                &format!("https://{user}@github.com"),
                &format!("{token}\nowners=lab\n"),
            );
        }
        let out = w.helper_args(&["doctor", "--offline"], "");
        assert_ne!(out.code, 0, "{}: {}", w.name(), out.stdout);
        assert!(
            out.stdout
                .contains("FAIL  lab/ on https://github.com is routed to 2 accounts (alice, bob)")
                || out.stdout.contains(
                    "FAIL  lab/ on https://github.com is routed to 2 accounts (bob, alice)"
                ),
            "{}: {}",
            w.name(),
            out.stdout
        );
        assert!(
            out.stdout.contains(
                "FAIL  https://github.com: owners are routed but git does not name the repository"
            ),
            "{}: {}",
            w.name(),
            out.stdout
        );
    }
}

/// A GitHub Enterprise Server on a mock API that knows the work and the personal token.
const GHES: &str = "ghe.lab.test";
const WORK_GHP: &str = "ghp_Work0000000000000000000000000000000001";
const ME_GHP: &str = "ghp_Mine0000000000000000000000000000000002";

#[test]
fn login_owner_with_a_new_token_routes_it_and_a_token_kept_per_path_before_still_serves_its_path() {
    let mut api = mockito::Server::new();
    for (token, login) in [(WORK_GHP, "alice"), (ME_GHP, "bob")] {
        api.mock("GET", "/user")
            .match_header("authorization", format!("Bearer {token}").as_str())
            .with_status(200)
            .with_header("x-oauth-scopes", "repo, workflow")
            .with_body(format!(r#"{{"login":"{login}"}}"#))
            .expect_at_most(usize::MAX)
            .create();
    }
    for kc in keychains() {
        let w = World::new(kc);
        let config = format!(
            "[credential]\n\thelper =\n\thelper = \"{}\"\n\
             [credential \"https://{GHES}\"]\n\tpatForge = ghes\n\tpatApiUrl = {}\n",
            w.helper_command(),
            api.url()
        );
        std::fs::write(w.sb.gitconfig(), config).unwrap();
        // Kept for one repository by an older version (useHttpPath), before any owner.
        w.write_raw(
            &format!("https://carol@{GHES}/old/repo.git"),
            "ghp_kept_for_one_path\n",
        );
        for (token, extra) in [(WORK_GHP, None), (ME_GHP, Some("lab"))] {
            let mut args = vec!["login", GHES, "--token-stdin"];
            args.extend(extra.iter().flat_map(|o| ["--owner", *o]));
            let out = w.helper_args(&args, &format!("{token}\n"));
            assert_eq!(out.code, 0, "{}: login: {}", w.name(), out.stderr);
        }
        let out = w.helper_args(&["list", "--json"], "");
        let rows: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let owners: Vec<(String, serde_json::Value)> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["username"].as_str().unwrap().into(), r["owners"].clone()))
            .collect();
        assert_eq!(
            owners,
            [
                ("alice".into(), serde_json::json!([])),
                ("bob".into(), serde_json::json!(["lab"])),
                ("carol".into(), serde_json::json!([])),
            ],
            "{}",
            w.name()
        );
        let config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
        assert!(config.contains("useHttpPath = true"), "{config}");
        for (path, user, token) in [
            ("lab/x.git", "bob", ME_GHP),
            ("acme/app.git", "alice", WORK_GHP),
            ("old/repo.git", "carol", "ghp_kept_for_one_path"),
        ] {
            let url = format!("https://{GHES}/{path}");
            assert_eq!(
                fill(&w, &url),
                (user.into(), token.into()),
                "{}: {url}",
                w.name()
            );
        }
    }
}

//! Clients other than the newest git: Debian's git 2.39 keeping what `login` learnt, the
//! config `configure` writes as git and cargo's libgit2 read it (a later
//! `credential.helper store`, the old trailing-slash section), and cargo's default fetch
//! (libgit2) served by the helper from the local HTTPS server.

use crate::rig::{self, DEBIAN_GIT, GitServer, Sandbox, World, keychains};
use std::path::Path;

const USER: &str = "alice";
const TOKEN: &str = "ghp_server_accepts_this";

/// What `list --json` shows of the only stored token: (forge, scopes, expires_at).
fn listed_facts(w: &World) -> (serde_json::Value, serde_json::Value, serde_json::Value) {
    let out = w.helper_args(&["list", "--json"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows: serde_json::Value = serde_json::from_str(&out.stdout).expect("list --json");
    let row = &rows[0];
    (
        row["forge"].clone(),
        row["scopes"].clone(),
        row["expires_at"].clone(),
    )
}

#[test]
fn a_clone_through_git_2_39_keeps_the_tokens_forge_scopes_and_expiry() {
    if !Path::new(DEBIAN_GIT).is_file() {
        return rig::skip("Debian's git (/usr/bin/git) is not installed");
    }
    let Some(server) = GitServer::start(USER, TOKEN) else {
        return;
    };
    for kc in keychains() {
        let mut w = World::new(kc);
        server.trust(&mut w.sb);
        w.sb.set_git(Path::new(DEBIAN_GIT));
        // As `login` stores it: the forge's answer with the token.
        w.write_raw(
            &format!("https://{USER}@{}", server.host()),
            &format!(
                "{TOKEN}\npassword_expiry_utc=4102444800\nstored_at=1700000000\nforge=GitHub\nscopes=repo,workflow\n"
            ),
        );
        let before = w.stored();
        let dir = w.sb.dir.path().join("lab");
        let out = w.sb.run(
            w.sb.git()
                .args(["clone", &server.repo_url(), dir.to_str().unwrap()]),
            "",
        );
        assert_eq!(out.code, 0, "{}: clone: {}", w.name(), out.stderr);
        assert_eq!(
            w.stored(),
            before,
            "{}: git 2.39's store rewrote the entry",
            w.name()
        );
        let (forge, scopes, expires) = listed_facts(&w);
        assert_eq!(forge, "GitHub", "{}", w.name());
        assert_eq!(scopes, serde_json::json!(["repo", "workflow"]));
        assert_eq!(expires, 4102444800u64);
    }
}

/// Runs the helper's `configure`/`unconfigure` in `sb` with `args`; returns stderr.
fn configure(sb: &Sandbox, store_arg: &str, args: &[&str]) -> String {
    let out = sb.run(sb.helper().arg(store_arg).args(args), "");
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    out.stderr
}

#[test]
fn a_later_credential_helper_store_gets_no_token_once_configure_ran_again() {
    for git in rig::gits() {
        for kc in keychains() {
            let mut w = World::new(kc);
            w.sb.set_git(&git);
            std::fs::write(w.sb.gitconfig(), "").unwrap();
            configure(&w.sb, w.store_arg(), &["configure", "github.com"]);
            // A workshop guide's advice, after install.
            let out = w.sb.run(
                w.sb.git()
                    .args(["config", "--global", "credential.helper", "store"]),
                "",
            );
            assert_eq!(out.code, 0, "{}", out.stderr);
            let plain = w.sb.home.join(".git-credentials");
            let alice = "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_alice\n";
            w.approve(alice);
            assert!(
                plain.exists(),
                "the later `store` did not get the token: the test proves nothing"
            );
            std::fs::remove_file(&plain).unwrap();

            let doctor = w.helper_args(&["doctor", "--offline"], "");
            assert!(
                doctor.stdout.contains(
                    "git also hands every token to `credential.helper = store`, which may keep its own copy: run `git credential-pat configure github.com`"
                ),
                "{}",
                doctor.stdout
            );

            let said = configure(&w.sb, w.store_arg(), &["configure", "github.com"]);
            assert!(
                said.contains("moved git-credential-pat's entries for https://github.com after credential.helper = store"),
                "{said}"
            );
            w.approve("protocol=https\nhost=github.com\nusername=bob\npassword=ghp_bob\n");
            assert!(
                !plain.exists(),
                "git {}: the token reached ~/.git-credentials",
                git.display()
            );
            assert_eq!(
                w.stored_tokens(),
                [
                    "https://alice@github.com ghp_alice|",
                    "https://bob@github.com ghp_bob|"
                ]
            );
            let again = configure(&w.sb, w.store_arg(), &["configure", "github.com"]);
            assert!(again.contains("already asks"), "{again}");
            let doctor = w.helper_args(&["doctor", "--offline"], "");
            assert!(
                doctor
                    .stdout
                    .contains("ok    git asks only git-credential-pat for https://github.com"),
                "{}",
                doctor.stdout
            );
        }
    }
}

#[test]
fn configure_migrates_the_trailing_slash_section_and_unconfigure_restores_the_file() {
    let sb = Sandbox::new();
    let bin = rig::helper_bin().canonicalize().unwrap();
    let bin = bin.display();
    let original = "[user]\n\tname = Lab User\n";
    std::fs::write(
        sb.gitconfig(),
        format!("{original}[credential \"https://github.com/\"]\n\thelper = \n\thelper = {bin}\n"),
    )
    .unwrap();
    let mut cmd = sb.helper();
    cmd.env_remove("GIT_CREDENTIAL_PAT_NAMESPACE");
    let out = sb.run(cmd.args(["configure", "github.com"]), "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("the key cargo's libgit2 also reads"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(sb.gitconfig()).unwrap(),
        format!(
            "{original}[credential \"https://github.com\"]\n\thelper = \n\thelper = {bin}\n\
             \tuseHttpPath = true\n"
        )
    );
    let mut cmd = sb.helper();
    cmd.env_remove("GIT_CREDENTIAL_PAT_NAMESPACE");
    let out = sb.run(cmd.arg("unconfigure"), "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(sb.gitconfig()).unwrap(), original);
}

/// Installed under a directory whose path holds a space and a `'` (a HOME such as
/// `/home/Jo O'Neil`), not on PATH: `configure` writes the helper in a form git runs, so that
/// git 2.39 and the newer git store and are served the token through it; `doctor` finds that
/// git runs this very program, and `unconfigure` takes it back.
#[test]
fn a_helper_path_with_a_space_and_a_quote_is_configured_in_a_form_git_runs() {
    for git in rig::gits() {
        for kc in keychains() {
            let mut w = World::new(kc);
            w.sb.set_git(&git);
            std::fs::write(w.sb.gitconfig(), "").unwrap();
            let dir = w.sb.dir.path().join("Jo O'Neil/.local/bin");
            std::fs::create_dir_all(&dir).unwrap();
            let bin = dir.join("git-credential-pat");
            std::fs::copy(rig::helper_bin(), &bin).unwrap();
            let quoted = format!("'{}'", bin.display().to_string().replace('\'', r"'\''"));
            // What an older configure wrote, which git cannot run: configure replaces it.
            let key = "credential.https://github.com.helper";
            for value in ["", &quoted] {
                let out = w.sb.run(
                    w.sb.git().args(["config", "--global", "--add", key, value]),
                    "",
                );
                assert_eq!(out.code, 0, "{}", out.stderr);
            }
            let installed = |args: &[&str]| {
                let mut cmd = rig::sandboxed(&w.sb, &bin);
                w.sb.run(cmd.arg(w.store_arg()).args(args), "")
            };
            let out = installed(&["configure", "github.com"]);
            assert_eq!(out.code, 0, "{}", out.stderr);
            let helpers = w.sb.run(
                w.sb.git().args(["config", "--global", "--get-all", key]),
                "",
            );
            assert_eq!(
                helpers.stdout,
                format!(
                    "\n!{quoted} {} --namespace={}\n",
                    w.store_arg(),
                    w.sb.namespace
                )
            );
            let alice = "protocol=https\nhost=github.com\nusername=alice\npassword=ghp_alice\n";
            let approved = w.credential("approve", alice);
            let filled = w.credential("fill", "protocol=https\nhost=github.com\n\n");
            assert!(
                filled.stdout.contains("password=ghp_alice"),
                "git {} could not run the configured helper:\n{}\n{}{}",
                rig::git_version(&git),
                std::fs::read_to_string(w.sb.gitconfig()).unwrap(),
                approved.stderr,
                filled.stderr
            );
            assert_eq!(
                w.stored_tokens(),
                ["https://alice@github.com ghp_alice|"],
                "{}",
                w.name()
            );

            let doctor = installed(&["doctor", "--offline"]);
            assert!(
                doctor
                    .stdout
                    .contains("ok    git asks only git-credential-pat for https://github.com")
                    && !doctor.stdout.contains("cannot find the helper")
                    && !doctor.stdout.contains("not this program"),
                "{}",
                doctor.stdout
            );
            let out = installed(&["unconfigure"]);
            assert_eq!(out.code, 0, "{}", out.stderr);
            assert!(
                out.stderr
                    .contains("git no longer asks git-credential-pat for https://github.com"),
                "{}",
                out.stderr
            );
            assert_eq!(std::fs::read_to_string(w.sb.gitconfig()).unwrap(), "");
        }
    }
}

#[test]
fn with_stderr_swallowed_the_login_flow_still_shows_the_token_page_on_the_terminal() {
    let token = "ghp_LabToken000000000000000000000000001";
    let Some(server) = GitServer::start(USER, token) else {
        return;
    };
    let mut api = mockito::Server::new();
    api.mock("GET", "/user")
        .match_header("authorization", format!("Bearer {token}").as_str())
        .with_status(200)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_header("x-oauth-scopes", "repo, workflow")
        .with_body(format!(r#"{{"login":"{USER}","id":1}}"#))
        .create();
    for kc in keychains() {
        let mut w = World::new(kc);
        server.trust(&mut w.sb);
        let mut config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
        config.push_str(&format!(
            "[credential \"https://{}\"]\n\tpatForge = github\n\tpatApiUrl = {}\n",
            server.host(),
            api.url()
        ));
        std::fs::write(w.sb.gitconfig(), config).unwrap();
        let dir = w.sb.dir.path().join("lab");
        let swallowed = w.sb.dir.path().join("stderr.log");
        // A client that swallows the helper's stderr: here everything git's stderr carries
        // goes to a file, and only /dev/tty reaches the person.
        let mut cmd = rig::sandboxed(&w.sb, "sh");
        cmd.env("GIT_TERMINAL_PROMPT", "1").args([
            "-c",
            "stty echo; exec git clone \"$1\" \"$2\" 2>\"$3\"",
            "sh",
            &server.repo_url(),
            dir.to_str().unwrap(),
            swallowed.to_str().unwrap(),
        ]);
        let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn on a pty");
        let before = p
            .exp_string("Paste the token for")
            .unwrap_or_else(|e| panic!("{}: no prompt on the terminal: {e}", w.name()));
        assert!(
            before.contains(&format!(
                "https://{}/settings/tokens/new?scopes=repo,workflow",
                server.host()
            )),
            "{}: the token page is not on the terminal: {before}",
            w.name()
        );
        p.send_line(token).unwrap();
        let rest = p.exp_eof().unwrap();
        assert!(
            dir.join("README").exists(),
            "{}: clone failed: {rest}",
            w.name()
        );
        let stderr = std::fs::read_to_string(&swallowed).unwrap();
        assert!(!stderr.contains("settings/tokens"), "{stderr}");
    }
}

/// Commits a tiny cargo package in the clone `work` and pushes it, with `git`.
fn make_a_crate(work: &Path, git: &dyn Fn(&[&str])) {
    std::fs::create_dir_all(work.join("src")).unwrap();
    std::fs::write(
        work.join("Cargo.toml"),
        "[package]\nname = \"labdep\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(work.join("src/lib.rs"), "pub fn lab() {}\n").unwrap();
    let w_dir = work.to_str().unwrap();
    git(&["-C", w_dir, "add", "."]);
    git(&["-C", w_dir, "commit", "-qm", "a crate"]);
    git(&["-C", w_dir, "push", "-q", "origin", "HEAD"]);
}

/// `cargo fetch` in `project` with cargo's default git transport (libgit2), its own
/// CARGO_HOME, trusting `cert` through openssl's `SSL_CERT_FILE` (a `CARGO_HTTP_CAINFO` would
/// make cargo swap in its curl transport for libgit2's), and git's global config read by
/// libgit2 from `$HOME/.gitconfig`.
fn cargo_fetch(sb: &Sandbox, project: &Path, cert: &Path) -> rig::Output {
    let mut cmd = rig::sandboxed(sb, env!("CARGO"));
    cmd.current_dir(project)
        .env("CARGO_HOME", sb.dir.path().join("cargo-home"))
        .env("CARGO_NET_GIT_FETCH_WITH_CLI", "false")
        .env("CARGO_NET_RETRY", "0")
        .env("SSL_CERT_FILE", cert)
        .env_remove("CARGO_HTTP_CAINFO")
        .env_remove("RUSTFLAGS")
        .arg("fetch");
    sb.run(&mut cmd, "")
}

#[test]
fn cargos_libgit2_fetches_a_git_dependency_with_the_token_configure_set_up() {
    let Some(server) = GitServer::start(USER, TOKEN) else {
        return;
    };
    let port = server.host().rsplit_once(':').unwrap().1.to_owned();
    // libgit2 takes a credential helper's host only from a domain name, never from an IP
    // address, and the certificate also names `localhost`.
    let url = format!("https://localhost:{port}/repo.git");
    for kc in keychains() {
        let mut w = World::new(kc);
        server.trust(&mut w.sb);
        // Make the served repository a tiny cargo package.
        w.approve(&format!(
            "protocol=https\nhost=127.0.0.1:{port}\nusername={USER}\npassword={TOKEN}\n"
        ));
        let work = w.sb.dir.path().join("labdep");
        let git = |args: &[&str]| {
            let out = w.sb.run(
                w.sb.git()
                    .args(["-c", "user.name=Lab", "-c", "user.email=lab@example.com"])
                    .args(args),
                "",
            );
            assert_eq!(out.code, 0, "git {args:?}: {}", out.stderr);
        };
        git(&["clone", &server.repo_url(), work.to_str().unwrap()]);
        if work.join("Cargo.toml").exists() {
            // Pushed by the run on the other keychain.
        } else {
            make_a_crate(&work, &git);
        }

        // The token for the host libgit2 names, and git's config as `configure localhost`
        // writes it, where libgit2 reads it.
        w.approve(&format!(
            "protocol=https\nhost=localhost:{port}\nusername={USER}\npassword={TOKEN}\n"
        ));
        std::fs::write(w.sb.gitconfig(), "").unwrap();
        std::os::unix::fs::symlink(w.sb.gitconfig(), w.sb.home.join(".gitconfig")).unwrap();
        let project = w.sb.dir.path().join("app");
        std::fs::create_dir_all(project.join("src")).unwrap();
        std::fs::write(
            project.join("Cargo.toml"),
            format!(
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\nlabdep = {{ git = \"{url}\" }}\n"
            ),
        )
        .unwrap();
        std::fs::write(project.join("src/main.rs"), "fn main() {}\n").unwrap();

        // What an older `configure` wrote: libgit2 does not read the trailing-slash key.
        std::fs::write(
            w.sb.gitconfig(),
            format!(
                "[credential \"https://localhost/\"]\n\thelper =\n\thelper = \"{}\"\n",
                w.helper_command()
            ),
        )
        .unwrap();
        let out = cargo_fetch(&w.sb, &project, &server.cert);
        assert_ne!(out.code, 0, "{}: fetched without a helper?", w.name());
        assert!(
            out.stderr
                .contains("failed to acquire username/password from local configuration"),
            "{}",
            out.stderr
        );

        configure(&w.sb, w.store_arg(), &["configure", "localhost"]);
        let out = cargo_fetch(&w.sb, &project, &server.cert);
        assert_eq!(out.code, 0, "{}: cargo fetch: {}", w.name(), out.stderr);
        assert!(
            std::fs::read_to_string(project.join("Cargo.lock"))
                .unwrap()
                .contains("name = \"labdep\""),
            "{}",
            w.name()
        );
    }
}

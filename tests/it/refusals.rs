//! Attacks that once reached a token, a page or a shell, replayed on real parts, and what the
//! helper now does instead: a host a URL parser reads differently, a text browser writing into
//! git's answer, a namespace the shell would run, a trailing-dot name taken for loopback,
//! terminal escapes in the forge's answer, a bare `patApiUrl`, and a server that only claims
//! to be GitHub. docs/RELIABILITY.md tables them. The kernel-keyring and cache-file attacks have modules of
//! their own (`keyring_isolation`, `cache_files`, `bounded_waits`).

use crate::rig::{self, Keychain, World};

const TOKEN: &str = "ghp_RefusalToken0000000000000000000001";

/// A World on the kernel keyring (these attacks do not depend on the keychain), or `None`
/// after a skip note when `keyctl` is missing here.
fn world() -> Option<World> {
    rig::require_tools("the kernel keyring", &["keyctl"])?;
    Some(World::new(Keychain::Keyutils))
}

/// GitHub's `GET /user` for [`TOKEN`] (REST API description, "Get the authenticated user":
/// 200 with `login`, and the `X-OAuth-Scopes` header), with `login` as given.
fn github_api(login: &str) -> mockito::ServerGuard {
    let mut api = mockito::Server::new();
    api.mock("GET", "/user")
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(200)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_header("x-oauth-scopes", "repo, workflow")
        .with_body(serde_json::json!({ "login": login, "id": 1 }).to_string())
        .create();
    api
}

/// Configures `host` in the world's git config as a GitHub Enterprise Server whose API is `api`.
fn configure_forge(w: &World, host: &str, api: &mockito::ServerGuard) {
    let mut config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
    config.push_str(&format!(
        "[credential \"https://{host}\"]\n\tpatForge = github\n\tpatApiUrl = {}\n",
        api.url()
    ));
    std::fs::write(w.sb.gitconfig(), config).unwrap();
}

/// `sh -c SCRIPT` on a new pseudo-terminal with echo on, prompts allowed.
fn on_a_terminal(w: &World, script: &str) -> rexpect::session::PtySession {
    let mut cmd = rig::sandboxed(&w.sb, "sh");
    cmd.env("GIT_TERMINAL_PROMPT", "1")
        .args(["-c", &format!("stty echo; {script}")]);
    rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn on a pty")
}

#[test]
fn a_host_that_a_url_parser_reads_differently_is_refused_and_opens_no_token_page() {
    let Some(w) = world() else { return };
    // git decodes %5c in the host, so the helper is asked for `evil.example\.ghe.com`, which
    // a suffix check took for GHE.com and a URL parser for https://evil.example/.ghe.com/.
    let mut p = on_a_terminal(
        &w,
        "exec git -c http.proactiveAuth=basic ls-remote https://evil.example%5c.ghe.com/lab.git",
    );
    let seen = p
        .exp_string("Username for")
        .unwrap_or_else(|e| panic!("git did not fall back to its own prompt: {e}"));
    p.send_control('c').unwrap();
    let _ = p.exp_eof();
    assert!(
        seen.contains("git-credential-pat: refused the request from git: the host holds a character a host name cannot have"),
        "{seen}"
    );
    assert!(!seen.contains("settings/tokens"), "{seen}");
    assert_eq!(w.sb.browser_urls(), Vec::<String>::new());
}

#[test]
fn every_host_outside_the_grammar_is_refused_with_one_line_through_git() {
    let Some(w) = world() else { return };
    w.approve(&format!(
        "protocol=https\nhost=github.com\nusername=octo\npassword={TOKEN}\n"
    ));
    for host in [
        "github.com%5c.evil",
        "github.com%2fevil",
        "evil%3f.github.com",
        "evil%23.github.com",
        "evil%7c.github.com",
        "evil%20.github.com",
        "evil%1b%5b31m.github.com",
    ] {
        let out = w.credential("fill", &format!("url=https://{host}/\n"));
        assert!(!out.stdout.contains(TOKEN), "{host}: {}", out.stdout);
        let ours: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("git-credential-pat:"))
            .collect();
        assert_eq!(ours.len(), 1, "{host}: {}", out.stderr);
        assert!(
            ours[0].contains("refused the request from git"),
            "{}",
            ours[0]
        );
        assert!(!ours[0].contains('\u{1b}'), "{host}: {:?}", ours[0]);
    }
}

#[test]
fn a_text_browser_cannot_write_into_gits_answer() {
    let Some(mut w) = world() else { return };
    let api = github_api("octo");
    configure_forge(&w, "lab.example", &api);
    // A text browser (the crate runs these in the foreground, with our stdout) whose page says
    // `host=attacker.example`.
    let browser = w.sb.dir.path().join("w3m");
    std::fs::write(
        &browser,
        "#!/bin/sh\nprintf 'host=attacker.example\\nusername=mallory\\n'\n",
    )
    .unwrap();
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    w.sb.set_env("BROWSER", browser.to_str().unwrap());
    let mut p = on_a_terminal(
        &w,
        "printf 'protocol=https\\nhost=lab.example\\n\\n' | git credential fill > answer; echo filled $?",
    );
    p.exp_string("Paste the token for lab.example")
        .unwrap_or_else(|e| panic!("no prompt: {e}"));
    p.send_line(TOKEN).unwrap();
    p.exp_string("filled 0").unwrap();
    let _ = p.exp_eof();
    let answer = std::fs::read_to_string(w.sb.dir.path().join("answer")).unwrap();
    assert_eq!(
        answer,
        format!("protocol=https\nhost=lab.example\nusername=octo\npassword={TOKEN}\n")
    );
}

/// While the login flow runs, git's stdout is set aside on a descriptor of its own; a browser
/// must not inherit it: a browser that stays open (as most do, and as this one's child does)
/// would hold git's pipe open, and git would wait for the answer's end until the browser quits.
#[test]
fn a_browser_that_stays_open_does_not_hold_gits_answer_back() {
    let Some(mut w) = world() else { return };
    let api = github_api("octo");
    configure_forge(&w, "lab.example", &api);
    let pid_file = w.sb.dir.path().join("browser-child.pid");
    let browser = w.sb.dir.path().join("browser-that-stays.sh");
    // The child keeps every descriptor the browser got, except its stdio.
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nsleep 120 </dev/null >/dev/null 2>&1 &\necho $! > '{}'\nexit 0\n",
            pid_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    w.sb.set_env("BROWSER", browser.to_str().unwrap());
    let mut p = on_a_terminal(
        &w,
        "printf 'protocol=https\\nhost=lab.example\\n\\n' | git credential fill > answer; echo filled $?",
    );
    p.exp_string("Paste the token for lab.example")
        .unwrap_or_else(|e| panic!("no prompt: {e}"));
    p.send_line(TOKEN).unwrap();
    // Well within the child's 120 s: git gets its answer as soon as the helper exits.
    let filled = p.exp_string("filled 0");
    assert!(pid_file.exists(), "the browser was never run");
    if let Ok(pid) = std::fs::read_to_string(&pid_file) {
        let _ = std::process::Command::new("kill").arg(pid.trim()).status();
    }
    filled.unwrap_or_else(|e| {
        panic!("git waited for the browser's child, which held its pipe open: {e}")
    });
    let _ = p.exp_eof();
}

#[test]
fn configure_refuses_a_namespace_that_the_shell_would_run() {
    let Some(mut w) = world() else { return };
    let before = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
    let pwned = w.sb.dir.path().join("pwned");
    w.sb.set_env(
        "GIT_CREDENTIAL_PAT_NAMESPACE",
        &format!("x;touch {};:", pwned.display()),
    );
    let mut cmd = w.sb.helper();
    let out = w.sb.run(cmd.arg("configure"), "");
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("may hold only letters, digits, '.', '_' and '-'"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(w.sb.gitconfig()).unwrap(), before);
    w.credential("fill", "protocol=https\nhost=github.com\n");
    assert!(!pwned.exists(), "the namespace ran as a shell command");
}

#[test]
fn a_trailing_dot_name_is_not_loopback_so_plain_http_gets_nothing() {
    let Some(w) = world() else { return };
    w.approve(&format!(
        "protocol=http\nhost=localhost:3000\nusername=dev\npassword={TOKEN}\n"
    ));
    let served = w.credential("fill", "protocol=http\nhost=localhost:3000\n");
    assert!(served.stdout.contains(TOKEN), "{}", served.stderr);
    for host in ["localhost.:3000", "127.0.0.1.:3000"] {
        let out = w.credential("fill", &format!("protocol=http\nhost={host}\n"));
        assert!(!out.stdout.contains(TOKEN), "{host}: {}", out.stdout);
    }
    // Nor is one kept for such a host.
    w.credential(
        "approve",
        &format!("protocol=http\nhost=localhost.:3001\nusername=dev\npassword={TOKEN}\n"),
    );
    let listed = w.helper_args(&["list", "--json"], "");
    assert!(!listed.stdout.contains("3001"), "{}", listed.stdout);
}

#[test]
fn names_from_the_forges_answer_are_escaped_wherever_they_are_printed() {
    let Some(w) = world() else { return };
    let api = github_api("octo\u{1b}]8;;https://evil.example\u{7}click\u{1b}[31m");
    configure_forge(&w, "lab.example", &api);
    let out = w.helper_args(
        &["login", "lab.example", "--token-stdin"],
        &format!("{TOKEN}\n"),
    );
    // The name was taken and shown: escaped, not dropped.
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("octo"), "{:?}", out.stderr);
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
    assert!(!out.stderr.contains('\u{7}'), "{:?}", out.stderr);
    let listed = w.helper_args(&["list"], "");
    assert!(
        listed.stdout.contains("octo"),
        "{:?} after {:?}",
        listed.stdout,
        out.stderr
    );
    assert!(!listed.stdout.contains('\u{1b}'), "{:?}", listed.stdout);
}

#[test]
fn a_bare_api_url_applies_to_no_host_and_doctor_says_so() {
    let Some(w) = world() else { return };
    let api = github_api("octo");
    let mut config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
    config.push_str(&format!("[credential]\n\tpatApiUrl = {}\n", api.url()));
    std::fs::write(w.sb.gitconfig(), config).unwrap();
    // github.com's token would go to the bare API; it must go to api.github.com (unreachable
    // here), so the mock sees nothing.
    let out = w.helper_args(
        &["login", "github.com", "--token-stdin"],
        &format!("{TOKEN}\n"),
    );
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("127.0.0.1"), "{}", out.stderr);
    let doctor = w.helper_args(&["doctor", "--offline"], "");
    assert!(
        doctor.stdout.contains("credential.patapiurl = ")
            && doctor.stdout.contains("has no URL, so it is ignored"),
        "{}",
        doctor.stdout
    );
}

#[test]
fn a_server_that_only_claims_to_be_github_opens_nothing_until_the_person_agrees() {
    let Some(w) = world() else { return };
    // git passes the server's challenges on as wwwauth[] (git-credential(1)).
    let request = "protocol=https\\nhost=lab.example\\nwwwauth[]=Basic realm=GitHub\\n\\n";
    let mut p = on_a_terminal(
        &w,
        &format!("printf '{request}' | git credential fill; echo filled $?"),
    );
    let said = p
        .exp_string("store a token for it? [y/N] ")
        .unwrap_or_else(|e| panic!("no question: {e}"));
    assert!(
        said.contains("lab.example says (by its realm) that it is a GitHub Enterprise Server"),
        "{said}"
    );
    assert_eq!(
        w.sb.browser_urls(),
        Vec::<String>::new(),
        "opened before asking"
    );
    p.send_line("n").unwrap();
    p.exp_string("nothing was opened or stored for lab.example")
        .unwrap();
    p.send_control('c').unwrap();
    let _ = p.exp_eof();
    assert_eq!(w.sb.browser_urls(), Vec::<String>::new());

    // With no person present, the hint names no page to open.
    let out = w.credential(
        "fill",
        "protocol=https\nhost=lab.example\nwwwauth[]=Basic realm=\"GitHub\"\n",
    );
    assert!(
        out.stderr
            .contains("which only claims (by its realm) to be a GitHub Enterprise Server"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("settings/tokens"), "{}", out.stderr);
}

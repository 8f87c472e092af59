//! `install.sh` as a new user runs it: it builds, installs the binary, and points git at it for
//! https://github.com; run twice the config is the same; `--uninstall` undoes both.

use crate::rig::{self, Sandbox};
use std::path::Path;

/// Runs `install.sh ARGS` in `sb` with `PREFIX=prefix`, as a person installing (no namespace,
/// except for `--uninstall`), with cargo's and rustup's homes kept so a build works offline.
pub(crate) fn install(sb: &Sandbox, prefix: &Path, args: &[&str]) -> rig::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh");
    let mut sh = rig::sandboxed(sb, script);
    // A person installing has no namespace set; with one, configure would write it into git's
    // config (as it does for an explicit --namespace). Uninstalling keeps the sandbox's, so
    // that it looks at this test's tokens only (unconfigure does not use it).
    if args.first() != Some(&"--uninstall") {
        sh.env_remove("GIT_CREDENTIAL_PAT_NAMESPACE");
    }
    // Keep cargo's own home so the build finds the registry cache offline.
    if let Some(cargo_home) = std::env::var_os("CARGO_HOME")
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo").into()))
    {
        sh.env("CARGO_HOME", cargo_home);
    }
    if let Some(rustup_home) = std::env::var_os("RUSTUP_HOME")
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".rustup").into()))
    {
        sh.env("RUSTUP_HOME", rustup_home);
    }
    sh.env("PREFIX", prefix).args(args);
    // install.sh builds in release mode, which takes minutes from scratch on two cores.
    rig::run_with_timeout(&mut sh, b"", std::time::Duration::from_secs(900))
}

fn global_config(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.gitconfig()).unwrap()
}

#[test]
fn install_configures_git_once_however_often_it_runs_and_uninstall_undoes_it() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.gitconfig(),
        "[user]\n\tname = Lab User\n[credential]\n\thelper = cache\n",
    )
    .unwrap();
    let prefix = sb.dir.path().join("prefix");
    let bin = prefix.join("bin/git-credential-pat");

    let out = install(&sb, &prefix, &[]);
    assert_eq!(out.code, 0, "install.sh failed: {}", out.stderr);
    assert!(bin.is_file(), "no binary at {}", bin.display());
    let man = prefix.join("share/man/man1/git-credential-pat.1");
    let bash = prefix.join("share/bash-completion/completions/git-credential-pat");
    assert!(
        std::fs::read_to_string(&man)
            .unwrap()
            .contains(".TH git-credential-pat 1")
    );
    assert!(std::fs::read_to_string(&bash).unwrap().contains("logout"));
    assert!(out.stdout.contains("is not on your PATH"), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("git now asks git-credential-pat for https://github.com"),
        "{}",
        out.stderr
    );
    let configured = global_config(&sb);
    let helpers = sb.run(
        sb.git().args([
            "config",
            "--global",
            "--get-all",
            "credential.https://github.com.helper",
        ]),
        "",
    );
    assert_eq!(
        helpers.stdout,
        format!("\n{}\n", bin.canonicalize().unwrap().display())
    );

    let again = install(&sb, &prefix, &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("git already asks git-credential-pat"),
        "{}",
        again.stderr
    );
    assert_eq!(
        global_config(&sb),
        configured,
        "a second install changed the config"
    );

    let out = install(&sb, &prefix, &["--uninstall"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!bin.exists());
    assert!(
        !man.exists() && !bash.exists(),
        "uninstall left the man page or completions"
    );
    let helpers = sb.run(
        sb.git().args([
            "config",
            "--global",
            "--get-all",
            "credential.https://github.com.helper",
        ]),
        "",
    );
    assert_eq!((helpers.code, helpers.stdout.as_str()), (1, ""));
    let kept = sb.run(
        sb.git()
            .args(["config", "--global", "--get-all", "credential.helper"]),
        "",
    );
    assert_eq!(kept.stdout, "cache\n", "uninstall touched another helper");
}

#[test]
fn install_refuses_an_unknown_argument() {
    let sb = Sandbox::new();
    let out = install(&sb, &sb.dir.path().join("prefix"), &["--frobnicate"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("unknown argument '--frobnicate'"),
        "{}",
        out.stderr
    );
}

/// `./install.sh --uninstall` with a token stored: without a terminal and
/// without --yes it names the token and refuses, saying what to run; with --yes it revokes and
/// erases it, then removes the binary and the cache directory (the keychain's write lock). The binary is copied in rather than built, since
/// uninstalling builds nothing.
#[test]
fn uninstall_with_tokens_stored_names_them_and_revokes_them_first() {
    const HOST: &str = "ghe.lab.test";
    const TOKEN: &str = "ghp_Alice000000000000000000000000000000001";
    if rig::require_tools("the uninstall test", &["keyctl"]).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let mut api = mockito::Server::new();
    std::fs::write(
        sb.gitconfig(),
        format!(
            "[credential \"https://{HOST}\"]\n\tpatForge = ghes\n\tpatApiUrl = {}\n",
            api.url()
        ),
    )
    .unwrap();
    let prefix = sb.dir.path().join("prefix");
    let bin = prefix.join("bin/git-credential-pat");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(rig::helper_bin(), &bin).unwrap();
    let input = format!("protocol=https\nhost={HOST}\nusername=alice\npassword={TOKEN}\n");
    let stored = sb.run(sb.helper().args(["--store=keyutils", "store"]), &input);
    assert_eq!(stored.code, 0, "{}", stored.stderr);
    let service = format!("git-credential-pat:{}", sb.namespace);
    assert_eq!(rig::keyutils_entries(&service).len(), 1);

    let out = install(&sb, &prefix, &["--uninstall"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!("{HOST}  alice")),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("1 token(s) are stored")
            && out.stderr.contains("logout --all --revoke")
            && out.stderr.contains("--uninstall --yes"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains(TOKEN) && !out.stderr.contains(TOKEN));
    assert!(
        bin.exists(),
        "the binary was removed while a token is stored"
    );
    assert_eq!(rig::keyutils_entries(&service).len(), 1);

    let revoke = api
        .mock("POST", "/credentials/revoke")
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(202)
        .expect(1)
        .create();
    let out = install(&sb, &prefix, &["--uninstall", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    revoke.assert();
    assert!(
        out.stderr.contains(&format!(
            "alice@{HOST}: revoked at GitHub Enterprise Server"
        )),
        "{}",
        out.stderr
    );
    assert!(rig::keyutils_entries(&service).is_empty());
    assert!(!bin.exists());
    let cache = sb.home.join(".cache/git-credential-pat");
    assert!(!cache.exists(), "uninstall left {}", cache.display());
}

/// At a terminal, `--uninstall` asks; Enter (the default, no) removes nothing: the token, the
/// binary and git's configuration all stay, and the line says how to finish.
#[test]
fn uninstall_at_a_terminal_asks_and_on_no_removes_nothing() {
    const HOST: &str = "ghe.lab.test";
    const TOKEN: &str = "ghp_Alice000000000000000000000000000000002";
    if rig::require_tools("the uninstall test", &["keyctl"]).is_none() {
        return;
    }
    let sb = Sandbox::new();
    std::fs::write(
        sb.gitconfig(),
        format!("[credential \"https://{HOST}\"]\n\tpatForge = ghes\n"),
    )
    .unwrap();
    let prefix = sb.dir.path().join("prefix");
    let bin = prefix.join("bin/git-credential-pat");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(rig::helper_bin(), &bin).unwrap();
    let configured = sb.run(rig::sandboxed(&sb, &bin).args(["configure", HOST]), "");
    assert_eq!(configured.code, 0, "{}", configured.stderr);
    let config = global_config(&sb);
    let input = format!("protocol=https\nhost={HOST}\nusername=alice\npassword={TOKEN}\n");
    let stored = sb.run(sb.helper().args(["--store=keyutils", "store"]), &input);
    assert_eq!(stored.code, 0, "{}", stored.stderr);
    let service = format!("git-credential-pat:{}", sb.namespace);

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh");
    let mut cmd = rig::sandboxed(&sb, "sh");
    cmd.env("PREFIX", &prefix).args([
        "-c",
        "stty echo; \"$0\" --uninstall; echo \"uninstall ended $?\"",
        script.to_str().unwrap(),
    ]);
    let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn install.sh");
    let said = p
        .exp_string("[y/N] ")
        .unwrap_or_else(|e| panic!("no question: {e}"));
    assert!(said.contains(&format!("{HOST}  alice")), "{said}");
    assert!(!said.contains(TOKEN));
    p.send_line("").unwrap();
    let (rest, ended) = p
        .exp_regex("uninstall ended [0-9]+")
        .unwrap_or_else(|e| panic!("install.sh did not end after no: {e}"));
    assert!(bin.exists(), "the binary was removed after no: {rest}");
    assert_eq!(
        global_config(&sb),
        config,
        "git's config changed after no: {rest}"
    );
    assert_eq!(
        rig::keyutils_entries(&service).len(),
        1,
        "the token was erased after no"
    );
    assert_eq!(ended, "uninstall ended 1", "{rest}");
    assert!(
        said.contains("Revoke them at their forges, erase them, and then uninstall?"),
        "{said}"
    );
    assert!(
        rest.contains("nothing was removed") && rest.contains("./install.sh --uninstall --yes"),
        "{rest}"
    );
    // The rig erases the sandbox's kernel-keyring keys when it is dropped.
}

/// A token stored in a namespace that a configured helper command names
/// (`helper = …git-credential-pat --store=keyutils --namespace=N`) is listed and, with --yes,
/// revoked and erased like the others; uninstalling then leaves no cache directory behind.
#[test]
fn uninstall_finds_the_tokens_of_a_configured_namespace_and_leaves_no_cache() {
    const HOST: &str = "ghe.lab.test";
    const TOKEN: &str = "ghp_Alice000000000000000000000000000000003";
    if rig::require_tools("the uninstall test", &["keyctl"]).is_none() {
        return;
    }
    let sb = Sandbox::new();
    // Named after the sandbox's namespace, so that the rig erases it too.
    let lab = format!("{}-lab", sb.namespace);
    let mut api = mockito::Server::new();
    let prefix = sb.dir.path().join("prefix");
    let bin = prefix.join("bin/git-credential-pat");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(rig::helper_bin(), &bin).unwrap();
    std::fs::write(
        sb.gitconfig(),
        format!(
            "[credential \"https://{HOST}\"]\n\tpatForge = ghes\n\tpatApiUrl = {}\n\thelper =\n\thelper = {} --store=keyutils --namespace={lab}\n",
            api.url(),
            bin.display()
        ),
    )
    .unwrap();
    let input = format!("protocol=https\nhost={HOST}\nusername=alice\npassword={TOKEN}\n");
    let approved = sb.run(sb.git().args(["credential", "approve"]), &input);
    assert_eq!(approved.code, 0, "{}", approved.stderr);
    let service = format!("git-credential-pat:{lab}");
    assert_eq!(
        rig::keyutils_entries(&service).len(),
        1,
        "git did not store the token through the configured helper"
    );

    let out = install(&sb, &prefix, &["--uninstall"]);
    assert_eq!(
        out.code, 1,
        "uninstall went ahead over the token in the namespace {lab}: {}{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout
            .contains(&format!("These tokens are stored in the namespace {lab}:"))
            && out.stdout.contains(&format!("{HOST}  alice")),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("1 token(s) are stored")
            && out
                .stderr
                .contains(&format!("--namespace={lab} logout --all --revoke")),
        "{}",
        out.stderr
    );
    assert!(bin.exists());

    let revoke = api
        .mock("POST", "/credentials/revoke")
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(202)
        .expect(1)
        .create();
    let out = install(&sb, &prefix, &["--uninstall", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    revoke.assert();
    assert!(rig::keyutils_entries(&service).is_empty());
    assert!(!bin.exists());
    assert!(
        !global_config(&sb).contains("git-credential-pat"),
        "{}",
        global_config(&sb)
    );
    let cache = sb.home.join(".cache/git-credential-pat");
    assert!(
        !cache.exists(),
        "uninstall left {}: {:?}",
        cache.display(),
        std::fs::read_dir(&cache).map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>())
    );
    assert!(sb.home.join(".cache").is_dir());
}

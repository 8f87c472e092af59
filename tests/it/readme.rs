//! The README as a new user tries it: every `git credential-pat COMMAND` it mentions is a
//! command the binary knows (`COMMAND --help` succeeds), so that no instruction points at a
//! command that was renamed or never existed. The lines that write a `.env` file run against a
//! stored token and must leave a file only its owner can read; the install example shows the
//! line `configure` prints. Other shell blocks are not run.

use crate::rig;

/// Every word following `git credential-pat ` in the README, e.g. `login`, `list`.
fn commands_in_readme() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read README.md");
    let mut words: Vec<String> = text
        .match_indices("git credential-pat ")
        .filter_map(|(at, m)| {
            let rest = &text[at + m.len()..];
            let word: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                .collect();
            (!word.is_empty() && !word.starts_with('-')).then_some(word)
        })
        .collect();
    words.sort();
    words.dedup();
    words
}

#[test]
fn every_command_the_readme_names_exists() {
    let words = commands_in_readme();
    for expected in [
        "login",
        "list",
        "logout",
        "token",
        "exec",
        "import",
        "configure",
        "doctor",
    ] {
        assert!(words.iter().any(|w| w == expected), "{expected}: {words:?}");
    }
    let sb = rig::Sandbox::new();
    for word in &words {
        let out = sb.run(sb.helper().args([word.as_str(), "--help"]), "");
        assert_eq!(
            out.code, 0,
            "the README names `git credential-pat {word}`: {}",
            out.stderr
        );
    }
}

/// The lines of the README's ```sh blocks, those in list items included (comments after
/// `  #` removed).
fn readme_sh_lines() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read README.md");
    let mut lines = Vec::new();
    let mut in_sh = false;
    for line in text.lines() {
        // A block in a list item is indented.
        let fence = line.trim_start();
        if fence.starts_with("```") {
            in_sh = !in_sh && fence == "```sh";
            continue;
        }
        if in_sh {
            let code = match line.find("  #") {
                Some(at) => &line[..at],
                None => line,
            };
            if !code.trim().is_empty() && !code.trim_start().starts_with('#') {
                lines.push(code.trim().to_owned());
            }
        }
    }
    lines
}

#[test]
fn the_readmes_per_host_settings_are_settings_the_helper_understands() {
    let sb = rig::Sandbox::new();
    let settings: Vec<String> = readme_sh_lines()
        .into_iter()
        .filter(|l| l.starts_with("git config --global credential.") && l.contains(".pat"))
        .collect();
    assert!(settings.len() >= 4, "{settings:?}");
    let mut hosts = Vec::new();
    for line in &settings {
        let words: Vec<&str> = line.split_whitespace().collect();
        let out = sb.run(sb.git().args(&words[1..]), "");
        assert_eq!(out.code, 0, "{line}: {}", out.stderr);
        let key = words[3];
        let url = key
            .strip_prefix("credential.")
            .and_then(|k| k.rsplit_once(".pat"))
            .map(|(url, _)| url.to_owned())
            .expect("credential.<url>.pat…");
        if !hosts.contains(&url) {
            hosts.push(url);
        }
    }
    // Nothing is stored and nobody is at a terminal: `get` reads the settings (the slow path)
    // and says in one line where to get a token; a setting it did not understand would be a
    // warning line of its own.
    let mut config = std::fs::read_to_string(sb.gitconfig()).unwrap();
    config.push_str(&format!(
        "[credential]\n\thelper =\n\thelper = \"{}\"\n",
        rig::helper_bin().display()
    ));
    std::fs::write(sb.gitconfig(), config).unwrap();
    for url in &hosts {
        let host = url.trim_start_matches("https://");
        let out = sb.run(
            sb.git().args(["credential", "fill"]),
            &format!("protocol=https\nhost={host}\n"),
        );
        let ours: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("git-credential-pat:"))
            .collect();
        assert_eq!(ours.len(), 1, "{url}: {}", out.stderr);
        assert!(
            ours[0].contains("no token stored for"),
            "{url}: {}",
            ours[0]
        );
    }
}

#[test]
fn the_readmes_commands_for_seeing_tokens_by_hand_show_a_stored_token() {
    let by_hand: Vec<String> = readme_sh_lines()
        .into_iter()
        .filter(|l| l.starts_with("secret-tool ") || l.starts_with("keyctl "))
        .collect();
    assert_eq!(by_hand.len(), 2, "{by_hand:?}");
    for kc in rig::keychains() {
        let w = rig::World::new(kc);
        w.approve("protocol=https\nhost=github.com\nusername=readme-user\npassword=ghp_Readme0\n");
        // The README's command, for this sandbox's namespace (the README says a namespace
        // makes the service `git-credential-pat:NAME`).
        let (line, shown) = match &w.kc {
            rig::Keychain::SecretService(ss) => {
                let line = by_hand[0].replace(
                    "service git-credential-pat",
                    &format!("service {}", w.service()),
                );
                let mut cmd = ss.secret_tool();
                let args: Vec<&str> = line.split_whitespace().skip(1).collect();
                cmd.args(args).arg("--unlock");
                let out = rig::run_with_timeout(&mut cmd, b"", rig::procs::RUN_TIMEOUT);
                (line, format!("{}{}", out.stdout, out.stderr))
            }
            rig::Keychain::Keyutils => {
                let line = by_hand[1].clone();
                let mut cmd = rig::sandboxed(&w.sb, "sh");
                cmd.args(["-c", &line]);
                let out = rig::run_with_timeout(&mut cmd, b"", rig::procs::RUN_TIMEOUT);
                (line, format!("{}{}", out.stdout, out.stderr))
            }
        };
        assert!(
            shown.contains("readme-user@github.com"),
            "{}: `{line}` showed: {shown}",
            w.name()
        );
    }
}

/// A directory holding `git-credential-pat`, a script that runs the built helper on `w`'s
/// keychain, for a `PATH` on which `git credential-pat …` runs as a person types it.
fn helper_on_path(w: &rig::World) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = w.sb.dir.path().join("bin");
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("git-credential-pat");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec '{}' {} \"$@\"\n",
            rig::helper_bin().display(),
            w.store_arg()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// `dir` first, then this process's `PATH`.
fn path_with(dir: &std::path::Path) -> std::ffi::OsString {
    let mut dirs = vec![dir.to_owned()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

#[test]
fn the_readmes_env_file_lines_leave_a_file_only_its_owner_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let lines: Vec<String> = readme_sh_lines()
        .into_iter()
        .filter(|l| l.contains(".env"))
        .collect();
    assert!(!lines.is_empty(), "the README's .env lines");
    let script = lines.join("\n");
    let Some(kc) = rig::keychains().into_iter().next() else {
        return;
    };
    let w = rig::World::new(kc);
    let token = "ghp_READMEdotenv00000000000000000000000";
    w.write_raw(
        "https://alice@github.com",
        &format!("{token}\nforge=GitHub\n"),
    );
    let path = path_with(&helper_on_path(&w));
    let env_file = w.sb.dir.path().join(".env");
    // A new file, and one that was there already, readable by everyone.
    for before in [None, Some("COMPOSE_PROJECT_NAME=lab\n")] {
        let _ = std::fs::remove_file(&env_file);
        if let Some(text) = before {
            std::fs::write(&env_file, text).unwrap();
            std::fs::set_permissions(&env_file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let mut sh = rig::sandboxed(&w.sb, "sh");
        sh.args(["-c", &script]).env("PATH", &path);
        let out = rig::run_with_timeout(&mut sh, b"", rig::procs::RUN_TIMEOUT);
        assert_eq!(out.code, 0, "{script}: {}", out.stderr);
        let text = std::fs::read_to_string(&env_file).expect("the README's lines wrote .env");
        assert_eq!(
            text,
            format!("{}GITHUB_TOKEN={token}\n", before.unwrap_or_default()),
            "{script}"
        );
        let mode = std::fs::metadata(&env_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o600,
            "{script}\nleaves .env (before: {before:?}) with mode {mode:o}"
        );
    }
}

#[test]
fn the_readmes_install_example_shows_the_line_configure_prints() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read README.md");
    let sb = rig::Sandbox::new();
    // As install.sh runs it: the binary on PATH (git then runs it as `pat`), no namespace.
    let dir = sb.dir.path().join("bin");
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(rig::helper_bin(), dir.join("git-credential-pat")).unwrap();
    let mut cmd = sb.helper();
    cmd.arg("configure")
        .env("PATH", path_with(&dir))
        .env_remove("GIT_CREDENTIAL_PAT_NAMESPACE");
    let out = sb.run(&mut cmd, "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let printed = out
        .stderr
        .lines()
        .find(|l| l.starts_with("git now asks"))
        .unwrap_or_else(|| panic!("configure printed: {}", out.stderr));
    assert!(
        text.lines().any(|l| l == printed),
        "the README's install example does not show `{printed}`"
    );
}

/// The README's fenced block (any language) whose first line starts with `first`, line by line.
fn readme_block_starting(first: &str) -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read README.md");
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with("```") {
            let block: Vec<String> = lines
                .by_ref()
                .take_while(|l| !l.trim_start().starts_with("```"))
                .map(str::to_owned)
                .collect();
            if block.first().is_some_and(|l| l.starts_with(first)) {
                return block;
            }
        }
    }
    panic!("the README has no block starting with {first:?}");
}

/// "Containers and dev containers": the block the README shows is what
/// `git credential-pat agent --print-docker` prints for uid 1000's default socket.
#[test]
fn the_readmes_container_recipe_is_what_print_docker_prints() {
    assert!(
        readme_sh_lines()
            .iter()
            .any(|l| l == "git credential-pat agent --print-docker"),
        "the README's command"
    );
    let shown = readme_block_starting("# on this machine, the agent");
    let sb = rig::Sandbox::new();
    let mut cmd = sb.helper();
    // The sandbox's own namespace would be part of the agent's command line in the recipe.
    cmd.args(["agent", "--print-docker"])
        .env("XDG_RUNTIME_DIR", "/run/user/1000")
        .env_remove("GIT_CREDENTIAL_PAT_NAMESPACE");
    let out = sb.run(&mut cmd, "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(shown.join("\n") + "\n", out.stdout);
}

/// "Over SSH", with your own `ssh`: the README's `~/.ssh/config` lines (the host pointed at a
/// real sshd on 127.0.0.1, the two paths at this test's sockets) forward a running agent's
/// socket, and the README's two `export` lines on the far side make `git credential fill`
/// there get the token from the agent's keychain.
#[test]
fn the_readmes_ssh_config_and_export_lines_serve_git_on_the_far_side() {
    const REMOTE: &str = "/tmp/git-credential-pat-alice.sock";
    const LOCAL: &str = "/run/user/1000/git-credential-pat/agent.sock";
    const TOKEN: &str = "ghp_ReadmeSshConfig000000000000000000001";
    let Some(sshd) = rig::ssh::Sshd::start() else {
        return;
    };
    let Some(kc) = rig::keychains().into_iter().next() else {
        return;
    };
    let w = rig::World::new(kc);
    w.approve(&format!(
        "protocol=https\nhost=github.com\nusername=alice\npassword={TOKEN}\n"
    ));
    let agent = rig::Agent::start(&w, &["--host", "github.com"]);
    // A far path of this test's own: parallel tests share the far account's /tmp.
    let remote = format!(
        "/tmp/git-credential-pat-readme-{}-{}.sock",
        std::process::id(),
        rig::now()
    );

    let config_lines = readme_block_starting("Host lab.example.org");
    let config = config_lines.join("\n");
    assert!(
        config.contains(REMOTE) && config.contains(LOCAL),
        "{config}"
    );
    let config = config
        .replace(REMOTE, &remote)
        .replace(LOCAL, agent.socket.to_str().unwrap())
        .replacen(
            "Host lab.example.org",
            "Host lab.example.org\n    HostName 127.0.0.1",
            1,
        );
    let config_file = w.sb.dir.path().join("ssh_config");
    std::fs::write(&config_file, config + "\n").unwrap();

    let exports: Vec<String> = readme_sh_lines()
        .into_iter()
        .filter(|l| l.starts_with("export GIT_CONFIG_"))
        .collect();
    assert_eq!(exports.len(), 2, "{exports:?}");
    assert!(exports.iter().any(|l| l.contains(REMOTE)), "{exports:?}");
    let far = sshd.far_script(
        "readme-ssh-config.sh",
        &format!(
            "{}\nprintf 'protocol=https\\nhost=github.com\\n' | git credential fill\nrc=$?\nrm -f {remote}\nexit $rc\n",
            exports.join("\n").replace(REMOTE, &remote)
        ),
    );
    let mut ssh = std::process::Command::new("ssh");
    ssh.arg("-F").arg(&config_file);
    for option in sshd.ssh_options() {
        ssh.arg("-o").arg(option);
    }
    ssh.arg(format!("{}@lab.example.org", rig::ssh::FAR_USER))
        .arg(far.join(" "));
    let out = rig::run_with_timeout(&mut ssh, b"", rig::procs::RUN_TIMEOUT);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (
            0,
            format!("protocol=https\nhost=github.com\nusername=alice\npassword={TOKEN}\n").as_str()
        ),
        "{}\nthe agent's log:\n{}\nsshd's log:\n{}",
        out.stderr,
        agent.log(),
        sshd.log()
    );
    agent.wait_for_log("get github.com (alice): served");
}

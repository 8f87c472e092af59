//! Unit tests of `agent/far.rs`, each a sentence of behaviour.
use super::*;

#[test]
fn the_far_side_resets_its_helpers_then_asks_the_socket_through_gits_own_client() {
    assert_eq!(
        env_words("/tmp/a b.sock"),
        "GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=credential.helper GIT_CONFIG_VALUE_0= \
         GIT_CONFIG_KEY_1=credential.helper GIT_CONFIG_VALUE_1='cache --socket '\\''/tmp/a b.sock'\\'''"
    );
}

#[test]
fn the_far_script_runs_the_command_with_the_variables_and_removes_the_socket_after() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = tmp.path().join("far it's.sock");
    let remote = remote.to_str().unwrap();
    std::fs::write(remote, "").unwrap();
    let command = [
        "sh".to_owned(),
        "-c".to_owned(),
        "git config --get-all credential.helper | tr '\\n' '|'; exit 3".to_owned(),
    ];
    let out = Command::new("sh")
        .arg("-c")
        .arg(far_script(remote, &command))
        .env_remove("GIT_CONFIG_PARAMETERS")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
        ),
        (
            Some(3),
            format!("|cache --socket '{}'|", remote.replace('\'', "'\\''"))
        )
    );
    assert!(!std::path::Path::new(remote).exists());
}

#[test]
fn the_far_socket_is_removed_also_when_a_signal_ends_the_script() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = tmp.path().join("far.sock");
    let remote = remote.to_str().unwrap();
    std::fs::write(remote, "").unwrap();
    let command = [
        "sh".to_owned(),
        "-c".to_owned(),
        "kill -TERM $PPID; sleep 1".to_owned(),
    ];
    let status = Command::new("sh")
        .arg("-c")
        .arg(far_script(remote, &command))
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(143));
    assert!(!std::path::Path::new(remote).exists());
}

#[test]
fn each_session_gets_a_new_far_socket_in_tmp() {
    let (a, b) = (remote_socket(), remote_socket());
    assert_ne!(a, b);
    assert!(a.starts_with("/tmp/git-credential-pat-") && a.ends_with(".sock"));
    assert_eq!(
        a.len(),
        "/tmp/git-credential-pat-".len() + 16 + ".sock".len()
    );
}

#[test]
fn ssh_gets_the_forward_and_a_destination_that_cannot_be_an_option() {
    let ssh = ssh_command(
        "-oProxyCommand=x",
        &["Port=2222".to_owned()],
        Path::new("/run/user/1/a.sock"),
        "/tmp/r.sock",
        &["true".to_owned()],
        false,
    );
    let args: Vec<String> = ssh
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        args[..8],
        [
            "-o",
            "ExitOnForwardFailure=yes",
            "-o",
            "Port=2222",
            "-R",
            "/tmp/r.sock:/run/user/1/a.sock",
            "--",
            "-oProxyCommand=x"
        ]
    );
    assert!(
        args[8].starts_with("sh -c 'trap ") && args[8].contains(" GIT_CONFIG_COUNT=2 "),
        "{}",
        args[8]
    );
}

#[test]
fn the_docker_recipe_mounts_the_socket_and_sets_the_variables() {
    let recipe = docker_recipe(
        "git credential-pat agent --host github.com",
        Path::new("/run/user/1000/git-credential-pat/agent.sock"),
    );
    assert!(recipe.starts_with(
        "# on this machine, the agent (or its systemd unit):\ngit credential-pat agent --host github.com\n"
    ));
    assert!(recipe.contains(
        "docker run -v /run/user/1000/git-credential-pat/agent.sock:/run/git-credential-pat.sock \
         -e GIT_CONFIG_COUNT=2 -e GIT_CONFIG_KEY_0=credential.helper -e GIT_CONFIG_VALUE_0= \
         -e GIT_CONFIG_KEY_1=credential.helper \
         -e GIT_CONFIG_VALUE_1='cache --socket /run/git-credential-pat.sock' IMAGE"
    ));
    assert!(recipe.contains(
        "\"source=/run/user/1000/git-credential-pat/agent.sock,target=/run/git-credential-pat.sock,type=bind\""
    ));
    assert!(
        recipe.contains(
            "    \"GIT_CONFIG_VALUE_1\": \"cache --socket /run/git-credential-pat.sock\""
        )
    );
}

//! Tokens already in plaintext: the real `git credential-store` writes
//! `~/.git-credentials` and `~/.config/git/credentials`; `doctor` names what they hold without
//! printing it, and `import` moves the tokens into the real keychain (checked with the forge's
//! API, a local mock, where the forge is known) and removes exactly those lines.

use crate::rig::{World, keychains};
use std::os::unix::fs::PermissionsExt;

const HOST: &str = "ghe.lab.test";
const ALICE_TOKEN: &str = "ghp_Alice000000000000000000000000000000001";
const REVOKED: &str = "ghp_Revoked0000000000000000000000000000009";

fn mock_api() -> mockito::ServerGuard {
    let mut api = mockito::Server::new();
    api.mock("GET", "/user")
        .match_header("authorization", format!("Bearer {ALICE_TOKEN}").as_str())
        .with_status(200)
        .with_header("x-oauth-scopes", "repo, workflow")
        .with_body(r#"{"login":"alice"}"#)
        .expect_at_most(usize::MAX)
        .create();
    api.mock("GET", "/user")
        .match_header("authorization", format!("Bearer {REVOKED}").as_str())
        .with_status(401)
        .with_body(r#"{"message":"Bad credentials"}"#)
        .expect_at_most(usize::MAX)
        .create();
    api
}

/// `git credential approve` through git-credential-store alone (not the helper), into `file`.
fn store_in_plaintext(w: &World, file: &str, url: &str) {
    let helper = format!("store --file={file}");
    let out = w.sb.run(
        w.sb.git().args([
            "-c",
            "credential.helper=",
            "-c",
            &format!("credential.helper={helper}"),
            "credential",
            "approve",
        ]),
        &format!("url={url}\n"),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "approve {url}");
}

#[test]
fn import_moves_plaintext_tokens_into_the_keychain_and_removes_exactly_their_lines() {
    let api = mock_api();
    for kc in keychains() {
        let w = World::new(kc);
        let config = std::fs::read_to_string(w.sb.gitconfig()).unwrap();
        std::fs::write(
            w.sb.gitconfig(),
            format!(
                "{config}[credential \"https://{HOST}\"]\n\tpatForge = ghes\n\tpatApiUrl = {}\n",
                api.url()
            ),
        )
        .unwrap();
        let home_file = w.sb.home.join(".git-credentials");
        let xdg_file = w.sb.home.join(".config/git/credentials");
        std::fs::create_dir_all(xdg_file.parent().unwrap()).unwrap();
        let home = home_file.to_str().unwrap();
        store_in_plaintext(&w, home, &format!("https://alice:{ALICE_TOKEN}@{HOST}"));
        store_in_plaintext(&w, home, "http://carol:plain-http-pw@example.com");
        store_in_plaintext(&w, home, &format!("https://old:{REVOKED}@{HOST}/org/repo"));
        store_in_plaintext(
            &w,
            xdg_file.to_str().unwrap(),
            "https://d%40ve:tok%2Fen@other.test",
        );
        let mut text = std::fs::read_to_string(&home_file).unwrap();
        text.push_str("not a credential\n");
        std::fs::write(&home_file, &text).unwrap();
        std::fs::set_permissions(&home_file, std::fs::Permissions::from_mode(0o640)).unwrap();

        let doctor = w.helper_args(&["doctor", "--offline"], "");
        assert!(
            doctor.stdout.contains(&format!(
                "FAIL  {home} holds 3 tokens in plaintext (old@{HOST}, carol@http://example.com, alice@{HOST}): run `git credential-pat import`"
            )),
            "{}: {}",
            w.name(),
            doctor.stdout
        );
        assert!(
            doctor
                .stdout
                .contains("holds 1 token in plaintext (d@ve@other.test)"),
            "{}",
            doctor.stdout
        );
        assert!(
            !doctor.stdout.contains("ghp_") && !doctor.stdout.contains("tok/en"),
            "{}",
            doctor.stdout
        );

        let out = w.helper_args(&["import"], "");
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        assert!(!out.stderr.contains("ghp_"), "{}", out.stderr);
        for said in [
            format!(
                "alice@{HOST}: moved into the {}; GitHub Enterprise Server accepts it as alice",
                w.name()
            ),
            "carol@http://example.com: stays in".to_owned(),
            format!("old@{HOST}: stays in {home}: GitHub Enterprise Server refuses it"),
            format!(
                "d@ve@other.test: moved into the {}; not checked: which forge other.test is, is not known",
                w.name()
            ),
            format!("moved 1 token from {home} into the {}", w.name()),
            "2 credentials stayed in plaintext".to_owned(),
        ] {
            assert!(
                out.stderr.contains(&said),
                "{}: no {said:?} in {}",
                w.name(),
                out.stderr
            );
        }
        // Exactly the moved lines are gone; the others stay byte for byte, and so does the mode.
        // (git-credential-store writes each new line first.)
        assert_eq!(
            std::fs::read_to_string(&home_file).unwrap(),
            format!(
                "https://old:{REVOKED}@{HOST}\nhttp://carol:plain-http-pw@example.com\nnot a credential\n"
            ),
        );
        let mode = std::fs::metadata(&home_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(std::fs::read_to_string(&xdg_file).unwrap(), "");

        let listed = w.helper_args(&["list", "--json"], "");
        let rows: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
        let rows: Vec<_> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["host"].as_str().unwrap(),
                    r["username"].as_str().unwrap(),
                    r["forge"].as_str(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (HOST, "alice", Some("GitHub Enterprise Server")),
                ("other.test", "d@ve", None)
            ],
            "{}",
            w.name()
        );
        // git is served the imported token by the helper, from the keychain.
        let fill = w.credential("fill", &format!("protocol=https\nhost={HOST}\n"));
        assert!(
            fill.stdout.contains(&format!("password={ALICE_TOKEN}")),
            "{}",
            fill.stderr
        );
        let doctor = w.helper_args(&["doctor", "--offline"], "");
        assert!(
            doctor.stdout.contains("holds 2 tokens in plaintext"),
            "{}",
            doctor.stdout
        );
        assert!(
            !doctor.stdout.contains("git/credentials holds"),
            "{}",
            doctor.stdout
        );
    }
}

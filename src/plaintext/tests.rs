//! Unit tests of `src/plaintext.rs`, each a sentence of behaviour.
use super::*;
use secrecy::ExposeSecret;

#[test]
fn lines_are_read_as_git_credential_store_writes_them() {
    let text = "https://alice:ghp_a%2Fb%40c@github.com\n\
                garbage\n\
                https://bob%40corp:glpat-x@gitlab.example.com:8443/org/repo.git/\n\
                http://carol:p@127.0.0.1:8080\n\
                https://nopass@github.com\n\
                https://:empty@github.com\n";
    let lines = parse(text);
    let seen: Vec<_> = lines
        .iter()
        .map(|l| {
            let number = text.split('\n').position(|t| t == l.text.expose_secret());
            (
                number.unwrap(),
                l.name(),
                l.password.expose_secret().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (0, "alice@github.com".to_owned(), "ghp_a/b@c".to_owned()),
            (
                2,
                "bob@corp@gitlab.example.com:8443/org/repo.git".to_owned(),
                "glpat-x".to_owned()
            ),
            (3, "carol@http://127.0.0.1:8080".to_owned(), "p".to_owned()),
        ]
    );
    assert_eq!(lines[1].path.as_deref(), Some("org/repo.git"));
}

#[test]
fn a_value_with_a_control_character_is_read_to_be_named_but_marked() {
    let text = "https://u2:tok%0Aforge=GitHub%0Ato_revoke=1@ctl.example\n\
                https://u%093:pw@ctl.example\n\
                https://u4:fine%25+1@ctl.example/a%7Fb\n\
                https://u5:fine%+1@ctl.example\n";
    let seen: Vec<_> = parse(text)
        .iter()
        .map(|l| {
            assert!(!l.password.expose_secret().contains('\n'));
            (l.name(), l.control)
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("u2@ctl.example".to_owned(), Some("password")),
            ("u\\t3@ctl.example".to_owned(), Some("user name")),
            ("u4@ctl.example/a\\u{7f}b".to_owned(), Some("path")),
            ("u5@ctl.example".to_owned(), None),
        ]
    );
}

#[test]
#[cfg(unix)]
fn removing_lines_removes_them_by_their_text_and_keeps_the_others_and_the_mode() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("creds");
    std::fs::write(&file, "new\na\nb\nc\nd").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (b, d, gone) = (
        SecretString::from("b"),
        SecretString::from("d"),
        SecretString::from("gone"),
    );
    assert_eq!(remove_lines(&file, &[&b, &d, &gone]).unwrap(), 2);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "new\na\nc\n");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
#[cfg(unix)]
fn a_lock_that_another_process_holds_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("creds");
    std::fs::write(&file, "a\nb\n").unwrap();
    let lock = tmp.path().join("creds.lock");
    std::fs::write(&lock, "git's").unwrap();
    let e = remove_lines(&file, &[&SecretString::from("a")]).unwrap_err();
    assert!(e.to_string().contains("creds.lock exists"), "{e}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a\nb\n");
    assert_eq!(std::fs::read_to_string(&lock).unwrap(), "git's");
}

#[test]
#[cfg(unix)]
fn a_symlink_is_rewritten_at_its_target_under_the_targets_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("target");
    std::fs::write(&target, "a\nb\n").unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    std::fs::write(tmp.path().join("link.lock"), "unrelated").unwrap();
    assert_eq!(remove_lines(&link, &[&SecretString::from("a")]).unwrap(), 1);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "b\n");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(!tmp.path().join("target.lock").exists());
}

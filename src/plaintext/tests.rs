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
        .map(|l| (l.index, l.name(), l.password.expose_secret().to_owned()))
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
#[cfg(unix)]
fn removing_lines_keeps_the_others_and_the_mode() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("creds");
    std::fs::write(&file, "a\nb\nc\nd").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    remove_lines(&file, &[1, 3]).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a\nc\n");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

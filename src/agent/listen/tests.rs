//! Unit tests of `agent/listen.rs`, each a sentence of behaviour.
use super::*;

fn private_tempdir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("gcp-listen-")
        .tempdir()
        .unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

#[test]
fn the_socket_is_made_0600_in_a_new_0700_directory() {
    let tmp = private_tempdir();
    let path = tmp.path().join("agent").join("agent.sock");
    let _listener = bind(&path).unwrap();
    let dir_mode = fs::metadata(tmp.path().join("agent")).unwrap().mode() & 0o777;
    let sock_mode = fs::symlink_metadata(&path).unwrap().mode() & 0o777;
    assert_eq!((dir_mode, sock_mode), (0o700, 0o600));
}

#[test]
fn a_stale_socket_is_replaced_and_a_live_one_refused() {
    let tmp = private_tempdir();
    let path = tmp.path().join("agent.sock");
    drop(bind(&path).unwrap());
    // The first listener is gone but its file stays: stale.
    let live = bind(&path).unwrap();
    let err = bind(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "another agent is serving on {0}; stop it first, or give another --socket (if it is \
             git's own credential-cache daemon, `git credential-cache --socket {0} exit` stops \
             it)",
            path.display()
        )
    );
    drop(live);
}

#[test]
fn a_directory_open_to_others_is_refused_with_the_command_that_closes_it() {
    let tmp = private_tempdir();
    let dir = tmp.path().join("open");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    let err = bind(&dir.join("agent.sock")).unwrap_err().to_string();
    assert!(
        err.contains("is open to other users (mode 755); run `chmod 700"),
        "{err}"
    );
}

#[test]
fn a_relative_path_or_another_kind_of_file_is_refused() {
    assert!(bind(Path::new("agent.sock")).is_err());
    let tmp = private_tempdir();
    let file = tmp.path().join("agent.sock");
    fs::write(&file, "").unwrap();
    assert!(
        bind(&file)
            .unwrap_err()
            .to_string()
            .ends_with("exists and is not a socket; give another --socket")
    );
}

#[test]
fn a_symbolic_link_for_the_directory_is_refused_even_to_a_private_directory_of_ones_own() {
    let tmp = private_tempdir();
    let real = tmp.path().join("real");
    fs::DirBuilder::new().mode(0o700).create(&real).unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let err = bind(&link.join("agent.sock")).unwrap_err().to_string();
    assert!(
        err.contains("is not a directory (a symbolic link?)"),
        "{err}"
    );
}

#[test]
fn a_path_too_long_for_a_unix_socket_is_refused_before_anything_is_made() {
    let tmp = private_tempdir();
    let dir = tmp.path().join("d".repeat(100));
    let err = bind(&dir.join("agent.sock")).unwrap_err().to_string();
    assert!(
        err.contains("a Unix socket's path may have at most"),
        "{err}"
    );
    assert!(!dir.exists());
}

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
            "another agent is serving on {}; stop it first, or give another --socket",
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

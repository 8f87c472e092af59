//! Unit tests of `agent/request.rs`, each a sentence of behaviour.
use super::*;
use std::io::Write;
use std::os::unix::net::UnixStream;

#[test]
fn a_get_is_its_action_and_the_credential_lines_as_git_relayed_them() {
    let r = parse(b"action=get\ntimeout=900\nprotocol=https\nhost=github.com\n".to_vec()).unwrap();
    assert_eq!(r.action, Action::Get);
    assert_eq!(r.credential, b"protocol=https\nhost=github.com\n");
}

#[test]
fn exit_and_an_unknown_action_are_read_as_such() {
    assert_eq!(
        parse(b"action=exit\ntimeout=900\n".to_vec())
            .unwrap()
            .action,
        Action::Exit
    );
    assert_eq!(
        parse(b"action=frob\ntimeout=1\n".to_vec()).unwrap().action,
        Action::Other("frob".to_owned())
    );
}

#[test]
fn nothing_at_all_is_an_empty_probe_and_another_shape_is_refused() {
    assert!(matches!(parse(Vec::new()), Err(Dropped::Empty)));
    for bytes in [
        &b"protocol=https\nhost=github.com\n"[..],
        b"action=get\nprotocol=https\n",
        b"action=get",
    ] {
        assert!(
            matches!(parse(bytes.to_vec()), Err(Dropped::NotCredentialCache)),
            "{bytes:?}"
        );
    }
}

#[test]
fn a_request_is_read_up_to_the_clients_end_of_writing() {
    let (mut client, server) = UnixStream::pair().unwrap();
    client
        .write_all(b"action=store\ntimeout=900\nprotocol=https\n")
        .unwrap();
    client.shutdown(std::net::Shutdown::Write).unwrap();
    let r = read(&server, Duration::from_secs(5)).unwrap();
    assert_eq!(r.action, Action::Store);
    assert_eq!(r.credential, b"protocol=https\n");
}

#[test]
fn a_request_over_one_mib_is_dropped_without_reading_the_rest() {
    let (mut client, server) = UnixStream::pair().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = client.write_all(b"action=get\ntimeout=900\n");
        let _ = client.write_all(&vec![b'a'; MAX_REQUEST + 1]);
    });
    assert!(matches!(
        read(&server, Duration::from_secs(5)),
        Err(Dropped::TooLarge)
    ));
    drop(server);
    writer.join().unwrap();
}

#[test]
fn a_request_that_never_ends_is_dropped_at_the_deadline() {
    let (mut client, server) = UnixStream::pair().unwrap();
    client.write_all(b"action=get\ntimeout=900\n").unwrap();
    let err = read(&server, Duration::from_millis(200)).unwrap_err();
    assert_eq!(err.to_string(), "not complete within 1 second");
    drop(client);
}

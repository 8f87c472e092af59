//! The network failing under `login` and `logout --revoke`: a closed port, a TLS certificate
//! that does not match, a 5xx, a connection reset in the middle of the answer. Nothing
//! unchecked is stored (unless a person chooses it at the prompt; see login.rs's unit tests),
//! and no token is erased without saying it was not revoked.

use crate::rig::{self, World, keychains};
use std::io::{Read, Write};

const HOST: &str = "ghe.lab.test";
const TOKEN: &str = "ghp_Network00000000000000000000000000001";

/// An API address on a port nothing listens on.
fn closed_port() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

/// An API that answers `200` with half a JSON body and then drops the connection.
fn resetting_api() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{\"lo",
            );
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    });
    url
}

/// Makes `w`'s HOST a GitHub Enterprise Server with its API at `api`.
fn set_api(w: &World, api: &str) {
    let config = format!(
        "[credential]\n\thelper =\n\thelper = \"{}\"\n\
         [credential \"https://{HOST}\"]\n\tpatForge = ghes\n\tpatApiUrl = {api}\n",
        w.helper_command()
    );
    std::fs::write(w.sb.gitconfig(), config).unwrap();
}

fn login(w: &World) -> rig::Output {
    w.helper_args(&["login", HOST, "--token-stdin"], &format!("{TOKEN}\n"))
}

#[test]
fn login_stores_nothing_when_the_api_cannot_be_reached_or_answers_badly() {
    let server = rig::GitServer::start("u", "p");
    let mut api_5xx = mockito::Server::new();
    api_5xx
        .mock("GET", "/user")
        .with_status(502)
        .with_body("Bad Gateway")
        .create();
    let mut faults: Vec<(&str, String, &str)> = vec![
        ("closed port", closed_port(), "could not reach"),
        ("5xx", api_5xx.url(), "502"),
        (
            "reset mid-answer",
            resetting_api(),
            "GitHub Enterprise Server",
        ),
    ];
    if let Some(server) = &server {
        // nginx's self-signed certificate is not one this machine trusts.
        faults.push((
            "TLS certificate not trusted",
            format!("https://{}", server.host()),
            "certificate",
        ));
    }
    for kc in keychains() {
        let w = World::new(kc);
        for (fault, api, says) in &faults {
            set_api(&w, api);
            let out = login(&w);
            assert_eq!(out.code, 1, "{} {fault}: {}", w.name(), out.stderr);
            assert_eq!(out.stderr.lines().count(), 1, "{fault}: {}", out.stderr);
            assert!(out.stderr.contains(says), "{fault}: {}", out.stderr);
            assert!(!out.stderr.contains(TOKEN));
            assert!(
                w.stored().is_empty(),
                "{} {fault}: stored an unchecked token",
                w.name()
            );
        }
    }
}

#[test]
fn logout_revoke_that_cannot_reach_the_forge_keeps_the_token_and_names_it() {
    let server = rig::GitServer::start("u", "p");
    let mut apis = vec![("closed port", closed_port())];
    if let Some(server) = &server {
        apis.push((
            "TLS certificate not trusted",
            format!("https://{}", server.host()),
        ));
    }
    for kc in keychains() {
        let w = World::new(kc);
        for (fault, api) in &apis {
            set_api(&w, api);
            w.approve(&format!(
                "protocol=https\nhost={HOST}\nusername=alice\npassword={TOKEN}\n"
            ));
            let out = w.helper_args(&["logout", HOST, "--revoke"], "");
            assert_eq!(out.code, 1, "{fault}: {}", out.stderr);
            assert!(
                out.stderr
                    .starts_with(&format!("alice@{HOST}: NOT revoked: ")),
                "{fault}: {}",
                out.stderr
            );
            assert!(
                out.stderr.ends_with(&format!(
                    "git-credential-pat: still stored: alice@{HOST}; run logout again, or add --force to erase it anyway\n"
                )),
                "{fault}: {}",
                out.stderr
            );
            assert_eq!(
                w.stored_tokens().len(),
                1,
                "{} {fault}: the token was erased",
                w.name()
            );
            assert!(!out.stderr.contains(TOKEN));
        }
    }
}

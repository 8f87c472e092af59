//! Unit tests of `agent/serve.rs`, each a sentence of behaviour.
use super::*;
use crate::vault::{Account, Stored};
use std::sync::Arc;

const NOW: u64 = 1_800_000_000;

/// A log that keeps its lines for the test to read.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    /// The log's lines, without the prefix and the time.
    fn said(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .map(|l| l.split_once(" UTC ").map_or(l, |(_, rest)| rest).to_owned())
            .collect()
    }
}

fn agent_with(token: Option<&str>) -> (Agent, Lines) {
    let vault = Vault::in_memory("agent-unit");
    if let Some(token) = token {
        let stored = Stored {
            password_expiry_utc: Some(NOW + 86_400),
            ..Stored::new(SecretString::from(token.to_owned()))
        };
        vault
            .put(&Account::on_github("alice", None), &stored)
            .unwrap();
    }
    let lines = Lines::default();
    let agent = Agent {
        keychain: Keychain::new(vault, Box::new(|| Ok(Vault::in_memory("agent-unit")))),
        hosts: vec![Origin::parse("https", "github.com").unwrap()],
        confirm: false,
        on_terminal: false,
        socket: PathBuf::from("/run/user/1/git-credential-pat/agent.sock"),
        request_deadline: Duration::from_secs(5),
        expiry_record: None,
        terminal: Mutex::new(()),
        log: crate::agent::log::Log::new(Box::new(lines.clone()), false),
        accepted: Mutex::default(),
    };
    (agent, lines)
}

#[test]
fn a_get_is_answered_with_the_user_the_token_and_its_expiry_only() {
    let (agent, lines) = agent_with(Some("ghp_agent1"));
    let (answer, line) = agent
        .get(
            b"capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=github.com\n",
            NOW,
        )
        .unwrap();
    assert_eq!(
        String::from_utf8(answer).unwrap(),
        format!(
            "username=alice\npassword=ghp_agent1\npassword_expiry_utc={}\n",
            NOW + 86_400
        )
    );
    // The line is written once the answer has gone.
    assert_eq!(line, "get github.com (alice): served");
    assert!(lines.said().is_empty());
}

#[test]
fn a_host_outside_the_list_gets_nothing() {
    let (agent, lines) = agent_with(Some("ghp_agent1"));
    assert!(
        agent
            .get(b"protocol=https\nhost=gitlab.com\n", NOW)
            .is_none()
    );
    assert_eq!(
        lines.said(),
        ["get gitlab.com: not served: not one of this agent's hosts (github.com)"]
    );
}

#[test]
fn nothing_stored_and_no_terminal_says_what_to_run_at_home() {
    let (agent, lines) = agent_with(None);
    assert!(
        agent
            .get(b"protocol=https\nhost=github.com\n", NOW)
            .is_none()
    );
    assert_eq!(
        lines.said(),
        [
            "get github.com: not served: no token stored; run `git credential-pat login \
             github.com` on this machine"
        ]
    );
}

#[test]
fn the_far_sides_store_is_acknowledged_or_ignored_never_written() {
    let (agent, lines) = agent_with(Some("ghp_agent1"));
    agent.store(
        b"protocol=https\nhost=github.com\nusername=alice\npassword=ghp_agent1\n",
        NOW,
    );
    agent.store(
        b"protocol=https\nhost=github.com\nusername=mallory\npassword=ghp_other\n",
        NOW,
    );
    assert_eq!(
        lines.said(),
        [
            "store github.com (alice): acknowledged: the token this agent serves",
            "store github.com (mallory): not written: the far side does not write to this keychain",
        ]
    );
    let found = agent
        .keychain
        .vault()
        .find(&Origin::parse("https", "github.com").unwrap())
        .unwrap();
    assert_eq!(found.len(), 1, "only alice's token is stored");
}

#[test]
fn exit_is_ignored_and_an_empty_probe_is_not_logged() {
    let (agent, lines) = agent_with(Some("ghp_agent1"));
    for request in [&b"action=exit\ntimeout=900\n"[..], b""] {
        let (mut client, server) = UnixStream::pair().unwrap();
        client.write_all(request).unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        if let Ok(request) = agent.receive(&server) {
            agent.answer(request, server, NOW);
        }
    }
    assert_eq!(
        lines.said(),
        ["exit: ignored: the far side cannot stop this agent"]
    );
}

#[test]
fn a_request_through_the_socket_is_answered_on_it() {
    use std::io::Read;
    let (agent, lines) = agent_with(Some("ghp_agent1"));
    let (mut client, server) = UnixStream::pair().unwrap();
    client
        .write_all(b"action=get\ntimeout=900\nprotocol=https\nhost=github.com\n")
        .unwrap();
    client.shutdown(std::net::Shutdown::Write).unwrap();
    let request = agent.receive(&server).unwrap();
    agent.answer(request, server, NOW);
    assert_eq!(lines.said(), ["get github.com (alice): served"]);
    let mut answer = String::new();
    client.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("username=alice\npassword=ghp_agent1\n"),
        "{answer}"
    );
}

#[test]
fn a_far_sides_long_user_name_is_cut_short_in_the_log() {
    let (agent, lines) = agent_with(Some("ghp_agent1"));
    let long = "m".repeat(5000);
    agent.store(
        format!("protocol=https\nhost=github.com\nusername={long}\npassword=x\n").as_bytes(),
        NOW,
    );
    let said = lines.said();
    assert_eq!(
        said,
        [format!(
            "store github.com ({}…): not written: the far side does not write to this keychain",
            "m".repeat(64)
        )]
    );
}

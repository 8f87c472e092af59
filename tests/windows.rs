//! Windows only: the vault and the built helper against the Windows Credential Manager itself.
//! CI runs these under Wine on Linux (`.ci/cross.sh`, with `.ci/wine-runner.sh` as cargo's
//! runner) and natively on GitHub's Windows runner. Each test uses its own namespace and erases
//! what it stored.
#![cfg(windows)]

use git_credential_pat::host::{Host, Origin};
use git_credential_pat::vault::{Account, StoreChoice, Stored, Vault};
use secrecy::{ExposeSecret, SecretString};
use std::io::Write;
use std::process::{Command, Stdio};

/// A namespace no other test (or earlier run) uses.
fn namespace(test: &str) -> String {
    format!("w{}-{test}", std::process::id())
}

fn account(user: &str, path: Option<&str>) -> Account {
    Account {
        protocol: "https".into(),
        host: Host::parse("github.com").unwrap(),
        username: user.into(),
        path: path.map(Into::into),
    }
}

fn token(s: &str) -> Stored {
    Stored::new(SecretString::from(s.to_owned()))
}

/// Erases everything in the vault's namespace.
fn clear(vault: &Vault) {
    for found in vault.find_all().expect("list the namespace") {
        vault.delete(&found).expect("delete an entry");
    }
}

fn users(vault: &Vault, host: &str) -> Vec<String> {
    let mut users: Vec<_> = vault
        .find(&Origin::parse("https", host).unwrap())
        .expect("search the Credential Manager")
        .into_iter()
        .map(|f| f.account.username)
        .collect();
    users.sort();
    users
}

#[test]
fn tokens_round_trip_through_the_credential_manager() {
    let ns = namespace("round-trip");
    let vault = Vault::open(StoreChoice::Auto, Some(&ns)).expect("open the Credential Manager");
    assert_eq!(vault.store_name(), "Windows Credential Manager");
    vault
        .put(&account("alice", None), &token("ghp_alice"))
        .unwrap();
    vault
        .put(&account("bob", Some("o/r.git")), &token("ghp_bob"))
        .unwrap();
    let mut elsewhere = account("carol", None);
    elsewhere.host = Host::parse("github.com.evil.tld").unwrap();
    vault.put(&elsewhere, &token("ghp_carol")).unwrap();

    let alice = vault
        .get(&account("alice", None))
        .unwrap()
        .expect("alice's token");
    assert_eq!(alice.password.expose_secret(), "ghp_alice");
    assert_eq!(users(&vault, "github.com"), ["alice", "bob"]);
    let bob = vault
        .find_user(
            &Origin::parse("https", "github.com").unwrap(),
            Some("bob"),
            Some("o/r.git"),
        )
        .unwrap();
    assert_eq!(bob.len(), 1);
    assert_eq!(bob[0].account.path.as_deref(), Some("o/r.git"));
    assert_eq!(vault.find_all().unwrap().len(), 3);

    // Replacing keeps one entry.
    vault
        .put(&account("alice", None), &token("ghp_alice2"))
        .unwrap();
    assert_eq!(vault.find_all().unwrap().len(), 3);
    let alice = vault.get(&account("alice", None)).unwrap().unwrap();
    assert_eq!(alice.password.expose_secret(), "ghp_alice2");

    clear(&vault);
    assert!(vault.find_all().unwrap().is_empty());
    assert!(vault.get(&account("alice", None)).unwrap().is_none());
}

#[test]
fn namespaces_do_not_see_each_other() {
    let (a, b) = (namespace("ns-a"), namespace("ns-b"));
    let va = Vault::open(StoreChoice::Auto, Some(&a)).unwrap();
    let vb = Vault::open(StoreChoice::Auto, Some(&b)).unwrap();
    va.put(&account("alice", None), &token("ghp_a")).unwrap();
    vb.put(&account("bob", None), &token("ghp_b")).unwrap();
    assert_eq!(users(&va, "github.com"), ["alice"]);
    assert_eq!(users(&vb, "github.com"), ["bob"]);
    clear(&va);
    clear(&vb);
}

/// The store's default names an entry `{account}.{service}` and splits names back at the last
/// `.`, so a namespace with a `.` in it (which `--namespace` allows) made every stored token
/// invisible to `get`, `list` and `logout`, while `store` still wrote it; the vault now uses
/// the divider `|`.
#[test]
fn a_namespace_with_a_dot_still_finds_its_tokens() {
    let ns = format!("{}.v2", namespace("dot"));
    let vault = Vault::open(StoreChoice::Auto, Some(&ns)).unwrap();
    vault
        .put(&account("alice", None), &token("ghp_dot"))
        .unwrap();
    let found = users(&vault, "github.com");
    let direct = vault.get(&account("alice", None)).unwrap().is_some();
    // Clean up through the exact name, which works even when search does not.
    let store = windows_native_keyring_store::Store::new().unwrap();
    let service = vault.service().to_owned();
    let _ = keyring_core::api::CredentialStoreApi::build(
        store.as_ref(),
        &service,
        &account("alice", None).key(),
        None,
    )
    .map(|e| e.delete_credential());
    assert!(direct, "the token is stored");
    assert_eq!(found, ["alice"], "search finds it");
}

/// The fix the vault's Windows store needs: a divider that cannot occur in a service name
/// (letters, digits, `.`, `_`, `-`, `:`). Proves it on the Credential Manager itself.
#[test]
fn a_divider_outside_the_service_alphabet_finds_dotted_namespaces() {
    use keyring_core::api::CredentialStoreApi;
    use std::collections::HashMap;
    let store = windows_native_keyring_store::Store::new_with_configuration(&HashMap::from([(
        "divider", "|",
    )]))
    .unwrap();
    let service = format!("git-credential-pat:{}.v2", namespace("divider"));
    let user = account("alice", None).key();
    let entry = store.build(&service, &user, None).unwrap();
    entry.set_secret(b"ghp_x\n").unwrap();
    let pattern = format!("\\|{}$", regex_escape(&service));
    let found: Vec<_> = store
        .search(&HashMap::from([("pattern", pattern.as_str())]))
        .unwrap()
        .into_iter()
        .filter_map(|e| e.get_specifiers())
        .collect();
    entry.delete_credential().unwrap();
    assert_eq!(found, [(service, user)]);
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = !c.is_ascii_alphanumeric() && c != '_';
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// The Credential Manager caps an entry's user name at 513 characters, and the store puts the
/// whole account name (`https://user@host/path`) there: a long enough path is refused with an
/// error, never a panic, and nothing half-stored is left behind.
#[test]
fn an_account_name_over_513_characters_is_refused_cleanly() {
    let ns = namespace("long");
    let vault = Vault::open(StoreChoice::Auto, Some(&ns)).unwrap();
    let long = account("alice", Some(&"p/".repeat(300)));
    assert!(long.key().len() > 513);
    let err = vault.put(&long, &token("ghp_long")).unwrap_err();
    assert!(!err.to_string().contains("ghp_long"));
    assert!(vault.find_all().unwrap().is_empty());
    // Wine keeps each entry under a registry key named after the whole target name
    // (`{account}.{service}`), and registry key names stop at 255 characters: a name that
    // Windows takes (up to 513 for the account) can fail there. So this one stays short.
    let fits = account("alice", Some(&"p".repeat(150)));
    vault.put(&fits, &token("ghp_fits")).unwrap();
    assert_eq!(vault.find_all().unwrap().len(), 1);
    clear(&vault);
}

/// The built helper speaks git's protocol on stdin and stdout against the Credential Manager.
#[test]
fn the_helper_stores_gets_and_erases() {
    let ns = namespace("helper");
    let run = |args: &[&str], input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_git-credential-pat"))
            .arg(format!("--namespace={ns}"))
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the helper");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let request = "protocol=https\nhost=example.com\n";
    run(
        &["store"],
        "protocol=https\nhost=example.com\nusername=bob\npassword=ghp_helper\n",
    );
    assert_eq!(
        run(&["get"], request),
        "username=bob\npassword=ghp_helper\n"
    );
    let listed = run(&["list"], "");
    assert!(
        listed.contains("example.com") && listed.contains("bob"),
        "{listed}"
    );
    assert!(!listed.contains("ghp_helper"));
    run(&["erase"], request);
    assert_eq!(run(&["get"], request), "");
}

/// There is no agent on Windows, whose git has no credential-cache client (it needs Unix-domain
/// sockets): `agent` says so in one line and exits 1, instead of starting anything.
#[test]
fn the_agent_says_it_needs_unix_sockets_and_starts_nothing() {
    let out = Command::new(env!("CARGO_BIN_EXE_git-credential-pat"))
        .args(["agent", "--host", "github.com"])
        .stdin(Stdio::null())
        .output()
        .expect("start the helper");
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned()
        ),
        (
            Some(1),
            String::new(),
            "git-credential-pat: the agent serves git's credential-cache client, which needs \
             Unix-domain sockets; run it on Linux or macOS (the far side may be any of them)\n"
                .to_owned()
        )
    );
}

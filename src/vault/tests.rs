//! Unit tests of the vault over keyring-core's in-memory store, and of its lock.
use super::lock::lock_in;
use super::*;
use secrecy::SecretString;

fn acct(user: &str, path: Option<&str>) -> Account {
    Account::on_github(user, path)
}

#[test]
fn a_lock_held_elsewhere_is_waited_for_only_so_long() {
    let tmp = tempfile::tempdir().unwrap();
    let held = lock_in(tmp.path(), LOCK_WAIT).unwrap().expect("a lock");
    let began = std::time::Instant::now();
    let wait = std::time::Duration::from_millis(200);
    assert!(matches!(lock_in(tmp.path(), wait), Err(VaultError::Busy)));
    assert!(began.elapsed() >= wait);
    drop(held);
    assert!(lock_in(tmp.path(), wait).unwrap().is_some());
}

#[test]
fn find_returns_every_user_of_a_host_and_only_that_host() {
    let vault = Vault::in_memory("find");
    let stored = || Stored::new(SecretString::from("p"));
    vault.put(&acct("alice", None), &stored()).unwrap();
    vault.put(&acct("bob", Some("o/r")), &stored()).unwrap();
    let mut other = acct("carol", None);
    other.host = crate::host::Host::parse("github.com.evil.tld").unwrap();
    vault.put(&other, &stored()).unwrap();
    let mut users: Vec<_> = vault
        .find(&crate::host::Origin::parse("https", "github.com").unwrap())
        .unwrap()
        .into_iter()
        .map(|f| f.account.username)
        .collect();
    users.sort();
    assert_eq!(users, ["alice", "bob"]);
    assert_eq!(vault.find_all().unwrap().len(), 3);
}

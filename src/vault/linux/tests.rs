//! Unit tests of `src/vault/linux.rs`, each a sentence of behaviour.
use super::*;

#[test]
fn the_kernel_keyrings_quota_error_is_told_apart_by_its_type() {
    let quota = || Box::new(linux_keyutils::KeyError::QuotaExceeded);
    assert!(over_quota(&KeyringError::PlatformFailure(quota())));
    assert!(over_quota(&KeyringError::NoStorageAccess(quota())));
    let other = KeyringError::PlatformFailure(Box::new(linux_keyutils::KeyError::AccessDenied));
    assert!(!over_quota(&other));
    // A message that merely says so is not the error.
    let text = KeyringError::PlatformFailure("QuotaExceeded".into());
    assert!(!over_quota(&text));

    let store = keyring_core::mock::Store::new().unwrap();
    let vault = Vault::over(store, Some(StoreKind::Keyutils), "s".into());
    assert!(matches!(
        vault.error(KeyringError::PlatformFailure(quota())),
        VaultError::OverQuota
    ));
    let vault = Vault::in_memory("quota");
    assert!(matches!(
        vault.error(KeyringError::PlatformFailure(quota())),
        VaultError::Failed { store, .. } if store == "Mock store"
    ));
}

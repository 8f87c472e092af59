//! macOS: the login keychain.

use super::{StoreChoice, StoreKind, Vault, VaultError};

pub(super) fn open(choice: StoreChoice, service: String) -> Result<Vault, VaultError> {
    if choice != StoreChoice::Auto {
        return Err(VaultError::Unavailable(
            "--store=secret-service and --store=keyutils exist only on Linux".into(),
        ));
    }
    let store = apple_native_keyring_store::keychain::Store::new()
        .map_err(|e| VaultError::Unavailable(format!("the macOS Keychain: {e}")))?;
    Ok(Vault::over(store, Some(StoreKind::MacosKeychain), service))
}

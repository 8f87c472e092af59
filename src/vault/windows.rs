//! Windows: the Credential Manager.

use super::{StoreChoice, StoreKind, Vault, VaultError};

pub(super) fn open(choice: StoreChoice, service: String) -> Result<Vault, VaultError> {
    if choice != StoreChoice::Auto {
        return Err(VaultError::Unavailable(
            "--store=secret-service and --store=keyutils exist only on Linux".into(),
        ));
    }
    // The store names a credential `{user}{divider}{service}` and splits it back with a greedy
    // match on the divider; the default `.` also occurs in namespaces (`lab.2026`), which made
    // every search come back empty. `|` occurs in no service name (namespaces are letters,
    // digits, `.`, `_`, `-`) nor in an account name's encoded form's last part.
    let config = std::collections::HashMap::from([("divider", "|")]);
    let store = windows_native_keyring_store::Store::new_with_configuration(&config)
        .map_err(|e| VaultError::Unavailable(format!("the Windows Credential Manager: {e}")))?;
    Ok(Vault::over(
        store,
        Some(StoreKind::WindowsCredentialManager),
        service,
    ))
}

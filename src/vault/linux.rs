//! Linux: the Secret Service (D-Bus) and the kernel keyring (keyutils) stores.

use super::{Account, Found, StoreChoice, StoreKind, Vault, VaultError};
use crate::host::Origin;
use crate::sys;
use keyring_core::Error as KeyringError;

pub(super) fn open(choice: StoreChoice, service: String) -> Result<Vault, VaultError> {
    let secret_service = || match dbus_secret_service_keyring_store::Store::new() {
        Ok(store) => Ok(Vault::over(
            store,
            Some(StoreKind::SecretService),
            service.clone(),
        )),
        Err(e) => Err(VaultError::Unavailable(format!(
            "the Secret Service does not answer on the session bus ({e})"
        ))),
    };
    match choice {
        StoreChoice::SecretService => secret_service(),
        StoreChoice::Keyutils => open_keyutils(service),
        StoreChoice::Auto if session_bus_configured() => {
            secret_service().or_else(|_| open_keyutils(service.clone()))
        }
        StoreChoice::Auto => open_keyutils(service),
    }
}

/// Every store that opens: the Secret Service (only when a session bus is configured, as for
/// `Auto`), then the kernel keyring.
pub(super) fn open_every(service: String) -> Result<Vec<Vault>, VaultError> {
    let mut vaults = Vec::new();
    let mut why = Vec::new();
    let mut choices = vec![StoreChoice::Keyutils];
    if session_bus_configured() {
        choices.insert(0, StoreChoice::SecretService);
    }
    for choice in choices {
        match open(choice, service.clone()) {
            Ok(vault) => vaults.push(vault),
            Err(VaultError::Unavailable(e)) => why.push(e),
            Err(e) => return Err(e),
        }
    }
    if vaults.is_empty() {
        return Err(VaultError::Unavailable(why.join("; ")));
    }
    Ok(vaults)
}

/// Whether libdbus would find a session bus without autolaunching one (which would start a
/// `dbus-launch` process, and the hot path starts no subprocess).
fn session_bus_configured() -> bool {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty()) {
        return true;
    }
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(|d| std::path::Path::new(&d).join("bus").exists())
        .unwrap_or(false)
}

/// The kernel keyring store, in a session keyring of this process's own.
///
/// Why: the store adds each key to the session keyring and reaches the user's persistent
/// keyring through it, and whatever a session keyring links is *possessed*, with the keys'
/// possessor permissions (read, write), by every process holding that session keyring. The
/// caller's one survives `su`, `sudo`, `setpriv` and `runuser`, so it may be shared with
/// another uid: before any kernel keyring operation the helper joins a new anonymous session
/// keyring that only it (and its children) hold, and links the persistent keyring into that.
/// This also covers a process with no session keyring at all (containers, CI, services), where
/// the kernel's fallback would make the store's keys unpossessed and unlinkable (`EACCES`).
fn open_keyutils(service: String) -> Result<Vault, VaultError> {
    let unavailable = |what: &str, e: &dyn std::fmt::Debug| {
        VaultError::Unavailable(format!("the kernel keyring {what} ({e:?})"))
    };
    sys::join_private_session_keyring()
        .map_err(|e| unavailable("gives this process no session keyring of its own", &e))?;
    let store = linux_keyutils_keyring_store::Store::new()
        .map_err(|e| unavailable("store does not open", &e))?;
    // The store links every key into the user's persistent keyring (persistent-keyring(7)),
    // which outlives this process; listing it finds every stored account. Without one
    // (some sandboxes and kernels) a key would die with this process: refuse instead.
    let keyring = sys::persistent_keyring().map_err(|e| {
        unavailable(
            "has no persistent keyring, so tokens would not outlive this process",
            &e,
        )
    })?;
    Ok(Vault {
        keyring: Some(keyring),
        ..Vault::over(store, Some(StoreKind::Keyutils), service)
    })
}

/// Whether `e` is the kernel's `EDQUOT`: the keyutils store passes `linux_keyutils`'s error on
/// as the source of `PlatformFailure` (or of `NoStorageAccess`).
pub(super) fn over_quota(e: &KeyringError) -> bool {
    match e {
        KeyringError::PlatformFailure(inner) | KeyringError::NoStorageAccess(inner) => {
            inner.downcast_ref::<linux_keyutils::KeyError>()
                == Some(&linux_keyutils::KeyError::QuotaExceeded)
        }
        _ => false,
    }
}

impl Vault {
    /// The entry for exactly `user` (and `path`) on `protocol://host`, when the kernel keyring
    /// holds it: a direct look-up instead of a listing.
    pub(super) fn keyutils_lookup(
        &self,
        origin: &Origin,
        user: &str,
        path: Option<&str>,
    ) -> Result<Option<Found>, VaultError> {
        let account = Account {
            protocol: origin.protocol.clone(),
            host: origin.host.clone(),
            username: user.to_owned(),
            path: path.map(str::to_owned),
        };
        let entry = self.entry(&account)?;
        // The keyutils store's get_credential is a KEYCTL_SEARCH: Ok when the key exists.
        Ok(entry
            .get_credential()
            .is_ok()
            .then(|| self.found(account, entry)))
    }

    /// The accounts of this namespace in the persistent keyring, from key descriptions
    /// `keyring:{account}@{service}` (the store's naming).
    pub(super) fn keyutils_accounts(&self) -> Result<Vec<Account>, VaultError> {
        let Some(ring) = self.keyring else {
            return Ok(Vec::new());
        };
        let ids = sys::keyring_links(ring).map_err(|e| VaultError::Failed {
            store: self.name.clone(),
            detail: format!("cannot list the persistent keyring: {e}"),
        })?;
        let suffix = format!("@{}", self.service);
        Ok(ids
            .into_iter()
            .filter_map(|id| {
                let key = linux_keyutils::Key::from_id(linux_keyutils::KeySerialId::new(id));
                // A key erased by another process since the listing is simply skipped.
                let meta = key.metadata().ok()?;
                let name = meta
                    .get_description()
                    .strip_prefix("keyring:")?
                    .strip_suffix(&suffix)?;
                Account::parse(name)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
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
        let vault = Vault::with_store(keyring_core::mock::Store::new().unwrap(), None, None);
        assert!(matches!(
            vault.unwrap().error(KeyringError::PlatformFailure(quota())),
            VaultError::Failed { store, .. } if store == "Mock store"
        ));
    }
}

//! Linux: the Secret Service (D-Bus) and the kernel keyring (keyutils) stores.

use super::{Account, Found, StoreChoice, StoreKind, Vault, VaultError};
use crate::host::Origin;
use crate::sys;
use keyring_core::Error as KeyringError;
use linux_keyutils::{Key, KeyRing, KeyRingIdentifier, KeySerialId};
use secrecy::zeroize::Zeroizing;

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
    /// The entry for exactly `user` (and `path`) on `protocol://host`, read as it is found: a
    /// direct look-up instead of a listing (the kernel keyring: one search and one read; the
    /// Secret Service: one search by the whole account name and one `GetSecret`, with no
    /// attributes to read since the name says who it is). `None` when there is no such entry,
    /// or (Secret Service) several.
    pub(super) fn lookup(
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
        match entry.get_secret() {
            Ok(bytes) => Ok(Some(Found {
                prefetched: Some(Zeroizing::new(bytes)),
                ..self.found(account, entry)
            })),
            Err(KeyringError::NoEntry | KeyringError::Ambiguous(_)) => Ok(None),
            // The kernel keyring's search fails for keys it cannot see; the listing decides.
            Err(_) if self.kind == Some(StoreKind::Keyutils) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Reads the kernel keyring key `id` by its id: `None` when that fails (the key was erased,
    /// or unlinked and so no longer this process's to read), and the caller then reads the
    /// entry by its name.
    pub(super) fn keyutils_read(&self, id: i32) -> Option<Zeroizing<Vec<u8>>> {
        Key::from_id(KeySerialId::new(id))
            .read_to_vec()
            .ok()
            .map(Zeroizing::new)
    }

    /// The description of the key naming `origin`'s pick (see [`Vault::find_pick`]):
    /// `pick:PROTOCOL://HOST@SERVICE#pick`. It does not have the store's `keyring:…@SERVICE`
    /// form, so no listing takes it for an account, and a sweep of `@SERVICE` keys finds it.
    fn pick_name(&self, origin: &Origin) -> String {
        format!(
            "pick:{}://{}@{}#pick",
            origin.protocol, origin.host, self.service
        )
    }

    /// The kernel keyring's pick for `origin`: the key `pick_name` names holds the
    /// picked account's name, looked up directly. `None` when there is none or it points at
    /// nothing.
    pub(super) fn keyutils_find_pick(&self, origin: &Origin) -> Result<Option<Found>, VaultError> {
        let Some(account) = self.keyutils_pick(origin) else {
            return Ok(None);
        };
        self.lookup(origin, &account.username, account.path.as_deref())
    }

    /// The account `origin`'s pick key names, if any.
    fn keyutils_pick(&self, origin: &Origin) -> Option<Account> {
        // The session keyring is this process's own and links the persistent keyring, which
        // the search goes through.
        let session = KeyRing::from_special_id(KeyRingIdentifier::Session, false).ok()?;
        let bytes = session
            .search(&self.pick_name(origin))
            .ok()?
            .read_to_vec()
            .ok()?;
        let account = Account::parse(std::str::from_utf8(&bytes).ok()?)?;
        (account.origin() == *origin).then_some(account)
    }

    /// Makes `account` its host's pick on the kernel keyring (adding a key replaces the one
    /// of the same description).
    pub(super) fn keyutils_set_pick(&self, account: &Account) -> Result<(), VaultError> {
        let failed =
            |e: linux_keyutils::KeyError| self.error(KeyringError::PlatformFailure(Box::new(e)));
        let ring = KeyRing::get_persistent(KeyRingIdentifier::Session).map_err(failed)?;
        ring.add_key(&self.pick_name(&account.origin()), account.key().as_bytes())
            .map_err(failed)?;
        Ok(())
    }

    /// Removes `account`'s host's pick key when it names `account` (which is being erased).
    /// A failure leaves a pick that names nothing, which `get` passes over.
    pub(super) fn keyutils_drop_pick(&self, account: &Account) {
        let origin = account.origin();
        if self.keyutils_pick(&origin).as_ref() == Some(account)
            && let Ok(session) = KeyRing::from_special_id(KeyRingIdentifier::Session, false)
            && let Ok(key) = session.search(&self.pick_name(&origin))
        {
            let _ = key.invalidate();
        }
    }

    /// The accounts of this namespace in the persistent keyring, with their keys' ids, from
    /// key descriptions `keyring:{account}@{service}` (the store's naming).
    pub(super) fn keyutils_accounts(&self) -> Result<Vec<(Account, i32)>, VaultError> {
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
                let key = Key::from_id(KeySerialId::new(id));
                // A key erased by another process since the listing is simply skipped.
                let meta = key.metadata().ok()?;
                let name = meta
                    .get_description()
                    .strip_prefix("keyring:")?
                    .strip_suffix(&suffix)?;
                Some((Account::parse(name)?, id))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests;

//! The keychain: which store holds the tokens, and finding every stored user of a host.
//!
//! One keychain entry per credential: service `git-credential-pat` (or `git-credential-pat:NS`
//! with a namespace), account `protocol://username@host[/path]`. The secret is the password on
//! the first line, then `password_expiry_utc=…`, `oauth_refresh_token=…` and `stored_at=…`
//! lines, as git's own libsecret helper keeps the first two. Nothing here writes a file except
//! the write lock. `entry` names entries and encodes the secret; `linux`, `macos` and `windows`
//! open the stores.

mod entry;
#[cfg(target_os = "linux")]
mod linux;
mod lock;
#[cfg(target_os = "macos")]
mod macos;
mod pick;
#[cfg(target_os = "windows")]
mod windows;

#[cfg(target_os = "linux")]
use linux as platform;
#[cfg(target_os = "macos")]
use macos as platform;
#[cfg(target_os = "windows")]
use windows as platform;

pub use entry::{Account, Stored};
pub(crate) use entry::{HostMap, same_login};
pub(crate) use lock::{LOCK_WAIT, write_lock};
use pick::{PICK, PickMove};

use crate::host::Origin;
use entry::service_name;
use keyring_core::api::CredentialStore;
use keyring_core::{Entry, Error as KeyringError};
use secrecy::zeroize::Zeroizing;
use std::collections::HashMap;
use std::sync::Arc;

/// The keychain service name; a namespace is appended as `:NAME`.
pub(crate) const SERVICE: &str = "git-credential-pat";

/// Environment variable that selects a namespace when `--namespace` is not given.
pub(crate) const NAMESPACE_ENV: &str = "GIT_CREDENTIAL_PAT_NAMESPACE";

/// Which store the user asked for (`--store=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum StoreChoice {
    /// Secret Service when one answers on the session bus, else the kernel keyring (Linux);
    /// the native keychain elsewhere.
    #[default]
    Auto,
    /// The freedesktop.org Secret Service (GNOME Keyring, KWallet, KeePassXC).
    SecretService,
    /// The Linux kernel keyring (keyutils): the user's persistent keyring.
    Keyutils,
}

/// The store a [`Vault`] is using, for messages and for how it searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreKind {
    // Each system opens only its own stores, while the code shared by all of them names every
    // store: a variant is constructed on its own system only.
    /// freedesktop.org Secret Service over D-Bus.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    SecretService,
    /// The Linux kernel keyring.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    Keyutils,
    /// The macOS login keychain.
    #[cfg_attr(not(target_os = "macos"), allow(dead_code))]
    MacosKeychain,
    /// The Windows Credential Manager.
    #[cfg_attr(not(target_os = "windows"), allow(dead_code))]
    WindowsCredentialManager,
}

impl std::fmt::Display for StoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StoreKind::SecretService => "Secret Service",
            StoreKind::Keyutils => "kernel keyring",
            StoreKind::MacosKeychain => "macOS Keychain",
            StoreKind::WindowsCredentialManager => "Windows Credential Manager",
        })
    }
}

/// A keychain failure, worded for the person who has to fix it. No variant carries secret bytes.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No store could be opened.
    #[error("no keychain is available: {0}")]
    Unavailable(String),
    /// The store refused access (locked, prompt dismissed, permission denied).
    #[error("the {store} refused access ({detail}); unlock it, or choose another with --store")]
    NoAccess {
        /// The store in use, as [`Vault::store_name`] names it.
        store: String,
        /// The store's own words.
        detail: String,
    },
    /// Any other failure of the store.
    #[error("the {store} failed: {detail}")]
    Failed {
        /// The store in use, as [`Vault::store_name`] names it.
        store: String,
        /// The store's own words.
        detail: String,
    },
    /// The kernel keyring refused to hold more (EDQUOT).
    #[error(
        "the kernel keyring is over its quota (/proc/sys/kernel/keys/maxbytes, maxkeys); \
         erase tokens you no longer need, or use --store=secret-service"
    )]
    OverQuota,
    /// Another process held the keychain write lock for [`LOCK_WAIT`].
    #[error(
        "another git-credential-pat has been writing the keychain for {} s (it holds \
         ~/.cache/git-credential-pat/vault.lock); nothing was changed: try again once it is done",
        LOCK_WAIT.as_secs()
    )]
    Busy,
    /// The namespace is not a plain name.
    #[error("namespace must be 1 to 64 letters, digits, '.', '_' or '-'")]
    BadNamespace,
}

/// A stored credential found by [`Vault::find`]: its account and a handle to read or delete it,
/// in the keychain that holds it (which [`Vault::read`] and [`Vault::delete`] use, whichever
/// vault they are called on, so that entries found in several keychains can be handled
/// together).
pub struct Found {
    /// The credential's identity.
    pub account: Account,
    entry: Entry,
    vault: Vault,
    /// The secret, when the look-up that found the entry has read it already (a direct
    /// look-up reads as it finds), so that [`Vault::read`] does not ask the store again.
    prefetched: Option<Zeroizing<Vec<u8>>>,
    /// The kernel keyring key holding the entry, when a listing found it: read by id, once,
    /// instead of by a search for its description.
    #[cfg(target_os = "linux")]
    key: Option<i32>,
}

impl Found {
    /// The keychain holding it.
    pub(crate) fn vault(&self) -> &Vault {
        &self.vault
    }

    /// The name of the keychain holding it, e.g. `kernel keyring`.
    pub(crate) fn store_name(&self) -> &str {
        self.vault.store_name()
    }

    /// [`Vault::read`] in the keychain holding it.
    ///
    /// # Errors
    /// A [`VaultError`] when the store fails or refuses access.
    pub(crate) fn read(&self) -> Result<Option<Stored>, VaultError> {
        self.vault.read(self)
    }

    /// [`Vault::delete`] in the keychain holding it.
    ///
    /// # Errors
    /// A [`VaultError`] when the store fails or refuses access.
    pub(crate) fn delete(&self) -> Result<bool, VaultError> {
        self.vault.delete(self)
    }
}

/// The keychain, opened on one store and one namespace. Cloning shares the open store.
#[derive(Clone)]
pub struct Vault {
    store: Arc<CredentialStore>,
    /// `None` for the in-memory store of [`Vault::in_memory`], which is none of these kinds.
    kind: Option<StoreKind>,
    /// The store's name in messages.
    name: String,
    service: String,
    /// The keyring the kernel-keyring store links keys into, listed because that store has no
    /// search.
    #[cfg(target_os = "linux")]
    keyring: Option<i32>,
}

impl Vault {
    /// Every keychain that answers, for `namespace`: on Linux the Secret Service (when a
    /// session bus is configured and a provider answers) and the kernel keyring, in that
    /// order; elsewhere the one native store. For `list`, `logout` and `doctor`, which must see
    /// a token whichever keychain a session stored it in; `get`, `store` and `erase` use
    /// [`Vault::open`]'s single choice.
    ///
    /// # Errors
    /// [`VaultError::BadNamespace`], or [`VaultError::Unavailable`] when no store opens.
    pub(crate) fn open_every(namespace: Option<&str>) -> Result<Vec<Vault>, VaultError> {
        let service = service_name(namespace)?;
        #[cfg(target_os = "linux")]
        return linux::open_every(service);
        #[cfg(not(target_os = "linux"))]
        return platform::open(StoreChoice::Auto, service).map(|v| vec![v]);
    }

    /// Whether `namespace` is one [`Vault::open`] accepts (1 to 64 letters, digits, `.`, `_`,
    /// `-`): no token can be stored under another.
    pub(crate) fn namespace_is_valid(namespace: &str) -> bool {
        !namespace.is_empty() && service_name(Some(namespace)).is_ok()
    }

    /// Opens the store chosen by `choice` for `namespace` (`None`: the default set).
    ///
    /// `Auto` on Linux takes the Secret Service when a session bus is configured and a provider
    /// answers on it, else the kernel keyring; on macOS and Windows the native store.
    ///
    /// # Errors
    /// [`VaultError::BadNamespace`], or [`VaultError::Unavailable`] when no store opens.
    pub fn open(choice: StoreChoice, namespace: Option<&str>) -> Result<Vault, VaultError> {
        let service = service_name(namespace)?;
        platform::open(choice, service)
    }

    /// A vault in memory (keyring-core's `mock::Store`) for the entries of `namespace`, which
    /// is searched by the `service` attribute and named "Mock store" in messages: the one
    /// keychain of the unit tests and the fuzzer, where no real keychain may be touched.
    ///
    /// # Panics
    /// When `namespace` is not a plain name (see [`Vault::open`]): test input only.
    pub fn in_memory(namespace: &str) -> Vault {
        let store = keyring_core::mock::Store::new().expect("keyring-core's mock store opens");
        Vault::over(
            store,
            None,
            service_name(Some(namespace)).expect("a plain namespace"),
        )
    }

    /// A vault over `store` for the entries of `service`.
    fn over(store: Arc<CredentialStore>, kind: Option<StoreKind>, service: String) -> Vault {
        let name = match kind {
            Some(kind) => kind.to_string(),
            // "Mock store, https://crates.io/crates/keyring-core" names itself before the comma.
            None => {
                let vendor = store.vendor();
                vendor.split(',').next().unwrap_or_default().to_owned()
            }
        };
        Vault {
            store,
            kind,
            name,
            service,
            #[cfg(target_os = "linux")]
            keyring: None,
        }
    }

    /// Which of this crate's stores is in use; `None` for the in-memory store of
    /// [`Vault::in_memory`].
    pub(crate) fn kind(&self) -> Option<StoreKind> {
        self.kind
    }

    /// The store's name for messages, e.g. `kernel keyring`.
    pub fn store_name(&self) -> &str {
        &self.name
    }

    /// The keychain service name entries are kept under.
    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account: &Account) -> Result<Entry, VaultError> {
        self.store
            .build(&self.service, &account.key(), None)
            .map_err(|e| self.error(e))
    }

    /// Every credential stored for `origin`, any user, any path.
    ///
    /// # Errors
    /// A [`VaultError`] when the store cannot be searched.
    pub fn find(&self, origin: &Origin) -> Result<Vec<Found>, VaultError> {
        self.search(Some(origin), None)
    }

    /// Like [`Vault::find`], narrowed to `username` when given. The stores that can look a
    /// name up directly then do so instead of listing: the Secret Service searches by the
    /// `user` attribute, and the kernel keyring looks up the entry for exactly that user and
    /// `path` (falling back to a listing only when that is absent, e.g. for a request without
    /// a path and tokens kept per path).
    ///
    /// # Errors
    /// A [`VaultError`] when the store cannot be searched.
    pub fn find_user(
        &self,
        origin: &Origin,
        username: Option<&str>,
        path: Option<&str>,
    ) -> Result<Vec<Found>, VaultError> {
        // A path only routes (tokens are kept per host and user), but one kept for exactly
        // this path before is looked up first.
        #[cfg(target_os = "linux")]
        if matches!(
            self.kind,
            Some(StoreKind::Keyutils | StoreKind::SecretService)
        ) && let Some(user) = username
        {
            if let Some(found) = self.lookup(origin, user, path)? {
                return Ok(vec![found]);
            }
            if path.is_some()
                && let Some(found) = self.lookup(origin, user, None)?
            {
                return Ok(vec![found]);
            }
        }
        // Only the Linux stores look an entry up by its path.
        #[cfg(not(target_os = "linux"))]
        let _ = path;
        let mut found = self.search(Some(origin), username)?;
        found.retain(|f| username.is_none_or(|u| f.account.username == u));
        Ok(found)
    }

    /// Every credential in this namespace.
    ///
    /// # Errors
    /// A [`VaultError`] when the store cannot be searched.
    pub fn find_all(&self) -> Result<Vec<Found>, VaultError> {
        self.search(None, None)
    }

    fn search(&self, only: Option<&Origin>, user: Option<&str>) -> Result<Vec<Found>, VaultError> {
        let wanted =
            |a: &Account| only.is_none_or(|o| a.protocol == o.protocol && a.host == o.host);
        let host = only.map(|o| o.host.to_string());
        #[cfg(target_os = "linux")]
        if self.kind == Some(StoreKind::Keyutils) {
            return Ok(self
                .keyutils_accounts()?
                .into_iter()
                .filter(|(account, _)| wanted(account))
                .filter_map(|(account, key)| {
                    let entry = self.entry(&account).ok()?;
                    Some(Found {
                        key: Some(key),
                        ..self.found(account, entry)
                    })
                })
                .collect());
        }
        let mut spec: HashMap<&str, &str> = HashMap::new();
        let escaped;
        match self.kind {
            // Our items carry git's protocol, host and user as attributes, so the Secret
            // Service itself narrows the search to one host (and user).
            Some(StoreKind::SecretService) => {
                spec.insert("service", &self.service);
                if let (Some(origin), Some(host)) = (only, host.as_deref()) {
                    spec.insert("protocol", &origin.protocol);
                    spec.insert("host", host);
                    if let Some(user) = user {
                        spec.insert("user", user);
                    }
                }
            }
            Some(StoreKind::WindowsCredentialManager) => {
                // Anchored after the divider (see vault/windows.rs), so that a longer service
                // such as `git-credential-pat:lab.2` does not match `git-credential-pat:lab`.
                escaped = format!("\\|{}$", regex_escape(&self.service));
                spec.insert("pattern", &escaped);
            }
            _ => {
                spec.insert("service", &self.service);
            }
        }
        let entries = match self.store.search(&spec) {
            Ok(entries) => entries,
            Err(KeyringError::NoEntry) => Vec::new(),
            Err(e) => return Err(self.error(e)),
        };
        Ok(self.ours(entries, wanted))
    }

    /// The entries of `entries` that belong to this namespace and pass `wanted`.
    fn ours(&self, entries: Vec<Entry>, wanted: impl Fn(&Account) -> bool) -> Vec<Found> {
        entries
            .into_iter()
            .filter_map(|entry| {
                let (service, user) = entry.get_specifiers()?;
                let account = Account::parse(&user)?;
                (service == self.service && wanted(&account)).then(|| self.found(account, entry))
            })
            .collect()
    }

    /// Reads what `found` holds, from the keychain holding it; `None` when it was deleted since it was found, or when its
    /// content is not ours to read (not UTF-8).
    ///
    /// # Errors
    /// A [`VaultError`] when the store fails or refuses access.
    pub fn read(&self, found: &Found) -> Result<Option<Stored>, VaultError> {
        if let Some(bytes) = &found.prefetched {
            return Ok(Stored::decode(bytes));
        }
        #[cfg(target_os = "linux")]
        if let Some(key) = found.key
            && let Some(bytes) = found.vault.keyutils_read(key)
        {
            return Ok(Stored::decode(&bytes));
        }
        found.vault.read_entry(&found.entry)
    }

    fn found(&self, account: Account, entry: Entry) -> Found {
        Found {
            account,
            entry,
            vault: self.clone(),
            prefetched: None,
            #[cfg(target_os = "linux")]
            key: None,
        }
    }

    fn read_entry(&self, entry: &Entry) -> Result<Option<Stored>, VaultError> {
        match entry.get_secret() {
            Ok(bytes) => Ok(Stored::decode(&Zeroizing::new(bytes))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Reads the credential stored for exactly `account`, if any.
    ///
    /// # Errors
    /// A [`VaultError`] when the store fails or refuses access.
    pub fn get(&self, account: &Account) -> Result<Option<Stored>, VaultError> {
        self.read_entry(&self.entry(account)?)
    }

    /// Stores `stored` for `account`, replacing what was there. Writers take a lock first (see
    /// [`write_lock`]), so that parallel `store`s from one git (submodules fetched in parallel)
    /// cannot create the same Secret Service item twice; duplicates made without the lock (an
    /// older version, another tool) are removed.
    ///
    /// # Errors
    /// A [`VaultError`] when the store fails or refuses access.
    pub fn put(&self, account: &Account, stored: &Stored) -> Result<(), VaultError> {
        let _lock = write_lock()?;
        let pick = self.next_pick(account, stored)?;
        // The pick carries the host's routes (see `HostMap`): worked out again on each write,
        // which is never `get`'s.
        let (map, others) = match Vault::picked(account, &pick) {
            Some(_) => {
                let (map, others) = self.next_map(account, stored)?;
                (Some(map), others)
            }
            None => (None, Vec::new()),
        };
        let picked = Vault::picked(account, &pick).cloned();
        let own_map = map.as_ref().filter(|_| picked.as_ref() == Some(account));
        let pick_attr = match &pick {
            PickMove::ToWritten(_) => Some("1"),
            PickMove::ToOther(_) => Some(""),
            PickMove::NotKept | PickMove::Stays(_) => None,
        };
        self.write(account, &stored.encode_with_map(own_map), pick_attr)?;
        // Another account holds the pick: it gets the host's routes unless it has them.
        if let (Some(map), Some(at)) = (&map, &picked)
            && at != account
            && let Some((_, held)) = others.iter().find(|(f, _)| f.account == *at)
            && held.map.clone().unwrap_or_default() != *map
        {
            self.write(at, &held.encode_with_map(Some(map)), None)?;
        }
        self.move_pick(account, pick)
    }

    /// Writes `secret` as `account`'s entry (removing duplicates made without the lock), with
    /// the Secret Service attributes that searches use (and `pick`'s, when given).
    fn write(&self, account: &Account, secret: &str, pick: Option<&str>) -> Result<(), VaultError> {
        let entry = self.entry(account)?;
        match entry.set_secret(secret.as_bytes()) {
            Err(KeyringError::Ambiguous(duplicates)) => {
                for duplicate in duplicates {
                    duplicate.delete_credential().map_err(|e| self.error(e))?;
                }
                entry.set_secret(secret.as_bytes())
            }
            other => other,
        }
        .map_err(|e| self.error(e))?;
        if self.kind == Some(StoreKind::SecretService) {
            let host = account.host.to_string();
            let mut attrs = HashMap::from([
                ("protocol", account.protocol.as_str()),
                ("host", host.as_str()),
                ("user", account.username.as_str()),
            ]);
            if let Some(pick) = pick {
                attrs.insert(PICK, pick);
            }
            entry.update_attributes(&attrs).map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// Deletes `found` from the keychain holding it; `false` when it was already gone.
    ///
    /// # Errors
    /// A [`VaultError`] when the store fails or refuses access.
    pub fn delete(&self, found: &Found) -> Result<bool, VaultError> {
        let _lock = write_lock()?;
        // A Secret Service item's pick attribute goes with the item; the kernel keyring's pick
        // is a key of its own, which would point at nothing.
        #[cfg(target_os = "linux")]
        if self.kind == Some(StoreKind::Keyutils) {
            self.keyutils_drop_pick(&found.account);
        }
        match found.entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(e) => Err(found.vault.error(e)),
        }
    }

    fn error(&self, e: KeyringError) -> VaultError {
        #[cfg(target_os = "linux")]
        if self.kind == Some(StoreKind::Keyutils) && linux::over_quota(&e) {
            return VaultError::OverQuota;
        }
        let store = self.name.clone();
        // Formatted by hand because some variants (BadEncoding, BadDataFormat) carry the
        // secret's bytes, and their Display would print them.
        match e {
            KeyringError::NoStorageAccess(inner) => VaultError::NoAccess {
                store,
                detail: inner.to_string(),
            },
            KeyringError::PlatformFailure(inner) => VaultError::Failed {
                store,
                detail: inner.to_string(),
            },
            KeyringError::BadEncoding(_) | KeyringError::BadDataFormat(..) => VaultError::Failed {
                store,
                detail: "an entry holds data in an unexpected format".into(),
            },
            KeyringError::Ambiguous(_) => VaultError::Failed {
                store,
                detail: "more than one entry has this name".into(),
            },
            other => VaultError::Failed {
                store,
                detail: other.to_string(),
            },
        }
    }
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = !c.is_ascii_alphanumeric() && c != '_';
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

#[cfg(test)]
mod tests;

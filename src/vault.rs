//! The keychain: which store holds the tokens, how an entry is named, the secret's format, and
//! finding every stored user of a host.
//!
//! One keychain entry per credential: service `git-credential-pat` (or `git-credential-pat:NS`
//! with a namespace), account `protocol://username@host[/path]`. The secret is the password on
//! the first line, then `password_expiry_utc=…`, `oauth_refresh_token=…` and `stored_at=…`
//! lines, as git's own libsecret helper keeps the first two. Nothing here writes a file.

use keyring_core::api::CredentialStore;
use keyring_core::{Entry, Error as KeyringError};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::Arc;

/// The keychain service name; a namespace is appended as `:NAME`.
pub const SERVICE: &str = "git-credential-pat";

/// Environment variable that selects a namespace when `--namespace` is not given.
pub const NAMESPACE_ENV: &str = "GIT_CREDENTIAL_PAT_NAMESPACE";

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
pub enum StoreKind {
    /// freedesktop.org Secret Service over D-Bus.
    SecretService,
    /// The Linux kernel keyring.
    Keyutils,
    /// The macOS login keychain.
    MacosKeychain,
    /// The Windows Credential Manager.
    WindowsCredentialManager,
    /// keyring-core's in-memory mock, for unit tests.
    Mock,
}

impl std::fmt::Display for StoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StoreKind::SecretService => "Secret Service",
            StoreKind::Keyutils => "kernel keyring",
            StoreKind::MacosKeychain => "macOS Keychain",
            StoreKind::WindowsCredentialManager => "Windows Credential Manager",
            StoreKind::Mock => "mock store",
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
        /// The store in use.
        store: StoreKind,
        /// The store's own words.
        detail: String,
    },
    /// Any other failure of the store.
    #[error("the {store} failed: {detail}")]
    Failed {
        /// The store in use.
        store: StoreKind,
        /// The store's own words.
        detail: String,
    },
    /// The kernel keyring refused to hold more (EDQUOT).
    #[error(
        "the kernel keyring is over its quota (/proc/sys/kernel/keys/maxbytes, maxkeys); \
         erase tokens you no longer need, or use --store=secret-service"
    )]
    OverQuota,
    /// The namespace is not a plain name.
    #[error("namespace must be 1 to 64 letters, digits, '.', '_' or '-'")]
    BadNamespace,
}

/// The identity of one stored credential: git's `protocol`, `host`, `username`, `path`.
///
/// `host` is kept normalised (see [`normalize_host`]); `path` is `None` unless git sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// git's `protocol`, e.g. `https`.
    pub protocol: String,
    /// git's `host`, normalised, with `:port` when there is one.
    pub host: String,
    /// git's `username`; may be empty.
    pub username: String,
    /// git's `path`, only with `credential.useHttpPath`.
    pub path: Option<String>,
}

impl Account {
    /// The keychain account name: `protocol://username@host[/path]`, with `%`, `@`, `/`, `:`
    /// and control characters percent-encoded in the username and host so that it parses back
    /// unambiguously.
    pub fn key(&self) -> String {
        let mut s = format!(
            "{}://{}@{}",
            encode(&self.protocol, "%:/@"),
            encode(&self.username, "%:/@"),
            encode(&self.host, "%/@")
        );
        if let Some(p) = &self.path {
            s.push('/');
            s.push_str(&encode(p, "%"));
        }
        s
    }

    /// Parses what [`Account::key`] made; `None` for anything else.
    pub fn parse(key: &str) -> Option<Account> {
        let (protocol, rest) = key.split_once("://")?;
        let (username, rest) = rest.split_once('@')?;
        let (host, path) = match rest.split_once('/') {
            Some((h, p)) => (h, Some(decode(p)?)),
            None => (rest, None),
        };
        Some(Account {
            protocol: decode(protocol)?,
            host: decode(host)?,
            username: decode(username)?,
            path,
        })
    }
}

fn encode(s: &str, special: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if special.contains(c) || c.is_control() {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(s.get(i + 1..i + 3)?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Normalises a `host` value for storing and matching: ASCII lowercase, and a trailing dot of
/// the host name removed (`GitHub.COM.:443` → `github.com:443`), since DNS treats those as the
/// same host. Anything else is kept as given, so look-alike hosts never match.
pub fn normalize_host(host: &str) -> String {
    let lower = host.to_ascii_lowercase();
    let (name, port) = match lower.rfind(':') {
        // An IPv6 literal keeps its colons inside brackets.
        Some(i) if !lower[i..].contains(']') => (&lower[..i], Some(&lower[i..])),
        _ => (lower.as_str(), None),
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    format!("{name}{}", port.unwrap_or(""))
}

/// What a keychain entry holds for one credential: the secret, and the non-secret facts that
/// `list` shows (kept in the same entry because the kernel keyring has nowhere else to put
/// them, and so that they come and go with the token).
pub struct Stored {
    /// The token.
    pub password: SecretString,
    /// When the token expires, seconds since the Unix epoch (UTC); `None` if unknown or never.
    pub password_expiry_utc: Option<u64>,
    /// An OAuth refresh token, kept as confidential as the password.
    pub oauth_refresh_token: Option<SecretString>,
    /// When this was stored, seconds since the Unix epoch (UTC).
    pub stored_at: Option<u64>,
    /// The forge's name as the API check saw it, e.g. `GitHub`; `None` when not checked.
    pub forge: Option<String>,
    /// The scopes the forge reported; `Some(empty)` for none, `None` when not reported.
    pub scopes: Option<Vec<String>>,
    /// The lab timer: the first `get` at or after this time (seconds since the Unix epoch, UTC)
    /// erases the credential instead of serving it.
    pub erase_by: Option<u64>,
    /// Marked by `login --default`: served when git names no user and several are stored.
    pub default: bool,
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stored")
            .field("password", &"[REDACTED]")
            .field("password_expiry_utc", &self.password_expiry_utc)
            .field(
                "oauth_refresh_token",
                &self.oauth_refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("stored_at", &self.stored_at)
            .field("forge", &self.forge)
            .field("scopes", &self.scopes)
            .field("erase_by", &self.erase_by)
            .field("default", &self.default)
            .finish()
    }
}

impl Stored {
    /// A credential holding only `password`.
    pub fn new(password: SecretString) -> Stored {
        Stored {
            password,
            password_expiry_utc: None,
            oauth_refresh_token: None,
            stored_at: None,
            forge: None,
            scopes: None,
            erase_by: None,
            default: false,
        }
    }

    /// The secret's bytes: password line, then `key=value` lines, each ending in `\n` (so that
    /// an empty password still makes a non-empty secret, which the kernel keyring requires).
    /// Line breaks inside the non-secret facts are replaced by spaces.
    pub fn encode(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::new());
        s.push_str(self.password.expose_secret());
        s.push('\n');
        if let Some(t) = self.password_expiry_utc {
            s.push_str(&format!("password_expiry_utc={t}\n"));
        }
        if let Some(r) = &self.oauth_refresh_token {
            s.push_str("oauth_refresh_token=");
            s.push_str(r.expose_secret());
            s.push('\n');
        }
        let line = |s: &mut String, key: &str, value: &str| {
            s.push_str(&format!("{key}={}\n", value.replace(['\n', '\r'], " ")));
        };
        if let Some(t) = self.stored_at {
            line(&mut s, "stored_at", &t.to_string());
        }
        if let Some(f) = &self.forge {
            line(&mut s, "forge", f);
        }
        if let Some(scopes) = &self.scopes {
            line(&mut s, "scopes", &scopes.join(","));
        }
        if let Some(t) = self.erase_by {
            line(&mut s, "erase_by", &t.to_string());
        }
        if self.default {
            line(&mut s, "default", "1");
        }
        s
    }

    /// Parses [`Stored::encode`]'s format, and the format of git's libsecret helper (no final
    /// newline). Unknown lines are ignored so that later versions can add facts.
    ///
    /// # Errors
    /// `None` when the bytes are not UTF-8.
    pub fn decode(bytes: &[u8]) -> Option<Stored> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut lines = text.split('\n');
        let mut stored = Stored::new(SecretString::from(
            lines.next().unwrap_or_default().to_owned(),
        ));
        for line in lines {
            match line.split_once('=') {
                Some(("password_expiry_utc", v)) => {
                    stored.password_expiry_utc = v.parse().ok().filter(|&t| t != 0)
                }
                Some(("oauth_refresh_token", v)) => {
                    stored.oauth_refresh_token = Some(SecretString::from(v.to_owned()))
                }
                Some(("stored_at", v)) => stored.stored_at = v.parse().ok(),
                Some(("forge", v)) => stored.forge = Some(v.to_owned()),
                Some(("scopes", v)) => {
                    stored.scopes = Some(
                        v.split(',')
                            .filter(|x| !x.is_empty())
                            .map(str::to_owned)
                            .collect(),
                    )
                }
                Some(("erase_by", v)) => stored.erase_by = v.parse().ok(),
                Some(("default", v)) => stored.default = v == "1",
                _ => {}
            }
        }
        Some(stored)
    }

    /// Whether `self` and `other` would give git the same answer (the facts are ignored).
    pub fn same_as(&self, other: &Stored) -> bool {
        self.password.expose_secret() == other.password.expose_secret()
            && self.password_expiry_utc == other.password_expiry_utc
            && self.oauth_refresh_token.as_ref().map(|s| s.expose_secret())
                == other
                    .oauth_refresh_token
                    .as_ref()
                    .map(|s| s.expose_secret())
    }
}

/// A stored credential found by [`Vault::find`]: its account and a handle to read or delete it.
pub struct Found {
    /// The credential's identity.
    pub account: Account,
    entry: Entry,
}

/// The keychain, opened on one store and one namespace. Cloning shares the open store.
#[derive(Clone)]
pub struct Vault {
    store: Arc<CredentialStore>,
    kind: StoreKind,
    service: String,
    /// The keyring the kernel-keyring store links keys into, listed because that store has no
    /// search.
    #[cfg(target_os = "linux")]
    keyring: Option<i32>,
}

impl Vault {
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

    /// A vault over any keyring-core store; used by unit tests with the mock store.
    pub fn with_store(
        store: Arc<CredentialStore>,
        kind: StoreKind,
        namespace: Option<&str>,
    ) -> Result<Vault, VaultError> {
        Ok(Vault {
            store,
            kind,
            service: service_name(namespace)?,
            #[cfg(target_os = "linux")]
            keyring: None,
        })
    }

    /// The store in use.
    pub fn kind(&self) -> StoreKind {
        self.kind
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

    /// Every credential stored for `protocol` and (normalised) `host`, any user, any path.
    ///
    /// # Errors
    /// A [`VaultError`] when the store cannot be searched.
    pub fn find(&self, protocol: &str, host: &str) -> Result<Vec<Found>, VaultError> {
        self.search(Some((protocol, host)), None)
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
        protocol: &str,
        host: &str,
        username: Option<&str>,
        path: Option<&str>,
    ) -> Result<Vec<Found>, VaultError> {
        #[cfg(target_os = "linux")]
        if self.kind == StoreKind::Keyutils
            && let Some(user) = username
        {
            let account = Account {
                protocol: protocol.to_owned(),
                host: host.to_owned(),
                username: user.to_owned(),
                path: path.map(str::to_owned),
            };
            let entry = self.entry(&account)?;
            // The keyutils store's get_credential is a KEYCTL_SEARCH: Ok when the key exists.
            if entry.get_credential().is_ok() {
                return Ok(vec![Found { account, entry }]);
            }
        }
        let mut found = self.search(Some((protocol, host)), username)?;
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

    fn search(
        &self,
        only: Option<(&str, &str)>,
        user: Option<&str>,
    ) -> Result<Vec<Found>, VaultError> {
        let wanted = |a: &Account| only.is_none_or(|(p, h)| a.protocol == p && a.host == h);
        #[cfg(target_os = "linux")]
        if self.kind == StoreKind::Keyutils {
            return Ok(self
                .keyutils_accounts()?
                .into_iter()
                .filter(wanted)
                .filter_map(|account| {
                    let entry = self.entry(&account).ok()?;
                    Some(Found { account, entry })
                })
                .collect());
        }
        let mut spec: HashMap<&str, &str> = HashMap::new();
        let escaped;
        match self.kind {
            // Our items carry git's protocol, host and user as attributes, so the Secret
            // Service itself narrows the search to one host (and user).
            StoreKind::SecretService => {
                spec.insert("service", &self.service);
                if let Some((protocol, host)) = only {
                    spec.insert("protocol", protocol);
                    spec.insert("host", host);
                    if let Some(user) = user {
                        spec.insert("user", user);
                    }
                }
            }
            StoreKind::WindowsCredentialManager => {
                escaped = regex_escape(&self.service);
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
        Ok(entries
            .into_iter()
            .filter_map(|entry| {
                let (service, user) = entry.get_specifiers()?;
                let account = Account::parse(&user)?;
                (service == self.service && wanted(&account)).then_some(Found { account, entry })
            })
            .collect())
    }

    /// Reads what `found` holds; `None` when it was deleted since it was found, or when its
    /// content is not ours to read (not UTF-8).
    ///
    /// # Errors
    /// A [`VaultError`] when the store fails or refuses access.
    pub fn read(&self, found: &Found) -> Result<Option<Stored>, VaultError> {
        self.read_entry(&found.entry)
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
        let _lock = write_lock();
        let entry = self.entry(account)?;
        let secret = stored.encode();
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
        if self.kind == StoreKind::SecretService {
            let mut attrs = HashMap::new();
            attrs.insert("protocol", account.protocol.as_str());
            attrs.insert("host", account.host.as_str());
            attrs.insert("user", account.username.as_str());
            entry.update_attributes(&attrs).map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// Deletes `found`; `false` when it was already gone.
    ///
    /// # Errors
    /// A [`VaultError`] when the store fails or refuses access.
    pub fn delete(&self, found: &Found) -> Result<bool, VaultError> {
        let _lock = write_lock();
        match found.entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(e) => Err(self.error(e)),
        }
    }

    fn error(&self, e: KeyringError) -> VaultError {
        let store = self.kind;
        // Formatted by hand because some variants (BadEncoding, BadDataFormat) carry the
        // secret's bytes, and their Display would print them.
        if store == StoreKind::Keyutils && format!("{e:?}").contains("QuotaExceeded") {
            return VaultError::OverQuota;
        }
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

/// An exclusive lock on `~/.cache/git-credential-pat/vault.lock`, held while this process
/// writes the keychain, released on drop. `None` (writing unlocked) when the cache directory
/// cannot be used: a lost race then costs at worst a duplicate entry, which `put` removes.
pub fn write_lock() -> Option<std::fs::File> {
    let dir = dirs::cache_dir()?.join("git-credential-pat");
    std::fs::create_dir_all(&dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("vault.lock"))
        .ok()?;
    file.lock().ok()?;
    Some(file)
}

fn service_name(namespace: Option<&str>) -> Result<String, VaultError> {
    match namespace.filter(|n| !n.is_empty()) {
        None => Ok(SERVICE.to_owned()),
        Some(ns)
            if ns.len() <= 64
                && ns
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) =>
        {
            Ok(format!("{SERVICE}:{ns}"))
        }
        Some(_) => Err(VaultError::BadNamespace),
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

#[cfg(target_os = "linux")]
mod platform {
    use super::*;

    pub(super) fn open(choice: StoreChoice, service: String) -> Result<Vault, VaultError> {
        let secret_service = || match dbus_secret_service_keyring_store::Store::new() {
            Ok(store) => Ok(Vault {
                store,
                kind: StoreKind::SecretService,
                service: service.clone(),
                keyring: None,
            }),
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

    /// The kernel keyring store, made to work in a process without a session keyring.
    ///
    /// Why: with no session keyring (containers, CI, `su`, services) the kernel falls back to
    /// the user-session keyring, and the store's `KEYCTL_GET_PERSISTENT` then installs a new
    /// session keyring, so the key it adds is no longer possessed and linking it into the
    /// persistent keyring fails with `EACCES`. Asking for the session keyring with `create`
    /// first joins a fresh anonymous session keyring when there is none (and is a no-op when a
    /// login session already has one), which is what `keyctl session -` does for a shell.
    fn open_keyutils(service: String) -> Result<Vault, VaultError> {
        use linux_keyutils::{KeyRing, KeyRingIdentifier};
        let unavailable = |what: &str, e: &dyn std::fmt::Debug| {
            VaultError::Unavailable(format!("the kernel keyring {what} ({e:?})"))
        };
        KeyRing::from_special_id(KeyRingIdentifier::Session, true)
            .map_err(|e| unavailable("has no session keyring", &e))?;
        let store = linux_keyutils_keyring_store::Store::new()
            .map_err(|e| unavailable("store does not open", &e))?;
        // The store links every key into the user's persistent keyring (persistent-keyring(7)),
        // which outlives this process; listing it finds every stored account. Without one
        // (some sandboxes and kernels) a key would die with this process: refuse instead.
        let keyring = keyutils::persistent_keyring().map_err(|e| {
            unavailable(
                "has no persistent keyring, so tokens would not outlive this process",
                &e,
            )
        })?;
        let keyring = Some(keyring);
        Ok(Vault {
            store,
            kind: StoreKind::Keyutils,
            service,
            keyring,
        })
    }

    impl Vault {
        /// The accounts of this namespace in the persistent keyring, from key descriptions
        /// `keyring:{account}@{service}` (the store's naming).
        pub(super) fn keyutils_accounts(&self) -> Result<Vec<Account>, VaultError> {
            let Some(ring) = self.keyring else {
                return Ok(Vec::new());
            };
            let ids = keyutils::links(ring).map_err(|e| VaultError::Failed {
                store: self.kind,
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

    /// The two keyctl(2) calls that `linux-keyutils` lacks or gets unsafe: the persistent
    /// keyring's ID, and reading a keyring's links with a buffer sized from the kernel's answer
    /// (its `KeyRing::get_links` trusts a caller-given maximum and can overrun).
    mod keyutils {
        const KEYCTL_READ: libc::c_long = 11;
        const KEYCTL_GET_PERSISTENT: libc::c_long = 22;
        const KEY_SPEC_SESSION_KEYRING: libc::c_long = -3;

        /// The calling user's persistent keyring, linked into the session keyring.
        pub fn persistent_keyring() -> std::io::Result<i32> {
            // SAFETY: integer arguments only; -1 as uid means "the caller's".
            let id = unsafe {
                libc::syscall(
                    libc::SYS_keyctl,
                    KEYCTL_GET_PERSISTENT,
                    -1 as libc::c_long,
                    KEY_SPEC_SESSION_KEYRING,
                )
            };
            if id < 0 {
                return Err(std::io::Error::last_os_error());
            }
            i32::try_from(id).map_err(|_| std::io::Error::other("keyring id out of range"))
        }

        /// The IDs of the keys and keyrings linked into keyring `ring`.
        pub fn links(ring: i32) -> std::io::Result<Vec<i32>> {
            let mut ids: Vec<i32> = Vec::new();
            loop {
                let cap_bytes = ids.len() * 4;
                // SAFETY: the kernel writes at most `cap_bytes` bytes into the buffer, which
                // is `ids`' initialised storage (or null with length 0 for the size query).
                let ptr = if cap_bytes == 0 {
                    std::ptr::null_mut()
                } else {
                    ids.as_mut_ptr()
                };
                let n = unsafe {
                    libc::syscall(
                        libc::SYS_keyctl,
                        KEYCTL_READ,
                        ring as libc::c_long,
                        ptr,
                        cap_bytes,
                    )
                };
                if n < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let needed = n as usize;
                if needed <= cap_bytes {
                    ids.truncate(needed / 4);
                    return Ok(ids);
                }
                // Room for keys added between the size query and the read.
                ids = vec![0; needed / 4 + 16];
            }
        }
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use super::*;

    pub(super) fn open(choice: StoreChoice, service: String) -> Result<Vault, VaultError> {
        if choice != StoreChoice::Auto {
            return Err(VaultError::Unavailable(
                "--store=secret-service and --store=keyutils exist only on Linux".into(),
            ));
        }
        let store = apple_native_keyring_store::keychain::Store::new()
            .map_err(|e| VaultError::Unavailable(format!("the macOS Keychain: {e}")))?;
        Ok(Vault {
            store,
            kind: StoreKind::MacosKeychain,
            service,
        })
    }
}

#[cfg(target_os = "windows")]
mod platform {
    use super::*;

    pub(super) fn open(choice: StoreChoice, service: String) -> Result<Vault, VaultError> {
        if choice != StoreChoice::Auto {
            return Err(VaultError::Unavailable(
                "--store=secret-service and --store=keyutils exist only on Linux".into(),
            ));
        }
        let store = windows_native_keyring_store::Store::new()
            .map_err(|e| VaultError::Unavailable(format!("the Windows Credential Manager: {e}")))?;
        Ok(Vault {
            store,
            kind: StoreKind::WindowsCredentialManager,
            service,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(user: &str, path: Option<&str>) -> Account {
        Account {
            protocol: "https".into(),
            host: "github.com".into(),
            username: user.into(),
            path: path.map(Into::into),
        }
    }

    #[test]
    fn account_names_round_trip_even_with_separators_in_the_username() {
        for a in [
            acct("alice", None),
            acct("", None),
            acct("a@b:c/d%e", Some("o/r.git")),
            acct("x", Some("")),
        ] {
            assert_eq!(Account::parse(&a.key()), Some(a.clone()), "{}", a.key());
        }
        assert_eq!(acct("a@b", None).key(), "https://a%40b@github.com");
    }

    #[test]
    fn account_keys_keep_the_format_existing_entries_are_stored_under() {
        let mut a = acct("a@b:c/d%e", Some("o/r.git"));
        a.host = "github.com:8443".into();
        assert_eq!(a.key(), "https://a%40b%3Ac%2Fd%25e@github.com:8443/o/r.git");
        let mut b = acct("tab\there\u{85}\u{fc}", Some("a b%/\u{7f}\u{f6}"));
        b.host = "[::1]:8080".into();
        assert_eq!(
            b.key(),
            "https://tab%09here%C2%85\u{fc}@[::1]:8080/a b%25/%7F\u{f6}"
        );
        assert_eq!(acct("x", Some("")).key(), "https://x@github.com/");
        assert_eq!(
            Account::parse("https://%41%e9@github.com"),
            None,
            "not UTF-8"
        );
        assert_eq!(Account::parse("https://a%4@github.com"), None);
        assert_eq!(Account::parse("https://a%zz@github.com"), None);
        assert_eq!(
            Account::parse("https://%41b@github.com").map(|a| a.username),
            Some("Ab".into()),
            "lowercase and uppercase hex both decode"
        );
        for key in [a.key(), b.key()] {
            assert_eq!(Account::parse(&key).unwrap().key(), key);
        }
    }

    #[test]
    fn hosts_are_lowercased_and_lose_a_trailing_dot_but_keep_their_port() {
        assert_eq!(normalize_host("GitHub.COM."), "github.com");
        assert_eq!(normalize_host("github.com.:8443"), "github.com:8443");
        assert_eq!(normalize_host("[::1]:8080"), "[::1]:8080");
        assert_eq!(normalize_host("[::1]"), "[::1]");
        assert_eq!(normalize_host("github.com.evil.tld"), "github.com.evil.tld");
    }

    #[test]
    fn secrets_round_trip_and_read_libsecret_helpers_format() {
        let s = Stored {
            password_expiry_utc: Some(1_900_000_000),
            oauth_refresh_token: Some(SecretString::from("ghr_x")),
            stored_at: Some(7),
            forge: Some("GitHub".into()),
            scopes: Some(vec!["repo".into(), "workflow".into()]),
            erase_by: Some(9),
            default: true,
            ..Stored::new(SecretString::from(""))
        };
        let bytes = s.encode();
        assert_eq!(
            bytes.as_str(),
            "\npassword_expiry_utc=1900000000\noauth_refresh_token=ghr_x\nstored_at=7\n\
             forge=GitHub\nscopes=repo,workflow\nerase_by=9\ndefault=1\n"
        );
        let back = Stored::decode(bytes.as_bytes()).unwrap();
        assert!(back.same_as(&s));
        assert_eq!(format!("{back:?}"), format!("{s:?}"));
        let libsecret = Stored::decode(b"ghp_x\npassword_expiry_utc=5").unwrap();
        assert_eq!(libsecret.password.expose_secret(), "ghp_x");
        assert_eq!(libsecret.password_expiry_utc, Some(5));
    }

    #[test]
    fn namespaces_are_plain_names() {
        assert_eq!(service_name(None).unwrap(), "git-credential-pat");
        assert_eq!(service_name(Some("t-1")).unwrap(), "git-credential-pat:t-1");
        assert!(service_name(Some("a b")).is_err());
        assert!(service_name(Some(&"x".repeat(65))).is_err());
    }

    #[test]
    fn debug_of_a_stored_secret_hides_it() {
        let s = Stored {
            oauth_refresh_token: Some(SecretString::from("ghr_SECRET")),
            ..Stored::new(SecretString::from("ghp_SECRET"))
        };
        assert!(!format!("{s:?}").contains("SECRET"));
    }

    #[test]
    fn find_returns_every_user_of_a_host_and_only_that_host() {
        let vault = Vault::with_store(
            keyring_core::mock::Store::new().unwrap(),
            StoreKind::Mock,
            Some("find"),
        )
        .unwrap();
        let stored = || Stored::new(SecretString::from("p"));
        vault.put(&acct("alice", None), &stored()).unwrap();
        vault.put(&acct("bob", Some("o/r")), &stored()).unwrap();
        let mut other = acct("carol", None);
        other.host = "github.com.evil.tld".into();
        vault.put(&other, &stored()).unwrap();
        let mut users: Vec<_> = vault
            .find("https", "github.com")
            .unwrap()
            .into_iter()
            .map(|f| f.account.username)
            .collect();
        users.sort();
        assert_eq!(users, ["alice", "bob"]);
        assert_eq!(vault.find_all().unwrap().len(), 3);
    }
}

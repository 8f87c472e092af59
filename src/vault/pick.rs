//! The host's "pick": which stored credential a `get` without a user name is served, kept
//! where a search finds it (a Secret Service attribute `pick=1`, a kernel-keyring key naming
//! the account) and moved by [`Vault::put`] under the write lock, so that `get` reads one entry
//! however many users a host has, and a later write wins a same-second tie.

use super::*;

/// The Secret Service attribute that marks a host's pick (see [`Vault::find_pick`]): `1` on
/// the picked item, empty on an item that was picked before.
pub(super) const PICK: &str = "pick";

/// Where [`Vault::put`] moves a host's pick (see [`Vault::find_pick`]).
pub(super) enum PickMove {
    /// The store keeps no pick.
    NotKept,
    /// The pick stays where it is, on the account given.
    Stays(Account),
    /// The written credential becomes the pick, taken from the one given (if another held it).
    ToWritten(Option<Found>),
    /// Another credential becomes the pick: the written one lost its rank, or none was kept.
    ToOther(Account),
}

impl Vault {
    /// The credential marked as `origin`'s pick: the one a `get` without a user name serves
    /// (the `login --default` one, else the most recently stored), kept by [`Vault::put`] so
    /// that such a `get` reads one entry instead of every user's. `None` when no pick is kept
    /// (a store without the mark, entries written by an older version, the pick erased): the
    /// caller then searches every candidate. The caller still checks that the pick may be
    /// served (not expired, lab timer not run out), and searches when it may not.
    ///
    /// On the Secret Service the pick is the item with the attribute `pick=1`; on the kernel
    /// keyring a key `pick:PROTOCOL://HOST@SERVICE#pick` holding the picked account's name (about
    /// 100 bytes of the user's key quota per host: `/proc/sys/kernel/keys/maxbytes`, 20000 by
    /// default for a user other than root). Even with one user, the pick spares a `get` the
    /// listing of the whole persistent keyring, which holds every host's keys.
    ///
    /// # Errors
    /// A [`VaultError`] when the store cannot be searched.
    pub(crate) fn find_pick(&self, origin: &Origin) -> Result<Option<Found>, VaultError> {
        match self.kind {
            #[cfg(target_os = "linux")]
            Some(StoreKind::Keyutils) => self.keyutils_find_pick(origin),
            Some(StoreKind::SecretService) => {
                let host = origin.host.to_string();
                let spec = HashMap::from([
                    ("service", self.service.as_str()),
                    ("protocol", origin.protocol.as_str()),
                    ("host", host.as_str()),
                    (PICK, "1"),
                ]);
                let entries = match self.store.search(&spec) {
                    Ok(entries) => entries,
                    Err(KeyringError::NoEntry) => Vec::new(),
                    Err(e) => return Err(self.error(e)),
                };
                let mut found = self.ours(entries, |a| a.origin() == *origin);
                // Two picks (two writers without the lock): neither is trusted.
                Ok(if found.len() == 1 { found.pop() } else { None })
            }
            _ => Ok(None),
        }
    }

    /// Where `account`'s host's pick goes once `stored` is written for `account` (the most
    /// recently written wins a tie of rank).
    pub(super) fn next_pick(
        &self,
        account: &Account,
        stored: &Stored,
    ) -> Result<PickMove, VaultError> {
        if !matches!(
            self.kind,
            Some(StoreKind::SecretService | StoreKind::Keyutils)
        ) {
            return Ok(PickMove::NotKept);
        }
        let origin = account.origin();
        let new = stored.rank();
        // The current pick, unless it is `account` itself and this write lowers its rank (then
        // the others must be looked at).
        if let Some(pick) = self.find_pick(&origin)?
            && let Some(old) = self.read(&pick)?
        {
            if pick.account == *account && new >= old.rank() {
                return Ok(PickMove::Stays(pick.account));
            }
            if pick.account != *account {
                return Ok(if old.rank() > new {
                    PickMove::Stays(pick.account)
                } else {
                    PickMove::ToWritten(Some(pick))
                });
            }
        }
        let mut best: Option<(Account, (bool, bool, bool, u64))> = None;
        for found in self.find(&origin)? {
            if found.account == *account {
                continue;
            }
            if let Some(other) = self.read(&found)?
                && best.as_ref().is_none_or(|(_, b)| other.rank() > *b)
            {
                best = Some((found.account, other.rank()));
            }
        }
        Ok(match best {
            Some((other, b)) if b > new => PickMove::ToOther(other),
            _ => PickMove::ToWritten(None),
        })
    }

    /// Carries out `pick` after [`Vault::put`] wrote `account` (whose own Secret Service
    /// attribute `put` has set already).
    pub(super) fn move_pick(&self, account: &Account, pick: PickMove) -> Result<(), VaultError> {
        let (picked, unpicked) = match pick {
            PickMove::NotKept | PickMove::Stays(_) => return Ok(()),
            PickMove::ToWritten(from) => (None, from),
            PickMove::ToOther(other) => (Some(other), None),
        };
        #[cfg(target_os = "linux")]
        if self.kind == Some(StoreKind::Keyutils) {
            return self.keyutils_set_pick(picked.as_ref().unwrap_or(account));
        }
        // Only the kernel keyring names the written account in its pick.
        #[cfg(not(target_os = "linux"))]
        let _ = account;
        if let Some(old) = unpicked {
            let attrs = HashMap::from([(PICK, "")]);
            old.entry
                .update_attributes(&attrs)
                .map_err(|e| self.error(e))?;
        }
        if let Some(other) = picked {
            let attrs = HashMap::from([(PICK, "1")]);
            self.entry(&other)?
                .update_attributes(&attrs)
                .map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// The account that holds `account`'s host's pick once `pick` is carried out.
    pub(super) fn picked<'a>(account: &'a Account, pick: &'a PickMove) -> Option<&'a Account> {
        match pick {
            PickMove::NotKept => None,
            PickMove::Stays(at) | PickMove::ToOther(at) => Some(at),
            PickMove::ToWritten(_) => Some(account),
        }
    }

    /// The host map (see [`HostMap`]) of `account`'s host once `stored` is written for
    /// `account`: every owner routed by any of the host's accounts, and whether any is kept
    /// per path. Also returns the other accounts' entries as read, so that the pick's can be
    /// rewritten without another search.
    pub(super) fn next_map(
        &self,
        account: &Account,
        stored: &Stored,
    ) -> Result<(HostMap, Vec<(Found, Stored)>), VaultError> {
        let mut map = HostMap {
            routes: Vec::new(),
            paths: account.path.is_some(),
        };
        let mut others = Vec::new();
        for found in self.find(&account.origin())? {
            if found.account == *account {
                continue;
            }
            if let Some(other) = self.read(&found)? {
                others.push((found, other));
            }
        }
        let all =
            std::iter::once((account, stored)).chain(others.iter().map(|(f, s)| (&f.account, s)));
        for (at, held) in all {
            map.paths |= at.path.is_some();
            for owner in &held.owners {
                if map.route(owner).is_none() {
                    map.routes.push((owner.clone(), at.username.clone()));
                }
            }
        }
        Ok((map, others))
    }
}

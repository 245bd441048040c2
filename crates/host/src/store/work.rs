//! What the worker shares between host instances: whose scheduled check is
//! due and which instance holds it, each account's current token and which
//! instance is fetching it, and which documents were announced. Every hold
//! is a lease that ends by itself, so an instance that dies mid-task is
//! replaced once its lease runs out.

use super::{blocking, queue_event, select_one, EventFor, SqliteStore, StoreError, StoredAccount};
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use std::collections::HashSet;

/// An account's token as every instance shares it, sealed like a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedToken {
    /// The account's revision whose credentials it was issued for.
    pub revision: i64,
    /// The token, sealed.
    pub sealed: Vec<u8>,
    /// When it was issued, unix milliseconds.
    pub issued_at: i64,
    /// When it is renewed, unix milliseconds.
    pub renew_at: i64,
    /// When it expires, unix milliseconds.
    pub expires_at: i64,
}

/// A document waiting in an account's `out/` folder.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Document {
    /// Its path, as the Transaction API lists it.
    pub path: String,
    /// Its type, as the Transaction API lists it (`file`).
    #[serde(rename = "type")]
    pub kind: String,
}

/// The worker's shared state.
#[async_trait]
pub trait WorkStore: Send + Sync + 'static {
    /// Gives every account without a next check one at a random time within
    /// `spread` milliseconds after `now`; how many.
    async fn schedule_unscheduled(&self, now: i64, spread: i64) -> Result<u64, StoreError>;
    /// Holds, for `owner` until `until`, up to `limit` accounts whose check is
    /// due at `now` and that no live lease holds, earliest due first; their ids.
    async fn claim_due_checks(
        &self,
        owner: &str,
        now: i64,
        until: i64,
        limit: usize,
    ) -> Result<Vec<String>, StoreError>;
    /// Ends `owner`'s hold on the account's check: it is due again at
    /// `next_at`, and was checked at `checked_at` if it came to a verdict.
    async fn finish_check(
        &self,
        account_id: &str,
        owner: &str,
        checked_at: Option<i64>,
        next_at: i64,
    ) -> Result<(), StoreError>;

    /// The account's shared token, if one is kept.
    async fn shared_token(&self, account_id: &str) -> Result<Option<SharedToken>, StoreError>;
    /// Holds the right to fetch the account's token for `owner` until
    /// `until`, unless another lease is live at `now`; whether `owner` holds it.
    async fn lease_token(&self, account_id: &str, owner: &str, now: i64, until: i64) -> Result<bool, StoreError>;
    /// Keeps `token` for every instance unless a token of a later revision is
    /// kept, and ends `owner`'s lease.
    async fn put_token(&self, account_id: &str, owner: &str, token: &SharedToken) -> Result<(), StoreError>;
    /// Ends `owner`'s lease without a token (the fetch failed).
    async fn release_token(&self, account_id: &str, owner: &str) -> Result<(), StoreError>;
    /// Forgets the account's token: SPS refused it or its credentials.
    async fn drop_token(&self, account_id: &str) -> Result<(), StoreError>;

    /// Turns document watching on or off for the account; the account after, if it exists.
    async fn set_watch_documents(&self, account_id: &str, on: bool) -> Result<Option<StoredAccount>, StoreError>;
    /// Holds, like [`WorkStore::claim_due_checks`], accounts whose document
    /// listing is due: those watching documents, or all with `every`.
    async fn claim_due_listings(
        &self,
        owner: &str,
        now: i64,
        until: i64,
        every: bool,
        limit: usize,
    ) -> Result<Vec<String>, StoreError>;
    /// Ends `owner`'s hold on the account's listing: due again at `next_at`.
    async fn finish_listing(&self, account_id: &str, owner: &str, next_at: i64) -> Result<(), StoreError>;
    /// Records a complete listing of the account's `out/` folder at `now`:
    /// remembered paths no longer listed are forgotten, listed paths not
    /// remembered are remembered and returned, and the event `event` builds
    /// for them is queued in the same transaction. Nothing for an account
    /// that no longer exists.
    async fn record_listing(
        &self,
        account_id: &str,
        listed: &[Document],
        now: i64,
        event: EventFor<Vec<Document>>,
    ) -> Result<Vec<Document>, StoreError>;
}

/// The paths of `listed` not in `remembered`, each once, in listing order.
pub(super) fn unannounced(listed: &[Document], remembered: &HashSet<String>) -> Vec<Document> {
    let mut seen = HashSet::new();
    listed.iter().filter(|d| !remembered.contains(&d.path) && seen.insert(d.path.clone())).cloned().collect()
}

#[async_trait]
impl WorkStore for SqliteStore {
    async fn schedule_unscheduled(&self, now: i64, spread: i64) -> Result<u64, StoreError> {
        let this = self.clone();
        blocking(move || {
            let changed = this.connection().execute(
                "UPDATE accounts SET next_check_at = ?1 + (abs(random()) % ?2) WHERE next_check_at IS NULL",
                params![now, spread.max(1)],
            )?;
            Ok(changed as u64)
        })
        .await
    }

    async fn claim_due_checks(
        &self,
        owner: &str,
        now: i64,
        until: i64,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let (this, owner) = (self.clone(), owner.to_owned());
        blocking(move || this.claim_blocking(Task::Check, &owner, now, until, limit)).await
    }

    async fn finish_check(
        &self,
        account_id: &str,
        owner: &str,
        checked_at: Option<i64>,
        next_at: i64,
    ) -> Result<(), StoreError> {
        let (this, id, owner) = (self.clone(), account_id.to_owned(), owner.to_owned());
        blocking(move || {
            this.connection().execute(
                "UPDATE accounts SET check_owner = NULL, check_until = NULL, next_check_at = ?3, \
                 last_checked_at = COALESCE(?4, last_checked_at) WHERE id = ?1 AND check_owner = ?2",
                params![id, owner, next_at, checked_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn shared_token(&self, account_id: &str) -> Result<Option<SharedToken>, StoreError> {
        let (this, id) = (self.clone(), account_id.to_owned());
        blocking(move || {
            let found = this
                .connection()
                .query_row(
                    "SELECT revision, token_sealed, issued_at, renew_at, expires_at FROM account_tokens \
                     WHERE account_id = ?1 AND token_sealed IS NOT NULL",
                    params![id],
                    |r| {
                        Ok(SharedToken {
                            revision: r.get(0)?,
                            sealed: r.get(1)?,
                            issued_at: r.get(2)?,
                            renew_at: r.get(3)?,
                            expires_at: r.get(4)?,
                        })
                    },
                )
                .optional()?;
            Ok(found)
        })
        .await
    }

    async fn lease_token(&self, account_id: &str, owner: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        let (this, id, owner) = (self.clone(), account_id.to_owned(), owner.to_owned());
        blocking(move || {
            let changed = this.connection().execute(
                "INSERT INTO account_tokens (account_id, revision, lease_owner, lease_until) VALUES (?1, 0, ?2, ?4) \
                 ON CONFLICT (account_id) DO UPDATE SET lease_owner = excluded.lease_owner, \
                 lease_until = excluded.lease_until \
                 WHERE account_tokens.lease_until IS NULL OR account_tokens.lease_until <= ?3",
                params![id, owner, now, until],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn put_token(&self, account_id: &str, owner: &str, token: &SharedToken) -> Result<(), StoreError> {
        let (this, id, owner, token) = (self.clone(), account_id.to_owned(), owner.to_owned(), token.clone());
        blocking(move || {
            this.connection().execute(
                "INSERT INTO account_tokens (account_id, revision, token_sealed, issued_at, renew_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (account_id) DO UPDATE SET revision = excluded.revision, \
                 token_sealed = excluded.token_sealed, issued_at = excluded.issued_at, \
                 renew_at = excluded.renew_at, expires_at = excluded.expires_at, \
                 lease_owner = CASE WHEN account_tokens.lease_owner = ?7 THEN NULL ELSE account_tokens.lease_owner END, \
                 lease_until = CASE WHEN account_tokens.lease_owner = ?7 THEN NULL ELSE account_tokens.lease_until END \
                 WHERE account_tokens.revision <= excluded.revision",
                params![id, token.revision, token.sealed, token.issued_at, token.renew_at, token.expires_at, owner],
            )?;
            Ok(())
        })
        .await
    }

    async fn release_token(&self, account_id: &str, owner: &str) -> Result<(), StoreError> {
        let (this, id, owner) = (self.clone(), account_id.to_owned(), owner.to_owned());
        blocking(move || {
            this.connection().execute(
                "UPDATE account_tokens SET lease_owner = NULL, lease_until = NULL \
                 WHERE account_id = ?1 AND lease_owner = ?2",
                params![id, owner],
            )?;
            Ok(())
        })
        .await
    }

    async fn drop_token(&self, account_id: &str) -> Result<(), StoreError> {
        let (this, id) = (self.clone(), account_id.to_owned());
        blocking(move || {
            this.connection().execute(
                "UPDATE account_tokens SET token_sealed = NULL, issued_at = NULL, renew_at = NULL, \
                 expires_at = NULL WHERE account_id = ?1",
                params![id],
            )?;
            Ok(())
        })
        .await
    }

    async fn set_watch_documents(&self, account_id: &str, on: bool) -> Result<Option<StoredAccount>, StoreError> {
        let (this, id) = (self.clone(), account_id.to_owned());
        blocking(move || {
            let connection = this.connection();
            connection.execute("UPDATE accounts SET watch_documents = ?2 WHERE id = ?1", params![id, i64::from(on)])?;
            select_one(&connection, &id)
        })
        .await
    }

    async fn claim_due_listings(
        &self,
        owner: &str,
        now: i64,
        until: i64,
        every: bool,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let (this, owner) = (self.clone(), owner.to_owned());
        blocking(move || this.claim_blocking(Task::Listing { every }, &owner, now, until, limit)).await
    }

    async fn finish_listing(&self, account_id: &str, owner: &str, next_at: i64) -> Result<(), StoreError> {
        let (this, id, owner) = (self.clone(), account_id.to_owned(), owner.to_owned());
        blocking(move || {
            this.connection().execute(
                "UPDATE accounts SET documents_owner = NULL, documents_until = NULL, documents_next_at = ?3 \
                 WHERE id = ?1 AND documents_owner = ?2",
                params![id, owner, next_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn record_listing(
        &self,
        account_id: &str,
        listed: &[Document],
        now: i64,
        event: EventFor<Vec<Document>>,
    ) -> Result<Vec<Document>, StoreError> {
        let (this, id, listed) = (self.clone(), account_id.to_owned(), listed.to_vec());
        blocking(move || {
            let mut connection = this.connection();
            let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if select_one(&transaction, &id)?.is_none() {
                return Ok(Vec::new());
            }
            let remembered: HashSet<String> = {
                let mut statement =
                    transaction.prepare("SELECT path FROM announced_documents WHERE account_id = ?1")?;
                let paths = statement.query_map(params![id], |r| r.get(0))?.collect::<Result<_, _>>()?;
                paths
            };
            let listed_paths: HashSet<&str> = listed.iter().map(|d| d.path.as_str()).collect();
            for gone in remembered.iter().filter(|path| !listed_paths.contains(path.as_str())) {
                transaction.execute(
                    "DELETE FROM announced_documents WHERE account_id = ?1 AND path = ?2",
                    params![id, gone],
                )?;
            }
            let new = unannounced(&listed, &remembered);
            for document in &new {
                transaction.execute(
                    "INSERT INTO announced_documents (account_id, path, announced_at) VALUES (?1, ?2, ?3)",
                    params![id, document.path, now],
                )?;
            }
            if let Some(queued) = (!new.is_empty()).then(|| event(&new)).flatten() {
                queue_event(&transaction, &queued)?;
            }
            transaction.commit()?;
            Ok(new)
        })
        .await
    }
}

/// One of the worker's tasks on an account, as the store's columns hold it.
#[derive(Clone, Copy, Debug)]
pub(super) enum Task {
    /// The scheduled check.
    Check,
    /// The document listing, of watching accounts or of `every` account.
    Listing { every: bool },
}

impl Task {
    /// Its next-time column, the prefix of its lease columns, and which accounts it covers.
    pub(super) fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Task::Check => ("next_check_at", "check", "TRUE"),
            Task::Listing { every: true } => ("documents_next_at", "documents", "TRUE"),
            Task::Listing { every: false } => ("documents_next_at", "documents", "watch_documents <> 0"),
        }
    }
}

impl SqliteStore {
    fn claim_blocking(
        &self,
        task: Task,
        owner: &str,
        now: i64,
        until: i64,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let (due, lease, filter) = task.columns();
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let ids: Vec<String> = {
            let mut statement = transaction.prepare(&format!(
                "SELECT id FROM accounts WHERE {filter} AND ({due} IS NULL OR {due} <= ?1) \
                 AND ({lease}_until IS NULL OR {lease}_until <= ?1) ORDER BY {due}, id LIMIT ?2"
            ))?;
            let ids = statement.query_map(params![now, limit as i64], |r| r.get(0))?.collect::<Result<_, _>>()?;
            ids
        };
        for id in &ids {
            transaction.execute(
                &format!("UPDATE accounts SET {lease}_owner = ?2, {lease}_until = ?3 WHERE id = ?1"),
                params![id, owner, until],
            )?;
        }
        transaction.commit()?;
        Ok(ids)
    }
}

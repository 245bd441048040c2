//! Where linked accounts, hosted links and undelivered webhook events live.
//! [`AccountStore`], [`LinkStore`], [`EventOutbox`] and [`WorkStore`] are the seams;
//! [`SqliteStore`] is the default, an embedded file for one host instance,
//! whose blocking calls run on the blocking thread pool inside its own
//! implementation; [`PostgresStore`] is a database that several instances
//! share, awaited directly. The traits are async end to end.

mod activity;
mod copy;
mod error;
mod health;
mod links;
mod outbox;
mod postgres;
mod work;

pub use activity::{ActivityKind, ActivityRecord, ActivityStore, NewActivity};
pub use copy::{copy_store, CopyReport};
pub use error::StoreError;
pub use health::Health;
pub use links::{LinkRecord, LinkStore, NewLinkRecord};
pub use outbox::{DeliveryRecord, DeliveryState, EventOutbox, PendingEvent};
pub use postgres::PostgresStore;
pub use work::{Document, SharedToken, WorkStore};

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use sps_connect_wire::{AccountStatus, Environment, ErrorCode, Service};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Runs a blocking call (SQLite's) on the blocking thread pool.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| Err(StoreError::Task(e)))
}

/// An account to save, as a connect confirmed it: the client secret arrives already sealed.
#[derive(Clone, Debug)]
pub struct NewAccount {
    /// The portal user the account belongs to.
    pub user_id: String,
    /// Update this account instead of matching by client.
    pub account_id: Option<String>,
    /// Which keys.
    pub environment: Environment,
    /// The Client ID, in clear (it is not a secret).
    pub client_id: String,
    /// The Client Secret, encrypted.
    pub sealed_secret: Vec<u8>,
    /// The services the account covers.
    pub services: Vec<Service>,
    /// When SPS confirmed the credentials, RFC 3339: the account's
    /// `connected_at` and `last_verified_at`.
    pub connected_at: String,
    /// The hosted link this save uses up, if it comes through one.
    pub through: Option<LinkUse>,
    /// When the worker checks the account next, unix milliseconds.
    pub next_check_at: i64,
}

/// A hosted link a save uses up: it must still be open and held by this
/// claim, or nothing is saved ([`StoreError::LinkUnusable`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkUse {
    /// The link's id.
    pub link_id: String,
    /// The claim taken with [`LinkStore::claim_link`].
    pub claim: String,
    /// Now, unix seconds: the link's `used_at`.
    pub now: i64,
}

/// A saved account, without its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAccount {
    /// The account id.
    pub id: String,
    /// The portal user it belongs to.
    pub user_id: String,
    /// Which keys.
    pub environment: Environment,
    /// The Client ID.
    pub client_id: String,
    /// The services the account covers.
    pub services: Vec<Service>,
    /// When the account was last connected, RFC 3339.
    pub connected_at: String,
    /// Whether it worked at the last check.
    pub status: AccountStatus,
    /// The code of the failure that made it need attention.
    pub status_reason: Option<ErrorCode>,
    /// When SPS last accepted it, RFC 3339.
    pub last_verified_at: Option<String>,
    /// Counts the saves of this account, so that the result of a check made
    /// with older credentials is not recorded over newer ones.
    pub revision: i64,
    /// When the worker last checked it, unix milliseconds.
    pub last_checked_at: Option<i64>,
    /// When the worker checks it next, unix milliseconds.
    pub next_check_at: Option<i64>,
    /// Whether the worker announces the documents waiting in its `out/` folder.
    pub watch_documents: bool,
}

/// An account with its sealed secret.
#[derive(Clone, Debug)]
pub struct SealedAccount {
    /// The account.
    pub account: StoredAccount,
    /// Its Client Secret, encrypted.
    pub sealed_secret: Vec<u8>,
}

/// The outcome of checking an account's credentials with SPS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// SPS accepted them at this time, RFC 3339.
    Passed(String),
    /// SPS refused them with this code.
    Refused(ErrorCode),
}

/// A webhook event to queue in the same transaction as the change it reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedEvent {
    /// Its id, `evt_…`.
    pub id: String,
    /// Its JSON body.
    pub body: String,
    /// When it was made, unix milliseconds: it is due at once.
    pub created_at_ms: i64,
}

/// Builds the event that reports a change, once the change is known; `None`
/// when no events are sent.
pub type EventFor<T> = Box<dyn Fn(&T) -> Option<QueuedEvent> + Send + Sync>;

/// Builds the events that report a change, once the change is known.
pub type EventsFor<T> = Box<dyn Fn(&T) -> Vec<QueuedEvent> + Send + Sync>;

/// Whether a check changed the account's status, and the event to queue
/// with it: one for each change (it came to need attention, or it
/// recovered), none while the status stays.
fn check_outcome(
    before: &StoredAccount,
    after: &StoredAccount,
    event: &EventFor<StoredAccount>,
) -> (bool, Option<QueuedEvent>) {
    let changed = after.status != before.status;
    (changed, changed.then(|| event(after)).flatten())
}

/// Queues `event` with `connection` (inside the caller's transaction).
pub(crate) fn queue_event(connection: &Connection, event: &QueuedEvent) -> Result<(), StoreError> {
    connection.execute(
        "INSERT INTO webhook_events (id, body, created_at, next_attempt_at) VALUES (?1, ?2, ?3, ?3)",
        params![event.id, event.body, event.created_at_ms],
    )?;
    Ok(())
}

/// Whether a save created an account or updated one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    /// A new account.
    Created,
    /// An existing account, now with the new credentials.
    Updated,
}

/// Storage for linked accounts. Every call is async; SQLite's run on the blocking thread pool.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Saves a connected account: updates `account_id` if given, else the user's account with
    /// the same environment and Client ID, else creates one. The account is
    /// `active`, verified at `connected_at`. A save `through` a hosted link
    /// uses the link up in the same transaction, or saves nothing. The
    /// events for the saved account are queued in the same transaction.
    async fn save(
        &self,
        new: NewAccount,
        events: EventsFor<(StoredAccount, Saved)>,
    ) -> Result<(StoredAccount, Saved), StoreError>;
    /// The user's accounts, newest first.
    async fn list(&self, user_id: &str) -> Result<Vec<StoredAccount>, StoreError>;
    /// One account, whoever it belongs to, with its sealed secret.
    async fn find(&self, account_id: &str) -> Result<Option<SealedAccount>, StoreError>;
    /// Records the outcome of a check made with the credentials of `revision`;
    /// does nothing if the account was saved again since. The account after,
    /// and whether its status changed. When the check changes the status, the
    /// event `event` builds for the account after is queued in the same transaction.
    async fn record_check(
        &self,
        account_id: &str,
        revision: i64,
        check: &Check,
        event: EventFor<StoredAccount>,
    ) -> Result<Option<(StoredAccount, bool)>, StoreError>;
    /// Removes the account and its secret, queuing `event` in the same
    /// transaction if there was one; whether there was one.
    async fn delete(&self, account_id: &str, event: Option<&QueuedEvent>) -> Result<bool, StoreError>;
    /// The ids of every account, of every user.
    async fn all_ids(&self) -> Result<Vec<String>, StoreError>;
    /// Replaces the account's sealed secret with `new` if it is still `old`;
    /// whether it was replaced. The credentials themselves do not change.
    async fn replace_sealed_secret(&self, account_id: &str, old: &[u8], new: &[u8]) -> Result<bool, StoreError>;
}

#[async_trait]
impl AccountStore for SqliteStore {
    #[tracing::instrument(name = "store.save", skip_all, fields(db.system.name = "sqlite"))]
    async fn save(
        &self,
        new: NewAccount,
        events: EventsFor<(StoredAccount, Saved)>,
    ) -> Result<(StoredAccount, Saved), StoreError> {
        let this = self.clone();
        blocking(move || this.save_blocking(new, &events)).await
    }

    #[tracing::instrument(name = "store.list", skip_all, fields(db.system.name = "sqlite"))]
    async fn list(&self, user_id: &str) -> Result<Vec<StoredAccount>, StoreError> {
        let (this, user_id) = (self.clone(), user_id.to_owned());
        blocking(move || this.list_blocking(&user_id)).await
    }

    #[tracing::instrument(name = "store.find", skip_all, fields(db.system.name = "sqlite"))]
    async fn find(&self, account_id: &str) -> Result<Option<SealedAccount>, StoreError> {
        let (this, account_id) = (self.clone(), account_id.to_owned());
        blocking(move || this.find_blocking(&account_id)).await
    }

    #[tracing::instrument(name = "store.record_check", skip_all, fields(db.system.name = "sqlite"))]
    async fn record_check(
        &self,
        account_id: &str,
        revision: i64,
        check: &Check,
        event: EventFor<StoredAccount>,
    ) -> Result<Option<(StoredAccount, bool)>, StoreError> {
        let (this, account_id, check) = (self.clone(), account_id.to_owned(), check.clone());
        blocking(move || this.record_check_blocking(&account_id, revision, &check, &event)).await
    }

    #[tracing::instrument(name = "store.delete", skip_all, fields(db.system.name = "sqlite"))]
    async fn delete(&self, account_id: &str, event: Option<&QueuedEvent>) -> Result<bool, StoreError> {
        let (this, account_id, event) = (self.clone(), account_id.to_owned(), event.cloned());
        blocking(move || this.delete_blocking(&account_id, event.as_ref())).await
    }

    async fn all_ids(&self) -> Result<Vec<String>, StoreError> {
        let this = self.clone();
        blocking(move || this.all_ids_blocking()).await
    }

    async fn replace_sealed_secret(&self, account_id: &str, old: &[u8], new: &[u8]) -> Result<bool, StoreError> {
        let (this, account_id, old, new) = (self.clone(), account_id.to_owned(), old.to_vec(), new.to_vec());
        blocking(move || this.replace_sealed_secret_blocking(&account_id, &old, &new)).await
    }
}

/// Everything the host keeps: accounts, hosted links, queued events, the
/// worker's shared state, the accounts' history; and whether it can serve.
pub trait Store: AccountStore + LinkStore + EventOutbox + WorkStore + ActivityStore + Health {
    /// The schema version this build's migrations reach.
    fn schema_version(&self) -> usize;
}

impl Store for SqliteStore {
    fn schema_version(&self) -> usize {
        sqlite_migrations::migrations::runner().get_migrations().len()
    }
}

/// The SQLite account store: one connection, used on the blocking thread
/// pool. Clones share it.
#[derive(Clone)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
}

mod sqlite_migrations {
    refinery::embed_migrations!("migrations/sqlite");
}

/// The table where `refinery` records the migrations applied, in both stores.
pub(crate) const MIGRATIONS_TABLE: &str = "sps_connect_migrations";

/// The account columns both stores read, in the order their row readers expect.
const COLUMNS: &str = "id, user_id, environment, client_id, services, connected_at, status, status_reason, \
     last_verified_at, revision, last_checked_at, next_check_at, watch_documents";

impl SqliteStore {
    /// Opens the database file, creating it and bringing its schema up to
    /// date. The file is readable by its owner only (SQLite gives its
    /// `-wal` and `-shm` files the same permissions).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let io = |source: std::io::Error| StoreError::File { path: path.to_path_buf(), source };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(parent).map_err(io)?;
        }
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path).map_err(io)?;
        for file in [path.to_path_buf(), with_suffix(path, "-wal"), with_suffix(path, "-shm")] {
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
        }
        let mut connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut connection)?;
        Ok(Self { connection: Arc::new(Mutex::new(connection)) })
    }

    pub(crate) fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// Brings the schema up to date with the migration files (`migrations/sqlite`)
/// in one transaction. A store made before the files existed kept its
/// version in `PRAGMA user_version`: its migrations are recorded as applied
/// without running them again.
fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let mut runner = sqlite_migrations::migrations::runner();
    runner.set_migration_table_name(MIGRATIONS_TABLE);
    let known = runner.get_migrations().len();
    let recorded: bool = connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        params![MIGRATIONS_TABLE],
        |r| r.get(0),
    )?;
    let applied = if recorded {
        let last = runner.get_last_applied_migration(connection).map_err(StoreError::Migration)?;
        last.map_or(0, |migration| migration.version() as usize)
    } else {
        connection.query_row("PRAGMA user_version", [], |r| r.get::<_, usize>(0))?
    };
    if applied > known {
        return Err(StoreError::NewerSchema { found: applied, known });
    }
    let runner = runner.set_grouped(true);
    if !recorded && applied > 0 {
        let baseline = refinery::Target::FakeVersion(applied as i32);
        let mut faked = sqlite_migrations::migrations::runner();
        faked.set_migration_table_name(MIGRATIONS_TABLE);
        faked.set_target(baseline).run(connection).map_err(StoreError::Migration)?;
    }
    runner.run(connection).map_err(StoreError::Migration)?;
    Ok(())
}

fn new_account_id() -> String {
    crate::util::ids::random_id("acc", 10)
}

fn environment_from(value: &str) -> Environment {
    if value == Environment::Production.as_str() {
        Environment::Production
    } else {
        Environment::Sandbox
    }
}

fn status_from(value: &str) -> AccountStatus {
    if value == AccountStatus::NeedsAttention.as_str() {
        AccountStatus::NeedsAttention
    } else {
        AccountStatus::Active
    }
}

fn services_to_text(services: &[Service]) -> String {
    services.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
}

fn services_from_text(text: &str) -> Vec<Service> {
    text.split(',').filter_map(|s| s.parse().ok()).collect()
}

fn row_to_account(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredAccount> {
    Ok(StoredAccount {
        id: row.get(0)?,
        user_id: row.get(1)?,
        environment: environment_from(&row.get::<_, String>(2)?),
        client_id: row.get(3)?,
        services: services_from_text(&row.get::<_, String>(4)?),
        connected_at: row.get(5)?,
        status: status_from(&row.get::<_, String>(6)?),
        status_reason: row.get::<_, Option<String>>(7)?.map(|code| ErrorCode::from_name(&code)),
        last_verified_at: row.get(8)?,
        revision: row.get(9)?,
        last_checked_at: row.get(10)?,
        next_check_at: row.get(11)?,
        watch_documents: row.get::<_, i64>(12)? != 0,
    })
}

fn select_one(connection: &Connection, account_id: &str) -> Result<Option<StoredAccount>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1");
    Ok(connection.query_row(&sql, params![account_id], row_to_account).optional()?)
}

impl SqliteStore {
    fn save_blocking(
        &self,
        new: NewAccount,
        events: &EventsFor<(StoredAccount, Saved)>,
    ) -> Result<(StoredAccount, Saved), StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if let Some(through) = &new.through {
            let used = transaction.execute(
                "UPDATE links SET used_at = ?3, claim = NULL, claimed_until = NULL WHERE id = ?1 AND claim = ?2 \
                 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?3",
                params![through.link_id, through.claim, through.now],
            )?;
            if used == 0 {
                return Err(StoreError::LinkUnusable);
            }
        }
        let existing: Option<String> = match &new.account_id {
            Some(id) => {
                let found = transaction
                    .query_row(
                        "SELECT id FROM accounts WHERE id = ?1 AND user_id = ?2",
                        params![id, new.user_id],
                        |r| r.get(0),
                    )
                    .optional()?;
                Some(found.ok_or(StoreError::UnknownAccount)?)
            }
            None => transaction
                .query_row(
                    "SELECT id FROM accounts WHERE user_id = ?1 AND environment = ?2 AND client_id = ?3",
                    params![new.user_id, new.environment.as_str(), new.client_id],
                    |r| r.get(0),
                )
                .optional()?,
        };
        let services = services_to_text(&new.services);
        let (id, saved) = match existing {
            Some(id) => {
                transaction.execute(
                    "UPDATE accounts SET environment = ?1, client_id = ?2, client_secret_sealed = ?3, services = ?4, \
                     connected_at = ?5, status = 'active', status_reason = NULL, last_verified_at = ?5, \
                     revision = revision + 1, next_check_at = ?7 WHERE id = ?6",
                    params![
                        new.environment.as_str(),
                        new.client_id,
                        new.sealed_secret,
                        services,
                        new.connected_at,
                        id,
                        new.next_check_at
                    ],
                )?;
                (id, Saved::Updated)
            }
            None => {
                let id = new_account_id();
                transaction.execute(
                    "INSERT INTO accounts (id, user_id, environment, client_id, client_secret_sealed, services, \
                     connected_at, status, status_reason, last_verified_at, revision, next_check_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active', NULL, ?7, 1, ?8)",
                    params![
                        id,
                        new.user_id,
                        new.environment.as_str(),
                        new.client_id,
                        new.sealed_secret,
                        services,
                        new.connected_at,
                        new.next_check_at
                    ],
                )?;
                (id, Saved::Created)
            }
        };
        let account = select_one(&transaction, &id)?.ok_or(StoreError::UnknownAccount)?;
        let outcome = (account, saved);
        for event in events(&outcome) {
            queue_event(&transaction, &event)?;
        }
        transaction.commit()?;
        Ok(outcome)
    }

    fn list_blocking(&self, user_id: &str) -> Result<Vec<StoredAccount>, StoreError> {
        let connection = self.connection();
        let mut statement = connection
            .prepare(&format!("SELECT {COLUMNS} FROM accounts WHERE user_id = ?1 ORDER BY connected_at DESC, id"))?;
        let accounts = statement.query_map(params![user_id], row_to_account)?.collect::<Result<Vec<_>, _>>()?;
        Ok(accounts)
    }

    fn find_blocking(&self, account_id: &str) -> Result<Option<SealedAccount>, StoreError> {
        let connection = self.connection();
        let sql = format!("SELECT {COLUMNS}, client_secret_sealed FROM accounts WHERE id = ?1");
        let found = connection
            .query_row(&sql, params![account_id], |row| {
                Ok(SealedAccount { account: row_to_account(row)?, sealed_secret: row.get(13)? })
            })
            .optional()?;
        Ok(found)
    }

    fn record_check_blocking(
        &self,
        account_id: &str,
        revision: i64,
        check: &Check,
        event: &EventFor<StoredAccount>,
    ) -> Result<Option<(StoredAccount, bool)>, StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let Some(before) = select_one(&transaction, account_id)? else { return Ok(None) };
        match check {
            Check::Passed(at) => transaction.execute(
                "UPDATE accounts SET status = 'active', status_reason = NULL, last_verified_at = ?1 \
                 WHERE id = ?2 AND revision = ?3",
                params![at, account_id, revision],
            )?,
            Check::Refused(code) => transaction.execute(
                "UPDATE accounts SET status = 'needs_attention', status_reason = ?1 WHERE id = ?2 AND revision = ?3",
                params![code.as_str(), account_id, revision],
            )?,
        };
        let Some(after) = select_one(&transaction, account_id)? else { return Ok(None) };
        let (changed, to_queue) = check_outcome(&before, &after, event);
        if let Some(event) = to_queue {
            queue_event(&transaction, &event)?;
        }
        transaction.commit()?;
        Ok(Some((after, changed)))
    }

    fn delete_blocking(&self, account_id: &str, event: Option<&QueuedEvent>) -> Result<bool, StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let removed = transaction.execute("DELETE FROM accounts WHERE id = ?1", params![account_id])? > 0;
        transaction.execute("DELETE FROM account_tokens WHERE account_id = ?1", params![account_id])?;
        transaction.execute("DELETE FROM announced_documents WHERE account_id = ?1", params![account_id])?;
        if let Some(event) = event.filter(|_| removed) {
            queue_event(&transaction, event)?;
        }
        transaction.commit()?;
        Ok(removed)
    }

    fn all_ids_blocking(&self) -> Result<Vec<String>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare("SELECT id FROM accounts ORDER BY id")?;
        let ids = statement.query_map([], |row| row.get(0))?.collect::<Result<Vec<_>, _>>()?;
        Ok(ids)
    }

    fn replace_sealed_secret_blocking(&self, account_id: &str, old: &[u8], new: &[u8]) -> Result<bool, StoreError> {
        let connection = self.connection();
        let changed = connection.execute(
            "UPDATE accounts SET client_secret_sealed = ?1 WHERE id = ?2 AND client_secret_sealed = ?3",
            params![new, account_id, old],
        )?;
        Ok(changed > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_account(user: &str, client_id: &str) -> NewAccount {
        NewAccount {
            user_id: user.into(),
            account_id: None,
            environment: Environment::Sandbox,
            client_id: client_id.into(),
            sealed_secret: vec![1, 2, 3],
            services: vec![Service::Transaction],
            connected_at: "2026-11-29T10:00:00Z".into(),
            through: None,
            next_check_at: 0,
        }
    }

    #[tokio::test]
    async fn the_database_and_its_journal_are_readable_by_the_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("nested/accounts.sqlite");
        let store = SqliteStore::open(&database).unwrap();
        store.save(new_account("u1", "clientA"), Box::new(|_| Vec::new())).await.unwrap();
        for file in [database.clone(), with_suffix(&database, "-wal"), with_suffix(&database, "-shm")] {
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", file.display());
        }
        let folder = std::fs::metadata(dir.path().join("nested")).unwrap().permissions().mode() & 0o777;
        assert_eq!(folder, 0o700);

        let loose = dir.path().join("loose.sqlite");
        std::fs::write(&loose, b"").unwrap();
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
        SqliteStore::open(&loose).unwrap();
        assert_eq!(std::fs::metadata(&loose).unwrap().permissions().mode() & 0o777, 0o600, "tightened on open");
    }

    #[tokio::test]
    async fn a_database_of_the_first_schema_is_migrated_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        let old = Connection::open(&path).unwrap();
        old.execute_batch(include_str!("../../migrations/sqlite/V1__accounts.sql")).unwrap();
        old.execute(
            "INSERT INTO accounts VALUES ('acc_old', 'u1', 'sandbox', 'clientA', x'010203', 'transaction', '2026-01-01T00:00:00Z')",
            [],
        )
        .unwrap();
        drop(old);
        let store = SqliteStore::open(&path).unwrap();
        let account = store.find("acc_old").await.unwrap().unwrap().account;
        assert_eq!(account.status, AccountStatus::Active);
        assert_eq!(account.last_verified_at.as_deref(), Some("2026-01-01T00:00:00Z"));
        drop(store);
        assert!(SqliteStore::open(&path).is_ok(), "opening again runs no migration twice");
    }

    // Regression: a store of the schema before the migration files (its
    // version in `user_version`) must be taken over, not migrated twice.
    #[tokio::test]
    async fn a_store_of_the_last_hand_kept_schema_is_taken_over_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("today.sqlite");
        let old = Connection::open(&path).unwrap();
        for step in [
            include_str!("../../migrations/sqlite/V1__accounts.sql"),
            include_str!("../../migrations/sqlite/V2__account_status.sql"),
            include_str!("../../migrations/sqlite/V3__links_and_webhook_events.sql"),
            include_str!("../../migrations/sqlite/V4__link_for_and_claims.sql"),
        ] {
            old.execute_batch(step).unwrap();
        }
        old.pragma_update(None, "user_version", 4).unwrap();
        old.execute(
            "INSERT INTO accounts (id, user_id, environment, client_id, client_secret_sealed, services, connected_at) \
             VALUES ('acc_today', 'u1', 'sandbox', 'clientA', x'010203', 'transaction', '2026-11-30T00:00:00Z')",
            [],
        )
        .unwrap();
        drop(old);
        let store = SqliteStore::open(&path).expect("the ALTERs of V2 would fail if they ran again");
        assert!(store.find("acc_today").await.unwrap().is_some());
        let recorded: i64 = store
            .connection()
            .query_row(&format!("SELECT COUNT(*) FROM {MIGRATIONS_TABLE}"), [], |r| r.get(0))
            .unwrap();
        let known = sqlite_migrations::migrations::runner().get_migrations().len() as i64;
        assert_eq!(recorded, known, "the four taken over recorded as applied, and the later ones run");
        drop(store);
        assert!(SqliteStore::open(&path).is_ok(), "and opened again");
    }
}

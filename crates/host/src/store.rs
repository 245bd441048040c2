//! Where linked accounts live. [`AccountStore`] is the seam for another
//! database; [`SqliteStore`] is the default, an embedded file.

use rusqlite::{params, Connection, OptionalExtension};
use sps_connect_wire::{Environment, Service};
use std::path::Path;
use std::sync::Mutex;

/// A link to save: the client secret arrives already sealed.
#[derive(Clone, Debug)]
pub struct NewLink {
    /// The portal user the link belongs to.
    pub user_id: String,
    /// Update this account instead of matching by client.
    pub account_id: Option<String>,
    /// Which keys.
    pub environment: Environment,
    /// The Client ID, in clear (it is not a secret).
    pub client_id: String,
    /// The Client Secret, encrypted.
    pub sealed_secret: Vec<u8>,
    /// The services the link covers.
    pub services: Vec<Service>,
    /// When the link was confirmed, RFC 3339.
    pub connected_at: String,
}

/// A saved link, without its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAccount {
    /// The account id.
    pub id: String,
    /// Which keys.
    pub environment: Environment,
    /// The Client ID.
    pub client_id: String,
    /// The services the link covers.
    pub services: Vec<Service>,
    /// When the link was last confirmed, RFC 3339.
    pub connected_at: String,
}

/// Whether a save created an account or updated one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    /// A new account.
    Created,
    /// An existing account, now with the new credentials.
    Updated,
}

/// Why the store could not do what was asked.
#[derive(Debug)]
pub enum StoreError {
    /// `account_id` names no account of this user.
    UnknownAccount,
    /// Another account of this user already links these credentials.
    Conflict,
    /// The database failed.
    Database(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        match error {
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                StoreError::Conflict
            }
            other => StoreError::Database(other.to_string()),
        }
    }
}

/// Storage for linked accounts. Calls block; run them off the async runtime.
pub trait AccountStore: Send + Sync + 'static {
    /// Saves a link: updates `account_id` if given, else the user's account with
    /// the same environment and Client ID, else creates one.
    fn save(&self, link: NewLink) -> Result<(StoredAccount, Saved), StoreError>;
    /// The user's accounts, newest first.
    fn list(&self, user_id: &str) -> Result<Vec<StoredAccount>, StoreError>;
    /// The sealed secret of one of the user's accounts.
    fn sealed_secret(&self, user_id: &str, account_id: &str) -> Result<Option<Vec<u8>>, StoreError>;
}

/// The SQLite account store.
pub struct SqliteStore {
    connection: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    environment TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_sealed BLOB NOT NULL,
    services TEXT NOT NULL,
    connected_at TEXT NOT NULL,
    UNIQUE (user_id, environment, client_id)
);";

impl SqliteStore {
    /// Opens the database file, creating it and its schema on first use.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Database(e.to_string()))?;
        }
        let connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.execute_batch(SCHEMA)?;
        Ok(Self { connection: Mutex::new(connection) })
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn new_account_id() -> String {
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).expect("the system random source works");
    format!("acc_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn environment_from(value: &str) -> Environment {
    if value == Environment::Production.as_str() {
        Environment::Production
    } else {
        Environment::Sandbox
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
        environment: environment_from(&row.get::<_, String>(1)?),
        client_id: row.get(2)?,
        services: services_from_text(&row.get::<_, String>(3)?),
        connected_at: row.get(4)?,
    })
}

impl AccountStore for SqliteStore {
    fn save(&self, link: NewLink) -> Result<(StoredAccount, Saved), StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let existing: Option<String> = match &link.account_id {
            Some(id) => {
                let found = transaction
                    .query_row(
                        "SELECT id FROM accounts WHERE id = ?1 AND user_id = ?2",
                        params![id, link.user_id],
                        |r| r.get(0),
                    )
                    .optional()?;
                Some(found.ok_or(StoreError::UnknownAccount)?)
            }
            None => transaction
                .query_row(
                    "SELECT id FROM accounts WHERE user_id = ?1 AND environment = ?2 AND client_id = ?3",
                    params![link.user_id, link.environment.as_str(), link.client_id],
                    |r| r.get(0),
                )
                .optional()?,
        };
        let services = services_to_text(&link.services);
        let (id, saved) = match existing {
            Some(id) => {
                transaction.execute(
                    "UPDATE accounts SET environment = ?1, client_id = ?2, client_secret_sealed = ?3, services = ?4, \
                     connected_at = ?5 WHERE id = ?6",
                    params![
                        link.environment.as_str(),
                        link.client_id,
                        link.sealed_secret,
                        services,
                        link.connected_at,
                        id
                    ],
                )?;
                (id, Saved::Updated)
            }
            None => {
                let id = new_account_id();
                transaction.execute(
                    "INSERT INTO accounts (id, user_id, environment, client_id, client_secret_sealed, services, connected_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        id,
                        link.user_id,
                        link.environment.as_str(),
                        link.client_id,
                        link.sealed_secret,
                        services,
                        link.connected_at
                    ],
                )?;
                (id, Saved::Created)
            }
        };
        transaction.commit()?;
        let account = StoredAccount {
            id,
            environment: link.environment,
            client_id: link.client_id,
            services: link.services,
            connected_at: link.connected_at,
        };
        Ok((account, saved))
    }

    fn list(&self, user_id: &str) -> Result<Vec<StoredAccount>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT id, environment, client_id, services, connected_at FROM accounts WHERE user_id = ?1 \
             ORDER BY connected_at DESC, id",
        )?;
        let accounts = statement.query_map(params![user_id], row_to_account)?.collect::<Result<Vec<_>, _>>()?;
        Ok(accounts)
    }

    fn sealed_secret(&self, user_id: &str, account_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let connection = self.connection();
        let sealed = connection
            .query_row(
                "SELECT client_secret_sealed FROM accounts WHERE id = ?1 AND user_id = ?2",
                params![account_id, user_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(user: &str, client_id: &str, account_id: Option<&str>) -> NewLink {
        NewLink {
            user_id: user.into(),
            account_id: account_id.map(Into::into),
            environment: Environment::Sandbox,
            client_id: client_id.into(),
            sealed_secret: vec![1, 2, 3],
            services: vec![Service::Transaction, Service::PackingSlip],
            connected_at: "2026-11-29T10:00:00Z".into(),
        }
    }

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("nested/accounts.sqlite")).unwrap();
        (dir, store)
    }

    #[test]
    fn relinking_the_same_client_updates_instead_of_duplicating() {
        let (_dir, store) = store();
        let (first, saved) = store.save(link("u1", "clientA", None)).unwrap();
        assert_eq!(saved, Saved::Created);
        let (second, saved) = store.save(link("u1", "clientA", None)).unwrap();
        assert_eq!((saved, &second.id), (Saved::Updated, &first.id));
        assert_eq!(store.list("u1").unwrap().len(), 1);
        assert_eq!(store.list("u1").unwrap()[0].services, vec![Service::Transaction, Service::PackingSlip]);
    }

    #[test]
    fn accounts_are_separate_per_user_and_per_client() {
        let (_dir, store) = store();
        store.save(link("u1", "clientA", None)).unwrap();
        store.save(link("u1", "clientB", None)).unwrap();
        store.save(link("u2", "clientA", None)).unwrap();
        assert_eq!(store.list("u1").unwrap().len(), 2);
        assert_eq!(store.list("u2").unwrap().len(), 1);
    }

    #[test]
    fn account_id_updates_that_account_of_that_user_only() {
        let (_dir, store) = store();
        let (account, _) = store.save(link("u1", "clientA", None)).unwrap();
        let (updated, saved) = store.save(link("u1", "clientC", Some(&account.id))).unwrap();
        assert_eq!(
            (saved, updated.id.as_str(), updated.client_id.as_str()),
            (Saved::Updated, account.id.as_str(), "clientC")
        );
        assert!(matches!(store.save(link("u2", "clientA", Some(&account.id))), Err(StoreError::UnknownAccount)));
        assert!(matches!(store.save(link("u1", "clientA", Some("acc_missing"))), Err(StoreError::UnknownAccount)));
    }

    #[test]
    fn moving_an_account_onto_another_links_client_is_a_conflict() {
        let (_dir, store) = store();
        let (a, _) = store.save(link("u1", "clientA", None)).unwrap();
        store.save(link("u1", "clientB", None)).unwrap();
        assert!(matches!(store.save(link("u1", "clientB", Some(&a.id))), Err(StoreError::Conflict)));
    }

    #[test]
    fn the_sealed_secret_is_kept_per_user() {
        let (_dir, store) = store();
        let (account, _) = store.save(link("u1", "clientA", None)).unwrap();
        assert_eq!(store.sealed_secret("u1", &account.id).unwrap(), Some(vec![1, 2, 3]));
        assert_eq!(store.sealed_secret("u2", &account.id).unwrap(), None);
    }
}

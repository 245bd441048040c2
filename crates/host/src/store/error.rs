//! Why the store could not do what was asked: a typed error that keeps the
//! driver's error as its source. The HTTP layer logs it and answers
//! `500 internal_error`; the start-up names it in a sentence.

use std::path::PathBuf;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `account_id` names no account of this user.
    #[error("no such account of this user")]
    UnknownAccount,
    /// Another account of this user already holds these credentials.
    #[error("another row already holds this key")]
    Conflict,
    /// The hosted link of the save was used, revoked, expired or claimed by
    /// another connect meanwhile: nothing was saved.
    #[error("the hosted link can no longer be used")]
    LinkUnusable,
    /// SQLite failed.
    #[error("the store failed: SQLite: {0}")]
    Sqlite(#[source] rusqlite::Error),
    /// PostgreSQL failed, or could not be reached.
    #[error("the store failed: PostgreSQL: {}", chain(.0))]
    Postgres(#[source] tokio_postgres::Error),
    /// PostgreSQL's certificate could not be verified.
    #[error(
        "the store failed: PostgreSQL: {} (the server's certificate is always verified: set \
         SPS_CONNECT_DATABASE_CA_FILE to the authority that signed it, or use sslmode=disable on a network you trust)",
        chain(.0)
    )]
    Certificate(#[source] tokio_postgres::Error),
    /// No pooled PostgreSQL connection came in time.
    #[error("the store failed: PostgreSQL connection: {0}")]
    Pool(#[source] deadpool_postgres::PoolError),
    /// The SQLite file or its folder could not be made or read.
    #[error("the store failed: {}: {source}", path.display())]
    File {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The database was migrated by a newer host.
    #[error("the store failed: the database has schema version {found}, newer than this host knows ({known})")]
    NewerSchema {
        /// Its schema version.
        found: usize,
        /// The newest this host knows.
        known: usize,
    },
    /// The database's schema is not the one this host knows (another host
    /// migrated it further, or its migrations were not applied).
    #[error("the store's schema version is {found}; this host needs {known}")]
    SchemaMismatch {
        /// Its schema version.
        found: usize,
        /// The one this host knows.
        known: usize,
    },
    /// A migration of the schema failed.
    #[error("the store failed: migrating the schema: {0}")]
    Migration(#[source] refinery::Error),
    /// The store could not be set up: what failed, and why.
    #[error("the store failed: {what}: {source}")]
    Setup {
        /// What was being set up.
        what: String,
        /// Why it failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The store was closed.
    #[error("the store failed: the store is closed")]
    Closed,
    /// A store task stopped before it answered.
    #[error("the store failed: a store task stopped: {0}")]
    Task(#[source] tokio::task::JoinError),
}

impl StoreError {
    /// A set-up step that failed with `source`.
    pub fn setup(what: impl Into<String>, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError::Setup { what: what.into(), source: source.into() }
    }
}

/// `error` and its causes, in one line: the driver's own words stop at
/// "error connecting to server", its causes say why.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut words = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let said = inner.to_string();
        if !words.contains(&said) {
            words.push_str(&format!(": {said}"));
        }
        cause = inner.source();
    }
    words
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        match error {
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                StoreError::Conflict
            }
            other => StoreError::Sqlite(other),
        }
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        if error.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
            return StoreError::Conflict;
        }
        StoreError::Postgres(error)
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Backend(error) => error.into(),
            other => StoreError::Pool(other),
        }
    }
}

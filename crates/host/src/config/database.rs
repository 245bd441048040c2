//! `SPS_CONNECT_DATABASE`: an SQLite file, or a PostgreSQL server.

use super::ConfigError;
use crate::store::{PostgresStore, SqliteStore, Store, StoreError};
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_postgres::config::SslMode;

/// Where the host keeps its accounts, hosted links and queued events.
#[derive(Clone, Debug)]
pub enum Database {
    /// An SQLite file, for one host instance.
    Sqlite(PathBuf),
    /// A PostgreSQL database, which any number of host instances may share.
    Postgres {
        /// Its `postgres://` URL, which may hold a password.
        url: SecretString,
        /// The most connections one instance opens.
        pool_size: usize,
        /// Certificates to trust for the server's, instead of the public web roots.
        ca_file: Option<PathBuf>,
    },
}

impl Database {
    /// Reads the variable's value: a `postgres://` or `postgresql://` URL, else a file path.
    pub fn parse(value: &str, pool_size: u64, ca_file: Option<PathBuf>) -> Result<Self, ConfigError> {
        if !(value.starts_with("postgres://") || value.starts_with("postgresql://")) {
            return Ok(Database::Sqlite(PathBuf::from(value)));
        }
        let parsed: tokio_postgres::Config = value
            .parse()
            .map_err(|e| ConfigError(format!("SPS_CONNECT_DATABASE is not a usable PostgreSQL URL: {e}")))?;
        if parsed.get_ssl_mode() == SslMode::Disable && ca_file.is_some() {
            return Err(ConfigError(
                "SPS_CONNECT_DATABASE_CA_FILE is set but SPS_CONNECT_DATABASE says sslmode=disable".into(),
            ));
        }
        if let Some(file) = ca_file.as_ref().filter(|file| !file.is_file()) {
            return Err(ConfigError(format!("SPS_CONNECT_DATABASE_CA_FILE {} is not a file", file.display())));
        }
        if !(1..=1024).contains(&pool_size) {
            return Err(ConfigError("SPS_CONNECT_DATABASE_POOL_SIZE must be between 1 and 1024".into()));
        }
        Ok(Database::Postgres { url: SecretString::from(value.to_owned()), pool_size: pool_size as usize, ca_file })
    }

    /// Where it is, for logs: never a password.
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres { url, .. } => url::Url::parse(url.expose_secret())
                .map(|url| super::loggable(&url))
                .unwrap_or_else(|_| "postgres://…".to_owned()),
        }
    }

    /// Opens it, creating the file or the tables on first use.
    pub async fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        Ok(match self {
            Database::Sqlite(path) => {
                let path = path.clone();
                Arc::new(crate::store::blocking(move || SqliteStore::open(&path)).await?)
            }
            Database::Postgres { url, pool_size, ca_file } => {
                Arc::new(PostgresStore::connect(url.expose_secret(), *pool_size, ca_file.as_deref()).await?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_url_selects_postgres_and_anything_else_is_a_file() {
        assert!(matches!(Database::parse("accounts.sqlite", 16, None), Ok(Database::Sqlite(_))));
        assert!(matches!(Database::parse("/var/lib/postgres.db", 16, None), Ok(Database::Sqlite(_))));
        for url in [
            "postgres://app:pw@db.internal:5432/sps",
            "postgresql://app@10.0.0.5/sps?sslmode=disable",
            "postgres://app@db.internal/sps?sslmode=require",
        ] {
            assert!(matches!(Database::parse(url, 16, None), Ok(Database::Postgres { pool_size: 16, .. })), "{url}");
        }
    }

    #[test]
    fn unusable_postgres_settings_are_refused_by_name() {
        let error = |value: &str, pool: u64, ca: Option<&str>| {
            Database::parse(value, pool, ca.map(PathBuf::from)).unwrap_err().0
        };
        assert!(error("postgres://app@db/sps?connect_timeout=soon", 16, None).contains("SPS_CONNECT_DATABASE"));
        assert!(error("postgres://app@db/sps", 0, None).contains("SPS_CONNECT_DATABASE_POOL_SIZE"));
        assert!(error("postgres://app@db/sps", 16, Some("/nowhere/ca.pem")).contains("is not a file"));
        let ca = tempfile::NamedTempFile::new().unwrap();
        let ca = ca.path().to_str();
        assert!(error("postgres://app@db/sps?sslmode=disable", 16, ca).contains("sslmode=disable"));
    }

    #[test]
    fn the_password_never_reaches_the_description_or_debug_output() {
        let database = Database::parse("postgres://app:hunter2-secret@db.internal:5432/sps", 4, None).unwrap();
        assert_eq!(database.describe(), "postgres://db.internal:5432/sps");
        assert!(!format!("{database:?}").contains("hunter2"));
    }
}

//! Whether the store can serve: it answers, and its schema is the one this
//! host was built for. What `GET /readyz` asks.

use super::{blocking, SqliteStore, StoreError, MIGRATIONS_TABLE};
use async_trait::async_trait;

/// A store's readiness.
#[async_trait]
pub trait Health: Send + Sync + 'static {
    /// `Ok` when the store answers and its schema version is `known`; why not otherwise.
    async fn ready(&self, known: usize) -> Result<(), StoreError>;
}

/// `Ok` when `found` is `known`.
pub(super) fn current(found: usize, known: usize) -> Result<(), StoreError> {
    if found == known {
        return Ok(());
    }
    Err(StoreError::SchemaMismatch { found, known })
}

#[async_trait]
impl Health for SqliteStore {
    async fn ready(&self, known: usize) -> Result<(), StoreError> {
        let this = self.clone();
        blocking(move || {
            let sql = format!("SELECT COALESCE(MAX(version), 0) FROM {MIGRATIONS_TABLE}");
            let found: i64 = this.connection().query_row(&sql, [], |r| r.get(0))?;
            current(found as usize, known)
        })
        .await
    }
}

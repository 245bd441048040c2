//! Whether the store can serve: it answers, and its schema is the one this
//! host was built for (what `GET /readyz` asks); and what it holds, counted
//! for the metrics (what a scrape of `/metrics` asks).

use super::{blocking, SqliteStore, StoreError, MIGRATIONS_TABLE};
use async_trait::async_trait;

/// What the store holds, counted: no id, only numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Census {
    /// Linked accounts by status (`active`, `needs_attention`), every status listed.
    pub accounts: Vec<(&'static str, i64)>,
    /// Webhook events neither delivered nor given up.
    pub webhooks_waiting: i64,
    /// When the oldest of them was queued (unix milliseconds), if there is one.
    pub oldest_waiting_since_ms: Option<i64>,
}

/// The statuses the census counts; a status without accounts counts zero.
const STATUSES: [&str; 2] = ["active", "needs_attention"];

/// The query that counts accounts by status; `accounts` is the table's name.
pub(super) fn accounts_by_status_sql(accounts: &str) -> String {
    format!("SELECT status, COUNT(*) FROM {accounts} GROUP BY status")
}

/// The query that counts waiting events; `events` is the table's name.
pub(super) fn waiting_sql(events: &str) -> String {
    format!("SELECT COUNT(*), MIN(created_at) FROM {events} WHERE delivered_at IS NULL AND given_up_at IS NULL")
}

impl Census {
    /// A census from the counts by status the store returned, and the waiting events.
    pub(super) fn new(found: &[(String, i64)], webhooks_waiting: i64, oldest_waiting_since_ms: Option<i64>) -> Self {
        let count = |status: &str| found.iter().filter(|(s, _)| s == status).map(|(_, n)| n).sum();
        Self { accounts: STATUSES.iter().map(|s| (*s, count(s))).collect(), webhooks_waiting, oldest_waiting_since_ms }
    }
}

/// A store's readiness, and its census.
#[async_trait]
pub trait Health: Send + Sync + 'static {
    /// `Ok` when the store answers and its schema version is `known`; why not otherwise.
    async fn ready(&self, known: usize) -> Result<(), StoreError>;

    /// The accounts by status and the webhook events waiting.
    async fn census(&self) -> Result<Census, StoreError>;
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

    async fn census(&self) -> Result<Census, StoreError> {
        let this = self.clone();
        blocking(move || {
            let connection = this.connection();
            let mut statement = connection.prepare(&accounts_by_status_sql("accounts"))?;
            let found = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
            let (waiting, oldest) =
                connection.query_row(&waiting_sql("webhook_events"), [], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(Census::new(&found, waiting, oldest))
        })
        .await
    }
}

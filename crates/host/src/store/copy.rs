//! Moves an SQLite store into PostgreSQL: every account (sealed secrets as
//! they are, so the same encryption keys open them), hosted link and queued
//! event. Rows already there are left alone, so a copy can be run again.

use super::postgres::PostgresStore;
use super::{SqliteStore, StoreError};
use rusqlite::types::Value;

/// What a copy did, table by table: rows copied and rows already there.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Accounts copied, and already present.
    pub accounts: (usize, usize),
    /// Hosted links copied, and already present.
    pub links: (usize, usize),
    /// Webhook events copied, and already present.
    pub events: (usize, usize),
}

/// The tables, their columns in both databases, and their PostgreSQL names.
const TABLES: [(&str, &str, &str); 3] = [
    (
        "accounts",
        "sps_connect_accounts",
        "id, user_id, environment, client_id, client_secret_sealed, services, connected_at, status, status_reason, \
         last_verified_at, revision",
    ),
    (
        "links",
        "sps_connect_links",
        "id, token_hash, user_id, account_id, environment, locale, return_url, created_at, expires_at, used_at, \
         revoked_at, for_whom",
    ),
    (
        "webhook_events",
        "sps_connect_webhook_events",
        "id, body, created_at, attempts, next_attempt_at, delivered_at, given_up_at",
    ),
];

/// Copies every row of `from` into `to`.
pub fn copy_store(from: &SqliteStore, to: &PostgresStore) -> Result<CopyReport, StoreError> {
    let mut counts = Vec::new();
    for (source, target, columns) in TABLES {
        let rows = read_all(from, source, columns)?;
        counts.push(to.insert_rows(target, columns, rows)?);
    }
    Ok(CopyReport { accounts: counts[0], links: counts[1], events: counts[2] })
}

fn read_all(from: &SqliteStore, table: &str, columns: &str) -> Result<Vec<Vec<Value>>, StoreError> {
    let connection = from.connection();
    let order = if table == "webhook_events" { "rowid" } else { "id" };
    let mut statement = connection.prepare(&format!("SELECT {columns} FROM {table} ORDER BY {order}"))?;
    let width = statement.column_count();
    let rows = statement.query_map([], |row| (0..width).map(|i| row.get::<_, Value>(i)).collect())?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

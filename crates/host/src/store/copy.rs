//! Moves an SQLite store into PostgreSQL: every account (sealed secrets as
//! they are, so the same encryption keys open them, with its schedule and
//! whether it watches documents), hosted link, queued event, announced
//! document (so nothing is announced twice after the move) and entry of an
//! account's history (with its place in the history). Rows already there are left alone, so a copy can be run again.
//! This is the one place where the two databases meet: the PostgreSQL store
//! itself knows nothing of SQLite.

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
    /// Announced document paths copied, and already present.
    pub documents: (usize, usize),
    /// Entries of accounts' history copied, and already present.
    pub activity: (usize, usize),
}

/// The tables, their columns in both databases, and their PostgreSQL names.
const TABLES: [(&str, &str, &str); 5] = [
    (
        "accounts",
        "sps_connect_accounts",
        "id, user_id, environment, client_id, client_secret_sealed, services, connected_at, status, status_reason, \
         last_verified_at, revision, last_checked_at, next_check_at, watch_documents, documents_next_at",
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
    ("announced_documents", "sps_connect_announced_documents", "account_id, path, announced_at"),
    (
        "account_activity",
        "sps_connect_account_activity",
        "seq, account_id, kind, actor, client_address, status, error_code, at, hour, count",
    ),
];

/// Copies every row of `from` into `to`.
pub async fn copy_store(from: &SqliteStore, to: &PostgresStore) -> Result<CopyReport, StoreError> {
    let mut counts = Vec::new();
    for (source, target, columns) in TABLES {
        let rows = read_all(from, source, columns).await?;
        counts.push(insert_rows(to, target, columns, rows).await?);
    }
    continue_history(to).await?;
    Ok(CopyReport {
        accounts: counts[0],
        links: counts[1],
        events: counts[2],
        documents: counts[3],
        activity: counts[4],
    })
}

/// Moves the history's numbering past the copied entries, so that new
/// entries come after them.
async fn continue_history(to: &PostgresStore) -> Result<(), StoreError> {
    let sql = "SELECT setval(pg_get_serial_sequence('sps_connect_account_activity', 'seq'), \
               GREATEST((SELECT MAX(seq) FROM sps_connect_account_activity), 1))";
    to.pool().get().await?.execute(sql, &[]).await?;
    Ok(())
}

async fn read_all(
    from: &SqliteStore,
    table: &'static str,
    columns: &'static str,
) -> Result<Vec<Vec<Value>>, StoreError> {
    let from = from.clone();
    super::blocking(move || {
        let connection = from.connection();
        let order = if table == "accounts" || table == "links" { "id" } else { "rowid" };
        let mut statement = connection.prepare(&format!("SELECT {columns} FROM {table} ORDER BY {order}"))?;
        let width = statement.column_count();
        let rows = statement.query_map([], |row| (0..width).map(|i| row.get::<_, Value>(i)).collect())?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
    .await
}

/// Inserts `rows` (values in the order of `columns`) into `table`, one
/// transaction, skipping rows whose key is already there: how many were
/// inserted, and how many skipped.
async fn insert_rows(
    to: &PostgresStore,
    table: &str,
    columns: &str,
    rows: Vec<Vec<rusqlite::types::Value>>,
) -> Result<(usize, usize), StoreError> {
    let width = columns.split(',').count();
    let placeholders = (1..=width).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
    let sql = format!("INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING");
    let pool = to.pool();
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    let statement = transaction.prepare(&sql).await?;
    let mut inserted = 0;
    for row in &rows {
        let values: Vec<SqlValue> = row.iter().zip(statement.params()).map(|(v, t)| SqlValue::of(v, t)).collect();
        let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            values.iter().map(|v| v as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
        inserted += transaction.execute(&statement, &params).await? as usize;
    }
    transaction.commit().await?;
    Ok((inserted, rows.len() - inserted))
}

/// An SQLite value as the PostgreSQL column it goes into wants it.
#[derive(Debug)]
enum SqlValue {
    Null,
    Int(i32),
    BigInt(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl SqlValue {
    fn of(value: &rusqlite::types::Value, column: &tokio_postgres::types::Type) -> Self {
        use rusqlite::types::Value;
        use tokio_postgres::types::Type;
        match value {
            Value::Null => SqlValue::Null,
            Value::Integer(n) if *column == Type::INT4 => SqlValue::Int(*n as i32),
            Value::Integer(n) => SqlValue::BigInt(*n),
            Value::Real(x) => SqlValue::Text(x.to_string()),
            Value::Text(text) => SqlValue::Text(text.clone()),
            Value::Blob(bytes) => SqlValue::Bytes(bytes.clone()),
        }
    }
}

impl tokio_postgres::types::ToSql for SqlValue {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut tokio_postgres::types::private::BytesMut,
    ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            SqlValue::Null => Ok(tokio_postgres::types::IsNull::Yes),
            SqlValue::Int(n) => n.to_sql(ty, out),
            SqlValue::BigInt(n) => n.to_sql(ty, out),
            SqlValue::Text(text) => text.to_sql(ty, out),
            SqlValue::Bytes(bytes) => bytes.to_sql(ty, out),
        }
    }

    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

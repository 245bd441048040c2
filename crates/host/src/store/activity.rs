//! Each account's history: what happened to it, when, and who did it. Rows
//! are keyed by account id, not tied to the account, so the history outlives
//! a disconnect until the retention period ends. Tokens are counted per hour
//! and actor in one row, not written one by one.

use super::{blocking, SqliteStore, StoreError};
use async_trait::async_trait;
use rusqlite::params;
use serde::Serialize;

/// What happened to an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// It was linked for the first time.
    Connected,
    /// It was linked again, with new credentials.
    Reconnected,
    /// Its credentials were checked with SPS: the verdict is in `status`.
    Verified,
    /// Its status changed: the new one is in `status`.
    StatusChanged,
    /// SPS issued tokens for it: one entry per hour and actor, with a count.
    TokensIssued,
    /// It was unlinked.
    Disconnected,
}

impl ActivityKind {
    /// The identifier stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Connected => "connected",
            ActivityKind::Reconnected => "reconnected",
            ActivityKind::Verified => "verified",
            ActivityKind::StatusChanged => "status_changed",
            ActivityKind::TokensIssued => "tokens_issued",
            ActivityKind::Disconnected => "disconnected",
        }
    }
}

/// An entry to add to an account's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewActivity {
    /// The account, `acc_…`.
    pub account_id: String,
    /// What happened.
    pub kind: ActivityKind,
    /// Who did it: `portal`, `user`, `link` or `worker`.
    pub actor: &'static str,
    /// The client's address, where a request caused it.
    pub client_address: Option<String>,
    /// The account's status the entry reports (a verdict, a new status).
    pub status: Option<&'static str>,
    /// SPS's refusal, as the contract's error code.
    pub error_code: Option<&'static str>,
    /// When, unix milliseconds; for [`ActivityKind::TokensIssued`], the
    /// start of the hour it counts.
    pub at: i64,
}

impl NewActivity {
    /// The hour an entry of this kind is counted in; `None` for one written on its own.
    pub(super) fn hour(&self) -> Option<i64> {
        (self.kind == ActivityKind::TokensIssued).then_some(self.at)
    }
}

/// An entry of an account's history, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityRecord {
    /// Its place in the history: later entries have larger numbers.
    pub seq: i64,
    /// What happened (an [`ActivityKind`] identifier).
    pub kind: String,
    /// Who did it.
    pub actor: String,
    /// The client's address, if a request caused it.
    pub client_address: Option<String>,
    /// The status it reports.
    pub status: Option<String>,
    /// SPS's refusal code.
    pub error_code: Option<String>,
    /// When, unix milliseconds (an hourly count: the hour's start).
    pub at: i64,
    /// How many times it happened (more than one only for hourly counts).
    pub count: i64,
}

/// Columns of an [`ActivityRecord`], in its fields' order.
pub(super) const ACTIVITY_COLUMNS: &str = "seq, kind, actor, client_address, status, error_code, at, count";

/// Every account's history.
#[async_trait]
pub trait ActivityStore: Send + Sync + 'static {
    /// Adds `entry`; an hourly count already there is incremented instead.
    async fn add_activity(&self, entry: NewActivity) -> Result<(), StoreError>;
    /// Up to `limit` entries of the account's history older than the entry
    /// `before` (a `seq`), newest first.
    async fn activity(
        &self,
        account_id: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<ActivityRecord>, StoreError>;
    /// Deletes entries from before `before` (unix milliseconds); how many.
    async fn purge_activity(&self, before: i64) -> Result<u64, StoreError>;
}

fn row_to_activity(row: &rusqlite::Row<'_>) -> rusqlite::Result<ActivityRecord> {
    Ok(ActivityRecord {
        seq: row.get(0)?,
        kind: row.get(1)?,
        actor: row.get(2)?,
        client_address: row.get(3)?,
        status: row.get(4)?,
        error_code: row.get(5)?,
        at: row.get(6)?,
        count: row.get(7)?,
    })
}

/// The insert that adds an entry or counts one more in its hour; `table` is the table's name.
pub(super) fn add_activity_sql(table: &str, placeholders: [&str; 8]) -> String {
    let [a, k, ac, ad, s, e, at, h] = placeholders;
    format!(
        "INSERT INTO {table} (account_id, kind, actor, client_address, status, error_code, at, hour) \
         VALUES ({a}, {k}, {ac}, {ad}, {s}, {e}, {at}, {h}) \
         ON CONFLICT (account_id, kind, actor, hour) DO UPDATE SET count = {table}.count + 1"
    )
}

#[async_trait]
impl ActivityStore for SqliteStore {
    async fn add_activity(&self, entry: NewActivity) -> Result<(), StoreError> {
        let this = self.clone();
        blocking(move || {
            let sql = add_activity_sql("account_activity", ["?1", "?2", "?3", "?4", "?5", "?6", "?7", "?8"]);
            this.connection().execute(
                &sql,
                params![
                    entry.account_id,
                    entry.kind.as_str(),
                    entry.actor,
                    entry.client_address,
                    entry.status,
                    entry.error_code,
                    entry.at,
                    entry.hour()
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn activity(
        &self,
        account_id: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<ActivityRecord>, StoreError> {
        let (this, account_id) = (self.clone(), account_id.to_owned());
        blocking(move || {
            let connection = this.connection();
            let sql = format!(
                "SELECT {ACTIVITY_COLUMNS} FROM account_activity WHERE account_id = ?1 AND seq < ?2 \
                 ORDER BY seq DESC LIMIT ?3"
            );
            let mut statement = connection.prepare(&sql)?;
            let rows =
                statement.query_map(params![account_id, before.unwrap_or(i64::MAX), limit as i64], row_to_activity)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn purge_activity(&self, before: i64) -> Result<u64, StoreError> {
        let this = self.clone();
        blocking(move || {
            Ok(this.connection().execute("DELETE FROM account_activity WHERE at < ?1", params![before])? as u64)
        })
        .await
    }
}

//! Each account's history on PostgreSQL: the same rows and order as on SQLite.

use super::super::activity::{add_activity_sql, ActivityRecord, ActivityStore, NewActivity, ACTIVITY_COLUMNS};
use super::super::StoreError;
use super::{PostgresStore, Prepared};
use async_trait::async_trait;

const TABLE: &str = "sps_connect_account_activity";

#[async_trait]
impl ActivityStore for PostgresStore {
    async fn add_activity(&self, entry: NewActivity) -> Result<(), StoreError> {
        let sql = add_activity_sql(TABLE, ["$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8"]);
        let hour = entry.hour();
        self.pool()
            .get()
            .await?
            .cached_execute(
                &sql,
                &[
                    &entry.account_id,
                    &entry.kind.as_str(),
                    &entry.actor,
                    &entry.client_address,
                    &entry.status,
                    &entry.error_code,
                    &entry.at,
                    &hour,
                ],
            )
            .await?;
        Ok(())
    }

    async fn activity(
        &self,
        account_id: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<ActivityRecord>, StoreError> {
        let sql = format!(
            "SELECT {ACTIVITY_COLUMNS} FROM {TABLE} WHERE account_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
        );
        let rows = self
            .pool()
            .get()
            .await?
            .cached_query(&sql, &[&account_id, &before.unwrap_or(i64::MAX), &(limit as i64)])
            .await?;
        Ok(rows
            .iter()
            .map(|row| ActivityRecord {
                seq: row.get(0),
                kind: row.get(1),
                actor: row.get(2),
                client_address: row.get(3),
                status: row.get(4),
                error_code: row.get(5),
                at: row.get(6),
                count: row.get(7),
            })
            .collect())
    }

    async fn purge_activity(&self, before: i64) -> Result<u64, StoreError> {
        let sql = format!("DELETE FROM {TABLE} WHERE at < $1");
        Ok(self.pool().get().await?.cached_execute(&sql, &[&before]).await?)
    }
}

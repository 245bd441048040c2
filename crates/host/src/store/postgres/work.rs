//! The worker's shared state on PostgreSQL: due tasks are taken with
//! `FOR UPDATE SKIP LOCKED`, so instances polling at once take different accounts.

use super::super::work::{unannounced, Document, SharedToken, Task, WorkStore};
use super::super::{EventFor, StoreError, StoredAccount};
use super::{queue_event, select_one, PostgresStore, Prepared};
use async_trait::async_trait;
use std::collections::HashSet;

impl PostgresStore {
    async fn claim(
        &self,
        task: Task,
        owner: &str,
        now: i64,
        until: i64,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let (due, lease, filter) = task.columns();
        let sql = format!(
            "UPDATE sps_connect_accounts SET {lease}_owner = $1, {lease}_until = $3 WHERE id IN ( \
                 SELECT id FROM sps_connect_accounts WHERE {filter} AND ({due} IS NULL OR {due} <= $2) \
                 AND ({lease}_until IS NULL OR {lease}_until <= $2) ORDER BY {due}, id LIMIT $4 \
                 FOR UPDATE SKIP LOCKED) \
             AND ({lease}_until IS NULL OR {lease}_until <= $2) RETURNING id"
        );
        let rows = self.pool().get().await?.cached_query(&sql, &[&owner, &now, &until, &(limit as i64)]).await?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }
}

#[async_trait]
impl WorkStore for PostgresStore {
    async fn schedule_unscheduled(&self, now: i64, spread: i64) -> Result<u64, StoreError> {
        let changed = self
            .pool()
            .get()
            .await?
            .cached_execute(
                "UPDATE sps_connect_accounts SET next_check_at = $1 + floor(random() * $2)::BIGINT \
                 WHERE next_check_at IS NULL",
                &[&now, &(spread.max(1) as f64)],
            )
            .await?;
        Ok(changed)
    }

    async fn claim_due_checks(
        &self,
        owner: &str,
        now: i64,
        until: i64,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.claim(Task::Check, owner, now, until, limit).await
    }

    async fn finish_check(
        &self,
        account_id: &str,
        owner: &str,
        checked_at: Option<i64>,
        next_at: i64,
    ) -> Result<(), StoreError> {
        self.pool()
            .get()
            .await?
            .cached_execute(
                "UPDATE sps_connect_accounts SET check_owner = NULL, check_until = NULL, next_check_at = $3, \
                 last_checked_at = COALESCE($4, last_checked_at) WHERE id = $1 AND check_owner = $2",
                &[&account_id, &owner, &next_at, &checked_at],
            )
            .await?;
        Ok(())
    }

    async fn shared_token(&self, account_id: &str) -> Result<Option<SharedToken>, StoreError> {
        let row = self
            .pool()
            .get()
            .await?
            .cached_query_opt(
                "SELECT revision, token_sealed, issued_at, renew_at, expires_at FROM sps_connect_account_tokens \
                 WHERE account_id = $1 AND token_sealed IS NOT NULL",
                &[&account_id],
            )
            .await?;
        Ok(row.map(|r| SharedToken {
            revision: r.get(0),
            sealed: r.get(1),
            issued_at: r.get(2),
            renew_at: r.get(3),
            expires_at: r.get(4),
        }))
    }

    async fn lease_token(&self, account_id: &str, owner: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        let changed = self
            .pool()
            .get()
            .await?
            .cached_execute(
                "INSERT INTO sps_connect_account_tokens (account_id, revision, lease_owner, lease_until) \
                 VALUES ($1, 0, $2, $4) ON CONFLICT (account_id) DO UPDATE SET \
                 lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until \
                 WHERE sps_connect_account_tokens.lease_until IS NULL \
                 OR sps_connect_account_tokens.lease_until <= $3",
                &[&account_id, &owner, &now, &until],
            )
            .await?;
        Ok(changed > 0)
    }

    async fn put_token(&self, account_id: &str, owner: &str, token: &SharedToken) -> Result<(), StoreError> {
        self.pool()
            .get()
            .await?
            .cached_execute(
                "INSERT INTO sps_connect_account_tokens (account_id, revision, token_sealed, issued_at, renew_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id) DO UPDATE SET \
                 revision = EXCLUDED.revision, token_sealed = EXCLUDED.token_sealed, \
                 issued_at = EXCLUDED.issued_at, renew_at = EXCLUDED.renew_at, expires_at = EXCLUDED.expires_at, \
                 lease_owner = CASE WHEN sps_connect_account_tokens.lease_owner = $7 THEN NULL \
                 ELSE sps_connect_account_tokens.lease_owner END, \
                 lease_until = CASE WHEN sps_connect_account_tokens.lease_owner = $7 THEN NULL \
                 ELSE sps_connect_account_tokens.lease_until END \
                 WHERE sps_connect_account_tokens.revision <= EXCLUDED.revision",
                &[
                    &account_id,
                    &token.revision,
                    &token.sealed,
                    &token.issued_at,
                    &token.renew_at,
                    &token.expires_at,
                    &owner,
                ],
            )
            .await?;
        Ok(())
    }

    async fn release_token(&self, account_id: &str, owner: &str) -> Result<(), StoreError> {
        self.pool()
            .get()
            .await?
            .cached_execute(
                "UPDATE sps_connect_account_tokens SET lease_owner = NULL, lease_until = NULL \
                 WHERE account_id = $1 AND lease_owner = $2",
                &[&account_id, &owner],
            )
            .await?;
        Ok(())
    }

    async fn drop_token(&self, account_id: &str) -> Result<(), StoreError> {
        self.pool()
            .get()
            .await?
            .cached_execute(
                "UPDATE sps_connect_account_tokens SET token_sealed = NULL, issued_at = NULL, renew_at = NULL, \
                 expires_at = NULL WHERE account_id = $1",
                &[&account_id],
            )
            .await?;
        Ok(())
    }

    async fn set_watch_documents(&self, account_id: &str, on: bool) -> Result<Option<StoredAccount>, StoreError> {
        let client = self.pool().get().await?;
        client
            .cached_execute(
                "UPDATE sps_connect_accounts SET watch_documents = $2 WHERE id = $1",
                &[&account_id, &i32::from(on)],
            )
            .await?;
        select_one(&client, account_id).await
    }

    async fn claim_due_listings(
        &self,
        owner: &str,
        now: i64,
        until: i64,
        every: bool,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.claim(Task::Listing { every }, owner, now, until, limit).await
    }

    async fn finish_listing(&self, account_id: &str, owner: &str, next_at: i64) -> Result<(), StoreError> {
        self.pool()
            .get()
            .await?
            .cached_execute(
                "UPDATE sps_connect_accounts SET documents_owner = NULL, documents_until = NULL, \
                 documents_next_at = $3 WHERE id = $1 AND documents_owner = $2",
                &[&account_id, &owner, &next_at],
            )
            .await?;
        Ok(())
    }

    async fn record_listing(
        &self,
        account_id: &str,
        listed: &[Document],
        now: i64,
        event: EventFor<Vec<Document>>,
    ) -> Result<Vec<Document>, StoreError> {
        let mut client = self.pool().get().await?;
        let transaction = client.transaction().await?;
        let exists = transaction
            .cached_query_opt("SELECT id FROM sps_connect_accounts WHERE id = $1 FOR UPDATE", &[&account_id])
            .await?;
        if exists.is_none() {
            return Ok(Vec::new());
        }
        let rows = transaction
            .cached_query("SELECT path FROM sps_connect_announced_documents WHERE account_id = $1", &[&account_id])
            .await?;
        let remembered: HashSet<String> = rows.iter().map(|row| row.get(0)).collect();
        let listed_paths: Vec<&str> = listed.iter().map(|d| d.path.as_str()).collect();
        transaction
            .cached_execute(
                "DELETE FROM sps_connect_announced_documents WHERE account_id = $1 AND NOT (path = ANY($2))",
                &[&account_id, &listed_paths],
            )
            .await?;
        let new = unannounced(listed, &remembered);
        for document in &new {
            transaction
                .cached_execute(
                    "INSERT INTO sps_connect_announced_documents (account_id, path, announced_at) VALUES ($1, $2, $3)",
                    &[&account_id, &document.path, &now],
                )
                .await?;
        }
        if let Some(queued) = (!new.is_empty()).then(|| event(&new)).flatten() {
            queue_event(&transaction, &queued).await?;
        }
        transaction.commit().await?;
        Ok(new)
    }
}

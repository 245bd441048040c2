//! Webhook events waiting for delivery. An event is written in the same
//! transaction as the change it reports (see [`super::queue_event`]), so a
//! crash or a restart loses none. Times are unix milliseconds.

use super::{blocking, SqliteStore, StoreError};
use async_trait::async_trait;
use rusqlite::params;

/// An event to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEvent {
    /// Its id, `evt_…`.
    pub id: String,
    /// The JSON body, exactly as it is signed and sent.
    pub body: String,
    /// Deliveries tried so far.
    pub attempts: u32,
}

/// Storage for undelivered webhook events. Every call is async.
#[async_trait]
pub trait EventOutbox: Send + Sync + 'static {
    /// Takes up to `limit` events due at `now`, in the order they were
    /// queued, and holds them until `lease_until`: no other deliverer (of
    /// this or another host instance) takes them before then, and if this
    /// one stops before recording the outcome they are due again after it.
    async fn claim_due_events(&self, now: i64, limit: usize, lease_until: i64)
        -> Result<Vec<PendingEvent>, StoreError>;
    /// The event was delivered.
    async fn event_delivered(&self, id: &str, now: i64) -> Result<(), StoreError>;
    /// A delivery failed: try again at `next_attempt_at`, or give up.
    async fn event_failed(&self, id: &str, next_attempt_at: Option<i64>, now: i64) -> Result<(), StoreError>;
    /// Deletes the events delivered or given up before `before`; how many.
    async fn purge_events(&self, before: i64) -> Result<u64, StoreError>;
}

#[async_trait]
impl EventOutbox for SqliteStore {
    async fn claim_due_events(
        &self,
        now: i64,
        limit: usize,
        lease_until: i64,
    ) -> Result<Vec<PendingEvent>, StoreError> {
        let this = self.clone();
        blocking(move || this.claim_due_events_blocking(now, limit, lease_until)).await
    }

    async fn event_delivered(&self, id: &str, now: i64) -> Result<(), StoreError> {
        let (this, id) = (self.clone(), id.to_owned());
        blocking(move || this.event_delivered_blocking(&id, now)).await
    }

    async fn event_failed(&self, id: &str, next_attempt_at: Option<i64>, now: i64) -> Result<(), StoreError> {
        let (this, id) = (self.clone(), id.to_owned());
        blocking(move || this.event_failed_blocking(&id, next_attempt_at, now)).await
    }

    async fn purge_events(&self, before: i64) -> Result<u64, StoreError> {
        let this = self.clone();
        blocking(move || this.purge_events_blocking(before)).await
    }
}

impl SqliteStore {
    fn claim_due_events_blocking(
        &self,
        now: i64,
        limit: usize,
        lease_until: i64,
    ) -> Result<Vec<PendingEvent>, StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let due = {
            let mut statement = transaction.prepare(
                "SELECT id, body, attempts FROM webhook_events WHERE delivered_at IS NULL AND given_up_at IS NULL \
                 AND next_attempt_at <= ?1 ORDER BY rowid LIMIT ?2",
            )?;
            let rows = statement.query_map(params![now, limit as i64], |row| {
                Ok(PendingEvent { id: row.get(0)?, body: row.get(1)?, attempts: row.get(2)? })
            })?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        for event in &due {
            transaction.execute(
                "UPDATE webhook_events SET next_attempt_at = ?2 WHERE id = ?1",
                params![event.id, lease_until],
            )?;
        }
        transaction.commit()?;
        Ok(due)
    }

    fn event_delivered_blocking(&self, id: &str, now: i64) -> Result<(), StoreError> {
        self.connection().execute(
            "UPDATE webhook_events SET delivered_at = ?2, attempts = attempts + 1 WHERE id = ?1",
            params![id, now],
        )?;
        Ok(())
    }

    fn event_failed_blocking(&self, id: &str, next_attempt_at: Option<i64>, now: i64) -> Result<(), StoreError> {
        match next_attempt_at {
            Some(next) => self.connection().execute(
                "UPDATE webhook_events SET attempts = attempts + 1, next_attempt_at = ?2 WHERE id = ?1",
                params![id, next],
            )?,
            None => self.connection().execute(
                "UPDATE webhook_events SET attempts = attempts + 1, given_up_at = ?2 WHERE id = ?1",
                params![id, now],
            )?,
        };
        Ok(())
    }

    fn purge_events_blocking(&self, before: i64) -> Result<u64, StoreError> {
        let removed = self
            .connection()
            .execute("DELETE FROM webhook_events WHERE delivered_at < ?1 OR given_up_at < ?1", params![before])?;
        Ok(removed as u64)
    }
}

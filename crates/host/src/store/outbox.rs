//! Webhook events waiting for delivery. An event is written in the same
//! transaction as the change it reports (see [`super::queue_event`]), so a
//! crash or a restart loses none. Times are unix milliseconds.

use super::{blocking, QueuedEvent, SqliteStore, StoreError};
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};

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

/// Which deliveries to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not tried yet.
    Pending,
    /// The last attempt failed: it waits for the next one, or was given up.
    Failed,
    /// Delivered.
    Delivered,
}

impl DeliveryState {
    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Failed => "failed",
            DeliveryState::Delivered => "delivered",
        }
    }

    /// The SQL condition on an event row that selects this state.
    fn condition(self) -> &'static str {
        match self {
            DeliveryState::Pending => "delivered_at IS NULL AND given_up_at IS NULL AND attempts = 0",
            DeliveryState::Failed => "delivered_at IS NULL AND (given_up_at IS NOT NULL OR attempts > 0)",
            DeliveryState::Delivered => "delivered_at IS NOT NULL",
        }
    }
}

/// A queued event and what became of its deliveries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// Its place in the queue, for paging: later events have larger ones.
    pub seq: i64,
    /// Its id, `evt_…`.
    pub id: String,
    /// Its JSON body.
    pub body: String,
    /// When it was queued, unix milliseconds.
    pub created_at: i64,
    /// Deliveries tried.
    pub attempts: u32,
    /// The HTTP status of the last attempt; `None` if none was answered.
    pub last_status: Option<u16>,
    /// When the last attempt was made, unix milliseconds.
    pub last_attempt_at: Option<i64>,
    /// When it is tried next, unless delivered or given up.
    pub next_attempt_at: Option<i64>,
    /// Where it stands.
    pub state: DeliveryState,
    /// Whether it was given up.
    pub given_up: bool,
}

/// The columns [`DeliveryRecord`]s are read from, in order.
pub(super) const DELIVERY_COLUMNS: &str = "id, body, created_at, attempts, last_status, last_attempt_at, \
     next_attempt_at, delivered_at, given_up_at";

/// A record from its columns (after the seq).
#[allow(clippy::too_many_arguments)]
pub(super) fn record(
    seq: i64,
    id: String,
    body: String,
    created_at: i64,
    attempts: i64,
    last_status: Option<i64>,
    last_attempt_at: Option<i64>,
    next_attempt_at: i64,
    delivered_at: Option<i64>,
    given_up_at: Option<i64>,
) -> DeliveryRecord {
    let state = match (delivered_at, given_up_at, attempts) {
        (Some(_), _, _) => DeliveryState::Delivered,
        (None, None, 0) => DeliveryState::Pending,
        _ => DeliveryState::Failed,
    };
    let open = delivered_at.is_none() && given_up_at.is_none();
    DeliveryRecord {
        seq,
        id,
        body,
        created_at,
        attempts: attempts as u32,
        last_status: last_status.map(|s| s as u16),
        last_attempt_at,
        next_attempt_at: open.then_some(next_attempt_at),
        state,
        given_up: given_up_at.is_some(),
    }
}

/// The condition that lists `state`, or every event.
pub(super) fn state_condition(state: Option<DeliveryState>) -> &'static str {
    state.map_or("TRUE", DeliveryState::condition)
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
    /// The event was delivered: the receiver answered `status`.
    async fn event_delivered(&self, id: &str, status: u16, now: i64) -> Result<(), StoreError>;
    /// A delivery failed (the receiver answered `status`, or nothing): try
    /// again at `next_attempt_at`, or give up.
    async fn event_failed(
        &self,
        id: &str,
        status: Option<u16>,
        next_attempt_at: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Up to `limit` events in `state` (or any), newest first, queued before the one at `before`.
    async fn deliveries(
        &self,
        state: Option<DeliveryState>,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<DeliveryRecord>, StoreError>;
    /// Makes the event due again at `now`, with its attempts counted from
    /// zero, whatever became of it; `None` if there is no such event, else
    /// the record after.
    async fn redeliver(&self, id: &str, now: i64) -> Result<Option<DeliveryRecord>, StoreError>;
    /// Deletes the events delivered or given up before `before`; how many.
    async fn purge_events(&self, before: i64) -> Result<u64, StoreError>;
    /// Queues an event that reports no change of the store (a test event).
    async fn queue(&self, event: &QueuedEvent) -> Result<(), StoreError>;
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

    async fn event_delivered(&self, id: &str, status: u16, now: i64) -> Result<(), StoreError> {
        let (this, id) = (self.clone(), id.to_owned());
        blocking(move || {
            this.connection().execute(
                "UPDATE webhook_events SET delivered_at = ?2, attempts = attempts + 1, last_status = ?3, \
                 last_attempt_at = ?2 WHERE id = ?1",
                params![id, now, status],
            )?;
            Ok(())
        })
        .await
    }

    async fn event_failed(
        &self,
        id: &str,
        status: Option<u16>,
        next_attempt_at: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        let (this, id) = (self.clone(), id.to_owned());
        blocking(move || {
            this.connection().execute(
                "UPDATE webhook_events SET attempts = attempts + 1, last_status = ?2, last_attempt_at = ?3, \
                 next_attempt_at = COALESCE(?4, next_attempt_at), \
                 given_up_at = CASE WHEN ?4 IS NULL THEN ?3 ELSE NULL END WHERE id = ?1",
                params![id, status, now, next_attempt_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn deliveries(
        &self,
        state: Option<DeliveryState>,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let this = self.clone();
        blocking(move || {
            let connection = this.connection();
            let mut statement = connection.prepare(&format!(
                "SELECT rowid, {DELIVERY_COLUMNS} FROM webhook_events WHERE {} AND rowid < ?1 \
                 ORDER BY rowid DESC LIMIT ?2",
                state_condition(state)
            ))?;
            let rows = statement.query_map(params![before.unwrap_or(i64::MAX), limit as i64], sqlite_record)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn redeliver(&self, id: &str, now: i64) -> Result<Option<DeliveryRecord>, StoreError> {
        let (this, id) = (self.clone(), id.to_owned());
        blocking(move || {
            let connection = this.connection();
            connection.execute(
                "UPDATE webhook_events SET attempts = 0, next_attempt_at = ?2, delivered_at = NULL, \
                 given_up_at = NULL WHERE id = ?1",
                params![id, now],
            )?;
            let sql = format!("SELECT rowid, {DELIVERY_COLUMNS} FROM webhook_events WHERE id = ?1");
            Ok(connection.query_row(&sql, params![id], sqlite_record).optional()?)
        })
        .await
    }

    async fn purge_events(&self, before: i64) -> Result<u64, StoreError> {
        let this = self.clone();
        blocking(move || this.purge_events_blocking(before)).await
    }

    async fn queue(&self, event: &QueuedEvent) -> Result<(), StoreError> {
        let (this, event) = (self.clone(), event.clone());
        blocking(move || super::queue_event(&this.connection(), &event)).await
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

    fn purge_events_blocking(&self, before: i64) -> Result<u64, StoreError> {
        let removed = self
            .connection()
            .execute("DELETE FROM webhook_events WHERE delivered_at < ?1 OR given_up_at < ?1", params![before])?;
        Ok(removed as u64)
    }
}

fn sqlite_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<DeliveryRecord> {
    Ok(record(
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
    ))
}

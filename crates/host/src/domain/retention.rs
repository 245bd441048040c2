//! Deletes what the host no longer needs: webhook events delivered or given
//! up, hosted links used, revoked or expired, and accounts' history, once
//! they are older than the retention period. Runs at start and every hour, off the request path.

use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// How often the janitor runs.
pub const INTERVAL: Duration = Duration::from_secs(3600);

/// What one purge deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Webhook events.
    pub events: u64,
    /// Hosted links.
    pub links: u64,
    /// Entries of accounts' history.
    pub activity: u64,
}

/// Deletes, once, what is older than `retention`.
pub async fn purge(store: &Arc<dyn Store>, retention: Duration) -> Result<Purged, crate::store::StoreError> {
    let age = i64::try_from(retention.as_secs()).unwrap_or(i64::MAX);
    let before = crate::util::times::unix_now().saturating_sub(age);
    let events = store.purge_events(before.saturating_mul(1000)).await?;
    let links = store.purge_links(before).await?;
    let activity = store.purge_activity(before.saturating_mul(1000)).await?;
    Ok(Purged { events, links, activity })
}

/// Runs [`purge`] now and every [`INTERVAL`] until the process ends.
pub fn spawn_janitor(store: Arc<dyn Store>, retention: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(INTERVAL);
        loop {
            ticks.tick().await;
            match purge(&store, retention).await {
                Ok(purged) if purged == Purged::default() => {}
                Ok(Purged { events, links, activity }) => {
                    tracing::info!(events, links, activity, "deleted old webhook events, hosted links and history")
                }
                Err(error) => tracing::warn!(%error, "could not delete old webhook events, hosted links and history"),
            }
        }
    });
}

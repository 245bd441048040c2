//! Deletes what the host no longer needs: webhook events delivered or given
//! up, and hosted links used, revoked or expired, once they are older than
//! the retention period. Runs at start and every hour, off the request path.

use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// How often the janitor runs.
pub const INTERVAL: Duration = Duration::from_secs(3600);

/// Deletes, once, what is older than `retention`; how many events and links.
pub async fn purge(store: &Arc<dyn Store>, retention: Duration) -> Result<(u64, u64), crate::store::StoreError> {
    let age = i64::try_from(retention.as_secs()).unwrap_or(i64::MAX);
    let now = crate::util::times::unix_now();
    let events = store.purge_events(now.saturating_sub(age).saturating_mul(1000)).await?;
    let links = store.purge_links(now.saturating_sub(age)).await?;
    Ok((events, links))
}

/// Runs [`purge`] now and every [`INTERVAL`] until the process ends.
pub fn spawn_janitor(store: Arc<dyn Store>, retention: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(INTERVAL);
        loop {
            ticks.tick().await;
            match purge(&store, retention).await {
                Ok((0, 0)) => {}
                Ok((events, links)) => tracing::info!(events, links, "deleted old webhook events and hosted links"),
                Err(error) => tracing::warn!(%error, "could not delete old webhook events and hosted links"),
            }
        }
    });
}

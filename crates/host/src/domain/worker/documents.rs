//! Documents waiting: every watching account's `out/` folder is listed once
//! per interval, and the paths not announced before are queued as one
//! `documents.available` event, in the same transaction that remembers them,
//! so each path is announced once across restarts and instances. A path
//! that leaves the folder is forgotten, so the remembered set stays as small
//! as the folder.

use super::{millis, pause_for, rounds, Worker};
use crate::domain::accounts::AccessError;
use crate::domain::webhooks::EventType;
use crate::store::Document;
use crate::util::times::unix_millis;
use serde_json::json;
use std::time::Duration;

/// Runs the listings for ever: each round lists the folders due now, up to the concurrency.
pub(super) async fn run(worker: Worker) {
    let worker = &worker;
    let claim = move || async move {
        let now = unix_millis();
        let (owner, every, limit) = (&worker.owner, worker.config.watch_every_account, worker.config.concurrency);
        worker.accounts.work().claim_due_listings(owner, now, worker.lease_until(now), every, limit).await
    };
    rounds("document listings", claim, move |id| async move { list(worker, &id).await }).await;
}

/// Lists one held account's folder, announces what is new, and gives the
/// account back with its next time; the pause SPS asked for, if any.
#[tracing::instrument(name = "worker.documents", skip_all)]
async fn list(worker: &Worker, account_id: &str) -> Option<Duration> {
    let accounts = &worker.accounts;
    let interval = millis(worker.config.documents_interval);
    let outcome = async {
        let sealed = accounts.find(account_id, None).await?;
        let listed = accounts.waiting_documents(&sealed).await?;
        let (this, account) = (accounts.clone(), sealed.account.clone());
        let event = Box::new(move |new: &Vec<Document>| {
            this.webhooks().draft(
                EventType::DocumentsAvailable,
                json!({ "user_id": account.user_id, "account_id": account.id, "documents": new }),
            )
        });
        let new = accounts.work().record_listing(account_id, &listed, unix_millis(), event).await?;
        Ok::<_, AccessError>(new.len())
    };
    let now = unix_millis();
    let (next_at, pause) = match outcome.await {
        Ok(new) => {
            if new > 0 {
                tracing::info!(account = %account_id, new, "documents announced");
                accounts.webhooks().wake();
            }
            (now + interval, None)
        }
        Err(AccessError::NotFound) => return None,
        Err(AccessError::Sps(failure)) => {
            let pause = pause_for(&failure);
            tracing::warn!(account = %account_id, code = ?failure.code, reason = %failure.reason, "documents could not be listed");
            (now + pause.map_or(interval, millis), pause)
        }
        Err(AccessError::Store(error)) => {
            tracing::warn!(account = %account_id, %error, "documents could not be recorded");
            (now + interval, None)
        }
    };
    if let Err(error) = accounts.work().finish_listing(account_id, &worker.owner, next_at).await {
        tracing::warn!(account = %account_id, %error, "document listing could not be given back; its lease will end");
    }
    pause
}

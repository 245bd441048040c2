//! Scheduled checks: every account is checked once per interval (a fresh
//! token and the auth-check, as Verify does), new and relinked accounts one
//! interval after their connect, accounts without a schedule at a random time
//! within the interval, so that checks spread out. A throttled or failing SPS
//! changes no status and pauses this instance's sweep.

use super::{millis, pause_for, rounds, Worker, STORE_RETRY};
use crate::domain::accounts::{AccessError, Recent};
use crate::domain::activity::Actor;
use crate::util::times::unix_millis;
use std::time::Duration;

/// Runs the sweep for ever: each round schedules the accounts without a
/// time, then checks those due now, up to the concurrency.
pub(super) async fn run(worker: Worker) {
    let worker = &worker;
    let claim = move || async move {
        let work = worker.accounts.work();
        let now = unix_millis();
        work.schedule_unscheduled(now, millis(worker.config.check_interval)).await?;
        work.claim_due_checks(&worker.owner, now, worker.lease_until(now), worker.config.concurrency).await
    };
    rounds("scheduled checks", claim, move |id| async move { check(worker, &id).await }).await;
}

/// Checks one held account and gives it back with its next time; the pause
/// SPS asked for, if it throttled or failed.
#[tracing::instrument(name = "worker.check", skip_all)]
async fn check(worker: &Worker, account_id: &str) -> Option<Duration> {
    let accounts = &worker.accounts;
    let interval = millis(worker.config.check_interval);
    let outcome = match accounts.find(account_id, None).await {
        Ok(sealed) => accounts.verify(&sealed, Recent::Ignore, &Actor::WORKER).await.map(|after| after.status),
        Err(error) => Err(error),
    };
    let label = match &outcome {
        Ok(status) => status.as_str(),
        Err(AccessError::Sps(failure)) if pause_for(failure).is_some() => "paused",
        Err(_) => "failed",
    };
    metrics::counter!("sps_connect_scheduled_checks_total", "outcome" => label).increment(1);
    let now = unix_millis();
    let (checked_at, next_at, pause) = match outcome {
        Ok(_) => (Some(now), now + interval, None),
        Err(AccessError::NotFound) => return None,
        Err(AccessError::Sps(failure)) => match pause_for(&failure) {
            Some(pause) => {
                tracing::warn!(account = %account_id, code = ?failure.code, ?pause, "SPS throttled or failed; the sweep pauses");
                (None, now + millis(pause), Some(pause))
            }
            None => {
                tracing::warn!(account = %account_id, code = ?failure.code, reason = %failure.reason, "scheduled check failed");
                (None, now + interval, None)
            }
        },
        Err(AccessError::Store(error)) => {
            tracing::warn!(account = %account_id, %error, "scheduled check could not be recorded");
            (None, now + millis(STORE_RETRY), None)
        }
    };
    if let Err(error) = accounts.work().finish_check(account_id, &worker.owner, checked_at, next_at).await {
        tracing::warn!(account = %account_id, %error, "scheduled check could not be given back; its lease will end");
    }
    pause
}

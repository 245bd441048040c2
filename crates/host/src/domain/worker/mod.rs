//! The worker every host instance runs: it checks each linked account on a
//! schedule ([`checks`]) and announces the documents waiting for the
//! accounts that watch them ([`documents`]). Instances share the work
//! through the store: each task on an account is held by one instance at a
//! time under a lease that ends by itself, so an instance that dies is
//! replaced once its lease runs out.

mod checks;
mod documents;

use crate::domain::accounts::LinkedAccounts;
use crate::sps::failure::SpsFailure;
use crate::store::StoreError;
use crate::util::vars::{ConfigError, Fallback, Variable, Vars};
use futures::future::join_all;
use sps_connect_wire::ErrorCode;
use std::future::Future;
use std::time::Duration;

const CHECK_INTERVAL: Variable = Variable::new(
    "SPS_CONNECT_CHECK_INTERVAL_SECS",
    Fallback::Value("21600"),
    "seconds between two scheduled checks of an account (token exchange and auth-check); at least 60",
);
const CHECK_CONCURRENCY: Variable = Variable::new(
    "SPS_CONNECT_CHECK_CONCURRENCY",
    Fallback::Value("4"),
    "scheduled checks or document listings one instance runs at once (1 to 64)",
);
const WATCH_DOCUMENTS: Variable = Variable::new(
    "SPS_CONNECT_WATCH_DOCUMENTS",
    Fallback::Value("false"),
    "true announces the documents waiting for every account, not only those with watch_documents on",
);
const DOCUMENTS_INTERVAL: Variable = Variable::new(
    "SPS_CONNECT_DOCUMENTS_INTERVAL_SECS",
    Fallback::Value("300"),
    "seconds between two listings of a watching account's out/ folder; at least 30",
);

/// How often a worker with nothing due looks again.
pub const POLL: Duration = Duration::from_secs(1);
/// When an account whose check could not be recorded is tried again.
pub const STORE_RETRY: Duration = Duration::from_secs(30);
/// The pause after a throttled or failed call to SPS that did not say how long.
pub const DEFAULT_PAUSE: Duration = crate::sps::breaker::DEFAULT_PAUSE;
/// The longest pause a `Retry-After` can impose.
pub const MAX_PAUSE: Duration = crate::sps::breaker::MAX_PAUSE;

/// The worker's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Time between two checks of an account.
    pub check_interval: Duration,
    /// Tasks one instance runs at once.
    pub concurrency: usize,
    /// Whether every account's documents are announced.
    pub watch_every_account: bool,
    /// Time between two listings of an account's documents.
    pub documents_interval: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            check_interval: Duration::from_secs(21600),
            concurrency: 4,
            watch_every_account: false,
            documents_interval: Duration::from_secs(300),
        }
    }
}

impl WorkerConfig {
    /// The variables this section reads.
    pub const VARIABLES: &'static [Variable] =
        &[CHECK_INTERVAL, CHECK_CONCURRENCY, WATCH_DOCUMENTS, DOCUMENTS_INTERVAL];

    /// Reads the worker's variables.
    pub fn read(vars: &Vars) -> Result<Self, ConfigError> {
        Ok(Self {
            check_interval: Duration::from_secs(vars.number(&CHECK_INTERVAL, 60..=30 * 24 * 3600)?),
            concurrency: vars.number(&CHECK_CONCURRENCY, 1..=64)? as usize,
            watch_every_account: vars.flag(&WATCH_DOCUMENTS)?,
            documents_interval: Duration::from_secs(vars.number(&DOCUMENTS_INTERVAL, 30..=24 * 3600)?),
        })
    }
}

/// One instance's worker.
#[derive(Clone)]
pub struct Worker {
    accounts: LinkedAccounts,
    config: WorkerConfig,
    owner: String,
    lease: Duration,
}

impl Worker {
    /// A worker over `accounts`, known to the other instances as `owner`;
    /// `lease` is longer than any one task can take.
    pub fn new(accounts: LinkedAccounts, config: WorkerConfig, owner: String, lease: Duration) -> Self {
        Self { accounts, config, owner, lease }
    }

    /// Starts the scheduled checks and the document listings on the runtime.
    pub fn spawn(self) {
        tokio::spawn(checks::run(self.clone()));
        tokio::spawn(documents::run(self));
    }

    fn lease_until(&self, now: i64) -> i64 {
        now + self.lease.as_millis() as i64
    }
}

/// Runs one of the worker's tasks for ever, in rounds: `claim` holds the
/// accounts due now, `task` works on one and answers the pause SPS asked
/// for, if any. A round waits for its slowest task and then for the longest
/// pause; with nothing due, or the store failing, the next round comes after [`POLL`].
async fn rounds<Claim, Task>(what: &'static str, claim: impl Fn() -> Claim, task: impl Fn(String) -> Task)
where
    Claim: Future<Output = Result<Vec<String>, StoreError>>,
    Task: Future<Output = Option<Duration>>,
{
    loop {
        let wait = match claim().await {
            Err(error) => {
                tracing::warn!(%error, task = what, "the due accounts could not be read");
                POLL
            }
            Ok(due) if due.is_empty() => POLL,
            Ok(due) => join_all(due.into_iter().map(&task)).await.into_iter().flatten().max().unwrap_or_default(),
        };
        tokio::time::sleep(wait).await;
    }
}

/// How long a failure tells the sweep to pause: SPS throttled or is down.
/// `None` for any other failure.
fn pause_for(failure: &SpsFailure) -> Option<Duration> {
    if !matches!(failure.code, ErrorCode::RateLimited | ErrorCode::ProviderUnavailable) {
        return None;
    }
    Some(failure.retry_after.map_or(DEFAULT_PAUSE, Duration::from_secs).clamp(Duration::from_secs(1), MAX_PAUSE))
}

fn millis(duration: Duration) -> i64 {
    duration.as_millis() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> Result<WorkerConfig, ConfigError> {
        let vars: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let lookup = |name: &str| vars.get(name).cloned();
        WorkerConfig::read(&Vars::new(&lookup))
    }

    #[test]
    fn intervals_have_floors_and_defaults() {
        assert_eq!(read(&[]).unwrap(), WorkerConfig::default());
        for (name, low) in [("SPS_CONNECT_CHECK_INTERVAL_SECS", "59"), ("SPS_CONNECT_DOCUMENTS_INTERVAL_SECS", "29")] {
            assert!(read(&[(name, low)]).unwrap_err().0.contains(name), "{name}");
        }
        let set = read(&[("SPS_CONNECT_CHECK_INTERVAL_SECS", "60"), ("SPS_CONNECT_WATCH_DOCUMENTS", "true")]).unwrap();
        assert_eq!((set.check_interval, set.watch_every_account), (Duration::from_secs(60), true));
    }

    #[test]
    fn only_throttling_and_outages_pause_the_sweep() {
        let throttled = SpsFailure::exchange(ErrorCode::RateLimited, "").retry_after(42);
        assert_eq!(pause_for(&throttled), Some(Duration::from_secs(42)));
        let down = SpsFailure::exchange(ErrorCode::ProviderUnavailable, "");
        assert_eq!(pause_for(&down), Some(DEFAULT_PAUSE));
        let forever = SpsFailure::exchange(ErrorCode::RateLimited, "").retry_after(86_400);
        assert_eq!(pause_for(&forever), Some(MAX_PAUSE));
        assert_eq!(pause_for(&SpsFailure::exchange(ErrorCode::InvalidClient, "")), None);
    }
}

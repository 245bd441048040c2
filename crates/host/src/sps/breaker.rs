//! Shields SPS and every tenant from a host that keeps calling while SPS is
//! throttling or failing. A 429 pauses the Client ID that received it; when
//! several Client IDs are throttled within a minute, SPS is throttling the
//! host and every call pauses; after several failures in a row (SPS down),
//! every call pauses. Paused calls fail at once.

use crate::sps::failure::SpsFailure;
use quick_cache::sync::Cache;
use sps_connect_wire::ErrorCode;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failures in a row (5xx, timeouts, garbage) that open the breaker.
pub const FAILURES_TO_OPEN: u32 = 5;
/// How long it stays open after failures, or after a 429 without `Retry-After`.
pub const DEFAULT_PAUSE: Duration = Duration::from_secs(30);
/// The longest pause a `Retry-After` can impose.
pub const MAX_PAUSE: Duration = Duration::from_secs(300);
/// Distinct Client IDs throttled within [`THROTTLE_WINDOW`] that pause every call.
pub const CLIENTS_TO_PAUSE_ALL: usize = 3;
/// How long a 429 counts towards pausing every call.
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(60);
/// Throttled Client IDs remembered at most.
const THROTTLED_TRACKED: usize = 10_000;

/// What a call to SPS came to, as far as the breaker cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// SPS answered (a token, or a refusal of the credentials).
    Answered,
    /// SPS said 429, and how long to wait.
    Throttled(Duration),
    /// SPS failed: 5xx, timeout, unreachable, garbage.
    Failed,
}

#[derive(Debug, Default)]
struct State {
    open_until: Option<(Instant, ErrorCode)>,
    failures_in_a_row: u32,
    recent_throttles: VecDeque<(Instant, String)>,
}

/// One breaker for the token endpoint, shared by every tenant. Clones share it.
#[derive(Clone)]
pub struct Breaker {
    state: Arc<Mutex<State>>,
    throttled: Arc<Cache<String, Instant>>,
}

impl Default for Breaker {
    fn default() -> Self {
        Self { state: Arc::default(), throttled: Arc::new(Cache::new(THROTTLED_TRACKED)) }
    }
}

impl std::fmt::Debug for Breaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Breaker").field("state", &*self.state()).finish_non_exhaustive()
    }
}

fn paused(until: Instant, code: ErrorCode, now: Instant) -> Result<(), SpsFailure> {
    if now >= until {
        return Ok(());
    }
    let wait = (until - now).as_secs().max(1);
    Err(SpsFailure::exchange(code, "not calling SPS: the breaker is open").retry_after(wait))
}

impl Breaker {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err` while calls for `client_id` are paused: the failure to answer,
    /// with how long to wait.
    pub fn check(&self, client_id: &str) -> Result<(), SpsFailure> {
        let now = Instant::now();
        if let Some((until, code)) = self.state().open_until {
            paused(until, code, now)?;
        }
        match self.throttled.get(client_id) {
            Some(until) => paused(until, ErrorCode::RateLimited, now),
            None => Ok(()),
        }
    }

    /// Records the outcome of a call for `client_id`.
    pub fn record(&self, client_id: &str, outcome: Outcome) {
        let mut state = self.state();
        match outcome {
            Outcome::Answered => state.failures_in_a_row = 0,
            Outcome::Throttled(wait) => {
                let pause = wait.clamp(Duration::from_secs(1), MAX_PAUSE);
                let now = Instant::now();
                self.throttled.insert(client_id.to_owned(), now + pause);
                state.recent_throttles.retain(|(at, id)| now.duration_since(*at) < THROTTLE_WINDOW && id != client_id);
                state.recent_throttles.push_back((now, client_id.to_owned()));
                if state.recent_throttles.len() >= CLIENTS_TO_PAUSE_ALL {
                    state.open_until = Some((now + pause, ErrorCode::RateLimited));
                    pause_counted("all", "throttled");
                    all_paused_for(pause);
                    tracing::warn!(
                        seconds = pause.as_secs(),
                        "SPS is throttling several Client IDs: pausing every call to it"
                    );
                } else {
                    pause_counted("client", "throttled");
                    tracing::warn!(seconds = pause.as_secs(), "SPS is throttling a Client ID: pausing its calls");
                }
            }
            Outcome::Failed => {
                state.failures_in_a_row += 1;
                if state.failures_in_a_row >= FAILURES_TO_OPEN {
                    state.failures_in_a_row = 0;
                    state.open_until = Some((Instant::now() + DEFAULT_PAUSE, ErrorCode::ProviderUnavailable));
                    pause_counted("all", "failing");
                    all_paused_for(DEFAULT_PAUSE);
                    tracing::warn!(seconds = DEFAULT_PAUSE.as_secs(), "SPS keeps failing: pausing every call to it");
                }
            }
        }
    }
}

/// Counts a pause the breaker began: of one Client ID's calls or of all, because SPS throttled or failed.
fn pause_counted(scope: &'static str, cause: &'static str) {
    metrics::counter!("sps_connect_breaker_pauses_total", "scope" => scope, "cause" => cause).increment(1);
}

/// Publishes when the pause of every call, beginning now, ends.
fn all_paused_for(pause: Duration) {
    let until = crate::util::times::unix_now() + pause.as_secs() as i64;
    metrics::gauge!("sps_connect_breaker_open_until_seconds").set(until as f64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_pauses_its_client_id_for_the_retry_after_time() {
        let breaker = Breaker::default();
        assert!(breaker.check("a").is_ok());
        breaker.record("a", Outcome::Throttled(Duration::from_secs(42)));
        let failure = breaker.check("a").unwrap_err();
        assert_eq!(failure.code, ErrorCode::RateLimited);
        assert!((41..=42).contains(&failure.retry_after.unwrap()), "{failure:?}");
        assert!(breaker.check("b").is_ok(), "another tenant's Client ID is not paused");
    }

    // Regression: one tenant's 429 paused every tenant.
    #[test]
    fn several_throttled_client_ids_pause_every_call() {
        let breaker = Breaker::default();
        for client in ["a", "a", "b"] {
            breaker.record(client, Outcome::Throttled(DEFAULT_PAUSE));
        }
        assert!(breaker.check("z").is_ok(), "two distinct Client IDs are not yet SPS throttling the host");
        breaker.record("c", Outcome::Throttled(DEFAULT_PAUSE));
        assert_eq!(breaker.check("z").unwrap_err().code, ErrorCode::RateLimited);
    }

    #[test]
    fn repeated_failures_open_it_and_an_answer_in_between_resets_the_count() {
        let breaker = Breaker::default();
        for _ in 0..FAILURES_TO_OPEN - 1 {
            breaker.record("a", Outcome::Failed);
        }
        breaker.record("a", Outcome::Answered);
        breaker.record("a", Outcome::Failed);
        assert!(breaker.check("a").is_ok(), "the count restarted");
        for _ in 0..FAILURES_TO_OPEN {
            breaker.record("a", Outcome::Failed);
        }
        assert_eq!(breaker.check("b").unwrap_err().code, ErrorCode::ProviderUnavailable);
    }

    #[test]
    fn a_huge_retry_after_is_bounded() {
        let breaker = Breaker::default();
        breaker.record("a", Outcome::Throttled(Duration::from_secs(86_400)));
        assert!(breaker.check("a").unwrap_err().retry_after.unwrap() <= MAX_PAUSE.as_secs());
    }
}

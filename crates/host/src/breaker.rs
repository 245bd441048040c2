//! Shields SPS and every tenant from a host that keeps calling while SPS is
//! throttling or failing: after a 429, or after several failures in a row,
//! calls stop for a while and fail at once.

use crate::failure::SpsFailure;
use sps_connect_wire::ErrorCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failures in a row (5xx, timeouts, garbage) that open the breaker.
pub const FAILURES_TO_OPEN: u32 = 5;
/// How long it stays open after failures, or after a 429 without `Retry-After`.
pub const DEFAULT_PAUSE: Duration = Duration::from_secs(30);
/// The longest pause a `Retry-After` can impose.
pub const MAX_PAUSE: Duration = Duration::from_secs(300);

/// What a call to SPS came to, as far as the breaker cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// SPS answered (a token, or a refusal of the credentials).
    Answered,
    /// SPS said 429, and maybe for how long.
    Throttled(Option<Duration>),
    /// SPS failed: 5xx, timeout, unreachable, garbage.
    Failed,
}

#[derive(Debug, Default)]
struct State {
    open_until: Option<(Instant, ErrorCode)>,
    failures_in_a_row: u32,
}

/// One breaker for the token endpoint, shared by every tenant. Clones share it.
#[derive(Clone, Debug, Default)]
pub struct Breaker {
    state: Arc<Mutex<State>>,
}

impl Breaker {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err` while the breaker is open: the failure to answer, with how long to wait.
    pub fn check(&self) -> Result<(), SpsFailure> {
        let state = self.state();
        let Some((until, code)) = state.open_until else { return Ok(()) };
        let now = Instant::now();
        if now >= until {
            return Ok(());
        }
        let wait = (until - now).as_secs().max(1);
        Err(SpsFailure::exchange(code, "not calling SPS: the breaker is open").retry_after(wait))
    }

    /// Records a call's outcome.
    pub fn record(&self, outcome: Outcome) {
        let mut state = self.state();
        match outcome {
            Outcome::Answered => state.failures_in_a_row = 0,
            Outcome::Throttled(wait) => {
                let pause = wait.unwrap_or(DEFAULT_PAUSE).clamp(Duration::from_secs(1), MAX_PAUSE);
                state.open_until = Some((Instant::now() + pause, ErrorCode::RateLimited));
                tracing::warn!(seconds = pause.as_secs(), "SPS is throttling: pausing every call to it");
            }
            Outcome::Failed => {
                state.failures_in_a_row += 1;
                if state.failures_in_a_row >= FAILURES_TO_OPEN {
                    state.failures_in_a_row = 0;
                    state.open_until = Some((Instant::now() + DEFAULT_PAUSE, ErrorCode::ProviderUnavailable));
                    tracing::warn!(seconds = DEFAULT_PAUSE.as_secs(), "SPS keeps failing: pausing every call to it");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_opens_it_for_the_retry_after_time() {
        let breaker = Breaker::default();
        assert!(breaker.check().is_ok());
        breaker.record(Outcome::Throttled(Some(Duration::from_secs(42))));
        let failure = breaker.check().unwrap_err();
        assert_eq!(failure.code, ErrorCode::RateLimited);
        assert!((41..=42).contains(&failure.retry_after.unwrap()), "{failure:?}");
    }

    #[test]
    fn repeated_failures_open_it_and_an_answer_in_between_resets_the_count() {
        let breaker = Breaker::default();
        for _ in 0..FAILURES_TO_OPEN - 1 {
            breaker.record(Outcome::Failed);
        }
        breaker.record(Outcome::Answered);
        breaker.record(Outcome::Failed);
        assert!(breaker.check().is_ok(), "the count restarted");
        for _ in 0..FAILURES_TO_OPEN {
            breaker.record(Outcome::Failed);
        }
        assert_eq!(breaker.check().unwrap_err().code, ErrorCode::ProviderUnavailable);
    }

    #[test]
    fn a_huge_retry_after_is_bounded() {
        let breaker = Breaker::default();
        breaker.record(Outcome::Throttled(Some(Duration::from_secs(86_400))));
        assert!(breaker.check().unwrap_err().retry_after.unwrap() <= MAX_PAUSE.as_secs());
    }
}

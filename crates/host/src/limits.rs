//! Failure limits. Connect attempts that SPS refuses count against the portal
//! user, the client address and (for `invalid_client`) the Client ID; refused
//! authentications count against the address. Past a limit, requests are
//! answered `429` at once, without calling SPS, until the oldest counted
//! failure leaves the window. Successes never count, so many users behind
//! one address can all link.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Subjects tracked at most; past it, expired entries are dropped first.
const MAX_TRACKED: usize = 100_000;

/// How many failures each subject may have within the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The sliding window failures are counted in.
    pub window: Duration,
    /// Refused connects per portal user.
    pub per_user: usize,
    /// Refused connects per client address.
    pub per_address: usize,
    /// `invalid_client` answers per Client ID, after which it is locked out.
    pub per_client_id: usize,
    /// Refused admin keys or sessions per client address.
    pub auth_per_address: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            per_user: 10,
            per_address: 30,
            per_client_id: 5,
            auth_per_address: 20,
        }
    }
}

/// Who a failure counts against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A portal user's connect attempts.
    User(String),
    /// Connect attempts from an address.
    Address(IpAddr),
    /// A Client ID that SPS called invalid.
    ClientId(String),
    /// Refused authentications from an address.
    AuthAddress(IpAddr),
}

/// Counts failures per subject in a sliding window.
#[derive(Debug, Default)]
pub struct FailureLimiter {
    limits: Limits,
    failures: Mutex<HashMap<Subject, VecDeque<Instant>>>,
}

impl FailureLimiter {
    /// A limiter with `limits`.
    pub fn new(limits: Limits) -> Self {
        Self { limits, failures: Mutex::default() }
    }

    fn limit(&self, subject: &Subject) -> usize {
        match subject {
            Subject::User(_) => self.limits.per_user,
            Subject::Address(_) => self.limits.per_address,
            Subject::ClientId(_) => self.limits.per_client_id,
            Subject::AuthAddress(_) => self.limits.auth_per_address,
        }
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<Subject, VecDeque<Instant>>> {
        self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err(seconds to wait)` if any subject is at its limit.
    pub fn check(&self, subjects: &[Subject]) -> Result<(), u64> {
        let now = Instant::now();
        let mut failures = self.failures();
        let mut wait = Duration::ZERO;
        for subject in subjects {
            let Some(times) = failures.get_mut(subject) else { continue };
            while times.front().is_some_and(|t| now.duration_since(*t) >= self.limits.window) {
                times.pop_front();
            }
            if times.len() >= self.limit(subject) {
                let oldest = *times.front().expect("at the limit, so not empty");
                wait = wait.max(self.limits.window.saturating_sub(now.duration_since(oldest)));
            }
        }
        if wait.is_zero() {
            return Ok(());
        }
        Err(wait.as_secs().max(1))
    }

    /// Counts a failure against each subject.
    pub fn record(&self, subjects: &[Subject]) {
        let now = Instant::now();
        let mut failures = self.failures();
        if failures.len() >= MAX_TRACKED {
            let window = self.limits.window;
            failures.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        for subject in subjects {
            let times = failures.entry(subject.clone()).or_default();
            times.push_back(now);
            let limit = self.limit(subject);
            while times.len() > limit {
                times.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(window_ms: u64) -> FailureLimiter {
        FailureLimiter::new(Limits { window: Duration::from_millis(window_ms), per_user: 3, ..Limits::default() })
    }

    #[test]
    fn a_subject_is_refused_at_its_limit_and_others_are_not() {
        let limiter = limiter(60_000);
        let user = [Subject::User("u1".into())];
        for _ in 0..2 {
            limiter.record(&user);
            assert!(limiter.check(&user).is_ok());
        }
        limiter.record(&user);
        let wait = limiter.check(&user).unwrap_err();
        assert!((59..=60).contains(&wait), "{wait}");
        assert!(limiter.check(&[Subject::User("u2".into())]).is_ok());
        assert!(
            limiter.check(&[Subject::User("u2".into()), user[0].clone()]).is_err(),
            "any subject at its limit refuses"
        );
    }

    #[test]
    fn failures_leave_the_window() {
        let limiter = limiter(0);
        let user = [Subject::User("u1".into())];
        for _ in 0..5 {
            limiter.record(&user);
        }
        assert!(limiter.check(&user).is_ok(), "a zero window forgets at once");
    }
}

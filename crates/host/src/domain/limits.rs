//! Limits on attempts. Connects that SPS refuses count against the portal
//! user, the client address and, for `invalid_client`, the Client ID with
//! that user (a lock-out one user cannot impose on another tenant) and the
//! Client ID across users (a much higher threshold); refused
//! authentications count against the address; connects and verifies,
//! successes included, count against the user, and verifies against the
//! account. Past a limit, requests are answered `429` at once, without
//! calling SPS, until the oldest counted attempt leaves the window.
//!
//! An attempt is reserved when it is checked and settled when its outcome
//! is known, so concurrent requests cannot all pass the check before the
//! first one is counted: attempts in flight count against the limit until
//! they are settled, and only those that failed (or, for the call limits,
//! all) stay counted. Each kind of subject lives in its
//! own bounded cache (`quick_cache`, S3-FIFO eviction), so memory stays
//! bounded whatever the number of distinct addresses, a flood of one kind
//! cannot evict another, and no request ever scans the whole map: a
//! subject's old attempts are dropped when that subject is next checked.

use quick_cache::sync::Cache;
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many attempts each subject may have within the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The sliding window attempts are counted in.
    pub window: Duration,
    /// Refused connects per portal user.
    pub per_user: usize,
    /// Refused connects per client address (IPv6: per /64).
    pub per_address: usize,
    /// `invalid_client` answers per Client ID and portal user, after which
    /// that user may not try that Client ID for the rest of the window.
    pub per_client_and_user: usize,
    /// `invalid_client` answers per Client ID, whoever tried it.
    pub per_client_id: usize,
    /// Refused admin keys or sessions per client address.
    pub auth_per_address: usize,
    /// Connects and verifies per portal user, successes included.
    pub calls_per_user: usize,
    /// Verifies per account, successes included.
    pub verifies_per_account: usize,
    /// Subjects of each kind tracked at most; the least used are forgotten first.
    pub tracked_per_kind: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            per_user: 10,
            per_address: 30,
            per_client_and_user: 5,
            per_client_id: 50,
            auth_per_address: 20,
            calls_per_user: 60,
            verifies_per_account: 30,
            tracked_per_kind: 100_000,
        }
    }
}

/// Who an attempt counts against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A portal user's refused connects.
    User(String),
    /// Refused connects from an address.
    Address(IpAddr),
    /// A Client ID that SPS called invalid when this portal user tried it.
    ClientOfUser {
        /// The Client ID.
        client_id: String,
        /// The portal user.
        user_id: String,
    },
    /// A Client ID that SPS called invalid, whoever tried it.
    ClientId(String),
    /// Refused authentications from an address.
    AuthAddress(IpAddr),
    /// A portal user's connects and verifies.
    UserCalls(String),
    /// Verifies of an account.
    AccountVerifies(String),
}

impl Subject {
    /// Connects refused from `ip`, counted per /64 for IPv6.
    pub fn address(ip: IpAddr) -> Self {
        Subject::Address(network(ip))
    }

    /// Authentications refused from `ip`, counted per /64 for IPv6.
    pub fn auth_address(ip: IpAddr) -> Self {
        Subject::AuthAddress(network(ip))
    }

    /// Its kind, as a metric label: never the user, address, Client ID or account itself.
    pub fn label(&self) -> &'static str {
        match self {
            Subject::User(_) => "user",
            Subject::Address(_) => "address",
            Subject::ClientOfUser { .. } => "client_of_user",
            Subject::ClientId(_) => "client_id",
            Subject::AuthAddress(_) => "auth_address",
            Subject::UserCalls(_) => "user_calls",
            Subject::AccountVerifies(_) => "account_verifies",
        }
    }

    fn kind(&self) -> usize {
        match self {
            Subject::User(_) => 0,
            Subject::Address(_) => 1,
            Subject::ClientOfUser { .. } => 2,
            Subject::ClientId(_) => 3,
            Subject::AuthAddress(_) => 4,
            Subject::UserCalls(_) => 5,
            Subject::AccountVerifies(_) => 6,
        }
    }
}

const KINDS: usize = 7;

/// The address with its host bits cleared: one IPv6 customer holds a whole /64.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        },
    }
}

/// Counts a refusal by the kind of subject that was at its limit.
fn refusal(subject: &Subject) {
    metrics::counter!("sps_connect_limiter_refusals_total", "subject" => subject.label()).increment(1);
}

/// Seconds to wait when a subject's place is taken by attempts still in flight.
pub const IN_FLIGHT_WAIT: u64 = 5;

#[derive(Debug, Default)]
struct Window {
    counted: VecDeque<Instant>,
    in_flight: usize,
}

type Attempts = Arc<Mutex<Window>>;

/// Counts attempts per subject in a sliding window.
pub struct Limiter {
    limits: Limits,
    kinds: Vec<Cache<Subject, Attempts>>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter").field("limits", &self.limits).field("tracked", &self.tracked()).finish()
    }
}

/// Attempts in flight, taken by [`Limiter::reserve`]. Settle them once the
/// outcome is known; dropped unsettled, they all stay counted.
#[must_use = "a reservation is settled, or stays counted when dropped"]
#[derive(Debug, Default)]
pub struct Reservation {
    taken: Vec<(Subject, Attempts)>,
}

impl Reservation {
    /// Ends the attempts: those of the subjects `counts` selects stay
    /// counted for the window, the others free their place.
    pub fn settle(mut self, counts: impl Fn(&Subject) -> bool) {
        self.finish(counts);
    }

    fn finish(&mut self, counts: impl Fn(&Subject) -> bool) {
        let now = Instant::now();
        for (subject, attempts) in std::mem::take(&mut self.taken) {
            let mut window = lock(&attempts);
            window.in_flight = window.in_flight.saturating_sub(1);
            if counts(&subject) {
                window.counted.push_back(now);
            }
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.finish(|_| true);
    }
}

fn lock(attempts: &Attempts) -> std::sync::MutexGuard<'_, Window> {
    attempts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Default for Limiter {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

impl Limiter {
    /// A limiter with `limits`.
    pub fn new(limits: Limits) -> Self {
        let kinds = (0..KINDS).map(|_| Cache::new(limits.tracked_per_kind.max(1))).collect();
        Self { limits, kinds }
    }

    fn limit(&self, subject: &Subject) -> usize {
        match subject {
            Subject::User(_) => self.limits.per_user,
            Subject::Address(_) => self.limits.per_address,
            Subject::ClientOfUser { .. } => self.limits.per_client_and_user,
            Subject::ClientId(_) => self.limits.per_client_id,
            Subject::AuthAddress(_) => self.limits.auth_per_address,
            Subject::UserCalls(_) => self.limits.calls_per_user,
            Subject::AccountVerifies(_) => self.limits.verifies_per_account,
        }
    }

    /// Subjects tracked now, of every kind.
    pub fn tracked(&self) -> usize {
        self.kinds.iter().map(Cache::len).sum()
    }

    fn attempts(&self, subject: &Subject) -> Attempts {
        let cache = &self.kinds[subject.kind()];
        cache.get_or_insert_with(subject, || Ok::<_, ()>(Attempts::default())).unwrap_or_default()
    }

    /// Seconds until `subject` may try again, if its place is taken now.
    fn wait(&self, subject: &Subject, window: &mut Window, now: Instant) -> Option<u64> {
        while window.counted.front().is_some_and(|t| now.saturating_duration_since(*t) >= self.limits.window) {
            window.counted.pop_front();
        }
        let limit = self.limit(subject);
        if let Some(oldest) = window.counted.front().filter(|_| window.counted.len() >= limit) {
            let left = self.limits.window.saturating_sub(now.saturating_duration_since(*oldest));
            return Some(left.as_secs().max(1));
        }
        (window.counted.len() + window.in_flight >= limit).then_some(IN_FLIGHT_WAIT)
    }

    /// Takes a place for an attempt of each subject, unless one of them is
    /// at its limit: then nothing is taken and the answer is the seconds to wait.
    pub fn reserve(&self, subjects: &[Subject]) -> Result<Reservation, u64> {
        let now = Instant::now();
        let mut reservation = Reservation::default();
        for subject in subjects {
            let attempts = self.attempts(subject);
            let refused = {
                let mut window = lock(&attempts);
                let wait = self.wait(subject, &mut window, now);
                if wait.is_none() {
                    window.in_flight += 1;
                }
                wait
            };
            if let Some(seconds) = refused {
                reservation.settle(|_| false);
                refusal(subject);
                return Err(seconds);
            }
            reservation.taken.push((subject.clone(), attempts));
        }
        Ok(reservation)
    }

    /// `Err(seconds to wait)` if any subject is at its limit; takes nothing.
    pub fn check(&self, subjects: &[Subject]) -> Result<(), u64> {
        let now = Instant::now();
        let wait = subjects
            .iter()
            .filter_map(|subject| {
                let attempts = self.kinds[subject.kind()].get(subject)?;
                let mut window = lock(&attempts);
                self.wait(subject, &mut window, now).map(|wait| (wait, subject))
            })
            .max_by_key(|(wait, _)| *wait);
        let Some((seconds, subject)) = wait else { return Ok(()) };
        refusal(subject);
        Err(seconds)
    }

    /// Counts an attempt against each subject, at its limit or not.
    pub fn record(&self, subjects: &[Subject]) {
        let now = Instant::now();
        for subject in subjects {
            let attempts = self.attempts(subject);
            let mut window = lock(&attempts);
            window.counted.push_back(now);
            while window.counted.len() > self.limit(subject) {
                window.counted.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn limiter(window_ms: u64) -> Limiter {
        Limiter::new(Limits { window: Duration::from_millis(window_ms), per_user: 3, ..Limits::default() })
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

    // Regression: attempts were checked first and counted after SPS answered,
    // so any number of concurrent attempts passed the check.
    #[test]
    fn concurrent_reservations_never_pass_the_limit_and_settled_successes_free_their_place() {
        let limiter = Arc::new(limiter(60_000));
        let user = Subject::User("u1".into());
        let granted: Vec<_> = (0..32)
            .map(|_| {
                let (limiter, user) = (Arc::clone(&limiter), user.clone());
                std::thread::spawn(move || limiter.reserve(&[user]).ok())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .filter_map(|thread| thread.join().unwrap())
            .collect();
        assert_eq!(granted.len(), 3);
        assert_eq!(
            limiter.reserve(std::slice::from_ref(&user)).unwrap_err(),
            IN_FLIGHT_WAIT,
            "in flight: a short wait"
        );
        let mut granted = granted.into_iter();
        granted.next().unwrap().settle(|_| false);
        let fourth = limiter.reserve(std::slice::from_ref(&user)).expect("a success frees its place");
        drop(granted);
        drop(fourth);
        let wait = limiter.reserve(std::slice::from_ref(&user)).unwrap_err();
        assert!((59..=60).contains(&wait), "dropped unsettled, they stay counted: {wait}");
    }

    #[test]
    fn a_refused_reservation_counts_nothing_against_the_other_subjects() {
        let limiter = limiter(60_000);
        let (user, full) = (Subject::User("u1".into()), Subject::User("u2".into()));
        limiter.record(&[full.clone(), full.clone(), full.clone()]);
        for _ in 0..5 {
            assert!(limiter.reserve(&[user.clone(), full.clone()]).is_err());
        }
        assert!(limiter.check(std::slice::from_ref(&user)).is_ok(), "the refused attempts were not counted");
    }

    #[test]
    fn an_ipv6_customer_counts_as_one_address_per_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Subject::address(a), Subject::address(b));
        assert_ne!(Subject::address(a), Subject::address(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(Subject::address(mapped), Subject::address(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7))));
    }

    // Regression: the map grew with every distinct address until a scan of
    // the whole map under the one lock every request took.
    #[test]
    fn a_million_distinct_addresses_leave_the_tracked_subjects_bounded() {
        let limits = Limits { tracked_per_kind: 10_000, ..Limits::default() };
        let limiter = Limiter::new(limits);
        let user = Subject::User("steady".into());
        limiter.record(std::slice::from_ref(&user));
        for n in 0..1_000_000u32 {
            limiter.record(&[Subject::address(IpAddr::V4(Ipv4Addr::from(n)))]);
        }
        assert!(limiter.tracked() <= 2 * limits.tracked_per_kind, "{}", limiter.tracked());
        assert!(limiter.check(&[Subject::address(IpAddr::V4(Ipv4Addr::from(999_999)))]).is_ok());
        assert_eq!(limiter.kinds[0].len(), 1, "a flood of addresses evicts no user");
    }
}

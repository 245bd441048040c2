//! Access tokens cached per account. SPS limits how often tokens may be
//! issued, so a token is reused until shortly before it expires, and callers
//! that arrive while one is being fetched share that fetch and its outcome.

use crate::sps::exchange::Issued;
use crate::sps::failure::SpsFailure;
use oauth2::AccessToken;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Lifetime assumed when the token endpoint does not say.
pub const ASSUMED_LIFETIME: Duration = Duration::from_secs(300);
/// A token is renewed this long before it expires, or at half its life if that is sooner.
pub const RENEWAL_MARGIN: Duration = Duration::from_secs(60);
/// The longest a token is believed to live, whatever `expires_in` says.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// A token in the cache.
#[derive(Clone, Debug)]
pub struct CachedToken {
    /// The token.
    pub access_token: AccessToken,
    /// When it expires.
    pub expires_at: SystemTime,
    renew_at: Instant,
    revision: i64,
}

impl CachedToken {
    /// A token issued now for the credentials of `revision`.
    pub fn new(issued: Issued, revision: i64) -> Self {
        let lifetime = issued.expires_in.unwrap_or(ASSUMED_LIFETIME).min(MAX_LIFETIME);
        Self {
            access_token: issued.access_token,
            expires_at: SystemTime::now() + lifetime,
            renew_at: Instant::now() + renewal_delay(lifetime),
            revision,
        }
    }

    /// A token another instance fetched: it renews at `renew_at`, and is
    /// for the credentials of `revision`.
    pub fn kept(access_token: AccessToken, expires_at: SystemTime, renew_at: SystemTime, revision: i64) -> Self {
        let left = renew_at.duration_since(SystemTime::now()).unwrap_or_default();
        Self { access_token, expires_at, renew_at: Instant::now() + left, revision }
    }

    /// When it is renewed.
    pub fn renews_at(&self) -> SystemTime {
        SystemTime::now() + self.renew_at.saturating_duration_since(Instant::now())
    }

    /// The account revision whose credentials it was issued for.
    pub fn revision(&self) -> i64 {
        self.revision
    }

    fn usable(&self, revision: i64, refused: Option<&str>) -> bool {
        self.revision == revision
            && Instant::now() < self.renew_at
            && refused.is_none_or(|refused| refused != self.access_token.secret())
    }
}

/// How long after issue a token of `lifetime` is renewed.
pub fn renewal_delay(lifetime: Duration) -> Duration {
    lifetime.saturating_sub(RENEWAL_MARGIN.min(lifetime / 2))
}

/// Which cached token a caller may take.
#[derive(Clone, Copy, Debug)]
pub enum Reuse<'a> {
    /// Any current token.
    Any,
    /// Any but this one, which SPS just refused.
    Not(&'a str),
    /// Only one fetched for this call, or while it waited.
    Fresh,
}

#[derive(Default)]
struct Slot {
    fetches: AtomicU64,
    state: tokio::sync::Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    token: Option<CachedToken>,
    last_failure: Option<SpsFailure>,
}

/// The cache, one slot per account.
#[derive(Clone, Default)]
pub struct TokenCache {
    slots: Arc<Mutex<HashMap<String, Arc<Slot>>>>,
}

impl TokenCache {
    fn slot(&self, account_id: &str) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(slots.entry(account_id.to_owned()).or_default())
    }

    /// A token for the credentials of `revision` of the account: a cached one
    /// that `reuse` allows, or the outcome of `fetch`, run at most once
    /// however many callers are waiting.
    pub async fn get<F, Fut>(
        &self,
        account_id: &str,
        revision: i64,
        reuse: Reuse<'_>,
        fetch: F,
    ) -> Result<CachedToken, SpsFailure>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedToken, SpsFailure>>,
    {
        let slot = self.slot(account_id);
        let fetches_seen = slot.fetches.load(Ordering::SeqCst);
        let mut state = slot.state.lock().await;
        let fetched_while_waiting = slot.fetches.load(Ordering::SeqCst) != fetches_seen;
        if fetched_while_waiting {
            if let Some(failure) = &state.last_failure {
                return Err(failure.clone());
            }
        }
        let refused = match reuse {
            Reuse::Not(token) => Some(token),
            Reuse::Any | Reuse::Fresh => None,
        };
        let may_reuse = !matches!(reuse, Reuse::Fresh) || fetched_while_waiting;
        if let Some(token) = state.token.as_ref().filter(|t| may_reuse && t.usable(revision, refused)) {
            metrics::counter!("sps_connect_tokens_served_total", "source" => "memory").increment(1);
            return Ok(token.clone());
        }
        let outcome = fetch().await;
        match &outcome {
            Ok(token) => *state = SlotState { token: Some(token.clone()), last_failure: None },
            Err(failure) => *state = SlotState { token: None, last_failure: Some(failure.clone()) },
        }
        slot.fetches.fetch_add(1, Ordering::SeqCst);
        outcome
    }

    /// Puts a token fetched elsewhere (by a connect) in the account's slot.
    pub async fn put(&self, account_id: &str, token: CachedToken) {
        let slot = self.slot(account_id);
        *slot.state.lock().await = SlotState { token: Some(token), last_failure: None };
    }

    /// Drops the account's token: it was disconnected.
    pub fn forget(&self, account_id: &str) {
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(account_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sps_connect_wire::ErrorCode;
    use std::sync::atomic::AtomicUsize;

    fn issued(secret: &str, lifetime: u64) -> CachedToken {
        let issued =
            Issued { access_token: AccessToken::new(secret.into()), expires_in: Some(Duration::from_secs(lifetime)) };
        CachedToken::new(issued, 1)
    }

    // Regression: `expires_in` near u64::MAX overflowed the expiry and panicked.
    #[test]
    fn a_huge_expires_in_is_clamped_to_a_day() {
        let token = issued("huge", u64::MAX);
        let lifetime = token.expires_at.duration_since(SystemTime::now()).unwrap();
        assert!(lifetime <= MAX_LIFETIME && lifetime > MAX_LIFETIME - Duration::from_secs(5), "{lifetime:?}");
    }

    #[test]
    fn tokens_are_renewed_a_minute_early_or_at_half_life() {
        assert_eq!(renewal_delay(Duration::from_secs(3600)), Duration::from_secs(3540));
        assert_eq!(renewal_delay(Duration::from_secs(60)), Duration::from_secs(30));
        assert_eq!(renewal_delay(Duration::ZERO), Duration::ZERO);
    }

    #[tokio::test]
    async fn a_cached_token_is_reused_until_refused_or_for_another_revision() {
        let cache = TokenCache::default();
        let fetches = AtomicUsize::new(0);
        let fetch = |name: &'static str| {
            fetches.fetch_add(1, Ordering::SeqCst);
            async move { Ok(issued(name, 3600)) }
        };
        let first = cache.get("acc", 1, Reuse::Any, || fetch("one")).await.unwrap();
        let again = cache.get("acc", 1, Reuse::Any, || fetch("two")).await.unwrap();
        assert_eq!(again.access_token.secret(), "one");
        let after_refusal = cache.get("acc", 1, Reuse::Not(first.access_token.secret()), || fetch("three")).await;
        assert_eq!(after_refusal.unwrap().access_token.secret(), "three");
        let fresh = cache.get("acc", 1, Reuse::Fresh, || fetch("four")).await.unwrap();
        assert_eq!(fresh.access_token.secret(), "four");
        let other_revision = cache.get("acc", 2, Reuse::Any, || fetch("five")).await.unwrap();
        assert_eq!(other_revision.access_token.secret(), "five", "a relinked account never uses the old token");
        assert_eq!(fetches.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_short_lived_token_is_not_reused_past_its_renewal() {
        let cache = TokenCache::default();
        cache.get("acc", 1, Reuse::Any, || async { Ok(issued("zero", 0)) }).await.unwrap();
        let next = cache.get("acc", 1, Reuse::Any, || async { Ok(issued("next", 3600)) }).await.unwrap();
        assert_eq!(next.access_token.secret(), "next");
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch_and_its_failure() {
        let cache = TokenCache::default();
        let fetches = Arc::new(AtomicUsize::new(0));
        let (release, released) = tokio::sync::watch::channel(false);
        let call = |outcome: Result<(), ErrorCode>| {
            let (cache, fetches, mut released) = (cache.clone(), Arc::clone(&fetches), released.clone());
            tokio::spawn(async move {
                cache
                    .get("acc", 1, Reuse::Any, || async move {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        released.wait_for(|go| *go).await.unwrap();
                        outcome.map(|()| issued("shared", 3600)).map_err(|code| SpsFailure::exchange(code, "test"))
                    })
                    .await
            })
        };
        let callers: Vec<_> = (0..16).map(|_| call(Err(ErrorCode::InvalidClient))).collect();
        for _ in 0..32 {
            tokio::task::yield_now().await;
        }
        release.send(true).unwrap();
        for caller in callers {
            assert_eq!(caller.await.unwrap().unwrap_err().code, ErrorCode::InvalidClient);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "sixteen callers, one fetch");

        let later = call(Ok(())).await.unwrap().unwrap();
        assert_eq!(later.access_token.secret(), "shared", "a failure is not kept for later callers");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }
}

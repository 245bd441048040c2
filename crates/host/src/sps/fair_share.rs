//! Shares of the token exchange slots: each portal user may hold at most a
//! few of them at once, and waits for one of their own before taking a
//! global turn, so one user's burst cannot starve every other tenant.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Users whose share is tracked before dead entries are dropped.
const FIRST_PRUNE_AT: usize = 64;

/// Per-user semaphores, kept only while someone holds or awaits them.
#[derive(Debug)]
pub struct FairShare {
    per_user: usize,
    users: Mutex<Users>,
}

#[derive(Debug)]
struct Users {
    shares: HashMap<String, Weak<Semaphore>>,
    prune_at: usize,
}

impl FairShare {
    /// Shares of `per_user` slots each (at least one).
    pub fn new(per_user: usize) -> Self {
        let users = Users { shares: HashMap::new(), prune_at: FIRST_PRUNE_AT };
        Self { per_user: per_user.max(1), users: Mutex::new(users) }
    }

    /// How many slots one user may hold at once.
    pub fn per_user(&self) -> usize {
        self.per_user
    }

    fn share(&self, user: &str) -> Arc<Semaphore> {
        let mut users = self.users.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(share) = users.shares.get(user).and_then(Weak::upgrade) {
            return share;
        }
        let share = Arc::new(Semaphore::new(self.per_user));
        users.shares.insert(user.to_owned(), Arc::downgrade(&share));
        if users.shares.len() >= users.prune_at {
            users.shares.retain(|_, share| share.strong_count() > 0);
            users.prune_at = (users.shares.len() * 2).max(FIRST_PRUNE_AT);
        }
        share
    }

    /// Waits for one of `user`'s slots.
    pub async fn acquire(&self, user: &str) -> OwnedSemaphorePermit {
        self.share(user).acquire_owned().await.expect("a share's semaphore is never closed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_user_holds_at_most_their_share_and_others_still_get_theirs() {
        let shares = FairShare::new(2);
        let held = [shares.acquire("greedy").await, shares.acquire("greedy").await];
        let third = tokio::time::timeout(std::time::Duration::from_millis(50), shares.acquire("greedy")).await;
        assert!(third.is_err(), "a third slot waits");
        let _other = shares.acquire("patient").await;
        drop(held);
        let _again = shares.acquire("greedy").await;
    }

    #[tokio::test]
    async fn shares_nobody_holds_are_forgotten() {
        let shares = FairShare::new(1);
        for n in 0..10_000 {
            drop(shares.acquire(&format!("user-{n}")).await);
        }
        let tracked = shares.users.lock().unwrap().shares.len();
        assert!(tracked <= 2 * FIRST_PRUNE_AT, "{tracked}");
    }
}

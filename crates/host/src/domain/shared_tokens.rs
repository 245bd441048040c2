//! One token per account for every instance. SPS throttles token issuance,
//! so the token an instance fetches is kept in the store, sealed like a
//! secret and bound to the account's revision, and one instance at a time
//! fetches (it holds a lease row); the others wait for its token. A lease
//! ends by itself, so an instance that dies mid-fetch is replaced; a failed
//! fetch gives the lease up and the next caller tries on its own.

use crate::domain::crypto::SecretBox;
use crate::sps::failure::SpsFailure;
use crate::sps::tokens::{CachedToken, Reuse};
use crate::store::{SharedToken, StoredAccount, WorkStore};
use crate::util::times::{from_millis, to_millis, unix_millis};
use oauth2::AccessToken;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How often a caller waiting for another instance's fetch looks again.
pub const WAIT_STEP: Duration = Duration::from_millis(50);

/// The shared tokens, seen from one instance.
#[derive(Clone)]
pub struct SharedTokens {
    store: Arc<dyn WorkStore>,
    secret_box: SecretBox,
    owner: String,
    lease: Duration,
}

/// What a kept token is sealed to: it opens only for the same account and revision.
fn token_context(account_id: &str, revision: i64) -> String {
    format!("token\n{account_id}\n{revision}")
}

impl SharedTokens {
    /// Tokens kept in `store`, sealed by `secret_box`, fetched by `owner`
    /// (this instance) under a lease of `lease`: longer than a fetch can take.
    pub fn new(store: Arc<dyn WorkStore>, secret_box: SecretBox, owner: String, lease: Duration) -> Self {
        Self { store, secret_box, owner, lease }
    }

    /// A kept token `reuse` allows for the account (with [`Reuse::Fresh`],
    /// one issued since `since`, unix milliseconds), or the outcome of
    /// `fetch`, run when this instance holds the lease. A store that fails
    /// costs a token request, never the caller's token.
    pub async fn get<F, Fut>(
        &self,
        account: &StoredAccount,
        reuse: Reuse<'_>,
        since: i64,
        fetch: F,
    ) -> Result<CachedToken, SpsFailure>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedToken, SpsFailure>>,
    {
        loop {
            match self.kept(account, reuse, since).await {
                Ok(Some(token)) => {
                    metrics::counter!("sps_connect_tokens_served_total", "source" => "store").increment(1);
                    return Ok(token);
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(account = %account.id, %error, "shared tokens unavailable; fetching alone");
                    return fetch().await;
                }
            }
            let now = unix_millis();
            let until = now + self.lease.as_millis() as i64;
            match self.store.lease_token(&account.id, &self.owner, now, until).await {
                Ok(true) => {
                    // The holder before may have kept its token between the look above and the lease.
                    if let Ok(Some(token)) = self.kept(account, reuse, since).await {
                        self.give_back(&account.id).await;
                        return Ok(token);
                    }
                    return self.fetch_and_keep(account, fetch).await;
                }
                Ok(false) => tokio::time::sleep(WAIT_STEP).await,
                Err(error) => {
                    tracing::warn!(account = %account.id, %error, "shared tokens unavailable; fetching alone");
                    return fetch().await;
                }
            }
        }
    }

    async fn fetch_and_keep<F, Fut>(&self, account: &StoredAccount, fetch: F) -> Result<CachedToken, SpsFailure>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedToken, SpsFailure>>,
    {
        let outcome = fetch().await;
        metrics::counter!("sps_connect_tokens_served_total", "source" => "fetched").increment(1);
        match &outcome {
            Ok(token) => {
                if let Err(error) = self.keep(&account.id, token).await {
                    tracing::warn!(account = %account.id, %error, "the token could not be shared");
                }
            }
            Err(_) => self.give_back(&account.id).await,
        }
        outcome
    }

    async fn give_back(&self, account_id: &str) {
        if let Err(error) = self.store.release_token(account_id, &self.owner).await {
            tracing::warn!(account = %account_id, %error, "the token lease could not be given back; it will end");
        }
    }

    /// Keeps `token` for every instance, and gives up this instance's lease.
    pub async fn keep(&self, account_id: &str, token: &CachedToken) -> Result<(), crate::store::StoreError> {
        let shared = SharedToken {
            revision: token.revision(),
            sealed: self.secret_box.seal(token.access_token.secret(), &token_context(account_id, token.revision())),
            issued_at: unix_millis(),
            renew_at: to_millis(token.renews_at()),
            expires_at: to_millis(token.expires_at),
        };
        self.store.put_token(account_id, &self.owner, &shared).await
    }

    /// Forgets the account's kept token: SPS refused it.
    pub async fn drop(&self, account_id: &str) {
        if let Err(error) = self.store.drop_token(account_id).await {
            tracing::warn!(account = %account_id, %error, "the shared token could not be dropped");
        }
    }

    async fn kept(
        &self,
        account: &StoredAccount,
        reuse: Reuse<'_>,
        since: i64,
    ) -> Result<Option<CachedToken>, crate::store::StoreError> {
        let Some(shared) = self.store.shared_token(&account.id).await? else { return Ok(None) };
        let now = unix_millis();
        let fresh_enough = !matches!(reuse, Reuse::Fresh) || shared.issued_at >= since;
        if shared.revision != account.revision || shared.renew_at <= now || !fresh_enough {
            return Ok(None);
        }
        let Ok(secret) = self.secret_box.open(&shared.sealed, &token_context(&account.id, shared.revision)) else {
            return Ok(None);
        };
        if matches!(reuse, Reuse::Not(refused) if refused == secret) {
            return Ok(None);
        }
        let token = AccessToken::new(secret);
        Ok(Some(CachedToken::kept(
            token,
            from_millis(shared.expires_at),
            from_millis(shared.renew_at),
            shared.revision,
        )))
    }
}

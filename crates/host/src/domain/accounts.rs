//! What the host does with linked accounts: links them, hands out their
//! tokens, verifies them, forwards their SPS API calls and disconnects them,
//! keeping each account's status up to date along the way.

use crate::domain::activity::{ActivityLog, Actor, Detail};
use crate::domain::crypto::SecretBox;
use crate::domain::shared_tokens::SharedTokens;
use crate::domain::webhooks::{EventType, Webhooks};
use crate::sps::api::{Answer, Outbound, SpsApi};
use crate::sps::documents;
use crate::sps::exchange::TokenExchange;
use crate::sps::failure::{SpsFailure, Stage};
use crate::sps::tokens::{CachedToken, Reuse, TokenCache};
use crate::store::{
    AccountStore, ActivityKind, Check, Document, LinkUse, NewAccount, QueuedEvent, Saved, SealedAccount, StoreError,
    StoredAccount, WorkStore,
};
use crate::util::times::unix_millis;
use quick_cache::sync::Cache;
use reqwest::StatusCode;
use serde_json::json;
use sps_connect_wire::{client_id_hint, AccountStatus, ConnectRequest, Environment, LinkedAccount, Provider, Service};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A verify within this time of the last verdict on the same credentials
/// answers that verdict instead of asking SPS again.
pub const VERDICT_REUSE: Duration = Duration::from_secs(5);
/// Accounts whose last verdict is remembered at most.
const VERDICTS_TRACKED: usize = 10_000;

/// Whether a verify may answer with a verdict of the last [`VERDICT_REUSE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recent {
    /// Yes: a user clicking again gets the verdict they just had.
    Reuse,
    /// No: the portal's server asked, and SPS is asked again.
    Ignore,
}

/// Why an operation on an account failed.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// No such account (or not the caller's).
    #[error("no such account, or not the caller's")]
    NotFound,
    /// SPS refused or failed.
    #[error("SPS: {}", .0.reason)]
    Sps(SpsFailure),
    /// The store failed, or the stored secret could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SpsFailure> for AccessError {
    fn from(failure: SpsFailure) -> Self {
        AccessError::Sps(failure)
    }
}

/// Where the accounts are kept, and how they are shared between instances.
#[derive(Clone)]
pub struct AccountsStore {
    /// The accounts.
    pub accounts: Arc<dyn AccountStore>,
    /// The worker's shared state: schedules, tokens, documents.
    pub work: Arc<dyn WorkStore>,
    /// Tokens shared by every instance.
    pub shared: SharedTokens,
    /// How often each account is checked: a new or relinked account is next checked this long after.
    pub check_interval: Duration,
    /// Each account's history.
    pub activity: ActivityLog,
}

/// The linked accounts and everything needed to use them.
#[derive(Clone)]
pub struct LinkedAccounts {
    store: Arc<dyn AccountStore>,
    work: Arc<dyn WorkStore>,
    shared: SharedTokens,
    check_interval: Duration,
    exchange: TokenExchange,
    api: SpsApi,
    tokens: TokenCache,
    secret_box: SecretBox,
    services: Vec<Service>,
    webhooks: Webhooks,
    verdicts: Arc<Cache<String, (i64, Instant)>>,
    activity: ActivityLog,
}

/// The account as the contract shows it: no secret.
pub fn summary(account: StoredAccount) -> LinkedAccount {
    LinkedAccount {
        id: account.id,
        provider: Provider::SpsCommerce,
        environment: account.environment,
        client_id_hint: client_id_hint(&account.client_id),
        client_id: account.client_id.clone(),
        services: account.services,
        connected_at: account.connected_at,
        status: account.status,
        status_reason: account.status_reason,
        last_verified_at: account.last_verified_at,
        last_checked_at: account.last_checked_at.map(|ms| crate::util::times::rfc3339(ms / 1000)),
        next_check_at: account.next_check_at.map(|ms| crate::util::times::rfc3339(ms / 1000)),
        watch_documents: account.watch_documents,
    }
}

/// What a sealed secret is bound to: it opens only for the same user, environment and Client ID.
pub fn secret_context(user_id: &str, environment: Environment, client_id: &str) -> String {
    format!("{user_id}\n{}\n{client_id}", environment.as_str())
}

impl LinkedAccounts {
    /// The accounts in `store`, used through `exchange` and `api`.
    pub fn new(
        kept: AccountsStore,
        exchange: TokenExchange,
        api: SpsApi,
        secret_box: SecretBox,
        services: Vec<Service>,
        webhooks: Webhooks,
    ) -> Self {
        let verdicts = Arc::new(Cache::new(VERDICTS_TRACKED));
        let AccountsStore { accounts: store, work, shared, check_interval, activity } = kept;
        let tokens = TokenCache::default();
        Self {
            store,
            work,
            shared,
            check_interval,
            exchange,
            api,
            tokens,
            secret_box,
            services,
            webhooks,
            verdicts,
            activity,
        }
    }

    /// Each account's history.
    pub fn activity(&self) -> &ActivityLog {
        &self.activity
    }

    /// How often each account is checked.
    pub fn check_interval(&self) -> Duration {
        self.check_interval
    }

    /// The worker's shared state.
    pub fn work(&self) -> &Arc<dyn WorkStore> {
        &self.work
    }

    /// The portal's notifications.
    pub fn webhooks(&self) -> &Webhooks {
        &self.webhooks
    }

    /// The event that tells the portal's server about `account`, if webhooks are on.
    pub fn event(&self, kind: EventType, account: &StoredAccount, extra: serde_json::Value) -> Option<QueuedEvent> {
        let mut data = json!({ "user_id": account.user_id, "account": summary(account.clone()) });
        if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
            data.extend(extra.clone());
        }
        self.webhooks.draft(kind, data)
    }

    /// The SPS API client.
    pub fn api(&self) -> &SpsApi {
        &self.api
    }

    /// Confirms the credentials (a token, then the API's auth-check) and
    /// saves the link; nothing is saved unless both pass, and, `through` a
    /// hosted link, unless the link is still held by this connect. The token
    /// is kept for the account's later calls, and the connect written in
    /// the account's history as `actor`'s.
    pub async fn connect(
        &self,
        user_id: String,
        request: ConnectRequest,
        through: Option<LinkUse>,
        actor: &Actor,
    ) -> Result<(StoredAccount, Saved), AccessError> {
        let hint = client_id_hint(&request.client_id);
        let confirmed = async {
            let issued = self.exchange.request_token(&user_id, &request.client_id, &request.client_secret).await?;
            self.api.auth_check(&issued.access_token).await?;
            Ok::<_, SpsFailure>(issued)
        };
        let issued = confirmed.await.inspect_err(|failure| {
            tracing::warn!(client_id = %hint, code = ?failure.code, reason = %failure.reason, "account not confirmed");
        })?;
        let context = secret_context(&user_id, request.environment, &request.client_id);
        let new = NewAccount {
            sealed_secret: self.secret_box.seal(&request.client_secret, &context),
            user_id,
            account_id: request.account_id,
            environment: request.environment,
            client_id: request.client_id,
            services: self.services.clone(),
            connected_at: crate::util::times::now(),
            through: through.map(|through| LinkUse { now: crate::util::times::unix_now(), ..through }),
            next_check_at: unix_millis() + self.check_interval.as_millis() as i64,
        };
        let link_id = new.through.as_ref().map(|through| through.link_id.clone());
        let via_link = link_id.clone();
        let this = self.clone();
        let events = Box::new(move |(account, saved): &(StoredAccount, Saved)| {
            let kind = if *saved == Saved::Created { EventType::AccountCreated } else { EventType::AccountUpdated };
            let used =
                link_id.as_ref().and_then(|id| this.event(EventType::LinkUsed, account, json!({ "link_id": id })));
            this.event(kind, account, json!({})).into_iter().chain(used).collect()
        });
        let (account, saved) = self.store.save(new, events).await?;
        self.webhooks.wake();
        let token = CachedToken::new(issued, account.revision);
        if let Err(error) = self.shared.keep(&account.id, &token).await {
            tracing::warn!(account = %account.id, %error, "the new token could not be shared");
        }
        self.tokens.put(&account.id, token).await;
        let kind = if saved == Saved::Created { ActivityKind::Connected } else { ActivityKind::Reconnected };
        self.activity.token_issued(&account.id, actor).await;
        self.activity.note(&account.id, kind, actor, Detail::of(&account)).await;
        tracing::info!(account = %account.id, client_id = %hint, environment = account.environment.as_str(), ?saved, link = ?via_link, "account connected");
        Ok((account, saved))
    }

    /// The user's accounts.
    pub async fn list(&self, user_id: String) -> Result<Vec<StoredAccount>, AccessError> {
        Ok(self.store.list(&user_id).await?)
    }

    /// One account; with `owner`, only if it is that user's.
    pub async fn find(&self, account_id: &str, owner: Option<&str>) -> Result<SealedAccount, AccessError> {
        let found = self.store.find(account_id).await?;
        found.filter(|sealed| owner.is_none_or(|owner| sealed.account.user_id == owner)).ok_or(AccessError::NotFound)
    }

    async fn record(&self, account: &StoredAccount, check: Check, actor: &Actor) -> Result<StoredAccount, AccessError> {
        let (id, revision) = (account.id.clone(), account.revision);
        if let Check::Refused(code) = &check {
            tracing::warn!(account = %id, code = code.as_str(), "account needs attention");
        }
        let this = self.clone();
        let event = Box::new(move |account: &StoredAccount| {
            let kind = match account.status {
                AccountStatus::NeedsAttention => EventType::AccountNeedsAttention,
                AccountStatus::Active => EventType::AccountRecovered,
            };
            this.event(kind, account, json!({}))
        });
        let (after, changed) =
            self.store.record_check(&id, revision, &check, event).await?.ok_or(AccessError::NotFound)?;
        if changed {
            if after.status == AccountStatus::Active {
                tracing::info!(account = %id, "account recovered");
            }
            self.webhooks.wake();
            self.activity.note(&id, ActivityKind::StatusChanged, actor, Detail::of(&after)).await;
        }
        Ok(after)
    }

    /// A token for the account, from the cache when `reuse` allows. If SPS
    /// refuses the stored credentials, the account is marked `needs_attention`.
    /// A token SPS issues is counted in the account's history as `actor`'s.
    pub async fn token(
        &self,
        sealed: &SealedAccount,
        reuse: Reuse<'_>,
        actor: &Actor,
    ) -> Result<CachedToken, AccessError> {
        let account = &sealed.account;
        let since = unix_millis();
        let exchange = || async {
            let context = secret_context(&account.user_id, account.environment, &account.client_id);
            let secret = self.secret_box.open(&sealed.sealed_secret, &context).map_err(|_| {
                SpsFailure::at(
                    Stage::StoredSecret,
                    sps_connect_wire::ErrorCode::InternalError,
                    "the sealed secret does not open with the configured key",
                )
            })?;
            let issued = self.exchange.request_token(&account.user_id, &account.client_id, &secret).await?;
            self.activity.token_issued(&account.id, actor).await;
            Ok(CachedToken::new(issued, account.revision))
        };
        let fetch = || self.shared.get(account, reuse, since, exchange);
        match self.tokens.get(&account.id, account.revision, reuse, fetch).await {
            Ok(token) => Ok(token),
            Err(failure) => {
                tracing::warn!(account = %account.id, code = ?failure.code, reason = %failure.reason, "token exchange failed");
                if failure.needs_attention() {
                    self.shared.drop(&account.id).await;
                    self.record(account, Check::Refused(failure.code), actor).await?;
                }
                Err(failure.into())
            }
        }
    }

    /// Runs a fresh exchange and the auth-check and records the verdict. A
    /// refusal is a verdict (the account comes back `needs_attention`); a
    /// passing fault (SPS down, throttling) is an error and changes nothing.
    /// With [`Recent::Reuse`], within [`VERDICT_REUSE`] of the last verdict
    /// on the same credentials, the account is answered as that verdict left
    /// it, without asking SPS. A verdict is written in the account's history as `actor`'s.
    pub async fn verify(
        &self,
        sealed: &SealedAccount,
        recent: Recent,
        actor: &Actor,
    ) -> Result<StoredAccount, AccessError> {
        let account = &sealed.account;
        let recent = recent == Recent::Reuse
            && self
                .verdicts
                .get(&account.id)
                .is_some_and(|(revision, at)| revision == account.revision && at.elapsed() < VERDICT_REUSE);
        if recent {
            return Ok(self.find(&account.id, None).await?.account);
        }
        let verdict = self.check(sealed, actor).await?;
        self.verdicts.insert(account.id.clone(), (account.revision, Instant::now()));
        self.activity.note(&account.id, ActivityKind::Verified, actor, Detail::of(&verdict)).await;
        Ok(verdict)
    }

    async fn check(&self, sealed: &SealedAccount, actor: &Actor) -> Result<StoredAccount, AccessError> {
        let token = match self.token(sealed, Reuse::Fresh, actor).await {
            Ok(token) => token,
            Err(AccessError::Sps(failure)) if failure.needs_attention() => {
                return Ok(self.find(&sealed.account.id, None).await?.account);
            }
            Err(other) => return Err(other),
        };
        match self.api.auth_check(&token.access_token).await {
            Ok(()) => self.record(&sealed.account, Check::Passed(crate::util::times::now()), actor).await,
            Err(failure) if failure.needs_attention() => {
                self.tokens.forget(&sealed.account.id);
                self.shared.drop(&sealed.account.id).await;
                self.record(&sealed.account, Check::Refused(failure.code), actor).await
            }
            Err(failure) => Err(failure.into()),
        }
    }

    /// Sends `outbound` to the SPS API with the account's token; on a 401
    /// the token is renewed once and the call made once more.
    pub async fn forward(
        &self,
        sealed: &SealedAccount,
        outbound: &Outbound,
        actor: &Actor,
    ) -> Result<Answer, AccessError> {
        let token = self.token(sealed, Reuse::Any, actor).await?;
        let answer = self.api.forward(outbound, &token.access_token).await?;
        if answer.status != StatusCode::UNAUTHORIZED {
            return Ok(answer);
        }
        tracing::info!(account = %sealed.account.id, "the SPS API refused the cached token; renewing it once");
        let renewed = self.token(sealed, Reuse::Not(token.access_token.secret()), actor).await?;
        Ok(self.api.forward(outbound, &renewed.access_token).await?)
    }

    /// Every document waiting in the account's `out/` folder, read page by
    /// page with the account's token, by the worker.
    pub async fn waiting_documents(&self, sealed: &SealedAccount) -> Result<Vec<Document>, AccessError> {
        let mut documents = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..documents::MAX_PAGES {
            let request = documents::page_request(&self.api.config().base, cursor.as_deref());
            let page = documents::read_page(&self.forward(sealed, &request, &Actor::WORKER).await?)?;
            documents
                .extend(page.documents.into_iter().map(|listed| Document { path: listed.path, kind: listed.kind }));
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(documents),
            }
        }
        Err(SpsFailure::at(
            Stage::Api,
            sps_connect_wire::ErrorCode::InternalError,
            "the document list has too many pages",
        )
        .into())
    }

    /// Turns document watching on or off for the account.
    pub async fn watch_documents(&self, account_id: &str, on: bool) -> Result<StoredAccount, AccessError> {
        self.work.set_watch_documents(account_id, on).await?.ok_or(AccessError::NotFound)
    }

    /// Removes the account, its secret and its token; its history stays.
    pub async fn disconnect(&self, account: &StoredAccount, actor: &Actor) -> Result<bool, AccessError> {
        let event = self.event(EventType::AccountDeleted, account, json!({}));
        let removed = self.store.delete(&account.id, event.as_ref()).await?;
        self.tokens.forget(&account.id);
        if removed {
            tracing::info!(account = %account.id, "account disconnected");
            self.activity.note(&account.id, ActivityKind::Disconnected, actor, Detail::default()).await;
            self.webhooks.wake();
        }
        Ok(removed)
    }
}

//! Hosted connect links: the rules of a link ([`rules`]: what may be minted,
//! a link's state, its token) and the one service that applies them
//! ([`HostedLinks`]): minting, listing, revoking, trading a link for a
//! session, and holding a link for the connect that uses it up.

mod rules;

pub use rules::*;

use crate::domain::accounts::{AccessError, LinkedAccounts};
use crate::store::{LinkRecord, LinkStore, LinkUse, StoreError};
use crate::util::times::unix_now;
use sps_connect_wire::ConnectRequest;
use std::sync::Arc;
use std::time::Duration;

/// How links are minted and held.
#[derive(Clone, Debug, Default)]
pub struct LinkSettings {
    /// Origins a link's `return_url` may lead to.
    pub return_origins: Vec<String>,
    /// Whether a link may be minted without saying whom it is for.
    pub anonymous: bool,
    /// How long a connect holds its link: longer than a connect can take.
    pub claim: Duration,
}

/// How a connect's request is not what its link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutOfScope {
    /// A reconnect link, and the request names another account or none.
    OtherAccount,
    /// A link for a new account, and the request names an account.
    NewAccountOnly,
    /// The link is for the other environment's keys.
    OtherEnvironment,
}

/// Why a hosted link could not be minted, found or used.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The request breaks a minting rule.
    #[error("the request breaks a minting rule: {0:?}")]
    Rule(LinkRule),
    /// `account_id` names no account of the link's user.
    #[error("no account of this user has that id")]
    UnknownAccount,
    /// No link has this id.
    #[error("no link has this id")]
    NotFound,
    /// The link was used up; it can no longer be revoked.
    #[error("the link was already used")]
    AlreadyUsed,
    /// The link cannot be used: its state, or `None` when no link has that token.
    #[error("the link cannot be used ({0:?})")]
    Unusable(Option<LinkState>),
    /// The connect is not what the link is for.
    #[error("the connect is not what the link is for ({0:?})")]
    OutOfScope(OutOfScope),
    /// Another connect holds the link right now.
    #[error("another connect holds the link")]
    InUse,
    /// Looking up the link's account failed.
    #[error(transparent)]
    Access(AccessError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A link just minted: its token goes into its URL and nowhere else.
#[derive(Debug)]
pub struct MintedLink {
    /// Its public id, `lnk_…`.
    pub id: String,
    /// The random token of its URL.
    pub token: String,
    /// When it stops working, unix seconds.
    pub expires_at: i64,
}

/// The hosted links and their rules. Cheap to clone.
#[derive(Clone)]
pub struct HostedLinks {
    store: Arc<dyn LinkStore>,
    accounts: LinkedAccounts,
    settings: Arc<LinkSettings>,
}

impl HostedLinks {
    /// Links in `store`, for the accounts of `accounts`.
    pub fn new(store: Arc<dyn LinkStore>, accounts: LinkedAccounts, settings: LinkSettings) -> Self {
        Self { store, accounts, settings: Arc::new(settings) }
    }

    /// Checks `request` against the rules and saves a new link.
    pub async fn create(&self, request: LinkRequest) -> Result<MintedLink, LinkError> {
        let (token, record) = new_link(&request, unix_now(), self.settings.anonymous).map_err(LinkError::Rule)?;
        if let Some(return_url) = &record.return_url {
            check_return_url(return_url, &self.settings.return_origins).map_err(LinkError::Rule)?;
        }
        if let Some(account_id) = &record.account_id {
            self.accounts.find(account_id, Some(&record.user_id)).await.map_err(|error| match error {
                AccessError::NotFound => LinkError::UnknownAccount,
                other => LinkError::Access(other),
            })?;
        }
        let minted = MintedLink { id: record.id.clone(), token, expires_at: record.expires_at };
        self.store.create_link(record).await?;
        tracing::info!(link = %minted.id, "hosted link created");
        Ok(minted)
    }

    /// The user's links that can still be used, newest first.
    pub async fn open_for(&self, user_id: String) -> Result<Vec<LinkRecord>, LinkError> {
        Ok(self.store.open_links(&user_id, unix_now()).await?)
    }

    /// Revokes the link (again, if it was); a used link cannot be.
    pub async fn revoke(&self, id: String) -> Result<(), LinkError> {
        let link = self.find(&id).await?.ok_or(LinkError::NotFound)?;
        if link.used_at.is_some() {
            return Err(LinkError::AlreadyUsed);
        }
        self.store.revoke_link(&id, unix_now()).await?;
        Ok(())
    }

    /// The link whose URL carries `token`, whatever became of it.
    pub async fn by_token(&self, token: &str) -> Result<Option<LinkRecord>, LinkError> {
        Ok(self.store.link_by_token(&token_hash(token)).await?)
    }

    /// The link whose URL carries `token`, if it can still be used.
    pub async fn usable_by_token(&self, token: &str) -> Result<LinkRecord, LinkError> {
        usable(self.by_token(token).await?)
    }

    async fn find(&self, id: &str) -> Result<Option<LinkRecord>, LinkError> {
        Ok(self.store.link(id).await?)
    }

    /// Holds the session's link for `request`, if it is still usable and the
    /// request is what it is for: a new account, or its own account in its
    /// environment. The hold ends when the connect saves through it, or at
    /// [`HostedLinks::release`].
    pub async fn hold_for(&self, link_id: &str, request: &ConnectRequest) -> Result<LinkUse, LinkError> {
        let link = usable(self.find(link_id).await?)?;
        let scope = match (&link.account_id, &request.account_id) {
            (Some(own), Some(asked)) if own == asked => None,
            (Some(_), _) => Some(OutOfScope::OtherAccount),
            (None, Some(_)) => Some(OutOfScope::NewAccountOnly),
            (None, None) => None,
        };
        let environment = link.environment.filter(|environment| *environment != request.environment);
        if let Some(out) = scope.or(environment.map(|_| OutOfScope::OtherEnvironment)) {
            return Err(LinkError::OutOfScope(out));
        }
        let claim = crate::util::ids::random_id("clm", 16);
        let now = unix_now();
        let until = now.saturating_add(self.settings.claim.as_secs().try_into().unwrap_or(i64::MAX));
        if self.store.claim_link(&link.id, &claim, now, until).await? {
            return Ok(LinkUse { link_id: link.id, claim, now });
        }
        usable(self.find(&link.id).await?)?;
        Err(LinkError::InUse)
    }

    /// Gives a held link back after a connect that did not use it up.
    pub async fn release(&self, held: Option<LinkUse>) {
        let Some(held) = held else { return };
        if let Err(error) = self.store.release_link(&held.link_id, &held.claim).await {
            tracing::warn!(link = %held.link_id, %error, "could not give a hosted link back; it frees itself after its hold");
        }
    }
}

/// `link`, if there is one and it can be used now.
fn usable(link: Option<LinkRecord>) -> Result<LinkRecord, LinkError> {
    let link = link.ok_or(LinkError::Unusable(None))?;
    match state(&link, unix_now()) {
        LinkState::Open => Ok(link),
        other => Err(LinkError::Unusable(Some(other))),
    }
}

//! Each account's history, as the host writes it: who acted ([`Actor`]) and
//! what came of it. An entry that cannot be written is logged and the
//! operation it reports goes on: the history never fails a connect, a check
//! or a call.

use crate::store::{ActivityKind, ActivityRecord, ActivityStore, NewActivity, StoreError, StoredAccount};
use crate::util::times::unix_millis;
use sps_connect_wire::ErrorCode;
use std::net::IpAddr;
use std::sync::Arc;

/// One hour, in milliseconds: tokens are counted per hour.
const HOUR_MS: i64 = 3_600_000;

/// Who asked for what the history records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorKind {
    /// The portal's server, with the admin key.
    Portal,
    /// A portal user, with a connect session from the portal.
    User,
    /// A portal user, with a connect session from a hosted link.
    Link,
    /// The host's own worker.
    Worker,
}

impl ActorKind {
    /// The identifier stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Portal => "portal",
            ActorKind::User => "user",
            ActorKind::Link => "link",
            ActorKind::Worker => "worker",
        }
    }
}

/// Who acted, and from which address when a request caused it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    /// Who.
    pub kind: ActorKind,
    /// The client's address, if a request caused it.
    pub address: Option<IpAddr>,
}

impl Actor {
    /// The host's worker, which has no address.
    pub const WORKER: Actor = Actor { kind: ActorKind::Worker, address: None };
}

/// What an entry says about the account besides what happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Detail {
    /// The status it reports.
    pub status: Option<&'static str>,
    /// SPS's refusal.
    pub error_code: Option<ErrorCode>,
}

impl Detail {
    /// The account's status (and its reason) as `account` has them.
    pub fn of(account: &StoredAccount) -> Self {
        Self { status: Some(account.status.as_str()), error_code: account.status_reason }
    }
}

/// Writes and reads the accounts' history. Clones share the store.
#[derive(Clone)]
pub struct ActivityLog {
    store: Arc<dyn ActivityStore>,
}

impl ActivityLog {
    /// A log kept in `store`.
    pub fn new(store: Arc<dyn ActivityStore>) -> Self {
        Self { store }
    }

    async fn add(&self, entry: NewActivity) {
        let (account, kind) = (entry.account_id.clone(), entry.kind);
        if let Err(error) = self.store.add_activity(entry).await {
            tracing::warn!(%account, kind = kind.as_str(), %error, "the account's history could not be written");
        }
    }

    /// Records that `kind` happened to `account_id`, by `actor`.
    pub async fn note(&self, account_id: &str, kind: ActivityKind, actor: &Actor, detail: Detail) {
        self.add(NewActivity {
            account_id: account_id.to_owned(),
            kind,
            actor: actor.kind.as_str(),
            client_address: actor.address.map(|address| address.to_string()),
            status: detail.status,
            error_code: detail.error_code.map(ErrorCode::as_str),
            at: unix_millis(),
        })
        .await;
    }

    /// Counts a token SPS issued for `account_id` at `actor`'s request, in this hour's entry.
    pub async fn token_issued(&self, account_id: &str, actor: &Actor) {
        let now = unix_millis();
        self.add(NewActivity {
            account_id: account_id.to_owned(),
            kind: ActivityKind::TokensIssued,
            actor: actor.kind.as_str(),
            client_address: None,
            status: None,
            error_code: None,
            at: now - now.rem_euclid(HOUR_MS),
        })
        .await;
    }

    /// Up to `limit` entries of the account's history before the entry `before`, newest first.
    pub async fn page(
        &self,
        account_id: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<ActivityRecord>, StoreError> {
        self.store.activity(account_id, before, limit).await
    }
}

//! Re-seals every stored secret under the newest encryption key, so that an
//! older key can leave the key ring. Each account is re-sealed on its own and
//! only if its sealed value is unchanged, so the command can be interrupted
//! and run again at any time, even while hosts are serving.

use crate::domain::accounts::secret_context;
use crate::domain::crypto::SecretBox;
use crate::store::{AccountStore, StoreError};

/// What a run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RewrapReport {
    /// Accounts re-sealed under the newest key.
    pub rewrapped: usize,
    /// Accounts already sealed under it.
    pub current: usize,
    /// Accounts whose secret no key of the ring opens: their ids.
    pub unreadable: Vec<String>,
}

/// Re-seals every account of `store` not yet under the newest key of `secret_box`.
pub async fn rewrap(store: &dyn AccountStore, secret_box: &SecretBox) -> Result<RewrapReport, StoreError> {
    let mut report = RewrapReport::default();
    for id in store.all_ids().await? {
        let Some(sealed) = store.find(&id).await? else { continue };
        if secret_box.is_current(&sealed.sealed_secret) {
            report.current += 1;
            continue;
        }
        let account = &sealed.account;
        let context = secret_context(&account.user_id, account.environment, &account.client_id);
        let Ok(secret) = secret_box.open(&sealed.sealed_secret, &context) else {
            report.unreadable.push(id);
            continue;
        };
        let resealed = secret_box.seal(&secret, &context);
        if store.replace_sealed_secret(&id, &sealed.sealed_secret, &resealed).await? {
            report.rewrapped += 1;
        } else {
            report.current += 1;
        }
    }
    Ok(report)
}

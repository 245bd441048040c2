//! Hosted connect links: only a hash of each link's token is kept, so the
//! database cannot be used to open a link.

use super::{blocking, SqliteStore, StoreError};
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use sps_connect_wire::Environment;

/// A link to save.
#[derive(Clone, Debug)]
pub struct NewLinkRecord {
    /// Its public id, `lnk_…`.
    pub id: String,
    /// SHA-256 of the token in its URL.
    pub token_hash: Vec<u8>,
    /// The portal user it connects for.
    pub user_id: String,
    /// The account it reconnects, if any.
    pub account_id: Option<String>,
    /// The environment it is locked to, if any.
    pub environment: Option<Environment>,
    /// The page's language, if set.
    pub locale: Option<String>,
    /// Where the confirmation leads back to, if anywhere.
    pub return_url: Option<String>,
    /// Whom the portal says the link is for (a name or e-mail), shown on its page.
    pub for_whom: Option<String>,
    /// When it was made, unix seconds.
    pub created_at: i64,
    /// When it stops working, unix seconds.
    pub expires_at: i64,
}

/// A saved link and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkRecord {
    /// Its public id.
    pub id: String,
    /// The portal user it connects for.
    pub user_id: String,
    /// The account it reconnects, if any.
    pub account_id: Option<String>,
    /// The environment it is locked to, if any.
    pub environment: Option<Environment>,
    /// The page's language, if set.
    pub locale: Option<String>,
    /// Where the confirmation leads back to, if anywhere.
    pub return_url: Option<String>,
    /// Whom the portal says the link is for, shown on its page.
    pub for_whom: Option<String>,
    /// When it was made, unix seconds.
    pub created_at: i64,
    /// When it stops working, unix seconds.
    pub expires_at: i64,
    /// When a connect used it up, unix seconds.
    pub used_at: Option<i64>,
    /// When the portal revoked it, unix seconds.
    pub revoked_at: Option<i64>,
}

/// Storage for hosted links. Every call is async; SQLite's run on the blocking thread pool.
#[async_trait]
pub trait LinkStore: Send + Sync + 'static {
    /// Saves a new link.
    async fn create_link(&self, link: NewLinkRecord) -> Result<(), StoreError>;
    /// The link whose token hashes to `token_hash`.
    async fn link_by_token(&self, token_hash: &[u8]) -> Result<Option<LinkRecord>, StoreError>;
    /// The link with this id.
    async fn link(&self, id: &str) -> Result<Option<LinkRecord>, StoreError>;
    /// The user's links that can still be used at `now`, newest first.
    async fn open_links(&self, user_id: &str, now: i64) -> Result<Vec<LinkRecord>, StoreError>;
    /// Takes the open link for one connect until `until` (unix seconds), if
    /// no other connect holds it; whether it was taken. Only a save that
    /// names the same `claim` can use the link up (see
    /// [`super::AccountStore::save`]); after `until` another connect may take it.
    async fn claim_link(&self, id: &str, claim: &str, now: i64, until: i64) -> Result<bool, StoreError>;
    /// Gives the link back after a connect that did not use it up.
    async fn release_link(&self, id: &str, claim: &str) -> Result<(), StoreError>;
    /// Marks the link revoked at `now` if it was not already used or revoked; whether it was.
    async fn revoke_link(&self, id: &str, now: i64) -> Result<bool, StoreError>;
    /// Deletes the links used, revoked or expired before `before` (unix
    /// seconds); how many.
    async fn purge_links(&self, before: i64) -> Result<u64, StoreError>;
}

#[async_trait]
impl LinkStore for SqliteStore {
    async fn create_link(&self, link: NewLinkRecord) -> Result<(), StoreError> {
        let this = self.clone();
        blocking(move || this.create_link_blocking(link)).await
    }

    async fn link_by_token(&self, token_hash: &[u8]) -> Result<Option<LinkRecord>, StoreError> {
        let (this, token_hash) = (self.clone(), token_hash.to_vec());
        blocking(move || this.link_by_token_blocking(&token_hash)).await
    }

    async fn link(&self, id: &str) -> Result<Option<LinkRecord>, StoreError> {
        let (this, id) = (self.clone(), id.to_owned());
        blocking(move || this.link_blocking(&id)).await
    }

    async fn open_links(&self, user_id: &str, now: i64) -> Result<Vec<LinkRecord>, StoreError> {
        let (this, user_id) = (self.clone(), user_id.to_owned());
        blocking(move || this.open_links_blocking(&user_id, now)).await
    }

    async fn claim_link(&self, id: &str, claim: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        let (this, id, claim) = (self.clone(), id.to_owned(), claim.to_owned());
        blocking(move || this.claim_link_blocking(&id, &claim, now, until)).await
    }

    async fn release_link(&self, id: &str, claim: &str) -> Result<(), StoreError> {
        let (this, id, claim) = (self.clone(), id.to_owned(), claim.to_owned());
        blocking(move || this.release_link_blocking(&id, &claim)).await
    }

    async fn revoke_link(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let (this, id) = (self.clone(), id.to_owned());
        blocking(move || this.revoke_link_blocking(&id, now)).await
    }

    async fn purge_links(&self, before: i64) -> Result<u64, StoreError> {
        let this = self.clone();
        blocking(move || this.purge_links_blocking(before)).await
    }
}

/// The link columns both stores read, in the order their row readers expect.
pub(super) const LINK_COLUMNS: &str =
    "id, user_id, account_id, environment, locale, return_url, created_at, expires_at, used_at, revoked_at, for_whom";

fn row_to_link(row: &rusqlite::Row<'_>) -> rusqlite::Result<LinkRecord> {
    let environment: Option<String> = row.get(3)?;
    Ok(LinkRecord {
        id: row.get(0)?,
        user_id: row.get(1)?,
        account_id: row.get(2)?,
        environment: environment.map(|e| super::environment_from(&e)),
        locale: row.get(4)?,
        return_url: row.get(5)?,
        created_at: row.get(6)?,
        expires_at: row.get(7)?,
        used_at: row.get(8)?,
        revoked_at: row.get(9)?,
        for_whom: row.get(10)?,
    })
}

impl SqliteStore {
    fn create_link_blocking(&self, link: NewLinkRecord) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT INTO links (id, token_hash, user_id, account_id, environment, locale, return_url, created_at, \
             expires_at, for_whom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                link.id,
                link.token_hash,
                link.user_id,
                link.account_id,
                link.environment.map(Environment::as_str),
                link.locale,
                link.return_url,
                link.created_at,
                link.expires_at,
                link.for_whom
            ],
        )?;
        Ok(())
    }

    fn link_by_token_blocking(&self, token_hash: &[u8]) -> Result<Option<LinkRecord>, StoreError> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM links WHERE token_hash = ?1");
        Ok(self.connection().query_row(&sql, params![token_hash], row_to_link).optional()?)
    }

    fn link_blocking(&self, id: &str) -> Result<Option<LinkRecord>, StoreError> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM links WHERE id = ?1");
        Ok(self.connection().query_row(&sql, params![id], row_to_link).optional()?)
    }

    fn open_links_blocking(&self, user_id: &str, now: i64) -> Result<Vec<LinkRecord>, StoreError> {
        let connection = self.connection();
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM links WHERE user_id = ?1 AND used_at IS NULL AND revoked_at IS NULL \
             AND expires_at > ?2 ORDER BY created_at DESC, id"
        );
        let mut statement = connection.prepare(&sql)?;
        let links = statement.query_map(params![user_id, now], row_to_link)?.collect::<Result<Vec<_>, _>>()?;
        Ok(links)
    }

    fn claim_link_blocking(&self, id: &str, claim: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        let changed = self.connection().execute(
            "UPDATE links SET claim = ?2, claimed_until = ?4 WHERE id = ?1 AND used_at IS NULL \
             AND revoked_at IS NULL AND expires_at > ?3 AND (claimed_until IS NULL OR claimed_until <= ?3)",
            params![id, claim, now, until],
        )?;
        Ok(changed > 0)
    }

    fn release_link_blocking(&self, id: &str, claim: &str) -> Result<(), StoreError> {
        self.connection().execute(
            "UPDATE links SET claim = NULL, claimed_until = NULL WHERE id = ?1 AND claim = ?2",
            params![id, claim],
        )?;
        Ok(())
    }

    fn revoke_link_blocking(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let changed = self.connection().execute(
            "UPDATE links SET revoked_at = ?2 WHERE id = ?1 AND used_at IS NULL AND revoked_at IS NULL",
            params![id, now],
        )?;
        Ok(changed > 0)
    }

    fn purge_links_blocking(&self, before: i64) -> Result<u64, StoreError> {
        let removed = self
            .connection()
            .execute("DELETE FROM links WHERE used_at < ?1 OR revoked_at < ?1 OR expires_at < ?1", params![before])?;
        Ok(removed as u64)
    }
}

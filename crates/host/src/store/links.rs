//! Hosted connect links: only a hash of each link's token is kept, so the
//! database cannot be used to open a link.

use super::{SqliteStore, StoreError};
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

/// Storage for hosted links. Calls block; run them off the async runtime.
pub trait LinkStore: Send + Sync + 'static {
    /// Saves a new link.
    fn create_link(&self, link: NewLinkRecord) -> Result<(), StoreError>;
    /// The link whose token hashes to `token_hash`.
    fn link_by_token(&self, token_hash: &[u8]) -> Result<Option<LinkRecord>, StoreError>;
    /// The link with this id.
    fn link(&self, id: &str) -> Result<Option<LinkRecord>, StoreError>;
    /// The user's links that can still be used at `now`, newest first.
    fn open_links(&self, user_id: &str, now: i64) -> Result<Vec<LinkRecord>, StoreError>;
    /// Takes the open link for one connect until `until` (unix seconds), if
    /// no other connect holds it; whether it was taken. Only a save that
    /// names the same `claim` can use the link up (see
    /// [`super::AccountStore::save`]); after `until` another connect may take it.
    fn claim_link(&self, id: &str, claim: &str, now: i64, until: i64) -> Result<bool, StoreError>;
    /// Gives the link back after a connect that did not use it up.
    fn release_link(&self, id: &str, claim: &str) -> Result<(), StoreError>;
    /// Marks the link revoked at `now` if it was not already used or revoked; whether it was.
    fn revoke_link(&self, id: &str, now: i64) -> Result<bool, StoreError>;
    /// Deletes the links used, revoked or expired before `before` (unix
    /// seconds); how many.
    fn purge_links(&self, before: i64) -> Result<u64, StoreError>;
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

impl LinkStore for SqliteStore {
    fn create_link(&self, link: NewLinkRecord) -> Result<(), StoreError> {
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

    fn link_by_token(&self, token_hash: &[u8]) -> Result<Option<LinkRecord>, StoreError> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM links WHERE token_hash = ?1");
        Ok(self.connection().query_row(&sql, params![token_hash], row_to_link).optional()?)
    }

    fn link(&self, id: &str) -> Result<Option<LinkRecord>, StoreError> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM links WHERE id = ?1");
        Ok(self.connection().query_row(&sql, params![id], row_to_link).optional()?)
    }

    fn open_links(&self, user_id: &str, now: i64) -> Result<Vec<LinkRecord>, StoreError> {
        let connection = self.connection();
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM links WHERE user_id = ?1 AND used_at IS NULL AND revoked_at IS NULL \
             AND expires_at > ?2 ORDER BY created_at DESC, id"
        );
        let mut statement = connection.prepare(&sql)?;
        let links = statement.query_map(params![user_id, now], row_to_link)?.collect::<Result<Vec<_>, _>>()?;
        Ok(links)
    }

    fn claim_link(&self, id: &str, claim: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        let changed = self.connection().execute(
            "UPDATE links SET claim = ?2, claimed_until = ?4 WHERE id = ?1 AND used_at IS NULL \
             AND revoked_at IS NULL AND expires_at > ?3 AND (claimed_until IS NULL OR claimed_until <= ?3)",
            params![id, claim, now, until],
        )?;
        Ok(changed > 0)
    }

    fn release_link(&self, id: &str, claim: &str) -> Result<(), StoreError> {
        self.connection().execute(
            "UPDATE links SET claim = NULL, claimed_until = NULL WHERE id = ?1 AND claim = ?2",
            params![id, claim],
        )?;
        Ok(())
    }

    fn revoke_link(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let changed = self.connection().execute(
            "UPDATE links SET revoked_at = ?2 WHERE id = ?1 AND used_at IS NULL AND revoked_at IS NULL",
            params![id, now],
        )?;
        Ok(changed > 0)
    }

    fn purge_links(&self, before: i64) -> Result<u64, StoreError> {
        let removed = self
            .connection()
            .execute("DELETE FROM links WHERE used_at < ?1 OR revoked_at < ?1 OR expires_at < ?1", params![before])?;
        Ok(removed as u64)
    }
}

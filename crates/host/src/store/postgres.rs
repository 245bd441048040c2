//! The PostgreSQL store, for several host instances sharing one database.
//!
//! Every call is awaited on the host's own runtime, through a `deadpool`
//! connection pool; the store knows nothing of SQLite (the copy command
//! bridges the two).

use super::links::{LinkRecord, LinkStore, NewLinkRecord, LINK_COLUMNS};
use super::outbox::{
    record, state_condition, DeliveryRecord, DeliveryState, EventOutbox, PendingEvent, DELIVERY_COLUMNS,
};
use super::{
    check_outcome, environment_from, new_account_id, services_from_text, services_to_text, status_from, AccountStore,
    Check, EventFor, EventsFor, NewAccount, QueuedEvent, Saved, SealedAccount, StoreError, StoredAccount, COLUMNS,
    MIGRATIONS_TABLE,
};
use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use sps_connect_wire::{Environment, ErrorCode};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;
use tokio_postgres_rustls::MakeRustlsConnect;

mod activity;
mod work;

/// Queries through statements prepared once per pooled connection
/// (deadpool's statement cache): a query then takes one round trip to the
/// server instead of two (prepare, then execute).
#[async_trait]
trait Prepared: GenericClient {
    async fn cached_execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.execute(&statement, params).await
    }

    async fn cached_query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query(&statement, params).await
    }

    async fn cached_query_one(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query_one(&statement, params).await
    }

    async fn cached_query_opt(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query_opt(&statement, params).await
    }
}

impl<C: GenericClient> Prepared for C {}

impl super::Store for PostgresStore {
    fn schema_version(&self) -> usize {
        postgres_migrations::migrations::runner().get_migrations().len()
    }
}

#[async_trait]
impl super::Health for PostgresStore {
    async fn ready(&self, known: usize) -> Result<(), StoreError> {
        let sql = format!("SELECT COALESCE(MAX(version), 0) FROM {MIGRATIONS_TABLE}");
        let found: i32 = self.pool.get().await?.cached_query_one(&sql, &[]).await?.get(0);
        super::health::current(found as usize, known)
    }

    async fn census(&self) -> Result<super::health::Census, StoreError> {
        use super::health::{accounts_by_status_sql, waiting_sql, Census};
        let client = self.pool.get().await?;
        let found: Vec<(String, i64)> = client
            .cached_query(&accounts_by_status_sql("sps_connect_accounts"), &[])
            .await?
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        let waiting = client.cached_query_one(&waiting_sql("sps_connect_webhook_events"), &[]).await?;
        Ok(Census::new(&found, waiting.get(0), waiting.get(1)))
    }
}

mod postgres_migrations {
    refinery::embed_migrations!("migrations/postgres");
}

/// The longest a request waits for a free pooled connection.
pub const POOL_WAIT: Duration = Duration::from_secs(10);
/// The longest opening a new connection may take.
pub const CONNECT_WAIT: Duration = Duration::from_secs(10);

/// Whether a cause of `error` is a certificate that could not be verified.
fn certificate_cause(error: &tokio_postgres::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        if inner.to_string().contains("certificate") {
            return true;
        }
        cause = inner.source();
    }
    false
}

/// Any number that no other application on the server is likely to lock.
const MIGRATION_LOCK: i64 = 0x5350_5343_4f4e_4e31;

/// The PostgreSQL account store.
pub struct PostgresStore {
    pool: Pool,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://…`) with up to
    /// `pool_size` connections and brings its schema up to date. Several
    /// hosts may start at once: one migrates, the others wait for it.
    ///
    /// TLS is required, and the server's certificate always verified, chain
    /// and host name, against the certificates of `ca_file` (PEM) or else
    /// the public web roots; only `sslmode=disable` in the URL connects in
    /// plain text (`prefer` would fall back to it silently, so it means `require`).
    pub async fn connect(url: &str, pool_size: usize, ca_file: Option<&Path>) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|e| StoreError::setup("SPS_CONNECT_DATABASE is not a PostgreSQL URL", e))?;
        if config.get_ssl_mode() != tokio_postgres::config::SslMode::Disable {
            config.ssl_mode(tokio_postgres::config::SslMode::Require);
        }
        let tls = MakeRustlsConnect::new(tls_config(ca_file)?);
        let manager = Manager::from_config(config, tls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(CONNECT_WAIT))
            .wait_timeout(Some(POOL_WAIT))
            .build()
            .map_err(|e| StoreError::setup("PostgreSQL pool", e))?;
        let store = Self { pool };
        migrate(&store.pool).await.map_err(|error| match error {
            StoreError::Postgres(error) if error.to_string().contains("certificate") || certificate_cause(&error) => {
                StoreError::Certificate(error)
            }
            other => other,
        })?;
        Ok(store)
    }
}

impl PostgresStore {
    /// Its connection pool, for the copy command.
    pub(super) fn pool(&self) -> &Pool {
        &self.pool
    }
}

fn tls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, StoreError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Some(path) => {
            let what = format!("SPS_CONNECT_DATABASE_CA_FILE {}", path.display());
            for certificate in CertificateDer::pem_file_iter(path).map_err(|e| StoreError::setup(&what, e))? {
                let certificate = certificate.map_err(|e| StoreError::setup(&what, e))?;
                roots.add(certificate).map_err(|e| StoreError::setup(&what, e))?;
            }
            if roots.is_empty() {
                return Err(StoreError::setup(what, "no certificate in the file"));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::setup("TLS", e))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Brings the schema up to date with the migration files
/// (`migrations/postgres`), one instance at a time: the others wait on an
/// advisory lock. A database made before the files existed kept its version
/// in `sps_connect_schema`: its migrations are recorded as applied without
/// running them again.
async fn migrate(pool: &Pool) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).await?;
    let migrated = migrate_locked(&mut client).await;
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).await;
    migrated?;
    unlocked?;
    Ok(())
}

async fn migrate_locked(client: &mut tokio_postgres::Client) -> Result<(), StoreError> {
    let runner = || {
        let mut runner = postgres_migrations::migrations::runner();
        runner.set_migration_table_name(MIGRATIONS_TABLE);
        runner
    };
    let known = runner().get_migrations().len();
    let exists = "SELECT to_regclass($1) IS NOT NULL";
    let recorded: bool = client.query_one(exists, &[&MIGRATIONS_TABLE]).await?.get(0);
    let applied = if recorded {
        let last = runner().get_last_applied_migration_async(client).await.map_err(StoreError::Migration)?;
        last.map_or(0, |migration| migration.version() as usize)
    } else if client.query_one(exists, &[&"sps_connect_schema"]).await?.get::<_, bool>(0) {
        let row = client.query_opt("SELECT version FROM sps_connect_schema", &[]).await?;
        row.map_or(0, |row| row.get::<_, i32>(0) as usize)
    } else {
        0
    };
    if applied > known {
        return Err(StoreError::NewerSchema { found: applied, known });
    }
    if !recorded && applied > 0 {
        let baseline = runner().set_target(refinery::Target::FakeVersion(applied as i32));
        baseline.run_async(client).await.map_err(StoreError::Migration)?;
    }
    runner().set_grouped(true).run_async(client).await.map_err(StoreError::Migration)?;
    Ok(())
}

fn row_to_account(row: &Row) -> StoredAccount {
    StoredAccount {
        id: row.get(0),
        user_id: row.get(1),
        environment: environment_from(row.get(2)),
        client_id: row.get(3),
        services: services_from_text(row.get(4)),
        connected_at: row.get(5),
        status: status_from(row.get(6)),
        status_reason: row.get::<_, Option<&str>>(7).map(ErrorCode::from_name),
        last_verified_at: row.get(8),
        revision: row.get(9),
        last_checked_at: row.get(10),
        next_check_at: row.get(11),
        watch_documents: row.get::<_, i32>(12) != 0,
    }
}

fn row_to_link(row: &Row) -> LinkRecord {
    LinkRecord {
        id: row.get(0),
        user_id: row.get(1),
        account_id: row.get(2),
        environment: row.get::<_, Option<&str>>(3).map(environment_from),
        locale: row.get(4),
        return_url: row.get(5),
        created_at: row.get(6),
        expires_at: row.get(7),
        used_at: row.get(8),
        revoked_at: row.get(9),
        for_whom: row.get(10),
    }
}

async fn select_one(client: &impl GenericClient, account_id: &str) -> Result<Option<StoredAccount>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM sps_connect_accounts WHERE id = $1");
    Ok(client.cached_query_opt(&sql, &[&account_id]).await?.as_ref().map(row_to_account))
}

async fn queue_event(client: &impl GenericClient, event: &QueuedEvent) -> Result<(), StoreError> {
    client
        .cached_execute(
            "INSERT INTO sps_connect_webhook_events (id, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $3)",
            &[&event.id, &event.body, &event.created_at_ms],
        )
        .await?;
    Ok(())
}

#[async_trait]
impl AccountStore for PostgresStore {
    #[tracing::instrument(name = "store.save", skip_all, fields(db.system.name = "postgresql"))]
    async fn save(
        &self,
        new: NewAccount,
        events: EventsFor<(StoredAccount, Saved)>,
    ) -> Result<(StoredAccount, Saved), StoreError> {
        let pool = &self.pool;
        let mut client = pool.get().await?;
        let transaction = client.transaction().await?;
        if let Some(through) = &new.through {
            let used = transaction
                .cached_execute(
                    "UPDATE sps_connect_links SET used_at = $3, claim = NULL, claimed_until = NULL \
                         WHERE id = $1 AND claim = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
                    &[&through.link_id, &through.claim, &through.now],
                )
                .await?;
            if used == 0 {
                return Err(StoreError::LinkUnusable);
            }
        }
        let services = services_to_text(&new.services);
        let environment = new.environment.as_str();
        let (id, saved) = match &new.account_id {
            Some(id) => {
                let updated = transaction
                    .cached_query_opt(
                        "UPDATE sps_connect_accounts SET environment = $1, client_id = $2, \
                             client_secret_sealed = $3, services = $4, connected_at = $5, status = 'active', \
                             status_reason = NULL, last_verified_at = $5, revision = revision + 1, \
                             next_check_at = $8 WHERE id = $6 AND user_id = $7 RETURNING id",
                        &[
                            &environment,
                            &new.client_id,
                            &new.sealed_secret,
                            &services,
                            &new.connected_at,
                            id,
                            &new.user_id,
                            &new.next_check_at,
                        ],
                    )
                    .await?;
                (updated.ok_or(StoreError::UnknownAccount)?.get::<_, String>(0), Saved::Updated)
            }
            None => {
                // One statement, so that two instances relinking the same
                // credentials at once end with one account, not a conflict.
                let row = transaction
                    .cached_query_one(
                        "INSERT INTO sps_connect_accounts (id, user_id, environment, client_id, \
                             client_secret_sealed, services, connected_at, status, status_reason, \
                             last_verified_at, revision, next_check_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', NULL, $7, 1, $8) \
                             ON CONFLICT (user_id, environment, client_id) DO UPDATE SET \
                             client_secret_sealed = EXCLUDED.client_secret_sealed, services = EXCLUDED.services, \
                             connected_at = EXCLUDED.connected_at, status = 'active', status_reason = NULL, \
                             last_verified_at = EXCLUDED.connected_at, \
                             revision = sps_connect_accounts.revision + 1, \
                             next_check_at = EXCLUDED.next_check_at \
                             RETURNING id, (xmax = 0) AS inserted",
                        &[
                            &new_account_id(),
                            &new.user_id,
                            &environment,
                            &new.client_id,
                            &new.sealed_secret,
                            &services,
                            &new.connected_at,
                            &new.next_check_at,
                        ],
                    )
                    .await?;
                let saved = if row.get::<_, bool>(1) { Saved::Created } else { Saved::Updated };
                (row.get(0), saved)
            }
        };
        let account = select_one(&transaction, &id).await?.ok_or(StoreError::UnknownAccount)?;
        let outcome = (account, saved);
        for event in events(&outcome) {
            queue_event(&transaction, &event).await?;
        }
        transaction.commit().await?;
        Ok(outcome)
    }

    #[tracing::instrument(name = "store.list", skip_all, fields(db.system.name = "postgresql"))]
    async fn list(&self, user_id: &str) -> Result<Vec<StoredAccount>, StoreError> {
        let pool = &self.pool;
        let sql =
            format!("SELECT {COLUMNS} FROM sps_connect_accounts WHERE user_id = $1 ORDER BY connected_at DESC, id");
        let rows = pool.get().await?.cached_query(&sql, &[&user_id]).await?;
        Ok(rows.iter().map(row_to_account).collect())
    }

    #[tracing::instrument(name = "store.find", skip_all, fields(db.system.name = "postgresql"))]
    async fn find(&self, account_id: &str) -> Result<Option<SealedAccount>, StoreError> {
        let pool = &self.pool;
        let sql = format!("SELECT {COLUMNS}, client_secret_sealed FROM sps_connect_accounts WHERE id = $1");
        let row = pool.get().await?.cached_query_opt(&sql, &[&account_id]).await?;
        Ok(row.map(|row| SealedAccount { account: row_to_account(&row), sealed_secret: row.get(13) }))
    }

    #[tracing::instrument(name = "store.record_check", skip_all, fields(db.system.name = "postgresql"))]
    async fn record_check(
        &self,
        account_id: &str,
        revision: i64,
        check: &Check,
        event: EventFor<StoredAccount>,
    ) -> Result<Option<(StoredAccount, bool)>, StoreError> {
        let pool = &self.pool;
        let mut client = pool.get().await?;
        let transaction = client.transaction().await?;
        let sql = format!("SELECT {COLUMNS} FROM sps_connect_accounts WHERE id = $1 FOR UPDATE");
        let Some(before) = transaction.cached_query_opt(&sql, &[&account_id]).await?.as_ref().map(row_to_account)
        else {
            return Ok(None);
        };
        match check {
            Check::Passed(at) => {
                transaction
                    .cached_execute(
                        "UPDATE sps_connect_accounts SET status = 'active', status_reason = NULL, \
                             last_verified_at = $1 WHERE id = $2 AND revision = $3",
                        &[at, &account_id, &revision],
                    )
                    .await?
            }
            Check::Refused(code) => {
                transaction
                    .cached_execute(
                        "UPDATE sps_connect_accounts SET status = 'needs_attention', status_reason = $1 \
                             WHERE id = $2 AND revision = $3",
                        &[&code.as_str(), &account_id, &revision],
                    )
                    .await?
            }
        };
        let Some(after) = select_one(&transaction, account_id).await? else { return Ok(None) };
        let (changed, to_queue) = check_outcome(&before, &after, &event);
        if let Some(event) = to_queue {
            queue_event(&transaction, &event).await?;
        }
        transaction.commit().await?;
        Ok(Some((after, changed)))
    }

    #[tracing::instrument(name = "store.delete", skip_all, fields(db.system.name = "postgresql"))]
    async fn delete(&self, account_id: &str, event: Option<&QueuedEvent>) -> Result<bool, StoreError> {
        let pool = &self.pool;
        let mut client = pool.get().await?;
        let transaction = client.transaction().await?;
        let removed =
            transaction.cached_execute("DELETE FROM sps_connect_accounts WHERE id = $1", &[&account_id]).await? > 0;
        transaction
            .cached_execute("DELETE FROM sps_connect_account_tokens WHERE account_id = $1", &[&account_id])
            .await?;
        transaction
            .cached_execute("DELETE FROM sps_connect_announced_documents WHERE account_id = $1", &[&account_id])
            .await?;
        if let Some(event) = event.filter(|_| removed) {
            queue_event(&transaction, event).await?;
        }
        transaction.commit().await?;
        Ok(removed)
    }

    async fn all_ids(&self) -> Result<Vec<String>, StoreError> {
        let pool = &self.pool;
        let rows = pool.get().await?.cached_query("SELECT id FROM sps_connect_accounts ORDER BY id", &[]).await?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    async fn replace_sealed_secret(&self, account_id: &str, old: &[u8], new: &[u8]) -> Result<bool, StoreError> {
        let pool = &self.pool;
        let changed = pool
            .get()
            .await?
            .cached_execute(
                "UPDATE sps_connect_accounts SET client_secret_sealed = $1 WHERE id = $2 \
                     AND client_secret_sealed = $3",
                &[&new, &account_id, &old],
            )
            .await?;
        Ok(changed > 0)
    }
}

#[async_trait]
impl LinkStore for PostgresStore {
    async fn create_link(&self, link: NewLinkRecord) -> Result<(), StoreError> {
        let pool = &self.pool;
        pool.get()
            .await?
            .cached_execute(
                "INSERT INTO sps_connect_links (id, token_hash, user_id, account_id, environment, locale, \
                     return_url, created_at, expires_at, for_whom) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[
                    &link.id,
                    &link.token_hash,
                    &link.user_id,
                    &link.account_id,
                    &link.environment.map(Environment::as_str),
                    &link.locale,
                    &link.return_url,
                    &link.created_at,
                    &link.expires_at,
                    &link.for_whom,
                ],
            )
            .await?;
        Ok(())
    }

    async fn link_by_token(&self, token_hash: &[u8]) -> Result<Option<LinkRecord>, StoreError> {
        let pool = &self.pool;
        let sql = format!("SELECT {LINK_COLUMNS} FROM sps_connect_links WHERE token_hash = $1");
        Ok(pool.get().await?.cached_query_opt(&sql, &[&token_hash]).await?.as_ref().map(row_to_link))
    }

    async fn link(&self, id: &str) -> Result<Option<LinkRecord>, StoreError> {
        let pool = &self.pool;
        let sql = format!("SELECT {LINK_COLUMNS} FROM sps_connect_links WHERE id = $1");
        Ok(pool.get().await?.cached_query_opt(&sql, &[&id]).await?.as_ref().map(row_to_link))
    }

    async fn open_links(&self, user_id: &str, now: i64) -> Result<Vec<LinkRecord>, StoreError> {
        let pool = &self.pool;
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM sps_connect_links WHERE user_id = $1 AND used_at IS NULL \
                 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC, id"
        );
        let rows = pool.get().await?.cached_query(&sql, &[&user_id, &now]).await?;
        Ok(rows.iter().map(row_to_link).collect())
    }

    async fn claim_link(&self, id: &str, claim: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        let pool = &self.pool;
        let changed = pool
            .get()
            .await?
            .cached_execute(
                "UPDATE sps_connect_links SET claim = $2, claimed_until = $4 WHERE id = $1 AND used_at IS NULL \
                     AND revoked_at IS NULL AND expires_at > $3 AND (claimed_until IS NULL OR claimed_until <= $3)",
                &[&id, &claim, &now, &until],
            )
            .await?;
        Ok(changed > 0)
    }

    async fn release_link(&self, id: &str, claim: &str) -> Result<(), StoreError> {
        let pool = &self.pool;
        pool.get()
            .await?
            .cached_execute(
                "UPDATE sps_connect_links SET claim = NULL, claimed_until = NULL WHERE id = $1 AND claim = $2",
                &[&id, &claim],
            )
            .await?;
        Ok(())
    }

    async fn revoke_link(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let pool = &self.pool;
        let changed = pool
            .get()
            .await?
            .cached_execute(
                "UPDATE sps_connect_links SET revoked_at = $2 WHERE id = $1 AND used_at IS NULL \
                     AND revoked_at IS NULL",
                &[&id, &now],
            )
            .await?;
        Ok(changed > 0)
    }

    async fn purge_links(&self, before: i64) -> Result<u64, StoreError> {
        let pool = &self.pool;
        let sql = "DELETE FROM sps_connect_links WHERE used_at < $1 OR revoked_at < $1 OR expires_at < $1";
        Ok(pool.get().await?.cached_execute(sql, &[&before]).await?)
    }
}

#[async_trait]
impl EventOutbox for PostgresStore {
    async fn claim_due_events(
        &self,
        now: i64,
        limit: usize,
        lease_until: i64,
    ) -> Result<Vec<PendingEvent>, StoreError> {
        let pool = &self.pool;
        // SKIP LOCKED: instances polling at once each take different events.
        let rows = pool
            .get()
            .await?
            .cached_query(
                "WITH due AS (SELECT seq FROM sps_connect_webhook_events WHERE delivered_at IS NULL \
                     AND given_up_at IS NULL AND next_attempt_at <= $1 ORDER BY seq LIMIT $2 \
                     FOR UPDATE SKIP LOCKED) \
                     UPDATE sps_connect_webhook_events AS e SET next_attempt_at = $3 FROM due \
                     WHERE e.seq = due.seq RETURNING e.seq, e.id, e.body, e.attempts",
                &[&now, &(limit as i64), &lease_until],
            )
            .await?;
        let mut claimed: Vec<(i64, PendingEvent)> = rows
            .iter()
            .map(|row| {
                let attempts: i32 = row.get(3);
                (row.get(0), PendingEvent { id: row.get(1), body: row.get(2), attempts: attempts as u32 })
            })
            .collect();
        claimed.sort_by_key(|(seq, _)| *seq);
        Ok(claimed.into_iter().map(|(_, event)| event).collect())
    }

    async fn event_delivered(&self, id: &str, status: u16, now: i64) -> Result<(), StoreError> {
        self.pool
            .get()
            .await?
            .cached_execute(
                "UPDATE sps_connect_webhook_events SET delivered_at = $2, attempts = attempts + 1, \
                 last_status = $3, last_attempt_at = $2 WHERE id = $1",
                &[&id, &now, &i32::from(status)],
            )
            .await?;
        Ok(())
    }

    async fn event_failed(
        &self,
        id: &str,
        status: Option<u16>,
        next_attempt_at: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.pool
            .get()
            .await?
            .cached_execute(
                "UPDATE sps_connect_webhook_events SET attempts = attempts + 1, last_status = $2::INTEGER, \
                 last_attempt_at = $3::BIGINT, next_attempt_at = COALESCE($4::BIGINT, next_attempt_at), \
                 given_up_at = CASE WHEN $4::BIGINT IS NULL THEN $3::BIGINT ELSE NULL END WHERE id = $1",
                &[&id, &status.map(i32::from), &now, &next_attempt_at],
            )
            .await?;
        Ok(())
    }

    async fn deliveries(
        &self,
        state: Option<DeliveryState>,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let sql = format!(
            "SELECT seq, {DELIVERY_COLUMNS} FROM sps_connect_webhook_events WHERE {} AND seq < $1 \
             ORDER BY seq DESC LIMIT $2",
            state_condition(state)
        );
        let rows = self.pool.get().await?.cached_query(&sql, &[&before.unwrap_or(i64::MAX), &(limit as i64)]).await?;
        Ok(rows.iter().map(postgres_record).collect())
    }

    async fn redeliver(&self, id: &str, now: i64) -> Result<Option<DeliveryRecord>, StoreError> {
        let client = self.pool.get().await?;
        client
            .cached_execute(
                "UPDATE sps_connect_webhook_events SET attempts = 0, next_attempt_at = $2, delivered_at = NULL, \
                 given_up_at = NULL WHERE id = $1",
                &[&id, &now],
            )
            .await?;
        let sql = format!("SELECT seq, {DELIVERY_COLUMNS} FROM sps_connect_webhook_events WHERE id = $1");
        Ok(client.cached_query_opt(&sql, &[&id]).await?.as_ref().map(postgres_record))
    }

    async fn queue(&self, event: &QueuedEvent) -> Result<(), StoreError> {
        queue_event(&self.pool.get().await?, event).await
    }

    async fn purge_events(&self, before: i64) -> Result<u64, StoreError> {
        let pool = &self.pool;
        let sql = "DELETE FROM sps_connect_webhook_events WHERE delivered_at < $1 OR given_up_at < $1";
        Ok(pool.get().await?.cached_execute(sql, &[&before]).await?)
    }
}

fn postgres_record(row: &Row) -> DeliveryRecord {
    record(
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get::<_, i32>(4).into(),
        row.get::<_, Option<i32>>(5).map(i64::from),
        row.get(6),
        row.get(7),
        row.get(8),
        row.get(9),
    )
}

//! The store's behaviour, the same on SQLite and on PostgreSQL: every test
//! below runs once on each (`sqlite::…` and `postgres::…`).

mod support;

use sps_connect_host::store::{
    ActivityKind, Check, DeliveryState, Document, LinkRecord, LinkUse, NewAccount, NewActivity, NewLinkRecord,
    PostgresStore, QueuedEvent, Saved, SharedToken, SqliteStore, Store, StoreError, StoredAccount,
};
use sps_connect_wire::{AccountStatus, Environment, ErrorCode, Service};
use std::sync::Arc;

fn sqlite() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("nested/accounts.sqlite")).unwrap();
    (dir, Arc::new(store))
}

async fn postgres() -> Arc<dyn Store> {
    Arc::new(PostgresStore::connect(&support::postgres_database(), 8, None).await.unwrap())
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread")]
            async fn $name() {
                let (_dir, store) = super::sqlite();
                super::$name(store).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread")]
            async fn $name() {
                super::$name(super::postgres().await).await;
            })*
        }
    };
}

on_both!(
    the_history_is_paged_newest_first_counts_per_hour_and_outlives_its_account,
    the_census_counts_accounts_by_status_and_the_events_waiting,
    relinking_the_same_client_updates_instead_of_duplicating,
    accounts_are_separate_per_user_and_per_client,
    account_id_updates_that_account_of_that_user_only,
    moving_an_account_onto_another_links_client_is_a_conflict,
    find_returns_the_account_with_its_sealed_secret_and_owner,
    checks_set_the_status_unless_the_account_was_saved_again_since,
    delete_removes_the_account_and_its_secret,
    a_sealed_secret_is_replaced_only_if_unchanged,
    a_change_and_its_event_are_written_together,
    concurrent_relinks_of_one_client_leave_one_account,
    a_link_is_used_or_revoked_once_and_only_while_open,
    a_link_is_held_by_one_claim_at_a_time_and_used_only_by_it,
    concurrent_claims_of_one_link_leave_one_holder,
    finished_links_and_events_are_purged_after_retention,
    an_event_is_claimed_by_one_deliverer_until_its_lease_ends,
    delivered_and_abandoned_events_are_never_due_again,
    a_due_check_is_held_by_one_owner_until_its_lease_ends,
    concurrent_sweeps_take_each_due_account_once,
    a_token_lease_has_one_holder_and_a_kept_token_its_revision,
    a_listing_announces_each_path_once_and_forgets_what_left,
    only_watching_accounts_are_listed_unless_every_account_is,
    deliveries_are_listed_newest_first_by_state_and_redelivered_with_their_id,
);

mod postgres_schema {
    use super::*;

    // Regression: without `sslmode` the driver preferred TLS and, when the
    // server declined it, went on in plain text.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_server_that_declines_tls_is_refused_unless_sslmode_is_disable() {
        use std::io::{Read, Write};
        for query in ["", "?sslmode=prefer", "?sslmode=require"] {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let address = listener.local_addr().unwrap();
            let server = std::thread::spawn(move || {
                let (mut stream, _) = listener.accept().unwrap();
                let mut request = [0u8; 8];
                stream.read_exact(&mut request).unwrap();
                stream.write_all(b"N").unwrap();
                stream.set_read_timeout(Some(std::time::Duration::from_secs(2))).unwrap();
                let mut in_clear = Vec::new();
                let _ = stream.read_to_end(&mut in_clear);
                (request, in_clear)
            });
            let outcome = PostgresStore::connect(&format!("postgres://app:pw@{address}/sps{query}"), 1, None).await;
            assert!(outcome.is_err(), "{query}");
            let (request, in_clear) = server.join().unwrap();
            assert_eq!(request[4..], 80_877_103u32.to_be_bytes(), "{query}: it asked for TLS");
            assert!(in_clear.is_empty(), "{query}: {} bytes sent in plain text", in_clear.len());
        }
    }

    // Regression: instances starting together must not race to create the tables.
    #[tokio::test(flavor = "multi_thread")]
    async fn instances_starting_at_once_migrate_once() {
        let url = support::postgres_database();
        let starts: Vec<_> = (0..8)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move {
                    PostgresStore::connect(&url, 2, None).await.map(|_| ()).map_err(|e| e.to_string())
                })
            })
            .collect();
        for start in futures::future::join_all(starts).await {
            start.unwrap().unwrap();
        }
        let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url, 2, None).await.unwrap());
        save(&store, new_account("u1", "clientA", None)).await.unwrap();
    }

    // Regression: a database restart (or a proxy dropping idle connections) must not break the host.
    #[tokio::test(flavor = "multi_thread")]
    async fn connections_the_server_dropped_are_replaced() {
        let url = support::postgres_database();
        let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url, 4, None).await.unwrap());
        save(&store, new_account("u1", "clientA", None)).await.unwrap();
        let name = url.rsplit('/').next().unwrap().split('?').next().unwrap();
        support::postgres_execute(
            &url,
            &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"),
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(store.list("u1").await.unwrap().len(), 1);
        save(&store, new_account("u1", "clientB", None)).await.unwrap();
    }

    // Regression: a database migrated by the hand-kept steps before the
    // migration files must be taken over, not migrated twice.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_database_of_the_last_hand_kept_schema_is_taken_over_in_place() {
        let url = support::postgres_database();
        let today = format!(
            "{}{}CREATE TABLE sps_connect_schema (version INTEGER NOT NULL); INSERT INTO sps_connect_schema VALUES (2); \
             INSERT INTO sps_connect_accounts (id, user_id, environment, client_id, client_secret_sealed, services, \
             connected_at) VALUES ('acc_today', 'u1', 'sandbox', 'clientA', '\\x010203', 'transaction', 'now');",
            include_str!("../migrations/postgres/V1__tables.sql"),
            include_str!("../migrations/postgres/V2__link_for_and_claims.sql"),
        );
        support::postgres_execute(&url, &today);
        let store: Arc<dyn Store> =
            Arc::new(PostgresStore::connect(&url, 2, None).await.expect("V2's ALTERs would fail if they ran again"));
        assert!(store.find("acc_today").await.unwrap().is_some());
        drop(store);
        PostgresStore::connect(&url, 2, None).await.expect("and connected again");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_schema_newer_than_the_host_is_refused() {
        let url = support::postgres_database();
        drop(PostgresStore::connect(&url, 2, None).await.unwrap());
        support::postgres_execute(
            &url,
            "INSERT INTO sps_connect_migrations (version, name, applied_on, checksum) \
             VALUES (99, 'from_a_newer_host', '2030-01-01T00:00:00Z', '0')",
        );
        let refused = PostgresStore::connect(&url, 2, None).await.err().map(|e| e.to_string()).unwrap();
        assert!(refused.contains("schema version 99, newer than this host knows"), "{refused}");
    }
}

mod postgres_tls {
    use super::*;

    async fn connect(url: &str, ca: Option<&std::path::Path>) -> Result<PostgresStore, String> {
        PostgresStore::connect(url, 2, ca).await.map_err(|e| e.to_string())
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_store_connects_over_verified_tls() {
        let (url, ca) = support::postgres_tls_database();
        let store: Arc<dyn Store> = Arc::new(connect(&format!("{url}?sslmode=require"), Some(&ca)).await.unwrap());
        save(&store, new_account("u1", "clientA", None)).await.unwrap();
        assert_eq!(store.list("u1").await.unwrap().len(), 1);
    }

    // Regression: proves the role above could only have connected with TLS.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_tls_only_role_is_refused_without_tls() {
        let (url, _) = support::postgres_tls_database();
        let refused = connect(&format!("{url}?sslmode=disable"), None).await.err().unwrap();
        assert!(refused.contains("no encryption"), "{refused}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_server_certificate_of_an_untrusted_authority_is_refused() {
        let (url, _) = support::postgres_tls_database();
        let refused = connect(&format!("{url}?sslmode=require"), None).await.err().unwrap();
        assert!(refused.contains("certificate") && refused.contains("SPS_CONNECT_DATABASE_CA_FILE"), "{refused}");
    }
}

fn new_account(user: &str, client_id: &str, account_id: Option<&str>) -> NewAccount {
    NewAccount {
        user_id: user.into(),
        account_id: account_id.map(Into::into),
        environment: Environment::Sandbox,
        client_id: client_id.into(),
        sealed_secret: vec![1, 2, 3],
        services: vec![Service::Transaction, Service::PackingSlip],
        connected_at: "2026-11-29T10:00:00Z".into(),
        through: None,
        next_check_at: i64::MAX,
    }
}

async fn save(store: &Arc<dyn Store>, account: NewAccount) -> Result<(StoredAccount, Saved), StoreError> {
    store.save(account, Box::new(|_| Vec::new())).await
}

fn event(id: &str, at: i64) -> QueuedEvent {
    QueuedEvent { id: id.into(), body: format!(r#"{{"id":"{id}"}}"#), created_at_ms: at }
}

async fn claimed(store: &Arc<dyn Store>, now: i64, lease_until: i64) -> Vec<String> {
    store.claim_due_events(now, 10, lease_until).await.unwrap().into_iter().map(|e| e.id).collect()
}

async fn relinking_the_same_client_updates_instead_of_duplicating(store: Arc<dyn Store>) {
    let (first, saved) = save(&store, new_account("u1", "clientA", None)).await.unwrap();
    assert_eq!(saved, Saved::Created);
    let (second, saved) = save(&store, new_account("u1", "clientA", None)).await.unwrap();
    assert_eq!((saved, &second.id), (Saved::Updated, &first.id));
    assert_eq!(second.revision, first.revision + 1);
    assert_eq!(store.list("u1").await.unwrap().len(), 1);
    assert_eq!(store.list("u1").await.unwrap()[0].services, vec![Service::Transaction, Service::PackingSlip]);
}

async fn accounts_are_separate_per_user_and_per_client(store: Arc<dyn Store>) {
    save(&store, new_account("u1", "clientA", None)).await.unwrap();
    save(&store, new_account("u1", "clientB", None)).await.unwrap();
    save(&store, new_account("u2", "clientA", None)).await.unwrap();
    assert_eq!(store.list("u1").await.unwrap().len(), 2);
    assert_eq!(store.list("u2").await.unwrap().len(), 1);
    assert!(store.list("u3").await.unwrap().is_empty());
}

async fn account_id_updates_that_account_of_that_user_only(store: Arc<dyn Store>) {
    let (account, _) = save(&store, new_account("u1", "clientA", None)).await.unwrap();
    let (updated, saved) = save(&store, new_account("u1", "clientC", Some(&account.id))).await.unwrap();
    assert_eq!(
        (saved, updated.id.as_str(), updated.client_id.as_str()),
        (Saved::Updated, account.id.as_str(), "clientC")
    );
    assert!(matches!(
        save(&store, new_account("u2", "clientA", Some(&account.id))).await,
        Err(StoreError::UnknownAccount)
    ));
    assert!(matches!(
        save(&store, new_account("u1", "clientA", Some("acc_missing"))).await,
        Err(StoreError::UnknownAccount)
    ));
}

async fn moving_an_account_onto_another_links_client_is_a_conflict(store: Arc<dyn Store>) {
    let (a, _) = save(&store, new_account("u1", "clientA", None)).await.unwrap();
    save(&store, new_account("u1", "clientB", None)).await.unwrap();
    assert!(matches!(save(&store, new_account("u1", "clientB", Some(&a.id))).await, Err(StoreError::Conflict)));
    assert_eq!(store.find(&a.id).await.unwrap().unwrap().account.client_id, "clientA", "unchanged");
}

async fn find_returns_the_account_with_its_sealed_secret_and_owner(store: Arc<dyn Store>) {
    let (account, _) = save(&store, new_account("u1", "clientA", None)).await.unwrap();
    let found = store.find(&account.id).await.unwrap().unwrap();
    assert_eq!(found.sealed_secret, vec![1, 2, 3]);
    assert_eq!(found.account, account);
    assert_eq!(found.account.user_id, "u1");
    assert_eq!(found.account.status, AccountStatus::Active);
    assert_eq!(found.account.last_verified_at.as_deref(), Some("2026-11-29T10:00:00Z"));
    assert!(store.find("acc_missing").await.unwrap().is_none());
}

async fn checks_set_the_status_unless_the_account_was_saved_again_since(store: Arc<dyn Store>) {
    let (account, _) = save(&store, new_account("u1", "clientA", None)).await.unwrap();
    let refused = store
        .record_check(&account.id, account.revision, &Check::Refused(ErrorCode::InvalidClient), Box::new(|_| None))
        .await;
    let (refused, changed) = refused.unwrap().unwrap();
    assert!(changed);
    assert_eq!(
        (refused.status, refused.status_reason),
        (AccountStatus::NeedsAttention, Some(ErrorCode::InvalidClient))
    );
    assert_eq!(refused.last_verified_at, account.last_verified_at, "a refusal is not a verification");

    let passed = store
        .record_check(&account.id, account.revision, &Check::Passed("2026-11-30T08:00:00Z".into()), Box::new(|_| None))
        .await;
    let (passed, changed) = passed.unwrap().unwrap();
    assert!(changed);
    assert_eq!((passed.status, passed.status_reason), (AccountStatus::Active, None));
    assert_eq!(passed.last_verified_at.as_deref(), Some("2026-11-30T08:00:00Z"));

    let (relinked, _) = save(&store, new_account("u1", "clientA", None)).await.unwrap();
    let stale = store
        .record_check(&account.id, account.revision, &Check::Refused(ErrorCode::AccessDenied), Box::new(|_| None))
        .await;
    let (stale, changed) = stale.unwrap().unwrap();
    assert_eq!((stale.status, changed), (AccountStatus::Active, false), "a check of old credentials is ignored");
    let needs = store
        .record_check(&relinked.id, relinked.revision, &Check::Refused(ErrorCode::AccessDenied), Box::new(|_| None))
        .await;
    assert_eq!(needs.unwrap().unwrap().0.status, AccountStatus::NeedsAttention);
    let (again, _) = save(&store, new_account("u1", "clientA", None)).await.unwrap();
    assert_eq!((again.status, again.status_reason), (AccountStatus::Active, None), "relinking mends the account");
    assert!(store
        .record_check("acc_missing", 1, &Check::Passed("now".into()), Box::new(|_| None))
        .await
        .unwrap()
        .is_none());
}

async fn delete_removes_the_account_and_its_secret(store: Arc<dyn Store>) {
    let (account, _) = save(&store, new_account("u1", "clientA", None)).await.unwrap();
    assert!(store.delete(&account.id, None).await.unwrap());
    assert!(store.find(&account.id).await.unwrap().is_none());
    assert!(store.list("u1").await.unwrap().is_empty());
    assert!(!store.delete(&account.id, None).await.unwrap());
}

async fn a_sealed_secret_is_replaced_only_if_unchanged(store: Arc<dyn Store>) {
    let (account, _) = save(&store, new_account("u1", "clientA", None)).await.unwrap();
    assert_eq!(store.all_ids().await.unwrap(), vec![account.id.as_str()]);
    assert!(!store.replace_sealed_secret(&account.id, &[9, 9], &[4, 5]).await.unwrap(), "not the current value");
    assert!(store.replace_sealed_secret(&account.id, &[1, 2, 3], &[4, 5]).await.unwrap());
    let found = store.find(&account.id).await.unwrap().unwrap();
    assert_eq!((found.sealed_secret, found.account.revision), (vec![4, 5], account.revision));
}

async fn a_change_and_its_event_are_written_together(store: Arc<dyn Store>) {
    let (account, _) =
        store.save(new_account("u1", "clientA", None), Box::new(move |_| vec![event("evt_saved", 5)])).await.unwrap();
    let refusal = Check::Refused(ErrorCode::InvalidClient);
    store
        .record_check(&account.id, account.revision, &refusal, Box::new(|_| Some(event("evt_attention", 5))))
        .await
        .unwrap();
    store
        .record_check(&account.id, account.revision, &refusal, Box::new(|_| Some(event("evt_again", 5))))
        .await
        .unwrap();
    let passed = Check::Passed("2026-12-01T08:00:00Z".into());
    let (after, changed) = store
        .record_check(&account.id, account.revision, &passed, Box::new(|_| Some(event("evt_recovered", 5))))
        .await
        .unwrap()
        .unwrap();
    assert!(changed && after.status == AccountStatus::Active, "a check that passes again recovers the account");
    store
        .record_check(&account.id, account.revision, &passed, Box::new(|_| Some(event("evt_still_fine", 5))))
        .await
        .unwrap();
    assert!(store.delete(&account.id, Some(&event("evt_deleted", 5))).await.unwrap());
    assert!(!store.delete(&account.id, Some(&event("evt_nothing", 5))).await.unwrap());
    let conflict = store
        .save(new_account("u1", "clientA", Some("acc_missing")), Box::new(move |_| vec![event("evt_lost", 5)]))
        .await;
    assert!(conflict.is_err());
    assert_eq!(
        claimed(&store, 10, 20).await,
        ["evt_saved", "evt_attention", "evt_recovered", "evt_deleted"],
        "in the order of the changes; none for an unchanged status, a missing row or a failed change"
    );
}

// Regression: two instances relinking the same credentials at once must not end in a conflict or two accounts.
async fn concurrent_relinks_of_one_client_leave_one_account(store: Arc<dyn Store>) {
    let saves: Vec<_> = (0..16)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { save(&store, new_account("u1", "clientA", None)).await.unwrap() })
        })
        .collect();
    let outcomes: Vec<_> = futures::future::join_all(saves).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(outcomes.iter().filter(|(_, saved)| *saved == Saved::Created).count(), 1);
    let accounts = store.list("u1").await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert!(outcomes.iter().all(|(account, _)| account.id == accounts[0].id));
    assert_eq!(accounts[0].revision, 16, "every save counted once");
}

fn new_link_record(id: &str, user: &str, expires_at: i64) -> NewLinkRecord {
    NewLinkRecord {
        id: id.into(),
        token_hash: id.as_bytes().to_vec(),
        user_id: user.into(),
        account_id: None,
        environment: Some(Environment::Production),
        locale: Some("de".into()),
        return_url: Some("https://portal.example/done".into()),
        for_whom: Some("Ann Example <ann@portal.example>".into()),
        created_at: 100,
        expires_at,
    }
}

/// Saves the account of `user` through the link, with `claim`, at `now`.
async fn save_through(
    store: &Arc<dyn Store>,
    link_id: &str,
    claim: &str,
    now: i64,
) -> Result<StoredAccount, StoreError> {
    let mut new = new_account("u1", &format!("client-{link_id}-{claim}"), None);
    new.through = Some(LinkUse { link_id: link_id.into(), claim: claim.into(), now });
    let id = format!("evt_{link_id}_{claim}");
    store.save(new, Box::new(move |_| vec![event(&id, now)])).await.map(|(account, _)| account)
}

async fn a_link_is_used_or_revoked_once_and_only_while_open(store: Arc<dyn Store>) {
    for (id, expires_at) in [("lnk_a", 1000), ("lnk_b", 1000), ("lnk_old", 150)] {
        store.create_link(new_link_record(id, "u1", expires_at)).await.unwrap();
    }
    assert!(matches!(store.create_link(new_link_record("lnk_a", "u2", 1000)).await, Err(StoreError::Conflict)));
    let by_token: LinkRecord = store.link_by_token(b"lnk_a").await.unwrap().unwrap();
    assert_eq!(
        (by_token.id.as_str(), by_token.environment, by_token.locale.as_deref(), by_token.used_at),
        ("lnk_a", Some(Environment::Production), Some("de"), None)
    );
    assert!(store.link_by_token(b"nothing").await.unwrap().is_none());
    let open: Vec<String> = store.open_links("u1", 200).await.unwrap().into_iter().map(|l| l.id).collect();
    assert_eq!(open, ["lnk_a", "lnk_b"], "the expired one is not open");

    assert_eq!(by_token.for_whom.as_deref(), Some("Ann Example <ann@portal.example>"));

    assert!(store.claim_link("lnk_a", "c1", 200, 300).await.unwrap());
    save_through(&store, "lnk_a", "c1", 200).await.unwrap();
    assert!(!store.claim_link("lnk_a", "c2", 201, 300).await.unwrap(), "used once only");
    assert!(matches!(save_through(&store, "lnk_a", "c1", 201).await, Err(StoreError::LinkUnusable)));
    assert!(!store.revoke_link("lnk_a", 202).await.unwrap(), "a used link cannot be revoked");
    assert!(store.revoke_link("lnk_b", 202).await.unwrap());
    assert!(!store.claim_link("lnk_b", "c3", 203, 300).await.unwrap(), "a revoked link cannot be claimed");
    assert!(!store.claim_link("lnk_old", "c4", 203, 300).await.unwrap(), "an expired link cannot be claimed");
    assert_eq!(store.link("lnk_a").await.unwrap().unwrap().used_at, Some(200));
    assert_eq!(store.link("lnk_b").await.unwrap().unwrap().revoked_at, Some(202));
    assert!(store.open_links("u1", 204).await.unwrap().is_empty());
    assert_eq!(claimed(&store, 300, 400).await, ["evt_lnk_a_c1"]);
    assert_eq!(store.list("u1").await.unwrap().len(), 1, "nothing saved through an unusable link");
}

// Regression: a link was checked, SPS called, and the link used afterwards,
// so connects racing through one link all linked, and a revoked one still did.
async fn a_link_is_held_by_one_claim_at_a_time_and_used_only_by_it(store: Arc<dyn Store>) {
    for id in ["lnk_a", "lnk_b"] {
        store.create_link(new_link_record(id, "u1", 1000)).await.unwrap();
    }
    assert!(store.claim_link("lnk_a", "first", 200, 260).await.unwrap());
    assert!(!store.claim_link("lnk_a", "second", 230, 290).await.unwrap(), "held until the claim ends");
    assert!(matches!(save_through(&store, "lnk_a", "second", 231).await, Err(StoreError::LinkUnusable)));
    assert!(store.claim_link("lnk_a", "second", 260, 320).await.unwrap(), "free once the first claim ended");
    assert!(matches!(save_through(&store, "lnk_a", "first", 261).await, Err(StoreError::LinkUnusable)), "taken over");
    store.release_link("lnk_a", "first").await.unwrap();
    assert!(!store.claim_link("lnk_a", "third", 262, 320).await.unwrap(), "a stale release frees nothing");
    store.release_link("lnk_a", "second").await.unwrap();
    assert!(store.claim_link("lnk_a", "third", 263, 320).await.unwrap(), "given back");
    assert!(store.revoke_link("lnk_a", 264).await.unwrap(), "a held link can be revoked");
    assert!(matches!(save_through(&store, "lnk_a", "third", 265).await, Err(StoreError::LinkUnusable)));

    assert!(store.claim_link("lnk_b", "only", 200, 260).await.unwrap());
    assert!(matches!(save_through(&store, "lnk_b", "only", 1000).await, Err(StoreError::LinkUnusable)), "expired");
    assert!(store.list("u1").await.unwrap().is_empty(), "nothing was saved");
    assert!(claimed(&store, 2000, 3000).await.is_empty(), "and no event queued");
}

async fn concurrent_claims_of_one_link_leave_one_holder(store: Arc<dyn Store>) {
    store.create_link(new_link_record("lnk_race", "u1", 1000)).await.unwrap();
    let claims: Vec<_> = (0..10)
        .map(|n| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.claim_link("lnk_race", &format!("c{n}"), 200, 300).await.unwrap() })
        })
        .collect();
    let taken = futures::future::join_all(claims).await.into_iter().filter(|taken| *taken.as_ref().unwrap()).count();
    assert_eq!(taken, 1);
}

async fn finished_links_and_events_are_purged_after_retention(store: Arc<dyn Store>) {
    for (id, expires_at) in [("lnk_used", 1000), ("lnk_revoked", 1000), ("lnk_expired", 150), ("lnk_open", 1000)] {
        store.create_link(new_link_record(id, "u1", expires_at)).await.unwrap();
    }
    assert!(store.claim_link("lnk_used", "c", 200, 300).await.unwrap());
    save_through(&store, "lnk_used", "c", 200).await.unwrap();
    store.revoke_link("lnk_revoked", 210).await.unwrap();
    assert_eq!(store.purge_links(150).await.unwrap(), 0, "nothing finished before 150");
    assert_eq!(store.purge_links(500).await.unwrap(), 3);
    assert!(store.link("lnk_open").await.unwrap().is_some(), "an open link stays");

    for (n, id) in ["evt_done", "evt_dead", "evt_waiting"].iter().enumerate() {
        store
            .save(new_account("u2", &format!("client{n}"), None), Box::new(move |_| vec![event(id, 10)]))
            .await
            .unwrap();
    }
    store.claim_due_events(20, 10, 1000).await.unwrap();
    store.event_delivered("evt_lnk_used_c", 204, 25).await.unwrap();
    store.event_delivered("evt_done", 204, 30).await.unwrap();
    store.event_failed("evt_dead", Some(500), None, 40).await.unwrap();
    assert_eq!(store.purge_events(26).await.unwrap(), 1);
    assert_eq!(store.purge_events(41).await.unwrap(), 2);
    assert_eq!(claimed(&store, 5000, 6000).await, ["evt_waiting"], "the undelivered event stays");
}

async fn an_event_is_claimed_by_one_deliverer_until_its_lease_ends(store: Arc<dyn Store>) {
    let (account, _) =
        store.save(new_account("u1", "clientA", None), Box::new(move |_| vec![event("evt_1", 10)])).await.unwrap();
    store.delete(&account.id, Some(&event("evt_2", 11))).await.unwrap();
    assert!(claimed(&store, 9, 100).await.is_empty(), "not due yet");
    assert_eq!(claimed(&store, 20, 100).await, ["evt_1", "evt_2"]);
    assert!(claimed(&store, 50, 150).await.is_empty(), "held by the first deliverer");
    assert_eq!(claimed(&store, 100, 200).await, ["evt_1", "evt_2"], "due again once the lease ends");
}

async fn delivered_and_abandoned_events_are_never_due_again(store: Arc<dyn Store>) {
    for (n, id) in ["evt_ok", "evt_retry", "evt_dead"].iter().enumerate() {
        store
            .save(new_account("u1", &format!("client{n}"), None), Box::new(move |_| vec![event(id, 10 + n as i64)]))
            .await
            .unwrap();
    }
    let first = store.claim_due_events(20, 10, 1000).await.unwrap();
    assert_eq!(first.iter().map(|e| e.attempts).collect::<Vec<_>>(), [0, 0, 0]);
    assert_eq!(first[0].body, r#"{"id":"evt_ok"}"#);
    store.event_delivered("evt_ok", 204, 30).await.unwrap();
    store.event_failed("evt_retry", None, Some(500), 30).await.unwrap();
    store.event_failed("evt_dead", Some(500), None, 30).await.unwrap();
    assert!(claimed(&store, 499, 2000).await.is_empty());
    let retried = store.claim_due_events(500, 10, 2000).await.unwrap();
    assert_eq!((retried.len(), retried[0].id.as_str(), retried[0].attempts), (1, "evt_retry", 1));
    store.event_delivered("evt_retry", 204, 600).await.unwrap();
    assert!(claimed(&store, 10_000, 20_000).await.is_empty(), "the delivered and the abandoned never come back");
}

async fn the_census_counts_accounts_by_status_and_the_events_waiting(store: Arc<dyn Store>) {
    let empty = store.census().await.unwrap();
    assert_eq!(
        (empty.accounts, empty.webhooks_waiting, empty.oldest_waiting_since_ms),
        (vec![("active", 0), ("needs_attention", 0)], 0, None)
    );
    let mut accounts = Vec::new();
    for (n, id) in ["evt_a", "evt_b", "evt_c"].iter().enumerate() {
        let saved = store
            .save(new_account("u1", &format!("client{n}"), None), Box::new(move |_| vec![event(id, 10 + n as i64)]));
        accounts.push(saved.await.unwrap().0);
    }
    let refused = Check::Refused(ErrorCode::InvalidClient);
    store.record_check(&accounts[2].id, accounts[2].revision, &refused, Box::new(|_| None)).await.unwrap();
    store.claim_due_events(20, 10, 1000).await.unwrap();
    store.event_delivered("evt_a", 204, 30).await.unwrap();
    store.event_failed("evt_c", Some(500), None, 30).await.unwrap();
    let census = store.census().await.unwrap();
    assert_eq!(census.accounts, [("active", 2), ("needs_attention", 1)]);
    assert_eq!(
        (census.webhooks_waiting, census.oldest_waiting_since_ms),
        (1, Some(11)),
        "delivered and abandoned do not wait"
    );
}

fn activity(account: &str, kind: ActivityKind, actor: &'static str, at: i64) -> NewActivity {
    let client_address = (actor != "worker").then(|| "192.0.2.7".to_owned());
    NewActivity { account_id: account.into(), kind, actor, client_address, status: None, error_code: None, at }
}

async fn the_history_is_paged_newest_first_counts_per_hour_and_outlives_its_account(store: Arc<dyn Store>) {
    let (account, _) = save(&store, new_account("u1", "clientA", None)).await.unwrap();
    let id = account.id.as_str();
    store.add_activity(activity(id, ActivityKind::Connected, "user", 1_000)).await.unwrap();
    let refused = NewActivity {
        status: Some("needs_attention"),
        error_code: Some("invalid_client"),
        ..activity(id, ActivityKind::Verified, "worker", 2_000)
    };
    store.add_activity(refused).await.unwrap();
    let callers = (0..16).map(|_| {
        let store = Arc::clone(&store);
        let id = id.to_owned();
        tokio::spawn(
            async move { store.add_activity(activity(&id, ActivityKind::TokensIssued, "portal", 3_600_000)).await },
        )
    });
    for caller in futures::future::join_all(callers).await {
        caller.unwrap().unwrap();
    }
    store.add_activity(activity(id, ActivityKind::TokensIssued, "worker", 3_600_000)).await.unwrap();
    store.add_activity(activity(id, ActivityKind::TokensIssued, "portal", 7_200_000)).await.unwrap();
    store.add_activity(activity("acc_other", ActivityKind::Connected, "portal", 3_000)).await.unwrap();
    store.delete(id, None).await.unwrap();
    store.add_activity(activity(id, ActivityKind::Disconnected, "portal", 8_000_000)).await.unwrap();

    let all = store.activity(id, None, 100).await.unwrap();
    let seen: Vec<_> = all.iter().map(|e| (e.kind.as_str(), e.actor.as_str(), e.count, e.at)).collect();
    assert_eq!(
        seen,
        [
            ("disconnected", "portal", 1, 8_000_000),
            ("tokens_issued", "portal", 1, 7_200_000),
            ("tokens_issued", "worker", 1, 3_600_000),
            ("tokens_issued", "portal", 16, 3_600_000),
            ("verified", "worker", 1, 2_000),
            ("connected", "user", 1, 1_000),
        ],
        "sixteen callers at once make one hourly count of 16"
    );
    assert_eq!(
        (all[4].status.as_deref(), all[4].error_code.as_deref()),
        (Some("needs_attention"), Some("invalid_client"))
    );
    assert_eq!((all[4].client_address.as_deref(), all[5].client_address.as_deref()), (None, Some("192.0.2.7")));
    let first = store.activity(id, None, 2).await.unwrap();
    let rest = store.activity(id, Some(first[1].seq), 10).await.unwrap();
    assert_eq!([first, rest].concat(), all, "pages continue where the last ended");
    assert_eq!(store.purge_activity(3_600_000).await.unwrap(), 3, "two of this account's, one of the other's");
    assert_eq!(store.activity(id, None, 100).await.unwrap().len(), 4);
}

async fn due_at(store: &Arc<dyn Store>, user: &str, client: &str, at: i64) -> StoredAccount {
    save(store, NewAccount { next_check_at: at, ..new_account(user, client, None) }).await.unwrap().0
}

async fn a_due_check_is_held_by_one_owner_until_its_lease_ends(store: Arc<dyn Store>) {
    let account = due_at(&store, "u1", "clientA", 1000).await;
    assert_eq!(account.next_check_at, Some(1000));
    assert!(store.claim_due_checks("a", 999, 2000, 10).await.unwrap().is_empty(), "not due yet");
    assert_eq!(store.claim_due_checks("a", 1000, 2000, 10).await.unwrap(), [account.id.as_str()]);
    assert!(store.claim_due_checks("b", 1500, 3500, 10).await.unwrap().is_empty(), "held by a");
    assert_eq!(store.claim_due_checks("b", 2000, 4000, 10).await.unwrap(), [account.id.as_str()], "a's lease ended");
    store.finish_check(&account.id, "a", Some(2100), 9000).await.unwrap();
    let held = store.find(&account.id).await.unwrap().unwrap().account;
    assert_eq!((held.last_checked_at, held.next_check_at), (None, Some(1000)), "a no longer holds it");
    store.finish_check(&account.id, "b", Some(2200), 9000).await.unwrap();
    let checked = store.find(&account.id).await.unwrap().unwrap().account;
    assert_eq!((checked.last_checked_at, checked.next_check_at), (Some(2200), Some(9000)));
    assert!(store.claim_due_checks("c", 8999, 20_000, 10).await.unwrap().is_empty(), "given back, due at 9000");
    store.finish_check(&account.id, "c", None, 1).await.unwrap();
    assert_eq!(store.claim_due_checks("c", 9000, 20_000, 10).await.unwrap(), [account.id.as_str()]);
    store.finish_check(&account.id, "c", None, 30_000).await.unwrap();
    let failed = store.find(&account.id).await.unwrap().unwrap().account;
    assert_eq!((failed.last_checked_at, failed.next_check_at), (Some(2200), Some(30_000)), "no verdict, no check time");
}

async fn concurrent_sweeps_take_each_due_account_once(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(due_at(&store, &format!("u{n}"), "clientA", 100 + n).await.id);
    }
    let sweeps = (0..8).map(|n| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.claim_due_checks(&format!("owner{n}"), 500, 10_000, 3).await.unwrap() })
    });
    let mut taken: Vec<String> = futures::future::join_all(sweeps).await.into_iter().flat_map(Result::unwrap).collect();
    taken.sort();
    ids.sort();
    assert_eq!(taken, ids, "each due account taken by exactly one sweep");
}

fn shared(revision: i64, sealed: &[u8], issued_at: i64) -> SharedToken {
    SharedToken { revision, sealed: sealed.to_vec(), issued_at, renew_at: issued_at + 100, expires_at: issued_at + 200 }
}

async fn a_token_lease_has_one_holder_and_a_kept_token_its_revision(store: Arc<dyn Store>) {
    let account = due_at(&store, "u1", "clientA", i64::MAX).await;
    let id = account.id.as_str();
    assert_eq!(store.shared_token(id).await.unwrap(), None);
    assert!(store.lease_token(id, "a", 0, 1000).await.unwrap());
    assert!(!store.lease_token(id, "b", 500, 1500).await.unwrap(), "a holds it");
    assert_eq!(store.shared_token(id).await.unwrap(), None, "a lease is not a token");
    store.put_token(id, "a", &shared(2, b"two", 600)).await.unwrap();
    assert_eq!(store.shared_token(id).await.unwrap(), Some(shared(2, b"two", 600)));
    assert!(store.lease_token(id, "b", 700, 1700).await.unwrap(), "a gave the lease up with its token");
    store.put_token(id, "c", &shared(1, b"older", 800)).await.unwrap();
    assert_eq!(store.shared_token(id).await.unwrap(), Some(shared(2, b"two", 600)), "an older revision loses");
    assert!(!store.lease_token(id, "c", 900, 1900).await.unwrap(), "c's token did not end b's lease");
    store.release_token(id, "b").await.unwrap();
    assert!(store.lease_token(id, "c", 900, 1900).await.unwrap());
    assert!(!store.lease_token(id, "b", 1899, 2000).await.unwrap());
    assert!(store.lease_token(id, "b", 1900, 2900).await.unwrap(), "c's lease ended by itself");
    store.put_token(id, "b", &shared(3, b"three", 2000)).await.unwrap();
    store.drop_token(id).await.unwrap();
    assert_eq!(store.shared_token(id).await.unwrap(), None, "dropped");
    store.put_token(id, "b", &shared(3, b"again", 2100)).await.unwrap();
    store.delete(id, None).await.unwrap();
    assert_eq!(store.shared_token(id).await.unwrap(), None, "gone with its account");
}

fn documents(paths: &[&str]) -> Vec<Document> {
    paths.iter().map(|path| Document { path: format!("/out/{path}"), kind: "file".into() }).collect()
}

async fn listing(store: &Arc<dyn Store>, id: &str, paths: &[&str], now: i64) -> Vec<Document> {
    let event = Box::new(move |new: &Vec<Document>| {
        let names: Vec<&str> = new.iter().map(|d| d.path.as_str()).collect();
        Some(QueuedEvent { id: format!("evt_{now}"), body: names.join(","), created_at_ms: now })
    });
    store.record_listing(id, &documents(paths), now, event).await.unwrap()
}

async fn a_listing_announces_each_path_once_and_forgets_what_left(store: Arc<dyn Store>) {
    let account = due_at(&store, "u1", "clientA", i64::MAX).await;
    let id = account.id.as_str();
    assert_eq!(listing(&store, id, &["a.xml", "b.xml", "a.xml"], 10).await, documents(&["a.xml", "b.xml"]));
    assert_eq!(listing(&store, id, &["a.xml", "b.xml", "c.xml"], 20).await, documents(&["c.xml"]));
    assert!(listing(&store, id, &["c.xml", "b.xml"], 30).await.is_empty(), "nothing new; a.xml left");
    assert_eq!(listing(&store, id, &["a.xml", "b.xml", "c.xml"], 40).await, documents(&["a.xml"]), "a.xml came back");
    let queued = store.claim_due_events(100, 10, 1000).await.unwrap();
    let bodies: Vec<&str> = queued.iter().map(|e| e.body.as_str()).collect();
    assert_eq!(bodies, ["/out/a.xml,/out/b.xml", "/out/c.xml", "/out/a.xml"], "one event per listing with news");
    store.delete(id, None).await.unwrap();
    assert!(listing(&store, id, &["d.xml"], 50).await.is_empty(), "nothing for a deleted account");
    assert_eq!(store.claim_due_events(100, 10, 2000).await.unwrap().len(), 0, "and no event");
}

async fn only_watching_accounts_are_listed_unless_every_account_is(store: Arc<dyn Store>) {
    let quiet = due_at(&store, "u1", "clientA", i64::MAX).await;
    let watching = due_at(&store, "u2", "clientA", i64::MAX).await;
    assert!(!watching.watch_documents);
    let changed = store.set_watch_documents(&watching.id, true).await.unwrap().unwrap();
    assert!(changed.watch_documents);
    assert_eq!(store.set_watch_documents("acc_missing", true).await.unwrap(), None);
    assert_eq!(store.claim_due_listings("a", 10, 100, false, 10).await.unwrap(), [watching.id.as_str()]);
    assert_eq!(
        store.claim_due_listings("b", 10, 100, true, 10).await.unwrap(),
        [quiet.id.as_str()],
        "a holds the other"
    );
    store.finish_listing(&watching.id, "a", 500).await.unwrap();
    assert!(store.claim_due_listings("a", 400, 600, false, 10).await.unwrap().is_empty(), "due again at 500");
    assert_eq!(store.claim_due_listings("a", 500, 600, false, 10).await.unwrap(), [watching.id.as_str()]);
}

async fn deliveries_are_listed_newest_first_by_state_and_redelivered_with_their_id(store: Arc<dyn Store>) {
    for (n, id) in ["evt_a", "evt_b", "evt_c", "evt_d"].iter().enumerate() {
        store
            .save(new_account("u1", &format!("client{n}"), None), Box::new(move |_| vec![event(id, 10 + n as i64)]))
            .await
            .unwrap();
    }
    store.claim_due_events(20, 10, 1000).await.unwrap();
    store.event_delivered("evt_a", 204, 30).await.unwrap();
    store.event_failed("evt_b", Some(503), Some(5000), 31).await.unwrap();
    store.event_failed("evt_c", None, None, 32).await.unwrap();
    let ids =
        |records: Vec<sps_connect_host::store::DeliveryRecord>| records.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(store.deliveries(None, 10, None).await.unwrap()), ["evt_d", "evt_c", "evt_b", "evt_a"]);
    let first = store.deliveries(None, 2, None).await.unwrap();
    let next = store.deliveries(None, 2, Some(first[1].seq)).await.unwrap();
    assert_eq!(
        (ids(first), ids(next)),
        (vec!["evt_d".to_owned(), "evt_c".into()], vec!["evt_b".to_owned(), "evt_a".into()])
    );
    let failed = store.deliveries(Some(DeliveryState::Failed), 10, None).await.unwrap();
    assert_eq!(
        failed.iter().map(|r| (r.id.as_str(), r.last_status, r.given_up)).collect::<Vec<_>>(),
        [("evt_c", None, true), ("evt_b", Some(503), false)]
    );
    assert_eq!((failed[1].attempts, failed[1].next_attempt_at, failed[0].next_attempt_at), (1, Some(5000), None));
    let delivered = store.deliveries(Some(DeliveryState::Delivered), 10, None).await.unwrap();
    assert_eq!((delivered.len(), delivered[0].last_status, delivered[0].last_attempt_at), (1, Some(204), Some(30)));
    assert_eq!(ids(store.deliveries(Some(DeliveryState::Pending), 10, None).await.unwrap()), ["evt_d"]);

    let again = store.redeliver("evt_c", 40).await.unwrap().unwrap();
    assert_eq!(
        (again.state, again.attempts, again.given_up, again.next_attempt_at),
        (DeliveryState::Pending, 0, false, Some(40))
    );
    assert_eq!(store.redeliver("evt_missing", 40).await.unwrap(), None);
    let due: Vec<String> = store.claim_due_events(40, 10, 2000).await.unwrap().into_iter().map(|e| e.id).collect();
    assert_eq!(due, ["evt_c"], "the given-up event is due again, with its id; the delivered one stays delivered");
}

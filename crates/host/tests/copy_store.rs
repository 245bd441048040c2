//! `sps-connect-host copy-store`: an SQLite store moved into PostgreSQL keeps
//! every account usable with the same keys, and a second run copies nothing twice.

mod support;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::Method;
use std::path::Path;
use support::*;

fn copy_store(from: &Path, to: &str) -> (bool, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_sps-connect-host"))
        .args(["copy-store".as_ref(), from.as_os_str()])
        .env_clear()
        .env("SPS_CONNECT_DATABASE", to)
        .env("SPS_CONNECT_ENCRYPTION_KEY", STANDARD.encode(ENCRYPTION_KEY))
        .env("SPS_CONNECT_SESSION_KEY", STANDARD.encode(SESSION_KEY))
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sqlite_store_moves_to_postgres_and_its_accounts_still_work() {
    let token_url = token_server().await;
    let old = Host::start(&token_url, &[]).await;
    let accounts =
        [("user-1", old.connected_account("user-1").await), ("user-2", old.connected_account("user-2").await)];
    let (status, link) = old.mint(serde_json::json!({ "user_id": "user-3" })).await;
    assert_eq!(status, 201, "{link}");
    // The old host's worker may list the watching account's folder meanwhile: the
    // path is remembered for the other account, which nothing lists.
    let (listed, watching) = (&accounts[0].1, &accounts[1].1);
    let store = sps_connect_host::store::SqliteStore::open(&old.database).unwrap();
    use sps_connect_host::store::{Document, WorkStore};
    store.set_watch_documents(watching, true).await.unwrap().unwrap();
    let waiting = [Document { path: "/out/PO_1.xml".into(), kind: "file".into() }];
    store.record_listing(listed, &waiting, 1, Box::new(|_| None)).await.unwrap();

    let postgres = postgres_database();
    let (ok, first) = copy_store(&old.database, &postgres);
    assert!(ok, "{first}");
    assert!(first.contains("accounts: 2 copied, 0 already there"), "{first}");
    assert!(first.contains("hosted links: 1 copied, 0 already there"), "{first}");
    let documents = first.lines().find_map(|line| line.strip_prefix("announced documents: ")).unwrap_or_default();
    let copied: usize = documents.split(' ').next().unwrap_or_default().parse().unwrap_or(0);
    assert!(copied >= 1 && documents.ends_with("copied, 0 already there"), "{first}");
    let history = first.lines().find_map(|line| line.strip_prefix("history entries: ")).unwrap_or_default();
    assert_eq!(history, "4 copied, 0 already there", "each connect and its token: {first}");
    let (ok, second) = copy_store(&old.database, &postgres);
    assert!(ok && second.contains("accounts: 0 copied, 2 already there"), "run again, nothing doubled: {second}");
    assert!(second.contains("history entries: 0 copied, 4 already there"), "{second}");

    let new =
        Host::start_on(config(Path::new("unused.sqlite"), &token_url, &[("SPS_CONNECT_DATABASE", &postgres)])).await;
    for (user, id) in &accounts {
        let listed = new.accounts(&new.session(user).await).await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["id"].as_str(), Some(id.as_str()));
        let (status, verified) = new.admin(Method::POST, &format!("/api/sps/accounts/{id}/verify")).await;
        assert_eq!(status, 200, "the copied secret opens with the same key and SPS accepts it: {verified}");
    }
    let (_, history) = new.admin(Method::GET, &format!("/api/sps/accounts/{listed}/activity")).await;
    let kinds: Vec<_> = history["activity"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["verified", "tokens_issued", "connected", "tokens_issued"],
        "new entries follow the copied ones"
    );
    let (_, shown) = new.admin(Method::GET, &format!("/api/sps/accounts/{watching}")).await;
    assert_eq!(shown["account"]["watch_documents"], true, "{shown}");
    let postgres_store = sps_connect_host::store::PostgresStore::connect(&postgres, 2, None).await.unwrap();
    let again = postgres_store.record_listing(listed, &waiting, 2, Box::new(|_| None)).await.unwrap();
    assert!(again.is_empty(), "the announced path moved with the store");
    let link_id = link["id"].as_str().unwrap();
    let (status, open) = new.admin(Method::GET, "/api/sps/links?user_id=user-3").await;
    assert_eq!(status, 200);
    assert!(open.to_string().contains(link_id), "the hosted link is still open: {open}");
}

#[test]
fn copy_store_says_what_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, into_sqlite) = copy_store(&dir.path().join("a.sqlite"), "b.sqlite");
    assert!(!ok && into_sqlite.contains("copies into PostgreSQL"), "{into_sqlite}");
    let (ok, missing) = copy_store(&dir.path().join("missing.sqlite"), "postgres://app@127.0.0.1:1/sps");
    assert!(!ok && missing.contains("is not an SQLite store file"), "{missing}");
}

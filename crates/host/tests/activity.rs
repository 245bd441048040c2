//! An account's history through `GET /api/sps/accounts/{id}/activity`, as
//! the HTTP API guide describes it: who did what and when, newest first,
//! tokens counted per hour, paged, for the portal's server only, and still
//! there after a disconnect.

mod support;

use reqwest::Method;
use serde_json::{json, Value};
use sps_token_server::TokenServer;
use support::*;

/// The account's whole history, read page by page with `limit`.
async fn history(host: &Host, id: &str, limit: usize) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) =
            host.admin(Method::GET, &format!("/api/sps/accounts/{id}/activity?limit={limit}{cursor}")).await;
        assert_eq!(status, 200, "{page}");
        let found = page["activity"].as_array().unwrap();
        assert!(found.len() <= limit);
        entries.extend(found.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return entries,
        }
    }
}

fn kinds(entries: &[Value]) -> Vec<(&str, &str)> {
    entries.iter().map(|e| (e["kind"].as_str().unwrap(), e["actor"].as_str().unwrap())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_history_tells_who_did_what_newest_first_and_outlives_a_disconnect() {
    let (token_url, sps_server) = sps(TokenServer::default()).await;
    let overrides = [("SPS_CONNECT_PUBLIC_URL", "https://connect.portal.example")];
    let host = Host::start(&token_url, &overrides).await;

    let (_, link) = host.mint(json!({ "user_id": "user-1" })).await;
    let (status, traded) = host.trade(&token_of(&link["url"])).await;
    assert_eq!(status, 201, "{traded}");
    let (status, connected) = host.connect(traded["session_token"].as_str().unwrap(), credentials()).await;
    assert_eq!(status, 201, "{connected}");
    let id = connected["account"]["id"].as_str().unwrap().to_owned();

    assert_eq!(host.admin(Method::POST, &format!("/api/sps/accounts/{id}/verify")).await.0, 200);
    for _ in 0..3 {
        let path = format!("/api/sps/accounts/{id}/token?force_refresh=true");
        assert_eq!(host.admin(Method::POST, &path).await.0, 200);
    }
    let session = host.session("user-1").await;
    assert_eq!(host.connect(&session, credentials()).await.0, 200, "relinked by the user");

    let rotated = sps_server.rotate_secret(CLIENT_ID).unwrap();
    let (status, verdict) = host.as_user(&session, Method::POST, &format!("/api/sps/accounts/{id}/verify")).await;
    assert_eq!((status, verdict["account"]["status"].as_str()), (200, Some("needs_attention")));
    let relinked = json!({ "environment": "sandbox", "client_id": CLIENT_ID, "client_secret": rotated });
    assert_eq!(host.connect(&session, relinked).await.0, 200);
    assert_eq!(host.admin(Method::DELETE, &format!("/api/sps/accounts/{id}")).await.0, 204);

    let entries = history(&host, &id, 3).await;
    assert_eq!(
        kinds(&entries),
        [
            ("disconnected", "portal"),
            ("reconnected", "user"),
            ("verified", "user"),
            ("status_changed", "user"),
            ("reconnected", "user"),
            ("tokens_issued", "user"),
            ("verified", "portal"),
            ("tokens_issued", "portal"),
            ("connected", "link"),
            ("tokens_issued", "link"),
        ],
        "{entries:#?}"
    );
    let verdict = &entries[2];
    assert_eq!(
        (verdict["status"].as_str(), verdict["error_code"].as_str()),
        (Some("needs_attention"), Some("invalid_client"))
    );
    assert_eq!(entries[3]["status"], "needs_attention");
    assert_eq!(entries[5]["count"], 2, "both relinks' tokens, in the user's hourly entry");
    assert_eq!(entries[6]["status"], "active");
    assert!(entries[6].get("error_code").is_none());
    assert_eq!(entries[7]["count"], 4, "the verify's token and three refreshes, in the portal's hourly entry");
    assert!(entries[7]["at"].as_str().unwrap().ends_with(":00:00Z"), "the hour's start: {}", entries[7]["at"]);
    assert_eq!(entries[9]["count"], 1);
    for entry in entries.iter().filter(|e| e["kind"] != "tokens_issued") {
        assert_eq!(entry["client_address"], "127.0.0.1", "{entry}");
        assert_eq!(entry["count"], 1);
    }
    assert!(entries.iter().filter(|e| e["kind"] == "tokens_issued").all(|e| e.get("client_address").is_none()));
    let text = serde_json::to_string(&entries).unwrap();
    for secret in [CLIENT_SECRET, rotated.as_str(), CLIENT_ID] {
        assert!(!text.contains(secret), "the history holds no secret or Client ID");
    }
    assert_eq!(history(&host, &id, 100).await, entries, "one page or many read the same");
}

#[tokio::test]
async fn the_history_is_for_the_portals_server_and_refuses_bad_paging() {
    let host = Host::start(&token_server().await, &[]).await;
    let id = host.connected_account("user-1").await;
    let path = format!("/api/sps/accounts/{id}/activity");

    let session = host.session("user-1").await;
    let (status, refused) = host.as_user(&session, Method::GET, &path).await;
    assert_eq!((status, code(&refused)), (401, "session_invalid"), "connect sessions are refused: {refused}");
    for query in ["?limit=0", "?limit=101", "?limit=ten", "?cursor=abc", "?cursor=-4", "?since=1"] {
        let (status, refused) = host.admin(Method::GET, &format!("{path}{query}")).await;
        assert_eq!((status, code(&refused)), (400, "invalid_request"), "{query}: {refused}");
        assert!(!refused["message"].as_str().unwrap().is_empty());
    }
    let (status, unknown) = host.admin(Method::GET, "/api/sps/accounts/acc_0123456789abcdef0123/activity").await;
    assert_eq!((status, code(&unknown)), (404, "not_found"), "{unknown}");
    let (status, page) = host.admin(Method::GET, &format!("{path}?limit=1")).await;
    assert_eq!(status, 200);
    assert_eq!(kinds(page["activity"].as_array().unwrap()), [("connected", "user")]);
    let next = page["next_cursor"].as_str().unwrap();
    let (_, rest) = host.admin(Method::GET, &format!("{path}?limit=1&cursor={next}")).await;
    assert_eq!(kinds(rest["activity"].as_array().unwrap()), [("tokens_issued", "user")]);
}

//! A linked account in use, over real HTTP on loopback: verification against
//! the SPS API, tokens for the portal's server, status, disconnect.

mod support;

use reqwest::Method;
use serde_json::json;
use sps_connect_host::store::{AccountStore, SqliteStore};
use sps_token_server::TokenServer;
use support::*;

#[tokio::test]
async fn a_link_is_stored_only_when_the_sps_api_accepts_its_token() {
    let host = Host::start(&token_server().await, &[]).await;
    let session = host.session("user-1").await;
    let no_api = json!({ "environment": "sandbox", "client_id": "spsDemoNoApiClient01",
        "client_secret": "no-api-demo-secret-0123456789" });
    let (status, error) = host.connect(&session, no_api).await;
    assert_eq!((status, code(&error)), (403, "access_denied"), "{error}");
    assert!(error["message"].as_str().unwrap().contains("not authorized for the SPS API"), "{error}");
    assert!(host.accounts(&session).await.is_empty());

    let refusing = RecordingApi::default();
    let refusing_url = refusing.start().await;
    let host = Host::start(&token_server().await, &[("SPS_API_URL", &format!("{refusing_url}/status/401"))]).await;
    let session = host.session("user-1").await;
    let (status, error) = host.connect(&session, credentials()).await;
    assert_eq!((status, code(&error)), (403, "access_denied"), "auth-check 401: {error}");
    assert_eq!(refusing.received.lock().unwrap()[0].target, "/status/401/auth-check");
    assert!(refusing.received.lock().unwrap()[0].headers["authorization"].starts_with("Bearer "));
    assert!(host.accounts(&session).await.is_empty());

    let down = closed_port().await;
    let host = Host::start(&token_server().await, &[("SPS_API_URL", &format!("http://{down}"))]).await;
    let session = host.session("user-1").await;
    let (status, error) = host.connect(&session, credentials()).await;
    assert_eq!((status, code(&error), error["retryable"].as_bool()), (502, "provider_unavailable", Some(true)));
    assert!(host.accounts(&session).await.is_empty(), "API down: nothing stored");

    let throttling = RecordingApi::default();
    let throttling_url = throttling.start().await;
    let host = Host::start(&token_server().await, &[("SPS_API_URL", &format!("{throttling_url}/status/429"))]).await;
    let session = host.session("user-1").await;
    let response = host.connect_response(&session, credentials()).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "30", "an auth-check 429 without Retry-After: the default pause");
    assert!(host.accounts(&session).await.is_empty(), "throttled: nothing stored");
}

#[tokio::test]
async fn a_new_account_is_active_and_verified_at_link_time() {
    let host = Host::start(&token_server().await, &[]).await;
    let session = host.session("user-1").await;
    let (_, body) = host.connect(&session, credentials()).await;
    assert_eq!(body["account"]["status"], "active");
    assert_eq!(body["account"]["status_reason"], serde_json::Value::Null);
    assert_eq!(body["account"]["last_verified_at"], body["account"]["connected_at"]);
}

#[tokio::test]
async fn the_portals_server_gets_the_cached_token_of_an_account() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let host = Host::start(&token_url, &[]).await;
    let id = host.connected_account("user-1").await;
    assert_eq!(server.tokens_issued(), 1);
    let (status, first) = host.admin(Method::POST, &format!("/api/sps/accounts/{id}/token")).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["token_type"], "Bearer");
    assert!(first["expires_at"].as_str().unwrap().ends_with('Z'));
    let (_, second) = host.admin(Method::POST, &format!("/api/sps/accounts/{id}/token")).await;
    assert_eq!(first["access_token"], second["access_token"]);
    assert_eq!(server.tokens_issued(), 1, "the token of the link itself is reused");

    let api = token_url.trim_end_matches("/oauth/token");
    let check = reqwest::Client::new()
        .get(format!("{api}/auth-check"))
        .bearer_auth(first["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(check.status(), 204, "the token works at the SPS API");

    let (_, renewed) = host.admin(Method::POST, &format!("/api/sps/accounts/{id}/token?force_refresh=true")).await;
    assert_ne!(renewed["access_token"], first["access_token"]);
    assert_eq!(server.tokens_issued(), 2);
    let (status, _) = host.admin(Method::POST, &format!("/api/sps/accounts/{id}/token?refresh=1")).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn tokens_are_refused_to_connect_sessions_and_strangers() {
    let host = Host::start(&token_server().await, &[]).await;
    let id = host.connected_account("user-1").await;
    let session = host.session("user-1").await;
    let url = format!("{}/api/sps/accounts/{id}/token", host.url);
    let with_session = host.http.post(&url).header("X-Connect-Session", &session).send().await.unwrap();
    assert_eq!(with_session.status(), 401);
    let both = host.http.post(&url).header("X-Connect-Session", &session).bearer_auth(ADMIN_KEY).send().await.unwrap();
    assert_eq!(both.status(), 401, "a session beside the admin key is still refused");
    let body: serde_json::Value = both.json().await.unwrap();
    assert!(!body.to_string().contains("access_token"));
    assert_eq!(host.http.post(&url).send().await.unwrap().status(), 401);
    assert_eq!(host.http.post(&url).bearer_auth("not-the-key").send().await.unwrap().status(), 401);
    assert_eq!(host.http.post(&url).bearer_auth(&session).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn an_unknown_account_is_404_everywhere() {
    let host = Host::start(&token_server().await, &[]).await;
    let session = host.session("user-1").await;
    for (method, path) in [
        (Method::POST, "/api/sps/accounts/acc_missing/token"),
        (Method::POST, "/api/sps/accounts/acc_missing/verify"),
        (Method::GET, "/api/sps/accounts/acc_missing"),
        (Method::DELETE, "/api/sps/accounts/acc_missing"),
        (Method::GET, "/api/sps/accounts/acc_missing/proxy/auth-check"),
        (Method::GET, "/api/sps/accounts/not%20an%20id"),
    ] {
        let (status, error) = host.admin(method.clone(), path).await;
        assert_eq!((status, code(&error), error["retryable"].as_bool()), (404, "not_found", Some(false)), "{path}");
    }
    let (status, error) = host.as_user(&session, Method::POST, "/api/sps/accounts/acc_missing/verify").await;
    assert_eq!((status, code(&error)), (404, "not_found"));
}

#[tokio::test]
async fn another_users_account_cannot_be_seen_verified_or_disconnected() {
    let host = Host::start(&token_server().await, &[]).await;
    let id = host.connected_account("user-1").await;
    let stranger = host.session("user-2").await;
    for (method, path) in [
        (Method::GET, format!("/api/sps/accounts/{id}")),
        (Method::POST, format!("/api/sps/accounts/{id}/verify")),
        (Method::DELETE, format!("/api/sps/accounts/{id}")),
    ] {
        let (status, error) = host.as_user(&stranger, method, &path).await;
        assert_eq!((status, code(&error)), (404, "not_found"), "{path}");
    }
    let owner = host.session("user-1").await;
    assert_eq!(host.accounts(&owner).await.len(), 1, "the account survived the stranger");
    assert!(host.accounts(&stranger).await.is_empty());
}

#[tokio::test]
async fn the_portals_server_lists_a_users_accounts_by_user_id() {
    let host = Host::start(&token_server().await, &[]).await;
    let id = host.connected_account("user-1").await;
    let (status, listed) = host.admin(Method::GET, "/api/sps/accounts?user_id=user-1").await;
    assert_eq!(status, 200);
    assert_eq!(listed["accounts"][0]["id"], id.as_str());
    let (status, listed) = host.admin(Method::GET, "/api/sps/accounts?user_id=user-2").await;
    assert_eq!((status, listed["accounts"].as_array().unwrap().len()), (200, 0));
    assert_eq!(host.admin(Method::GET, "/api/sps/accounts").await.0, 400, "the user must be named");
    let session = host.session("user-1").await;
    assert_eq!(host.as_user(&session, Method::GET, "/api/sps/accounts?user_id=user-2").await.0, 400);
    let (status, one) = host.admin(Method::GET, &format!("/api/sps/accounts/{id}")).await;
    assert_eq!((status, one["account"]["client_id_hint"].as_str()), (200, Some("…nt01")));
    assert_eq!(one["account"]["client_id"], CLIENT_ID, "the whole Client ID for the portal's server");
    let (_, own) = host.as_user(&session, Method::GET, &format!("/api/sps/accounts/{id}")).await;
    assert_eq!(own["account"]["client_id"], CLIENT_ID, "and for the account's own session");
    let (status, _) =
        host.as_user(&host.session("user-2").await, Method::GET, &format!("/api/sps/accounts/{id}")).await;
    assert_eq!(status, 404, "never for another user's session");
}

#[tokio::test]
async fn a_rotated_secret_marks_the_account_and_relinking_mends_it() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let host = Host::start(&token_url, &[]).await;
    let id = host.connected_account("user-1").await;
    let new_secret = server.rotate_secret(CLIENT_ID).unwrap();

    let (status, error) = host.admin(Method::POST, &format!("/api/sps/accounts/{id}/token?force_refresh=true")).await;
    assert_eq!((status, code(&error)), (401, "invalid_client"), "{error}");
    let (_, shown) = host.admin(Method::GET, &format!("/api/sps/accounts/{id}")).await;
    assert_eq!(shown["account"]["status"], "needs_attention");
    assert_eq!(shown["account"]["status_reason"], "invalid_client");
    assert!(!shown.to_string().contains("Unauthorized"), "no provider message is kept: {shown}");

    let session = host.session("user-1").await;
    let relink =
        json!({ "environment": "sandbox", "client_id": CLIENT_ID, "client_secret": new_secret, "account_id": id });
    let (status, body) = host.connect(&session, relink).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["account"]["status"].as_str(), &body["account"]["status_reason"]), (Some("active"), &json!(null)));
    let (status, token) = host.admin(Method::POST, &format!("/api/sps/accounts/{id}/token")).await;
    assert_eq!(status, 200, "{token}");
}

// Regression: the kept token outlives a restart, so the revoked secret is
// found when SPS refuses that token, on the first call through the proxy.
#[tokio::test]
async fn a_restarted_host_finds_a_revoked_secret_on_the_first_call() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("accounts.sqlite");
    let first = Host::start_on(config(&database, &token_url, &[])).await;
    let id = first.connected_account("user-1").await;
    server.rotate_secret(CLIENT_ID).unwrap();
    let second = Host::start_on(config(&database, &token_url, &[])).await;
    let (status, error) = second.admin(Method::GET, &format!("/api/sps/accounts/{id}/proxy/auth-check")).await;
    assert_eq!((status, code(&error)), (401, "invalid_client"));
    let session = second.session("user-1").await;
    let listed = second.accounts(&session).await;
    assert_eq!(
        (listed[0]["status"].as_str(), listed[0]["status_reason"].as_str()),
        (Some("needs_attention"), Some("invalid_client"))
    );
}

#[tokio::test]
async fn concurrent_token_requests_share_one_exchange() {
    let (token_url, server) = sps(TokenServer::with_token_lifetime(std::time::Duration::from_secs(2))).await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("accounts.sqlite");
    let id = Host::start_on(config(&database, &token_url, &[])).await.connected_account("user-1").await;
    let host = Host::start_on(config(&database, &token_url, &[])).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let before = server.tokens_issued();
    let path = format!("/api/sps/accounts/{id}/token");
    let calls = (0..32).map(|_| host.admin(Method::POST, &path));
    let answers = futures::future::join_all(calls).await;
    assert!(answers.iter().all(|(status, _)| *status == 200), "{answers:?}");
    let first = &answers[0].1["access_token"];
    assert!(answers.iter().all(|(_, body)| &body["access_token"] == first), "all callers got the same token");
    assert_eq!(server.tokens_issued() - before, 1, "32 callers, one exchange");
}

#[tokio::test]
async fn verify_updates_the_status_both_ways_and_a_passing_fault_changes_nothing() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let host = Host::start(&token_url, &[]).await;
    let id = host.connected_account("user-1").await;
    let session = host.session("user-1").await;
    let before = host.accounts(&session).await[0]["last_verified_at"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, verified) = host.as_user(&session, Method::POST, &format!("/api/sps/accounts/{id}/verify")).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["account"]["status"], "active");
    assert!(verified["account"]["last_verified_at"].as_str().unwrap() > before.as_str());

    server.rotate_secret(CLIENT_ID).unwrap();
    let (status, refused) = host.admin(Method::POST, &format!("/api/sps/accounts/{id}/verify")).await;
    assert_eq!(status, 200, "a refusal is a verdict: {refused}");
    assert_eq!(
        (refused["account"]["status"].as_str(), refused["account"]["status_reason"].as_str()),
        (Some("needs_attention"), Some("invalid_client"))
    );

    let down = closed_port().await;
    let unreachable = Host::start_on(config(&host.database, &format!("http://{down}/oauth/token"), &[])).await;
    let (status, error) = unreachable.admin(Method::POST, &format!("/api/sps/accounts/{id}/verify")).await;
    assert_eq!((status, code(&error)), (502, "provider_unavailable"));
    let (_, shown) = unreachable.admin(Method::GET, &format!("/api/sps/accounts/{id}")).await;
    assert_eq!(shown["account"]["status_reason"], "invalid_client", "SPS being down says nothing about the account");
}

#[tokio::test]
async fn an_application_that_loses_api_access_needs_attention_after_verify() {
    let api = RecordingApi::default();
    let api_url = api.start().await;
    let host = Host::start(&token_server().await, &[("SPS_API_URL", &api_url)]).await;
    let id = host.connected_account("user-1").await;
    let refusing = Host::start_on(config(
        &host.database,
        &token_server().await,
        &[("SPS_API_URL", &format!("{api_url}/status/403"))],
    ))
    .await;
    let (status, body) = refusing.admin(Method::POST, &format!("/api/sps/accounts/{id}/verify")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["status_reason"], "access_denied");
}

#[tokio::test]
async fn disconnect_removes_the_account_its_secret_and_its_token() {
    let host = Host::start(&token_server().await, &[]).await;
    let id = host.connected_account("user-1").await;
    let session = host.session("user-1").await;
    assert_eq!(host.admin(Method::POST, &format!("/api/sps/accounts/{id}/token")).await.0, 200);
    let (status, _) = host.as_user(&session, Method::DELETE, &format!("/api/sps/accounts/{id}")).await;
    assert_eq!(status, 204);
    assert!(host.accounts(&session).await.is_empty());
    for (method, path) in [
        (Method::POST, format!("/api/sps/accounts/{id}/token")),
        (Method::GET, format!("/api/sps/accounts/{id}/proxy/transactions/v5/data/out/")),
        (Method::POST, format!("/api/sps/accounts/{id}/verify")),
        (Method::DELETE, format!("/api/sps/accounts/{id}")),
    ] {
        assert_eq!(host.admin(method, &path).await.0, 404, "{path} after disconnect");
    }
    assert!(SqliteStore::open(&host.database).unwrap().find(&id).await.unwrap().is_none());

    let id = host.connected_account("user-1").await;
    assert_eq!(
        host.admin(Method::DELETE, &format!("/api/sps/accounts/{id}")).await.0,
        204,
        "the portal's server may disconnect too"
    );
}

//! The connect API over real HTTP on loopback, against the local token server.

mod support;

use secrecy::SecretSlice;
use serde_json::json;
use sps_connect_host::domain::crypto::{EncryptionKey, SecretBox};
use sps_connect_host::domain::session::Sessions;
use sps_connect_host::store::{AccountStore, SqliteStore};
use support::*;

#[tokio::test]
async fn a_successful_link_is_listed_and_its_secret_is_encrypted_on_disk() {
    let host = Host::start(&token_server().await, &[]).await;
    let session = host.session("user-1").await;
    let (status, body) = host.connect(&session, credentials()).await;
    assert_eq!(status, 201, "{body}");
    let account = &body["account"];
    assert_eq!(body["status"], "connected");
    assert_eq!(account["provider"], "sps_commerce");
    assert_eq!(account["environment"], "sandbox");
    assert_eq!(account["client_id_hint"], "…nt01");
    assert_eq!(account["services"], json!(["transaction", "packing_slip"]));
    assert!(account["connected_at"].as_str().unwrap().starts_with("20"));
    assert!(!body.to_string().contains(CLIENT_SECRET));
    assert!(!body.to_string().contains("access_token"));

    let listed = host.accounts(&session).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], account["id"]);
    assert!(!serde_json::to_string(&listed).unwrap().contains(CLIENT_SECRET));

    let on_disk: Vec<u8> = std::fs::read(&host.database).unwrap();
    let wal = std::fs::read(host.database.with_extension("sqlite-wal")).unwrap_or_default();
    for bytes in [&on_disk, &wal] {
        assert!(!bytes.windows(CLIENT_SECRET.len()).any(|w| w == CLIENT_SECRET.as_bytes()), "secret in clear on disk");
    }
    let store = SqliteStore::open(&host.database).unwrap();
    let sealed = store.find(account["id"].as_str().unwrap()).await.unwrap().unwrap().sealed_secret;
    let context = format!("user-1\nsandbox\n{CLIENT_ID}");
    let secret_box = SecretBox::new(EncryptionKey::new(ENCRYPTION_KEY), vec![]);
    assert_eq!(secret_box.open(&sealed, &context).unwrap(), CLIENT_SECRET);
}

#[tokio::test]
async fn linking_the_same_client_again_updates_the_account() {
    let host = Host::start(&token_server().await, &[]).await;
    let session = host.session("user-1").await;
    let (first, created) = host.connect(&session, credentials()).await;
    let (second, updated) = host.connect(&session, credentials()).await;
    assert_eq!((first, second), (201, 200));
    assert_eq!(created["account"]["id"], updated["account"]["id"]);
    assert_eq!(host.accounts(&session).await.len(), 1);
    let other_user = host.session("user-2").await;
    assert!(host.accounts(&other_user).await.is_empty(), "accounts are per portal user");
}

#[tokio::test]
async fn account_id_updates_that_account() {
    let host = Host::start(&token_server().await, &[]).await;
    let session = host.session("user-1").await;
    let (_, created) = host.connect(&session, credentials()).await;
    let id = created["account"]["id"].as_str().unwrap();
    let production = json!({ "environment": "production", "client_id": "spsDemoProductionClient01",
        "client_secret": "production-demo-secret-0123456789", "account_id": id });
    let (status, updated) = host.connect(&session, production).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["account"]["id"], id);
    assert_eq!(updated["account"]["environment"], "production");
    assert_eq!(host.accounts(&session).await.len(), 1);

    let mut unknown = credentials();
    unknown["account_id"] = json!("acc_does_not_exist");
    let (status, body) = host.connect(&session, unknown).await;
    assert_eq!((status, code(&body)), (400, "invalid_request"));
    let stranger = host.session("user-2").await;
    let mut foreign = credentials();
    foreign["account_id"] = json!(id);
    assert_eq!(host.connect(&stranger, foreign).await.0, 400, "another user's account cannot be updated");
}

#[tokio::test]
async fn wrong_secret_is_invalid_client() {
    let host = Host::start(&token_server().await, &[]).await;
    let session = host.session("user-1").await;
    let mut body = credentials();
    body["client_secret"] = json!("not-the-right-secret-0123");
    let (status, error) = host.connect(&session, body).await;
    assert_eq!((status, code(&error), error["retryable"].as_bool()), (401, "invalid_client", Some(false)));
    assert!(host.accounts(&session).await.is_empty());
}

#[tokio::test]
async fn an_audience_the_client_may_not_use_is_access_denied() {
    let host = Host::start(&token_server().await, &[("SPS_AUDIENCE", "https://other.example/")]).await;
    let session = host.session("user-1").await;
    let (status, error) = host.connect(&session, credentials()).await;
    assert_eq!((status, code(&error)), (403, "access_denied"));

    let host = Host::start(&token_server().await, &[]).await;
    let session = host.session("user-1").await;
    let no_audience = json!({ "environment": "sandbox", "client_id": "spsDemoNoAudienceClient01",
        "client_secret": "no-audience-demo-secret-0123456789" });
    let (status, error) = host.connect(&session, no_audience).await;
    assert_eq!((status, code(&error)), (403, "access_denied"));
}

#[tokio::test]
async fn an_application_without_the_grant_is_unauthorized_client() {
    let host = Host::start(&token_server().await, &[]).await;
    let session = host.session("user-1").await;
    let spa = json!({ "environment": "sandbox", "client_id": "spsDemoSpaClient01",
        "client_secret": "spa-demo-secret-0123456789" });
    let (status, error) = host.connect(&session, spa).await;
    assert_eq!((status, code(&error)), (403, "unauthorized_client"));
}

#[tokio::test]
async fn the_legacy_audience_and_basic_authentication_work_too() {
    let host = Host::start(
        &token_server().await,
        &[("SPS_AUDIENCE", "api://api.spscommerce.com/"), ("SPS_CLIENT_AUTH", "basic")],
    )
    .await;
    let session = host.session("user-1").await;
    let (status, body) = host.connect(&session, credentials()).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn upstream_failures_are_provider_unavailable_and_retryable() {
    let upstream = broken_upstream().await;
    let down = closed_port().await;
    for (url, what) in [
        (format!("http://{down}/oauth/token"), "token server down"),
        (format!("http://{upstream}/slow"), "slower than the timeout"),
        (format!("http://{upstream}/html"), "an HTML page"),
        (format!("http://{upstream}/garbage"), "JSON without a token"),
        (format!("http://{upstream}/crash"), "a 500 error page"),
    ] {
        let host = Host::start(&url, &[("SPS_TOKEN_TIMEOUT_MS", "300")]).await;
        let session = host.session("user-1").await;
        let started = std::time::Instant::now();
        let (status, error) = host.connect(&session, credentials()).await;
        assert_eq!((status, code(&error)), (502, "provider_unavailable"), "{what}: {error}");
        assert_eq!(error["retryable"], true, "{what}");
        assert!(started.elapsed() < std::time::Duration::from_secs(3), "{what} was not cut off by the timeout");
        assert!(host.accounts(&session).await.is_empty(), "{what}");
    }
}

#[tokio::test]
async fn upstream_throttling_is_rate_limited() {
    let upstream = broken_upstream().await;
    let host = Host::start(&format!("http://{upstream}/throttle"), &[]).await;
    let session = host.session("user-1").await;
    let (status, error) = host.connect(&session, credentials()).await;
    assert_eq!((status, code(&error), error["retryable"].as_bool()), (429, "rate_limited", Some(true)));
}

#[tokio::test]
async fn malformed_requests_get_clear_contract_errors() {
    let host = Host::start(&token_server().await, &[]).await;
    let session = host.session("user-1").await;
    let cases = [
        (json!({ "environment": "sandbox", "client_id": CLIENT_ID }), "client_secret"),
        (
            json!({ "environment": "sandbox", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scope": "x" }),
            "scope",
        ),
        (json!({ "environment": "staging", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET }), "environment"),
        (json!({ "environment": "sandbox", "client_id": "", "client_secret": CLIENT_SECRET }), "client_id"),
        (json!({ "environment": "sandbox", "client_id": CLIENT_ID, "client_secret": "" }), "client_secret"),
        (
            json!({ "environment": "sandbox", "client_id": "a".repeat(129), "client_secret": CLIENT_SECRET }),
            "client_id",
        ),
        (
            json!({ "environment": "sandbox", "client_id": CLIENT_ID, "client_secret": "s".repeat(513) }),
            "client_secret",
        ),
        (
            json!({ "environment": "sandbox", "client_id": " padded-client ", "client_secret": CLIENT_SECRET }),
            "client_id",
        ),
        (json!({ "environment": "sandbox", "client_id": CLIENT_ID, "client_secret": 12345678 }), "client_secret"),
        (
            json!({ "environment": "sandbox", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "account_id": "x y" }),
            "account_id",
        ),
        (json!(["not", "an", "object"]), ""),
    ];
    for (body, field) in cases {
        let (status, error) = host.connect(&session, body.clone()).await;
        assert_eq!((status, code(&error)), (400, "invalid_request"), "{body}: {error}");
        assert!(error["message"].as_str().unwrap().contains(field), "{body}: {error}");
        assert!(!error.to_string().contains(CLIENT_SECRET), "{error}");
        assert!(!error.to_string().contains("12345678"), "a value was echoed: {error}");
    }
    let (status, error) = host.connect_raw(&session, "application/json", b"{not json".to_vec()).await;
    assert_eq!((status, code(&error)), (400, "invalid_request"));
    let (status, error) = host.connect_raw(&session, "text/plain", credentials().to_string().into_bytes()).await;
    assert_eq!((status, code(&error)), (415, "invalid_request"));
    let huge = json!({ "environment": "sandbox", "client_id": CLIENT_ID, "client_secret": "s".repeat(20_000) });
    let (status, error) = host.connect_raw(&session, "application/json", huge.to_string().into_bytes()).await;
    assert_eq!((status, code(&error)), (413, "invalid_request"), "{error}");
    assert!(host.accounts(&session).await.is_empty());
}

#[tokio::test]
async fn missing_forged_and_expired_sessions_are_refused() {
    let host = Host::start(&token_server().await, &[]).await;
    let genuine = host.session("user-1").await;
    let (payload, _) = genuine.split_once('.').unwrap();
    let forged = format!("{payload}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    for session in ["", "garbage", forged.as_str()] {
        let (status, error) = host.connect(session, credentials()).await;
        assert_eq!((status, code(&error)), (401, "session_invalid"), "{session:?}");
    }
    let response = host.http.get(format!("{}/api/sps/accounts", host.url)).send().await.unwrap();
    assert_eq!(response.status(), 401);

    let signer = Sessions::new(SecretSlice::from(SESSION_KEY.to_vec()), std::time::Duration::ZERO);
    let (expired, _) = signer.mint("user-1");
    let (status, error) = host.connect(&expired, credentials()).await;
    assert_eq!((status, code(&error)), (401, "session_invalid"));
    assert!(error["message"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn sessions_are_minted_only_with_the_admin_key() {
    let host = Host::start(&token_server().await, &[]).await;
    let mint = |key: Option<&'static str>, body: serde_json::Value| {
        let mut request = host.http.post(format!("{}/api/sps/sessions", host.url)).json(&body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send()
    };
    assert_eq!(mint(None, json!({ "user_id": "u" })).await.unwrap().status(), 401);
    assert_eq!(mint(Some("wrong-key"), json!({ "user_id": "u" })).await.unwrap().status(), 401);
    assert_eq!(mint(Some(ADMIN_KEY), json!({ "user_id": "" })).await.unwrap().status(), 400);
    assert_eq!(mint(Some(ADMIN_KEY), json!({ "user": "u" })).await.unwrap().status(), 400);
    let granted = mint(Some(ADMIN_KEY), json!({ "user_id": "u" })).await.unwrap();
    assert_eq!(granted.status(), 201);
    let grant: serde_json::Value = granted.json().await.unwrap();
    assert!(grant["expires_at"].as_str().unwrap().ends_with('Z'));

    let without_admin = Host::start(&token_server().await, &[("SPS_CONNECT_ADMIN_KEY", "")]).await;
    let response = without_admin
        .http
        .post(format!("{}/api/sps/sessions", without_admin.url))
        .bearer_auth("")
        .json(&json!({ "user_id": "u" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "no admin key configured means no minting");
}

#[tokio::test]
async fn a_restarted_host_keeps_the_accounts() {
    let token_url = token_server().await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("accounts.sqlite");
    let first = Host::start_on(config(&database, &token_url, &[])).await;
    let session = first.session("user-1").await;
    let (status, created) = first.connect(&session, credentials()).await;
    assert_eq!(status, 201);
    drop(first);

    let second = Host::start_on(config(&database, &token_url, &[])).await;
    let session = second.session("user-1").await;
    let listed = second.accounts(&session).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], created["account"]["id"]);
}

#[tokio::test]
async fn the_demo_portal_gets_its_session_from_the_host() {
    let host = Host::start(&token_server().await, &[("SPS_CONNECT_DEMO", "1")]).await;
    let page = host.http.get(format!("{}/", host.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Connect SPS Commerce") && page.contains("Accounts"));
    assert!(!page.contains(ADMIN_KEY));
    let grant: serde_json::Value =
        host.http.get(format!("{}/demo/session", host.url)).send().await.unwrap().json().await.unwrap();
    let session = grant["session_token"].as_str().unwrap();
    assert_eq!(grant["services"], json!(["transaction", "packing_slip"]));
    let (status, linked) = host.connect(session, credentials()).await;
    assert_eq!(status, 201);
    assert_eq!(host.accounts(session).await.len(), 1);
    let id = linked["account"]["id"].as_str().unwrap();
    let documents = host.http.get(format!("{}/demo/accounts/{id}/documents", host.url)).send().await.unwrap();
    assert_eq!(documents.headers()["x-sps-connect-source"], "sps");
    let documents: serde_json::Value = documents.json().await.unwrap();
    assert_eq!(documents["results"].as_array().unwrap().len(), 5, "the demo lists the sample documents: {documents}");
    let stranger = host.connected_account("someone-else").await;
    let foreign = host.http.get(format!("{}/demo/accounts/{stranger}/documents", host.url)).send().await.unwrap();
    assert_eq!(foreign.status(), 404, "the demo shows only demo-user's accounts");

    let plain = Host::start(&token_server().await, &[]).await;
    let response = plain.http.get(format!("{}/demo/session", plain.url)).send().await.unwrap();
    assert_eq!(response.status(), 404, "the demo session exists only in demo mode");
}

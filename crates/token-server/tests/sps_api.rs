//! The SPS API stand-in accepts only the tokens the server issued, unexpired.

use serde_json::{json, Value};
use sps_token_server::{TokenServer, AUDIENCE};
use std::time::Duration;

async fn start(server: TokenServer) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, server.router()).await.unwrap() });
    base
}

async fn post(url: &str, body: Value) -> Value {
    reqwest::Client::new().post(url).json(&body).send().await.unwrap().json().await.unwrap()
}

async fn token(base: &str, client_id: &str, client_secret: &str) -> String {
    let body = json!({ "grant_type": "client_credentials", "client_id": client_id,
        "client_secret": client_secret, "audience": AUDIENCE });
    post(&format!("{base}/oauth/token"), body).await["access_token"].as_str().unwrap().to_owned()
}

async fn get(url: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn auth_check_accepts_only_issued_tokens_with_api_access() {
    let base = start(TokenServer::default()).await;
    let good = token(&base, "spsDemoSandboxClient01", "sandbox-demo-secret-0123456789").await;
    assert_eq!(get(&format!("{base}/auth-check"), &good).await.status(), 204);
    assert_eq!(get(&format!("{base}/auth-check"), "made-up-token").await.status(), 401);
    let no_api = token(&base, "spsDemoNoApiClient01", "no-api-demo-secret-0123456789").await;
    assert_eq!(get(&format!("{base}/auth-check"), &no_api).await.status(), 403);
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let base = start(TokenServer::with_token_lifetime(Duration::from_secs(1))).await;
    let short_lived = token(&base, "spsDemoSandboxClient01", "sandbox-demo-secret-0123456789").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get(&format!("{base}/auth-check"), &short_lived).await.status(), 401);
}

#[tokio::test]
async fn the_transaction_api_pages_through_the_sample_documents() {
    let base = start(TokenServer::default()).await;
    let token = token(&base, "spsDemoSandboxClient01", "sandbox-demo-secret-0123456789").await;
    let list = format!("{base}/transactions/v5/data/out/");
    let first: Value = get(&format!("{list}?limit=2"), &token).await.json().await.unwrap();
    assert_eq!(first["results"].as_array().unwrap().len(), 2);
    assert_eq!(first["results"][0]["path"], "/out/PO_4500012345.xml");
    assert_eq!(first["results"][0]["type"], "file");
    assert_eq!(first["paging"]["limit"], 2);
    assert_eq!(first["paging"]["previous"], Value::Null);
    let next = first["paging"]["next"]["url"].as_str().unwrap();
    let second: Value = get(next, &token).await.json().await.unwrap();
    assert_eq!(second["results"][0]["path"], "/out/IN_9000456.xml");
    let all: Value = get(&list, &token).await.json().await.unwrap();
    assert_eq!(all["results"].as_array().unwrap().len(), 5);
    assert_eq!(all["paging"]["next"], Value::Null);

    let document = get(all["results"][2]["url"].as_str().unwrap(), &token).await;
    assert_eq!(document.headers()["content-type"], "application/xml");
    assert!(document.text().await.unwrap().contains("<InvoiceNumber>9000456</InvoiceNumber>"));
    assert_eq!(get(&format!("{list}?limit=0"), &token).await.status(), 400);
    assert_eq!(get(&format!("{list}?cursor=zz"), &token).await.status(), 400);
    assert_eq!(get(&format!("{list}nothing.xml"), &token).await.status(), 404);
    assert_eq!(get(&list, "made-up-token").await.status(), 401);
}

#[tokio::test]
async fn rotating_a_secret_refuses_the_old_one_and_its_tokens() {
    let server = TokenServer::default();
    let base = start(server.clone()).await;
    let old = token(&base, "spsDemoSandboxClient01", "sandbox-demo-secret-0123456789").await;
    let rotated = post(&format!("{base}/control/clients/spsDemoSandboxClient01/rotate"), Value::Null).await;
    let new_secret = rotated["client_secret"].as_str().unwrap();
    assert_ne!(new_secret, "sandbox-demo-secret-0123456789");
    assert_eq!(get(&format!("{base}/auth-check"), &old).await.status(), 401);
    let body = json!({ "grant_type": "client_credentials", "client_id": "spsDemoSandboxClient01",
        "client_secret": "sandbox-demo-secret-0123456789", "audience": AUDIENCE });
    let refused = reqwest::Client::new().post(format!("{base}/oauth/token")).json(&body).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let fresh = token(&base, "spsDemoSandboxClient01", new_secret).await;
    assert_eq!(get(&format!("{base}/auth-check"), &fresh).await.status(), 204);
    assert_eq!(server.tokens_issued(), 2);

    let revoked = reqwest::Client::new().post(format!("{base}/control/tokens/revoke")).send().await.unwrap();
    assert_eq!(revoked.status(), 204);
    assert_eq!(get(&format!("{base}/auth-check"), &fresh).await.status(), 401);
    let unknown = reqwest::Client::new().post(format!("{base}/control/clients/nobody/rotate")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
}

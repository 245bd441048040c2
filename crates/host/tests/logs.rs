//! Runs a whole link and the account's use (token, proxied call with a
//! renewal, verify after a rotation) with every log line captured, at the
//! most verbose level, and looks for secrets and access tokens in them.

mod support;

use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use support::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_reach_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).init();

    let upstream = broken_upstream().await;
    let (token_url, server) = sps(sps_token_server::TokenServer::default()).await;
    let host = Host::start(&token_url, &[]).await;
    let session = host.session("user-1").await;
    let (status, linked) = host.connect(&session, credentials()).await;
    assert_eq!(status, 201);
    let id = linked["account"]["id"].as_str().unwrap();
    let (_, token) = host.admin(reqwest::Method::POST, &format!("/api/sps/accounts/{id}/token")).await;
    let access_token = token["access_token"].as_str().unwrap().to_owned();
    server.revoke_tokens();
    let proxied = format!("/api/sps/accounts/{id}/proxy/transactions/v5/data/out/");
    assert_eq!(host.admin(reqwest::Method::GET, &proxied).await.0, 200);
    let (_, renewed) = host.admin(reqwest::Method::POST, &format!("/api/sps/accounts/{id}/token")).await;
    let renewed_token = renewed["access_token"].as_str().unwrap().to_owned();
    server.rotate_secret(CLIENT_ID).unwrap();
    assert_eq!(host.admin(reqwest::Method::POST, &format!("/api/sps/accounts/{id}/verify")).await.0, 200);
    let wrong_admin_key = "V3JvbmdBZG1pbktleVZhbHVlMDEyMzQ1Njc4OWFiY2Q=";
    let refused = host.http.post(format!("{}/api/sps/accounts/{id}/token", host.url)).bearer_auth(wrong_admin_key);
    assert_eq!(refused.send().await.unwrap().status(), 401);
    let forged_session = format!("{}.Zm9yZ2Vk", session.split('.').next().unwrap());
    assert_eq!(host.as_user(&forged_session, reqwest::Method::GET, "/api/sps/accounts").await.0, 401);
    let mut wrong = credentials();
    wrong["client_secret"] = json!("Wrong-Secret-Value-0123456789");
    assert_eq!(host.connect(&session, wrong).await.0, 401);
    let broken = Host::start(&format!("http://{upstream}/html"), &[]).await;
    let broken_session = broken.session("user-1").await;
    assert_eq!(broken.connect(&broken_session, credentials()).await.0, 502);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("account connected"), "the capture works: {logs}");
    assert!(logs.contains("account not confirmed"), "failures are logged: {logs}");
    assert!(logs.contains("renewing it once") && logs.contains("needs attention"), "token events are logged: {logs}");
    assert!(logs.matches("authentication refused").count() >= 2, "refused authentications are logged: {logs}");
    let tokens = [access_token.as_str(), renewed_token.as_str()];
    let refused = [wrong_admin_key, forged_session.as_str()];
    for secret in [CLIENT_SECRET, "Wrong-Secret-Value-0123456789", session.as_str(), ADMIN_KEY]
        .iter()
        .chain(&tokens)
        .chain(&refused)
    {
        assert!(!logs.contains(secret), "{secret} appears in the logs");
    }
    assert!(!logs.contains("access_token"), "a token response reached the logs");
}

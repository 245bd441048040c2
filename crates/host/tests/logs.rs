//! Runs a whole link with every log line captured, at the most verbose level,
//! and looks for the secret and the access token in them.

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
    let host = Host::start(&token_server().await, &[]).await;
    let session = host.session("user-1").await;
    assert_eq!(host.connect(&session, credentials()).await.0, 201);
    let mut wrong = credentials();
    wrong["client_secret"] = json!("Wrong-Secret-Value-0123456789");
    assert_eq!(host.connect(&session, wrong).await.0, 401);
    let broken = Host::start(&format!("http://{upstream}/html"), &[]).await;
    let broken_session = broken.session("user-1").await;
    assert_eq!(broken.connect(&broken_session, credentials()).await.0, 502);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("account linked"), "the capture works: {logs}");
    assert!(logs.contains("link not confirmed"), "failures are logged: {logs}");
    for secret in [CLIENT_SECRET, "Wrong-Secret-Value-0123456789", session.as_str(), ADMIN_KEY] {
        assert!(!logs.contains(secret), "{secret} appears in the logs");
    }
    assert!(!logs.contains("access_token"), "a token response reached the logs");
}

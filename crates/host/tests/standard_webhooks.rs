//! Webhook deliveries checked by the published Standard Webhooks verifiers
//! (npm and PyPI `standardwebhooks`, installed by `./scripts/setup`): every
//! delivery passes with the current secret and, while secrets rotate, with the
//! previous one; a tampered body, an old timestamp and another secret are refused.

mod support;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};
use std::process::Command;
use support::*;

fn run(program: &str, script: &str, cases: &std::path::Path) -> Vec<Value> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/verifiers").join(script);
    let output = Command::new(program).arg(&script).arg(cases).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{program} failed: {}{stdout}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(stdout.trim()).unwrap_or_else(|_| panic!("{program} printed {stdout}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_published_verifiers_accept_every_delivery_and_refuse_forgeries() {
    let current = format!("whsec_{}", STANDARD.encode([0x11u8; 32]));
    let previous = STANDARD.encode([0x22u8; 32]);
    let receiver = WebhookReceiver::default();
    let hooks = receiver.start(0).await;
    let overrides = [
        ("SPS_CONNECT_WEBHOOK_URL", hooks.as_str()),
        ("SPS_CONNECT_WEBHOOK_SECRET", current.as_str()),
        ("SPS_CONNECT_WEBHOOK_PREVIOUS_SECRETS", previous.as_str()),
    ];
    let host = Host::start(&token_server().await, &overrides).await;
    let id = host.connected_account("user-1").await;
    assert_eq!(host.admin(Method::DELETE, &format!("/api/sps/accounts/{id}")).await.0, 204);
    receiver.wait_for(2).await;

    let deliveries: Vec<Value> = receiver
        .deliveries
        .lock()
        .unwrap()
        .iter()
        .map(|(headers, body)| {
            let header = |name: &str| headers[name].to_str().unwrap().to_owned();
            assert_eq!(header("webhook-signature").split(' ').count(), 2, "one signature per secret");
            assert_eq!(header("webhook-id"), header("sps-connect-event-id"));
            let headers = json!({
                "webhook-id": header("webhook-id"),
                "webhook-timestamp": header("webhook-timestamp"),
                "webhook-signature": header("webhook-signature"),
            });
            json!({ "headers": headers, "body": body })
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases.json");
    let unrelated = format!("whsec_{}", STANDARD.encode([0x33u8; 32]));
    let written = json!({
        "current": current, "previous": format!("whsec_{previous}"), "unrelated": unrelated, "deliveries": deliveries
    });
    std::fs::write(&cases, written.to_string()).unwrap();

    for (program, script) in [("node", "standard_webhooks.mjs"), ("python3", "standard_webhooks.py")] {
        let results = run(program, script, &cases);
        assert_eq!(results.len(), 2, "{program}: {results:?}");
        for result in &results {
            assert_eq!(result["current"], "ok", "{program}: {result}");
            assert_eq!(result["previous"], "ok", "{program}, the previous secret: {result}");
            for forged in ["unrelated", "tampered", "old"] {
                assert!(result[forged].as_str().unwrap().starts_with("refused"), "{program}, {forged}: {result}");
            }
            assert!(result["old"].as_str().unwrap().to_lowercase().contains("timestamp"), "{program}: {result}");
        }
    }
}

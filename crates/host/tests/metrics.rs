//! Prometheus metrics from outside: a host process with
//! `SPS_CONNECT_METRICS_ADDR` serves them on that listener only, they count
//! what happened, no label holds an id, a Client ID, a secret or a token, and
//! Prometheus' own `promtool check metrics` accepts the exposition.

mod support;

use reqwest::Method;
use sps_token_server::TokenServer;
use std::io::Write;
use std::process::{Command, Stdio};
use support::*;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The value of the sample `name{labels}`, where `labels` is the exact label set.
fn sample(exposition: &str, name_and_labels: &str) -> f64 {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(name_and_labels)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sample {name_and_labels} in:\n{exposition}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_what_happened_without_ids_and_pass_promtool() {
    let (token_url, sps_server) = sps(TokenServer::default()).await;
    let receiver = WebhookReceiver::default();
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("accounts.sqlite").display().to_string();
    let metrics = format!("127.0.0.1:{}", free_port());
    let mut vars = instance_variables(&database, &token_url, &receiver.start(1).await);
    vars.push(("SPS_CONNECT_METRICS_ADDR".into(), metrics.clone()));
    vars.push(("SPS_CONNECT_WEBHOOK_RETRY_BASE_MS".into(), "600000".into()));
    let instance = start_instance(&vars);
    let host = &instance.host;

    let user = "user-with-a-private-name";
    let id = host.connected_account(user).await;
    assert_eq!(host.admin(Method::GET, &format!("/api/sps/accounts/{id}/proxy/auth-check")).await.0, 204);
    let (_, token) = host.admin(Method::POST, &format!("/api/sps/accounts/{id}/token")).await;
    let (_, link) = host.mint(serde_json::json!({ "user_id": user })).await;
    assert_eq!(host.admin(Method::POST, "/api/sps/webhooks/test").await.0, 202);
    receiver.wait_for(2).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (status, _) =
        raw_request(&host.url, "GET", &format!("/api/sps/accounts/{id}"), &[("Authorization", "Bearer wrong")]).await;
    assert_eq!(status, 401);

    let (status, _) = raw_request(&host.url, "GET", "/metrics", &[]).await;
    assert_eq!(status, 404, "not on the API's listener");
    let exposition = reqwest::get(format!("http://{metrics}/metrics")).await.unwrap().text().await.unwrap();
    let connects = r#"sps_connect_http_requests_total{route="/api/sps/connect",method="POST",status="2xx"}"#;
    assert_eq!(sample(&exposition, connects), 1.0);
    let proxied =
        r#"sps_connect_http_requests_total{route="/api/sps/accounts/{id}/proxy/{*path}",method="GET",status="2xx"}"#;
    assert_eq!(sample(&exposition, proxied), 1.0, "the route's template, not the account's path");
    assert_eq!(sample(&exposition, r#"sps_connect_token_exchanges_total{outcome="ok"}"#), 1.0);
    assert_eq!(sample(&exposition, r#"sps_connect_auth_checks_total{outcome="ok"}"#), 1.0);
    assert!(sample(&exposition, r#"sps_connect_tokens_served_total{source="memory"}"#) >= 2.0);
    assert_eq!(sample(&exposition, r#"sps_connect_proxy_calls_total{status="2xx"}"#), 1.0);
    assert_eq!(sample(&exposition, r#"sps_connect_webhook_deliveries_total{outcome="delivered"}"#), 1.0);
    assert_eq!(sample(&exposition, r#"sps_connect_webhook_deliveries_total{outcome="failed"}"#), 1.0);
    assert_eq!(sample(&exposition, "sps_connect_webhook_events_waiting"), 1.0, "the failed one waits for its retry");
    assert!((0.0..60.0).contains(&sample(&exposition, "sps_connect_webhook_oldest_waiting_seconds")));
    assert_eq!(sample(&exposition, r#"sps_connect_accounts{status="active"}"#), 1.0);
    assert_eq!(sample(&exposition, r#"sps_connect_accounts{status="needs_attention"}"#), 0.0);
    assert_eq!(sample(&exposition, "sps_connect_store_up"), 1.0);
    assert!(sample(&exposition, "sps_connect_store_round_trip_seconds") > 0.0);
    assert!(!exposition.contains("sps_connect_breaker_pauses_total"), "no pause yet");
    assert!(
        exposition.contains("sps_connect_http_request_duration_seconds_bucket{route=\"/api/sps/connect\",le=\"0.1\"}")
    );

    let secrets = [
        id.as_str(),
        user,
        CLIENT_ID,
        CLIENT_SECRET,
        token["access_token"].as_str().unwrap(),
        link["id"].as_str().unwrap(),
        "evt_",
        ADMIN_KEY,
    ];
    for secret in secrets {
        assert!(!exposition.contains(secret), "{secret} is in the metrics");
    }

    sps_server.throttle(30);
    for client in ["throttledClient1", "throttledClient2", "throttledClient3"] {
        let keys = serde_json::json!({ "environment": "sandbox", "client_id": client, "client_secret": CLIENT_SECRET });
        let response = host.connect_response(&host.session(user).await, keys).await;
        assert_eq!(response.status(), 429);
    }
    let exposition = reqwest::get(format!("http://{metrics}/metrics")).await.unwrap().text().await.unwrap();
    let paused = r#"sps_connect_breaker_pauses_total{scope="client",cause="throttled"}"#;
    assert_eq!(sample(&exposition, paused), 2.0);
    assert_eq!(sample(&exposition, r#"sps_connect_breaker_pauses_total{scope="all",cause="throttled"}"#), 1.0);
    let until = sample(&exposition, "sps_connect_breaker_open_until_seconds");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    assert!((now + 20.0..now + 40.0).contains(&until), "every call paused for the 30 s SPS asked: {until} at {now}");

    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package, installed by ./scripts/setup)");
    promtool.stdin.take().unwrap().write_all(exposition.as_bytes()).unwrap();
    let output = promtool.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && said.trim().is_empty(), "promtool check metrics: {said}");
}

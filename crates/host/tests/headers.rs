//! Security headers of every kind of answer, and the demo's loopback-only rule.

mod support;

use support::*;

#[tokio::test]
async fn api_answers_are_never_stored_or_sniffed() {
    let host = Host::start(&token_server().await, &[]).await;
    let refused = host.http.get(format!("{}/api/sps/accounts", host.url)).send().await.unwrap();
    let session = host.session("u1").await;
    let listed = host
        .http
        .get(format!("{}/api/sps/accounts", host.url))
        .header("X-Connect-Session", &session)
        .send()
        .await
        .unwrap();
    let id = host.connected_account("u1").await;
    let proxied = host
        .http
        .get(format!("{}/api/sps/accounts/{id}/proxy/transactions/v5/data/out/", host.url))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    let missing = host.http.get(format!("{}/api/sps/nothing-here", host.url)).send().await.unwrap();
    for (what, response) in [("refusal", refused), ("list", listed), ("proxied", proxied), ("404", missing)] {
        assert_eq!(response.headers()["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{what}");
    }
}

#[tokio::test]
async fn demo_pages_allow_only_their_own_scripts_and_cannot_be_framed() {
    let host = Host::start(&token_server().await, &[("SPS_CONNECT_DEMO", "1")]).await;
    for path in ["/", "/white-label"] {
        let page = host.http.get(format!("{}{path}", host.url)).send().await.unwrap();
        let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"), "{path}: {policy}");
        assert!(policy.contains("frame-ancestors 'none'") && policy.contains("default-src 'none'"), "{path}: {policy}");
        assert_eq!(page.headers()["x-frame-options"], "DENY");
        assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    }
}

#[tokio::test]
async fn static_files_cannot_be_framed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html><title>x</title>").unwrap();
    let host = Host::start(&token_server().await, &[("SPS_CONNECT_STATIC_DIR", dir.path().to_str().unwrap())]).await;
    let page = host.http.get(format!("{}/", host.url)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn the_demo_answers_only_requests_addressed_to_loopback() {
    let host = Host::start(&token_server().await, &[("SPS_CONNECT_DEMO", "1")]).await;
    let port = host.url.rsplit(':').next().unwrap().to_owned();
    let rebound = reqwest::Client::builder()
        .no_proxy()
        .resolve("rebound.evil.example", host.url.trim_start_matches("http://").parse().unwrap())
        .build()
        .unwrap();
    let refused = rebound.get(format!("http://rebound.evil.example:{port}/demo/session")).send().await.unwrap();
    assert_eq!(refused.status(), 421, "a page on another site that rebinds its name to loopback");
    let local = reqwest::Client::builder().no_proxy().build().unwrap();
    let allowed = local.get(format!("http://localhost:{port}/demo/session")).send().await.unwrap();
    assert_eq!(allowed.status(), 200);
}

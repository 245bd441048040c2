//! Calls to SPS ignore the proxy variables of the environment and use only
//! the configured proxy. One test in its own binary, because it sets
//! process-wide variables.

mod support;

use support::*;

#[tokio::test]
async fn proxy_variables_are_ignored_unless_configured() {
    let proxy = RecordingApi::default();
    let proxy_url = proxy.start().await;
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"] {
        std::env::set_var(name, &proxy_url);
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");
    let token_url = token_server().await;

    let direct = Host::start(&token_url, &[]).await;
    assert_eq!(direct.connect(&direct.session("u1").await, credentials()).await.0, 201);
    assert!(proxy.received.lock().unwrap().is_empty(), "the environment's proxy was used");

    let proxied = Host::start(&token_url, &[("SPS_OUTBOUND_PROXY", &proxy_url)]).await;
    let (status, _) = proxied.connect(&proxied.session("u1").await, credentials()).await;
    assert_eq!(status, 502, "the recording proxy does not answer like a token endpoint");
    let received = proxy.received.lock().unwrap();
    assert_eq!(received.len(), 1, "the configured proxy carried the token request");
    assert_eq!(received[0].method, "POST");
}

//! The SPS API proxy for the portal's server, over real HTTP on loopback.

mod support;

use reqwest::Method;
use sps_token_server::TokenServer;
use support::*;

/// A host whose SPS API is a recording stand-in; the account id.
async fn recorded(overrides: &[(&str, &str)]) -> (Host, RecordingApi, String) {
    let api = RecordingApi::default();
    let api_url = api.start().await;
    let mut all = vec![("SPS_API_URL", api_url.as_str())];
    all.extend_from_slice(overrides);
    let host = Host::start(&token_server().await, &all).await;
    let id = host.connected_account("user-1").await;
    (host, api, id)
}

#[tokio::test]
async fn the_sample_documents_come_back_through_the_proxy() {
    let host = Host::start(&token_server().await, &[]).await;
    let id = host.connected_account("user-1").await;
    let (status, page) =
        host.admin(Method::GET, &format!("/api/sps/accounts/{id}/proxy/transactions/v5/data/out/?limit=2")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["results"].as_array().unwrap().len(), 2);
    assert_eq!(page["results"][0]["path"], "/out/PO_4500012345.xml");
    assert_eq!(page["paging"]["limit"], 2);
}

#[tokio::test]
async fn method_query_body_and_content_type_pass_through_and_credentials_stay_behind() {
    let (host, api, id) = recorded(&[]).await;
    let response = host
        .http
        .put(format!("{}/api/sps/accounts/{id}/proxy/transactions/v5/data/in/file%20one.xml?a=1&b=two", host.url))
        .bearer_auth(ADMIN_KEY)
        .header("content-type", "application/xml")
        .header("cookie", "portal-session=abc")
        .header("x-forwarded-for", "10.0.0.1")
        .header("accept", "application/json")
        .body("<Order/>")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-sps-connect-source"], "sps");
    assert_eq!(response.headers()["etag"], "\"v1\"");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.headers().get("set-cookie").is_none(), "upstream cookies are not passed back");
    assert_eq!(response.text().await.unwrap(), r#"{"ok":true}"#);

    let call = api.calls().pop().unwrap();
    assert_eq!(call.method, "PUT");
    assert_eq!(call.target, "/transactions/v5/data/in/file%20one.xml?a=1&b=two");
    assert_eq!(call.body, b"<Order/>");
    assert_eq!(call.headers["content-type"], "application/xml");
    assert_eq!(call.headers["accept"], "application/json");
    let authorization = &call.headers["authorization"];
    assert!(authorization.starts_with("Bearer ") && !authorization.contains(ADMIN_KEY), "{authorization}");
    assert!(!call.headers.contains_key("cookie"));
    assert!(!call.headers.contains_key("x-forwarded-for"));
    assert!(!call.headers.contains_key("x-connect-session"));
}

#[tokio::test]
async fn path_tricks_never_leave_the_sps_api() {
    let (host, api, id) = recorded(&[]).await;
    let prefix = format!("/api/sps/accounts/{id}/proxy");
    for trick in [
        "/../../../admin",
        "/transactions/../../../etc/passwd",
        "/%2e%2e/%2e%2e/admin",
        "/a%2Fb",
        "/a%5Cb",
        "//evil.example/steal",
        "/https://evil.example/steal",
        "/user@evil.example/x",
        "/a%40evil.example",
        "/./auth-check",
        "/a%zz",
    ] {
        let (status, body) = raw_request(
            &host.url,
            "GET",
            &format!("{prefix}{trick}"),
            &[("Authorization", &format!("Bearer {ADMIN_KEY}"))],
        )
        .await;
        assert!(status == 400 || status == 404, "{trick}: {status} {body}");
        if status == 400 {
            assert!(body.contains("invalid_request"), "{trick}: {body}");
        }
    }
    assert!(api.calls().is_empty(), "a trick reached the API: {:?}", api.calls());
    let absolute = format!("http://evil.example{prefix}/x");
    let (status, _) =
        raw_request(&host.url, "GET", &absolute, &[("Authorization", &format!("Bearer {ADMIN_KEY}"))]).await;
    assert_eq!(status, 200, "an absolute request target is the host's own path");
    assert_eq!(api.calls().pop().unwrap().target, "/x");
}

#[tokio::test]
async fn the_proxy_is_for_the_portals_server_only() {
    let (host, api, id) = recorded(&[]).await;
    let session = host.session("user-1").await;
    let url = format!("{}/api/sps/accounts/{id}/proxy/transactions/v5/data/out/", host.url);
    let with_session = host.http.get(&url).header("X-Connect-Session", &session).send().await.unwrap();
    assert_eq!(with_session.status(), 401);
    assert_eq!(host.http.get(&url).send().await.unwrap().status(), 401);
    let trace = host.http.request(Method::OPTIONS, &url).bearer_auth(ADMIN_KEY).send().await.unwrap();
    assert_eq!(trace.status(), 405);
    assert!(api.calls().is_empty());
}

#[tokio::test]
async fn request_and_answer_sizes_are_capped() {
    let (host, _api, id) =
        recorded(&[("SPS_PROXY_MAX_REQUEST_BYTES", "2048"), ("SPS_PROXY_MAX_RESPONSE_BYTES", "4096")]).await;
    let url = |path: &str| format!("{}/api/sps/accounts/{id}/proxy/{path}", host.url);
    let big = host.http.post(url("upload")).bearer_auth(ADMIN_KEY).body(vec![b'x'; 4096]).send().await.unwrap();
    assert_eq!(big.status(), 413);
    let fits = host.http.post(url("upload")).bearer_auth(ADMIN_KEY).body(vec![b'x'; 2000]).send().await.unwrap();
    assert_eq!(fits.status(), 200);
    let (status, error) = host.admin(Method::GET, &format!("/api/sps/accounts/{id}/proxy/big/5000")).await;
    assert_eq!((status, code(&error)), (502, "provider_unavailable"), "{error}");
    assert!(error["message"].as_str().unwrap().contains("larger"));
    assert_eq!(host.admin(Method::GET, &format!("/api/sps/accounts/{id}/proxy/big/4000")).await.0, 200);
}

#[tokio::test]
async fn a_slow_or_absent_api_is_provider_unavailable() {
    let (host, _api, id) = recorded(&[("SPS_API_TIMEOUT_MS", "300")]).await;
    let started = std::time::Instant::now();
    let (status, error) = host.admin(Method::GET, &format!("/api/sps/accounts/{id}/proxy/slow")).await;
    assert_eq!((status, code(&error)), (502, "provider_unavailable"));
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "not cut off by the timeout");

    let down = closed_port().await;
    let unreachable =
        Host::start_on(config(&host.database, &token_server().await, &[("SPS_API_URL", &format!("http://{down}"))]))
            .await;
    let (status, error) = unreachable.admin(Method::GET, &format!("/api/sps/accounts/{id}/proxy/x")).await;
    assert_eq!((status, code(&error)), (502, "provider_unavailable"));
}

#[tokio::test]
async fn a_401_from_sps_renews_the_token_once_and_retries_once() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let host = Host::start(&token_url, &[]).await;
    let id = host.connected_account("user-1").await;
    let path = format!("/api/sps/accounts/{id}/proxy/transactions/v5/data/out/");
    server.revoke_tokens();
    let before = server.tokens_issued();
    let (status, page) = host.admin(Method::GET, &path).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["results"].as_array().unwrap().len(), 5);
    assert_eq!(server.tokens_issued() - before, 1, "renewed exactly once");

    let (host_api, api, id) = recorded(&[]).await;
    let (status, _) = host_api.admin(Method::GET, &format!("/api/sps/accounts/{id}/proxy/status/401")).await;
    assert_eq!(status, 401, "SPS's second 401 is passed back as it is");
    assert_eq!(api.calls().len(), 2, "one retry, no more");
    let tokens: Vec<_> = api.calls().iter().map(|c| c.headers["authorization"].clone()).collect();
    assert_ne!(tokens[0], tokens[1], "the retry carries a renewed token");
}

#[tokio::test]
async fn a_revoked_secret_found_by_the_proxy_marks_the_account() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let host = Host::start(&token_url, &[]).await;
    let id = host.connected_account("user-1").await;
    server.rotate_secret(CLIENT_ID).unwrap();
    let (status, error) =
        host.admin(Method::GET, &format!("/api/sps/accounts/{id}/proxy/transactions/v5/data/out/")).await;
    assert_eq!((status, code(&error)), (401, "invalid_client"), "{error}");
    let (_, shown) = host.admin(Method::GET, &format!("/api/sps/accounts/{id}")).await;
    assert_eq!(shown["account"]["status"], "needs_attention");
}

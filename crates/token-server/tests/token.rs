//! The local token server answers like SPS Commerce's authorization server.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use sps_token_server::{TokenServer, AUDIENCE, LEGACY_AUDIENCE};

async fn start() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/oauth/token", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, TokenServer::default().router()).await.unwrap() });
    url
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn body(client_id: &str, client_secret: &str, audience: &str) -> Value {
    json!({ "grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret, "audience": audience })
}

#[tokio::test]
async fn issues_a_bearer_token_for_json_and_form_bodies() {
    let url = start().await;
    let http = reqwest::Client::new();
    let request = body("spsDemoSandboxClient01", "sandbox-demo-secret-0123456789", LEGACY_AUDIENCE);
    let (status, token) = answer(http.post(&url).json(&request).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3600);
    assert!(token["access_token"].as_str().unwrap().len() >= 40);

    let form = "grant_type=client_credentials&client_id=spsDemoProductionClient01\
                &client_secret=production-demo-secret-0123456789&audience=https%3A%2F%2Fspscommerce.com";
    let response =
        http.post(&url).header("content-type", "application/x-www-form-urlencoded").body(form).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn accepts_form_urlencoded_http_basic_credentials() {
    let url = start().await;
    let basic = STANDARD.encode("spsDemoSandboxClient01:sandbox-demo-secret-0123456789");
    let response = reqwest::Client::new()
        .post(&url)
        .header("authorization", format!("Basic {basic}"))
        .json(&json!({ "grant_type": "client_credentials", "audience": AUDIENCE }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn refuses_like_sps_does() {
    let url = start().await;
    let http = reqwest::Client::new();
    let cases = [
        (body("spsDemoSandboxClient01", "wrong-secret-0123456789", AUDIENCE), 401, "access_denied"),
        (body("unknownClient0001", "sandbox-demo-secret-0123456789", AUDIENCE), 401, "access_denied"),
        (
            body("spsDemoSandboxClient01", "sandbox-demo-secret-0123456789", "https://other.example"),
            403,
            "access_denied",
        ),
        (body("spsDemoNoAudienceClient01", "no-audience-demo-secret-0123456789", AUDIENCE), 403, "access_denied"),
        (body("spsDemoSpaClient01", "spa-demo-secret-0123456789", AUDIENCE), 403, "unauthorized_client"),
        (json!({ "grant_type": "password", "client_id": "a", "client_secret": "b" }), 400, "unsupported_grant_type"),
        (json!({ "grant_type": "client_credentials" }), 400, "invalid_request"),
    ];
    for (request, expected_status, expected_error) in cases {
        let (status, error) = answer(http.post(&url).json(&request).send().await.unwrap()).await;
        assert_eq!((status, error["error"].as_str().unwrap()), (expected_status, expected_error), "{request}");
    }
    let (status, error) = answer(http.post(&url).body("grant_type=client_credentials").send().await.unwrap()).await;
    assert_eq!((status, error["error"].as_str().unwrap()), (400, "invalid_request"), "no content type");
}

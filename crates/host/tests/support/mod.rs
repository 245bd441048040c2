//! Runs the host backend and token servers on loopback ports for the tests.

#![allow(dead_code)]

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sps_connect_host::config::Config;
use sps_connect_host::store::SqliteStore;
use sps_token_server::TokenServer;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Working Sandbox credentials of the local token server.
pub const CLIENT_ID: &str = "spsDemoSandboxClient01";
/// Their secret.
pub const CLIENT_SECRET: &str = "sandbox-demo-secret-0123456789";
/// The admin key the tests configure.
pub const ADMIN_KEY: &str = "test-admin-key-0123456789";
/// The encryption key the tests configure.
pub const ENCRYPTION_KEY: [u8; 32] = [42; 32];

/// Serves `router` on a free loopback port.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

/// The local SPS-like token server, on a free port; its token URL.
pub async fn token_server() -> String {
    sps(TokenServer::default()).await.0
}

/// Serves `server` (token endpoint and SPS API stand-in) on a free port;
/// its token URL, and the server to control it.
pub async fn sps(server: TokenServer) -> (String, TokenServer) {
    let address = serve(server.clone().router()).await;
    (format!("http://{address}/oauth/token"), server)
}

/// A token endpoint that misbehaves: `slow`, `html`, `garbage`, `crash`, `throttle`.
pub async fn broken_upstream() -> SocketAddr {
    let router = Router::new()
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "{}"
            }),
        )
        .route("/html", post(|| async { axum::response::Html("<html><body>Sign in</body></html>") }))
        .route(
            "/garbage",
            post(|| async { ([("content-type", "application/json")], r#"{"token":"nope"}"#).into_response() }),
        )
        .route("/crash", post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "<h1>Internal Server Error</h1>") }))
        .route(
            "/throttle",
            post(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("content-type", "application/json")],
                    r#"{"error":"too_many_requests"}"#,
                )
            }),
        );
    serve(router).await
}

/// A free loopback port with nothing listening.
pub async fn closed_port() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// A running host backend and what it needs.
pub struct Host {
    /// Its base URL.
    pub url: String,
    /// The SQLite file.
    pub database: PathBuf,
    /// The configuration it runs with.
    pub config: Config,
    /// A client for it.
    pub http: reqwest::Client,
    _dir: Option<Arc<tempfile::TempDir>>,
}

/// Configuration with test keys, a temporary database and `overrides`.
pub fn config(database: &std::path::Path, token_url: &str, overrides: &[(&str, &str)]) -> Config {
    let api_url = token_url.strip_suffix("/oauth/token").unwrap_or(token_url);
    let mut vars: HashMap<String, String> = HashMap::from([
        ("SPS_TOKEN_URL".into(), token_url.into()),
        ("SPS_API_URL".into(), api_url.into()),
        ("SPS_CONNECT_DATABASE".into(), database.display().to_string()),
        ("SPS_CONNECT_ENCRYPTION_KEY".into(), STANDARD.encode(ENCRYPTION_KEY)),
        ("SPS_CONNECT_SESSION_KEY".into(), STANDARD.encode([7u8; 32])),
        ("SPS_CONNECT_ADMIN_KEY".into(), ADMIN_KEY.into()),
        ("SPS_TOKEN_TIMEOUT_MS".into(), "1000".into()),
        ("SPS_SERVICES".into(), "transaction,packing_slip".into()),
    ]);
    vars.extend(overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::from_vars(|name| vars.get(name).cloned()).unwrap()
}

impl Host {
    /// A host against `token_url` with a fresh database.
    pub async fn start(token_url: &str, overrides: &[(&str, &str)]) -> Host {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let database = dir.path().join("accounts.sqlite");
        let mut host = Host::start_on(config(&database, token_url, overrides)).await;
        host._dir = Some(dir);
        host
    }

    /// A host with exactly this configuration.
    pub async fn start_on(config: Config) -> Host {
        let store = Arc::new(SqliteStore::open(&config.database).unwrap());
        let router = sps_connect_host::router(&config, store).unwrap();
        let address = serve(router).await;
        Host {
            url: format!("http://{address}"),
            database: config.database.clone(),
            config,
            http: reqwest::Client::new(),
            _dir: None,
        }
    }

    /// Mints a session for `user_id` through the admin endpoint.
    pub async fn session(&self, user_id: &str) -> String {
        let response = self
            .http
            .post(format!("{}/api/sps/sessions", self.url))
            .bearer_auth(ADMIN_KEY)
            .json(&serde_json::json!({ "user_id": user_id }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        response.json::<serde_json::Value>().await.unwrap()["session_token"].as_str().unwrap().to_owned()
    }

    /// Posts a JSON body to the connect endpoint with `session`.
    pub async fn connect(&self, session: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(format!("{}/api/sps/connect", self.url))
            .header("X-Connect-Session", session)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Posts raw bytes with a content type.
    pub async fn connect_raw(&self, session: &str, content_type: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(format!("{}/api/sps/connect", self.url))
            .header("X-Connect-Session", session)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// The accounts listed for `session`.
    pub async fn accounts(&self, session: &str) -> Vec<serde_json::Value> {
        let response = self
            .http
            .get(format!("{}/api/sps/accounts", self.url))
            .header("X-Connect-Session", session)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json::<serde_json::Value>().await.unwrap()["accounts"].as_array().unwrap().clone()
    }
}

/// The sandbox demo credentials as a connect body.
pub fn credentials() -> serde_json::Value {
    serde_json::json!({ "environment": "sandbox", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET })
}

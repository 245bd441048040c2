//! Runs the host backend and token servers on loopback ports for the tests.

#![allow(dead_code)]

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sps_connect_host::config::{Config, Database};
use sps_token_server::TokenServer;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Working Sandbox credentials of the local token server.
pub const CLIENT_ID: &str = "spsDemoSandboxClient01";
/// Their secret.
pub const CLIENT_SECRET: &str = "sandbox-demo-secret-0123456789";
/// The admin key the tests configure: base64 of 32 bytes.
pub const ADMIN_KEY: &str = "dGVzdC1hZG1pbi1rZXktMDEyMzQ1Njc4OWFiY2RlZmc=";
/// The session signing key the tests configure.
pub const SESSION_KEY: [u8; 32] = [7; 32];
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
    /// The SQLite file (empty for a host on PostgreSQL).
    pub database: PathBuf,
    /// The configuration it runs with.
    pub config: Config,
    /// A client for it.
    pub http: reqwest::Client,
    _dir: Option<Arc<tempfile::TempDir>>,
}

/// The variables of a test host: test keys, `database`, the SPS stand-in at
/// `token_url`, then `overrides`.
pub fn variables(database: &str, token_url: &str, overrides: &[(&str, &str)]) -> HashMap<String, String> {
    let api_url = token_url.strip_suffix("/oauth/token").unwrap_or(token_url);
    let mut vars: HashMap<String, String> = HashMap::from([
        ("SPS_TOKEN_URL".into(), token_url.into()),
        ("SPS_API_URL".into(), api_url.into()),
        ("SPS_CONNECT_DATABASE".into(), database.into()),
        ("SPS_CONNECT_ENCRYPTION_KEY".into(), STANDARD.encode(ENCRYPTION_KEY)),
        ("SPS_CONNECT_SESSION_KEY".into(), STANDARD.encode(SESSION_KEY)),
        ("SPS_CONNECT_ADMIN_KEY".into(), ADMIN_KEY.into()),
        ("SPS_TOKEN_TIMEOUT_MS".into(), "1000".into()),
        ("SPS_SERVICES".into(), "transaction,packing_slip".into()),
    ]);
    vars.extend(overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    vars
}

/// Configuration with test keys, a temporary database and `overrides`.
pub fn config(database: &std::path::Path, token_url: &str, overrides: &[(&str, &str)]) -> Config {
    let vars = variables(&database.display().to_string(), token_url, overrides);
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
        let database = config.database.clone();
        let store = database.open().await.unwrap();
        let router = sps_connect_host::router(&config, store).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let limits = config.server;
        tokio::spawn(sps_connect_host::http::server::serve(listener, router, limits, std::future::pending()));
        Host::at(format!("http://{address}"), config)
    }

    /// A host already running at `url` with `config`.
    pub fn at(url: String, config: Config) -> Host {
        Host {
            url,
            database: match &config.database {
                Database::Sqlite(file) => file.clone(),
                Database::Postgres { .. } => PathBuf::new(),
            },
            config,
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
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
        let response = self.connect_response(session, body).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Posts a JSON body to the connect endpoint with `session`: the whole answer.
    pub async fn connect_response(&self, session: &str, body: serde_json::Value) -> reqwest::Response {
        self.http
            .post(format!("{}/api/sps/connect", self.url))
            .header("X-Connect-Session", session)
            .json(&body)
            .send()
            .await
            .unwrap()
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

/// The production demo credentials of the local token server as a connect body.
pub fn production_credentials() -> serde_json::Value {
    serde_json::json!({ "environment": "production", "client_id": "spsDemoProductionClient01",
        "client_secret": "production-demo-secret-0123456789" })
}

/// The `n`th of two demo applications' credentials, so that many users
/// linking at once do not all use one Client ID.
pub fn either_credentials(n: usize) -> serde_json::Value {
    if n.is_multiple_of(2) {
        credentials()
    } else {
        production_credentials()
    }
}

/// A request the recording SPS API received.
#[derive(Clone, Debug)]
pub struct Received {
    /// Method.
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Headers, names lower-case.
    pub headers: HashMap<String, String>,
    /// Body.
    pub body: Vec<u8>,
}

/// An SPS API stand-in that records every request: `/auth-check` answers
/// 204; `/status/{code}/…` answers that status (so a base URL ending in
/// `/status/401` refuses every auth-check); `/big/{bytes}` a body that
/// long; `/slow` after five seconds; anything else 200 with a JSON body.
#[derive(Clone, Default)]
pub struct RecordingApi {
    /// What arrived, in order.
    pub received: Arc<std::sync::Mutex<Vec<Received>>>,
}

impl RecordingApi {
    /// Serves it on a free port; its base URL.
    pub async fn start(&self) -> String {
        let api = self.clone();
        let router = Router::new().fallback(move |request: axum::extract::Request| {
            let api = api.clone();
            async move { api.answer(request).await }
        });
        format!("http://{}", serve(router).await)
    }

    async fn answer(&self, request: axum::extract::Request) -> axum::response::Response {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap().to_vec();
        let target = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or_default().to_owned()))
            .collect();
        self.received.lock().unwrap().push(Received { method: parts.method.to_string(), target, headers, body });
        let path = parts.uri.path();
        if path == "/auth-check" {
            return StatusCode::NO_CONTENT.into_response();
        }
        if let Some(rest) = path.strip_prefix("/status/") {
            let code = rest.split('/').next().unwrap_or_default();
            return StatusCode::from_u16(code.parse().unwrap()).unwrap().into_response();
        }
        if let Some(bytes) = path.strip_prefix("/big/") {
            return "x".repeat(bytes.parse().unwrap()).into_response();
        }
        if path == "/slow" {
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        (
            StatusCode::OK,
            [("content-type", "application/json"), ("set-cookie", "upstream=1"), ("etag", "\"v1\"")],
            r#"{"ok":true}"#,
        )
            .into_response()
    }

    /// The requests other than auth-checks.
    pub fn calls(&self) -> Vec<Received> {
        self.received.lock().unwrap().iter().filter(|r| r.target != "/auth-check").cloned().collect()
    }
}

/// Sends `target` exactly as written (no client-side normalisation of `..`
/// or escapes) and returns the status and body.
pub async fn raw_request(url: &str, method: &str, target: &str, headers: &[(&str, &str)]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("Content-Length: 0\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

impl Host {
    /// Links the Sandbox demo account for `user_id`; its account id.
    pub async fn connected_account(&self, user_id: &str) -> String {
        let session = self.session(user_id).await;
        let (status, body) = self.connect(&session, credentials()).await;
        assert!(status == 201 || status == 200, "{status}: {body}");
        body["account"]["id"].as_str().unwrap().to_owned()
    }

    /// Calls `method {path}` on the host as the portal's server (admin key).
    pub async fn admin(&self, method: reqwest::Method, path: &str) -> (u16, serde_json::Value) {
        let response =
            self.http.request(method, format!("{}{path}", self.url)).bearer_auth(ADMIN_KEY).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Calls `method {path}` on the host as a portal user with `session`.
    pub async fn as_user(&self, session: &str, method: reqwest::Method, path: &str) -> (u16, serde_json::Value) {
        let response = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header("X-Connect-Session", session)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }
}

/// The contract error code of an answer's body.
pub fn code(body: &serde_json::Value) -> &str {
    body["error"].as_str().unwrap_or_default()
}

/// The token at the end of a hosted link's URL.
pub fn token_of(url: &serde_json::Value) -> String {
    url.as_str().unwrap().rsplit('/').next().unwrap().to_owned()
}

impl Host {
    /// Mints a hosted link as the portal's server, for "Test User" unless the
    /// body says whom: the status and body.
    pub async fn mint(&self, mut body: serde_json::Value) -> (u16, serde_json::Value) {
        if body.get("for").is_none() {
            body["for"] = serde_json::json!("Test User");
        }
        self.mint_exactly(body).await
    }

    /// Mints a hosted link with exactly `body`: the status and body.
    pub async fn mint_exactly(&self, body: serde_json::Value) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(format!("{}/api/sps/links", self.url))
            .bearer_auth(ADMIN_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Opens a hosted link's page.
    pub async fn page(&self, token: &str) -> reqwest::Response {
        self.http.get(format!("{}/connect/{token}", self.url)).send().await.unwrap()
    }

    /// Trades a link's token for a connect session, as its page does: the status and body.
    pub async fn trade(&self, token: &str) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(format!("{}/api/sps/links/session", self.url))
            .json(&serde_json::json!({ "link": token }))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }
}

/// The variable naming the PostgreSQL server the tests use.
pub const TEST_POSTGRES: &str = "SPS_CONNECT_TEST_POSTGRES";

/// A new, empty database on the test PostgreSQL server, reached as a role
/// the server refuses without TLS: its URL, and the authority that signed
/// the server's certificate.
pub fn postgres_tls_database() -> (String, PathBuf) {
    let name = new_postgres_database();
    let role = std::env::var("SPS_CONNECT_TEST_POSTGRES_TLS").expect("./scripts/with-postgres sets it");
    let ca = std::env::var("SPS_CONNECT_TEST_POSTGRES_CA").expect("./scripts/with-postgres sets it");
    (format!("{}/{name}", role.trim_end_matches('/')), PathBuf::from(ca))
}

/// The URL of a new, empty database on the test PostgreSQL server, without TLS.
pub fn postgres_database() -> String {
    format!("{}/{}?sslmode=disable", test_postgres_server(), new_postgres_database())
}

fn test_postgres_server() -> String {
    std::env::var(TEST_POSTGRES).map(|url| url.trim_end_matches('/').to_owned()).unwrap_or_else(|_| {
        panic!(
            "{TEST_POSTGRES} is not set: ./scripts/test starts a PostgreSQL server for the tests and sets it; \
             to use another, set it to a URL such as postgres://postgres@127.0.0.1:5432"
        )
    })
}

/// Creates a database on the test server; its name.
fn new_postgres_database() -> String {
    let name = format!("sps_test_{}", sps_connect_host::util::ids::random_id("db", 8).to_lowercase().replace('_', ""));
    postgres_execute(
        &format!("{}/postgres?sslmode=disable", test_postgres_server()),
        &format!("CREATE DATABASE {name}"),
    );
    name
}

/// Runs `statement` on the database at `url`.
pub fn postgres_execute(url: &str, statement: &str) {
    let (url, statement) = (url.to_owned(), statement.to_owned());
    // A thread of its own, so that sync and async tests alike may call this.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("the test PostgreSQL server at {url} cannot be reached: {e}"));
            tokio::spawn(connection);
            client.batch_execute(&statement).await.unwrap();
        });
    })
    .join()
    .unwrap();
}

/// The key that signs the test webhooks.
pub const WEBHOOK_SECRET: [u8; 32] = [0x5e; 32];

/// A receiver that checks nothing itself; it records every delivery and
/// fails the first `failures` of them.
#[derive(Clone, Default)]
pub struct WebhookReceiver {
    /// Every delivery: its headers and body.
    pub deliveries: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    failures: Arc<AtomicUsize>,
}

impl WebhookReceiver {
    /// Serves it on a free port, failing the first `failures` deliveries; its URL.
    pub async fn start(&self, failures: usize) -> String {
        self.failures.store(failures, Ordering::SeqCst);
        let this = self.clone();
        let router = Router::new().route(
            "/hooks",
            post(move |headers: HeaderMap, body: String| {
                let this = this.clone();
                async move {
                    this.deliveries.lock().unwrap().push((headers, body));
                    let failing = this.failures.load(Ordering::SeqCst) > 0;
                    if failing {
                        this.failures.fetch_sub(1, Ordering::SeqCst);
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    StatusCode::NO_CONTENT
                }
            }),
        );
        format!("http://{}/hooks", serve(router).await)
    }

    /// Every delivery's event, each checked against its signature.
    pub fn verified_events(&self) -> Vec<serde_json::Value> {
        let deliveries = self.deliveries.lock().unwrap();
        deliveries
            .iter()
            .map(|(headers, body)| {
                let header = headers["sps-connect-signature"].to_str().unwrap();
                let timestamp: u64 = header.split(',').next().unwrap().trim_start_matches("t=").parse().unwrap();
                assert_eq!(
                    header,
                    sps_connect_host::domain::webhooks::signature(&WEBHOOK_SECRET, timestamp, body),
                    "the signature checks out"
                );
                let event: serde_json::Value = serde_json::from_str(body).unwrap();
                assert_eq!(headers["sps-connect-event-id"].to_str().unwrap(), event["id"].as_str().unwrap());
                event
            })
            .collect()
    }

    /// Waits until `count` deliveries arrived.
    pub async fn wait_for(&self, count: usize) {
        for _ in 0..1000 {
            if self.deliveries.lock().unwrap().len() >= count {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("{count} deliveries did not arrive: {}", self.deliveries.lock().unwrap().len());
    }
}

/// A host process; stopped when dropped.
pub struct Instance {
    /// The process.
    pub process: Child,
    /// Its address and configuration.
    pub host: Host,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Two instances' variables: one database, the same keys, a webhook receiver.
pub fn instance_variables(database: &str, token_url: &str, webhook_url: &str) -> Vec<(String, String)> {
    let secret = STANDARD.encode(WEBHOOK_SECRET);
    let overrides = [
        ("SPS_CONNECT_ADDR", "127.0.0.1:0"),
        ("SPS_CONNECT_DATABASE_POOL_SIZE", "8"),
        ("SPS_TOKEN_TIMEOUT_MS", "10000"),
        ("SPS_CONNECT_WEBHOOK_URL", webhook_url),
        ("SPS_CONNECT_WEBHOOK_SECRET", &secret),
    ];
    variables(database, token_url, &overrides).into_iter().collect()
}

/// Starts the host binary with `vars` and waits until it says where it listens.
pub fn start_instance(vars: &[(String, String)]) -> Instance {
    let mut process = Command::new(env!("CARGO_BIN_EXE_sps-connect-host"))
        .env_clear()
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(process.stdout.take().unwrap()).lines();
    let address = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| Some(line.split_once("listening on http://")?.1.split('/').next()?.to_owned()))
        .unwrap_or_else(|| panic!("the host stopped before it listened"));
    // Keeps reading, so that the host never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let config = sps_connect_host::config::Config::from_vars(|name| {
        vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
    .unwrap();
    Instance { host: Host::at(format!("http://{address}"), config), process }
}

//! The host's overhead, on each store: the release host and the local token
//! server on loopback, at 1, 16 and 64 concurrent clients, each measured side
//! alternating with its direct counterpart in five rounds per level:
//! - a connect through the host against the same exchange and auth-check made
//!   directly at the token server; afterwards the rows are counted: every
//!   acknowledged link must be there exactly once;
//! - the token broker (`POST /api/sps/accounts/{id}/token`, its cached token)
//!   against a direct SPS call with that token (the auth-check);
//! - a proxied SPS API call against the same call made directly with the token.
//!
//! It runs on SQLite, and on PostgreSQL too when `SPS_CONNECT_TEST_POSTGRES`
//! names a server (`./scripts/with-postgres` starts one for the run).
//!
//! `cargo run --release -p sps-connect-host --example bench_backend -- <requests per level> <output.json>`

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;
use sps_connect_host::config::Config;
use sps_token_server::TokenServer;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ADMIN_KEY: &str = "YmVuY2gtYWRtaW4ta2V5LTAxMjM0NTY3ODlhYmNkZWY=";

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn summary(mut times: Vec<Duration>, wall: Duration) -> serde_json::Value {
    times.sort();
    json!({
        "n": times.len(),
        "p50_ms": percentile(&times, 0.50),
        "p99_ms": percentile(&times, 0.99),
        "per_second": times.len() as f64 / wall.as_secs_f64(),
    })
}

/// What a request that did not succeed got: its HTTP status, or `transport`.
type Failure = String;

/// Failures by what they got.
type Failures = std::collections::BTreeMap<Failure, usize>;

/// One request, given its index: success, or what it got instead.
type Call = Arc<
    dyn Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Failure>> + Send>> + Send + Sync,
>;

/// `sent`'s outcome: success when it answered `expected`.
fn outcome(sent: Result<reqwest::Response, reqwest::Error>, expected: u16) -> Result<(), Failure> {
    match sent {
        Ok(response) if response.status().as_u16() == expected => Ok(()),
        Ok(response) => Err(response.status().as_u16().to_string()),
        Err(_) => Err("transport".to_owned()),
    }
}

/// Direct calls and calls via the host alternate in this many rounds per
/// level, so that anything drifting during the run weighs on both alike.
const ROUNDS: usize = 5;

/// Times, wall time and failures of one side of a level, added up over its rounds.
#[derive(Default)]
struct Side {
    times: Vec<Duration>,
    wall: Duration,
    failures: Failures,
}

impl Side {
    async fn round(&mut self, clients: usize, indexes: std::ops::Range<usize>, call: &Call) {
        let (times, wall, failures) = run_level(clients, indexes, Arc::clone(call)).await;
        self.times.extend(times);
        self.wall += wall;
        for (what, count) in failures {
            *self.failures.entry(what).or_default() += count;
        }
    }

    fn failed(&self) -> usize {
        self.failures.values().sum()
    }
}

async fn run_level(clients: usize, indexes: std::ops::Range<usize>, call: Call) -> (Vec<Duration>, Duration, Failures) {
    let requests = indexes.end;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(indexes.start));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (call, next) = (Arc::clone(&call), Arc::clone(&next));
            tokio::spawn(async move {
                let (mut times, mut failures) = (Vec::new(), Failures::new());
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if index >= requests {
                        return (times, failures);
                    }
                    let start = Instant::now();
                    match call(index).await {
                        Ok(()) => times.push(start.elapsed()),
                        Err(what) => *failures.entry(what).or_default() += 1,
                    }
                }
            })
        })
        .collect();
    let (mut times, mut failures) = (Vec::new(), Failures::new());
    for worker in workers {
        let (t, f) = worker.await.unwrap();
        times.extend(t);
        for (what, count) in f {
            *failures.entry(what).or_default() += count;
        }
    }
    (times, started.elapsed(), failures)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let requests: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(400);
    let output = args.get(2).cloned().unwrap_or_else(|| "bench/results/backend.json".into());

    let token_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let token_base = format!("http://{}", token_listener.local_addr()?);
    tokio::spawn(async move { axum::serve(token_listener, TokenServer::default().router()).await });

    let dir = tempfile::tempdir()?;
    let mut stores = vec![("sqlite", dir.path().join("bench.sqlite").display().to_string())];
    if let Ok(url) = std::env::var("SPS_CONNECT_TEST_POSTGRES") {
        stores.push(("postgres", url));
    }
    let mut report = serde_json::Map::new();
    for (name, database) in stores {
        println!("{name}:");
        report.insert(name.into(), bench_store(&database, requests, &token_base).await?);
    }
    std::fs::create_dir_all(std::path::Path::new(&output).parent().unwrap_or(std::path::Path::new(".")))?;
    std::fs::write(&output, serde_json::to_string_pretty(&report)?)?;
    Ok(())
}

/// A host on `database` (an SQLite path or a PostgreSQL URL): its connect,
/// token broker and proxy, each beside its direct counterpart.
async fn bench_store(
    database: &str,
    requests: usize,
    token_base: &str,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("SPS_TOKEN_URL", format!("{token_base}/oauth/token")),
        ("SPS_API_URL", token_base.to_owned()),
        ("SPS_CONNECT_DATABASE", database.to_owned()),
        ("SPS_CONNECT_DATABASE_POOL_SIZE", "32".to_owned()),
        ("SPS_CONNECT_ENCRYPTION_KEY", STANDARD.encode([3u8; 32])),
        ("SPS_CONNECT_SESSION_KEY", STANDARD.encode([4u8; 32])),
        ("SPS_CONNECT_ADMIN_KEY", ADMIN_KEY.to_owned()),
        ("SPS_MAX_CONCURRENT_EXCHANGES", "64".to_owned()),
    ]);
    if let Ok(ca) = std::env::var("SPS_CONNECT_TEST_POSTGRES_CA") {
        vars.insert("SPS_CONNECT_DATABASE_CA_FILE", ca);
    }
    let config = Config::from_vars(|name| vars.get(name).cloned())?;
    let store = config.database.open().await.map_err(|e| format!("{e:?}"))?;
    let before = store.all_ids().await.map_err(|e| format!("{e:?}"))?.len();
    let router = sps_connect_host::router(&config, std::sync::Arc::clone(&store))?;
    let host_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let host = format!("http://{}", host_listener.local_addr()?);
    tokio::spawn(sps_connect_host::http::server::serve(host_listener, router, config.server, std::future::pending()));
    let http = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(256).build()?;
    let run = format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis());

    let mut connect = serde_json::Map::new();
    let mut linked = 0usize;
    for (round, clients) in [1usize, 16, 64].into_iter().enumerate() {
        let mut sessions = Vec::with_capacity(requests);
        for index in 0..requests {
            sessions.push(session(&http, &host, &format!("bench-{run}-{round}-{index}")).await?);
        }
        let sessions = Arc::new(sessions);
        let body = json!({ "environment": "sandbox", "client_id": "spsDemoSandboxClient01",
            "client_secret": "sandbox-demo-secret-0123456789" });
        let direct_body = json!({ "grant_type": "client_credentials", "client_id": "spsDemoSandboxClient01",
            "client_secret": "sandbox-demo-secret-0123456789", "audience": "https://spscommerce.com" });
        let (h, t) = (http.clone(), token_base.to_owned());
        let direct_call: Call = Arc::new(move |_| {
            let (h, t, b) = (h.clone(), t.clone(), direct_body.clone());
            Box::pin(async move {
                let sent = h.post(format!("{t}/oauth/token")).json(&b).send().await;
                let Ok(response) = sent else { return Err("transport".to_owned()) };
                if !response.status().is_success() {
                    return Err(response.status().as_u16().to_string());
                }
                let auth = response.json::<serde_json::Value>().await.ok();
                let token = auth.as_ref().and_then(|a| a["access_token"].as_str()).unwrap_or_default().to_owned();
                outcome(h.get(format!("{t}/auth-check")).bearer_auth(token).send().await, 204)
            })
        });
        let (h, u, s) = (http.clone(), host.clone(), Arc::clone(&sessions));
        let host_call: Call = Arc::new(move |index| {
            let (h, u, s, b) = (h.clone(), u.clone(), Arc::clone(&s), body.clone());
            Box::pin(async move {
                let sent =
                    h.post(format!("{u}/api/sps/connect")).header("X-Connect-Session", &s[index]).json(&b).send().await;
                outcome(sent, 201)
            })
        });
        let (level, acknowledged) = compare(clients, requests, &direct_call, &host_call, "connect").await;
        linked += acknowledged;
        connect.insert(clients.to_string(), level);
    }
    let rows = store.all_ids().await.map_err(|e| format!("{e:?}"))?.len() - before;
    println!("  acknowledged links {linked}, new rows in the store {rows}");

    let owner = session(&http, &host, &format!("bench-{run}-owner")).await?;
    let linked_account: serde_json::Value = http
        .post(format!("{host}/api/sps/connect"))
        .header("X-Connect-Session", owner)
        .json(&json!({ "environment": "sandbox", "client_id": "spsDemoSandboxClient01",
            "client_secret": "sandbox-demo-secret-0123456789" }))
        .send()
        .await?
        .json()
        .await?;
    let account = linked_account["account"]["id"].as_str().unwrap_or_default().to_owned();
    let granted: serde_json::Value = http
        .post(format!("{host}/api/sps/accounts/{account}/token"))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await?
        .json()
        .await?;
    let token = granted["access_token"].as_str().unwrap_or_default().to_owned();
    let call = |method: reqwest::Method, url: String, bearer: String, expected: u16| -> Call {
        let h = http.clone();
        Arc::new(move |_| {
            let (h, method, url, bearer) = (h.clone(), method.clone(), url.clone(), bearer.clone());
            Box::pin(async move { outcome(h.request(method, &url).bearer_auth(&bearer).send().await, expected) })
        })
    };
    let (get, post) = (reqwest::Method::GET, reqwest::Method::POST);
    let auth_check = call(get.clone(), format!("{token_base}/auth-check"), token.clone(), 204);
    let broker = call(post, format!("{host}/api/sps/accounts/{account}/token"), ADMIN_KEY.to_owned(), 200);
    let direct_api = call(get.clone(), format!("{token_base}/transactions/v5/data/out/?limit=2"), token, 200);
    let proxied_path = format!("{host}/api/sps/accounts/{account}/proxy/transactions/v5/data/out/?limit=2");
    let proxy = call(get, proxied_path, ADMIN_KEY.to_owned(), 200);
    let (mut tokens, mut proxied) = (serde_json::Map::new(), serde_json::Map::new());
    for clients in [1usize, 16, 64] {
        tokens.insert(clients.to_string(), compare(clients, requests, &auth_check, &broker, "token broker").await.0);
        proxied.insert(clients.to_string(), compare(clients, requests, &direct_api, &proxy, "proxy").await.0);
    }
    Ok(json!({
        "connect": connect,
        "rows": { "acknowledged": linked, "stored": rows },
        "token_broker": tokens,
        "proxy": proxied,
    }))
}

/// A connect session for `user`, minted with the admin key.
async fn session(http: &reqwest::Client, host: &str, user: &str) -> Result<String, Box<dyn std::error::Error>> {
    let grant: serde_json::Value = http
        .post(format!("{host}/api/sps/sessions"))
        .bearer_auth(ADMIN_KEY)
        .json(&json!({ "user_id": user }))
        .send()
        .await?
        .json()
        .await?;
    Ok(grant["session_token"].as_str().unwrap_or_default().to_owned())
}

/// `requests` calls of each side at `clients`, alternating in rounds: the
/// level's report, and how many calls through the host succeeded.
async fn compare(
    clients: usize,
    requests: usize,
    direct_call: &Call,
    host_call: &Call,
    what: &str,
) -> (serde_json::Value, usize) {
    let (mut direct, mut via_host) = (Side::default(), Side::default());
    let per_round = requests.div_ceil(ROUNDS);
    for start in (0..requests).step_by(per_round) {
        let indexes = start..(start + per_round).min(requests);
        direct.round(clients, indexes.clone(), direct_call).await;
        via_host.round(clients, indexes, host_call).await;
    }
    let succeeded = via_host.times.len();
    let (direct_failures, host_failures) = (direct.failed(), via_host.failed());
    let failed_with = json!({ "direct": direct.failures, "via_host": via_host.failures });
    let (direct_summary, host_summary) = (summary(direct.times, direct.wall), summary(via_host.times, via_host.wall));
    let overhead = host_summary["p50_ms"].as_f64().unwrap_or(0.0) - direct_summary["p50_ms"].as_f64().unwrap_or(0.0);
    println!(
        "  {what:>12} {clients:>3} clients: direct p50 {:.2} ms p99 {:.2} ms {:.0}/s | via host p50 {:.2} ms p99 {:.2} ms {:.0}/s | overhead p50 {overhead:.2} ms | failures {direct_failures}/{host_failures} {failed_with}",
        direct_summary["p50_ms"].as_f64().unwrap_or(0.0),
        direct_summary["p99_ms"].as_f64().unwrap_or(0.0),
        direct_summary["per_second"].as_f64().unwrap_or(0.0),
        host_summary["p50_ms"].as_f64().unwrap_or(0.0),
        host_summary["p99_ms"].as_f64().unwrap_or(0.0),
        host_summary["per_second"].as_f64().unwrap_or(0.0),
    );
    let level = json!({ "direct": direct_summary, "via_host": host_summary, "overhead_p50_ms": overhead,
        "failures": { "direct": direct_failures, "via_host": host_failures }, "failed_with": failed_with });
    (level, succeeded)
}

//! `GET /healthz` and `GET /readyz`, from outside: no key needed, nothing
//! secret said; `/readyz` follows the store: PostgreSQL lost turns it `503`
//! within 10 s and back to `200` when it returns, and a schema another host
//! moved on is named.

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

async fn probe(host: &Host, path: &str) -> (u16, serde_json::Value, String) {
    let response = host.http.get(format!("{}{path}", host.url)).send().await.unwrap();
    let status = response.status().as_u16();
    let cache = response.headers().get("cache-control").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, response.json().await.unwrap(), cache)
}

/// Waits until `/readyz` answers `status`; how long it took.
async fn ready_becomes(host: &Host, status: u16, limit: Duration) -> (Duration, serde_json::Value) {
    let start = Instant::now();
    loop {
        let (now, body, _) = probe(host, "/readyz").await;
        if now == status {
            return (start.elapsed(), body);
        }
        assert!(start.elapsed() < limit, "/readyz did not become {status} within {limit:?}: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_probes_answer_without_a_key_and_say_nothing_secret() {
    let host = Host::start(&token_server().await, &[]).await;
    let (status, body, cache) = probe(&host, "/healthz").await;
    assert_eq!((status, body, cache.as_str()), (200, serde_json::json!({ "status": "ok" }), "no-store"));
    let (status, body, _) = probe(&host, "/readyz").await;
    assert_eq!((status, body), (200, serde_json::json!({ "status": "ready" })));
}

/// A TCP relay to PostgreSQL that can be cut and restored on the same port.
struct Relay {
    address: SocketAddr,
    upstream: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = Relay { address: listener.local_addr().unwrap(), upstream, tasks: Arc::default() };
        relay.serve(listener);
        relay
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream, Arc::clone(&self.tasks));
        let accepting = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let connection = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(connection);
            }
        });
        self.tasks.lock().unwrap().push(accepting);
    }

    /// Closes the port and every connection through it.
    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// Listens on the same port again.
    async fn restore(&self) {
        let listener = loop {
            match TcpListener::bind(self.address).await {
                Ok(listener) => break listener,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        self.serve(listener);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn losing_postgres_turns_readyz_503_within_10_s_and_back() {
    let database = postgres_database();
    let url = reqwest::Url::parse(&database).unwrap();
    let upstream: SocketAddr = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap()).parse().unwrap();
    let relay = Relay::start(upstream).await;
    let mut relayed = url.clone();
    relayed.set_port(Some(relay.address.port())).unwrap();
    let token_url = token_server().await;
    let host = Host::start(&token_url, &[("SPS_CONNECT_DATABASE", relayed.as_str())]).await;
    ready_becomes(&host, 200, Duration::from_secs(5)).await;

    relay.cut();
    let (took, body) = ready_becomes(&host, 503, Duration::from_secs(10)).await;
    assert_eq!(body["status"], "not_ready");
    let reason = body["reason"].as_str().unwrap();
    let generic = reason == "the store does not answer" || reason == "the store did not answer within 5 s";
    assert!(generic, "{reason}");
    assert!(!reason.contains(relayed.as_str()) && !reason.contains("postgres"), "nothing about the database: {reason}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(probe(&host, "/healthz").await.0, 200, "the process itself still answers");

    relay.restore().await;
    ready_becomes(&host, 200, Duration::from_secs(15)).await;

    postgres_execute(
        &database,
        "INSERT INTO sps_connect_migrations (version, name, applied_on, checksum) VALUES (99, 'later', '', '0')",
    );
    let (_, body) = ready_becomes(&host, 503, Duration::from_secs(5)).await;
    assert!(body["reason"].as_str().unwrap().contains("schema version is 99"), "{body}");
    postgres_execute(&database, "DELETE FROM sps_connect_migrations WHERE version = 99");
    ready_becomes(&host, 200, Duration::from_secs(5)).await;
}

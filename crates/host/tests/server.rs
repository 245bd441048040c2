//! The HTTP server against slow and greedy clients, over raw TCP on loopback.

mod support;

use std::time::{Duration, Instant};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn open(host: &Host) -> TcpStream {
    TcpStream::connect(host.url.trim_start_matches("http://")).await.unwrap()
}

/// Reads until the server answers or closes; what it sent.
async fn answer(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    received.extend_from_slice(&buffer[..n]);
                    if received.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    read.ok().map(|()| String::from_utf8_lossy(&received).into_owned())
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let host = Host::start(&token_server().await, &[("SPS_CONNECT_HEADER_TIMEOUT_MS", "300")]).await;
    let mut stream = open(&host).await;
    stream.write_all(b"GET /api/sps/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").await.unwrap();
    let started = Instant::now();
    let closed = answer(&mut stream, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "the connection was still open after five seconds");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_client_that_never_finishes_its_body_gets_408() {
    let host = Host::start(&token_server().await, &[("SPS_CONNECT_BODY_TIMEOUT_MS", "300")]).await;
    let mut stream = open(&host).await;
    let head = format!(
        "POST /api/sps/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ADMIN_KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"user"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let answered = answer(&mut stream, Duration::from_secs(5)).await.expect("no answer within five seconds");
    assert!(answered.starts_with("HTTP/1.1 408"), "{answered}");
}

#[tokio::test]
async fn a_request_that_takes_too_long_is_answered_408() {
    let upstream = broken_upstream().await;
    let host = Host::start(
        &format!("http://{upstream}/slow"),
        &[("SPS_CONNECT_REQUEST_TIMEOUT_MS", "300"), ("SPS_TOKEN_TIMEOUT_MS", "10000")],
    )
    .await;
    let session = host.session("u1").await;
    let started = Instant::now();
    let response = host.connect_response(&session, credentials()).await;
    assert_eq!(response.status(), 408);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!((code(&body), body["retryable"].as_bool()), ("provider_unavailable", Some(true)), "{body}");
}

// Regression: the proxy read (and waited for) the whole body before it checked the caller.
#[tokio::test]
async fn the_proxy_refuses_a_stranger_before_reading_the_body() {
    let host = Host::start(&token_server().await, &[("SPS_CONNECT_BODY_TIMEOUT_MS", "20000")]).await;
    let mut stream = open(&host).await;
    let head = "POST /api/sps/accounts/acc_x/proxy/transactions/v5/data/in/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                Content-Type: application/xml\r\nContent-Length: 4000000\r\n\r\n<order>";
    stream.write_all(head.as_bytes()).await.unwrap();
    let answered = answer(&mut stream, Duration::from_secs(3)).await.expect("waited for the body");
    assert!(answered.starts_with("HTTP/1.1 401"), "{answered}");
}

// Regression: a client that never read its answer held the connection and the answer forever.
#[tokio::test]
async fn a_client_that_stops_reading_its_answer_is_disconnected() {
    let api = RecordingApi::default();
    let api_url = api.start().await;
    let host =
        Host::start(&token_server().await, &[("SPS_API_URL", &api_url), ("SPS_CONNECT_SEND_TIMEOUT_MS", "300")]).await;
    let id = host.connected_account("user-1").await;
    let size = 16 * 1024 * 1024;
    let mut stream = open(&host).await;
    let request = format!(
        "GET /api/sps/accounts/{id}/proxy/big/{size} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Authorization: Bearer {ADMIN_KEY}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut received = 0usize;
    let mut buffer = vec![0u8; 1 << 16];
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received += n,
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the connection stayed open");
    assert!(received > 0 && received < size, "cut off after {received} bytes");
}

#[tokio::test]
async fn connections_past_the_cap_wait_for_a_free_one() {
    let host = Host::start(&token_server().await, &[("SPS_CONNECT_MAX_CONNECTIONS", "2")]).await;
    let first = open(&host).await;
    let _second = open(&host).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = open(&host).await;
    third.write_all(b"GET /api/sps/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
    assert_eq!(answer(&mut third, Duration::from_millis(500)).await, None, "served past the cap");
    drop(first);
    let answered = answer(&mut third, Duration::from_secs(5)).await.expect("not served once a connection closed");
    assert!(answered.starts_with("HTTP/1.1 401"), "{answered}");
}

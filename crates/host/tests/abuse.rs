//! Abuse limits over real HTTP on loopback: failed connects per user, per
//! address and per Client ID (with the user, and across users), reserved
//! before SPS is called; connects and verifies per user and per account;
//! refused authentications; the breaker in front of SPS, per Client ID and
//! for everyone; the cap on concurrent exchanges; ownership before exchange.

mod support;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use reqwest::Method;
use serde_json::{json, Value};
use sps_token_server::TokenServer;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::*;

fn wrong(client_id: &str) -> Value {
    json!({ "environment": "sandbox", "client_id": client_id, "client_secret": "not-the-right-secret-0123" })
}

#[tokio::test]
async fn a_user_past_ten_refused_connects_waits_without_calling_sps() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let host = Host::start(&token_url, &[]).await;
    let session = host.session("guesser").await;
    for attempt in 0..10 {
        assert_eq!(host.connect(&session, wrong(&format!("guessClient{attempt:04}"))).await.0, 401);
    }
    let before = server.token_requests();
    let refused = host.connect_response(&session, credentials()).await;
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((800..=900).contains(&wait), "{wait}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!((code(&body), body["retryable"].as_bool()), ("rate_limited", Some(true)));
    assert_eq!(server.token_requests(), before, "SPS was not called");
    let other = host.session("someone-else").await;
    assert_eq!(host.connect(&other, credentials()).await.0, 201, "other users are not affected");
}

/// Posts `body` as the user of `session` from `address` (behind a proxy that sets `X-Forwarded-For`).
async fn connect_from(host: &Host, session: &str, address: impl std::fmt::Display, body: Value) -> u16 {
    let response = host
        .http
        .post(format!("{}/api/sps/connect", host.url))
        .header("X-Connect-Session", session)
        .header("X-Forwarded-For", address.to_string())
        .json(&body)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

// Regression: five wrong secrets from any user locked the Client ID for every tenant.
#[tokio::test]
async fn wrong_secrets_lock_a_client_id_for_the_user_who_sent_them_and_for_everyone_only_past_fifty() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let host = Host::start(&token_url, &[("SPS_CONNECT_CLIENT_IP_HEADER", "X-Forwarded-For")]).await;
    let guesser = host.session("guesser").await;
    for _ in 0..5 {
        assert_eq!(connect_from(&host, &guesser, "198.51.100.1", wrong(CLIENT_ID)).await, 401);
    }
    let before = server.token_requests();
    assert_eq!(connect_from(&host, &guesser, "198.51.100.1", credentials()).await, 429, "locked for the guesser");
    assert_eq!(server.token_requests(), before, "without asking SPS");
    let owner = host.session("owner").await;
    assert_eq!(connect_from(&host, &owner, "198.51.100.2", credentials()).await, 201, "not for its owner");

    for user in 0..45 {
        let session = host.session(&format!("user-{user}")).await;
        assert_eq!(connect_from(&host, &session, format!("203.0.113.{user}"), wrong(CLIENT_ID)).await, 401);
    }
    let fresh = host.session("fresh-user").await;
    assert_eq!(connect_from(&host, &fresh, "192.0.2.1", credentials()).await, 429, "fifty refusals lock it for all");
    let other_client = production_credentials();
    assert_eq!(connect_from(&host, &fresh, "192.0.2.1", other_client).await, 201, "other Client IDs still link");
}

// Regression: failures were counted after SPS answered, so every concurrent
// wrong secret passed the check and reached SPS.
#[tokio::test]
async fn two_hundred_concurrent_wrong_secrets_reach_sps_no_more_often_than_the_limits() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let host = Host::start(
        &token_url,
        &[("SPS_CONNECT_CLIENT_IP_HEADER", "X-Forwarded-For"), ("SPS_TOKEN_TIMEOUT_MS", "10000")],
    )
    .await;
    let guesser = host.session("guesser").await;
    let statuses = futures::future::join_all(
        (0..200).map(|n| connect_from(&host, &guesser, format!("10.0.{}.{}", n / 250, n % 250), wrong(CLIENT_ID))),
    )
    .await;
    assert_eq!(server.token_requests(), 5, "one user: five attempts for a Client ID");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 195);

    let mut sessions = Vec::new();
    for user in 0..200 {
        sessions.push(host.session(&format!("user-{user}")).await);
    }
    let client = "spsDemoProductionClient01";
    let body =
        json!({ "environment": "production", "client_id": client, "client_secret": "not-the-right-secret-0123" });
    let before = server.token_requests();
    futures::future::join_all(
        sessions
            .iter()
            .enumerate()
            .map(|(n, s)| connect_from(&host, s, format!("10.1.{}.{}", n / 250, n % 250), body.clone())),
    )
    .await;
    assert_eq!(server.token_requests() - before, 50, "many users: fifty attempts for a Client ID");
}

#[tokio::test]
async fn an_address_past_thirty_refused_connects_waits() {
    let host = Host::start(&token_server().await, &[]).await;
    for attempt in 0..30 {
        let session = host.session(&format!("user-{}", attempt / 3)).await;
        assert_eq!(host.connect(&session, wrong(&format!("guessClient{attempt:04}"))).await.0, 401);
    }
    let fresh = host.session("fresh-user").await;
    assert_eq!(host.connect(&fresh, credentials()).await.0, 429);
}

// More connects at once than the address may fail: successes are never counted against it.
#[tokio::test]
async fn sixty_four_users_behind_one_address_all_link_at_once() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let host = Host::start(&token_url, &[]).await;
    let mut sessions = Vec::new();
    for user in 0..64 {
        sessions.push(host.session(&format!("colleague-{user}")).await);
    }
    let linked =
        futures::future::join_all(sessions.iter().enumerate().map(|(n, s)| host.connect(s, either_credentials(n))))
            .await;
    assert!(linked.iter().all(|(status, _)| *status == 201), "{linked:?}");
    assert_eq!(server.tokens_issued(), 64);
}

#[tokio::test]
async fn an_address_with_many_refused_authentications_is_refused_even_with_the_key() {
    let host = Host::start(&token_server().await, &[]).await;
    for _ in 0..20 {
        let response = host
            .http
            .post(format!("{}/api/sps/sessions", host.url))
            .bearer_auth("wrong")
            .json(&json!({"user_id": "u"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    let (status, body) = host.admin(Method::GET, "/api/sps/accounts?user_id=u").await;
    assert_eq!((status, code(&body)), (429, "rate_limited"), "{body}");
}

#[tokio::test]
async fn the_client_address_comes_from_the_configured_header_behind_a_proxy() {
    let host = Host::start(&token_server().await, &[("SPS_CONNECT_CLIENT_IP_HEADER", "X-Forwarded-For")]).await;
    let refuse = |address: &'static str| {
        host.http
            .get(format!("{}/api/sps/accounts", host.url))
            .header("X-Forwarded-For", format!("203.0.113.9, {address}"))
            .send()
    };
    for _ in 0..20 {
        assert_eq!(refuse("198.51.100.1").await.unwrap().status(), 401);
    }
    assert_eq!(refuse("198.51.100.1").await.unwrap().status(), 429);
    assert_eq!(refuse("198.51.100.2").await.unwrap().status(), 401, "another client behind the same proxy");
}

/// A token endpoint that counts its calls and answers `status` with `body` and `headers`.
async fn counting_upstream(
    status: StatusCode,
    headers: Vec<(&'static str, &'static str)>,
    body: String,
) -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let router = Router::new().route(
        "/oauth/token",
        post(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            let (headers, body) = (headers.clone(), body.clone());
            async move {
                let mut response = (status, [("content-type", "application/json")], body).into_response();
                for (name, value) in headers {
                    response.headers_mut().insert(name, value.parse().unwrap());
                }
                response
            }
        }),
    );
    (format!("http://{}/oauth/token", serve(router).await), calls)
}

/// A token endpoint that throttles the Client IDs in `throttled` (429,
/// `Retry-After: 7`) and issues tokens to the others; its token URL and the
/// calls it answered.
async fn throttling_upstream(throttled: &'static [&'static str]) -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let router = Router::new()
        .route(
            "/oauth/token",
            post(move |form: axum::extract::Form<std::collections::HashMap<String, String>>| {
                counter.fetch_add(1, Ordering::SeqCst);
                let throttle = form.get("client_id").is_some_and(|id| throttled.contains(&id.as_str()));
                async move {
                    if throttle {
                        let body = r#"{"error":"too_many_requests"}"#;
                        return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "7")], body).into_response();
                    }
                    let token = r#"{"access_token":"t","token_type":"Bearer","expires_in":60}"#;
                    ([("content-type", "application/json")], token).into_response()
                }
            }),
        )
        .route("/auth-check", axum::routing::get(|| async { StatusCode::NO_CONTENT }));
    (format!("http://{}/oauth/token", serve(router).await), calls)
}

fn keys(client_id: &str) -> Value {
    json!({ "environment": "sandbox", "client_id": client_id, "client_secret": "a-secret-of-enough-length-0123" })
}

// Regression: one tenant's 429 paused every tenant's exchanges.
#[tokio::test]
async fn a_429_from_sps_pauses_its_client_id_and_several_pause_every_call() {
    let (url, calls) = throttling_upstream(&["throttledClient1", "throttledClient2", "throttledClient3"]).await;
    let host = Host::start(&url, &[]).await;
    let first = host.connect_response(&host.session("u1").await, keys("throttledClient1")).await;
    assert_eq!((first.status().as_u16(), first.headers()["retry-after"].to_str().unwrap()), (429, "7"));
    let again = host.connect_response(&host.session("u2").await, keys("throttledClient1")).await;
    assert_eq!(again.status(), 429);
    let wait: u64 = again.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=7).contains(&wait), "{wait}");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the paused Client ID did not reach SPS again");
    assert_eq!(host.connect(&host.session("u3").await, keys("calmClient0001")).await.0, 201, "others link");

    for client in ["throttledClient2", "throttledClient3"] {
        assert_eq!(host.connect(&host.session("u4").await, keys(client)).await.0, 429);
    }
    let calls_before = calls.load(Ordering::SeqCst);
    let (status, body) = host.connect(&host.session("u5").await, keys("calmClient0002")).await;
    assert_eq!((status, code(&body)), (429, "rate_limited"), "three throttled Client IDs pause everyone");
    assert_eq!(calls.load(Ordering::SeqCst), calls_before);
}

#[tokio::test]
async fn repeated_sps_failures_pause_calls_and_answer_provider_unavailable_at_once() {
    let (url, calls) = counting_upstream(StatusCode::SERVICE_UNAVAILABLE, vec![], "<h1>down</h1>".into()).await;
    let host = Host::start(&url, &[]).await;
    for user in 0..6 {
        let (status, body) = host.connect(&host.session(&format!("u{user}")).await, credentials()).await;
        assert_eq!((status, code(&body)), (502, "provider_unavailable"));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 5, "the sixth call was answered without SPS");
}

#[tokio::test]
async fn an_invalid_request_from_sps_is_not_retryable() {
    let (url, _) = counting_upstream(StatusCode::BAD_REQUEST, vec![], r#"{"error":"invalid_request"}"#.into()).await;
    let host = Host::start(&url, &[]).await;
    let (status, body) = host.connect(&host.session("u1").await, credentials()).await;
    assert_eq!((status, code(&body), body["retryable"].as_bool()), (400, "invalid_request", Some(false)));
}

#[tokio::test]
async fn a_huge_token_answer_is_cut_off() {
    let huge = format!(r#"{{"access_token":"{}","token_type":"Bearer","expires_in":60}}"#, "x".repeat(200_000));
    let (url, _) = counting_upstream(StatusCode::OK, vec![], huge).await;
    let host = Host::start(&url, &[]).await;
    let (status, body) = host.connect(&host.session("u1").await, credentials()).await;
    assert_eq!((status, code(&body)), (502, "provider_unavailable"));
}

#[tokio::test]
async fn exchanges_in_flight_never_exceed_the_cap() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (now, peak) = (Arc::clone(&in_flight), Arc::clone(&most));
    let router = Router::new().route(
        "/oauth/token",
        post(move || {
            let (now, peak) = (Arc::clone(&now), Arc::clone(&peak));
            async move {
                peak.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                (
                    [("content-type", "application/json")],
                    r#"{"access_token":"t","token_type":"Bearer","expires_in":60}"#,
                )
            }
        }),
    );
    let token_url = format!("http://{}/oauth/token", serve(router).await);
    let api = RecordingApi::default();
    let api_url = api.start().await;
    let host = Host::start(
        &token_url,
        &[("SPS_API_URL", &api_url), ("SPS_MAX_CONCURRENT_EXCHANGES", "2"), ("SPS_TOKEN_TIMEOUT_MS", "5000")],
    )
    .await;
    let mut sessions = Vec::new();
    for user in 0..8 {
        sessions.push(host.session(&format!("u{user}")).await);
    }
    let linked = futures::future::join_all(sessions.iter().map(|s| host.connect(s, credentials()))).await;
    assert!(linked.iter().all(|(status, _)| *status == 201), "{linked:?}");
    assert_eq!(most.load(Ordering::SeqCst), 2, "at most two exchanges at once, and the cap was reached");
}

#[tokio::test]
async fn another_users_account_id_is_refused_before_any_exchange() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let host = Host::start(&token_url, &[]).await;
    let id = host.connected_account("owner").await;
    let before = server.token_requests();
    let mut body = credentials();
    body["account_id"] = json!(id);
    let (status, error) = host.connect(&host.session("stranger").await, body).await;
    assert_eq!((status, code(&error)), (400, "invalid_request"));
    assert_eq!(server.token_requests(), before, "SPS was not asked");
}

// Regression: a user could verify (and so make SPS issue tokens) as often as they liked.
#[tokio::test]
async fn verifies_are_limited_per_account_and_a_repeat_is_answered_from_the_last_verdict() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let host = Host::start(&token_url, &[]).await;
    let id = host.connected_account("user-1").await;
    let session = host.session("user-1").await;
    let verify = format!("/api/sps/accounts/{id}/verify");
    let before = server.token_requests();
    for _ in 0..3 {
        assert_eq!(host.as_user(&session, Method::POST, &verify).await.0, 200);
    }
    assert_eq!(server.token_requests() - before, 1, "repeats within seconds reuse the verdict");
    assert_eq!(host.admin(Method::POST, &verify).await.0, 200);
    assert_eq!(server.token_requests() - before, 2, "the portal's server always gets a fresh verdict");
    for _ in 4..30 {
        assert_eq!(host.admin(Method::POST, &verify).await.0, 200);
    }
    let (status, body) = host.admin(Method::POST, &verify).await;
    assert_eq!((status, code(&body)), (429, "rate_limited"), "thirty verifies per account: {body}");
    let other = host.connected_account("user-2").await;
    assert_eq!(host.admin(Method::POST, &format!("/api/sps/accounts/{other}/verify")).await.0, 200);
}

#[tokio::test]
async fn a_user_has_sixty_connects_and_verifies_per_window_successes_included() {
    let host = Host::start(&token_server().await, &[]).await;
    let session = host.session("busy").await;
    // Three connects (the third relinks the first account), then verifies of both accounts.
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(host.connect(&session, either_credentials(n)).await.1["account"]["id"].as_str().unwrap().to_owned());
    }
    for n in 0..57 {
        let path = format!("/api/sps/accounts/{}/verify", ids[n % 2]);
        assert_eq!(host.as_user(&session, Method::POST, &path).await.0, 200, "call {}", n + 4);
    }
    let (status, body) = host.connect(&session, credentials()).await;
    assert_eq!((status, code(&body)), (429, "rate_limited"), "the sixty-first call: {body}");
    let path = format!("/api/sps/accounts/{}/verify", ids[0]);
    assert_eq!(host.as_user(&session, Method::POST, &path).await.0, 429);
    assert_eq!(host.connect(&host.session("calm").await, credentials()).await.0, 201, "other users are not limited");
}

// Regression: with the header configured, requests without it all counted as one address.
#[tokio::test]
async fn requests_without_the_configured_address_header_do_not_share_one_bucket() {
    let host = Host::start(&token_server().await, &[("SPS_CONNECT_CLIENT_IP_HEADER", "X-Forwarded-For")]).await;
    for _ in 0..25 {
        let refused = host.http.get(format!("{}/api/sps/accounts", host.url)).send().await.unwrap();
        assert_eq!(refused.status(), 401);
    }
    let (status, _) = host.admin(Method::GET, "/api/sps/accounts?user_id=u").await;
    assert_eq!(status, 200, "a portal server without the header is not locked out by others without it");
    let bracketed = |address: &'static str| {
        host.http.get(format!("{}/api/sps/accounts", host.url)).header("X-Forwarded-For", address).send()
    };
    for _ in 0..20 {
        assert_eq!(bracketed("[2001:db8::7]:443").await.unwrap().status(), 401);
    }
    assert_eq!(bracketed("2001:db8::8").await.unwrap().status(), 429, "the same /64, written without brackets");
    assert_eq!(bracketed("198.51.100.3:5678").await.unwrap().status(), 401, "another client, with a port");
}

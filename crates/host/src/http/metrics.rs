//! Prometheus metrics, on a listener of their own (`SPS_CONNECT_METRICS_ADDR`,
//! off unless set) so that they are never exposed where the API is. Every
//! layer counts through the `metrics` facade; this module installs the
//! Prometheus recorder, times every request by its route template (never a
//! path with ids in it), and serves the text exposition at `GET /metrics`.
//! No label ever holds a user id, Client ID, account id, secret or token.

use crate::store::Health;
use crate::util::times::unix_millis;
use axum::extract::{MatchedPath, Request};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Latency buckets, in seconds: from a cached answer to a slow SPS.
pub const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Every metric the host records, with its help text: (kind, name, help).
pub const CATALOGUE: &[(&str, &str, &str)] = &[
    (
        "counter",
        "sps_connect_http_requests_total",
        "HTTP requests answered, by route template, method and status class",
    ),
    ("histogram", "sps_connect_http_request_duration_seconds", "Time to answer an HTTP request, by route template"),
    (
        "counter",
        "sps_connect_token_exchanges_total",
        "Client credentials exchanges with SPS, by outcome (ok or the contract code)",
    ),
    (
        "histogram",
        "sps_connect_token_exchange_duration_seconds",
        "Time of a token exchange, waiting for its turn included",
    ),
    ("counter", "sps_connect_auth_checks_total", "SPS auth-checks, by outcome (ok or the contract code)"),
    ("histogram", "sps_connect_auth_check_duration_seconds", "Time of an SPS auth-check"),
    (
        "counter",
        "sps_connect_tokens_served_total",
        "Account tokens served, by source: memory, store (fetched by another instance) or fetched",
    ),
    ("counter", "sps_connect_proxy_calls_total", "SPS API calls through the proxy, by SPS status class, or failed"),
    (
        "counter",
        "sps_connect_scheduled_checks_total",
        "Scheduled account checks, by outcome: active, needs_attention, paused or failed",
    ),
    (
        "counter",
        "sps_connect_webhook_deliveries_total",
        "Webhook delivery attempts, by outcome: delivered, failed or given_up",
    ),
    (
        "counter",
        "sps_connect_limiter_refusals_total",
        "Requests refused by the abuse limits, by the kind of subject whose limit was reached",
    ),
    (
        "counter",
        "sps_connect_breaker_pauses_total",
        "Pauses of calls to SPS the breaker began, by scope (client or all) and cause (throttled or failing)",
    ),
    (
        "gauge",
        "sps_connect_breaker_open_until_seconds",
        "Unix time at which the breaker's latest pause of every call to SPS ends (0: never paused)",
    ),
    ("gauge", "sps_connect_accounts", "Linked accounts in the store, by status, counted at the scrape"),
    ("gauge", "sps_connect_webhook_events_waiting", "Webhook events neither delivered nor given up, at the scrape"),
    (
        "gauge",
        "sps_connect_webhook_oldest_waiting_seconds",
        "Age of the oldest webhook event waiting to be delivered (0: none waits), at the scrape",
    ),
    ("gauge", "sps_connect_store_up", "1 when the store answered the scrape's census, else 0"),
    ("gauge", "sps_connect_store_round_trip_seconds", "Time the store took to answer the scrape's census"),
];

/// The process's recorder, installed on first use; every host in the process shares it.
pub fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets(&BUCKETS)
                .expect("the buckets are not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed");
            for (kind, name, help) in CATALOGUE {
                match *kind {
                    "counter" => metrics::describe_counter!(*name, *help),
                    "gauge" => metrics::describe_gauge!(*name, *help),
                    _ => metrics::describe_histogram!(*name, metrics::Unit::Seconds, *help),
                }
            }
            handle
        })
        .clone()
}

/// Counts and times each request by its route template, method and status class.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unrouted", |path| path.as_str()).to_owned();
    let method = match *request.method() {
        Method::GET | Method::HEAD | Method::POST | Method::PUT | Method::PATCH | Method::DELETE | Method::OPTIONS => {
            request.method().as_str().to_owned()
        }
        _ => "other".to_owned(),
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    metrics::counter!("sps_connect_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("sps_connect_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Counts what `store` holds into the gauges, and times it.
async fn take_census(store: &dyn Health) {
    let started = Instant::now();
    let census = store.census().await;
    metrics::gauge!("sps_connect_store_round_trip_seconds").set(started.elapsed().as_secs_f64());
    let census = match census {
        Ok(census) => census,
        Err(error) => {
            tracing::warn!(%error, "the store did not answer the metrics census");
            metrics::gauge!("sps_connect_store_up").set(0.0);
            return;
        }
    };
    metrics::gauge!("sps_connect_store_up").set(1.0);
    for (status, count) in census.accounts {
        metrics::gauge!("sps_connect_accounts", "status" => status).set(count as f64);
    }
    metrics::gauge!("sps_connect_webhook_events_waiting").set(census.webhooks_waiting as f64);
    let oldest_ms = census.oldest_waiting_since_ms.map_or(0, |since| (unix_millis() - since).max(0));
    metrics::gauge!("sps_connect_webhook_oldest_waiting_seconds").set(oldest_ms as f64 / 1000.0);
}

/// Serves `GET /metrics` on `address`, counting what `store` holds at each
/// scrape; the address it listens on.
pub async fn serve(address: SocketAddr, store: Arc<dyn Health>) -> std::io::Result<SocketAddr> {
    let handle = handle();
    let router = Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            let store = Arc::clone(&store);
            async move {
                take_census(store.as_ref()).await;
                handle.run_upkeep();
                ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_in_the_operating_guide() {
        let guide = include_str!("../../../../docs/operating.md");
        for (_, name, _) in CATALOGUE {
            assert!(guide.contains(&format!("`{name}`")), "{name} is missing from docs/operating.md");
        }
    }
}

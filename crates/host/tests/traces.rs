//! Traces from outside: a host process with `OTEL_EXPORTER_OTLP_ENDPOINT`
//! exports its spans over OTLP/HTTP to a receiver started here, which decodes
//! them with the OpenTelemetry protocol's own message types. A connect is one
//! trace: the request's server span, and under it the SPS token exchange, the
//! auth-check and the store's save; no span holds a secret or an id.

mod support;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;

/// An OTLP/HTTP receiver: every exported request, decoded.
#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Vec<ExportTraceServiceRequest>>>);

impl Receiver {
    async fn start(&self) -> String {
        let this = self.clone();
        let router = Router::new().route(
            "/v1/traces",
            post(move |body: Bytes| {
                let this = this.clone();
                async move {
                    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
                        return StatusCode::BAD_REQUEST;
                    };
                    this.0.lock().unwrap().push(request);
                    StatusCode::OK
                }
            }),
        );
        format!("http://{}", serve(router).await)
    }

    fn spans(&self) -> Vec<Span> {
        let requests = self.0.lock().unwrap();
        let scopes = requests.iter().flat_map(|r| &r.resource_spans).flat_map(|r| &r.scope_spans);
        scopes.flat_map(|s| s.spans.clone()).collect()
    }

    fn service_names(&self) -> Vec<String> {
        let requests = self.0.lock().unwrap();
        let resources = requests.iter().flat_map(|r| &r.resource_spans).filter_map(|r| r.resource.as_ref());
        resources
            .flat_map(|r| &r.attributes)
            .filter(|a| a.key == "service.name")
            .filter_map(|a| match a.value.as_ref()?.value.as_ref()? {
                Any::StringValue(name) => Some(name.clone()),
                _ => None,
            })
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connect_is_one_trace_of_request_exchange_auth_check_and_store() {
    let receiver = Receiver::default();
    let endpoint = receiver.start().await;
    let token_url = token_server().await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("accounts.sqlite").display().to_string();
    let mut vars = instance_variables(&database, &token_url, "");
    vars.retain(|(name, _)| !name.starts_with("SPS_CONNECT_WEBHOOK"));
    vars.push(("OTEL_EXPORTER_OTLP_ENDPOINT".into(), format!("{endpoint}/")));
    vars.push(("OTEL_BSP_SCHEDULE_DELAY".into(), "100".into()));
    let instance = start_instance(&vars);
    let user = "user-with-a-private-name";
    let id = instance.host.connected_account(user).await;

    let mut spans = Vec::new();
    for _ in 0..100 {
        spans = receiver.spans();
        if spans.iter().any(|s| s.name == "POST /api/sps/connect") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let request = spans.iter().find(|s| s.name == "POST /api/sps/connect").expect("the connect's request span");
    assert_eq!(request.kind, SpanKind::Server as i32);
    assert!(request.parent_span_id.is_empty(), "the request is the trace's root");
    let attribute = |span: &Span, key: &str| {
        span.attributes.iter().find(|a| a.key == key).and_then(|a| a.value.clone()?.value).map(|v| match v {
            Any::StringValue(text) => text,
            Any::IntValue(n) => n.to_string(),
            other => format!("{other:?}"),
        })
    };
    assert_eq!(attribute(request, "http.route").as_deref(), Some("/api/sps/connect"));
    assert_eq!(attribute(request, "http.response.status_code").as_deref(), Some("201"));
    for child in ["sps.token_exchange", "sps.auth_check", "store.save"] {
        let span = spans
            .iter()
            .find(|s| s.name == child && s.trace_id == request.trace_id)
            .unwrap_or_else(|| panic!("no {child} span in the connect's trace: {:?}", names(&spans)));
        assert_eq!(span.parent_span_id, request.span_id, "{child} is a child of the request");
    }
    let exchange = spans.iter().find(|s| s.name == "sps.token_exchange").unwrap();
    assert_eq!(exchange.kind, SpanKind::Client as i32);
    let save = spans.iter().find(|s| s.name == "store.save").unwrap();
    assert_eq!(attribute(save, "db.system.name").as_deref(), Some("sqlite"));
    assert_eq!(receiver.service_names().first().map(String::as_str), Some("sps-connect-host"));

    let exported = format!("{:?}", receiver.0.lock().unwrap());
    for secret in [CLIENT_SECRET, CLIENT_ID, user, id.as_str(), ADMIN_KEY] {
        assert!(!exported.contains(secret), "{secret} is in the exported spans");
    }
}

fn names(spans: &[Span]) -> Vec<&str> {
    spans.iter().map(|s| s.name.as_str()).collect()
}

#[test]
fn an_endpoint_that_is_not_http_is_refused_at_start() {
    for (endpoint, refused) in
        [("https://otlp.example:4318", true), ("collector:4318", true), ("http://127.0.0.1:4318", false)]
    {
        let dir = tempfile::tempdir().unwrap();
        let vars = variables(
            &dir.path().join("a.sqlite").display().to_string(),
            "http://127.0.0.1:1/oauth/token",
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)],
        );
        let config = sps_connect_host::config::Config::from_vars(|name| vars.get(name).cloned());
        match config {
            Err(error) => {
                assert!(refused, "{endpoint}: {error}");
                assert!(error.to_string().contains("OTEL_EXPORTER_OTLP_ENDPOINT must be the http:// URL"), "{error}");
            }
            Ok(config) => {
                assert!(!refused, "{endpoint} was accepted");
                let traces = config.traces.unwrap();
                assert_eq!(traces.traces_url, "http://127.0.0.1:4318/v1/traces");
                assert_eq!(traces.service_name, "sps-connect-host");
            }
        }
    }
}

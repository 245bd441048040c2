//! Traces, exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is
//! set: every request is a server span named by its route template, and the
//! spans the host opens inside it (the SPS token exchange, the auth-check,
//! the store's calls) are its children. Span fields hold no secret, token,
//! Client ID or id of a user or account.

use crate::util::vars::{ConfigError, Fallback, Variable, Vars};
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing::Instrument;

const ENDPOINT: Variable = Variable::new(
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    Fallback::Unset("(off)"),
    "base http:// URL of an OTLP/HTTP receiver (an OpenTelemetry Collector); spans go to {URL}/v1/traces",
);
const SERVICE_NAME: Variable =
    Variable::new("OTEL_SERVICE_NAME", Fallback::Value("sps-connect-host"), "the service name the spans carry");

/// Where traces go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceConfig {
    /// The receiver's traces URL, `{OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces`.
    pub traces_url: String,
    /// The service name on every span.
    pub service_name: String,
}

impl TraceConfig {
    /// Every variable of this section.
    pub const VARIABLES: &'static [Variable] = &[ENDPOINT, SERVICE_NAME];

    /// The section, or `None` while `OTEL_EXPORTER_OTLP_ENDPOINT` is unset.
    pub fn read(vars: &Vars<'_>) -> Result<Option<Self>, ConfigError> {
        let Some(endpoint) = vars.set(&ENDPOINT) else {
            return Ok(None);
        };
        let url = url::Url::parse(&endpoint).ok().filter(|url| url.scheme() == "http" && url.host().is_some());
        let Some(url) = url else {
            return Err(ConfigError(
                "OTEL_EXPORTER_OTLP_ENDPOINT must be the http:// URL of an OTLP/HTTP receiver, such as \
                 http://127.0.0.1:4318 (for an https backend, run an OpenTelemetry Collector beside the host)"
                    .into(),
            ));
        };
        let service_name = vars.text(&SERVICE_NAME).unwrap_or_else(|| "sps-connect-host".into());
        Ok(Some(Self { traces_url: format!("{}/v1/traces", url.as_str().trim_end_matches('/')), service_name }))
    }
}

/// The exporter behind the tracing layer; shut it down to send what is still batched.
pub struct Exporter(SdkTracerProvider);

impl Exporter {
    /// Sends the spans still batched and stops.
    pub fn shutdown(self) {
        if let Err(error) = self.0.shutdown() {
            tracing::warn!(%error, "the last spans could not be exported");
        }
    }
}

/// A tracing layer that exports spans as `config` says, and its exporter.
pub fn layer<S>(config: &TraceConfig) -> Result<(impl tracing_subscriber::Layer<S>, Exporter), String>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(config.traces_url.clone())
        .build()
        .map_err(|error| format!("the OTLP exporter could not start: {error}"))?;
    let resource = Resource::builder().with_service_name(config.service_name.clone()).build();
    let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build();
    let tracer = provider.tracer("sps-connect-host");
    Ok((tracing_opentelemetry::layer().with_tracer(tracer), Exporter(provider)))
}

/// Runs each request inside a server span named by its method and route template.
pub async fn span(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unrouted", |path| path.as_str()).to_owned();
    let method = request.method().as_str().to_owned();
    let span = tracing::info_span!(
        "request",
        otel.name = format!("{method} {route}"),
        otel.kind = "server",
        http.request.method = %method,
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
    );
    let response = next.run(request).instrument(span.clone()).await;
    span.record("http.response.status_code", response.status().as_u16());
    response
}

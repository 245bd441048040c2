//! Security headers: on every answer, on the API's, and the
//! Content-Security-Policy of the pages the host serves.

use axum::http::header::{HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy of the built widget's own files and pages: nothing may frame them.
pub const STATIC_POLICY: &str = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// `no-store` on every API answer that did not choose its caching.
pub fn api_layers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(SetResponseHeaderLayer::if_not_present(CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

/// [`STATIC_POLICY`] on the static files.
pub fn static_layers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(SetResponseHeaderLayer::if_not_present(CONTENT_SECURITY_POLICY, HeaderValue::from_static(STATIC_POLICY)))
}

/// `nosniff` on every answer.
pub fn global_layers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(SetResponseHeaderLayer::overriding(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
}

/// The policy of a page whose only scripts are the host's own files and the
/// inline module scripts of `html`, allowed by their hashes; it talks only to
/// the host and cannot be framed.
pub fn page_policy(html: &str) -> (HeaderName, HeaderValue) {
    let hashes: String = inline_scripts(html)
        .map(|script| format!(" 'sha256-{}'", STANDARD.encode(Sha256::digest(script.as_bytes()))))
        .collect();
    let policy = format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    (CONTENT_SECURITY_POLICY, HeaderValue::try_from(policy).expect("a policy is a valid header value"))
}

fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, rest) = rest.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        rest.split_once("</script>").map(|(script, _)| script)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_allowed_by_hash_and_nothing_else_inline() {
        let html = "<script type=\"module\">run();</script><script src=\"/x.js\"></script>";
        let (_, policy) = page_policy(html);
        let policy = policy.to_str().unwrap();
        let expected = STANDARD.encode(Sha256::digest(b"run();"));
        assert!(policy.contains(&format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{expected}';")), "{policy}");
        let scripts = policy.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert!(!scripts.contains("'unsafe-inline'") && !scripts.contains("'unsafe-eval'"), "{scripts}");
        assert!(policy.ends_with("frame-ancestors 'none'"));
    }
}

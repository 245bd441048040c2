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

/// The policy of a page whose only scripts and styles are the host's own
/// files and the inline `<script>` and `<style>` blocks of `html`, allowed by
/// their hashes (no `'unsafe-inline'`); it talks only to the host and cannot be framed.
pub fn page_policy(html: &str) -> (HeaderName, HeaderValue) {
    framed_page_policy(html, "'none'")
}

/// [`page_policy`], but the page may be framed by `ancestors` (CSP sources,
/// space-separated).
pub fn framed_page_policy(html: &str, ancestors: &str) -> (HeaderName, HeaderValue) {
    let hashes = |tag: &str| -> String {
        inline_blocks(html, tag)
            .into_iter()
            .map(|block| format!(" 'sha256-{}'", STANDARD.encode(Sha256::digest(block.as_bytes()))))
            .collect()
    };
    let (scripts, styles) = (hashes("script"), hashes("style"));
    let policy = format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{scripts}; style-src 'self'{styles}; \
         img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    );
    (CONTENT_SECURITY_POLICY, HeaderValue::try_from(policy).expect("a policy is a valid header value"))
}

/// The text of each inline `<tag>` block of `html` (those without `src=`).
fn inline_blocks<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    html.split(open.as_str())
        .skip(1)
        .filter_map(|rest| {
            let (attributes, rest) = rest.split_once('>')?;
            if attributes.contains("src=") {
                return None;
            }
            rest.split_once(close.as_str()).map(|(block, _)| block)
        })
        .collect()
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

    // Regression: every demo page allowed any inline style.
    #[test]
    fn inline_styles_are_allowed_by_hash_and_nothing_else_inline() {
        let html = "<style>body { color: red; }</style><p>text</p>";
        let (_, policy) = page_policy(html);
        let policy = policy.to_str().unwrap();
        let expected = STANDARD.encode(Sha256::digest(b"body { color: red; }"));
        assert!(policy.contains(&format!("style-src 'self' 'sha256-{expected}';")), "{policy}");
        assert!(!policy.contains("'unsafe-inline'"), "{policy}");
    }
}

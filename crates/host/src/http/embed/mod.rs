//! Frame mode, for portal pages that allow no WebAssembly: a plain loader
//! script for the page ([`LOADER`], at [`LOADER_PATH`]), and the page the
//! dialog runs in, on the host's origin ([`PAGE_PATH`], with its script
//! [`FRAME_SCRIPT`] at [`FRAME_SCRIPT_PATH`]), which only the origins of
//! `SPS_CONNECT_FRAME_ANCESTORS` (read with the hosted page's variables) may frame.

use crate::http::headers::framed_page_policy;
use axum::http::header::{CACHE_CONTROL, REFERRER_POLICY};
use axum::http::HeaderValue;
use axum::response::{Html, IntoResponse, Response};

/// The page's loader: `mount()` and `<sps-connect>`, backed by a frame.
pub const LOADER: &str = include_str!("loader.js");
/// Where the loader is served.
pub const LOADER_PATH: &str = "/embed.js";
/// The page the dialog runs in.
pub const PAGE_PATH: &str = "/embed/connect";
/// The frame page's script.
pub const FRAME_SCRIPT: &str = include_str!("frame.js");
/// Where the frame page's script is served.
pub const FRAME_SCRIPT_PATH: &str = "/embed/frame.js";

/// The frame page for `ancestors`: the widget's bundle and the frame's script,
/// under a policy that lets only those origins frame it.
pub fn page(ancestors: &[String]) -> Response {
    let listed = serde_json::to_string(ancestors).expect("origins serialize");
    let html = format!(
        r#"<!doctype html>
<html lang="en" data-ancestors="{listed}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Connect SPS Commerce</title>
<link rel="icon" href="data:,">
<link rel="modulepreload" href="/sps-connect.js">
<link rel="preload" href="/sps-connect_bg.wasm" as="fetch" type="application/wasm" crossorigin>
<style>html, body {{ margin: 0; background: transparent; color-scheme: normal; }}</style>
</head>
<body>
<div id="sps-connect-frame"></div>
<script type="module" src="{FRAME_SCRIPT_PATH}"></script>
</body>
</html>
"#,
        listed = crate::http::hosted::escape(&listed),
    );
    let policy = framed_page_policy(&html, &ancestors.join(" "));
    (
        [
            policy,
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        ],
        Html(html),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_may_be_framed_only_by_the_ancestors() {
        let response = page(&["https://portal.example".to_owned()]);
        let policy = response.headers()["content-security-policy"].to_str().unwrap();
        assert!(policy.ends_with("frame-ancestors https://portal.example"), "{policy}");
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval';"), "no inline script: {policy}");
    }
}

//! The HTTP client for calls to SPS: no redirects, a timeout on every call,
//! and no proxy unless one is configured (proxy variables such as
//! `HTTPS_PROXY` in the environment are ignored).

use reqwest::Url;
use std::time::Duration;

/// A client with `timeout` on connect and on the whole call, through `proxy` if given.
pub fn client(timeout: Duration, proxy: Option<&Url>) -> Result<reqwest::Client, String> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .timeout(timeout);
    let builder = match proxy {
        Some(proxy) => {
            builder.proxy(reqwest::Proxy::all(proxy.clone()).map_err(|e| format!("SPS_OUTBOUND_PROXY: {e}"))?)
        }
        None => builder.no_proxy(),
    };
    builder.build().map_err(|e| format!("cannot build the HTTP client: {e}"))
}

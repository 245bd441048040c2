//! The hosted connect page: `GET /connect/{link}` serves a standalone,
//! branded page with the widget inline for an open link, and a clear page in
//! the end user's language for a link that is expired, used, revoked or not
//! a link at all.

mod text;

use crate::domain::links::LinkState;
use crate::util::net::{is_loopback, loggable, outbound_url};
use crate::util::vars::{ConfigError, Fallback, Variable, Vars};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_FRAME_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use reqwest::Url;
pub use text::preferred;
use text::{texts, Texts};

/// The script of the page, served by the host itself at [`SCRIPT_PATH`].
pub const SCRIPT: &str = include_str!("page.js");
/// Where the page's script is served.
pub const SCRIPT_PATH: &str = "/connect-page.js";

/// The page's policy: scripts only from the host (and its WebAssembly), no
/// inline script, no inline style but the page's own `<style>` (allowed by
/// its hash, `style_hash`), talks only to the host, cannot be framed.
pub fn policy(style_hash: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' '{style_hash}'; \
         img-src 'self' https: data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// The CSP source of `text` as an inline `<style>`: `sha256-…`.
fn sha256_source(text: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes())))
}

/// How hosted links and their page look and where they lead.
#[derive(Clone, Debug)]
pub struct HostedConfig {
    /// The host's public base URL, for the links it hands out.
    pub public_url: Url,
    /// Whether a link may be minted without saying whom it is for.
    pub links_anonymous: bool,
    /// Origins a link's `return_url` may lead to.
    pub return_origins: Vec<String>,
    /// The portal's name.
    pub app_name: String,
    /// The brand colour, if set.
    pub brand_color: Option<String>,
    /// The portal's logo, if set.
    pub logo_url: Option<Url>,
    /// Dark colour scheme.
    pub dark: bool,
    /// Language when the link sets none.
    pub locale: String,
    /// Origins whose pages may frame the connect dialog; empty: frame mode is off.
    pub frame_ancestors: Vec<String>,
}

impl HostedConfig {
    /// The URL of the link with `token`.
    pub fn link_url(&self, token: &str) -> String {
        format!("{}/connect/{token}", self.public_url.as_str().trim_end_matches('/'))
    }
}

const PUBLIC_URL: Variable = Variable::new(
    "SPS_CONNECT_PUBLIC_URL",
    Fallback::Unset("(http://SPS_CONNECT_ADDR)"),
    "the host's public base URL, for the hosted links it hands out",
);
const LINKS_ANONYMOUS: Variable = Variable::new(
    "SPS_CONNECT_LINKS_ANONYMOUS",
    Fallback::Value("false"),
    "true lets the portal mint hosted links without saying whom they are for (`for`)",
);
const RETURN_ORIGINS: Variable = Variable::new(
    "SPS_CONNECT_RETURN_ORIGINS",
    Fallback::Unset("(none)"),
    "comma-separated origins a hosted link's return_url may lead to, such as https://portal.example",
);
const APP_NAME: Variable = Variable::new(
    "SPS_CONNECT_APP_NAME",
    Fallback::Value("SPS Commerce Connect"),
    "the portal's name on the hosted connect page",
);
const BRAND_COLOR: Variable = Variable::new(
    "SPS_CONNECT_BRAND_COLOR",
    Fallback::Unset("(none)"),
    "the hosted page's brand colour, such as #0b5cad",
);
const LOGO_URL: Variable = Variable::new(
    "SPS_CONNECT_LOGO_URL",
    Fallback::Unset("(none)"),
    "an https URL of the portal's logo for the hosted page",
);
const THEME: Variable =
    Variable::new("SPS_CONNECT_THEME", Fallback::Value("light"), "the hosted page's colour scheme: light or dark");
const LOCALE: Variable = Variable::new(
    "SPS_CONNECT_LOCALE",
    Fallback::Value("en"),
    "the hosted page's language when neither the link nor the browser's Accept-Language names one it speaks (en, de, es, fr)",
);

const FRAME_ANCESTORS: Variable = Variable::new(
    "SPS_CONNECT_FRAME_ANCESTORS",
    Fallback::Unset("(none: frame mode off)"),
    "comma-separated origins of the portal pages that may frame the connect dialog (/embed/connect), such as \
     https://portal.example; https, or http on loopback",
);

/// The origins that may frame the connect dialog's page (frame mode); empty when it is off.
fn read_frame_ancestors(vars: &Vars) -> Result<Vec<String>, ConfigError> {
    let origins = crate::util::net::origins(vars, &FRAME_ANCESTORS)?;
    if let Some(plain) = origins.iter().find(|origin| !origin.starts_with("https://") && !is_loopback_origin(origin)) {
        return Err(ConfigError(format!(
            "SPS_CONNECT_FRAME_ANCESTORS: `{plain}` must be https (http only on loopback): the frame carries a session"
        )));
    }
    Ok(origins)
}

fn is_loopback_origin(origin: &str) -> bool {
    reqwest::Url::parse(origin).is_ok_and(|url| crate::util::net::is_loopback(&url))
}

impl HostedConfig {
    /// The variables of [`HostedConfig::read`].
    pub const VARIABLES: &'static [Variable] =
        &[PUBLIC_URL, LINKS_ANONYMOUS, RETURN_ORIGINS, APP_NAME, BRAND_COLOR, LOGO_URL, THEME, LOCALE, FRAME_ANCESTORS];

    /// The page and links the variables set, for a host listening on `listen`.
    pub fn read(vars: &Vars, listen: std::net::SocketAddr) -> Result<Self, ConfigError> {
        let public_url = match vars.set(&PUBLIC_URL) {
            Some(url) => Url::parse(url.trim_end_matches('/'))
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host() && u.query().is_none())
                .ok_or_else(|| ConfigError("SPS_CONNECT_PUBLIC_URL must be an https URL without query".into()))?,
            None => Url::parse(&format!("http://{listen}")).expect("an address makes a URL"),
        };
        if public_url.scheme() != "https" && !is_loopback(&public_url) {
            return Err(ConfigError(format!(
                "SPS_CONNECT_PUBLIC_URL must be the host's https URL (hosted links carry a token), unless it is \
                 loopback; it is {}",
                loggable(&public_url)
            )));
        }
        let return_origins = crate::util::net::origins(vars, &RETURN_ORIGINS)?;
        let brand_color = vars.set(&BRAND_COLOR);
        if brand_color
            .as_deref()
            .is_some_and(|c| !c.chars().all(|c| c.is_ascii_alphanumeric() || c == '#') || c.len() > 30)
        {
            return Err(ConfigError("SPS_CONNECT_BRAND_COLOR must be a colour such as #0b5cad or teal".into()));
        }
        let logo_url = vars.set(&LOGO_URL).map(|url| outbound_url(LOGO_URL.name, &url)).transpose()?;
        let app_name = vars.text(&APP_NAME).unwrap_or_default();
        if app_name.chars().count() > 60 || app_name.chars().any(char::is_control) {
            return Err(ConfigError("SPS_CONNECT_APP_NAME must be 1 to 60 characters".into()));
        }
        Ok(HostedConfig {
            public_url,
            links_anonymous: vars.flag(&LINKS_ANONYMOUS)?,
            return_origins,
            app_name,
            brand_color,
            logo_url,
            dark: vars.choice(&THEME, &[("light", false), ("dark", true)])?,
            locale: vars.text(&LOCALE).unwrap_or_default(),
            frame_ancestors: read_frame_ancestors(vars)?,
        })
    }
}

/// What the page shows.
#[derive(Clone, Debug)]
pub enum PageKind<'a> {
    /// The connect form for an open link, leading back to `return_url` on success.
    Connect {
        /// Where the confirmation's button leads.
        return_url: Option<&'a str>,
        /// Whom the portal says the link is for.
        for_whom: Option<&'a str>,
    },
    /// Why the link cannot be used.
    Unusable(LinkState),
    /// The URL holds no link this host made.
    Unknown,
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

fn fill(template: &str, app: &str) -> String {
    template.replace("{app}", &escape(app))
}

/// The page, with its status and headers.
pub fn render(config: &HostedConfig, locale: &str, kind: PageKind<'_>) -> Response {
    let t: &Texts = texts(locale);
    let app = &config.app_name;
    let (status, title, body) = match &kind {
        PageKind::Connect { return_url, for_whom } => {
            let back = return_url.map(|url| {
                format!(
                    r#"<p id="return" hidden><a class="button" href="{}">{}</a></p>"#,
                    escape(url),
                    fill(t.return_to, app)
                )
            });
            let theme = if config.dark { "dark" } else { "light" };
            let brand =
                config.brand_color.as_deref().map(|c| format!(r#" brand-color="{}""#, escape(c))).unwrap_or_default();
            let addressee = for_whom
                .map(|name| {
                    format!("<p class=\"addressee\">{}</p>\n", fill(&t.addressee.replace("{for}", &escape(name)), app))
                })
                .unwrap_or_default();
            let body = format!(
                r#"{addressee}<p class="lead">{lead}</p>
<p id="problem" role="alert" hidden data-fallback="{fallback}"></p>
<sps-connect mode="inline" white-label hide-attribution app-name="{app}" theme="{theme}" locale="{lang}"{brand}></sps-connect>
{back}
<script type="module" src="{SCRIPT_PATH}"></script>"#,
                lead = fill(t.lead, app),
                fallback = fill(t.could_not_start, app),
                app = escape(app),
                lang = escape(t.lang),
                back = back.unwrap_or_default(),
            );
            (StatusCode::OK, fill(t.title, app), body)
        }
        PageKind::Unusable(state) => {
            let (title, text) = match state {
                LinkState::Expired => (t.expired_title, t.expired_body),
                LinkState::Used => (t.used_title, t.used_body),
                _ => (t.revoked_title, t.revoked_body),
            };
            (StatusCode::GONE, title.to_owned(), format!(r#"<p class="message">{}</p>"#, fill(text, app)))
        }
        PageKind::Unknown => (
            StatusCode::NOT_FOUND,
            t.unknown_title.to_owned(),
            format!(r#"<p class="message">{}</p>"#, fill(t.unknown_body, app)),
        ),
    };
    let logo = config
        .logo_url
        .as_ref()
        .map(|url| format!(r#"<img src="{}" alt="" class="logo">"#, escape(url.as_str())))
        .unwrap_or_default();
    let brand = config.brand_color.as_deref().unwrap_or("#0b5cad");
    let (background, text_color, surface) =
        if config.dark { ("#0b1020", "#e5e7eb", "#111833") } else { ("#eef1f5", "#1b2330", "#ffffff") };
    let style = format!(
        r#"
:root {{ color-scheme: {scheme}; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font-family: system-ui, sans-serif; background: {background}; color: {text_color}; }}
header {{ display: flex; align-items: center; gap: 12px; padding: 14px 20px; background: {surface}; border-bottom: 3px solid {brand}; }}
header .logo {{ height: 32px; }}
main {{ max-width: 760px; margin: 0 auto; padding: 24px 16px 48px; }}
h1 {{ font-size: 1.5rem; margin: 0 0 8px; }}
.message, .lead {{ line-height: 1.5; }}
#problem {{ padding: 12px 14px; border-radius: 8px; background: #fee4e2; color: #7a271a; }}
.button {{ display: inline-block; padding: 10px 18px; border-radius: 8px; background: {brand}; color: #fff; font-weight: 600; text-decoration: none; }}
.button:focus-visible {{ outline: 3px solid {text_color}; outline-offset: 2px; }}
"#,
        scheme = if config.dark { "dark" } else { "light" },
    );
    let html = format!(
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<link rel="modulepreload" href="/sps-connect.js">
<link rel="preload" href="/sps-connect_bg.wasm" as="fetch" type="application/wasm" crossorigin>
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<header>{logo}<strong>{app}</strong></header>
<main>
<h1>{title}</h1>
{body}
</main>
</body>
</html>"#,
        lang = escape(t.lang),
        title = title,
        app = escape(app),
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    let policy = policy(&sha256_source(&style));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::try_from(policy).expect("a policy is a valid header value"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> HostedConfig {
        HostedConfig {
            public_url: Url::parse("https://connect.portal.example").unwrap(),
            links_anonymous: false,
            return_origins: vec![],
            app_name: "Acme <Freight>".into(),
            brand_color: Some("#f59e0b".into()),
            logo_url: None,
            dark: false,
            locale: "en".into(),
            frame_ancestors: vec![],
        }
    }

    fn read(value: &str) -> Result<Vec<String>, ConfigError> {
        let value = value.to_owned();
        let lookup = move |name: &str| (name == "SPS_CONNECT_FRAME_ANCESTORS").then(|| value.clone());
        read_frame_ancestors(&Vars::new(&lookup))
    }

    #[test]
    fn frame_ancestors_are_secure_origins() {
        assert_eq!(
            read("https://portal.example, http://127.0.0.1:8080").unwrap(),
            ["https://portal.example", "http://127.0.0.1:8080"]
        );
        assert!(read("").unwrap().is_empty(), "unset or empty: frame mode is off");
        let plain = read("http://portal.example").unwrap_err().0;
        assert!(plain.contains("`http://portal.example` must be https"), "{plain}");
        assert!(read("https://portal.example/path").is_err(), "an origin has no path");
        assert!(read("*").is_err());
    }

    #[test]
    fn text_from_configuration_and_links_is_escaped() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        let page = render(
            &config(),
            "en",
            PageKind::Connect {
                return_url: Some("https://p.example/?a=1&b=\"2\""),
                for_whom: Some("Ann <ann@x.example>"),
            },
        );
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(config().link_url("tok"), "https://connect.portal.example/connect/tok");
    }

    #[test]
    fn unusable_links_are_gone_and_unknown_ones_not_found() {
        assert_eq!(render(&config(), "de", PageKind::Unusable(LinkState::Used)).status(), StatusCode::GONE);
        assert_eq!(render(&config(), "en", PageKind::Unknown).status(), StatusCode::NOT_FOUND);
    }
}

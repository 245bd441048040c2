//! The options a host passes when it mounts the widget.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use sps_connect_wire::{check_client_id, is_language_tag, is_valid_account_id, Environment, Service, DEFAULT_ENDPOINT};
use std::fmt;

/// Application name the guide suggests when the host sets none.
pub const DEFAULT_APP_NAME: &str = "StackOne Integration";

/// Longest application name the guide accepts.
pub const APP_NAME_MAX_LEN: usize = 60;

/// Accepted request timeout, in milliseconds.
pub const TIMEOUT_MS: std::ops::RangeInclusive<u32> = 1_000..=120_000;

/// How the widget is configured. Deserialized from a camelCase JS object;
/// unknown fields are rejected.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ConnectOptions {
    /// URL or path of the host's connect endpoint.
    pub endpoint: String,
    /// Short-lived session token the host minted for this user, sent as `X-Connect-Session`.
    pub session_token: Option<String>,
    /// Environment selected when the dialog opens.
    pub environment: Environment,
    /// SPS services the integration requests; the guide lists these.
    pub services: Vec<Service>,
    /// Whether the user may pick the other environment.
    pub lock_environment: bool,
    /// White-label settings.
    pub white_label: WhiteLabel,
    /// How long to wait for the backend before giving up, in milliseconds.
    pub timeout_ms: u32,
    /// Modal dialog over the page, or inline in the mount element.
    pub mode: Mode,
    /// Colour scheme and theme tokens.
    pub theme: Theme,
    /// BCP 47 language tag of the text; unknown languages fall back to
    /// English. Without it the widget speaks the browser's first language
    /// it has a catalog for (`navigator.languages`).
    pub locale: Option<String>,
    /// Update this existing link instead of creating one.
    pub account_id: Option<String>,
    /// The Client ID to fill in, such as the one of the account being
    /// reconnected (it is not a secret); the secret field always starts empty.
    pub client_id: Option<String>,
}

/// Where the widget appears.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A modal dialog over the page, opened with `open()`.
    #[default]
    Modal,
    /// A panel inside the mount element, shown at once.
    Inline,
}

/// Light or dark palette.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scheme {
    /// Dark text on light surfaces.
    #[default]
    Light,
    /// Light text on dark surfaces.
    Dark,
}

/// The look: a scheme and optional tokens, each a CSS value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Theme {
    /// Light or dark.
    pub scheme: Scheme,
    /// Brand colour of buttons, links and focus rings.
    pub brand: Option<String>,
    /// Text colour on the brand colour.
    pub brand_contrast: Option<String>,
    /// Corner radius.
    pub radius: Option<String>,
    /// Font family.
    pub font: Option<String>,
}

/// A theme token: its option key, the custom property it sets and the CSS
/// property its value must be valid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThemeToken {
    /// Key under `theme`, such as `brand`.
    pub key: &'static str,
    /// The custom property on the widget's root, such as `--spsc-brand`.
    pub custom_property: &'static str,
    /// The CSS property a value is checked against in the browser.
    pub css_property: &'static str,
}

/// Every theme token, in one place.
pub const THEME_TOKENS: [ThemeToken; 4] = [
    ThemeToken { key: "brand", custom_property: "--spsc-brand", css_property: "color" },
    ThemeToken { key: "brandContrast", custom_property: "--spsc-brand-contrast", css_property: "color" },
    ThemeToken { key: "radius", custom_property: "--spsc-radius", css_property: "border-radius" },
    ThemeToken { key: "font", custom_property: "--spsc-font", css_property: "font-family" },
];

impl Theme {
    /// Each token with the value the host set, in [`THEME_TOKENS`] order.
    pub fn values(&self) -> impl Iterator<Item = (ThemeToken, &str)> {
        let values = [&self.brand, &self.brand_contrast, &self.radius, &self.font];
        THEME_TOKENS.into_iter().zip(values).filter_map(|(token, value)| value.as_deref().map(|v| (token, v)))
    }

    /// The custom properties to set on the widget's root.
    pub fn tokens(&self) -> Vec<(&'static str, &str)> {
        self.values().map(|(token, value)| (token.custom_property, value)).collect()
    }

    fn slot(&mut self, key: &str) -> Option<&mut Option<String>> {
        match key {
            "brand" => Some(&mut self.brand),
            "brandContrast" => Some(&mut self.brand_contrast),
            "radius" => Some(&mut self.radius),
            "font" => Some(&mut self.font),
            _ => None,
        }
    }
}

const THEME_SHAPE: &str = "\"light\", \"dark\" or an object with scheme, brand, brandContrast, radius, font";

fn parse_scheme(value: &str) -> Result<Scheme, String> {
    match value {
        "light" => Ok(Scheme::Light),
        "dark" => Ok(Scheme::Dark),
        other => Err(format!("unknown scheme `{other}`, expected `light` or `dark`")),
    }
}

/// Whether `value` is a plain CSS value: nothing that could end the
/// declaration or load a resource.
fn is_plain_css(value: &str) -> bool {
    let unsafe_char = value.chars().any(|c| c.is_control() || ";{}<>\\".contains(c));
    !value.is_empty() && value.len() <= 100 && !unsafe_char && !value.to_ascii_lowercase().contains("url(")
}

impl<'de> Deserialize<'de> for Theme {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ThemeVisitor)
    }
}

/// Reads a theme from a scheme's name or from an object of tokens.
struct ThemeVisitor;

impl<'de> Visitor<'de> for ThemeVisitor {
    type Value = Theme;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(THEME_SHAPE)
    }

    fn visit_str<E: de::Error>(self, scheme: &str) -> Result<Theme, E> {
        Ok(Theme { scheme: parse_scheme(scheme).map_err(E::custom)?, ..Theme::default() })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut fields: A) -> Result<Theme, A::Error> {
        let mut theme = Theme::default();
        while let Some(key) = fields.next_key::<String>()? {
            if key == "scheme" {
                theme.scheme = parse_scheme(&fields.next_value::<String>()?).map_err(de::Error::custom)?;
                continue;
            }
            let Some(slot) = theme.slot(&key) else {
                return Err(de::Error::custom(format!("unknown token `{key}`, expected {THEME_SHAPE}")));
            };
            *slot = Some(fields.next_value::<String>()?.trim().to_owned());
        }
        Ok(theme)
    }
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            session_token: None,
            environment: Environment::default(),
            services: vec![Service::Transaction],
            lock_environment: false,
            white_label: WhiteLabel::default(),
            timeout_ms: 30_000,
            mode: Mode::default(),
            theme: Theme::default(),
            locale: None,
            account_id: None,
            client_id: None,
        }
    }
}

/// How a portal presents the widget as its own.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct WhiteLabel {
    /// Hides the guide section about linking through the hub.
    pub enabled: bool,
    /// The portal's application name, suggested in the guide.
    pub app_name: Option<String>,
    /// Hides the "Powered by" line.
    pub hide_attribution: bool,
}

impl WhiteLabel {
    /// The application name the guide suggests.
    pub fn app_name(&self) -> &str {
        self.app_name.as_deref().unwrap_or(DEFAULT_APP_NAME)
    }
}

/// An option that has a value the widget cannot use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionError {
    /// The option's camelCase path, such as `whiteLabel.appName`.
    pub option: String,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid option `{}`: {}", self.option, self.problem)
    }
}

impl std::error::Error for OptionError {}

/// Reads a `T` from any serde source, wrapped so that an error names the
/// path of the value at fault.
pub(crate) fn read_naming_path<'de, T: Deserialize<'de>, D: Deserializer<'de>>(source: D) -> Result<T, OptionError> {
    serde_path_to_error::deserialize(source)
        .map_err(|error| OptionError { option: error.path().to_string(), problem: error.inner().to_string() })
}

impl ConnectOptions {
    /// Reads options from any serde source (the page's options object in the
    /// widget), naming the path of any unknown or mistyped field.
    pub fn read<'de, D: Deserializer<'de>>(source: D) -> Result<Self, OptionError> {
        read_naming_path::<ConnectOptions, D>(source)?.validate()
    }

    /// Reads options from a source whose errors name the option themselves
    /// (the widget's reader of JS data, which needs no path-tracking wrapper).
    pub fn read_tracked<'de, D: Deserializer<'de>>(source: D) -> Result<Self, OptionError>
    where
        D::Error: Into<OptionError>,
    {
        ConnectOptions::deserialize(source).map_err(Into::into)?.validate()
    }

    /// Checks the values that deserialization alone cannot.
    pub fn validate(self) -> Result<Self, OptionError> {
        let fail =
            |option: &str, problem: &str| Err(OptionError { option: option.to_owned(), problem: problem.to_owned() });
        if !is_usable_endpoint(&self.endpoint) {
            return fail("endpoint", ENDPOINT_RULE);
        }
        if let Some(token) = &self.session_token {
            if !crate::session::is_usable_token(token) {
                return fail("sessionToken", "must be 1 to 4096 visible ASCII characters");
            }
        }
        for (token, value) in self.theme.values() {
            if !is_plain_css(value) {
                return fail(&format!("theme.{}", token.key), "must be a plain CSS value of 1 to 100 characters");
            }
        }
        if self.services.is_empty() {
            return fail("services", "must name at least one service");
        }
        if let Some(name) = &self.white_label.app_name {
            let length = name.trim().chars().count();
            if length == 0 || length > APP_NAME_MAX_LEN {
                return fail("whiteLabel.appName", "must be 1 to 60 characters");
            }
        }
        if !TIMEOUT_MS.contains(&self.timeout_ms) {
            return fail("timeoutMs", "must be between 1000 and 120000");
        }
        if self.locale.as_deref().is_some_and(|locale| !is_language_tag(locale)) {
            return fail("locale", "must be a language tag such as `en` or `de-CH`");
        }
        if self.account_id.as_deref().is_some_and(|id| !is_valid_account_id(id)) {
            return fail("accountId", "must be 1 to 128 letters, digits, `_` or `-`");
        }
        if self.client_id.as_deref().is_some_and(|id| check_client_id(id).is_err()) {
            return fail("clientId", "must be a Client ID as the Dev Center shows it");
        }
        Ok(self)
    }

    /// The requested services in guide order, each once.
    pub fn requested_services(&self) -> Vec<Service> {
        Service::ALL.into_iter().filter(|service| self.services.contains(service)).collect()
    }
}

/// What an endpoint URL must be, as an option error says it.
pub(crate) const ENDPOINT_RULE: &str = "must be a path on this page's origin (one `/` first), or an `https://` URL \
                                        (`http://` only for localhost), without backslashes, `@`, encoded slashes or \
                                        whitespace";

/// Whether `endpoint` is a path on the page's own origin, an `https://` URL,
/// or `http://` on loopback. Anything a browser could read as another host is
/// refused: backslashes (read as slashes), `//` at the start
/// (protocol-relative), `@` (credentials before a host), encoded
/// slashes and backslashes, whitespace and control characters (which URL
/// parsers drop).
pub(crate) fn is_usable_endpoint(endpoint: &str) -> bool {
    let lower = endpoint.to_ascii_lowercase();
    let tricky = endpoint.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\' || c == '@')
        || ["%2f", "%5c", "%09", "%0a", "%0d"].iter().any(|encoded| lower.contains(encoded));
    if tricky {
        return false;
    }
    if let Some(path) = endpoint.strip_prefix('/') {
        return !path.starts_with('/');
    }
    let (secure, rest) = match (lower.strip_prefix("https://"), lower.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => return false,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once(':')
        .filter(|(host, port)| !host.ends_with(':') && port.chars().all(|c| c.is_ascii_digit()))
        .map_or(authority, |(host, _)| host);
    let plain_host = !host.is_empty()
        && (host.starts_with('[') && host.ends_with(']')
            || host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
    plain_host && (secure || matches!(host, "localhost" | "127.0.0.1" | "[::1]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<ConnectOptions, String> {
        ConnectOptions::read(serde_json::from_str::<serde_json::Value>(json).unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn empty_object_gives_the_defaults() {
        let options = parse("{}").unwrap();
        assert_eq!(options, ConnectOptions::default());
        assert_eq!(options.endpoint, "/api/sps/connect");
        assert_eq!(options.white_label.app_name(), "StackOne Integration");
    }

    #[test]
    fn reads_camel_case_options() {
        let options = parse(
            r#"{"endpoint":"https://portal.example/api/connect","sessionToken":"tok.abc","environment":"production",
                "services":["packing_slip","transaction","packing_slip"],"whiteLabel":{"enabled":true,"appName":"Acme Portal"},
                "timeoutMs":5000}"#,
        )
        .unwrap();
        assert_eq!(options.environment, Environment::Production);
        assert_eq!(options.requested_services(), vec![Service::Transaction, Service::PackingSlip]);
        assert!(options.white_label.enabled);
        assert_eq!(options.white_label.app_name(), "Acme Portal");
    }

    #[test]
    fn unknown_or_mistyped_options_name_the_option() {
        assert!(parse(r#"{"endpont":"/x"}"#).unwrap_err().contains("endpont"));
        let nested = parse(r#"{"whiteLabel":{"appname":"x"}}"#).unwrap_err();
        assert!(nested.contains("`whiteLabel.appname`"), "{nested}");
        let mistyped = parse(r#"{"timeoutMs":"fast"}"#).unwrap_err();
        assert!(mistyped.contains("`timeoutMs`"), "{mistyped}");
        assert!(parse(r#"{"services":["labels"]}"#).unwrap_err().contains("labels"));
        assert!(parse(r#"{"environment":"staging"}"#).unwrap_err().contains("staging"));
    }

    #[test]
    fn invalid_values_name_the_option() {
        for (json, option) in [
            (r#"{"endpoint":"ftp://x"}"#, "`endpoint`"),
            (r#"{"endpoint":"http://example.com/api"}"#, "`endpoint`"),
            (r#"{"endpoint":"//evil.example/api"}"#, "`endpoint`"),
            (r#"{"sessionToken":"has space"}"#, "`sessionToken`"),
            (r#"{"services":[]}"#, "`services`"),
            (r#"{"whiteLabel":{"appName":"  "}}"#, "`whiteLabel.appName`"),
            (r#"{"timeoutMs":10}"#, "`timeoutMs`"),
            (r#"{"locale":"en_US!"}"#, "`locale`"),
            (r#"{"accountId":"acc 1"}"#, "`accountId`"),
            (r#"{"mode":"popup"}"#, "`mode`"),
            (r#"{"theme":"sepia"}"#, "`theme`"),
            (r#"{"theme":{"brand":"red;}body{display:none"}}"#, "`theme.brand`"),
            (r#"{"theme":{"background":"red"}}"#, "`theme`"),
            (r#"{"theme":{"font":"url(x)"}}"#, "`theme.font`"),
            (r#"{"lockEnvironment":"yes"}"#, "`lockEnvironment`"),
        ] {
            let error = parse(json).unwrap_err();
            assert!(error.contains(option), "{json}: {error}");
        }
    }

    #[test]
    fn theme_is_a_scheme_or_tokens() {
        assert_eq!(parse(r#"{"theme":"dark"}"#).unwrap().theme.scheme, Scheme::Dark);
        let theme =
            parse(r##"{"theme":{"scheme":"dark","brand":"#7c3aed","radius":"4px","font":"\"Inter\", sans-serif"}}"##)
                .unwrap()
                .theme;
        assert_eq!(theme.scheme, Scheme::Dark);
        assert_eq!(
            theme.tokens(),
            vec![("--spsc-brand", "#7c3aed"), ("--spsc-radius", "4px"), ("--spsc-font", "\"Inter\", sans-serif")]
        );
    }

    #[test]
    fn embedding_options_are_read() {
        let options = parse(
            r#"{"mode":"inline","lockEnvironment":true,"locale":"de-CH","accountId":"acc_42",
            "whiteLabel":{"enabled":true,"hideAttribution":true}}"#,
        )
        .unwrap();
        assert_eq!(options.mode, Mode::Inline);
        assert!(options.lock_environment && options.white_label.hide_attribution);
        assert_eq!((options.locale.as_deref(), options.account_id.as_deref()), (Some("de-CH"), Some("acc_42")));
        assert_eq!(parse("{}").unwrap().locale, None, "no locale: the browser's languages decide");
    }

    // Regression: a reconnect asked again for the Client ID the portal already knew.
    #[test]
    fn a_client_id_to_fill_in_is_read_and_checked() {
        let options = parse(r#"{"accountId":"acc_42","clientId":"spsDemoSandboxClient01"}"#).unwrap();
        assert_eq!(options.client_id.as_deref(), Some("spsDemoSandboxClient01"));
        let refused = parse(r#"{"clientId":"has spaces in it"}"#).unwrap_err();
        assert!(refused.contains("`clientId`"), "{refused}");
    }

    #[test]
    fn http_is_accepted_for_loopback_only() {
        for endpoint in ["http://localhost:8080/api", "http://127.0.0.1/api", "http://[::1]:3000/x", "/api/sps/connect"]
        {
            assert!(is_usable_endpoint(endpoint), "{endpoint}");
        }
        assert!(!is_usable_endpoint("http://localhost.evil.example/api"));
    }

    #[test]
    fn endpoints_a_browser_would_send_to_another_host_are_refused() {
        for trick in [
            "/\\evil.example/x",
            "\\\\evil.example/x",
            "//evil.example/x",
            "/%5Cevil.example/x",
            "/%2f%2fevil.example/x",
            "/\t/evil.example/x",
            "https://portal.example@evil.example/x",
            "https://portal.example%2F@evil.example/x",
            "http://localhost@evil.example/x",
            "https:evil.example/x",
            "https:///evil.example",
            "https://evil.example\\@portal.example/",
            "javascript:alert(1)",
            "HTTP://evil.example/x",
        ] {
            assert!(!is_usable_endpoint(trick), "{trick:?} was accepted");
        }
        for fine in [
            "/api/sps/connect",
            "/api/sps/connect?tenant=a",
            "https://api.portal.example/sps",
            "HTTPS://API.PORTAL.EXAMPLE:8443/x",
        ] {
            assert!(is_usable_endpoint(fine), "{fine:?} was refused");
        }
    }
}

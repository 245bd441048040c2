//! Hosted connect links: a URL the portal sends to an end user, which opens a
//! standalone connect page. The URL carries a random token; the store keeps
//! only its SHA-256, and the page trades the token for a connect session.

use crate::store::{LinkRecord, NewLinkRecord};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sps_connect_wire::Environment;
use std::time::Duration;

/// Lifetime of a link when the portal does not say.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
/// The longest a link may live.
pub const MAX_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
/// The shortest a link may live.
pub const MIN_LIFETIME: Duration = Duration::from_secs(60);
/// The longest `for` a link may carry, in characters.
pub const FOR_MAX_CHARS: usize = 120;

/// Body of `POST /api/sps/links`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// The portal user the link connects for.
    pub user_id: String,
    /// Seconds the link works, 60 to 30 days; 7 days if absent.
    pub expires_in: Option<u64>,
    /// Where the confirmation's "Return to …" button leads.
    pub return_url: Option<String>,
    /// Makes it a reconnect link for this account of the user.
    pub account_id: Option<String>,
    /// Locks the page to these keys.
    pub environment: Option<Environment>,
    /// The page's language (`en`, `de`, …).
    pub locale: Option<String>,
    /// Whom the link is for, as the portal knows them (a name or e-mail),
    /// shown on the page so that someone else who gets the link stops there.
    #[serde(rename = "for")]
    pub for_whom: Option<String>,
}

/// What became of a link, at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// It can be used.
    Open,
    /// Its time ran out.
    Expired,
    /// A connect used it up.
    Used,
    /// The portal revoked it.
    Revoked,
}

/// The state of `link` at `now` (unix seconds).
pub fn state(link: &LinkRecord, now: i64) -> LinkState {
    if link.used_at.is_some() {
        LinkState::Used
    } else if link.revoked_at.is_some() {
        LinkState::Revoked
    } else if link.expires_at <= now {
        LinkState::Expired
    } else {
        LinkState::Open
    }
}

/// The SHA-256 of a link token, as stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn random(bytes: usize) -> Vec<u8> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).expect("the system random source works");
    buffer
}

/// A minting rule a request broke; the HTTP layer words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkRule {
    /// `user_id` is not 1 to 128 characters without control characters.
    UserId,
    /// `for` is missing and anonymous links are not allowed.
    ForRequired,
    /// `for` is not 1 to [`FOR_MAX_CHARS`] characters without control characters.
    For,
    /// `expires_in` is outside [`MIN_LIFETIME`] to [`MAX_LIFETIME`].
    ExpiresIn,
    /// `locale` is not a language tag.
    Locale,
    /// `account_id` is not a valid account id.
    AccountId,
    /// `return_url` is not a URL.
    ReturnUrlNotUrl,
    /// `return_url` is not https (or http on loopback), or carries credentials.
    ReturnUrlNotHttps,
    /// `return_url` leads to this origin, which is not allowed.
    ReturnUrlOrigin(String),
}

/// `for` trimmed, if it is usable: 1 to [`FOR_MAX_CHARS`] characters, no control characters.
fn checked_for(for_whom: &str) -> Result<String, LinkRule> {
    let for_whom = for_whom.trim();
    let count = for_whom.chars().count();
    if count == 0 || count > FOR_MAX_CHARS || for_whom.chars().any(char::is_control) {
        return Err(LinkRule::For);
    }
    Ok(for_whom.to_owned())
}

/// A new link's token (for its URL) and record. Unless `anonymous` links
/// are allowed, the request must say whom the link is for.
pub fn new_link(request: &LinkRequest, now: i64, anonymous: bool) -> Result<(String, NewLinkRecord), LinkRule> {
    let user_id = crate::domain::session::checked_user_id(&request.user_id).map_err(|_| LinkRule::UserId)?;
    let for_whom = match request.for_whom.as_deref() {
        Some(for_whom) => Some(checked_for(for_whom)?),
        None if anonymous => None,
        None => return Err(LinkRule::ForRequired),
    };
    let lifetime = request.expires_in.map_or(DEFAULT_LIFETIME, Duration::from_secs);
    if !(MIN_LIFETIME..=MAX_LIFETIME).contains(&lifetime) {
        return Err(LinkRule::ExpiresIn);
    }
    if request.locale.as_deref().is_some_and(|locale| !sps_connect_wire::is_language_tag(locale)) {
        return Err(LinkRule::Locale);
    }
    if request.account_id.as_deref().is_some_and(|id| !sps_connect_wire::is_valid_account_id(id)) {
        return Err(LinkRule::AccountId);
    }
    let token = URL_SAFE_NO_PAD.encode(random(32));
    let id = crate::util::ids::random_id("lnk", 10);
    let record = NewLinkRecord {
        id,
        token_hash: token_hash(&token),
        user_id: user_id.to_owned(),
        account_id: request.account_id.clone(),
        environment: request.environment,
        locale: request.locale.clone(),
        return_url: request.return_url.clone(),
        for_whom,
        created_at: now,
        expires_at: now.saturating_add(lifetime.as_secs() as i64),
    };
    Ok((token, record))
}

/// Whether `return_url` may be offered: an `https` URL (or `http` on
/// loopback) whose origin the host allows, without credentials.
pub fn check_return_url(return_url: &str, allowed_origins: &[String]) -> Result<(), LinkRule> {
    let url = reqwest::Url::parse(return_url).map_err(|_| LinkRule::ReturnUrlNotUrl)?;
    let loopback = crate::util::net::is_loopback(&url);
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !scheme_ok || !url.username().is_empty() || url.password().is_some() {
        return Err(LinkRule::ReturnUrlNotHttps);
    }
    let origin = url.origin().ascii_serialization();
    if !allowed_origins.iter().any(|allowed| allowed.trim_end_matches('/') == origin) {
        return Err(LinkRule::ReturnUrlOrigin(origin));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> LinkRequest {
        LinkRequest {
            user_id: "u1".into(),
            expires_in: None,
            return_url: None,
            account_id: None,
            environment: None,
            locale: None,
            for_whom: Some("Ann Example".into()),
        }
    }

    #[test]
    fn a_link_lives_seven_days_by_default_and_thirty_at_most() {
        let (token, record) = new_link(&request(), 1_000, false).unwrap();
        assert_eq!(record.expires_at, 1_000 + 7 * 24 * 3600);
        assert_eq!(record.token_hash, token_hash(&token));
        assert!(token.len() >= 43 && record.id.starts_with("lnk_"));
        for bad in [59, 30 * 24 * 3600 + 1] {
            assert!(new_link(&LinkRequest { expires_in: Some(bad), ..request() }, 0, false).is_err(), "{bad}");
        }
        assert!(new_link(&LinkRequest { user_id: " ".into(), ..request() }, 0, false).is_err());
        assert!(new_link(&LinkRequest { locale: Some("de CH".into()), ..request() }, 0, false).is_err());
    }

    #[test]
    fn a_link_says_whom_it_is_for_unless_anonymous_links_are_allowed() {
        assert_eq!(new_link(&request(), 0, false).unwrap().1.for_whom.as_deref(), Some("Ann Example"));
        let anonymous = LinkRequest { for_whom: None, ..request() };
        assert_eq!(new_link(&anonymous, 0, false).unwrap_err(), LinkRule::ForRequired);
        assert_eq!(new_link(&anonymous, 0, true).unwrap().1.for_whom, None);
        let longest = "é".repeat(FOR_MAX_CHARS);
        assert!(new_link(&LinkRequest { for_whom: Some(longest.clone()), ..request() }, 0, false).is_ok());
        for bad in ["", "  ", "Ann\nEvil", &format!("{longest}x")] {
            let refused = new_link(&LinkRequest { for_whom: Some(bad.into()), ..request() }, 0, true);
            assert_eq!(refused.unwrap_err(), LinkRule::For, "{bad:?}");
        }
    }

    #[test]
    fn return_urls_must_lead_to_an_allowed_origin() {
        let allowed = vec!["https://portal.example".to_owned(), "http://127.0.0.1:3000".to_owned()];
        assert!(check_return_url("https://portal.example/integrations?done=1", &allowed).is_ok());
        assert!(check_return_url("http://127.0.0.1:3000/back", &allowed).is_ok());
        for bad in [
            "https://evil.example/",
            "https://portal.example.evil.example/",
            "http://portal.example/",
            "https://user@portal.example/",
            "javascript:alert(1)",
            "//portal.example/",
            "https://portal.example:8443/",
        ] {
            assert!(check_return_url(bad, &allowed).is_err(), "{bad}");
        }
    }

    #[test]
    fn state_follows_use_revocation_and_time() {
        let (_, record) = new_link(&request(), 100, false).unwrap();
        let mut link = LinkRecord {
            id: record.id,
            user_id: record.user_id,
            account_id: None,
            environment: None,
            locale: None,
            return_url: None,
            for_whom: None,
            created_at: 100,
            expires_at: 200,
            used_at: None,
            revoked_at: None,
        };
        assert_eq!(state(&link, 150), LinkState::Open);
        assert_eq!(state(&link, 200), LinkState::Expired);
        link.revoked_at = Some(160);
        assert_eq!(state(&link, 170), LinkState::Revoked);
        link.used_at = Some(150);
        assert_eq!(state(&link, 170), LinkState::Used);
    }
}

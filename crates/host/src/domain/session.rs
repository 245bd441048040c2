//! Short-lived connect sessions: tokens the host mints server-side for one
//! portal user, signed with HMAC-SHA256, checked on every connect.
//!
//! A token is `base64url(payload) "." base64url(mac)` where the payload is
//! `{"sub": <user>, "exp": <unix seconds>, "nonce": <random>}`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

type HmacSha256 = Hmac<Sha256>;

/// Longest portal user id a session may carry.
pub const USER_ID_MAX_LEN: usize = 128;

/// A portal user id that breaks [`checked_user_id`]'s rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidUserId;

/// `user_id` trimmed, if it is a usable portal user id: 1 to
/// [`USER_ID_MAX_LEN`] bytes, no control characters.
pub fn checked_user_id(user_id: &str) -> Result<&str, InvalidUserId> {
    let user_id = user_id.trim();
    if user_id.is_empty() || user_id.len() > USER_ID_MAX_LEN || user_id.chars().any(char::is_control) {
        return Err(InvalidUserId);
    }
    Ok(user_id)
}

/// Mints and checks session tokens with one signing key. `Debug` redacts the key.
#[derive(Clone, Debug)]
pub struct Sessions {
    key: SecretSlice<u8>,
    lifetime: Duration,
}

/// Why a token was refused. Deliberately vague towards the caller.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionError {
    /// Not a token this host minted.
    Invalid,
    /// Minted here, but past its expiry.
    Expired,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    nonce: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lnk: Option<String>,
}

/// A verified session: whose it is, and the hosted link it came from, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The portal user.
    pub user_id: String,
    /// The hosted link the session was traded for.
    pub link_id: Option<String>,
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

impl Sessions {
    /// Sessions signed with `key` (at least 32 bytes) that live for `lifetime`.
    pub fn new(key: SecretSlice<u8>, lifetime: Duration) -> Self {
        Self { key, lifetime }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(self.key.expose_secret()).expect("HMAC accepts keys of any length")
    }

    /// A token for `user_id`, and when it expires (unix seconds).
    pub fn mint(&self, user_id: &str) -> (String, u64) {
        self.mint_with(user_id, None, u64::MAX)
    }

    /// A token for `user_id` from the hosted link `link_id`, living no longer
    /// than the link (`link_expires`, unix seconds).
    pub fn mint_for_link(&self, user_id: &str, link_id: &str, link_expires: u64) -> (String, u64) {
        self.mint_with(user_id, Some(link_id.to_owned()), link_expires)
    }

    fn mint_with(&self, user_id: &str, lnk: Option<String>, not_after: u64) -> (String, u64) {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).expect("the system random source works");
        let claims = Claims {
            sub: user_id.to_owned(),
            exp: now().saturating_add(self.lifetime.as_secs()).min(not_after),
            nonce: URL_SAFE_NO_PAD.encode(nonce),
            lnk,
        };
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims serialize"));
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        (format!("{payload}.{signature}"), claims.exp)
    }

    /// A keyed digest of `value`, so that secrets can be compared in constant time.
    pub fn fingerprint(&self, value: &str) -> Vec<u8> {
        let mut mac = self.mac();
        mac.update(b"fingerprint\0");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The session a token stands for, if it is genuine and current.
    pub fn verify(&self, token: &str) -> Result<Session, SessionError> {
        let (payload, signature) = token.split_once('.').ok_or(SessionError::Invalid)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| SessionError::Invalid)?;
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).map_err(|_| SessionError::Invalid)?;
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(SessionError::Invalid)?;
        if claims.exp <= now() {
            return Err(SessionError::Expired);
        }
        Ok(Session { user_id: claims.sub, link_id: claims.lnk })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions(lifetime: u64) -> Sessions {
        Sessions::new(SecretSlice::from(b"0123456789abcdef0123456789abcdef".to_vec()), Duration::from_secs(lifetime))
    }

    #[test]
    fn a_minted_token_names_its_user() {
        let (token, expires) = sessions(60).mint("user-7");
        assert_eq!(sessions(60).verify(&token).unwrap().user_id, "user-7");
        assert!(expires > now());
    }

    #[test]
    fn tokens_from_another_key_or_tampered_are_invalid() {
        let (token, _) = sessions(60).mint("user-7");
        let other =
            Sessions::new(SecretSlice::from(b"another-key-another-key-another-k".to_vec()), Duration::from_secs(60));
        assert_eq!(other.verify(&token), Err(SessionError::Invalid));
        let (payload, signature) = token.split_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"admin","exp":99999999999,"nonce":"x"}"#);
        assert_eq!(sessions(60).verify(&format!("{forged_payload}.{signature}")), Err(SessionError::Invalid));
        assert_eq!(sessions(60).verify(payload), Err(SessionError::Invalid));
        assert_eq!(sessions(60).verify(""), Err(SessionError::Invalid));
    }

    #[test]
    fn an_absurd_lifetime_or_expiry_cannot_overflow() {
        let (token, expires) = sessions(u64::MAX).mint("user-7");
        assert_eq!(expires, u64::MAX);
        assert_eq!(sessions(u64::MAX).verify(&token).unwrap().user_id, "user-7");
        let printed = format!("{:?}", sessions(60));
        assert!(printed.contains("REDACTED") && !printed.contains("0123456789abcdef"), "{printed}");
    }

    #[test]
    fn a_link_session_names_its_link_and_lives_no_longer_than_it() {
        let link_expires = now() + 30;
        let (token, expires) = sessions(900).mint_for_link("user-7", "lnk_1", link_expires);
        assert_eq!(expires, link_expires);
        let session = sessions(900).verify(&token).unwrap();
        assert_eq!((session.user_id.as_str(), session.link_id.as_deref()), ("user-7", Some("lnk_1")));
        assert_eq!(sessions(900).verify(&sessions(900).mint("u").0).unwrap().link_id, None);
    }

    #[test]
    fn an_expired_token_is_refused() {
        let (token, _) = sessions(0).mint("user-7");
        assert_eq!(sessions(0).verify(&token), Err(SessionError::Expired));
    }
}

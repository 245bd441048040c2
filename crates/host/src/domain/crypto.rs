//! Authenticated encryption of client secrets at rest (XChaCha20-Poly1305)
//! under a key ring: the newest key seals, every key in the ring opens, and
//! each sealed value names the key that sealed it.
//!
//! A sealed value is `"SCK1" || key id (4 bytes) || nonce (24) || ciphertext`.
//! Values sealed before key ids existed (`nonce || ciphertext`) are still
//! opened, by trying each key.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretBox as Secret};
use sha2::{Digest, Sha256};
use std::sync::Arc;

const NONCE_LEN: usize = 24;
const MAGIC: &[u8; 4] = b"SCK1";
const KEY_ID_LEN: usize = 4;
const HEADER_LEN: usize = MAGIC.len() + KEY_ID_LEN;

/// Length of an encryption key, in bytes.
pub const KEY_LEN: usize = 32;

/// A key and its id. `Debug` shows the id only.
#[derive(Clone, Debug)]
pub struct EncryptionKey {
    id: [u8; KEY_ID_LEN],
    key: Arc<Secret<[u8; KEY_LEN]>>,
}

impl EncryptionKey {
    /// A key from its 32 bytes; its id is derived from it.
    pub fn new(bytes: [u8; KEY_LEN]) -> Self {
        let digest = Sha256::new().chain_update(b"sps-connect key id\0").chain_update(bytes).finalize();
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        Self { id, key: Arc::new(Secret::new(Box::new(bytes))) }
    }

    /// The key's id, as hex: safe to log and to show.
    pub fn id(&self) -> String {
        crate::util::ids::hex(&self.id)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.key.expose_secret().into())
    }
}

/// Encrypts with the newest key, decrypts with any key of the ring.
#[derive(Clone, Debug)]
pub struct SecretBox {
    keys: Vec<EncryptionKey>,
}

/// The stored value could not be decrypted: no key of the ring, wrong
/// context, or tampered with.
#[derive(Debug, PartialEq, Eq)]
pub struct DecryptError;

impl SecretBox {
    /// A box that seals with `current` and opens with it or any of `previous`.
    pub fn new(current: EncryptionKey, previous: Vec<EncryptionKey>) -> Self {
        let mut keys = vec![current];
        keys.extend(previous);
        Self { keys }
    }

    fn current(&self) -> &EncryptionKey {
        &self.keys[0]
    }

    /// The sealed value; `context` is bound to it and must be given again to open it.
    pub fn seal(&self, plaintext: &str, context: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the system random source works");
        let key = self.current();
        let ciphertext = key
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: context.as_bytes() })
            .expect("encryption of a bounded secret cannot fail");
        [MAGIC.as_slice(), &key.id, &nonce, &ciphertext].concat()
    }

    /// The plaintext of a value sealed with a key of the ring and the same context.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<String, DecryptError> {
        if let Some((key, rest)) = self.key_of(sealed) {
            return decrypt(key, rest, context);
        }
        self.keys.iter().find_map(|key| decrypt(key, sealed, context).ok()).ok_or(DecryptError)
    }

    /// Whether `sealed` was sealed with the newest key.
    pub fn is_current(&self, sealed: &[u8]) -> bool {
        self.key_of(sealed).is_some_and(|(key, _)| key.id == self.current().id)
    }

    fn key_of<'a>(&self, sealed: &'a [u8]) -> Option<(&EncryptionKey, &'a [u8])> {
        let (header, rest) = sealed.split_at_checked(HEADER_LEN)?;
        let (magic, id) = header.split_at(MAGIC.len());
        if magic != MAGIC {
            return None;
        }
        self.keys.iter().find(|key| key.id == id).map(|key| (key, rest))
    }
}

fn decrypt(key: &EncryptionKey, sealed: &[u8], context: &str) -> Result<String, DecryptError> {
    let (nonce, ciphertext) = sealed.split_at_checked(NONCE_LEN).ok_or(DecryptError)?;
    let plaintext = key
        .cipher()
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: context.as_bytes() })
        .map_err(|_| DecryptError)?;
    String::from_utf8(plaintext).map_err(|_| DecryptError)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(key: u8) -> SecretBox {
        SecretBox::new(EncryptionKey::new([key; KEY_LEN]), vec![])
    }

    #[test]
    fn sealed_secrets_open_only_with_the_same_key_and_context() {
        let secret_box = only(7);
        let sealed = secret_box.seal("s3cret-value", "acc_1");
        assert!(!sealed.windows(12).any(|w| w == b"s3cret-value"));
        assert_eq!(secret_box.open(&sealed, "acc_1"), Ok("s3cret-value".into()));
        assert_eq!(secret_box.open(&sealed, "acc_2"), Err(DecryptError));
        assert_eq!(only(8).open(&sealed, "acc_1"), Err(DecryptError));
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let secret_box = only(7);
        assert_ne!(secret_box.seal("same", "ctx"), secret_box.seal("same", "ctx"));
    }

    #[test]
    fn tampered_values_are_rejected() {
        let secret_box = only(7);
        let mut sealed = secret_box.seal("s3cret-value", "ctx");
        *sealed.last_mut().unwrap() ^= 1;
        assert_eq!(secret_box.open(&sealed, "ctx"), Err(DecryptError));
        assert_eq!(secret_box.open(&[1, 2, 3], "ctx"), Err(DecryptError));
        assert_eq!(secret_box.open(b"SCK1\x00\x00", "ctx"), Err(DecryptError));
    }

    #[test]
    fn a_ring_opens_values_of_its_previous_keys_and_seals_with_the_newest() {
        let (a, b) = (EncryptionKey::new([1; KEY_LEN]), EncryptionKey::new([2; KEY_LEN]));
        let old = SecretBox::new(a.clone(), vec![]);
        let sealed_with_a = old.seal("s3cret", "ctx");
        let ring = SecretBox::new(b.clone(), vec![a.clone()]);
        assert_eq!(ring.open(&sealed_with_a, "ctx"), Ok("s3cret".into()));
        assert!(!ring.is_current(&sealed_with_a));
        let sealed_with_b = ring.seal("s3cret", "ctx");
        assert!(ring.is_current(&sealed_with_b));
        assert_eq!(sealed_with_b[4..8], hex_bytes(&b.id()));
        assert_eq!(SecretBox::new(b, vec![]).open(&sealed_with_a, "ctx"), Err(DecryptError), "A is gone");
    }

    #[test]
    fn values_sealed_before_key_ids_still_open() {
        let key = EncryptionKey::new([9; KEY_LEN]);
        let mut nonce = [0u8; NONCE_LEN];
        nonce[0] = 5;
        let legacy_ciphertext =
            key.cipher().encrypt(XNonce::from_slice(&nonce), Payload { msg: b"legacy", aad: b"ctx" }).unwrap();
        let legacy = [nonce.as_slice(), &legacy_ciphertext].concat();
        let ring = SecretBox::new(EncryptionKey::new([3; KEY_LEN]), vec![key]);
        assert_eq!(ring.open(&legacy, "ctx"), Ok("legacy".into()));
        assert!(!ring.is_current(&legacy));
    }

    #[test]
    fn debug_shows_key_ids_never_keys() {
        let printed = format!("{:?}", SecretBox::new(EncryptionKey::new([0xAB; KEY_LEN]), vec![]));
        assert!(printed.contains("REDACTED"), "{printed}");
        assert!(!printed.contains("171, 171"), "{printed}");
    }

    fn hex_bytes(hex: &str) -> Vec<u8> {
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
    }
}

//! Authenticated encryption of client secrets at rest (XChaCha20-Poly1305).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const NONCE_LEN: usize = 24;

/// Length of the encryption key, in bytes.
pub const KEY_LEN: usize = 32;

/// Encrypts and decrypts secrets with one key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

/// The stored value could not be decrypted: wrong key, or tampered with.
#[derive(Debug, PartialEq, Eq)]
pub struct DecryptError;

impl SecretBox {
    /// A box for a 32-byte key.
    pub fn new(key: &[u8; KEY_LEN]) -> Self {
        Self { cipher: XChaCha20Poly1305::new(key.into()) }
    }

    /// `nonce || ciphertext`; `context` is bound to it and must be given again to open it.
    pub fn seal(&self, plaintext: &str, context: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the system random source works");
        let ciphertext = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: context.as_bytes() })
            .expect("encryption of a bounded secret cannot fail");
        [nonce.as_slice(), &ciphertext].concat()
    }

    /// The plaintext of a value made by [`SecretBox::seal`] with the same context.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<String, DecryptError> {
        if sealed.len() < NONCE_LEN {
            return Err(DecryptError);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let plaintext = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: context.as_bytes() })
            .map_err(|_| DecryptError)?;
        String::from_utf8(plaintext).map_err(|_| DecryptError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_key_and_context() {
        let secret_box = SecretBox::new(&[7; KEY_LEN]);
        let sealed = secret_box.seal("s3cret-value", "acc_1");
        assert!(!sealed.windows(12).any(|w| w == b"s3cret-value"));
        assert_eq!(secret_box.open(&sealed, "acc_1"), Ok("s3cret-value".into()));
        assert_eq!(secret_box.open(&sealed, "acc_2"), Err(DecryptError));
        assert_eq!(SecretBox::new(&[8; KEY_LEN]).open(&sealed, "acc_1"), Err(DecryptError));
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let secret_box = SecretBox::new(&[7; KEY_LEN]);
        assert_ne!(secret_box.seal("same", "ctx"), secret_box.seal("same", "ctx"));
    }

    #[test]
    fn tampered_values_are_rejected() {
        let secret_box = SecretBox::new(&[7; KEY_LEN]);
        let mut sealed = secret_box.seal("s3cret-value", "ctx");
        *sealed.last_mut().unwrap() ^= 1;
        assert_eq!(secret_box.open(&sealed, "ctx"), Err(DecryptError));
        assert_eq!(secret_box.open(&[1, 2, 3], "ctx"), Err(DecryptError));
    }
}

//! Keys from configuration: base64 of enough random bytes, or the host refuses to start.

use super::ConfigError;
use crate::domain::crypto::{EncryptionKey, KEY_LEN};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Fewest random bytes a signing or admin key may have.
pub const MIN_KEY_BYTES: usize = 32;

/// The bytes of the base64 key in `value`, at least `min_len` of them.
pub fn key_bytes(name: &str, value: Option<String>, min_len: usize) -> Result<Vec<u8>, ConfigError> {
    let value = value.ok_or_else(|| ConfigError(format!("{name} is required (base64 of {min_len} random bytes)")))?;
    let bytes = STANDARD.decode(value.trim()).map_err(|_| ConfigError(format!("{name} is not valid base64")))?;
    if bytes.len() < min_len {
        return Err(ConfigError(format!(
            "{name} is too weak: it must be base64 of at least {min_len} random bytes (head -c 32 /dev/urandom | base64)"
        )));
    }
    Ok(bytes)
}

fn encryption_key(name: &str, value: &str) -> Result<EncryptionKey, ConfigError> {
    let bytes = key_bytes(name, Some(value.to_owned()), KEY_LEN)?;
    let bytes: [u8; KEY_LEN] =
        bytes.try_into().map_err(|_| ConfigError(format!("{name} must decode to exactly {KEY_LEN} bytes")))?;
    Ok(EncryptionKey::new(bytes))
}

/// The key ring: the current key, which seals, and the previous ones, which
/// only open (comma-separated).
pub fn key_ring(
    current: Option<String>,
    previous: Option<String>,
) -> Result<(EncryptionKey, Vec<EncryptionKey>), ConfigError> {
    const CURRENT: &str = "SPS_CONNECT_ENCRYPTION_KEY";
    const PREVIOUS: &str = "SPS_CONNECT_PREVIOUS_ENCRYPTION_KEYS";
    let current =
        current.ok_or_else(|| ConfigError(format!("{CURRENT} is required (base64 of {KEY_LEN} random bytes)")))?;
    let current = encryption_key(CURRENT, &current)?;
    let previous = previous
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(|value| encryption_key(PREVIOUS, value))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((current, previous))
}

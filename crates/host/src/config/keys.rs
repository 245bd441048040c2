//! Keys from configuration: base64 of enough random bytes, or the host refuses to start.

use super::ConfigError;
use crate::domain::crypto::{EncryptionKey, KEY_LEN};
use crate::util::vars::key_bytes;

fn encryption_key(name: &str, value: &str) -> Result<EncryptionKey, ConfigError> {
    let bytes = key_bytes(name, value, KEY_LEN)?;
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

//! Times as the host writes them: RFC 3339, UTC, to the second, so that they
//! are fixed-length and order as text.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `unix` seconds as RFC 3339; empty for a time out of range.
pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default()
}

/// `unix` milliseconds as RFC 3339, to the second.
pub fn millis_text(ms: i64) -> String {
    rfc3339(ms.div_euclid(1000))
}

/// The current unix time, in seconds.
pub fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// The current unix time, in milliseconds.
pub fn unix_millis() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// A time in unix milliseconds as a [`std::time::SystemTime`].
pub fn from_millis(millis: i64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_millis(millis.max(0) as u64)
}

/// A [`std::time::SystemTime`] in unix milliseconds.
pub fn to_millis(time: std::time::SystemTime) -> i64 {
    time.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Now, as RFC 3339.
pub fn now() -> String {
    rfc3339(unix_now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_whole_seconds_in_utc() {
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(i64::MAX), "");
        assert_eq!(now().len(), 20);
    }
}

//! The `limit` and `cursor` query parameters of the paged lists, read the
//! same way everywhere: a page of `limit` entries (1 to [`MAX_LIMIT`]) and a
//! `next_cursor` to ask for the next one.

use super::ApiError;

/// The most entries one page lists.
pub const MAX_LIMIT: usize = 100;

/// `limit`, or `default` without one; a clear error for anything but 1 to [`MAX_LIMIT`].
pub fn limit(given: Option<&str>, default: usize) -> Result<usize, ApiError> {
    match given.map(str::parse::<usize>) {
        None => Ok(default),
        Some(Ok(limit)) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
        Some(_) => Err(ApiError::invalid(format!("`limit` must be a number from 1 to {MAX_LIMIT}."))),
    }
}

/// The entry a `cursor` says to list from (exclusive); a clear error for one no page gave.
pub fn cursor(given: Option<&str>) -> Result<Option<i64>, ApiError> {
    match given.map(str::parse::<i64>) {
        None => Ok(None),
        Some(Ok(seq)) if seq > 0 => Ok(Some(seq)),
        Some(_) => Err(ApiError::invalid("`cursor` must be the `next_cursor` of an earlier page.")),
    }
}

/// The cursor of the page after one of `found` entries when `limit` were asked for; `None` on the last page.
pub fn next_cursor(found: usize, limit: usize, last_seq: Option<i64>) -> Option<String> {
    (found == limit).then(|| last_seq.map(|seq| seq.to_string())).flatten()
}

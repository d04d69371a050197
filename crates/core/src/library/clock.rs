//! Times: unix milliseconds in the database, RFC 3339 (UTC, millisecond precision) outside.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::{Error, Result};

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub fn to_rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `what` names the field in the error, e.g. "since".
pub fn parse_rfc3339(s: &str, what: &str) -> Result<i64> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            Error::InvalidInput(format!(
                "The {what} time \"{s}\" is not an RFC 3339 time such as 2026-01-31T12:00:00Z."
            ))
        })
}

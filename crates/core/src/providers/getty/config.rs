//! How to reach Getty and how patiently to wait for it. The key and secret live here only;
//! `Debug` never prints them.

use std::fmt;
use std::time::Duration;

use crate::providers::http::{ResponseLimits, RetryPolicy, Timeouts};

pub const DEFAULT_AUTH_URL: &str = "https://authentication.gettyimages.com/oauth2/token";

#[derive(Clone)]
pub struct GettyConfig {
    /// e.g. "https://api.gettyimages.com"; paths start with /v3/ai/.
    pub base_url: String,
    /// The OAuth client-credentials token endpoint.
    pub auth_url: String,
    pub api_key: String,
    pub api_secret: String,
    pub timeouts: Timeouts,
    /// Retries of reads (polls, downloads) and of refused (429) requests; never of a paid
    /// request that may have reached Getty.
    pub retry: RetryPolicy,
    pub limits: ResponseLimits,
    pub poll: PollPolicy,
}

impl GettyConfig {
    pub fn new(
        base_url: impl Into<String>,
        auth_url: impl Into<String>,
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> Self {
        GettyConfig {
            base_url: base_url.into(),
            auth_url: auth_url.into(),
            api_key: api_key.into(),
            api_secret: api_secret.into(),
            // Getty answers a POST at once (202) and the previews are small; a request that
            // hangs this long is reported rather than waited on for ten minutes.
            timeouts: Timeouts {
                connect: Duration::from_secs(10),
                total: Duration::from_secs(180),
            },
            retry: RetryPolicy::default(),
            limits: ResponseLimits::default(),
            poll: PollPolicy::default(),
        }
    }
}

impl fmt::Debug for GettyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GettyConfig")
            .field("base_url", &self.base_url)
            .field("auth_url", &self.auth_url)
            .field("api_key", &"<redacted>")
            .field("api_secret", &"<redacted>")
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("poll", &self.poll)
            .finish()
    }
}

/// How often to ask whether a generation or download is ready. The server's Retry-After
/// wins (up to `max_hint`); otherwise the wait grows from `first` to `max` by half each
/// time. All waits are scaled by `RetryPolicy::time_scale`.
#[derive(Clone, Debug, PartialEq)]
pub struct PollPolicy {
    pub first: Duration,
    pub max: Duration,
    pub max_hint: Duration,
    /// Total waiting, at most, before giving up (the job stays in Getty's history).
    pub max_total: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            first: Duration::from_secs(2),
            max: Duration::from_secs(15),
            max_hint: Duration::from_secs(60),
            max_total: Duration::from_secs(300),
        }
    }
}

impl PollPolicy {
    /// The wait before poll `attempt` (1-based) when the server gave no hint.
    pub fn delay(&self, attempt: u32) -> Duration {
        let growth = 1.5f64.powi(i32::try_from(attempt.saturating_sub(1).min(20)).unwrap_or(20));
        self.first.mul_f64(growth).min(self.max)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_and_delays_grow() {
        let cfg = GettyConfig::new(
            "https://api.gettyimages.com",
            DEFAULT_AUTH_URL,
            "key-123456",
            "sec-123456",
        );
        let shown = format!("{cfg:?}");
        assert!(
            !shown.contains("key-123456") && !shown.contains("sec-123456"),
            "{shown}"
        );
        let p = PollPolicy::default();
        assert_eq!(p.delay(1), Duration::from_secs(2));
        assert_eq!(p.delay(2), Duration::from_secs(3));
        assert_eq!(p.delay(30), Duration::from_secs(15));
    }
}

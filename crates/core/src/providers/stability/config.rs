//! How to reach the API. The key lives here only; `Debug` never prints it.

use std::fmt;

use crate::providers::http::{ResponseLimits, RetryPolicy, Timeouts};

#[derive(Clone)]
pub struct StabilityConfig {
    /// e.g. "https://api.stability.ai" (the endpoints' `/v2beta/...` paths are appended).
    pub base_url: String,
    pub api_key: String,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
    pub limits: ResponseLimits,
    /// How to ask for the image; both documented answers are understood either way.
    pub accept: Accept,
}

/// The `accept` header: the image bytes (with `seed` and `finish-reason` headers), or the
/// image in base64 JSON (`{image, finish_reason, seed}`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Accept {
    /// No base64 overhead; the default.
    #[default]
    Image,
    Json,
}

impl Accept {
    pub fn header_value(self) -> &'static str {
        match self {
            Accept::Image => "image/*",
            Accept::Json => "application/json",
        }
    }
}

impl StabilityConfig {
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        StabilityConfig {
            base_url: base_url.into(),
            api_key: api_key.into(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            limits: ResponseLimits::default(),
            accept: Accept::default(),
        }
    }
}

impl fmt::Debug for StabilityConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StabilityConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("limits", &self.limits)
            .field("accept", &self.accept)
            .finish()
    }
}

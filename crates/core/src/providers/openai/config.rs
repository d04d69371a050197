//! How to reach the API. The key lives here only; `Debug` never prints it.

use std::fmt;

use crate::providers::http::{ResponseLimits, RetryPolicy, Timeouts};

#[derive(Clone)]
pub struct OpenAiConfig {
    /// e.g. "https://api.openai.com/v1"; http or https only.
    pub base_url: String,
    pub api_key: String,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
    pub limits: ResponseLimits,
}

impl OpenAiConfig {
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        OpenAiConfig {
            base_url: base_url.into(),
            api_key: api_key.into(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            limits: ResponseLimits::default(),
        }
    }
}

/// The catalogue's base URL for OpenAI, default timeouts, retries and limits; no key
/// (set `api_key`).
impl Default for OpenAiConfig {
    fn default() -> Self {
        let base = crate::catalog::provider("openai")
            .map(|p| p.default_base_url.clone())
            .unwrap_or_else(|_| "https://api.openai.com/v1".to_owned());
        OpenAiConfig::new(base, "")
    }
}

impl fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("limits", &self.limits)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_key() {
        let cfg = OpenAiConfig::new("https://api.openai.com/v1", "sk-secret-123");
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("sk-secret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }
}

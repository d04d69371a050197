//! How to reach the API. The key lives here only; `Debug` never prints it.

use std::fmt;
use std::time::Duration;

use super::retry::RetryPolicy;
use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// Whole request, body included. High quality images can take minutes.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            total: Duration::from_secs(600),
        }
    }
}

/// Caps on what is read from the network, so a broken or hostile answer cannot exhaust memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseLimits {
    /// A JSON answer: ten base64 4K images fit comfortably.
    pub max_json_bytes: u64,
    /// One image, downloaded or decoded from base64.
    pub max_image_bytes: u64,
}

impl Default for ResponseLimits {
    fn default() -> Self {
        ResponseLimits {
            max_json_bytes: 512 * 1024 * 1024,
            max_image_bytes: 64 * 1024 * 1024,
        }
    }
}

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

/// The base URL without a trailing slash, or why it is not usable.
pub(super) fn checked_base_url(raw: &str) -> Result<String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let bad = |why: &str| {
        Error::InvalidInput(format!(
            "The API base URL \"{raw}\" {why}. Use something like https://api.openai.com/v1."
        ))
    };
    let url = reqwest::Url::parse(trimmed).map_err(|_| bad("is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not carry credentials; set the API key separately",
        ));
    }
    Ok(trimmed.to_owned())
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

    #[test]
    fn base_urls() {
        assert_eq!(
            checked_base_url("https://api.openai.com/v1/").unwrap(),
            "https://api.openai.com/v1"
        );
        assert_eq!(
            checked_base_url("http://127.0.0.1:8080/v1").unwrap(),
            "http://127.0.0.1:8080/v1"
        );
        for bad in [
            "ftp://x/v1",
            "file:///etc",
            "api.openai.com/v1",
            "",
            "https://x/v1?a=b",
            "https://u:p@x/v1",
        ] {
            assert!(
                matches!(checked_base_url(bad), Err(Error::InvalidInput(_))),
                "{bad}"
            );
        }
    }
}

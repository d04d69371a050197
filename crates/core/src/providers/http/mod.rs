//! What every provider client shares on the wire: base URLs, timeouts and size caps, the
//! retry loop with cancellation, capped reads, image downloads and base64 decoding.

mod body;
mod failure;
pub mod multipart;
mod retry;
pub mod sse;

use std::future::Future;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use reqwest::header::HeaderMap;
use tokio_util::sync::CancellationToken;

pub use body::{ImageKind, human_bytes, looks_like_image, read_capped};
pub use failure::{Failure, from_transport};
pub use retry::{RetryBudget, RetryClass, RetryPolicy, parse_go_duration, server_hint};

use super::ProviderProgress;
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

/// The base URL without a trailing slash, or why it is not usable.
pub fn checked_base_url(raw: &str, example: &str) -> Result<String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let bad = |why: &str| {
        Error::InvalidInput(format!(
            "The API base URL \"{raw}\" {why}. Use something like {example}."
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

/// An HTTP client with Easel's user agent and the given timeouts.
pub fn client(timeouts: Timeouts) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.total)
        .user_agent(concat!("Easel/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Network {
            message: format!("Could not set up the HTTP client: {e}"),
        })
}

/// Runs `op` until it succeeds, fails for good, runs out of retry budget, or is cancelled
/// (at once, also in the middle of a request or a backoff wait).
pub async fn with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    cancel: &CancellationToken,
    progress: &(dyn Fn(ProviderProgress) + Send + Sync),
    on_attempt: impl Fn(u32),
    mut op: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    let mut budget = RetryBudget::new(policy);
    loop {
        budget.attempts += 1;
        on_attempt(budget.attempts);
        let outcome = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Error::Cancelled),
            r = op() => r,
        };
        let failure = match outcome {
            Ok(v) => return Ok(v),
            Err(f) => f,
        };
        let Some(delay) = budget.next_delay(failure.class) else {
            return Err(failure.error);
        };
        let delay = policy.scaled(delay);
        tracing::info!(
            attempt = budget.attempts,
            ?delay,
            code = failure.error.code(),
            "retrying"
        );
        progress(ProviderProgress::WaitingToRetry {
            attempt: budget.attempts,
            delay,
            reason: failure.error.code().to_owned(),
        });
        sleep_or_cancel(delay, cancel).await?;
    }
}

/// Waits `delay`, or returns `Cancelled` as soon as the job is cancelled.
pub async fn sleep_or_cancel(delay: Duration, cancel: &CancellationToken) -> Result<()> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(Error::Cancelled),
        _ = tokio::time::sleep(delay) => Ok(()),
    }
}

/// Fetches an image URL at once (provider links expire). No credentials go with it: the URL
/// points at the provider's file storage, which may be another host, and is signed itself.
pub async fn download_image(
    http: &reqwest::Client,
    url: &str,
    cap: u64,
) -> Result<Vec<u8>, Failure> {
    let parsed = reqwest::Url::parse(url).map_err(|_| Error::BadResponse {
        message: "the answer's image URL is not a URL.".to_owned(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::BadResponse {
            message: format!(
                "the answer's image URL uses {}:, not http(s).",
                parsed.scheme()
            ),
        }
        .into());
    }
    let resp = http
        .get(parsed)
        .send()
        .await
        .map_err(|e| from_transport(e, "Downloading the image"))?;
    let status = resp.status();
    if !status.is_success() {
        let error = Error::Provider {
            status: status.as_u16(),
            message: "downloading the generated image failed. The image link may have expired; generate again.".to_owned(),
        };
        let class = if status.is_server_error() {
            RetryClass::Transient { hint: None }
        } else {
            RetryClass::Never
        };
        return Err(Failure { error, class });
    }
    read_capped(resp, cap, "The image download").await
}

/// Decodes a base64 image, refusing it before decoding when it would exceed `cap` bytes.
pub fn decode_b64(b64: &str, cap: u64, index: u32) -> Result<Vec<u8>> {
    if (b64.len() as u64 / 4).saturating_mul(3) > cap {
        return Err(Error::BadResponse {
            message: format!(
                "image {index} is larger than the {} limit.",
                human_bytes(cap)
            ),
        });
    }
    // Standard alphabet; padding optional, since some gateways strip it.
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT
        .decode(b64.as_bytes())
        .map_err(|e| Error::BadResponse {
            message: format!("image {index} is not valid base64 ({e})."),
        })
}

/// A first look at received bytes: an image the app can read, or `NotAnImage`.
pub fn check_image(bytes: &[u8], index: u32) -> Result<()> {
    if looks_like_image(bytes).is_none() {
        return Err(Error::NotAnImage {
            message: format!(
                "image {index} ({} bytes) is not PNG, JPEG, WebP or GIF data.",
                bytes.len()
            ),
        });
    }
    Ok(())
}

/// A header's value as text, if present and printable.
pub fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        let ex = "https://api.openai.com/v1";
        assert_eq!(
            checked_base_url("https://api.openai.com/v1/", ex).unwrap(),
            "https://api.openai.com/v1"
        );
        assert_eq!(
            checked_base_url("http://127.0.0.1:8080/v1", ex).unwrap(),
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
                matches!(checked_base_url(bad, ex), Err(Error::InvalidInput(_))),
                "{bad}"
            );
        }
    }
}

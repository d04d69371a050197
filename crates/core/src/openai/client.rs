//! The HTTP client: one generation request (with retries), the downloads it implies, and
//! the model listing.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::body::{human_bytes, looks_like_image, read_capped};
use super::config::{OpenAiConfig, ResponseLimits, checked_base_url};
use super::failure::{Failure, from_status, from_transport};
use super::retry::{RetryBudget, RetryClass, RetryPolicy};
use super::wire::{self, ImagesResponse, ListModelsResponse};
use crate::catalog::{self, ProviderSpec};
use crate::error::{Error, Result};
use crate::request::GenerationRequest;

const PROVIDER_ID: &str = "openai";
/// Error answers are short; anything longer is not worth reading.
const MAX_ERROR_BODY: u64 = 1024 * 1024;

/// What the client is doing, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderProgress {
    Sending {
        attempt: u32,
    },
    WaitingToRetry {
        attempt: u32,
        delay: Duration,
        /// `Error::code()` of the failure being retried, e.g. "rate_limited".
        reason: String,
    },
    /// The provider has started answering (headers received).
    Receiving,
    /// Fetching image `index` (0-based) from the URL the provider answered with.
    Downloading {
        index: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageSource {
    B64,
    Url,
}

#[derive(Clone)]
pub struct ReceivedImage {
    /// Exactly the provider's bytes.
    pub bytes: Vec<u8>,
    pub revised_prompt: Option<String>,
    pub source: ImageSource,
}

impl fmt::Debug for ReceivedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceivedImage")
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("revised_prompt", &self.revised_prompt)
            .field("source", &self.source)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct GeneratedImages {
    /// The provider's `x-request-id`, for support requests.
    pub request_id: Option<String>,
    /// Token usage as the provider reported it (GPT image models).
    pub usage: Option<Value>,
    pub created: Option<i64>,
    pub images: Vec<ReceivedImage>,
    /// The exact JSON body sent (the key is a header, never in here).
    pub params_sent: Value,
}

#[derive(Clone)]
pub struct OpenAiClient {
    http: reqwest::Client,
    base_url: String,
    auth: HeaderValue,
    retry: RetryPolicy,
    limits: ResponseLimits,
    provider: &'static ProviderSpec,
}

impl fmt::Debug for OpenAiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiClient")
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl OpenAiClient {
    pub fn new(cfg: OpenAiConfig) -> Result<Self> {
        let provider = catalog::provider(PROVIDER_ID)?;
        let base_url = checked_base_url(&cfg.base_url)?;
        let key = cfg.api_key.trim();
        if key.is_empty() {
            return Err(Error::Auth {
                message: "No OpenAI API key is set.".to_owned(),
                env_var: provider.api_key_env.clone(),
            });
        }
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| Error::Auth {
                message:
                    "The OpenAI API key contains characters that cannot be sent; paste it again."
                        .to_owned(),
                env_var: provider.api_key_env.clone(),
            })?;
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.timeouts.connect)
            .timeout(cfg.timeouts.total)
            .user_agent(concat!("Easel/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Network {
                message: format!("Could not set up the HTTP client: {e}"),
            })?;
        Ok(OpenAiClient {
            http,
            base_url,
            auth,
            retry: cfg.retry,
            limits: cfg.limits,
            provider,
        })
    }

    /// Generates images. The request is checked against the catalogue first: if the
    /// provider would refuse it, nothing is sent.
    pub async fn generate(
        &self,
        req: &GenerationRequest,
        progress: &(dyn Fn(ProviderProgress) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<GeneratedImages> {
        if req.provider != PROVIDER_ID {
            return Err(Error::InvalidInput(format!(
                "This request is for provider \"{}\", not OpenAI.",
                req.provider
            )));
        }
        catalog::model(PROVIDER_ID, &req.model)?.validate(req)?;
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let body = wire::request_body(req);
        let url = format!("{}/images/generations", self.base_url);
        tracing::info!(model = %req.model, "sending an image generation request");
        let (headers, bytes) = self
            .with_retries(
                cancel,
                progress,
                |attempt| progress(ProviderProgress::Sending { attempt }),
                || self.call(self.http.post(&url).json(&body), progress),
            )
            .await?;

        let answer: ImagesResponse =
            serde_json::from_slice(&bytes).map_err(|e| Error::BadResponse {
                message: format!(
                    "the image generation answer is not in the documented shape ({e})."
                ),
            })?;
        let data = answer.data.unwrap_or_default();
        if data.is_empty() {
            return Err(Error::BadResponse {
                message: "the answer contains no images.".to_owned(),
            });
        }
        let mut images = Vec::with_capacity(data.len());
        for (index, item) in data.into_iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let (bytes, source) = match (item.b64_json, item.url) {
                (Some(b64), _) => (self.decode_b64(&b64, index)?, ImageSource::B64),
                (None, Some(url)) => {
                    let bytes = self
                        .with_retries(
                            cancel,
                            progress,
                            |_| progress(ProviderProgress::Downloading { index }),
                            || self.download(&url),
                        )
                        .await?;
                    (bytes, ImageSource::Url)
                }
                (None, None) => {
                    return Err(Error::BadResponse {
                        message: format!("image {index} has neither b64_json nor url."),
                    });
                }
            };
            check_image(&bytes, index)?;
            images.push(ReceivedImage {
                bytes,
                revised_prompt: item.revised_prompt,
                source,
            });
        }
        Ok(GeneratedImages {
            request_id: request_id(&headers),
            usage: answer.usage,
            created: answer.created,
            images,
            params_sent: body,
        })
    }

    /// Image model ids the account can use: those the catalogue knows, plus new ones
    /// whose names mark them as image models. Catalogue order first, then the rest sorted.
    pub async fn list_image_models(&self, cancel: &CancellationToken) -> Result<Vec<String>> {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let url = format!("{}/models", self.base_url);
        let quiet = |_: ProviderProgress| {};
        let (_, bytes) = self
            .with_retries(
                cancel,
                &quiet,
                |_| {},
                || self.call(self.http.get(&url), &quiet),
            )
            .await?;
        let list: ListModelsResponse =
            serde_json::from_slice(&bytes).map_err(|e| Error::BadResponse {
                message: format!("the model list is not in the documented shape ({e})."),
            })?;
        let mut known = Vec::new();
        let mut new = Vec::new();
        for m in list.data {
            if self.provider.models.iter().any(|k| k.id == m.id) {
                known.push(m.id);
            } else if self.provider.is_image_model(&m.id) {
                new.push(m.id);
            }
        }
        let order = |id: &String| self.provider.models.iter().position(|k| &k.id == id);
        known.sort_by_key(order);
        known.dedup();
        new.sort();
        new.dedup();
        known.extend(new);
        Ok(known)
    }

    /// One authenticated API call: the answer's headers and its (capped) JSON body.
    async fn call(
        &self,
        builder: reqwest::RequestBuilder,
        progress: &(dyn Fn(ProviderProgress) + Send + Sync),
    ) -> Result<(HeaderMap, Vec<u8>), Failure> {
        let resp = builder
            .header(AUTHORIZATION, self.auth.clone())
            .send()
            .await
            .map_err(|e| from_transport(e, "Sending the request"))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        if !status.is_success() {
            // A cut-off error body still leaves the status, which is enough to map.
            let body = read_capped(resp, MAX_ERROR_BODY, "The error answer")
                .await
                .unwrap_or_default();
            let key = self
                .auth
                .to_str()
                .unwrap_or("")
                .trim_start_matches("Bearer ");
            let f = from_status(
                status.as_u16(),
                &headers,
                &body,
                &self.provider.api_key_env,
                key,
            );
            tracing::warn!(status = status.as_u16(), code = f.error.code(), request_id = ?request_id(&headers), "provider answered with an error");
            return Err(f);
        }
        progress(ProviderProgress::Receiving);
        let body = read_capped(resp, self.limits.max_json_bytes, "The provider's answer").await?;
        Ok((headers, body))
    }

    /// Fetches an image URL at once (they expire after an hour). No API key goes with it:
    /// the URL points at the provider's file storage, which may be another host.
    async fn download(&self, url: &str) -> Result<Vec<u8>, Failure> {
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
        let resp = self
            .http
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
        read_capped(resp, self.limits.max_image_bytes, "The image download").await
    }

    fn decode_b64(&self, b64: &str, index: u32) -> Result<Vec<u8>> {
        let cap = self.limits.max_image_bytes;
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

    /// Runs `op` until it succeeds, fails for good, runs out of retry budget, or is cancelled
    /// (at once, also in the middle of a request or a backoff wait).
    async fn with_retries<T, F, Fut>(
        &self,
        cancel: &CancellationToken,
        progress: &(dyn Fn(ProviderProgress) + Send + Sync),
        on_attempt: impl Fn(u32),
        mut op: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let mut budget = RetryBudget::new(&self.retry);
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
            let delay = self.retry.scaled(delay);
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
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(Error::Cancelled),
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn check_image(bytes: &[u8], index: u32) -> Result<()> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_an_auth_error() {
        let e =
            OpenAiClient::new(OpenAiConfig::new("https://api.openai.com/v1", "  ")).unwrap_err();
        assert!(
            matches!(e, Error::Auth { ref env_var, .. } if env_var == "OPENAI_API_KEY"),
            "{e:?}"
        );
        let e = OpenAiClient::new(OpenAiConfig::new("https://api.openai.com/v1", "sk-\nx"))
            .unwrap_err();
        assert_eq!(e.code(), "auth");
        assert!(!e.to_string().contains("sk-"));
        let e = OpenAiClient::new(OpenAiConfig::new("ftp://x", "sk-1")).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
    }

    #[test]
    fn client_debug_hides_the_key() {
        let c =
            OpenAiClient::new(OpenAiConfig::new("https://api.openai.com/v1", "sk-secret")).unwrap();
        assert!(!format!("{c:?}").contains("sk-secret"));
    }
}

//! The HTTP client: one generation request (with retries), the downloads it implies, and
//! the model listing.

use std::fmt;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::config::OpenAiConfig;
use super::failure::from_status;
use super::wire::{self, ImagesResponse, ListModelsResponse};
use crate::catalog::{self, ProviderSpec};
use crate::error::{Error, Result};
use crate::providers::http::{
    self, Failure, ResponseLimits, RetryPolicy, check_image, checked_base_url, decode_b64,
    download_image, from_transport, read_capped, sse,
};
use crate::providers::{
    BoxFuture, Connection, ImageProvider, PreviewFrame, Progress, ProviderAnswer, ProviderProgress,
    ReceivedImage,
};
use crate::request::GenerationRequest;

const PROVIDER_ID: &str = "openai";
/// Error answers are short; anything longer is not worth reading.
const MAX_ERROR_BODY: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageSource {
    B64,
    Url,
}

#[derive(Clone)]
pub struct OpenAiImage {
    /// Exactly the provider's bytes.
    pub bytes: Vec<u8>,
    pub revised_prompt: Option<String>,
    pub source: ImageSource,
}

impl fmt::Debug for OpenAiImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiImage")
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
    pub images: Vec<OpenAiImage>,
    /// The exact JSON body sent (the key is a header, never in here).
    pub params_sent: Value,
}

impl GeneratedImages {
    fn into_provider_answer(self) -> ProviderAnswer {
        ProviderAnswer {
            request_id: self.request_id,
            usage: self.usage,
            images: self
                .images
                .into_iter()
                .map(|image| ReceivedImage {
                    bytes: image.bytes,
                    revised_prompt: image.revised_prompt,
                    ..ReceivedImage::default()
                })
                .collect(),
            params_sent: self.params_sent,
            ..ProviderAnswer::default()
        }
    }
}

#[derive(Clone)]
pub struct OpenAiClient {
    pub(super) http: reqwest::Client,
    pub(super) base_url: String,
    auth: HeaderValue,
    pub(super) retry: RetryPolicy,
    pub(super) limits: ResponseLimits,
    pub(super) provider: &'static ProviderSpec,
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
        let base_url = checked_base_url(&cfg.base_url, "https://api.openai.com/v1")?;
        let key = cfg.api_key.trim();
        if key.is_empty() {
            return Err(Error::Auth {
                message: "No OpenAI API key is set.".to_owned(),
                env_var: provider.api_key_env().to_owned(),
            });
        }
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| Error::Auth {
                message:
                    "The OpenAI API key contains characters that cannot be sent; paste it again."
                        .to_owned(),
                env_var: provider.api_key_env().to_owned(),
            })?;
        auth.set_sensitive(true);
        let http = http::client(cfg.timeouts)?;
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
        if let Some(partials) = wire::partial_images(req) {
            return self
                .generate_streamed(body, &url, partials, progress, cancel)
                .await;
        }
        let (headers, bytes) = http::with_retries(
            &self.retry,
            cancel,
            progress,
            |attempt| progress(ProviderProgress::Sending { attempt }),
            || self.call(self.http.post(&url).json(&body), progress),
        )
        .await?;

        self.collect(&headers, &bytes, body, progress, cancel).await
    }

    /// Reads an `ImagesResponse` (generate, edit and variation answers alike): every image,
    /// downloading the ones given by URL at once.
    pub(super) async fn collect(
        &self,
        headers: &HeaderMap,
        bytes: &[u8],
        params_sent: Value,
        progress: &(dyn Fn(ProviderProgress) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<GeneratedImages> {
        let answer: ImagesResponse =
            serde_json::from_slice(bytes).map_err(|e| Error::BadResponse {
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
                (Some(b64), _) => (
                    decode_b64(&b64, self.limits.max_image_bytes, index)?,
                    ImageSource::B64,
                ),
                (None, Some(url)) => {
                    let bytes = http::with_retries(
                        &self.retry,
                        cancel,
                        progress,
                        |_| progress(ProviderProgress::Downloading { index }),
                        || download_image(&self.http, &url, self.limits.max_image_bytes),
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
            images.push(OpenAiImage {
                bytes,
                revised_prompt: item.revised_prompt,
                source,
            });
        }
        Ok(GeneratedImages {
            request_id: request_id(headers),
            usage: answer.usage,
            created: answer.created,
            images,
            params_sent,
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
        let (_, bytes) = http::with_retries(
            &self.retry,
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

    /// A streamed generation (`stream` with `partial_images`): each partial image is shown
    /// as a preview as it arrives (not kept); the completed event carries the image.
    async fn generate_streamed(
        &self,
        body: Value,
        url: &str,
        partials: u64,
        progress: &(dyn Fn(ProviderProgress) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<GeneratedImages> {
        let resp = http::with_retries(
            &self.retry,
            cancel,
            progress,
            |attempt| progress(ProviderProgress::Sending { attempt }),
            || self.send_checked(self.http.post(url).json(&body), progress),
        )
        .await?;
        let headers = resp.headers().clone();
        if !sse::is_event_stream(&resp) {
            return Err(Error::BadResponse {
                message: "a streamed answer was asked for, but the answer is not an event stream."
                    .to_owned(),
            });
        }
        let total = u32::try_from(partials).unwrap_or(3);
        let cap = self.limits.max_image_bytes;
        let mut images = Vec::new();
        let mut usage = None;
        sse::read_events(resp, self.limits.max_json_bytes, cancel, |data| {
            let ev: wire::StreamEvent =
                serde_json::from_value(data).map_err(|e| Error::BadResponse {
                    message: format!("a streamed event is not in the documented shape ({e})."),
                })?;
            match ev.kind.as_str() {
                "image_generation.partial_image" => {
                    let step = ev.partial_image_index.unwrap_or(0).saturating_add(1);
                    let preview = ev
                        .b64_json
                        .as_deref()
                        .and_then(|b| decode_b64(b, cap, 0).ok())
                        .filter(|b| check_image(b, 0).is_ok())
                        .map(PreviewFrame::new);
                    progress(ProviderProgress::Rendering {
                        step,
                        total: total.max(step),
                        eta: None,
                        preview,
                    });
                }
                "image_generation.completed" => {
                    let index = u32::try_from(images.len()).unwrap_or(u32::MAX);
                    let b64 = ev.b64_json.ok_or_else(|| Error::BadResponse {
                        message: "the completed event carries no image.".to_owned(),
                    })?;
                    let bytes = decode_b64(&b64, cap, index)?;
                    check_image(&bytes, index)?;
                    images.push(OpenAiImage {
                        bytes,
                        revised_prompt: None,
                        source: ImageSource::B64,
                    });
                    usage = ev.usage.or(usage.take());
                }
                _ => {}
            }
            Ok(())
        })
        .await?;
        if images.is_empty() {
            return Err(Error::BadResponse {
                message: "the stream ended without a completed image.".to_owned(),
            });
        }
        Ok(GeneratedImages {
            request_id: request_id(&headers),
            usage,
            created: None,
            images,
            params_sent: body,
        })
    }

    /// One authenticated API call: the answer's headers and its (capped) JSON body.
    pub(super) async fn call(
        &self,
        builder: reqwest::RequestBuilder,
        progress: &(dyn Fn(ProviderProgress) + Send + Sync),
    ) -> Result<(HeaderMap, Vec<u8>), Failure> {
        let resp = self.send_checked(builder, progress).await?;
        let headers = resp.headers().clone();
        let body = read_capped(resp, self.limits.max_json_bytes, "The provider's answer").await?;
        Ok((headers, body))
    }

    /// Sends one authenticated call and maps an error answer; the body is left to read.
    async fn send_checked(
        &self,
        builder: reqwest::RequestBuilder,
        progress: &(dyn Fn(ProviderProgress) + Send + Sync),
    ) -> Result<reqwest::Response, Failure> {
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
                self.provider.api_key_env(),
                key,
            );
            tracing::warn!(status = status.as_u16(), code = f.error.code(), request_id = ?request_id(&headers), "provider answered with an error");
            return Err(f);
        }
        progress(ProviderProgress::Receiving);
        Ok(resp)
    }
}

impl OpenAiClient {
    /// The client for the catalogue's OpenAI entry, as the engine connects it.
    pub fn connect(spec: &'static ProviderSpec, conn: Connection) -> Result<Self> {
        let key = conn.credentials.require(spec, "api_key")?;
        let mut client = OpenAiClient::new(OpenAiConfig::new(conn.base_url, key))?;
        client.provider = spec;
        Ok(client)
    }
}

impl ImageProvider for OpenAiClient {
    fn generate<'a>(
        &'a self,
        req: &'a GenerationRequest,
        progress: Progress<'a>,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ProviderAnswer>> {
        Box::pin(async move {
            let answer = OpenAiClient::generate(self, req, progress, cancel).await?;
            Ok(answer.into_provider_answer())
        })
    }

    fn edit<'a>(
        &'a self,
        req: &'a crate::edit::EditRequest,
        progress: Progress<'a>,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ProviderAnswer>> {
        Box::pin(async move {
            let answer = OpenAiClient::edit(self, req, progress, cancel).await?;
            Ok(answer.into_provider_answer())
        })
    }

    fn list_models<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(self.list_image_models(cancel))
    }

    fn check_credentials<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<bool>> {
        // `/models` needs a valid key and costs nothing.
        Box::pin(async move { self.list_image_models(cancel).await.map(|_| true) })
    }

    fn name(&self) -> &str {
        &self.provider.name
    }
}

pub(super) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
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

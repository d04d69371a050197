//! The HTTP client: one generate request (retried only where that cannot bill twice), its
//! answer in either documented shape, and the model list (from the catalogue).

use std::fmt;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::config::{Accept, StabilityConfig};
use super::failure::from_status;
use super::wire::{self, JsonImage};
use crate::catalog::{self, ModelStatus, ProviderSpec};
use crate::error::{Error, Result};
use crate::providers::http::multipart::{self, Form};
use crate::providers::http::{
    self, Failure, ResponseLimits, RetryClass, RetryPolicy, check_image, checked_base_url,
    decode_b64, from_transport, header, read_capped,
};
use crate::providers::{
    BoxFuture, Connection, ImageProvider, Progress, ProviderAnswer, ProviderProgress, ReceivedImage,
};
use crate::request::GenerationRequest;

const PROVIDER_ID: &str = "stability";
/// Error answers are short; anything longer is not worth reading.
const MAX_ERROR_BODY: u64 = 1024 * 1024;
/// The client-identification headers the contract documents (`StabilityClientID`, ...).
const CLIENT_ID: &str = "Easel";
const CLIENT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Clone)]
pub struct StabilityClient {
    http: reqwest::Client,
    base_url: String,
    auth: HeaderValue,
    retry: RetryPolicy,
    limits: ResponseLimits,
    accept: Accept,
    provider: &'static ProviderSpec,
}

impl fmt::Debug for StabilityClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StabilityClient")
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// One image as the API answered it, before it becomes a `ReceivedImage`.
pub(super) struct Answer {
    pub bytes: Vec<u8>,
    pub seed: Option<i64>,
    pub filtered: bool,
    pub request_id: Option<String>,
}

impl StabilityClient {
    pub fn new(cfg: StabilityConfig) -> Result<Self> {
        let provider = catalog::provider(PROVIDER_ID)?;
        let base_url = checked_base_url(&cfg.base_url, "https://api.stability.ai")?;
        let key = cfg.api_key.trim();
        let auth_error = |message: &str| Error::Auth {
            message: message.to_owned(),
            env_var: provider.api_key_env().to_owned(),
        };
        if key.is_empty() {
            return Err(auth_error("No Stability AI API key is set."));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| {
            auth_error(
                "The Stability AI API key contains characters that cannot be sent; paste it again.",
            )
        })?;
        auth.set_sensitive(true);
        Ok(StabilityClient {
            http: http::client(cfg.timeouts)?,
            base_url,
            auth,
            retry: cfg.retry,
            limits: cfg.limits,
            accept: cfg.accept,
            provider,
        })
    }

    /// The client for the catalogue's Stability entry, as the engine connects it.
    pub fn connect(spec: &'static ProviderSpec, conn: Connection) -> Result<Self> {
        let key = conn.credentials.require(spec, "api_key")?;
        let mut client = StabilityClient::new(StabilityConfig::new(conn.base_url, key))?;
        client.provider = spec;
        Ok(client)
    }

    /// Generates one image. The request is checked against the catalogue first: if the
    /// API would refuse it, nothing is sent.
    pub async fn generate(
        &self,
        req: &GenerationRequest,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProviderAnswer> {
        if req.provider != self.provider.id {
            return Err(Error::InvalidInput(format!(
                "This request is for provider \"{}\", not Stability AI.",
                req.provider
            )));
        }
        let model = catalog::model(&self.provider.id, &req.model)?;
        model.validate(req)?;
        let endpoint = model.endpoint.as_deref().ok_or_else(|| {
            Error::InvalidInput(format!(
                "The catalogue names no endpoint for {}; this version of Easel cannot use it.",
                model.id
            ))
        })?;
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let fields = wire::form_fields(req, endpoint);
        let form = multipart::encode(&fields);
        let url = format!("{}{endpoint}", self.base_url);
        tracing::info!(model = %req.model, "sending a Stability generate request");
        let answer = http::with_retries(
            &self.retry,
            cancel,
            progress,
            |attempt| progress(ProviderProgress::Sending { attempt }),
            || self.call(&url, &form, progress),
        )
        .await?;
        Ok(ProviderAnswer {
            request_id: answer.request_id,
            usage: model.credits_per_image.map(|c| json!({ "credits": c })),
            images: vec![ReceivedImage {
                bytes: answer.bytes,
                seed: answer.seed,
                filtered: answer.filtered,
                ..ReceivedImage::default()
            }],
            params_sent: wire::fields_json(endpoint, &fields),
            ..ProviderAnswer::default()
        })
    }

    /// The catalogue's current models. Stability publishes no model listing for the Stable
    /// Image services (each model is an endpoint or an enum value), so there is nothing to ask.
    pub fn current_models(&self) -> Vec<String> {
        self.provider
            .models
            .iter()
            .filter(|m| m.status == ModelStatus::Current)
            .map(|m| m.id.clone())
            .collect()
    }

    pub(super) fn provider(&self) -> &'static ProviderSpec {
        self.provider
    }

    pub(super) fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(super) fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// One attempt: POST the form, read the answer in whichever documented shape it came.
    pub(super) async fn call(
        &self,
        url: &str,
        form: &Form,
        progress: Progress<'_>,
    ) -> Result<Answer, Failure> {
        let resp = self
            .http
            .post(url)
            .header(AUTHORIZATION, self.auth.clone())
            .header(CONTENT_TYPE, form.content_type.as_str())
            .header(ACCEPT, self.accept.header_value())
            .header("stability-client-id", CLIENT_ID)
            .header("stability-client-version", CLIENT_VERSION)
            .body(form.body.clone())
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
            let f = from_status(status.as_u16(), &body, self.provider.api_key_env(), key);
            tracing::warn!(
                status = status.as_u16(),
                code = f.error.code(),
                "Stability answered with an error"
            );
            return Err(f);
        }
        progress(ProviderProgress::Receiving);
        let request_id = header(&headers, "x-request-id");
        let is_json = header(&headers, "content-type")
            .is_some_and(|t| t.trim_start().starts_with("application/json"));
        // From here on the image was made and billed: a body cut short is not re-requested,
        // since a second request would be billed again.
        let billed = |f: Failure| {
            Failure::final_(match f.error {
                Error::Network { message } => Error::Network {
                    message: format!(
                        "{message} The image was generated (and may have been billed) but did not arrive; generate again if you still want it."
                    ),
                },
                other => other,
            })
        };
        let (bytes, finish_reason, seed) = if is_json {
            let body = read_capped(resp, self.limits.max_json_bytes, "The provider's answer")
                .await
                .map_err(billed)?;
            let parsed: JsonImage = serde_json::from_slice(&body).map_err(|e| {
                Failure::final_(Error::BadResponse {
                    message: format!("the JSON answer is not in the documented shape ({e})."),
                })
            })?;
            let bytes = decode_b64(&parsed.image, self.limits.max_image_bytes, 0)?;
            let seed = parsed.seed.as_ref().and_then(wire::parse_seed);
            (bytes, Some(parsed.finish_reason), seed)
        } else {
            let bytes = read_capped(resp, self.limits.max_image_bytes, "The image")
                .await
                .map_err(billed)?;
            let seed = header(&headers, "seed").and_then(|s| s.trim().parse().ok());
            (bytes, header(&headers, "finish-reason"), seed)
        };
        let filtered = finish(finish_reason.as_deref(), &headers)?;
        check_image(&bytes, 0)?;
        Ok(Answer {
            bytes,
            seed,
            filtered,
            request_id,
        })
    }
}

/// Reads the finish reason: `SUCCESS`, or `CONTENT_FILTERED` (a blurred image, billed, so
/// kept and marked). The contract documents only those two; `ERROR` (the v1 API's third
/// value) means the generation failed, which Stability does not bill, so it is retried.
fn finish(reason: Option<&str>, headers: &HeaderMap) -> Result<bool, Failure> {
    match reason.map(str::trim) {
        // The header is documented on every image answer; one without it is taken at its
        // status (200), as a success.
        None | Some("SUCCESS") => Ok(false),
        Some("CONTENT_FILTERED") => Ok(true),
        Some("ERROR") => Err(Failure {
            error: Error::Provider {
                status: 200,
                message: format!(
                    "Stability AI reported that the generation failed (finish reason ERROR){}. You are not charged for failed generations.",
                    header(headers, "x-request-id")
                        .map(|id| format!(", request id {id}"))
                        .unwrap_or_default()
                ),
            },
            class: RetryClass::Transient { hint: None },
        }),
        Some(other) => {
            let shown: String = other.chars().filter(|c| !c.is_control()).take(40).collect();
            Err(Failure::final_(Error::BadResponse {
                message: format!("the finish reason \"{shown}\" is not one the API documents."),
            }))
        }
    }
}

impl ImageProvider for StabilityClient {
    fn generate<'a>(
        &'a self,
        req: &'a GenerationRequest,
        progress: Progress<'a>,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ProviderAnswer>> {
        Box::pin(StabilityClient::generate(self, req, progress, cancel))
    }

    fn edit<'a>(
        &'a self,
        req: &'a crate::edit::EditRequest,
        progress: Progress<'a>,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ProviderAnswer>> {
        Box::pin(StabilityClient::edit(self, req, progress, cancel))
    }

    fn name(&self) -> &str {
        &self.provider.name
    }

    fn list_models<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            Ok(self.current_models())
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_an_auth_error_naming_the_variable() {
        let e = StabilityClient::new(StabilityConfig::new("https://api.stability.ai", " "))
            .unwrap_err();
        assert!(
            matches!(e, Error::Auth { ref env_var, .. } if env_var == "STABILITY_API_KEY"),
            "{e:?}"
        );
        let e = StabilityClient::new(StabilityConfig::new("ftp://x", "sk-1")).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
    }

    #[test]
    fn debug_hides_the_key() {
        let c = StabilityClient::new(StabilityConfig::new(
            "https://api.stability.ai",
            "sk-stability-secret",
        ))
        .unwrap();
        assert!(!format!("{c:?}").contains("sk-stability-secret"));
        let cfg = StabilityConfig::new("https://api.stability.ai", "sk-stability-secret");
        assert!(!format!("{cfg:?}").contains("sk-stability-secret"));
    }
}

//! One Firefly generation: submit the job, poll it, download its outputs; cancel it when
//! Easel's job is cancelled. Every call carries the IMS token and the client id.

use std::fmt;
use std::time::Duration;

use futures_util::future::try_join_all;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::config::{FireflyConfig, IMS_SCOPES, PollPolicy};
use super::failure::{self, CREDENTIAL_ENV_VARS, from_job, from_status, plain};
use super::wire::{self, Accepted, JobResult, JobStatus};
use crate::catalog::{self, ProviderSpec};
use crate::error::{Error, Result};
use crate::providers::http::{
    self, Failure, ResponseLimits, RetryPolicy, check_image, checked_base_url, download_image,
    from_transport, read_capped, server_hint, sleep_or_cancel,
};
use crate::providers::oauth::TokenSource;
use crate::providers::{
    BoxFuture, Connection, ImageProvider, Progress, ProviderAnswer, ProviderProgress, ReceivedImage,
};
use crate::request::GenerationRequest;

const PROVIDER_ID: &str = "firefly";
const GENERATE_PATH: &str = "/v3/images/generate-async";
/// Error and status answers are small; anything longer is not worth reading.
const MAX_SMALL_BODY: u64 = 1024 * 1024;

pub struct FireflyClient {
    http: reqwest::Client,
    base_url: String,
    /// The client id, sent as `x-api-key` on every call.
    api_key: HeaderValue,
    /// Kept only to scrub it from provider text that might echo it.
    client_secret: String,
    tokens: TokenSource,
    retry: RetryPolicy,
    poll: PollPolicy,
    limits: ResponseLimits,
    provider: &'static ProviderSpec,
}

impl fmt::Debug for FireflyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FireflyClient")
            .field("base_url", &self.base_url)
            .field("tokens", &self.tokens)
            .field("retry", &self.retry)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

/// What the job's 202 named, checked.
struct Job {
    id: String,
    status_url: String,
    cancel_url: String,
}

impl FireflyClient {
    pub fn new(cfg: FireflyConfig) -> Result<Self> {
        let provider = catalog::provider(PROVIDER_ID)?;
        let base_url = checked_base_url(&cfg.base_url, "https://firefly-api.adobe.io")?;
        let ims_url =
            checked_base_url(&cfg.ims_url, "https://ims-na1.adobelogin.com/ims/token/v3")?;
        let (id, secret) = (cfg.client_id.trim(), cfg.client_secret.trim());
        if id.is_empty() || secret.is_empty() {
            return Err(failure::auth(
                "Firefly Services needs a client id and a client secret (from Adobe Developer Console, OAuth Server-to-Server).".to_owned(),
            ));
        }
        let api_key = HeaderValue::from_str(id).map_err(|_| {
            failure::auth(
                "The Firefly client id contains characters that cannot be sent; paste it again."
                    .to_owned(),
            )
        })?;
        let http = http::client(cfg.timeouts)?;
        let tokens = TokenSource::new(
            http.clone(),
            ims_url,
            vec![
                ("client_id".to_owned(), id.to_owned()),
                ("client_secret".to_owned(), secret.to_owned()),
                ("scope".to_owned(), IMS_SCOPES.to_owned()),
            ],
            &provider.name,
            CREDENTIAL_ENV_VARS,
        );
        Ok(FireflyClient {
            http,
            base_url,
            api_key,
            client_secret: secret.to_owned(),
            tokens,
            retry: cfg.retry,
            poll: cfg.poll,
            limits: cfg.limits,
            provider,
        })
    }

    /// The client for the catalogue's Firefly entry, as the engine connects it.
    pub fn connect(spec: &'static ProviderSpec, conn: Connection) -> Result<Self> {
        let id = conn.credentials.require(spec, "client_id")?;
        let secret = conn.credentials.require(spec, "client_secret")?;
        let ims = conn
            .auth_url
            .clone()
            .or_else(|| spec.auth.as_ref().map(|a| a.default_url.clone()))
            .unwrap_or_default();
        let mut client = FireflyClient::new(FireflyConfig::new(conn.base_url, ims, id, secret))?;
        client.provider = spec;
        Ok(client)
    }

    /// Generates images: checked against the catalogue first (nothing doomed is sent), then
    /// submitted, polled and downloaded.
    pub async fn generate(
        &self,
        req: &GenerationRequest,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProviderAnswer> {
        if req.provider != self.provider.id {
            return Err(Error::InvalidInput(format!(
                "This request is for provider \"{}\", not Adobe Firefly.",
                req.provider
            )));
        }
        catalog::model(&self.provider.id, &req.model)?.validate(req)?;
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let body = wire::request_body(req)?;
        let version = HeaderValue::from_str(&req.model).map_err(|_| {
            Error::InvalidInput(format!("\"{}\" is not a model version.", req.model))
        })?;
        let url = format!("{}{GENERATE_PATH}", self.base_url);
        tracing::info!(model = %req.model, "submitting a Firefly job");
        let (_, bytes) = http::with_retries(
            &self.retry,
            cancel,
            progress,
            |attempt| progress(ProviderProgress::Sending { attempt }),
            || self.call(Method::POST, &url, Some((&body, &version)), cancel),
        )
        .await?;
        let accepted: Accepted =
            serde_json::from_slice(&bytes).map_err(|e| Error::BadResponse {
                message: format!(
                    "Firefly's answer to the job is not in the documented shape ({e})."
                ),
            })?;
        let job = self.job(accepted)?;

        let result = match self.poll(&job, progress, cancel).await {
            Ok(result) => result,
            Err(e) => {
                // Ours to stop: tell Firefly, so the job does not run on (and bill) unseen.
                if cancel.is_cancelled() || matches!(e, Error::Timeout { .. }) {
                    self.cancel_job(&job).await;
                }
                return Err(e);
            }
        };
        let images = self.download(&result, progress, cancel).await?;
        let mut usage = json!({ "variations": images.len(), "model_version": req.model });
        // The contract's only moderation signal: the images follow a prompt with parts removed.
        if let Some(v) = result.prompt_has_denied_words {
            usage["prompt_has_denied_words"] = Value::from(v);
        }
        if let Some(v) = result.prompt_has_blocked_artists {
            usage["prompt_has_blocked_artists"] = Value::from(v);
        }
        if let Some(c) = &result.content_class {
            usage["content_class"] = Value::from(c.as_str());
        }
        Ok(ProviderAnswer {
            request_id: Some(job.id),
            usage: Some(usage),
            images,
            params_sent: body,
            ..ProviderAnswer::default()
        })
    }

    /// The job's URLs. Credentials go only to Firefly: a status or cancel URL on another
    /// host (Adobe answers with `*.adobe.io` hosts) is replaced by the documented path.
    fn job(&self, accepted: Accepted) -> Result<Job> {
        if accepted.job_id.trim().is_empty() {
            return Err(Error::BadResponse {
                message: "Firefly accepted the job but gave it no id.".to_owned(),
            });
        }
        let documented = |kind: &str| -> Result<String> {
            let mut url = Url::parse(&self.base_url).map_err(|_| Error::BadResponse {
                message: "the base URL cannot carry a job path.".to_owned(),
            })?;
            url.path_segments_mut()
                .map_err(|_| Error::BadResponse {
                    message: "the base URL cannot carry a job path.".to_owned(),
                })?
                .pop_if_empty()
                .extend(["v3", kind, accepted.job_id.as_str()]);
            Ok(url.to_string())
        };
        let pick = |given: &str, kind: &str| -> Result<String> {
            if self.trusted(given) {
                Ok(given.to_owned())
            } else {
                tracing::warn!(
                    kind,
                    "Firefly named a job URL on an unexpected host; using the documented path"
                );
                documented(kind)
            }
        };
        Ok(Job {
            status_url: pick(&accepted.status_url, "status")?,
            cancel_url: pick(&accepted.cancel_url, "cancel")?,
            id: accepted.job_id,
        })
    }

    fn trusted(&self, given: &str) -> bool {
        let (Ok(url), Ok(base)) = (Url::parse(given), Url::parse(&self.base_url)) else {
            return false;
        };
        let same_origin = url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default();
        let adobe = |u: &Url| {
            u.host_str()
                .is_some_and(|h| h == "adobe.io" || h.ends_with(".adobe.io"))
        };
        same_origin || (url.scheme() == "https" && adobe(&base) && adobe(&url))
    }

    /// Asks for the job's status until it settles, honouring `Retry-After`, within
    /// `poll.max_wait`; returns at once when `cancel` fires.
    async fn poll(
        &self,
        job: &Job,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<JobResult> {
        let mut waited = Duration::ZERO;
        let mut attempt = 0u32;
        let secrets = [self.client_secret.as_str()];
        loop {
            attempt += 1;
            progress(ProviderProgress::Polling { attempt });
            let (headers, bytes) = http::with_retries(
                &self.retry,
                cancel,
                progress,
                |_| {},
                || self.call(Method::GET, &job.status_url, None, cancel),
            )
            .await?;
            let answer: JobStatus =
                serde_json::from_slice(&bytes).map_err(|e| Error::BadResponse {
                    message: format!("Firefly's job status is not in the documented shape ({e})."),
                })?;
            let status = answer.status.as_deref().unwrap_or("").to_ascii_lowercase();
            match status.as_str() {
                "succeeded" => {
                    return answer.result.ok_or_else(|| Error::BadResponse {
                        message: "Firefly says the job succeeded but sent no result.".to_owned(),
                    });
                }
                "failed" | "timeout" => return Err(from_job(&job.id, &status, &answer, &secrets)),
                // Cancelled by someone else (another client of the same account, or Adobe).
                "canceled" | "cancelled" => return Err(Error::Cancelled),
                // pending, running, cancel_pending, or a state newer than the contract.
                _ => {}
            }
            let wait = server_hint(&headers)
                .unwrap_or(self.poll.interval)
                .min(self.poll.max_interval);
            if waited + wait > self.poll.max_wait {
                return Err(Error::Timeout {
                    message: format!(
                        "Firefly job {} was still {} after {} s of waiting; it was cancelled",
                        plain(&job.id, &secrets),
                        plain(&status, &secrets),
                        self.poll.max_wait.as_secs()
                    ),
                });
            }
            waited += wait;
            sleep_or_cancel(self.retry.scaled(wait), cancel).await?;
        }
    }

    /// Best effort, bounded: a cancel that fails or hangs must not hold up the user.
    async fn cancel_job(&self, job: &Job) {
        // The job's own token has fired; this call gets a fresh one.
        let own = CancellationToken::new();
        let outcome = tokio::time::timeout(
            self.poll.cancel_timeout,
            self.call(Method::PUT, &job.cancel_url, None, &own),
        )
        .await;
        match outcome {
            Ok(Ok(_)) => tracing::info!("cancelled the Firefly job"),
            Ok(Err(f)) => tracing::warn!(code = f.error.code(), "Firefly did not cancel the job"),
            Err(_) => tracing::warn!("cancelling the Firefly job timed out"),
        }
    }

    /// Every output at once (their links expire after an hour), with its seed.
    async fn download(
        &self,
        result: &JobResult,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<Vec<ReceivedImage>> {
        if result.outputs.is_empty() {
            return Err(Error::BadResponse {
                message: "Firefly's result holds no images.".to_owned(),
            });
        }
        let fetches = result
            .outputs
            .iter()
            .enumerate()
            .map(|(index, output)| async move {
                let index = u32::try_from(index).unwrap_or(u32::MAX);
                let url = output
                    .image
                    .url
                    .as_deref()
                    .ok_or_else(|| Error::BadResponse {
                        message: format!("output {index} has no image URL."),
                    })?;
                let bytes = http::with_retries(
                    &self.retry,
                    cancel,
                    progress,
                    |_| progress(ProviderProgress::Downloading { index }),
                    || async {
                        download_image(&self.http, url, self.limits.max_image_bytes)
                            .await
                            .map_err(expired)
                    },
                )
                .await?;
                check_image(&bytes, index)?;
                Ok::<_, Error>(ReceivedImage {
                    bytes,
                    seed: Some(output.seed),
                    ..ReceivedImage::default()
                })
            });
        try_join_all(fetches).await
    }

    /// One call to the Firefly API with the token and the client id. A 401 renews the
    /// token once and tries once more.
    async fn call(
        &self,
        method: Method,
        url: &str,
        json: Option<(&Value, &HeaderValue)>,
        cancel: &CancellationToken,
    ) -> Result<(HeaderMap, Vec<u8>), Failure> {
        let token = self.tokens.token(cancel).await?;
        let resp = self.send(method.clone(), url, json, &token).await?;
        let resp = if resp.status().as_u16() == 401 {
            tracing::info!("Firefly refused the token; signing in again once");
            let fresh = self.tokens.renew(&token, cancel).await?;
            self.send(method, url, json, &fresh).await?
        } else {
            resp
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        if !status.is_success() {
            let body = read_capped(resp, MAX_SMALL_BODY, "The error answer")
                .await
                .unwrap_or_default();
            let f = from_status(
                status.as_u16(),
                &headers,
                &body,
                &[self.client_secret.as_str(), token.as_str()],
            );
            tracing::warn!(
                status = status.as_u16(),
                code = f.error.code(),
                "Firefly answered with an error"
            );
            return Err(f);
        }
        let body = read_capped(
            resp,
            self.limits.max_json_bytes.min(MAX_SMALL_BODY),
            "Firefly's answer",
        )
        .await?;
        Ok((headers, body))
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        json: Option<(&Value, &HeaderValue)>,
        token: &str,
    ) -> Result<reqwest::Response, Failure> {
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| Error::BadResponse {
                message: "Adobe IMS answered with a token that cannot be sent.".to_owned(),
            })?;
        auth.set_sensitive(true);
        let mut builder = self
            .http
            .request(method, url)
            .header(AUTHORIZATION, auth)
            .header("x-api-key", self.api_key.clone())
            .header("accept", "application/json");
        if let Some((body, version)) = json {
            builder = builder
                .header("x-model-version", version.clone())
                .json(body);
        }
        builder
            .send()
            .await
            .map_err(|e| from_transport(e, "Calling Firefly"))
    }
}

/// An output link that answers 403, 404 or 410 has expired (they last one hour).
fn expired(f: Failure) -> Failure {
    match f.error {
        Error::Provider {
            status: status @ (403 | 404 | 410),
            ..
        } => Failure::final_(Error::Expired {
            message: format!(
                "Firefly's output link answered HTTP {status}. Output links last one hour after the job finishes; generate the image again."
            ),
        }),
        _ => f,
    }
}

impl ImageProvider for FireflyClient {
    fn generate<'a>(
        &'a self,
        req: &'a GenerationRequest,
        progress: Progress<'a>,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ProviderAnswer>> {
        Box::pin(FireflyClient::generate(self, req, progress, cancel))
    }

    /// Firefly has no model listing: the model versions are the `x-model-version` values
    /// of the API description, which the catalogue holds (custom models need a model id
    /// Easel does not manage, so they are left out).
    fn list_models<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            Ok(self
                .provider
                .models
                .iter()
                .filter(|m| m.status == catalog::ModelStatus::Current)
                .map(|m| m.id.clone())
                .collect())
        })
    }

    fn check_credentials<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<bool>> {
        // Signing in with Adobe IMS checks the client id and secret, and costs nothing.
        Box::pin(async move { self.tokens.token(cancel).await.map(|_| true) })
    }
}

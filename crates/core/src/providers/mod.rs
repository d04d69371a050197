//! The seam between Easel and the services that make images. Every provider implements
//! [`ImageProvider`]; the engine, the job queue and the front ends only ever hold a
//! `dyn ImageProvider` made by [`connect`], so none of them knows a provider by name.
//!
//! A provider module turns the provider-neutral [`GenerationRequest`] into its own wire
//! format, and its answers (or errors) back into [`ProviderAnswer`] (or a typed `Error`).

pub mod credentials;
pub mod firefly;
pub mod getty;
pub mod http;
pub mod local;
pub mod oauth;
pub mod openai;
pub mod stability;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub use credentials::{CredentialSource, Credentials};

use crate::catalog::ProviderSpec;
use crate::edit::EditRequest;
use crate::error::{Error, Result};
use crate::request::GenerationRequest;

/// A boxed future, so that the trait stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a progress report goes; called from the provider's task, so it must be cheap.
pub type Progress<'a> = &'a (dyn Fn(ProviderProgress) + Send + Sync);

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
    /// The provider accepted the job and works on it asynchronously; Easel asks again
    /// (`attempt` counts the status requests).
    Polling {
        attempt: u32,
    },
    /// The provider has started answering (headers received).
    Receiving,
    /// Fetching image `index` (0-based) from the URL the provider answered with.
    Downloading {
        index: u32,
    },
    /// A local engine is rendering: step `step` of `total` (sampler steps, or partial images
    /// for a streamed OpenAI answer), with a look at the image so far when the engine sends
    /// one. Previews are shown, never stored.
    Rendering {
        step: u32,
        total: u32,
        eta: Option<Duration>,
        preview: Option<PreviewFrame>,
    },
    /// The engine renders but sends no previews (ComfyUI started without a preview method,
    /// an A1111 with live previews off): the job card says so instead of waiting for one.
    NoPreviews {
        reason: String,
    },
}

/// One preview image as the engine sent it (PNG, JPEG or WebP bytes). Shared, so a frame
/// handed to several listeners is never copied.
#[derive(Clone, PartialEq, Eq)]
pub struct PreviewFrame {
    pub bytes: Arc<[u8]>,
}

impl PreviewFrame {
    pub fn new(bytes: Vec<u8>) -> PreviewFrame {
        PreviewFrame {
            bytes: bytes.into(),
        }
    }
}

impl fmt::Debug for PreviewFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PreviewFrame(<{} bytes>)", self.bytes.len())
    }
}

/// Whether an image can be used under the terms that come with generating it, or must be
/// licensed first (a watermarked or low-resolution preview).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum LicenseStatus {
    /// The terms come with generation (OpenAI, Stability, Firefly).
    #[default]
    Included,
    /// Must be licensed before use (Getty previews).
    Preview,
    /// Licensed by a recorded transaction (a Getty full-size download).
    Licensed,
}

impl LicenseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseStatus::Included => "included",
            LicenseStatus::Preview => "preview",
            LicenseStatus::Licensed => "licensed",
        }
    }

    pub fn parse(s: &str) -> Option<LicenseStatus> {
        match s {
            "included" => Some(LicenseStatus::Included),
            "preview" => Some(LicenseStatus::Preview),
            "licensed" => Some(LicenseStatus::Licensed),
            _ => None,
        }
    }
}

/// One image of an answer, exactly as the provider sent it, with what it said about it.
#[derive(Clone, Default)]
pub struct ReceivedImage {
    /// Exactly the provider's bytes (they may carry signed provenance).
    pub bytes: Vec<u8>,
    /// The seed the provider used, when it says (Stability's `seed` header, Firefly's seeds).
    pub seed: Option<i64>,
    pub revised_prompt: Option<String>,
    /// The provider's own id for this image (Getty's generated asset id, for example), needed
    /// to license, vary or re-download it later.
    pub asset_id: Option<String>,
    /// The provider's moderation replaced the content (Stability's `CONTENT_FILTERED` answers
    /// with a blurred image). Stored, since it was paid for, but marked.
    pub filtered: bool,
    pub license_status: LicenseStatus,
}

impl fmt::Debug for ReceivedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceivedImage")
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("seed", &self.seed)
            .field("revised_prompt", &self.revised_prompt)
            .field("asset_id", &self.asset_id)
            .field("filtered", &self.filtered)
            .field("license_status", &self.license_status)
            .finish()
    }
}

/// A provider's whole answer to one generation request.
#[derive(Debug, Clone, Default)]
pub struct ProviderAnswer {
    /// The provider's request or job id, for support requests.
    pub request_id: Option<String>,
    /// Usage or cost as the provider reported it or the catalogue priced it (tokens, credits).
    pub usage: Option<Value>,
    pub images: Vec<ReceivedImage>,
    /// What was sent, without any secret (for the record and for tests).
    pub params_sent: Value,
    /// Local engines: every parameter as the engine really used it (the seed Easel chose,
    /// the sampler, scheduler, steps and CFG the engine applied), recorded over the request's
    /// own so that running the generation again reproduces the image.
    pub params_used: Option<crate::request::GenerationParams>,
    /// Local engines: the checkpoint that made the images; their licence follows it.
    pub checkpoint: Option<crate::license::Checkpoint>,
}

/// A size a provider offers when an image is licensed (Getty: "1k", "4k").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DownloadSize {
    pub name: String,
    pub width: u32,
    pub height: u32,
}

/// The full-size file a licence bought, and the record of the transaction.
#[derive(Clone)]
pub struct LicensedDownload {
    /// Exactly the provider's bytes.
    pub bytes: Vec<u8>,
    /// The provider's id for the licensed asset (Getty's `generated_asset_id`).
    pub asset_id: Option<String>,
    /// What the licence record keeps: references, size, time. Never a signed URL or secret.
    pub transaction: Value,
}

impl fmt::Debug for LicensedDownload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LicensedDownload")
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("asset_id", &self.asset_id)
            .field("transaction", &self.transaction)
            .finish()
    }
}

fn no_licensing_step<T>(provider: &str) -> Result<T> {
    Err(Error::InvalidInput(format!(
        "{provider} has no licensing step; its images come licensed."
    )))
}

/// One image service. Implementations hold their HTTP client, credentials and any token
/// cache; they are shared between jobs (`Arc`) and must be cheap to call concurrently.
pub trait ImageProvider: Send + Sync {
    /// Generates images for `req`, reporting progress, and stops at once when `cancel` fires.
    /// The request has already been checked against the catalogue.
    fn generate<'a>(
        &'a self,
        req: &'a GenerationRequest,
        progress: Progress<'a>,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ProviderAnswer>>;

    /// Model ids the account can use, as the provider lists them. Providers without a model
    /// listing answer with the catalogue's current models.
    fn list_models<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<Vec<String>>>;

    /// Checks the credentials with the provider, without generating anything or costing
    /// anything. `Ok(false)` when the provider offers no such check (the first generation
    /// is then the test), so that Settings never says a key works when nothing checked it.
    fn check_credentials<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<bool>> {
        let _ = cancel;
        Box::pin(async { Ok(false) })
    }

    /// Changes an image (edit, inpaint, outpaint, variation, ...). The request has already
    /// been checked against the catalogue's `EditSpec`; providers without edits refuse it.
    fn edit<'a>(
        &'a self,
        req: &'a EditRequest,
        progress: Progress<'a>,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ProviderAnswer>> {
        let _ = (progress, cancel);
        Box::pin(async move {
            Err(Error::InvalidInput(format!(
                "{} cannot {} images in this version of Easel.",
                self.name(),
                req.operation.name().replace('_', " ")
            )))
        })
    }

    /// The provider's name, for messages (the catalogue's `name`).
    fn name(&self) -> &str {
        "This provider"
    }

    /// The sizes a preview (`asset_id`, as stored with it) can be licensed in.
    fn download_sizes<'a>(
        &'a self,
        asset_id: &'a str,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<Vec<DownloadSize>>> {
        let _ = (asset_id, cancel);
        Box::pin(async move { no_licensing_step(self.name()) })
    }

    /// Licenses a preview in `size` and fetches the full-size file. This is the billing
    /// event: implementations never repeat it blindly.
    fn license<'a>(
        &'a self,
        asset_id: &'a str,
        size: &'a str,
        progress: Progress<'a>,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<LicensedDownload>> {
        let _ = (asset_id, size, progress, cancel);
        Box::pin(async move { no_licensing_step(self.name()) })
    }
}

/// How to reach a provider: where, and with what credentials.
#[derive(Clone)]
pub struct Connection {
    pub base_url: String,
    /// Token endpoint for OAuth client credentials (Getty, Firefly).
    pub auth_url: Option<String>,
    pub credentials: Credentials,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("base_url", &self.base_url)
            .field("auth_url", &self.auth_url)
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// Makes the client for a local or LAN engine the user added (`crate::endpoints`).
/// `password` is the basic-auth password (or, for an OpenAI-compatible server without a
/// user name, its API key) from the key store.
pub fn connect_endpoint(
    endpoint: &crate::endpoints::Endpoint,
    password: Option<crate::secrets::ApiKey>,
) -> Result<Arc<dyn ImageProvider>> {
    use crate::endpoints::EndpointKind;
    let access = local::Access::new(endpoint, password)?;
    match endpoint.kind {
        EndpointKind::A1111 => Ok(Arc::new(local::a1111::A1111Client::new(access))),
        EndpointKind::Comfyui => Ok(Arc::new(local::comfyui::ComfyClient::new(
            access,
            endpoint.workflows.clone(),
        ))),
        EndpointKind::OpenaiCompatible => Ok(Arc::new(local::openai_compat::CompatClient::new(
            access,
            endpoint.capabilities.clone().unwrap_or_default(),
        ))),
    }
}

/// Makes the client for `spec`'s kind of service. The one place that names providers.
pub fn connect(spec: &'static ProviderSpec, conn: Connection) -> Result<Arc<dyn ImageProvider>> {
    match spec.kind.as_str() {
        "openai" => Ok(Arc::new(openai::OpenAiClient::connect(spec, conn)?)),
        "firefly" => Ok(Arc::new(firefly::FireflyClient::connect(spec, conn)?)),
        "getty" => Ok(Arc::new(getty::GettyClient::connect(spec, conn)?)),
        "stability" => Ok(Arc::new(stability::StabilityClient::connect(spec, conn)?)),
        other => Err(Error::InvalidInput(format!(
            "{} ({other}) has no client in this version of Easel.",
            spec.name
        ))),
    }
}

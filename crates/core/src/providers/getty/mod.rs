//! Getty Images generative AI (`/v3/ai/...`): previews from a prompt, variations of a
//! preview, and licensing a preview by downloading it in full size. Signs in with OAuth
//! client credentials plus the `Api-Key` header. Getty has no idempotency key, so a paid
//! request (generate, variations, download) is never re-sent blindly.

mod client;
mod config;
mod edit;
mod failure;
mod generate;
mod license;
mod wire;

use tokio_util::sync::CancellationToken;

pub use client::{GettyClient, preview_asset_id};
pub use config::{DEFAULT_AUTH_URL, GettyConfig, PollPolicy};

use crate::error::Result;
use crate::providers::{
    BoxFuture, DownloadSize, ImageProvider, LicensedDownload, Progress, ProviderAnswer,
};
use crate::request::GenerationRequest;

impl ImageProvider for GettyClient {
    fn generate<'a>(
        &'a self,
        req: &'a GenerationRequest,
        progress: Progress<'a>,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ProviderAnswer>> {
        Box::pin(GettyClient::generate(self, req, progress, cancel))
    }

    /// Getty has no model listing: the catalogue's current models.
    fn list_models<'a>(
        &'a self,
        _cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        let models = self
            .provider
            .models
            .iter()
            .filter(|m| m.status == crate::catalog::ModelStatus::Current)
            .map(|m| m.id.clone())
            .collect();
        Box::pin(async move { Ok(models) })
    }

    fn check_credentials<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<bool>> {
        // Signing in checks the key and secret, and costs nothing.
        Box::pin(async move { self.tokens.token(cancel).await.map(|_| true) })
    }

    fn name(&self) -> &str {
        &self.provider.name
    }

    fn edit<'a>(
        &'a self,
        req: &'a crate::edit::EditRequest,
        progress: Progress<'a>,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ProviderAnswer>> {
        Box::pin(GettyClient::edit(self, req, progress, cancel))
    }

    fn download_sizes<'a>(
        &'a self,
        asset_id: &'a str,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<Vec<DownloadSize>>> {
        Box::pin(GettyClient::download_sizes(self, asset_id, cancel))
    }

    fn license<'a>(
        &'a self,
        asset_id: &'a str,
        size: &'a str,
        progress: Progress<'a>,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<LicensedDownload>> {
        Box::pin(GettyClient::license(self, asset_id, size, progress, cancel))
    }
}

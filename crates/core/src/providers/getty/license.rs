//! Licensing a preview: list its download sizes, `PUT` the download (the billing event,
//! sent once), poll until the file is ready, fetch it. A PUT whose outcome is unknown is
//! followed by one look at the download's status instead of a second PUT.

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::client::{GettyClient, parse_asset_id};
use super::failure::Operation;
use super::generate::parse;
use super::wire::{Download, DownloadRequest, DownloadSizes};
use crate::error::{Error, Result};
use crate::providers::http::{self, check_image, download_image};
use crate::providers::{DownloadSize, LicensedDownload, ProviderProgress};

type ProgressFn<'a> = &'a (dyn Fn(ProviderProgress) + Send + Sync);

impl GettyClient {
    /// The sizes a preview can be licensed in.
    pub async fn download_sizes(
        &self,
        asset_id: &str,
        cancel: &CancellationToken,
    ) -> Result<Vec<DownloadSize>> {
        let (id, index) = parse_asset_id(asset_id)?;
        let url = self.url(&format!(
            "/v3/ai/image-generations/{id}/images/{index}/download-sizes"
        ));
        let quiet = |_: ProviderProgress| {};
        let answer = http::with_retries(
            &self.retry,
            cancel,
            &quiet,
            |_| {},
            || self.call(Operation::DownloadSizes, &url, &[], None, &[200], cancel),
        )
        .await?;
        let sizes: DownloadSizes = parse(&answer.body, "the download sizes")?;
        Ok(sizes
            .download_sizes
            .unwrap_or_default()
            .into_iter()
            .filter_map(|s| {
                Some(DownloadSize {
                    name: s.size_name.filter(|n| !n.trim().is_empty())?,
                    width: s.width,
                    height: s.height,
                })
            })
            .collect())
    }

    /// Licenses the preview in `size` and fetches the full-size file.
    pub async fn license(
        &self,
        asset_id: &str,
        size: &str,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<LicensedDownload> {
        let (id, index) = parse_asset_id(asset_id)?;
        if size.trim().is_empty() || size.len() > 40 {
            return Err(Error::InvalidInput(
                "Name a download size (e.g. 1k or 4k).".to_owned(),
            ));
        }
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let url = self.url(&format!(
            "/v3/ai/image-generations/{id}/images/{index}/download"
        ));
        let body = serde_json::to_value(DownloadRequest { size_name: size }).map_err(|e| {
            Error::InvalidInput(format!("The download request cannot be made: {e}"))
        })?;
        tracing::info!(size, "starting a Getty licence download");
        let started = http::with_retries(
            &self.retry,
            cancel,
            progress,
            |attempt| progress(ProviderProgress::Sending { attempt }),
            // 409: "a download is already in progress" for this image: follow that one.
            || {
                self.call(
                    Operation::DownloadStart,
                    &url,
                    &[],
                    Some(&body),
                    &[200, 202, 409],
                    cancel,
                )
            },
        )
        .await;
        match started {
            Ok(_) => {}
            Err(Error::OutcomeUnknown { message }) => {
                self.check_download_started(&url, &message, cancel).await?;
            }
            Err(e) => return Err(e),
        }
        let ready = self
            .poll_until_done(
                Operation::DownloadPoll,
                &url,
                "preparing the licensed download",
                progress,
                cancel,
            )
            .await?;
        let download: Download = parse(&ready.body, "the download answer")?;
        let file_url =
            download
                .url
                .filter(|u| !u.is_empty())
                .ok_or_else(|| Error::BadResponse {
                    message: "the finished download carries no URL.".to_owned(),
                })?;
        let bytes = http::with_retries(
            &self.retry,
            cancel,
            progress,
            |_| progress(ProviderProgress::Downloading { index: 0 }),
            || download_image(&self.http, &file_url, self.limits.max_image_bytes),
        )
        .await?;
        check_image(&bytes, 0)?;
        let licensed_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        Ok(LicensedDownload {
            bytes,
            asset_id: download.generated_asset_id.clone(),
            transaction: json!({
                "provider": self.provider.id,
                "generation_request_id": id,
                "index": index,
                "generated_asset_id": download.generated_asset_id,
                "size_name": size,
                "licensed_at": licensed_at,
            }),
        })
    }

    /// After a PUT whose outcome is unknown: one look at the download's status. If Getty
    /// has it (200 or 202), carry on with it; otherwise the outcome stays unknown.
    async fn check_download_started(
        &self,
        url: &str,
        why: &str,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let quiet = |_: ProviderProgress| {};
        let looked = http::with_retries(
            &self.retry,
            cancel,
            &quiet,
            |_| {},
            || self.call(Operation::DownloadPoll, url, &[], None, &[200, 202], cancel),
        )
        .await;
        match looked {
            Ok(_) => Ok(()),
            Err(Error::Cancelled) => Err(Error::Cancelled),
            Err(e) => Err(Error::OutcomeUnknown {
                message: format!(
                    "{why} Getty does not show the download as started ({}).",
                    e.code()
                ),
            }),
        }
    }
}

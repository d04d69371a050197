//! Licensing a preview through the engine: the provider's licensing step (Getty's full-size
//! download, which may be billed) and storing the file as a new original, linked to its
//! preview, with the transaction recorded. Names no provider: the client decides whether
//! it has a licensing step at all.

use std::sync::{Arc, PoisonError};

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::library::{ImageDetail, ImageFacts, NewImage};
use crate::license::{self, LicenseSnapshot};
use crate::providers::{DownloadSize, LicenseStatus, ProviderProgress};

impl Engine {
    /// The sizes the preview `image_id` can be licensed in.
    pub async fn download_sizes(
        &self,
        image_id: &str,
        cancel: &CancellationToken,
    ) -> Result<Vec<DownloadSize>> {
        let (detail, asset_id) = self.preview(image_id)?;
        let client = self.client(&detail.summary.provider)?;
        client.download_sizes(&asset_id, cancel).await
    }

    /// Licenses the preview `image_id` in `size_name` and stores the full-size file as a new
    /// image of the same generation. Refused locally (nothing sent) when the image is not a
    /// preview, when it is already licensed in that size, or while it is being licensed.
    pub async fn license_image(
        &self,
        image_id: &str,
        size_name: &str,
        progress: &(dyn Fn(ProviderProgress) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<ImageDetail> {
        let (preview, asset_id) = self.preview(image_id)?;
        let library = Arc::clone(self.library());
        if let Some(copy) = library
            .licensed_copies(image_id)?
            .into_iter()
            .find(|c| licensed_size(c) == Some(size_name))
        {
            return Err(Error::InvalidInput(format!(
                "Image {image_id} is already licensed in size {size_name}: image {}. Nothing was sent, so nothing was charged again.",
                copy.summary.id
            )));
        }
        let _guard = self.begin_licensing(image_id)?;
        let client = self.client(&preview.summary.provider)?;
        let download = client
            .license(&asset_id, size_name, progress, cancel)
            .await?;
        let mut transaction = download.transaction;
        if let Value::Object(map) = &mut transaction {
            map.insert("preview_image_id".into(), Value::from(image_id));
        }
        let generation_id = preview.summary.generation_id.clone();
        let provider = preview.summary.provider.clone();
        let model = preview.summary.model.clone();
        let paid_asset = download.asset_id.clone();
        let image_id = image_id.to_owned();
        let stored = tokio::task::spawn_blocking(move || {
            let index = library.next_index(&generation_id)?;
            library.store_image(NewImage {
                generation_id: &generation_id,
                index,
                bytes: &download.bytes,
                revised_prompt: preview.revised_prompt.clone(),
                seed: preview.seed,
                license: LicenseSnapshot {
                    status: LicenseStatus::Licensed,
                    transaction: Some(transaction),
                    ..license::snapshot_for(&provider, &model)
                },
                facts: ImageFacts {
                    filtered: preview.summary.filtered,
                    asset_id: download.asset_id,
                    licensed_from: Some(image_id),
                },
            })
        })
        .await
        .map_err(|e| Error::BadResponse {
            message: format!("storing the licensed image stopped: {e}"),
        })?;
        if let Err(e) = &stored {
            // Paid for but not kept: the asset id is what re-downloading it needs.
            tracing::error!(asset = ?paid_asset, error = %e, "a licensed image could not be stored");
        }
        stored
    }

    /// The stored preview and its provider asset id, or why it cannot be licensed.
    fn preview(&self, image_id: &str) -> Result<(ImageDetail, String)> {
        let detail = self.library().image(image_id)?;
        match detail.summary.license_status {
            LicenseStatus::Preview => {}
            LicenseStatus::Licensed => {
                return Err(Error::InvalidInput(format!(
                    "Image {image_id} is itself a licensed image; license its preview for another size."
                )));
            }
            LicenseStatus::Included => {
                let name = crate::catalog::provider(&detail.summary.provider)
                    .map_or(detail.summary.provider.as_str(), |p| p.name.as_str());
                return Err(Error::InvalidInput(format!(
                    "{name} has no licensing step; its images come licensed."
                )));
            }
        }
        let asset_id = detail.asset_id.clone().ok_or_else(|| {
            Error::InvalidInput(format!(
                "Preview {image_id} has no provider asset id, so it cannot be licensed."
            ))
        })?;
        Ok((detail, asset_id))
    }

    /// Marks `image_id` as being licensed until the guard drops, so that two requests can
    /// never both pay for it.
    fn begin_licensing(&self, image_id: &str) -> Result<LicensingGuard<'_>> {
        let mut busy = self
            .licensing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !busy.insert(image_id.to_owned()) {
            return Err(Error::InvalidInput(format!(
                "Image {image_id} is already being licensed; wait for that to finish."
            )));
        }
        Ok(LicensingGuard {
            engine: self,
            image_id: image_id.to_owned(),
        })
    }
}

struct LicensingGuard<'a> {
    engine: &'a Engine,
    image_id: String,
}

impl Drop for LicensingGuard<'_> {
    fn drop(&mut self) {
        self.engine
            .licensing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.image_id);
    }
}

/// The size a licensed image was bought in, from its transaction record.
fn licensed_size(image: &ImageDetail) -> Option<&str> {
    image
        .license
        .transaction
        .as_ref()?
        .get("size_name")?
        .as_str()
}

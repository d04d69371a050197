//! Changing Getty's own generations: variations of a preview, and refine (a masked change
//! guided by a prompt). Both refer to the generation by its id and index; refine's mask is
//! first uploaded as a JPEG to Getty's upload area, as the contract's description says, and
//! named by its URL. Both are paid and never re-sent blindly.

use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::client::{GettyClient, parse_asset_id};
use super::failure::Operation;
use crate::catalog;
use crate::edit::{EditOperation, EditRequest, Strength};
use crate::error::{Error, Result};
use crate::library::{probe, sha256_hex};
use crate::providers::http;
use crate::providers::{Progress, ProviderAnswer, ProviderProgress};

/// The catalogue names of the account parameters both requests take as they are.
const ACCOUNT_FIELDS: [&str; 3] = ["product_id", "project_code", "notes"];

impl GettyClient {
    /// Variations or refine of a stored preview. Checked against the catalogue first.
    pub async fn edit(
        &self,
        req: &EditRequest,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProviderAnswer> {
        if req.provider != self.provider.id {
            return Err(Error::InvalidInput(format!(
                "This request is for provider \"{}\", not Getty Images.",
                req.provider
            )));
        }
        catalog::model(&self.provider.id, &req.model)?.validate_edit(req)?;
        let asset_id = req.source.asset_id.as_deref().ok_or_else(|| {
            Error::InvalidInput(
                "Getty changes only its own generations; this image has no Getty id.".to_owned(),
            )
        })?;
        let mut body = Map::new();
        for name in ACCOUNT_FIELDS {
            if let Some(v) = req.params.extra.get(name) {
                body.insert(name.into(), v.clone());
            }
        }
        match &req.operation {
            EditOperation::Variation => {
                self.variations_with(asset_id, Value::Object(body), progress, cancel)
                    .await
            }
            EditOperation::Refine => self.refine(req, asset_id, body, progress, cancel).await,
            other => Err(Error::InvalidInput(format!(
                "Getty Images cannot {} images.",
                other.name().replace('_', " ")
            ))),
        }
    }

    async fn refine(
        &self,
        req: &EditRequest,
        asset_id: &str,
        mut body: Map<String, Value>,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProviderAnswer> {
        let (id, index) = parse_asset_id(asset_id)?;
        let mask = req.mask.as_deref().ok_or_else(|| {
            Error::InvalidInput("Refine needs a mask: paint the area to change.".to_owned())
        })?;
        let strength = Strength::from_easel_mask(mask)?;
        let p = probe(&req.source.bytes)?;
        strength.check_size(p.width, p.height)?;
        let jpeg = strength.to_getty_jpeg()?;
        // Uploads to one name overwrite each other: the mask's own hash makes it unique.
        let name = format!("easel-mask-{}.jpg", &sha256_hex(&jpeg)[..32]);
        let mask_url = self.url(&format!("/v3/search/by-image/uploads/{name}"));
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let quiet = |_: ProviderProgress| {};
        http::with_retries(
            &self.retry,
            cancel,
            &quiet,
            |_| {},
            || self.upload(&mask_url, &jpeg, "image/jpeg", cancel),
        )
        .await?;
        body.insert(
            "reference_generation".into(),
            json!({ "generation_request_id": id, "index": index }),
        );
        if !req.prompt.trim().is_empty() {
            body.insert("prompt".into(), Value::from(req.prompt.clone()));
        }
        if let Some(v) = &req.params.negative_prompt {
            body.insert("negative_prompt".into(), Value::from(v.clone()));
        }
        body.insert("mask_url".into(), Value::from(mask_url));
        let body = Value::Object(body);
        let url = self.url("/v3/ai/image-generations/refine");
        tracing::info!("sending a Getty refine request");
        let answer = http::with_retries(
            &self.retry,
            cancel,
            progress,
            |attempt| progress(ProviderProgress::Sending { attempt }),
            || {
                self.call(
                    Operation::Refine,
                    &url,
                    &[],
                    Some(&body),
                    &[200, 202],
                    cancel,
                )
            },
        )
        .await?;
        let done = self.finish(answer, progress, cancel).await?;
        let mut sent = body;
        sent["refine_of"] = Value::from(asset_id);
        self.previews(done, sent, progress, cancel).await
    }
}

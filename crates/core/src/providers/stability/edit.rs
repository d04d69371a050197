//! The edit endpoints of `stability-v2beta.json` (`/v2beta/stable-image/edit/...`): inpaint,
//! outpaint, erase, search-and-replace and remove-background. Multipart with the image, the
//! mask in Stability's form (white = change) and text fields; answered like generate.

use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::client::StabilityClient;
use crate::catalog;
use crate::edit::{EditOperation, EditRequest, Strength};
use crate::error::{Error, Result};
use crate::library::{ImageFormat, probe, sha256_hex};
use crate::providers::http::multipart::{self, Part};
use crate::providers::http::{self};
use crate::providers::{Progress, ProviderAnswer, ProviderProgress, ReceivedImage};

impl StabilityClient {
    /// Runs one edit service on the image. Checked against the catalogue first.
    pub async fn edit(
        &self,
        req: &EditRequest,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProviderAnswer> {
        if req.provider != self.provider().id {
            return Err(Error::InvalidInput(format!(
                "This request is for provider \"{}\", not Stability AI.",
                req.provider
            )));
        }
        let model = catalog::model(&self.provider().id, &req.model)?;
        let spec = model.validate_edit(req)?;
        let endpoint = spec.endpoint.as_deref().ok_or_else(|| {
            Error::InvalidInput(format!(
                "The catalogue names no endpoint for {} {}.",
                model.id, spec.operation
            ))
        })?;
        let parts = parts(req)?;
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let form = multipart::encode_parts(&parts);
        let url = format!("{}{endpoint}", self.base_url());
        tracing::info!(
            operation = req.operation.name(),
            "sending a Stability edit request"
        );
        let answer = http::with_retries(
            self.retry(),
            cancel,
            progress,
            |attempt| progress(ProviderProgress::Sending { attempt }),
            || self.call(&url, &form, progress),
        )
        .await?;
        Ok(ProviderAnswer {
            request_id: answer.request_id,
            usage: spec.credits_per_image.map(|c| json!({ "credits": c })),
            images: vec![ReceivedImage {
                bytes: answer.bytes,
                seed: answer.seed,
                filtered: answer.filtered,
                ..ReceivedImage::default()
            }],
            params_sent: sent(endpoint, &parts),
            ..ProviderAnswer::default()
        })
    }
}

/// The form: `image`, `mask` when given, the operation's own fields, then the options
/// under the API's names (the catalogue's `style` is the API's `style_preset`).
fn parts(req: &EditRequest) -> Result<Vec<Part>> {
    let p = probe(&req.source.bytes)?;
    let mime = match p.format {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Webp => "image/webp",
    };
    let mut parts = vec![Part::file(
        "image",
        &format!("image.{}", p.format.extension()),
        mime,
        req.source.bytes.clone(),
    )];
    if let Some(mask) = &req.mask {
        let strength = Strength::from_easel_mask(mask)?;
        strength.check_size(p.width, p.height)?;
        parts.push(Part::file(
            "mask",
            "mask.png",
            "image/png",
            strength.to_stability_png()?,
        ));
    }
    if !req.prompt.trim().is_empty() {
        parts.push(Part::text("prompt", req.prompt.clone()));
    }
    match &req.operation {
        EditOperation::SearchAndReplace { search_prompt } => {
            parts.push(Part::text("search_prompt", search_prompt.clone()));
        }
        EditOperation::Outpaint {
            left,
            right,
            up,
            down,
        } => {
            for (name, px) in [("left", left), ("right", right), ("up", up), ("down", down)] {
                if *px > 0 {
                    parts.push(Part::text(name, px.to_string()));
                }
            }
        }
        _ => {}
    }
    for (name, value) in req.params.to_map() {
        let name = if name == "style" {
            "style_preset".to_owned()
        } else {
            name
        };
        let text = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        parts.push(Part::text(&name, text));
    }
    Ok(parts)
}

/// What was sent, for the record: text fields, and each file by size and sha256.
fn sent(endpoint: &str, parts: &[Part]) -> Value {
    let mut form = Map::new();
    let mut files = Vec::new();
    for part in parts {
        match part {
            Part::Text { name, value } => {
                form.insert(name.clone(), Value::from(value.as_str()));
            }
            Part::File {
                name,
                content_type,
                bytes,
                ..
            } => files.push(json!({
                "field": name, "content_type": content_type,
                "bytes": bytes.len(), "sha256": sha256_hex(bytes),
            })),
        }
    }
    json!({ "endpoint": endpoint, "form": form, "files": files })
}

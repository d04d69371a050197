//! `POST /images/edits` and `POST /images/variations`: multipart uploads of the image(s),
//! the mask in OpenAI's form (transparent = edit) and the options as text fields.

use reqwest::header::CONTENT_TYPE;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::client::{GeneratedImages, OpenAiClient};
use crate::catalog;
use crate::edit::{EditOperation, EditRequest, InputImage, Strength};
use crate::error::{Error, Result};
use crate::library::{ImageFormat, probe, sha256_hex};
use crate::providers::ProviderProgress;
use crate::providers::http::multipart::{self, Part};
use crate::providers::http::{self};

impl OpenAiClient {
    /// Edits an image (with optional mask and reference images) or makes variations of it.
    /// Checked against the catalogue first: if OpenAI would refuse it, nothing is sent.
    pub async fn edit(
        &self,
        req: &EditRequest,
        progress: &(dyn Fn(ProviderProgress) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<GeneratedImages> {
        if req.provider != self.provider.id {
            return Err(Error::InvalidInput(format!(
                "This request is for provider \"{}\", not OpenAI.",
                req.provider
            )));
        }
        let model = catalog::model(&self.provider.id, &req.model)?;
        let spec = model.validate_edit(req)?;
        let endpoint = spec.endpoint.as_deref().ok_or_else(|| {
            Error::InvalidInput(format!(
                "The catalogue names no endpoint for {} {}.",
                model.id, spec.operation
            ))
        })?;
        let parts = parts(req, spec.max_mask_bytes)?;
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let form = multipart::encode_parts(&parts);
        let url = format!("{}{endpoint}", self.base_url);
        tracing::info!(model = %req.model, operation = req.operation.name(), "sending an image edit request");
        let (headers, bytes) = http::with_retries(
            &self.retry,
            cancel,
            progress,
            |attempt| progress(ProviderProgress::Sending { attempt }),
            || {
                self.call(
                    self.http
                        .post(&url)
                        .header(CONTENT_TYPE, form.content_type.as_str())
                        .body(form.body.clone()),
                    progress,
                )
            },
        )
        .await?;
        self.collect(&headers, &bytes, sent(endpoint, &parts), progress, cancel)
            .await
    }
}

/// The form's parts, in the contract's terms: `image` (one) or `image[]` (several, as the
/// contract's own example sends them), `mask`, `model`, `prompt` and every option set.
fn parts(req: &EditRequest, max_mask_bytes: Option<u64>) -> Result<Vec<Part>> {
    let mut parts = Vec::new();
    let images: Vec<&InputImage> = std::iter::once(&req.source)
        .chain(&req.references)
        .collect();
    let field = if images.len() == 1 {
        "image"
    } else {
        "image[]"
    };
    for (i, image) in images.iter().enumerate() {
        let format = probe(&image.bytes)?.format;
        parts.push(Part::file(
            field,
            &format!("image-{i}.{}", format.extension()),
            mime(format),
            image.bytes.clone(),
        ));
    }
    if let Some(mask) = &req.mask {
        let strength = Strength::from_easel_mask(mask)?;
        let p = probe(&req.source.bytes)?;
        strength.check_size(p.width, p.height)?;
        let png = strength.to_openai_png()?;
        if let Some(max) = max_mask_bytes
            && png.len() as u64 > max
        {
            return Err(Error::InvalidInput(format!(
                "The mask comes to {} bytes as OpenAI needs it; OpenAI takes masks up to {max} bytes.",
                png.len()
            )));
        }
        parts.push(Part::file("mask", "mask.png", "image/png", png));
    }
    parts.push(Part::text("model", req.model.clone()));
    if !matches!(req.operation, EditOperation::Variation) {
        parts.push(Part::text("prompt", req.prompt.clone()));
    }
    for (name, value) in req.params.to_map() {
        let text = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        parts.push(Part::text(&name, text));
    }
    Ok(parts)
}

fn mime(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Webp => "image/webp",
    }
}

/// What was sent, for the record: the text fields, and each file by name, size and sha256.
pub(super) fn sent(endpoint: &str, parts: &[Part]) -> Value {
    let mut fields = Map::new();
    let mut files = Vec::new();
    for part in parts {
        match part {
            Part::Text { name, value } => {
                fields.insert(name.clone(), Value::from(value.as_str()));
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
    json!({ "endpoint": endpoint, "form": fields, "files": files })
}

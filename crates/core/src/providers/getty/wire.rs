//! Getty's JSON shapes, as `getty-genai-current-core.yaml` describes them (and, for the
//! generation history, `getty-genai.yaml`). Every field the contract marks nullable is an
//! `Option`; unknown fields are ignored so that a newer server does not break the client.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::request::GenerationRequest;

/// `PendingImageGenerationResponse`: the answer to a POST, and to a poll still pending.
#[derive(Debug, Deserialize)]
pub struct Pending {
    pub generation_request_id: Option<String>,
}

/// `ImageGenerationsResponse`: a finished generation.
#[derive(Debug, Deserialize)]
pub struct Generations {
    pub generation_request_id: Option<String>,
    pub seed: Option<i64>,
    pub results: Option<Vec<ImageData>>,
}

/// `ImageDataResponse`: one result. Blocked results carry no usable preview.
#[derive(Debug, Deserialize)]
pub struct ImageData {
    pub index: Option<u32>,
    #[serde(default)]
    pub is_blocked: bool,
    pub preview_urls: Option<Vec<PreviewUrl>>,
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PreviewUrl {
    pub image_url: Option<String>,
    #[serde(default)]
    pub width: u32,
    #[serde(default)]
    pub height: u32,
}

impl ImageData {
    /// The URL of the largest preview: `url` when the server sends one, else the widest of
    /// `preview_urls`.
    pub fn best_url(&self) -> Option<&str> {
        if let Some(u) = self.url.as_deref().filter(|u| !u.is_empty()) {
            return Some(u);
        }
        self.preview_urls
            .iter()
            .flatten()
            .filter(|p| p.image_url.as_deref().is_some_and(|u| !u.is_empty()))
            .max_by_key(|p| u64::from(p.width) * u64::from(p.height))
            .and_then(|p| p.image_url.as_deref())
    }
}

/// `DownloadSizesResponse`.
#[derive(Debug, Deserialize)]
pub struct DownloadSizes {
    pub download_sizes: Option<Vec<DownloadSizeItem>>,
}

#[derive(Debug, Deserialize)]
pub struct DownloadSizeItem {
    pub size_name: Option<String>,
    #[serde(default)]
    pub width: u32,
    #[serde(default)]
    pub height: u32,
}

/// `DownloadResponse`: where the licensed file is, and its generated asset id.
#[derive(Debug, Deserialize)]
pub struct Download {
    pub url: Option<String>,
    pub generated_asset_id: Option<String>,
}

/// `GenerationHistoryResponse` (older contract): used only to find out whether a POST that
/// timed out was accepted after all.
#[derive(Debug, Deserialize)]
pub struct History {
    pub generations: Option<Vec<HistoryItem>>,
}

#[derive(Debug, Deserialize)]
pub struct HistoryItem {
    pub generation_request_id: Option<String>,
    pub generation_date: Option<String>,
    pub prompt: Option<String>,
    pub generation_type: Option<String>,
}

/// `ImageDownloadRequest`.
#[derive(Debug, Serialize)]
pub struct DownloadRequest<'a> {
    pub size_name: &'a str,
}

/// The catalogue names of the parameters sent as they are (the contract's field names).
const PASSED_THROUGH: [&str; 5] = ["media_type", "mood", "product_id", "project_code", "notes"];

/// The `ImageGenerationsRequest` body. Only the fields the newest contract lists are sent
/// (it says `additionalProperties: false`); the catalogue refuses anything else earlier.
pub fn generation_body(req: &GenerationRequest) -> Value {
    let mut body = Map::new();
    body.insert("prompt".into(), Value::from(req.prompt.clone()));
    if let Some(ar) = &req.params.aspect_ratio {
        body.insert("aspect_ratio".into(), Value::from(ar.clone()));
    }
    for name in PASSED_THROUGH {
        if let Some(v) = req.params.extra.get(name) {
            body.insert(name.into(), v.clone());
        }
    }
    Value::Object(body)
}

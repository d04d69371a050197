//! The JSON the API sends and receives, as the contract (`openai-images.yaml`) describes it.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::request::GenerationRequest;

/// The `CreateImageRequest` body: model, prompt and every parameter the user set.
/// Validation against the catalogue has already happened, so all of these apply.
pub(super) fn request_body(req: &GenerationRequest) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), Value::from(req.model.as_str()));
    body.insert("prompt".into(), Value::from(req.prompt.as_str()));
    let p = &req.params;
    let mut put = |key: &str, v: Option<Value>| {
        if let Some(v) = v {
            body.insert(key.into(), v);
        }
    };
    put("n", p.n.map(Value::from));
    put("size", p.size.as_deref().map(Value::from));
    put("quality", p.quality.as_deref().map(Value::from));
    put("style", p.style.as_deref().map(Value::from));
    put("background", p.background.as_deref().map(Value::from));
    put("output_format", p.output_format.as_deref().map(Value::from));
    put("output_compression", p.output_compression.map(Value::from));
    put("moderation", p.moderation.as_deref().map(Value::from));
    put(
        "response_format",
        p.response_format.as_deref().map(Value::from),
    );
    put("user", p.user.as_deref().map(Value::from));
    if let Some(n) = partial_images(req) {
        body.insert("stream".into(), Value::from(true));
        body.insert("partial_images".into(), Value::from(n));
    }
    Value::Object(body)
}

/// The partial images asked for (`stream` is sent with them), if any.
pub(super) fn partial_images(req: &GenerationRequest) -> Option<u64> {
    req.params
        .extra
        .get("partial_images")
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
}

/// One event of a streamed answer (`ImageGenStreamEvent`).
#[derive(Debug, Deserialize)]
pub(super) struct StreamEvent {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub b64_json: Option<String>,
    #[serde(default)]
    pub partial_image_index: Option<u32>,
    #[serde(default)]
    pub usage: Option<Value>,
}

/// `ImagesResponse`. The contract requires `created`, but the images are what matter: an
/// answer without it (from a gateway, say) is still used.
#[derive(Debug, Deserialize)]
pub(super) struct ImagesResponse {
    #[serde(default)]
    pub created: Option<i64>,
    pub data: Option<Vec<WireImage>>,
    #[serde(default)]
    pub usage: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WireImage {
    pub b64_json: Option<String>,
    pub url: Option<String>,
    pub revised_prompt: Option<String>,
}

/// `ErrorResponse`. Read leniently: a proxy may send half of it, and the status code
/// alone still says a lot.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorResponse {
    pub error: ErrorBody,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorBody {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

/// `ListModelsResponse`.
#[derive(Debug, Deserialize)]
pub(super) struct ListModelsResponse {
    pub data: Vec<WireModel>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WireModel {
    pub id: String,
}

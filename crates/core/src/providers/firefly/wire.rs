//! Firefly's JSON, as `adobe-firefly.yaml` describes it: the `GenerateImagesRequestV3` body
//! built from a provider-neutral request, and the answers read back.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::catalog::parse_size;
use crate::error::{Error, Result};
use crate::request::GenerationRequest;

/// Seeds are sent as 32-bit integers (the contract says only "integer"; Adobe's examples
/// stay in this range), so variation seeds wrap within it.
const SEED_MODULUS: u64 = 1 << 31;

/// The `GenerateImagesRequestV3` body. The model version goes in the `x-model-version`
/// header, not here. Parameters were checked against the catalogue already.
pub fn request_body(req: &GenerationRequest) -> Result<Value> {
    let p = &req.params;
    let mut body = Map::new();
    body.insert("prompt".into(), Value::from(req.prompt.as_str()));
    if let Some(neg) = p
        .negative_prompt
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        body.insert("negativePrompt".into(), Value::from(neg));
    }
    let n = p.n.unwrap_or(1).max(1);
    body.insert("numVariations".into(), Value::from(n));
    if let Some(size) = &p.size {
        let (width, height) = parse_size(size)
            .ok_or_else(|| Error::InvalidInput(format!("size \"{size}\" is not WIDTHxHEIGHT.")))?;
        body.insert("size".into(), json!({"width": width, "height": height}));
    }
    if let Some(class) = p
        .get("content_class")
        .and_then(|v| v.as_str().map(str::to_owned))
    {
        body.insert("contentClass".into(), Value::from(class));
    }
    if let Some(style) = &p.style {
        body.insert("style".into(), json!({"presets": [style]}));
    }
    // One seed per variation (the contract: as many seeds as numVariations, all different).
    if let Some(seed) = p.seed {
        let seeds: Vec<u64> = (0..u64::from(n))
            .map(|i| (seed % SEED_MODULUS + i) % SEED_MODULUS)
            .collect();
        body.insert("seeds".into(), json!(seeds));
    }
    if let Some(v) = p.get("visual_intensity").and_then(|v| v.as_i64()) {
        body.insert("visualIntensity".into(), Value::from(v));
    }
    if let Some(locale) = p.get("locale").and_then(|v| v.as_str().map(str::to_owned)) {
        body.insert("promptBiasingLocaleCode".into(), Value::from(locale));
    }
    Ok(Value::Object(body))
}

/// `AsyncAcceptResponseV3`, the 202 answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    pub job_id: String,
    pub status_url: String,
    pub cancel_url: String,
}

/// The status answer: `AsyncTaskResponseV3` or `AsyncApiErrorV3` (both in one shape, since
/// the second only adds optional fields).
#[derive(Debug, Deserialize)]
pub struct JobStatus {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub result: Option<JobResult>,
    #[serde(default)]
    pub error_code: Option<Value>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub validation_errors: Vec<ValidationMessage>,
}

/// `GenerateImagesResponseV3`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobResult {
    pub outputs: Vec<Output>,
    #[serde(default)]
    pub prompt_has_denied_words: Option<bool>,
    #[serde(default)]
    pub prompt_has_blocked_artists: Option<bool>,
    #[serde(default)]
    pub content_class: Option<String>,
}

/// `OutputImageV3`.
#[derive(Debug, Deserialize)]
pub struct Output {
    pub seed: i64,
    pub image: OutputImage,
}

#[derive(Debug, Deserialize)]
pub struct OutputImage {
    #[serde(default)]
    pub url: Option<String>,
}

/// `ApiError` (and `AsyncApiErrorV3` for the status and cancel paths).
#[derive(Debug, Default, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub error_code: Option<Value>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub validation_errors: Vec<ValidationMessage>,
}

/// `ValidationErrorMessage`: where (`loc`) and what (`msg`).
#[derive(Debug, Deserialize)]
pub struct ValidationMessage {
    #[serde(default)]
    pub loc: Vec<Value>,
    #[serde(default)]
    pub msg: String,
}

/// An `error_code` as text: the contract allows a string enum, and gateways send numbers.
pub fn code_text(code: Option<&Value>) -> String {
    match code {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// "body.contentClass: value is not a valid enumeration member; ..." for each entry.
pub fn validation_text(errors: &[ValidationMessage]) -> String {
    errors
        .iter()
        .map(|e| {
            let loc: Vec<String> = e
                .loc
                .iter()
                .map(|l| l.as_str().map_or_else(|| l.to_string(), str::to_owned))
                .collect();
            if loc.is_empty() {
                e.msg.clone()
            } else {
                format!("{}: {}", loc.join("."), e.msg)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::request::GenerationParams;

    #[test]
    fn seeds_are_one_per_variation_and_distinct() {
        let req = GenerationRequest {
            provider: "firefly".into(),
            model: "image3".into(),
            prompt: "a fox".into(),
            params: GenerationParams {
                n: Some(3),
                seed: Some(SEED_MODULUS - 2),
                ..Default::default()
            },
        };
        let body = request_body(&req).unwrap();
        assert_eq!(
            body["seeds"],
            json!([SEED_MODULUS - 2, SEED_MODULUS - 1, 0])
        );
        assert_eq!(body["numVariations"], 3);
    }
}

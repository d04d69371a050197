//! What goes over the wire, as `stability-v2beta.json` describes it: the form fields of a
//! generate request, the JSON form of an answer, and error bodies.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::request::GenerationRequest;

/// The SD 3.5 endpoint serves several models and takes the model's name as a `model` field;
/// Ultra and Core are one model per endpoint and take no such field.
const MULTI_MODEL_ENDPOINT: &str = "/v2beta/stable-image/generate/sd3";

/// The form fields for `req`, in a stable order. The request has been checked against the
/// catalogue, so every parameter set here is one the model takes.
pub(super) fn form_fields(req: &GenerationRequest, endpoint: &str) -> Vec<(String, String)> {
    let mut fields = vec![("prompt".to_owned(), req.prompt.clone())];
    let mut put = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            fields.push((name.to_owned(), v));
        }
    };
    if endpoint == MULTI_MODEL_ENDPOINT {
        put("model", Some(req.model.clone()));
    }
    let p = &req.params;
    put("negative_prompt", p.negative_prompt.clone());
    put("aspect_ratio", p.aspect_ratio.clone());
    put("seed", p.seed.map(|s| s.to_string()));
    // The catalogue calls it `style` (one control across providers); the API, `style_preset`.
    put("style_preset", p.style.clone());
    put("output_format", p.output_format.clone());
    // Endpoint-specific parameters (SD 3.5's `cfg_scale`) carry the API's own field names.
    for (name, value) in &p.extra {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        put(name, Some(text));
    }
    fields
}

/// The fields as JSON, for the generation's record (no secret is ever a field).
pub(super) fn fields_json(endpoint: &str, fields: &[(String, String)]) -> Value {
    let form: Map<String, Value> = fields
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    serde_json::json!({ "endpoint": endpoint, "form": form })
}

/// The `application/json` answer: the image in base64 with its finish reason and seed.
#[derive(Debug, Deserialize)]
pub(super) struct JsonImage {
    pub image: String,
    pub finish_reason: String,
    #[serde(default)]
    pub seed: Option<Value>,
}

/// Error bodies: `{id, name, errors[]}`, or `{id, name, message}` on older paths. Every
/// field is optional so that a proxy's half-answer still maps by its status.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorBody {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub errors: Option<Vec<String>>,
    #[serde(default)]
    pub message: Option<String>,
}

/// A seed as the API sends it: a decimal string in the header, a number in JSON.
pub(super) fn parse_seed(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

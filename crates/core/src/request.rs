//! What a user asks a provider for. Every parameter is optional and kept as the user gave
//! it: the model catalogue decides which ones apply and which values are allowed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GenerationRequest {
    /// Provider id from the model catalogue, e.g. "openai".
    pub provider: String,
    /// Model id as the provider names it, e.g. "gpt-image-1".
    pub model: String,
    pub prompt: String,
    #[serde(default)]
    pub params: GenerationParams,
}

/// Every optional parameter, by the name the model catalogue gives it. The common ones have
/// fields; anything only one provider takes goes in `extra`, under its catalogue name. The
/// JSON is one flat object either way, so generations recorded by older versions read as before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GenerationParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// What the image should not show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
    /// "W:H", for providers that size by aspect ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<String>,
    /// Fixes the provider's randomness, where it takes a seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// "WIDTHxHEIGHT" or "auto".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    /// png, jpeg or webp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_compression: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderation: Option<String>,
    /// url or b64_json (DALL·E models only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Provider-specific parameters, by catalogue name (e.g. Firefly's `content_class`).
    #[serde(flatten, default)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl GenerationParams {
    /// The parameters that are set, by name, as one JSON object.
    pub fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            // A struct of options and a string map always serializes to an object.
            _ => serde_json::Map::new(),
        }
    }

    /// The same parameters with every one that has a field in its field (`--param seed=1`
    /// arrives in `extra`); values that do not fit the field stay in `extra` for the
    /// catalogue to refuse with a clear message.
    pub fn normalized(self) -> GenerationParams {
        serde_json::from_value(serde_json::Value::Object(self.to_map())).unwrap_or(self)
    }

    /// A parameter by catalogue name, whether it has a field or lives in `extra`.
    pub fn get(&self, name: &str) -> Option<serde_json::Value> {
        self.to_map().remove(name)
    }
}

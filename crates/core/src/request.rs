//! What a user asks a provider for. Every parameter is optional and kept as the user gave
//! it: the model catalogue decides which ones apply and which values are allowed.

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

/// The OpenAI Images API's optional parameters. Other providers map what they can.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GenerationParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
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
}

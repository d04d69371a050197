//! The model catalogue: which providers and models exist and what each model accepts.
//! It is data (`data/providers/*.json`, one file per provider) so a new model is a JSON edit, not a code change; the
//! UI renders its controls from these types and `ModelSpec::validate` refuses locally
//! whatever the provider would refuse, so nothing doomed is ever sent (or billed).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::request::GenerationParams;

mod edits;
mod params;
mod size;
mod validate;

pub use edits::{EditSpec, Usage, edit_model};
pub use params::{ParamKind, ParamSpec};
pub use size::parse_size;
use validate::or_list;

/// One file per provider, in the order the UI lists them. A new provider is a new file here.
const PROVIDER_FILES: &[(&str, &str)] = &[
    (
        "openai.json",
        include_str!("../../data/providers/openai.json"),
    ),
    (
        "stability.json",
        include_str!("../../data/providers/stability.json"),
    ),
    (
        "getty.json",
        include_str!("../../data/providers/getty.json"),
    ),
    (
        "firefly.json",
        include_str!("../../data/providers/firefly.json"),
    ),
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Catalog {
    pub providers: Vec<ProviderSpec>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProviderSpec {
    pub id: String,
    pub name: String,
    /// Which client speaks to it (`providers::connect`): "openai", "stability", ...
    pub kind: String,
    /// What it needs to sign in: one field (an API key) or several (key and secret, client
    /// id and secret). The first field's keychain entry is named after the provider alone.
    pub credentials: Vec<CredentialField>,
    pub default_base_url: String,
    /// Environment variable that overrides the base URL (tests, proxies).
    pub base_url_env: Option<String>,
    /// OAuth client-credentials token endpoint, for providers that sign in that way.
    #[serde(default)]
    pub auth: Option<AuthEndpoint>,
    /// How hard the queue may use it, so that jobs wait here instead of collecting 429s.
    pub limits: ProviderLimits,
    pub default_model: String,
    /// Model ids starting with one of these are image models even if the catalogue does
    /// not know them yet (the provider ships new ones every few months).
    pub model_prefixes: Vec<String>,
    pub models: Vec<ModelSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CredentialField {
    /// "api_key", "api_secret", "client_id", "client_secret".
    pub id: String,
    pub label: String,
    /// The environment variable that overrides the stored value.
    pub env_var: String,
    /// False for fields that are not secret in themselves (a client id): still kept in the
    /// key store, but Settings may show them.
    pub secret: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuthEndpoint {
    pub default_url: String,
    pub env_var: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProviderLimits {
    /// Jobs that may talk to the provider at once.
    pub concurrent_jobs: u32,
    /// At most this many jobs may start in any window (the provider's published rate).
    pub requests: Option<RequestWindow>,
    /// After a rate-limit answer the provider locks the caller out this long (Stability: 60 s).
    pub lockout_after_rate_limit_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RequestWindow {
    pub count: u32,
    pub window_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ModelStatus {
    Current,
    /// Still served, but superseded; the UI may tuck it away.
    Legacy,
    /// No longer served; kept so old images still show what made them.
    Retired,
}

/// How the provider hands images back when the request does not say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum AnswerKind {
    Url,
    #[default]
    B64Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CountRange {
    pub min: u32,
    pub max: u32,
}

impl Default for CountRange {
    fn default() -> Self {
        CountRange { min: 1, max: 1 }
    }
}

/// Free-form `WIDTHxHEIGHT` sizes some models accept besides their fixed list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CustomSizeRule {
    pub multiple_of: u32,
    /// Long side divided by short side, at most.
    pub max_aspect_ratio: f64,
    pub max_edge: u32,
    pub max_pixels: u64,
    pub min_pixels: u64,
    /// Above this many pixels the provider calls results experimental (UI hint only).
    pub experimental_above_pixels: Option<u64>,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ModelSpec {
    pub id: String,
    pub label: String,
    /// e.g. "gpt-image", "dall-e"; licence terms are keyed by family.
    pub family: String,
    pub status: ModelStatus,
    /// For dated snapshots: the model id it pins.
    pub snapshot_of: Option<String>,
    pub notes: String,
    pub prompt_max_chars: u32,
    /// What the model accepts, parameter by parameter. When empty, the OpenAI-shaped fields
    /// below describe it (see `ModelSpec::parameters`).
    #[serde(default)]
    pub parameters: Vec<ParamSpec>,
    /// Provider credits one image costs, shown before generating.
    #[serde(default)]
    pub credits_per_image: Option<f64>,
    /// The provider's path or name for this model's endpoint, where it is not the model id.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Allowed fixed sizes, including "auto" where the model sizes itself.
    #[serde(default)]
    pub sizes: Vec<String>,
    #[serde(default)]
    pub default_size: String,
    #[serde(default)]
    pub custom_size: Option<CustomSizeRule>,
    #[serde(default)]
    pub n: CountRange,
    #[serde(default)]
    pub qualities: Vec<String>,
    #[serde(default)]
    pub default_quality: String,
    #[serde(default)]
    pub styles: Vec<String>,
    #[serde(default)]
    pub backgrounds: Vec<String>,
    /// Output formats that can carry a transparent background.
    #[serde(default)]
    pub transparent_background_formats: Vec<String>,
    #[serde(default)]
    pub output_formats: Vec<String>,
    #[serde(default)]
    pub default_output_format: Option<String>,
    /// Output formats for which `output_compression` (0-100) applies.
    #[serde(default)]
    pub compression_formats: Vec<String>,
    #[serde(default)]
    pub moderations: Vec<String>,
    /// Values of `response_format` the model takes; empty where it always answers base64.
    #[serde(default)]
    pub response_formats: Vec<String>,
    /// How images come back when `response_format` is not set.
    #[serde(default)]
    pub default_answer: AnswerKind,
    /// Partial images the model can stream while it renders (`stream` with
    /// `partial_images` up to this); 0 where it cannot stream.
    #[serde(default)]
    pub max_partial_images: u32,
    /// False for models that only change images (Stability's edit services): they are not
    /// offered for generating.
    #[serde(default = "yes")]
    pub generates: bool,
    /// What it can do to an existing image: each operation with its limits.
    #[serde(default)]
    pub edits: Vec<EditSpec>,
}

fn yes() -> bool {
    true
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // The file is compiled in and checked by the tests below, so a parse failure is a
        // build defect, not something input can cause.
        #[allow(clippy::expect_used)]
        Catalog {
            providers: PROVIDER_FILES
                .iter()
                .map(|(name, json)| {
                    serde_json::from_str(json)
                        .unwrap_or_else(|e| panic!("data/providers/{name} is not valid: {e}"))
                })
                .collect(),
        }
    })
}

pub fn providers() -> &'static [ProviderSpec] {
    &catalog().providers
}

pub fn provider(id: &str) -> Result<&'static ProviderSpec> {
    providers().iter().find(|p| p.id == id).ok_or_else(|| {
        let known: Vec<&str> = providers().iter().map(|p| p.id.as_str()).collect();
        Error::InvalidInput(format!(
            "Unknown provider \"{id}\". Known providers: {}.",
            known.join(", ")
        ))
    })
}

pub fn model(provider_id: &str, model_id: &str) -> Result<&'static ModelSpec> {
    let p = provider(provider_id)?;
    p.models.iter().find(|m| m.id == model_id).ok_or_else(|| {
        let known: Vec<&str> = p.models.iter().map(|m| m.id.as_str()).collect();
        Error::InvalidInput(format!(
            "Unknown {} model \"{model_id}\". Known models: {}.",
            p.name,
            known.join(", ")
        ))
    })
}

impl ProviderSpec {
    /// The environment variable of the first credential field (the API key, for most).
    pub fn api_key_env(&self) -> &str {
        self.credentials.first().map_or("", |f| f.env_var.as_str())
    }

    pub fn credential(&self, field: &str) -> Option<&CredentialField> {
        self.credentials.iter().find(|f| f.id == field)
    }

    /// True for ids that name an image model of this provider, known or not yet catalogued.
    pub fn is_image_model(&self, id: &str) -> bool {
        self.models.iter().any(|m| m.id == id)
            || self
                .model_prefixes
                .iter()
                .any(|p| id.starts_with(p.as_str()))
    }
}

impl ModelSpec {
    pub fn is_gpt_image(&self) -> bool {
        self.family == "gpt-image"
    }

    /// How the provider will hand back images for these parameters: a URL to download at
    /// once, or base64 in the answer.
    pub fn answer_for(&self, params: &GenerationParams) -> AnswerKind {
        match params.response_format.as_deref() {
            Some("url") => AnswerKind::Url,
            Some("b64_json") => AnswerKind::B64Json,
            _ => self.default_answer,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_parses_and_is_consistent() {
        let openai = provider("openai").unwrap();
        assert!(
            providers()
                .iter()
                .any(|p| p.id == "getty" && p.kind == "getty")
        );
        assert!(providers().iter().any(|p| p.id == "firefly"));
        assert_eq!(openai.api_key_env(), "OPENAI_API_KEY");
        let ids: Vec<&str> = openai.models.iter().map(|m| m.id.as_str()).collect();
        for id in [
            "gpt-image-2",
            "gpt-image-2-2026-04-21",
            "gpt-image-1.5",
            "gpt-image-1",
            "gpt-image-1-mini",
            "dall-e-3",
            "dall-e-2",
        ] {
            assert!(ids.contains(&id), "{id} missing");
        }
        assert!(ids.contains(&openai.default_model.as_str()));
        for m in &openai.models {
            assert!(m.sizes.contains(&m.default_size), "{}", m.id);
            assert!(m.qualities.contains(&m.default_quality), "{}", m.id);
            assert!(m.n.min >= 1 && m.n.min <= m.n.max, "{}", m.id);
            if let Some(f) = &m.default_output_format {
                assert!(m.output_formats.contains(f), "{}", m.id);
            }
            if let Some(rule) = &m.custom_size {
                // The fixed sizes are also inside the free-form rule.
                for s in m.sizes.iter().filter(|s| *s != "auto") {
                    let (w, h) = parse_size(s).unwrap();
                    assert_eq!(rule.violation(w, h), None, "{}: {s}", m.id);
                }
            }
            for f in m
                .compression_formats
                .iter()
                .chain(&m.transparent_background_formats)
            {
                assert!(m.output_formats.contains(f), "{}: {f}", m.id);
            }
        }
    }

    /// Firefly's models list their parameters; every default is one the parameter allows.
    #[test]
    fn firefly_entry_is_consistent() {
        let ff = provider("firefly").unwrap();
        assert_eq!(ff.kind, "firefly");
        assert_eq!(ff.limits.concurrent_jobs, 2);
        assert_eq!(
            ff.limits.requests,
            Some(RequestWindow {
                count: 4,
                window_ms: 60_000
            })
        );
        assert!(ff.auth.is_some());
        assert!(ff.models.iter().any(|m| m.id == ff.default_model));
        for m in &ff.models {
            assert_eq!(m.prompt_max_chars, 1024, "{}", m.id);
            for p in &m.parameters {
                if let Some(d) = &p.default {
                    p.check(&m.id, d).unwrap();
                }
            }
            let sizes = m.parameters.iter().find(|p| p.name == "size").unwrap();
            for s in &sizes.values {
                assert!(parse_size(s).is_some(), "{}: {s}", m.id);
            }
        }
    }

    #[test]
    fn stability_models_are_described_by_their_parameters() {
        let p = provider("stability").unwrap();
        assert_eq!(p.api_key_env(), "STABILITY_API_KEY");
        assert_eq!(p.limits.lockout_after_rate_limit_ms, Some(60_000));
        assert_eq!(
            p.limits.requests,
            Some(RequestWindow {
                count: 150,
                window_ms: 10_000
            })
        );
        assert!(p.models.iter().any(|m| m.id == p.default_model));
        for m in p.models.iter().filter(|m| m.generates) {
            assert!(m.credits_per_image.is_some_and(|c| c > 0.0), "{}", m.id);
            assert!(
                m.endpoint
                    .as_deref()
                    .is_some_and(|e| e.starts_with("/v2beta/")),
                "{}",
                m.id
            );
            let names: Vec<&str> = m.parameters.iter().map(|p| p.name.as_str()).collect();
            for name in [
                "negative_prompt",
                "aspect_ratio",
                "seed",
                "style",
                "output_format",
            ] {
                assert!(names.contains(&name), "{}: {name}", m.id);
            }
            for spec in &m.parameters {
                if let Some(d) = &spec.default {
                    spec.check(&m.id, d).unwrap();
                }
            }
        }
    }

    #[test]
    fn unknown_provider_and_model_list_known_ones() {
        let Err(Error::InvalidInput(m)) = model("openai", "gpt-9") else {
            panic!()
        };
        assert!(m.contains("gpt-image-1.5") && m.contains("dall-e-2"), "{m}");
        let Err(Error::InvalidInput(m)) = model("midjourney", "x") else {
            panic!()
        };
        assert!(m.contains("openai"), "{m}");
    }

    #[test]
    fn catalogue_serializes_for_the_ui() {
        let v = serde_json::to_value(providers()).unwrap();
        assert_eq!(v[0]["models"][0]["default_answer"], "b64_json");
        let d3 = model("openai", "dall-e-3").unwrap();
        assert_eq!(d3.answer_for(&GenerationParams::default()), AnswerKind::Url);
        let b64 = GenerationParams {
            response_format: Some("b64_json".into()),
            ..Default::default()
        };
        assert_eq!(d3.answer_for(&b64), AnswerKind::B64Json);
        assert!(providers()[0].is_image_model("gpt-image-3"));
        assert!(!providers()[0].is_image_model("gpt-4o"));
    }
}

//! The catalogue as the Generate screen uses it: per model, exactly the controls to render.

use easel_core::catalog::{CustomSizeRule, ModelSpec, ModelStatus, ProviderSpec};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ProviderInfo {
    pub id: String,
    pub name: String,
    /// Environment variable a key may come from instead of Settings.
    pub key_env_var: String,
    pub default_base_url: String,
    pub default_model: String,
    pub models: Vec<ModelInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ModelInfo {
    pub id: String,
    pub label: String,
    pub family: String,
    pub prompt_max_chars: u32,
    /// May include "auto".
    pub sizes: Vec<String>,
    pub custom_size: Option<CustomSizeInfo>,
    pub n_max: u32,
    pub qualities: Vec<String>,
    pub styles: Vec<String>,
    pub backgrounds: Vec<String>,
    pub output_formats: Vec<String>,
    pub supports_compression: bool,
    pub moderation: Vec<String>,
    /// Superseded or retired: the UI may tuck it away.
    pub legacy: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct CustomSizeInfo {
    pub multiple_of: u32,
    pub min_edge: u32,
    pub max_edge: u32,
    pub max_pixels: u64,
    pub min_pixels: u64,
    /// Long side over short side; 3 means 3:1.
    pub max_aspect: f64,
}

impl From<&ProviderSpec> for ProviderInfo {
    fn from(p: &ProviderSpec) -> Self {
        ProviderInfo {
            id: p.id.clone(),
            name: p.name.clone(),
            key_env_var: p.api_key_env().to_owned(),
            default_base_url: p.default_base_url.clone(),
            default_model: p.default_model.clone(),
            models: p.models.iter().map(ModelInfo::from).collect(),
        }
    }
}

impl From<&ModelSpec> for ModelInfo {
    fn from(m: &ModelSpec) -> Self {
        ModelInfo {
            id: m.id.clone(),
            label: m.label.clone(),
            family: m.family.clone(),
            prompt_max_chars: m.prompt_max_chars,
            sizes: m.sizes.clone(),
            custom_size: m.custom_size.as_ref().map(CustomSizeInfo::from),
            n_max: m.n.max,
            qualities: m.qualities.clone(),
            styles: m.styles.clone(),
            backgrounds: m.backgrounds.clone(),
            output_formats: m.output_formats.clone(),
            supports_compression: !m.compression_formats.is_empty(),
            moderation: m.moderations.clone(),
            legacy: m.status != ModelStatus::Current,
        }
    }
}

impl From<&CustomSizeRule> for CustomSizeInfo {
    fn from(r: &CustomSizeRule) -> Self {
        CustomSizeInfo {
            multiple_of: r.multiple_of,
            // The rule bounds sides only by the multiple; area and aspect do the rest.
            min_edge: r.multiple_of,
            max_edge: r.max_edge,
            max_pixels: r.max_pixels,
            min_pixels: r.min_pixels,
            max_aspect: r.max_aspect_ratio,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_catalogued_model_maps_to_its_controls() {
        for p in easel_core::catalog::providers() {
            let info = ProviderInfo::from(p);
            assert_eq!(info.key_env_var, p.api_key_env());
            assert!(info.models.iter().any(|m| m.id == info.default_model));
            for (m, spec) in info.models.iter().zip(&p.models) {
                assert_eq!(m.n_max, spec.n.max);
                assert_eq!(m.supports_compression, !spec.compression_formats.is_empty());
                assert_eq!(m.moderation, spec.moderations);
                if let Some(rule) = &spec.custom_size {
                    let c = m.custom_size.as_ref().unwrap();
                    assert_eq!(
                        (c.max_edge, c.max_aspect),
                        (rule.max_edge, rule.max_aspect_ratio)
                    );
                }
            }
        }
    }
}

//! The catalogue as the Generate and Settings screens use it: per provider, whether it is set
//! up and how; per model, exactly the controls to render and the licence terms it comes with.

use easel_core::catalog::{
    CustomSizeRule, EditSpec, ModelSpec, ModelStatus, ParamSpec, ProviderLimits, ProviderSpec,
};
use easel_core::engine::Engine;
use easel_core::engine_endpoints::EndpointView;
use easel_core::license::{self, CommercialUse};
use easel_core::secrets::KeySource;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ProviderInfo {
    pub id: String,
    pub name: String,
    /// Environment variable the first credential (the API key, for most) may come from.
    pub key_env_var: String,
    pub default_base_url: String,
    pub default_model: String,
    /// Every credential field is set (from Settings or the environment).
    pub configured: bool,
    pub credentials: Vec<CredentialFieldView>,
    /// How hard the queue uses the provider; the job card explains holds with it.
    pub limits: ProviderLimits,
    pub models: Vec<ModelInfo>,
    /// Every model that can change an existing image (edit-only ones included), for the
    /// image view's Edit and Outpaint.
    pub edit_models: Vec<ModelInfo>,
}

/// One credential field and whether it is set, and from where. Never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CredentialFieldView {
    pub id: String,
    pub label: String,
    pub env_var: String,
    /// False for fields that are not secret in themselves (a client id).
    pub secret: bool,
    pub present: bool,
    pub source: Option<KeySource>,
}

/// A provider's credentials as `credential_status` reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CredentialsView {
    pub provider: String,
    pub configured: bool,
    pub fields: Vec<CredentialFieldView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ModelInfo {
    pub id: String,
    pub label: String,
    pub family: String,
    pub notes: String,
    pub prompt_max_chars: u32,
    /// What the model takes, one entry per parameter; the UI renders its controls from it.
    pub parameters: Vec<ParamSpec>,
    /// Provider credits one image costs, shown before generating.
    pub credits_per_image: Option<f64>,
    /// Free-form WxH sizes besides the `size` parameter's fixed values (OpenAI).
    pub custom_size: Option<CustomSizeInfo>,
    /// Output formats that can carry a transparent background; empty when any can.
    pub transparent_background_formats: Vec<String>,
    /// Output formats `output_compression` applies to.
    pub compression_formats: Vec<String>,
    /// Superseded or retired: the UI may tuck it away.
    pub legacy: bool,
    pub license: LicenseSummary,
    /// What the model can do to an existing image (empty when nothing).
    pub edits: Vec<EditSpec>,
}

/// What the licence terms of a model's images say about commercial use, for the picker and
/// "commercially safe" mode. The full terms travel with each image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct LicenseSummary {
    pub terms_id: String,
    pub covers: String,
    pub commercial_use: CommercialUse,
    pub indemnified: bool,
    /// Commercial use allowed, with an indemnity.
    pub commercially_safe: bool,
    /// Why not, when not, e.g. "its terms offer no indemnity for the images".
    pub not_safe_because: Option<String>,
    pub terms_url: String,
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

impl ProviderInfo {
    /// The provider with its credential status as the engine sees it now.
    pub fn of(engine: &Engine, p: &ProviderSpec) -> easel_core::Result<ProviderInfo> {
        let creds = CredentialsView::of(engine, p)?;
        Ok(ProviderInfo {
            id: p.id.clone(),
            name: p.name.clone(),
            key_env_var: p.api_key_env().to_owned(),
            default_base_url: p.default_base_url.clone(),
            default_model: p.default_model.clone(),
            configured: creds.configured,
            credentials: creds.fields,
            limits: p.limits,
            // Models that only change images (Stability's edit services) are not offered for
            // generating.
            models: p
                .models
                .iter()
                .filter(|m| m.generates)
                .map(|m| ModelInfo::of(&p.id, m))
                .collect(),
            edit_models: p
                .models
                .iter()
                .filter(|m| !m.edits.is_empty())
                .map(|m| ModelInfo::of(&p.id, m))
                .collect(),
        })
    }
}

impl ProviderInfo {
    /// A local engine as the Generate view offers it: its checkpoints as models, with the
    /// terms each would carry; one that lists none (down, empty) is not set up.
    pub fn of_endpoint(
        engine: &Engine,
        view: &EndpointView,
        checkpoints: &[String],
    ) -> easel_core::Result<ProviderInfo> {
        let e = &view.endpoint;
        let parameters = easel_core::endpoints::parameters(e)?;
        let models = checkpoints
            .iter()
            .map(|c| {
                Ok(ModelInfo {
                    id: c.clone(),
                    label: c.clone(),
                    family: e.kind.label().to_owned(),
                    notes: String::new(),
                    prompt_max_chars: 10_000,
                    parameters: parameters.clone(),
                    credits_per_image: None,
                    custom_size: None,
                    transparent_background_formats: Vec::new(),
                    compression_formats: Vec::new(),
                    legacy: false,
                    license: LicenseSummary::from_terms(engine.checkpoint_terms(&e.name, c)?),
                    edits: Vec::new(),
                })
            })
            .collect::<easel_core::Result<Vec<_>>>()?;
        Ok(ProviderInfo {
            id: e.name.clone(),
            name: e.name.clone(),
            key_env_var: view.password_env.clone(),
            default_base_url: e.url.clone(),
            default_model: checkpoints.first().cloned().unwrap_or_default(),
            configured: !models.is_empty(),
            credentials: Vec::new(),
            // One GPU: one job at a time, as the engine queues them.
            limits: ProviderLimits {
                concurrent_jobs: 1,
                requests: None,
                lockout_after_rate_limit_ms: None,
            },
            models,
            edit_models: Vec::new(),
        })
    }
}

impl CredentialsView {
    pub fn of(engine: &Engine, p: &ProviderSpec) -> easel_core::Result<CredentialsView> {
        let statuses = engine.credential_status(&p.id)?;
        let fields: Vec<CredentialFieldView> = p
            .credentials
            .iter()
            .map(|f| {
                let status = statuses.iter().find(|s| s.field == f.id);
                CredentialFieldView {
                    id: f.id.clone(),
                    label: f.label.clone(),
                    env_var: f.env_var.clone(),
                    secret: f.secret,
                    present: status.is_some_and(|s| s.present),
                    source: status.and_then(|s| s.source),
                }
            })
            .collect();
        Ok(CredentialsView {
            provider: p.id.clone(),
            configured: fields.iter().all(|f| f.present),
            fields,
        })
    }
}

impl ModelInfo {
    pub fn of(provider: &str, m: &ModelSpec) -> ModelInfo {
        ModelInfo {
            id: m.id.clone(),
            label: m.label.clone(),
            family: m.family.clone(),
            notes: m.notes.clone(),
            prompt_max_chars: m.prompt_max_chars,
            parameters: m.parameters(),
            credits_per_image: m.credits_per_image,
            custom_size: m.custom_size.as_ref().map(CustomSizeInfo::from),
            transparent_background_formats: m.transparent_background_formats.clone(),
            compression_formats: m.compression_formats.clone(),
            legacy: m.status != ModelStatus::Current,
            license: LicenseSummary::of(provider, &m.id),
            edits: m.edits.clone(),
        }
    }
}

impl LicenseSummary {
    pub fn of(provider: &str, model: &str) -> LicenseSummary {
        Self::from_terms(license::terms_for(provider, model))
    }

    pub fn from_terms(terms: license::LicenseTerms) -> LicenseSummary {
        let not_safe_because = terms.not_commercially_safe_because();
        LicenseSummary {
            commercially_safe: not_safe_because.is_none(),
            not_safe_because,
            terms_id: terms.id,
            covers: terms.covers,
            commercial_use: terms.commercial_use,
            indemnified: terms.indemnified,
            terms_url: terms.terms_url,
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
    use easel_core::app_dirs::AppDirs;

    #[test]
    fn every_catalogued_model_maps_to_its_controls_and_terms() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(AppDirs::under(dir.path())).unwrap();
        for p in easel_core::catalog::providers() {
            let info = ProviderInfo::of(&engine, p).unwrap();
            assert_eq!(info.key_env_var, p.api_key_env());
            assert_eq!(info.limits, p.limits);
            assert_eq!(info.credentials.len(), p.credentials.len());
            assert_eq!(info.configured, info.credentials.iter().all(|f| f.present));
            assert!(info.models.iter().any(|m| m.id == info.default_model));
            assert_eq!(
                info.models.len(),
                p.models.iter().filter(|m| m.generates).count()
            );
            for (m, spec) in info
                .models
                .iter()
                .zip(p.models.iter().filter(|m| m.generates))
            {
                assert_eq!(m.parameters, spec.parameters());
                assert_eq!(m.credits_per_image, spec.credits_per_image);
                let terms = license::terms_for(&p.id, &spec.id);
                assert_eq!(m.license.indemnified, terms.indemnified);
                assert_eq!(
                    m.license.commercially_safe,
                    terms.not_commercially_safe_because().is_none()
                );
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

    #[test]
    fn terms_unknown_to_easel_are_not_commercially_safe_and_say_why() {
        let unknown = LicenseSummary::of("nobody", "nothing");
        assert!(!unknown.commercially_safe);
        assert!(unknown.not_safe_because.unwrap().contains("unknown"));
        // A known entry is safe exactly when core finds no reason against it.
        let openai = LicenseSummary::of("openai", "gpt-image-1");
        assert_eq!(openai.commercially_safe, openai.not_safe_because.is_none());
        assert_eq!(openai.terms_id, "openai-images");
    }
}

//! Licence terms per provider and model family. The catalogue is data
//! (`data/licenses/*.json`); an image keeps a snapshot of the entry it was made under.

use serde::{Deserialize, Serialize};

use crate::providers::LicenseStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum CommercialUse {
    Yes,
    No,
    Conditional,
    Unknown,
}

/// One source a point of the summary rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TermsSource {
    /// Which point of the summary this supports, e.g. "output_ownership".
    pub point: String,
    pub title: String,
    pub url: String,
}

/// A summary of the terms that apply to images from one provider / model family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LicenseTerms {
    /// Stable id of the catalogue entry, e.g. "openai-images"; "unknown" for no entry.
    pub id: String,
    /// False for the explicit "terms unknown" entry.
    pub known: bool,
    pub provider: String,
    /// Human name of what it covers, e.g. "OpenAI image models (GPT Image, DALL·E)".
    pub covers: String,
    pub summary: String,
    pub output_ownership: String,
    pub commercial_use: CommercialUse,
    /// Set when `commercial_use` is `conditional`.
    pub commercial_condition: Option<String>,
    pub attribution_required: bool,
    /// The credit line to use wherever the image is published.
    pub credit_line: String,
    pub indemnity: String,
    /// Whether the terms offer customers who use the service as Easel does (through its API)
    /// an indemnity against IP claims over the images, whatever its conditions (`indemnity`
    /// says which). Drives "commercially safe" mode.
    #[serde(default)]
    pub indemnified: bool,
    pub restrictions: Vec<String>,
    pub training_data: String,
    pub creators_compensated: String,
    pub terms_url: String,
    /// ISO date the summary was last checked against the sources.
    pub checked_on: String,
    pub sources: Vec<TermsSource>,
    pub disclaimer: String,
    /// For an edit or variation: the terms of the images it was made from, and which of them
    /// limits its use (see `license_inheritance`). None for images made from a prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited: Option<crate::license_inheritance::Inheritance>,
}

/// The terms an image was made under, frozen at the time it was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LicenseSnapshot {
    #[serde(flatten)]
    pub terms: LicenseTerms,
    /// RFC 3339 time the snapshot was taken (the image's creation).
    pub snapshot_at: String,
    /// Whether the terms apply as generated, or the image is a preview still to be licensed,
    /// or was licensed (then `transaction` says how).
    #[serde(default)]
    pub status: LicenseStatus,
    /// The licence transaction (reference, size, time) when `status` is `licensed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<serde_json::Value>,
}

/// The catalogue as shipped: `data/licenses/`, compiled in so it cannot go missing.
/// One file per provider's terms (each an entry), plus the "terms unknown" template.
const ENTRY_FILES: &[(&str, &str)] = &[
    ("openai.json", include_str!("../data/licenses/openai.json")),
    (
        "firefly.json",
        include_str!("../data/licenses/firefly.json"),
    ),
    ("getty.json", include_str!("../data/licenses/getty.json")),
    (
        "stability.json",
        include_str!("../data/licenses/stability.json"),
    ),
];
const UNKNOWN_JSON: &str = include_str!("../data/licenses/unknown.json");

#[derive(Debug, Deserialize)]
struct Catalogue {
    entries: Vec<CatalogueEntry>,
    /// Template for the explicit "terms unknown" entry; `{provider}` and `{model}` are filled in.
    unknown: LicenseTerms,
}

#[derive(Debug, Deserialize)]
struct CatalogueEntry {
    /// Provider ids this entry applies to (compared case-insensitively).
    providers: Vec<String>,
    /// Model ids: exact, or a prefix when the pattern ends in `*` (compared case-insensitively).
    models: Vec<String>,
    terms: LicenseTerms,
}

impl CatalogueEntry {
    fn matches(&self, provider: &str, model: &str) -> bool {
        let model = model.trim().to_ascii_lowercase();
        self.providers
            .iter()
            .any(|p| p.eq_ignore_ascii_case(provider.trim()))
            && self.models.iter().any(|pattern| {
                let pattern = pattern.to_ascii_lowercase();
                match pattern.strip_suffix('*') {
                    Some(prefix) => model.starts_with(prefix),
                    None => model == pattern,
                }
            })
    }
}

static CATALOGUE: std::sync::LazyLock<Result<Catalogue, String>> = std::sync::LazyLock::new(|| {
    let mut entries = Vec::with_capacity(ENTRY_FILES.len());
    for (name, json) in ENTRY_FILES {
        entries.push(serde_json::from_str(json).map_err(|e| format!("data/licenses/{name}: {e}"))?);
    }
    let unknown = serde_json::from_str(UNKNOWN_JSON)
        .map_err(|e| format!("data/licenses/unknown.json: {e}"))?;
    Ok(Catalogue { entries, unknown })
});

/// The terms for images from `model` of `provider`. Never a silent default: with no matching
/// entry the answer is an explicit entry with `known: false` and `commercial_use: unknown`.
pub fn terms_for(provider: &str, model: &str) -> LicenseTerms {
    match &*CATALOGUE {
        Ok(catalogue) => match catalogue
            .entries
            .iter()
            .find(|e| e.matches(provider, model))
        {
            Some(entry) => {
                let mut terms = entry.terms.clone();
                terms.credit_line = fill_names(&terms.credit_line, provider, model);
                terms
            }
            None => fill_unknown(&catalogue.unknown, provider, model),
        },
        Err(e) => {
            // Only reachable if the shipped JSON is broken (a unit test guards it).
            tracing::error!("licence catalogue does not parse: {e}");
            fill_unknown(&builtin_unknown(), provider, model)
        }
    }
}

/// Every known entry, for a "terms" screen.
pub fn catalogue() -> Vec<LicenseTerms> {
    match &*CATALOGUE {
        Ok(c) => c.entries.iter().map(|e| e.terms.clone()).collect(),
        Err(_) => Vec::new(),
    }
}

/// A snapshot of the current terms for `provider`/`model`, taken now.
pub fn snapshot_for(provider: &str, model: &str) -> LicenseSnapshot {
    LicenseSnapshot {
        terms: terms_for(provider, model),
        snapshot_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        status: LicenseStatus::Included,
        transaction: None,
    }
}

impl LicenseTerms {
    /// Why these terms are not "commercially safe" (commercial use allowed, with an
    /// indemnity), or None when they are.
    pub fn not_commercially_safe_because(&self) -> Option<String> {
        if !self.known {
            return Some("its terms are unknown to Easel".to_owned());
        }
        match self.commercial_use {
            CommercialUse::No => return Some("its terms do not allow commercial use".to_owned()),
            CommercialUse::Unknown => {
                return Some("whether its terms allow commercial use is unknown".to_owned());
            }
            CommercialUse::Yes | CommercialUse::Conditional => {}
        }
        if !self.indemnified {
            return Some("its terms offer no indemnity for the images".to_owned());
        }
        None
    }
}

fn fill_names(text: &str, provider: &str, model: &str) -> String {
    text.replace("{provider}", provider)
        .replace("{model}", model)
}

fn fill_unknown(template: &LicenseTerms, provider: &str, model: &str) -> LicenseTerms {
    let fill = |s: &str| fill_names(s, provider, model);
    LicenseTerms {
        id: template.id.clone(),
        known: false,
        provider: provider.to_owned(),
        covers: fill(&template.covers),
        summary: fill(&template.summary),
        output_ownership: fill(&template.output_ownership),
        commercial_use: CommercialUse::Unknown,
        commercial_condition: template.commercial_condition.as_deref().map(fill),
        attribution_required: template.attribution_required,
        credit_line: fill(&template.credit_line),
        indemnity: fill(&template.indemnity),
        indemnified: false,
        restrictions: template.restrictions.iter().map(|r| fill(r)).collect(),
        training_data: fill(&template.training_data),
        creators_compensated: fill(&template.creators_compensated),
        terms_url: template.terms_url.clone(),
        checked_on: template.checked_on.clone(),
        sources: template.sources.clone(),
        disclaimer: fill(&template.disclaimer),
        inherited: None,
    }
}

fn builtin_unknown() -> LicenseTerms {
    let unknown = "Unknown: check the provider's terms.".to_owned();
    LicenseTerms {
        id: "unknown".to_owned(),
        known: false,
        provider: String::new(),
        covers: "{model} from {provider}".to_owned(),
        summary: "Easel has no summary of the terms for {model} from {provider}. The terms are unknown: read the provider's terms before using these images.".to_owned(),
        output_ownership: unknown.clone(),
        commercial_use: CommercialUse::Unknown,
        commercial_condition: None,
        attribution_required: false,
        credit_line: "Image generated with {provider} {model}".to_owned(),
        indemnity: unknown.clone(),
        indemnified: false,
        restrictions: Vec::new(),
        training_data: unknown.clone(),
        creators_compensated: unknown,
        terms_url: String::new(),
        checked_on: String::new(),
        sources: Vec::new(),
        disclaimer: "This is not legal advice.".to_owned(),
        inherited: None,
    }
}

/// The checkpoint a local engine made an image with: what its licence is matched on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Checkpoint {
    /// The model name or file name, e.g. "v1-5-pruned-emaonly" or "flux1-dev.safetensors".
    pub name: String,
    /// The engine's full title, e.g. "v1-5-pruned-emaonly.safetensors [6ce0161689]".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A1111's short hash (the first 10 hex digits of the sha256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl Checkpoint {
    pub fn named(name: &str) -> Checkpoint {
        Checkpoint {
            name: name.to_owned(),
            ..Checkpoint::default()
        }
    }

    /// Names to match on: the name, the title without its "[hash]", and file names without
    /// folders or extensions.
    fn names(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut add = |s: &str| {
            let s = s.trim().to_ascii_lowercase();
            let file = s.rsplit(['/', '\\']).next().unwrap_or(&s).to_owned();
            for v in [s.clone(), file] {
                if !v.is_empty() && !out.contains(&v) {
                    out.push(v);
                }
            }
        };
        add(&self.name);
        if let Some(t) = &self.title {
            add(t.split(" [").next().unwrap_or(t));
        }
        out
    }

    fn hashes(&self) -> Vec<String> {
        [&self.hash, &self.sha256]
            .into_iter()
            .flatten()
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect()
    }
}

/// A licence the user declared for a checkpoint the catalogue does not know (kept in the
/// settings, keyed by checkpoint name or hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeclaredLicense {
    /// A catalogue entry id ("creativeml-openrail-m", ...) or the licence's own name.
    pub license: String,
    pub commercial_use: CommercialUse,
    #[serde(default)]
    pub terms_url: String,
    #[serde(default)]
    pub note: String,
}

const CHECKPOINTS_JSON: &str = include_str!("../data/licenses/checkpoints.json");

#[derive(Debug, Deserialize)]
struct CheckpointCatalogue {
    entries: Vec<CheckpointEntry>,
}

#[derive(Debug, Deserialize)]
struct CheckpointEntry {
    /// File-name patterns (case-insensitive; `*` at either end matches anything).
    names: Vec<String>,
    /// Short hashes or sha256 prefixes.
    hashes: Vec<String>,
    terms: LicenseTerms,
}

fn glob(pattern: &str, name: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    match (p.strip_prefix('*'), p.strip_suffix('*')) {
        (Some(rest), _) if rest.ends_with('*') => name.contains(&rest[..rest.len() - 1]),
        (Some(rest), _) => name.ends_with(rest),
        (None, Some(prefix)) => name.starts_with(prefix),
        (None, None) => name == p,
    }
}

impl CheckpointEntry {
    fn matches(&self, c: &Checkpoint) -> bool {
        let hashes = c.hashes();
        if self.hashes.iter().any(|known| {
            let known = known.to_ascii_lowercase();
            hashes.iter().any(|h| *h == known || h.starts_with(&known))
        }) {
            return true;
        }
        let names = c.names();
        self.names.iter().any(|p| names.iter().any(|n| glob(p, n)))
    }
}

static CHECKPOINTS: std::sync::LazyLock<Result<CheckpointCatalogue, String>> =
    std::sync::LazyLock::new(|| {
        serde_json::from_str(CHECKPOINTS_JSON)
            .map_err(|e| format!("data/licenses/checkpoints.json: {e}"))
    });

/// Every checkpoint licence the catalogue knows.
pub fn checkpoint_catalogue() -> Vec<LicenseTerms> {
    match &*CHECKPOINTS {
        Ok(c) => c.entries.iter().map(|e| e.terms.clone()).collect(),
        Err(_) => Vec::new(),
    }
}

/// The terms for images a local engine (`endpoint`) made with `checkpoint`: what the user
/// declared for it (by name or hash) first, then the catalogue (by hash, then name); with
/// neither, an explicit "terms unknown", never a silent default.
pub fn terms_for_checkpoint(
    endpoint: &str,
    checkpoint: &Checkpoint,
    declared: &std::collections::BTreeMap<String, DeclaredLicense>,
) -> LicenseTerms {
    let label = checkpoint.title.as_deref().unwrap_or(&checkpoint.name);
    let names = checkpoint.names();
    let hashes = checkpoint.hashes();
    let declaration = declared.iter().find(|(key, _)| {
        let key = key.trim().to_ascii_lowercase();
        names.contains(&key) || hashes.contains(&key)
    });
    let catalogue = match &*CHECKPOINTS {
        Ok(c) => c.entries.as_slice(),
        Err(e) => {
            tracing::error!("checkpoint licence catalogue does not parse: {e}");
            &[]
        }
    };
    let fill = |mut t: LicenseTerms| {
        t.provider = endpoint.to_owned();
        t.credit_line = fill_names(&t.credit_line, endpoint, &checkpoint.name);
        t
    };
    if let Some((_, d)) = declaration {
        if let Some(entry) = catalogue
            .iter()
            .find(|e| e.terms.id.eq_ignore_ascii_case(d.license.trim()))
        {
            let mut t = fill(entry.terms.clone());
            t.summary = format!("Declared by you for {label}: {}", t.summary);
            return t;
        }
        return declared_terms(endpoint, label, &checkpoint.name, d);
    }
    if let Some(entry) = catalogue.iter().find(|e| e.matches(checkpoint)) {
        return fill(entry.terms.clone());
    }
    let mut t = match &*CATALOGUE {
        Ok(c) => fill_unknown(&c.unknown, endpoint, label),
        Err(_) => fill_unknown(&builtin_unknown(), endpoint, label),
    };
    t.summary = format!(
        "Easel does not know the licence of the checkpoint {label} (on {endpoint}): the terms are unknown. Declare its licence in Settings (or with `easel-cli endpoint license`) once you have checked the licence that came with the file."
    );
    t
}

fn declared_terms(endpoint: &str, label: &str, model: &str, d: &DeclaredLicense) -> LicenseTerms {
    let unknown = "Not summarised by Easel: read the licence you declared.".to_owned();
    LicenseTerms {
        id: format!("declared:{}", d.license.trim()),
        known: true,
        provider: endpoint.to_owned(),
        covers: format!("{label} (licence declared by you)"),
        summary: format!(
            "You declared that {label} is under {}.{}",
            d.license.trim(),
            if d.note.trim().is_empty() {
                String::new()
            } else {
                format!(" Your note: {}", d.note.trim())
            }
        ),
        output_ownership: unknown.clone(),
        commercial_use: d.commercial_use,
        commercial_condition: (d.commercial_use == CommercialUse::Conditional)
            .then(|| format!("As {} says; declared by you.", d.license.trim())),
        attribution_required: false,
        credit_line: format!("Image generated with {model}"),
        indemnity: "None known.".to_owned(),
        indemnified: false,
        inherited: None,
        restrictions: Vec::new(),
        training_data: unknown.clone(),
        creators_compensated: unknown,
        terms_url: d.terms_url.clone(),
        checked_on: chrono::Utc::now().format("%Y-%m-%d").to_string(),
        sources: if d.terms_url.is_empty() {
            Vec::new()
        } else {
            vec![TermsSource {
                point: "summary".into(),
                title: format!("{} (declared by you)", d.license.trim()),
                url: d.terms_url.clone(),
            }]
        },
        disclaimer: "Declared by you, not checked by Easel. This is not legal advice.".into(),
    }
}

/// A snapshot of the checkpoint's terms, taken now.
pub fn snapshot_for_checkpoint(
    endpoint: &str,
    checkpoint: &Checkpoint,
    declared: &std::collections::BTreeMap<String, DeclaredLicense>,
) -> LicenseSnapshot {
    LicenseSnapshot {
        terms: terms_for_checkpoint(endpoint, checkpoint, declared),
        ..snapshot_for(endpoint, &checkpoint.name)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalogue_parses_and_is_complete() {
        let catalogue = CATALOGUE.as_ref().unwrap();
        assert!(!catalogue.entries.is_empty());
        for entry in &catalogue.entries {
            let t = &entry.terms;
            assert!(t.known, "{}", t.id);
            assert!(t.terms_url.starts_with("https://"), "{}", t.id);
            assert!(!t.sources.is_empty(), "{}", t.id);
            assert!(t.sources.iter().all(|s| s.url.starts_with("https://")));
            assert_eq!(
                t.commercial_condition.is_some(),
                t.commercial_use == CommercialUse::Conditional,
                "{}",
                t.id
            );
            assert!(!t.disclaimer.is_empty() && !t.checked_on.is_empty());
        }
        assert!(!catalogue.unknown.known);
        let checkpoints = CHECKPOINTS.as_ref().unwrap();
        assert!(checkpoints.entries.len() >= 5);
        for e in &checkpoints.entries {
            let t = &e.terms;
            assert!(
                t.known && !t.sources.is_empty() && !t.checked_on.is_empty(),
                "{}",
                t.id
            );
            assert!(t.sources.iter().all(|s| s.url.starts_with("https://")));
            assert_eq!(
                t.commercial_condition.is_some(),
                t.commercial_use == CommercialUse::Conditional,
                "{}",
                t.id
            );
        }
        assert_eq!(catalogue.unknown.commercial_use, CommercialUse::Unknown);
    }

    #[test]
    fn matching_is_by_provider_and_model_pattern() {
        for model in ["gpt-image-1", "GPT-IMAGE-1-mini", "dall-e-3", "dall-e-2"] {
            let t = terms_for("openai", model);
            assert!(t.known, "{model}");
            assert_eq!(t.id, "openai-images");
        }
        let t = terms_for("openai", "whisper-1");
        assert!(!t.known);
        assert_eq!(t.commercial_use, CommercialUse::Unknown);
        assert!(t.summary.contains("whisper-1"));
        assert_eq!(
            terms_for("openai", "dall-e-3").credit_line,
            "Image generated with OpenAI dall-e-3"
        );
        for model in ["image3", "image4_standard", "image4_ultra"] {
            let t = terms_for("firefly", model);
            assert_eq!(t.id, "adobe-firefly", "{model}");
            assert_eq!(t.commercial_use, CommercialUse::Conditional);
            assert!(t.indemnity.contains("enterprise"));
        }
        let t = terms_for("acme", "gpt-image-1");
        assert!(!t.known);
        assert_eq!(t.provider, "acme");
    }

    #[test]
    fn commercially_safe_needs_known_terms_commercial_use_and_an_indemnity() {
        let openai = terms_for("openai", "gpt-image-1");
        assert_eq!(openai.not_commercially_safe_because(), None);
        let unknown = terms_for("acme", "x");
        assert!(
            unknown
                .not_commercially_safe_because()
                .unwrap()
                .contains("unknown")
        );
        let no_indemnity = LicenseTerms {
            indemnified: false,
            ..openai.clone()
        };
        assert!(
            no_indemnity
                .not_commercially_safe_because()
                .unwrap()
                .contains("indemnity")
        );
        let no_commercial = LicenseTerms {
            commercial_use: CommercialUse::No,
            ..openai
        };
        assert!(
            no_commercial
                .not_commercially_safe_because()
                .unwrap()
                .contains("commercial use")
        );
    }
}

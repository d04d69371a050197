//! Licence terms per provider and model family. The catalogue is data
//! (`data/licenses.json`); an image keeps a snapshot of the entry it was made under.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommercialUse {
    Yes,
    No,
    Conditional,
    Unknown,
}

/// One source a point of the summary rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsSource {
    /// Which point of the summary this supports, e.g. "output_ownership".
    pub point: String,
    pub title: String,
    pub url: String,
}

/// A summary of the terms that apply to images from one provider / model family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub restrictions: Vec<String>,
    pub training_data: String,
    pub creators_compensated: String,
    pub terms_url: String,
    /// ISO date the summary was last checked against the sources.
    pub checked_on: String,
    pub sources: Vec<TermsSource>,
    pub disclaimer: String,
}

/// The terms an image was made under, frozen at the time it was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseSnapshot {
    #[serde(flatten)]
    pub terms: LicenseTerms,
    /// RFC 3339 time the snapshot was taken (the image's creation).
    pub snapshot_at: String,
}

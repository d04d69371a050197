//! What an image's Content Credentials say, as Easel records and shows them. Every string
//! came from the file: it is text to show, never markup, and is capped in length.

use serde::{Deserialize, Serialize};

/// Longest text kept from a manifest, in characters (a hostile file can hold megabytes).
pub const MAX_TEXT: usize = 1_000;
/// Most actions and ingredients kept.
pub const MAX_ITEMS: usize = 100;

/// The C2PA validation state of an image's manifest store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum CredentialsState {
    /// Intact, and signed by a certificate on the trust list Easel ships.
    Trusted,
    /// Intact, but from a signer the trust list does not know.
    Valid,
    /// Present, but broken: changed after signing, a bad signature, an unusable certificate.
    Invalid,
    /// The file carries no Content Credentials.
    None,
}

impl CredentialsState {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialsState::Trusted => "trusted",
            CredentialsState::Valid => "valid",
            CredentialsState::Invalid => "invalid",
            CredentialsState::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<CredentialsState> {
        Some(match s {
            "trusted" => CredentialsState::Trusted,
            "valid" => CredentialsState::Valid,
            "invalid" => CredentialsState::Invalid,
            "none" => CredentialsState::None,
            _ => return None,
        })
    }

    /// The manifest's content is as signed (trusted or not).
    pub fn is_intact(self) -> bool {
        matches!(self, CredentialsState::Trusted | CredentialsState::Valid)
    }
}

/// A reason the credentials are not intact (a C2PA validation status code and its text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CredentialProblem {
    pub code: String,
    pub explanation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CredentialAction {
    /// e.g. `c2pa.created`, `c2pa.resized`.
    pub action: String,
    pub digital_source_type: Option<String>,
    pub software_agent: Option<String>,
    pub when: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CredentialIngredient {
    pub title: Option<String>,
    /// `parentOf`, `componentOf` or `inputTo`.
    pub relationship: Option<String>,
    pub format: Option<String>,
    /// The ingredient carried Content Credentials of its own.
    pub has_credentials: bool,
}

/// The summary of one image's Content Credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Credentials {
    pub state: CredentialsState,
    /// Why the state is `invalid` (empty otherwise).
    pub problems: Vec<CredentialProblem>,
    /// The app that made the manifest, e.g. "ChatGPT" or "Easel 0.1.0".
    pub claim_generator: Option<String>,
    /// Who signed it: the certificate's organisation (or common name).
    pub signer: Option<String>,
    /// When it was signed (from a time stamp, where the file has one), RFC 3339.
    pub signed_at: Option<String>,
    /// The digital source type the actions declare, e.g. IPTC's `trainedAlgorithmicMedia`.
    pub digital_source_type: Option<String>,
    pub actions: Vec<CredentialAction>,
    pub ingredients: Vec<CredentialIngredient>,
    pub title: Option<String>,
    /// The trust list the state was judged against, e.g. "C2PA Trust List (2026-08-21)".
    pub trust_list: String,
}

impl Credentials {
    pub fn none(trust_list: String) -> Credentials {
        Credentials {
            state: CredentialsState::None,
            problems: Vec::new(),
            claim_generator: None,
            signer: None,
            signed_at: None,
            digital_source_type: None,
            actions: Vec::new(),
            ingredients: Vec::new(),
            title: None,
            trust_list,
        }
    }
}

/// Text from a file, capped at `MAX_TEXT` characters; blank is `None`.
pub(crate) fn capped(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.chars().count() <= MAX_TEXT {
        return Some(s.to_owned());
    }
    let mut out: String = s.chars().take(MAX_TEXT).collect();
    out.push('…');
    Some(out)
}

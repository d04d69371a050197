//! What a derived file says about itself: one struct, built once from the item and the
//! options, that the XMP, EXIF, PNG text and licence note writers all read.

use chrono::{DateTime, FixedOffset};

use super::ExportItem;
use super::options::ExportOptions;
use crate::license::CommercialUse;

pub const DIGITAL_SOURCE_TYPE: &str =
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";

pub fn creator_tool() -> String {
    format!("Easel {}", env!("CARGO_PKG_VERSION"))
}

#[derive(Debug, Clone)]
pub struct Provenance {
    pub document_id: String,
    pub ai_system: String,
    pub ai_system_version: String,
    pub usage_terms: String,
    pub web_statement: String,
    pub credit: String,
    pub caption: Option<String>,
    pub alt_text: Option<String>,
    pub creator_tool: String,
    /// The creation time, when the stored RFC 3339 text parses.
    pub created: Option<DateTime<FixedOffset>>,
    /// Only when the user allowed it.
    pub prompt: Option<String>,
    pub model: String,
    pub provider: String,
    /// Pixel size of the original, for the A1111 `Size:` field.
    pub source_size: (u32, u32),
}

impl Provenance {
    pub fn new(item: &ExportItem, opts: &ExportOptions, source_size: (u32, u32)) -> Provenance {
        let terms = &item.license.terms;
        let provider = item.provider.trim().to_owned();
        let model = item.model.trim().to_owned();
        Provenance {
            document_id: format!("easel:image:{}", item.image_id),
            ai_system: [provider.as_str(), model.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
            ai_system_version: model.clone(),
            usage_terms: usage_terms(item),
            web_statement: terms.terms_url.clone(),
            credit: terms.credit_line.clone(),
            caption: non_empty(opts.caption.as_deref()),
            alt_text: non_empty(opts.alt_text.as_deref()),
            creator_tool: creator_tool(),
            created: DateTime::parse_from_rfc3339(&item.created_at).ok(),
            prompt: if opts.include_prompt {
                non_empty(Some(&item.prompt))
            } else {
                None
            },
            model,
            provider,
            source_size,
        }
    }
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// One paragraph a person reading the file's properties can act on.
pub fn usage_terms(item: &ExportItem) -> String {
    let terms = &item.license.terms;
    if !terms.known {
        return format!(
            "AI-generated image. The terms it may be used under are unknown; check with the provider before publishing. {}",
            terms.summary
        )
        .trim()
        .to_owned();
    }
    let commercial =
        commercial_sentence(terms.commercial_use, terms.commercial_condition.as_deref());
    let mut out = format!("{} {}", terms.summary.trim(), commercial);
    if terms.attribution_required && !terms.credit_line.is_empty() {
        out.push_str(&format!(
            " Credit required: {}.",
            terms.credit_line.trim_end_matches('.')
        ));
    }
    if !terms.terms_url.is_empty() {
        out.push_str(&format!(" Terms: {}", terms.terms_url));
    }
    out.trim().to_owned()
}

pub fn commercial_sentence(use_: CommercialUse, condition: Option<&str>) -> String {
    match use_ {
        CommercialUse::Yes => "Commercial use: allowed.".to_owned(),
        CommercialUse::No => "Commercial use: not allowed.".to_owned(),
        CommercialUse::Conditional => match condition.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => format!("Commercial use: allowed only if {}", with_period(c)),
            None => "Commercial use: allowed only under conditions; see the terms.".to_owned(),
        },
        CommercialUse::Unknown => "Commercial use: unknown.".to_owned(),
    }
}

fn with_period(s: &str) -> String {
    if s.ends_with(['.', '!', '?']) {
        s.to_owned()
    } else {
        format!("{s}.")
    }
}

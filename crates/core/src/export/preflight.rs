//! Flags raised before an image leaves the app: terms that forbid, condition or do not
//! establish commercial use, previews still to be licensed, and images the provider blurred.

use serde::{Deserialize, Serialize};

use super::ExportItem;
use crate::license::CommercialUse;
use crate::providers::LicenseStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum FlagKind {
    NonCommercial,
    Conditional,
    UnknownTerms,
    /// A preview (Getty) that must be licensed before any use.
    UnlicensedPreview,
    /// The provider's moderation replaced the image with a blurred one.
    Filtered,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportFlag {
    pub image_id: String,
    pub kind: FlagKind,
    pub message: String,
}

/// Every flag the image raises, the most serious first.
pub fn flags_for(item: &ExportItem) -> Vec<ExportFlag> {
    let flag = |kind, message: String| ExportFlag {
        image_id: item.image_id.clone(),
        kind,
        message,
    };
    let mut flags = Vec::new();
    if item.license.status == LicenseStatus::Preview {
        // The generation terms do not apply until it is licensed: that is the one flag.
        flags.push(flag(
            FlagKind::UnlicensedPreview,
            "This is an unlicensed preview: license it (License and download… in the image view) before using it anywhere.".to_owned(),
        ));
    } else if let Some(f) = terms_flag(item) {
        flags.push(f);
    }
    if item.filtered {
        flags.push(flag(
            FlagKind::Filtered,
            "The provider's content filter blurred this image; it is not the image that was asked for.".to_owned(),
        ));
    }
    flags
}

fn terms_flag(item: &ExportItem) -> Option<ExportFlag> {
    let terms = &item.license.terms;
    let (kind, message) = if !terms.known || terms.commercial_use == CommercialUse::Unknown {
        (
            FlagKind::UnknownTerms,
            "The terms for this image are unknown. Check with the provider before using it commercially.".to_owned(),
        )
    } else {
        match terms.commercial_use {
            CommercialUse::No => (
                FlagKind::NonCommercial,
                format!(
                    "The terms ({}) do not allow commercial use. Do not use this image in marketing or for sale.",
                    terms.covers
                ),
            ),
            CommercialUse::Conditional => (
                FlagKind::Conditional,
                match terms.commercial_condition.as_deref().map(str::trim) {
                    Some(c) if !c.is_empty() => {
                        format!("Commercial use is allowed only under a condition: {c}")
                    }
                    _ => "Commercial use is allowed only under conditions; read the terms before publishing.".to_owned(),
                },
            ),
            CommercialUse::Yes | CommercialUse::Unknown => return None,
        }
    };
    Some(ExportFlag {
        image_id: item.image_id.clone(),
        kind,
        message,
    })
}

pub fn preflight(items: &[ExportItem]) -> Vec<ExportFlag> {
    items.iter().flat_map(flags_for).collect()
}

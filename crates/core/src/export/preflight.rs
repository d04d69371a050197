//! Flags raised before an image leaves the app: terms that forbid, condition or do not
//! establish commercial use.

use serde::{Deserialize, Serialize};

use super::ExportItem;
use crate::license::CommercialUse;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum FlagKind {
    NonCommercial,
    Conditional,
    UnknownTerms,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportFlag {
    pub image_id: String,
    pub kind: FlagKind,
    pub message: String,
}

pub fn flag_for(item: &ExportItem) -> Option<ExportFlag> {
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
    items.iter().filter_map(flag_for).collect()
}

//! A derived image's terms: its own provider's, and those of every image it was made from.
//! The strictest commercial-use state wins (no > unknown > conditional > yes), and the
//! snapshot says which parent limits it; an input whose terms are unknown (a file from
//! disk, say) leaves the result unknown. A parent that is an unlicensed preview makes the
//! result conditional on licensing that preview first.

use serde::{Deserialize, Serialize};

use crate::license::{CommercialUse, LicenseSnapshot};
use crate::providers::LicenseStatus;

/// What the terms of one input said, as the derived image keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ParentTerms {
    /// The library image, or None for a file that came from outside the library.
    pub image_id: Option<String>,
    /// The catalogue entry of its terms ("unknown" for none).
    pub terms_id: String,
    pub provider: String,
    pub known: bool,
    /// Its commercial-use state (already including its own parents').
    pub commercial_use: CommercialUse,
    pub commercial_condition: Option<String>,
    pub indemnified: bool,
    pub status: LicenseStatus,
    pub credit_line: String,
}

impl ParentTerms {
    /// A library image's terms, as its snapshot holds them.
    pub fn of_image(image_id: &str, snapshot: &LicenseSnapshot) -> ParentTerms {
        let t = &snapshot.terms;
        ParentTerms {
            image_id: Some(image_id.to_owned()),
            terms_id: t.id.clone(),
            provider: t.provider.clone(),
            known: t.known,
            commercial_use: t.commercial_use,
            commercial_condition: t.commercial_condition.clone(),
            indemnified: t.indemnified,
            status: snapshot.status,
            credit_line: t.credit_line.clone(),
        }
    }

    /// A file from outside the library: nothing is known of its terms.
    pub fn unknown_file() -> ParentTerms {
        ParentTerms {
            image_id: None,
            terms_id: "unknown".to_owned(),
            provider: String::new(),
            known: false,
            commercial_use: CommercialUse::Unknown,
            commercial_condition: None,
            indemnified: false,
            status: LicenseStatus::Included,
            credit_line: String::new(),
        }
    }

    /// The state this input imposes on what is made from it, and the condition if any.
    fn imposes(&self) -> (CommercialUse, Option<String>) {
        let who = self.image_id.as_deref().map_or_else(
            || "a file from outside the library".to_owned(),
            |id| format!("image {id}"),
        );
        if !self.known {
            return (CommercialUse::Unknown, None);
        }
        if self.status == LicenseStatus::Preview
            && matches!(
                self.commercial_use,
                CommercialUse::Yes | CommercialUse::Conditional
            )
        {
            return (
                CommercialUse::Conditional,
                Some(format!("{who} is an unlicensed preview: license it first")),
            );
        }
        (
            self.commercial_use,
            self.commercial_condition
                .as_ref()
                .map(|c| format!("{c} (the terms of {who})")),
        )
    }
}

/// What a derived image's terms inherited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Inheritance {
    /// The image's own provider's state, before its inputs were counted.
    pub own_commercial_use: CommercialUse,
    pub parents: Vec<ParentTerms>,
    /// The input whose terms are stricter than the image's own and set the result: a library
    /// image id, or "file" for a file from outside the library.
    pub limited_by: Option<String>,
}

fn rank(c: CommercialUse) -> u8 {
    match c {
        CommercialUse::Yes => 0,
        CommercialUse::Conditional => 1,
        CommercialUse::Unknown => 2,
        CommercialUse::No => 3,
    }
}

/// `own` (a snapshot of the derived image's provider's terms) with its parents' terms
/// folded in. Without parents it is returned unchanged.
pub fn inherit(own: LicenseSnapshot, parents: Vec<ParentTerms>) -> LicenseSnapshot {
    if parents.is_empty() {
        return own;
    }
    let mut snapshot = own;
    let terms = &mut snapshot.terms;
    let own_state = if terms.known {
        terms.commercial_use
    } else {
        CommercialUse::Unknown
    };
    let mut state = own_state;
    let mut limited_by = None;
    let mut conditions: Vec<String> = terms.commercial_condition.iter().cloned().collect();
    for parent in &parents {
        let (imposed, condition) = parent.imposes();
        if rank(imposed) > rank(state) {
            state = imposed;
            limited_by = Some(parent.image_id.clone().unwrap_or_else(|| "file".to_owned()));
        }
        if let Some(c) = condition
            && imposed == CommercialUse::Conditional
        {
            conditions.push(c);
        }
    }
    terms.commercial_use = state;
    terms.commercial_condition = (state == CommercialUse::Conditional && !conditions.is_empty())
        .then(|| conditions.join("; "));
    terms.indemnified = terms.indemnified && parents.iter().all(|p| p.known && p.indemnified);
    if let Some(by) = &limited_by {
        let who = if by == "file" {
            "a file from outside the library, whose terms Easel does not know".to_owned()
        } else {
            format!("image {by}, which it was made from")
        };
        terms.restrictions.insert(
            0,
            format!(
                "Commercial use: {} because of {who}.",
                match state {
                    CommercialUse::No => "not allowed",
                    CommercialUse::Unknown => "unknown",
                    CommercialUse::Conditional => "allowed only under conditions",
                    CommercialUse::Yes => "allowed",
                }
            ),
        );
    }
    terms.inherited = Some(Inheritance {
        own_commercial_use: own_state,
        parents,
        limited_by,
    });
    snapshot
}

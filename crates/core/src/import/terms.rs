//! The licence of an imported image: what the file itself declares (usage terms, rights,
//! credit, a licence link), recorded as declared by the file; with none, "terms unknown".
//! Never guessed: a model name in the file is not taken to mean the model's licence.

use super::facts::FileFacts;
use crate::library::DeclaredRights;
use crate::license::{self, CommercialUse, LicenseSnapshot, LicenseTerms, TermsSource};

/// Id of terms declared by an imported file.
pub const DECLARED_BY_FILE: &str = "declared-by-file";

pub fn snapshot(facts: &FileFacts, model: &str, imported_at: &str) -> LicenseSnapshot {
    let mut snapshot = license::snapshot_for(&facts.tool, model);
    snapshot.snapshot_at = imported_at.to_owned();
    snapshot.terms = if facts.declared.is_empty() {
        unknown(&facts.tool, model)
    } else {
        declared(&facts.tool, &facts.declared, imported_at)
    };
    snapshot
}

fn unknown(tool: &str, model: &str) -> LicenseTerms {
    let mut t = license::terms_for(tool, model);
    // Tools are not in the catalogue; should one ever be, an import still states only
    // what its file says.
    if t.known {
        t = license::terms_for("", model);
        t.provider = tool.to_owned();
    }
    t.summary = "The file declares no licence or usage terms, and Easel does not guess them: \
                 the terms are unknown. Find out where the image came from before using or \
                 publishing it."
        .to_owned();
    t.covers = "An imported image (terms unknown)".to_owned();
    t
}

fn declared(tool: &str, d: &DeclaredRights, imported_at: &str) -> LicenseTerms {
    let unknown = "Not stated by the file.".to_owned();
    let mut parts = Vec::new();
    if let Some(u) = &d.usage_terms {
        parts.push(format!("Usage terms: {u}"));
    }
    if let Some(r) = &d.rights {
        parts.push(format!("Rights: {r}"));
    }
    if let Some(c) = &d.credit {
        parts.push(format!("Credit: {c}"));
    }
    if let Some(w) = &d.web_statement {
        parts.push(format!("Licence: {w}"));
    }
    let web = d
        .web_statement
        .clone()
        .filter(|w| w.starts_with("https://") || w.starts_with("http://"));
    LicenseTerms {
        id: DECLARED_BY_FILE.to_owned(),
        known: true,
        provider: tool.to_owned(),
        covers: "An imported image (terms declared by its file)".to_owned(),
        summary: format!("The file declares: {}", parts.join(". ")),
        output_ownership: d.rights.clone().unwrap_or_else(|| unknown.clone()),
        // Free text is not read for permissions: whether commercial use is allowed is
        // for the person to read in the declared terms.
        commercial_use: CommercialUse::Unknown,
        commercial_condition: None,
        // IPTC: the credit line is the one the supplier requires when the image is published.
        attribution_required: d.credit.is_some(),
        credit_line: d
            .credit
            .clone()
            .or_else(|| d.rights.clone())
            .unwrap_or_default(),
        indemnity: "None known.".to_owned(),
        indemnified: false,
        restrictions: d.usage_terms.iter().cloned().collect(),
        training_data: unknown.clone(),
        creators_compensated: unknown,
        terms_url: web.clone().unwrap_or_default(),
        checked_on: imported_at.get(..10).unwrap_or_default().to_owned(),
        sources: web
            .into_iter()
            .map(|url| TermsSource {
                point: "summary".to_owned(),
                title: "The licence the file links to (declared by the file)".to_owned(),
                url,
            })
            .collect(),
        disclaimer: "Declared by the file, not checked by Easel. This is not legal advice."
            .to_owned(),
        inherited: None,
    }
}

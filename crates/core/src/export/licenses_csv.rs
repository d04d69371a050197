//! `licenses.csv` for a batch: one row per written file (RFC 4180, CRLF, UTF-8 with BOM
//! so Excel reads accents right).

use super::ExportItem;
use crate::license::CommercialUse;

pub const HEADER: [&str; 10] = [
    "file",
    "image_id",
    "provider",
    "model",
    "created_at",
    "commercial_use",
    "credit_line",
    "terms_url",
    // For edits and variations: the images it was made from, and the one whose terms
    // limit its commercial use ("file" for a file from outside the library).
    "made_from",
    "limited_by",
];

/// Quote when needed; defuse spreadsheet formulas (a cell starting with `=`, `+`, `-`, `@`
/// would run in Excel) with a leading apostrophe.
pub fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn commercial(item: &ExportItem) -> &'static str {
    let t = &item.license.terms;
    if !t.known {
        return "unknown";
    }
    match t.commercial_use {
        CommercialUse::Yes => "yes",
        CommercialUse::No => "no",
        CommercialUse::Conditional => "conditional",
        CommercialUse::Unknown => "unknown",
    }
}

/// The parents' ids separated by spaces ("file" for one from outside the library).
fn made_from(item: &ExportItem) -> String {
    item.license
        .terms
        .inherited
        .iter()
        .flat_map(|i| &i.parents)
        .map(|p| p.image_id.as_deref().unwrap_or("file"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn row(out: &mut String, cells: &[&str]) {
    let line: Vec<String> = cells.iter().map(|c| field(c)).collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

pub fn render(rows: &[(&str, &ExportItem)]) -> String {
    let mut out = String::from("\u{FEFF}");
    row(&mut out, &HEADER);
    for (file, item) in rows {
        let t = &item.license.terms;
        row(
            &mut out,
            &[
                file,
                &item.image_id,
                &item.provider,
                &item.model,
                &item.created_at,
                commercial(item),
                &t.credit_line,
                &t.terms_url,
                &made_from(item),
                t.inherited
                    .as_ref()
                    .and_then(|i| i.limited_by.as_deref())
                    .unwrap_or(""),
            ],
        );
    }
    out
}

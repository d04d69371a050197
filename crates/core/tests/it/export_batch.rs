//! Batch export: many files with unique, safe names, and a licenses.csv that matches them.
#![allow(clippy::unwrap_used)]

use crate::export_support;

use std::collections::HashSet;

use easel_core::export::{
    ExportFormat, ExportItem, ExportOptions, ExportSize, FlagKind, export_batch, naming,
};
use easel_core::license::CommercialUse;
use export_support::*;

fn prompt_for(i: usize) -> String {
    match i % 10 {
        0 => "A lighthouse at dusk".to_owned(), // repeated: names must still be unique
        1 => String::new(),
        2 => "CON".to_owned(),
        3 => "Crème brûlée on a café table, Zürich".to_owned(),
        4 => "東京の夜景".to_owned(),
        5 => "trailing dots and spaces... ".to_owned(),
        6 => "word ".repeat(200),
        7 => "a/b\\c:d*e?f\"g<h>i|j".to_owned(),
        8 => TRICKY_PROMPT.to_owned(),
        _ => format!("Product shot number {i}, \"studio\" light, 50% grey"),
    }
}

fn batch_items(dir: &std::path::Path, n: usize) -> Vec<ExportItem> {
    let src = dir.join("shared-original.png");
    write_png_rgba(&src, 48, 32);
    (0..n)
        .map(|i| {
            let license = match i % 4 {
                0 => unknown_license(),
                1 => license_with(CommercialUse::No),
                _ => commercial_license(),
            };
            // UUIDv7-like ids made in the same millisecond share their first half.
            let id = format!("0193a1b2-c3d4-7e5f-8a9b-{:012x}", 0xabc000 + i * 7919);
            item(&id, src.clone(), &prompt_for(i), license)
        })
        .collect()
}

fn is_safe_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap();
    name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !name.starts_with(['.', '-'])
        && !stem.ends_with(['.', ' '])
        && !naming::is_reserved(stem)
}

#[test]
fn hundred_images_make_hundred_files_and_matching_csv() {
    let dir = tempfile::tempdir().unwrap();
    let items = batch_items(dir.path(), 100);
    let out = dir.path().join("export");
    let opts = ExportOptions {
        format: ExportFormat::Png,
        size: ExportSize::LongEdge { px: 64 },
        license_note: true,
        ..Default::default()
    };
    let report = export_batch(&items, &opts, &out).unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.files.len(), 100);

    let names: HashSet<&str> = report.files.iter().map(|f| f.file_name.as_str()).collect();
    assert_eq!(names.len(), 100, "names are unique");
    for f in &report.files {
        assert!(is_safe_name(&f.file_name), "unsafe name {:?}", f.file_name);
        assert!(f.path.starts_with(&out));
        assert!(f.path.is_file());
        let note = f.license_note.as_ref().unwrap();
        assert_eq!(
            note.file_name().unwrap().to_str().unwrap(),
            f.file_name.replace(".png", ".license.txt")
        );
    }
    // 100 images + 100 notes + licenses.csv, and nothing else (no temp files).
    assert_eq!(entries(&out).len(), 201, "{:?}", entries(&out));

    let csv_path = report.licenses_csv.clone().unwrap();
    assert_eq!(csv_path, out.join("licenses.csv"));
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "file",
            "image_id",
            "provider",
            "model",
            "created_at",
            "commercial_use",
            "credit_line",
            "terms_url",
            "made_from",
            "limited_by"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 100);
    for (row, (file, it)) in rows.iter().zip(report.files.iter().zip(&items)) {
        assert_eq!(&row[0], file.file_name);
        assert_eq!(&row[1], it.image_id);
        assert_eq!(&row[1], file.image_id);
        assert_eq!(&row[2], "openai");
        assert_eq!(&row[3], "gpt-image-1");
        assert_eq!(&row[4], it.created_at);
        let expected = if !it.license.terms.known {
            "unknown"
        } else if it.license.terms.commercial_use == CommercialUse::No {
            "no"
        } else {
            "yes"
        };
        assert_eq!(&row[5], expected);
        assert_eq!(&row[6], it.license.terms.credit_line);
        assert_eq!(&row[7], it.license.terms.terms_url);
        assert!(out.join(&row[0]).is_file());
    }

    // Every unknown or non-commercial image is flagged, and nothing else.
    assert_eq!(report.flags.len(), 50);
    assert_eq!(
        report
            .flags
            .iter()
            .filter(|f| f.kind == FlagKind::UnknownTerms)
            .count(),
        25
    );
    assert_eq!(
        report
            .flags
            .iter()
            .filter(|f| f.kind == FlagKind::NonCommercial)
            .count(),
        25
    );

    // A second batch into the same folder never overwrites: suffixes, and licenses-2.csv.
    let before: Vec<Vec<u8>> = report
        .files
        .iter()
        .map(|f| std::fs::read(&f.path).unwrap())
        .collect();
    let again = export_batch(&items[..3], &opts, &out).unwrap();
    assert_eq!(again.licenses_csv.unwrap(), out.join("licenses-2.csv"));
    for f in &again.files {
        assert!(f.file_name.contains("-2."), "{}", f.file_name);
    }
    for (f, bytes) in report.files.iter().zip(before) {
        assert_eq!(std::fs::read(&f.path).unwrap(), bytes);
    }
}

#[test]
fn csv_quotes_awkward_values() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("o.png");
    write_png_rgba(&src, 16, 16);
    let mut license = commercial_license();
    license.terms.credit_line = "Made with \"OpenAI\", via Easel\nline two".into();
    let mut it = item("id-1", src, "quoting", license);
    it.model = "=HYPERLINK(\"http://evil\")".into();
    let report = export_batch(
        &[it.clone()],
        &ExportOptions::default(),
        &dir.path().join("o"),
    )
    .unwrap();
    let mut reader = csv::Reader::from_path(report.licenses_csv.unwrap()).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][6], it.license.terms.credit_line);
    // Formula injection is defused for spreadsheet users.
    assert_eq!(&rows[0][3], format!("'{}", it.model));
}

#[test]
fn batch_keeps_going_past_an_unreadable_original() {
    let dir = tempfile::tempdir().unwrap();
    let mut items = batch_items(dir.path(), 5);
    items[2].original_path = dir.path().join("gone.png");
    let out = dir.path().join("export");
    let report = export_batch(&items, &ExportOptions::default(), &out).unwrap();
    assert_eq!(report.files.len(), 4);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].image_id, items[2].image_id);
    assert_eq!(report.failed[0].error.code, "not_found");
    let mut reader = csv::Reader::from_path(report.licenses_csv.unwrap()).unwrap();
    let ids: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_owned()).collect();
    assert_eq!(ids.len(), 4);
    assert!(!ids.contains(&items[2].image_id));
}

#[test]
fn names_are_safe_everywhere() {
    assert_eq!(
        naming::slug("Crème brûlée, Straße & Łódź!", 48),
        "creme-brulee-strasse-lodz"
    );
    assert_eq!(naming::slug("Don't stop", 48), "dont-stop");
    assert_eq!(naming::slug("東京", 48), "");
    assert!(naming::slug(&"abc ".repeat(100), 48).len() <= 48);
    assert_eq!(
        naming::default_stem("東京", "0193a1b2-c3d4-7e5f-8a9b-0123456789ab"),
        "image-456789ab"
    );
    assert_eq!(naming::safe_stem("CON").unwrap(), "CON_");
    assert_eq!(naming::safe_stem("nul.txt").unwrap(), "nul.txt_");
    assert_eq!(naming::safe_stem("  report.. ").unwrap(), "report");
    assert_eq!(
        naming::safe_stem("../../etc/passwd").unwrap(),
        "-..-etc-passwd"
    );
    assert_eq!(
        naming::safe_stem("Café Q3 — Übersicht").unwrap(),
        "Café Q3 — Übersicht"
    );
    assert!(naming::safe_stem(" ... ").is_none());
    assert_eq!(naming::safe_stem("Brochure.PNG").unwrap(), "Brochure");
    assert_eq!(naming::safe_stem(".png").unwrap(), "png");
    assert!(naming::safe_stem(&"é".repeat(300)).unwrap().len() <= naming::MAX_STEM);
}

#[test]
fn batch_reports_progress_and_can_be_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let items = batch_items(dir.path(), 6);
    let out = dir.path().join("export");
    let mut seen = Vec::new();
    let report = easel_core::export::export_batch_with_progress(
        &items,
        &ExportOptions::default(),
        &out,
        |p| {
            seen.push((p.done, p.total, p.ok));
            p.done < 3 // cancel after the third image
        },
    )
    .unwrap();
    assert_eq!(seen, [(1, 6, true), (2, 6, true), (3, 6, true)]);
    assert_eq!(report.files.len(), 3);
    assert_eq!(report.failed.len(), 3);
    assert!(report.failed.iter().all(|f| f.error.code == "cancelled"));
    let mut reader = csv::Reader::from_path(report.licenses_csv.unwrap()).unwrap();
    assert_eq!(reader.records().count(), 3);
    assert_eq!(entries(&out).len(), 4, "3 images + licenses.csv");
}

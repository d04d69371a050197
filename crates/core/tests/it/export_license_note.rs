//! The `NAME.license.txt` written next to an exported file.
#![allow(clippy::unwrap_used)]

use crate::export_support;

use easel_core::export::{ExportOptions, export_one};
use easel_core::license::CommercialUse;
use export_support::*;

fn note_for(license: easel_core::license::LicenseSnapshot) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("o.png");
    write_png_rgba(&src, 32, 32);
    let it = item(
        "0193a1b2-c3d4-7e5f-8a9b-0123456789ab",
        src,
        "Harbour",
        license,
    );
    let opts = ExportOptions {
        license_note: true,
        ..Default::default()
    };
    let f = export_one(&it, &opts, &dir.path().join("out")).unwrap();
    let note = f.license_note.unwrap();
    assert_eq!(note.parent(), f.path.parent());
    (std::fs::read_to_string(note).unwrap(), f.file_name)
}

#[test]
fn note_states_terms_credit_dates_and_id() {
    let (text, file_name) = note_for(license_with(CommercialUse::Conditional));
    for expected in [
        format!("Licence note for {file_name}"),
        "Made with: openai gpt-image-1".to_owned(),
        "Image id: 0193a1b2-c3d4-7e5f-8a9b-0123456789ab".to_owned(),
        "Made on: 2026-11-20T10:15:30+01:00".to_owned(),
        "Summary: You own the images you create, to the extent the law allows.".to_owned(),
        "Ownership: Assigned to you by OpenAI's terms.".to_owned(),
        "Commercial use: allowed only if your organisation has fewer than 1,000 employees."
            .to_owned(),
        "Credit line: Image generated with OpenAI, via Easel".to_owned(),
        "Restriction: Do not imply a human made it.".to_owned(),
        "Terms URL: https://openai.com/policies/terms-of-use".to_owned(),
        "Terms checked on: 2026-11-01".to_owned(),
        "Summary only, not legal advice.".to_owned(),
    ] {
        assert!(
            text.lines().any(|l| l == expected),
            "missing {expected:?} in\n{text}"
        );
    }
    // CRLF so Notepad on older Windows shows lines.
    assert!(text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'));
}

#[test]
fn note_for_unknown_terms_warns() {
    let (text, _) = note_for(unknown_license());
    assert!(text.contains("Terms: UNKNOWN."), "{text}");
    assert!(!text.contains("Commercial use: allowed"), "{text}");
}

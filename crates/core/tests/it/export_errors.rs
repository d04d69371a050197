//! Bad input gets a clear, typed error and leaves no partial or temp file behind.
#![allow(clippy::unwrap_used)]

use crate::export_support;

use easel_core::Error;
use easel_core::export::{
    ExportFormat, ExportOptions, FlagKind, NameClash, export_batch, export_one, plan, png_chunks,
    preflight, simulate_disk_space,
};
use easel_core::license::CommercialUse;
use export_support::*;

fn png_item(dir: &std::path::Path, id: &str) -> easel_core::export::ExportItem {
    let src = dir.join(format!("{id}.png"));
    write_png_rgba(&src, 96, 64);
    item(id, src, "Harbour at night", commercial_license())
}

#[test]
fn missing_original_is_not_found_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let it = item(
        "gone",
        dir.path().join("nope.png"),
        "x",
        commercial_license(),
    );
    let out = dir.path().join("out");
    for format in [ExportFormat::Png, ExportFormat::Original] {
        let opts = ExportOptions {
            format,
            ..Default::default()
        };
        let e = export_one(&it, &opts, &out).unwrap_err();
        assert_eq!(e.code(), "not_found", "{e}");
        assert!(e.to_string().contains("image gone"), "{e}");
        assert_eq!(plan(&it, &opts).unwrap_err().code(), "not_found");
    }
    assert!(!out.exists(), "no folder is made for a failed export");
}

#[test]
fn original_that_is_not_an_image_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("garbage");
    std::fs::write(&src, b"this is not an image at all").unwrap();
    let it = item("junk", src, "x", commercial_license());
    let e = export_one(&it, &ExportOptions::default(), &dir.path().join("out")).unwrap_err();
    assert_eq!(e.code(), "export", "{e}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn oversized_original_is_refused_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("huge.png");
    // A header claiming 40000 x 30000 pixels (4.8 GB decoded) and hardly any data.
    let mut ihdr = 40_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&30_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut bytes = png_chunks::SIGNATURE.to_vec();
    png_chunks::write_chunk(&mut bytes, &png_chunks::Chunk::new(b"IHDR", ihdr));
    // A token of compressed data (zlib header + empty stored block), as a truncated download might have.
    let idat = vec![0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF];
    png_chunks::write_chunk(&mut bytes, &png_chunks::Chunk::new(b"IDAT", idat));
    png_chunks::write_chunk(&mut bytes, &png_chunks::Chunk::new(b"IEND", vec![]));
    std::fs::write(&src, bytes).unwrap();
    let it = item("huge", src, "x", commercial_license());
    let e = export_one(&it, &ExportOptions::default(), &dir.path().join("out")).unwrap_err();
    match e {
        Error::ImageTooLarge { width, height, .. } => assert_eq!((width, height), (40_000, 30_000)),
        other => panic!("expected ImageTooLarge, got {other:?}"),
    }
}

#[test]
fn folder_that_cannot_be_created_is_an_io_error_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let it = png_item(dir.path(), "a");
    // Works even as root: nothing can be created under a regular file.
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"x").unwrap();
    let out = blocker.join("sub");
    let e = export_one(&it, &ExportOptions::default(), &out).unwrap_err();
    assert_eq!(e.code(), "io");
    assert!(e.to_string().contains(&*out.to_string_lossy()), "{e}");
    let e = export_batch(&[it], &ExportOptions::default(), &out).unwrap_err();
    assert_eq!(e.code(), "io");
    // Also when the target "folder" is itself a file.
    let e = export_one(
        &png_item(dir.path(), "b"),
        &ExportOptions::default(),
        &blocker,
    )
    .unwrap_err();
    assert_eq!(e.code(), "io", "{e}");
}

#[test]
fn name_clash_fails_when_asked_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let it = png_item(dir.path(), "a");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("brochure.png"), b"someone's work").unwrap();
    let opts = ExportOptions {
        file_stem: Some("brochure".into()),
        on_name_clash: NameClash::Fail,
        ..Default::default()
    };
    let e = export_one(&it, &opts, &out).unwrap_err();
    assert_eq!(e.code(), "file_exists");
    assert!(matches!(&e, Error::FileExists { path } if path == &out.join("brochure.png")));
    assert_eq!(
        std::fs::read(out.join("brochure.png")).unwrap(),
        b"someone's work"
    );
    assert_eq!(entries(&out), ["brochure.png"]);

    // The licence note's name counts too.
    std::fs::write(out.join("flyer.license.txt"), b"mine").unwrap();
    let opts = ExportOptions {
        file_stem: Some("flyer".into()),
        on_name_clash: NameClash::Fail,
        license_note: true,
        ..Default::default()
    };
    assert_eq!(
        export_one(&it, &opts, &out).unwrap_err().code(),
        "file_exists"
    );
    assert_eq!(entries(&out), ["brochure.png", "flyer.license.txt"]);

    // With the default, a number is added instead, for the file and its note alike.
    let opts = ExportOptions {
        on_name_clash: NameClash::AddSuffix,
        ..opts
    };
    let f = export_one(&it, &opts, &out).unwrap();
    assert_eq!(f.file_name, "flyer-2.png");
    assert_eq!(f.license_note.unwrap(), out.join("flyer-2.license.txt"));
    assert_eq!(
        std::fs::read(out.join("flyer.license.txt")).unwrap(),
        b"mine"
    );
}

#[test]
fn full_disk_leaves_no_partial_or_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let it = png_item(dir.path(), "a");
    let out = dir.path().join("out");
    for format in [
        ExportFormat::Png,
        ExportFormat::Jpeg,
        ExportFormat::Webp,
        ExportFormat::Original,
    ] {
        simulate_disk_space(Some(100));
        let opts = ExportOptions {
            format,
            ..Default::default()
        };
        let e = export_one(&it, &opts, &out).unwrap_err();
        simulate_disk_space(None);
        assert_eq!(e.code(), "disk_full", "{format:?}: {e}");
        assert!(e.to_string().contains("is full"), "{e}");
        assert!(
            e.to_string().contains(&*out.to_string_lossy()),
            "names the file: {e}"
        );
        assert!(
            entries(&out).is_empty(),
            "{format:?} left {:?}",
            entries(&out)
        );
    }

    // The image fits but its licence note does not: the image is removed again.
    let probe = export_one(&it, &ExportOptions::default(), &dir.path().join("probe")).unwrap();
    simulate_disk_space(Some(probe.bytes + 10));
    let opts = ExportOptions {
        license_note: true,
        ..Default::default()
    };
    let e = export_one(&it, &opts, &out).unwrap_err();
    simulate_disk_space(None);
    assert_eq!(e.code(), "disk_full");
    assert!(entries(&out).is_empty(), "left {:?}", entries(&out));
}

#[test]
fn batch_is_rolled_back_when_licenses_csv_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<_> = (0..2)
        .map(|i| png_item(dir.path(), &format!("img-{i}")))
        .collect();
    let probe = export_one(
        &items[0],
        &ExportOptions::default(),
        &dir.path().join("probe"),
    )
    .unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep-me.txt"), b"pre-existing").unwrap();
    // Exactly room for the two images; licenses.csv then finds the disk full.
    simulate_disk_space(Some(probe.bytes * 2));
    let result = export_batch(&items, &ExportOptions::default(), &out);
    simulate_disk_space(None);
    let e = result.unwrap_err();
    assert_eq!(e.code(), "disk_full", "{e}");
    assert!(e.to_string().contains("licenses.csv"), "{e}");
    // No image may leave without its licence record; what was there before stays.
    assert_eq!(entries(&out), ["keep-me.txt"]);
}

#[test]
fn write_failure_mid_batch_reports_the_rest_as_not_exported() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<_> = (0..4)
        .map(|i| png_item(dir.path(), &format!("img-{i}")))
        .collect();
    let probe = export_one(
        &items[0],
        &ExportOptions::default(),
        &dir.path().join("probe"),
    )
    .unwrap();
    let out = dir.path().join("out");
    // Two images fit; the third (much larger) does not; the csv still fits in the slack.
    simulate_disk_space(Some(probe.bytes * 2 + 2_000));
    let opts = ExportOptions::default();
    let big = dir.path().join("big.png");
    write_png_rgba(&big, 1024, 1024);
    let mut items = items;
    items[2].original_path = big;
    let report = export_batch(&items, &opts, &out);
    simulate_disk_space(None);
    let report = report.unwrap();
    assert_eq!(report.files.len(), 2);
    assert_eq!(report.failed.len(), 2);
    assert_eq!(report.failed[0].error.code, "disk_full");
    assert_eq!(report.failed[1].error.code, "export");
    assert!(
        report.failed[1]
            .error
            .message
            .contains("earlier file could not be written")
    );
    let mut names = entries(&out);
    names.retain(|n| n != "licenses.csv");
    assert_eq!(names.len(), 2, "only the complete files remain: {names:?}");
    let mut reader = csv::Reader::from_path(report.licenses_csv.unwrap()).unwrap();
    assert_eq!(reader.records().count(), 2);
}

#[test]
fn flags_for_non_commercial_conditional_and_unknown_terms() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("o.png");
    write_png_rgba(&src, 8, 8);
    let items = vec![
        item("ok", src.clone(), "x", commercial_license()),
        item("nc", src.clone(), "x", license_with(CommercialUse::No)),
        item(
            "cond",
            src.clone(),
            "x",
            license_with(CommercialUse::Conditional),
        ),
        item("unk", src.clone(), "x", unknown_license()),
        item("unk2", src, "x", license_with(CommercialUse::Unknown)),
    ];
    let flags = preflight(&items);
    let got: Vec<(&str, FlagKind)> = flags
        .iter()
        .map(|f| (f.image_id.as_str(), f.kind))
        .collect();
    assert_eq!(
        got,
        [
            ("nc", FlagKind::NonCommercial),
            ("cond", FlagKind::Conditional),
            ("unk", FlagKind::UnknownTerms),
            ("unk2", FlagKind::UnknownTerms),
        ]
    );
    assert!(flags[1].message.contains("fewer than 1,000 employees"));
    assert!(
        plan(&items[0], &ExportOptions::default())
            .unwrap()
            .flags
            .is_empty()
    );
    assert_eq!(
        plan(&items[1], &ExportOptions::default()).unwrap().flags[0].kind,
        FlagKind::NonCommercial
    );
    let f = export_one(&items[3], &ExportOptions::default(), dir.path()).unwrap();
    assert_eq!(f.flags[0].kind, FlagKind::UnknownTerms);
}

#[test]
fn bad_options_are_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let it = png_item(dir.path(), "a");
    for opts in [
        ExportOptions {
            dpi: Some(0),
            ..Default::default()
        },
        ExportOptions {
            format: ExportFormat::Jpeg,
            jpeg_quality: 0,
            ..Default::default()
        },
        ExportOptions {
            size: easel_core::export::ExportSize::LongEdge { px: 0 },
            ..Default::default()
        },
    ] {
        assert_eq!(
            export_one(&it, &opts, dir.path()).unwrap_err().code(),
            "invalid_input"
        );
    }
}

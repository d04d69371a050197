//! Each preset produces the pixel size, DPI and format it promises; "Original" is byte-for-byte.
#![allow(clippy::unwrap_used)]

use crate::export_support;

use easel_core::export::{
    ExportFormat, ExportOptions, ExportSize, Preset, export_one, jpeg_segments, plan, png_chunks,
    presets,
};
use export_support::*;
use image::{GenericImageView, ImageFormat};

fn preset(id: &str) -> Preset {
    presets().into_iter().find(|p| p.id == id).unwrap()
}

/// DPI as the file declares it, read back from the container.
fn declared_dpi(bytes: &[u8]) -> u32 {
    match image::guess_format(bytes).unwrap() {
        ImageFormat::Png => {
            let chunks = png_chunks::read_chunks(bytes).unwrap();
            let d = &chunks.iter().find(|c| &c.kind == b"pHYs").unwrap().data;
            assert_eq!(d[8], 1, "unit must be metres");
            let ppm = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
            (f64::from(ppm) * 0.0254).round() as u32
        }
        ImageFormat::Jpeg => {
            let (segments, _) = jpeg_segments::read_segments(bytes).unwrap();
            let (unit, x, y) = jpeg_segments::jfif_density(&segments).unwrap();
            assert_eq!((unit, x), (1, y));
            u32::from(x)
        }
        other => panic!("unexpected {other:?}"),
    }
}

struct Case {
    preset: &'static str,
    source: (u32, u32),
    expect: (u32, u32),
    dpi: u32,
    format: ImageFormat,
    upscaled: bool,
}

#[test]
fn presets_give_promised_size_dpi_and_format() {
    let cases = [
        Case {
            preset: "document",
            source: (1024, 1024),
            expect: (1950, 1950),
            dpi: 300,
            format: ImageFormat::Png,
            upscaled: true,
        },
        Case {
            preset: "document",
            source: (1536, 1024),
            expect: (1950, 1300),
            dpi: 300,
            format: ImageFormat::Png,
            upscaled: true,
        },
        Case {
            preset: "slide",
            source: (1536, 1024),
            expect: (1620, 1080),
            dpi: 144,
            format: ImageFormat::Png,
            upscaled: true,
        },
        Case {
            preset: "slide",
            source: (1024, 1024),
            expect: (1080, 1080),
            dpi: 144,
            format: ImageFormat::Png,
            upscaled: true,
        },
        Case {
            preset: "web",
            source: (1536, 1024),
            expect: (1200, 800),
            dpi: 72,
            format: ImageFormat::Jpeg,
            upscaled: false,
        },
        Case {
            preset: "web",
            source: (1024, 1536),
            expect: (800, 1200),
            dpi: 72,
            format: ImageFormat::Jpeg,
            upscaled: false,
        },
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, c) in cases.iter().enumerate() {
        let src = dir.path().join(format!("src-{i}.png"));
        write_png_rgba(&src, c.source.0, c.source.1);
        let it = item(
            &format!("id-{i}"),
            src,
            "a lighthouse",
            commercial_license(),
        );
        let opts = preset(c.preset).options;
        let out = dir.path().join(format!("out-{i}"));

        let p = plan(&it, &opts).unwrap();
        assert_eq!(
            (p.width, p.height, p.dpi, p.upscaled),
            (c.expect.0, c.expect.1, Some(c.dpi), c.upscaled),
            "{}",
            c.preset
        );
        let f = export_one(&it, &opts, &out).unwrap();
        assert_eq!(
            (f.width, f.height, f.dpi, f.upscaled),
            (c.expect.0, c.expect.1, Some(c.dpi), c.upscaled)
        );
        assert_eq!(
            f.file_name, p.file_name,
            "plan names the file it will write"
        );

        let bytes = std::fs::read(&f.path).unwrap();
        assert_eq!(
            image::guess_format(&bytes).unwrap(),
            c.format,
            "{}",
            c.preset
        );
        assert_eq!(
            image::load_from_memory(&bytes).unwrap().dimensions(),
            c.expect
        );
        assert_eq!(declared_dpi(&bytes), c.dpi, "{}", c.preset);
        if let Some(m) = exiftool(&f.path) {
            assert_eq!(tag(&m, "IFD0:XResolution"), Some(c.dpi.to_string()));
            let size = tag(&m, "Composite:ImageSize").unwrap();
            assert_eq!(size, format!("{}x{}", c.expect.0, c.expect.1));
        }
    }
}

#[test]
fn document_preset_lands_at_six_and_a_half_inches() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.png");
    write_png_rgba(&src, 1536, 1024);
    let it = item("doc", src, "x", commercial_license());
    let p = plan(&it, &preset("document").options).unwrap();
    assert!((p.width_inches.unwrap() - 6.5).abs() < 1e-9);
    assert!((p.height_inches.unwrap() - 1300.0 / 300.0).abs() < 1e-9);
    assert!(p.estimated_bytes > 100_000);

    // The slide preset fills a 13.333 in wide 16:9 slide exactly for a 16:9 source.
    let src = dir.path().join("wide.png");
    write_png_rgba(&src, 1792, 1008);
    let it = item("slide", src, "x", commercial_license());
    let p = plan(&it, &preset("slide").options).unwrap();
    assert_eq!((p.width, p.height), (1920, 1080));
    assert!((p.width_inches.unwrap() - 13.333).abs() < 0.001);
}

#[test]
fn original_is_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let originals = [
        ("o.png", ImageFormat::Png, "png"),
        ("o.jpg", ImageFormat::Jpeg, "jpg"),
        ("o.webp", ImageFormat::WebP, "webp"),
    ];
    for (name, format, ext) in originals {
        // Stored without an extension, as the content-addressed library does.
        let src = dir.path().join(name);
        match format {
            ImageFormat::Png => write_png_rgba(&src, 1024, 1024),
            ImageFormat::Jpeg => write_jpeg(&src, 1536, 1024),
            _ => write_webp(&src, 300, 200),
        }
        let stored = dir.path().join(format!("sha256-{name}"));
        std::fs::rename(&src, &stored).unwrap();
        let it = item(
            &format!("orig-{ext}"),
            stored.clone(),
            "provenance",
            commercial_license(),
        );
        let opts = preset("original").options;
        let p = plan(&it, &opts).unwrap();
        assert_eq!(p.format, ExportFormat::Original);
        assert_eq!(p.dpi, None);
        assert_eq!(p.extension, ext);
        assert_eq!(p.estimated_bytes, std::fs::metadata(&stored).unwrap().len());
        let f = export_one(&it, &opts, &dir.path().join("out")).unwrap();
        assert!(f.file_name.ends_with(&format!(".{ext}")), "{}", f.file_name);
        assert_eq!(
            std::fs::read(&f.path).unwrap(),
            std::fs::read(&stored).unwrap()
        );
        assert!(!f.upscaled);
    }
}

#[test]
fn original_cannot_be_resized() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("o.png");
    write_png_rgba(&src, 64, 64);
    let it = item("x", src, "x", commercial_license());
    let opts = ExportOptions {
        format: ExportFormat::Original,
        size: ExportSize::LongEdge { px: 32 },
        ..Default::default()
    };
    let e = export_one(&it, &opts, dir.path()).unwrap_err();
    assert_eq!(e.code(), "invalid_input");
}

#[test]
fn downscale_is_not_flagged_as_upscaled_and_sizes_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("o.png");
    write_png_rgba(&src, 1536, 1024);
    let it = item("x", src, "x", commercial_license());
    for (size, expect) in [
        (ExportSize::LongEdge { px: 1000 }, (1000, 667)),
        (
            ExportSize::Fit {
                width: 500,
                height: 500,
            },
            (500, 333),
        ),
        (
            ExportSize::PhysicalWidth {
                inches: 2.0,
                dpi: 150,
            },
            (300, 200),
        ),
        (ExportSize::Original, (1536, 1024)),
    ] {
        let opts = ExportOptions {
            size,
            format: ExportFormat::Png,
            ..Default::default()
        };
        let p = plan(&it, &opts).unwrap();
        assert_eq!((p.width, p.height), expect, "{size:?}");
        assert!(!p.upscaled);
    }
    let huge = ExportOptions {
        size: ExportSize::PhysicalWidth {
            inches: 100.0,
            dpi: 600,
        },
        ..Default::default()
    };
    assert_eq!(plan(&it, &huge).unwrap_err().code(), "invalid_input");
}

#[test]
fn options_round_trip_through_json() {
    for p in presets() {
        let json = serde_json::to_string(&p).unwrap();
        let back: Preset = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }
    // The UI may send only what it changed.
    let minimal: ExportOptions =
        serde_json::from_str(r#"{"format":"jpeg","size":{"kind":"long_edge","px":800}}"#).unwrap();
    assert_eq!(minimal.jpeg_quality, 90);
    assert_eq!(minimal.background, [255, 255, 255]);
    assert_eq!(minimal.effective_dpi(), 72);
}

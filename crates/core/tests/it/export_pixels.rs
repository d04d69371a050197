//! Resampling quality and the clipboard PNG.
#![allow(clippy::unwrap_used)]

use crate::export_support;

use easel_core::export::{
    ExportFormat, ExportOptions, ExportSize, export_one, png_chunks, png_for_clipboard,
};
use export_support::*;
use image::{GenericImageView, Rgba, RgbaImage};

/// Left half opaque red; right half fully transparent but with green colour values.
/// Without premultiplied alpha, the invisible green bleeds into the red edge.
#[test]
fn transparent_pixels_do_not_bleed_into_edges() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("edge.png");
    RgbaImage::from_fn(512, 512, |x, _| {
        if x < 256 {
            Rgba([255, 0, 0, 255])
        } else {
            Rgba([0, 255, 0, 0])
        }
    })
    .save(&src)
    .unwrap();
    let it = item("edge", src, "edge", commercial_license());
    let opts = ExportOptions {
        format: ExportFormat::Png,
        size: ExportSize::LongEdge { px: 200 },
        ..Default::default()
    };
    let f = export_one(&it, &opts, dir.path()).unwrap();
    let img = image::open(&f.path).unwrap().to_rgba8();
    assert_eq!(img.dimensions(), (200, 200));
    for x in 90..110 {
        let p = img.get_pixel(x, 100).0;
        if p[3] > 16 {
            assert!(p[1] < 8, "green bled into the edge at x={x}: {p:?}");
        }
    }
    assert_eq!(img.get_pixel(10, 10).0, [255, 0, 0, 255]);
    assert_eq!(img.get_pixel(190, 10).0[3], 0);
}

/// Lanczos keeps a smooth gradient smooth and accurate when scaling down.
#[test]
fn gradient_survives_downscale() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("g.png");
    gradient_rgb(1024, 1024).save(&src).unwrap();
    let it = item("g", src, "g", commercial_license());
    let opts = ExportOptions {
        size: ExportSize::LongEdge { px: 256 },
        ..Default::default()
    };
    let f = export_one(&it, &opts, dir.path()).unwrap();
    let img = image::open(&f.path).unwrap();
    assert!(!img.color().has_alpha(), "opaque source stays RGB");
    let rgb = img.to_rgb8();
    for x in [16u32, 64, 128, 200, 240] {
        let expected = (f64::from(x) + 0.5) * 4.0 * 255.0 / 1024.0;
        let got = f64::from(rgb.get_pixel(x, 128).0[0]);
        assert!((got - expected).abs() <= 2.0, "x={x}: {got} vs {expected}");
    }
}

#[test]
fn clipboard_png_is_original_size_with_metadata_but_no_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("o.jpg");
    write_jpeg(&src, 320, 200);
    let it = item("clip", src, "secret campaign name", commercial_license());
    let bytes = png_for_clipboard(&it).unwrap();
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!(img.dimensions(), (320, 200));
    let chunks = png_chunks::read_chunks(&bytes).unwrap();
    let xmp = png_chunks::find_text(&chunks, "XML:com.adobe.xmp").unwrap();
    assert!(xmp.contains("easel:image:clip"));
    assert!(!String::from_utf8_lossy(&bytes).contains("secret campaign"));
    assert!(entries(dir.path()) == ["o.jpg"], "nothing written to disk");
}

//! Every derived format carries the provenance and licence fields, checked with exiftool
//! (independent reader) and by parsing the containers back in Rust.
#![allow(clippy::unwrap_used)]

use crate::export_support;

use easel_core::export::png_chunks;
use easel_core::export::webp_chunks;
use easel_core::export::{ExportFormat, ExportOptions, ExportSize, export_one, jpeg_segments};
use export_support::*;
use image::{GenericImageView, ImageFormat};

const ID: &str = "0193a1b2-c3d4-7e5f-8a9b-0123456789ab";
const CAPTION: &str = "Lighthouse at dusk — \"for the Q3 deck\" <draft> & more";
const ALT: &str = "A red lighthouse on rocks; waves crash. Ünïcödé ✓";

fn options(format: ExportFormat, dpi: u32, include_prompt: bool) -> ExportOptions {
    ExportOptions {
        format,
        size: ExportSize::LongEdge { px: 600 },
        dpi: Some(dpi),
        include_prompt,
        caption: Some(CAPTION.into()),
        alt_text: Some(ALT.into()),
        background: [255, 0, 0],
        ..Default::default()
    }
}

/// The XMP and EXIF fields every format must carry, as exiftool reads them.
fn check_common(path: &std::path::Path, dpi: u32, prompt: Option<&str>) {
    let Some(m) = exiftool(path) else { return };
    let t = |name: &str| tag(&m, name);
    // exiftool's own structural checks of EXIF, XMP and the container.
    let v = exiftool_validation(path).unwrap();
    assert_eq!(
        tag(&v, "ExifTool:Validate").as_deref(),
        Some("OK"),
        "{v:#?}"
    );
    assert!(
        !v.contains_key("ExifTool:Warning") && !v.contains_key("ExifTool:Error"),
        "{v:#?}"
    );
    assert_eq!(
        t("XMP-iptcExt:DigitalSourceType").as_deref(),
        Some("http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia")
    );
    assert_eq!(
        t("XMP-iptcExt:AISystemUsed").as_deref(),
        Some("openai gpt-image-1")
    );
    assert_eq!(
        t("XMP-iptcExt:AISystemVersionUsed").as_deref(),
        Some("gpt-image-1")
    );
    let usage = t("XMP-xmpRights:UsageTerms").unwrap();
    assert!(
        usage.starts_with("You own the images you create"),
        "{usage}"
    );
    assert!(usage.contains("Commercial use: allowed."), "{usage}");
    assert_eq!(
        t("XMP-xmpRights:WebStatement").as_deref(),
        Some("https://openai.com/policies/terms-of-use")
    );
    assert_eq!(
        t("XMP-photoshop:Credit").as_deref(),
        Some("Image generated with OpenAI, via Easel")
    );
    assert_eq!(t("XMP-dc:Description").as_deref(), Some(CAPTION));
    assert_eq!(t("XMP-iptcCore:AltTextAccessibility").as_deref(), Some(ALT));
    assert_eq!(t("XMP-xmp:CreatorTool").as_deref(), Some("Easel 0.1.0"));
    assert_eq!(
        t("XMP-xmp:CreateDate").as_deref(),
        Some("2026:11:20 10:15:30+01:00")
    );
    assert_eq!(t("XMP-xmpMM:DocumentID"), Some(format!("easel:image:{ID}")));
    assert_eq!(t("XMP-iptcExt:AIPromptInformation").as_deref(), prompt);

    // EXIF, where Word and Windows read resolution and description.
    assert_eq!(t("IFD0:XResolution"), Some(dpi.to_string()));
    assert_eq!(t("IFD0:YResolution"), Some(dpi.to_string()));
    assert_eq!(t("IFD0:ResolutionUnit").as_deref(), Some("inches"));
    assert_eq!(t("IFD0:ImageDescription").as_deref(), Some(CAPTION));
    assert_eq!(t("IFD0:Software").as_deref(), Some("Easel 0.1.0"));
    assert_eq!(
        t("ExifIFD:DateTimeOriginal").as_deref(),
        Some("2026:11:20 10:15:30")
    );
    assert_eq!(t("ExifIFD:OffsetTimeOriginal").as_deref(), Some("+01:00"));
    assert_eq!(t("ExifIFD:ColorSpace").as_deref(), Some("sRGB"));
    let size = t("Composite:ImageSize").unwrap();
    assert_eq!(
        size,
        format!(
            "{}x{}",
            t("ExifIFD:ExifImageWidth").unwrap(),
            t("ExifIFD:ExifImageHeight").unwrap()
        )
    );
    // Never written: no copyright claim, no artist.
    assert!(t("IFD0:Copyright").is_none() && t("IFD0:Artist").is_none());
}

fn xmp_of(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let start = s.find("<?xpacket begin").unwrap();
    let end = s.find("<?xpacket end=\"w\"?>").unwrap();
    s[start..end].to_owned()
}

#[test]
fn png_carries_phys_srgb_xmp_exif_and_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("original.png");
    write_png_rgba(&src, 1536, 1024);
    let it = item(ID, src, TRICKY_PROMPT, commercial_license());
    let out = dir.path().join("out");
    let f = export_one(&it, &options(ExportFormat::Png, 300, true), &out).unwrap();
    assert_eq!((f.width, f.height, f.dpi), (600, 400, Some(300)));

    let bytes = std::fs::read(&f.path).unwrap();
    assert_eq!(f.bytes, bytes.len() as u64);
    let chunks = png_chunks::read_chunks(&bytes).unwrap();
    let kinds: Vec<&[u8; 4]> = chunks.iter().map(|c| &c.kind).collect();
    let first_idat = kinds.iter().position(|k| *k == b"IDAT").unwrap();
    for k in [b"pHYs", b"sRGB", b"iTXt", b"eXIf"] {
        let at = kinds.iter().position(|x| *x == k).unwrap();
        assert!(at < first_idat, "{} after IDAT", String::from_utf8_lossy(k));
    }
    let phys = chunks.iter().find(|c| &c.kind == b"pHYs").unwrap();
    // 300 dpi = 11811 pixels per metre, unit byte 1 = metre.
    assert_eq!(phys.data, [0, 0, 0x2E, 0x23, 0, 0, 0x2E, 0x23, 1]);
    assert_eq!(
        chunks.iter().find(|c| &c.kind == b"sRGB").unwrap().data,
        [0]
    );
    let xmp = png_chunks::find_text(&chunks, "XML:com.adobe.xmp").unwrap();
    assert!(xmp.contains("&lt;script&gt;") && !xmp.contains("<script>"));
    let params = png_chunks::find_text(&chunks, "parameters").unwrap();
    assert_eq!(
        params,
        format!("{TRICKY_PROMPT}\nSize: 1536x1024, Model: gpt-image-1, Provider: openai")
    );
    // Non-Latin-1 text cannot go in tEXt; it must be the uncompressed iTXt form.
    assert!(
        chunks
            .iter()
            .any(|c| &c.kind == b"iTXt" && c.data.starts_with(b"parameters\0\0"))
    );

    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!(image::guess_format(&bytes).unwrap(), ImageFormat::Png);
    assert_eq!(img.dimensions(), (600, 400));
    assert!(img.color().has_alpha(), "transparency kept in PNG");
    assert_eq!(img.to_rgba8().get_pixel(300, 10).0[3], 0);

    check_common(&f.path, 300, Some(TRICKY_PROMPT));
    if let Some(m) = exiftool(&f.path) {
        assert_eq!(tag(&m, "PNG-pHYs:PixelsPerUnitX").as_deref(), Some("11811"));
        assert_eq!(tag(&m, "PNG-pHYs:PixelUnits").as_deref(), Some("meters"));
        assert_eq!(tag(&m, "PNG:SRGBRendering").as_deref(), Some("Perceptual"));
        assert_eq!(tag(&m, "PNG:Parameters"), Some(params));
    }
}

#[test]
fn jpeg_carries_jfif_density_exif_and_xmp_and_flattens_onto_background() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("original.png");
    write_png_rgba(&src, 1024, 1024);
    let it = item(ID, src, TRICKY_PROMPT, commercial_license());
    let f = export_one(&it, &options(ExportFormat::Jpeg, 150, true), dir.path()).unwrap();
    assert!(f.file_name.ends_with(".jpg"));

    let bytes = std::fs::read(&f.path).unwrap();
    let (segments, _) = jpeg_segments::read_segments(&bytes).unwrap();
    assert_eq!(jpeg_segments::jfif_density(&segments), Some((1, 150, 150)));
    assert_eq!(segments[0].marker, jpeg_segments::APP0, "JFIF first");
    let app1: Vec<&jpeg_segments::Segment> = segments
        .iter()
        .filter(|s| s.marker == jpeg_segments::APP1)
        .collect();
    assert_eq!(app1.len(), 2);
    assert!(app1[0].data.starts_with(b"Exif\0\0II*\0"));
    assert!(app1[1].data.starts_with(jpeg_segments::XMP_HEADER));
    let xmp = xmp_of(&app1[1].data);
    assert!(xmp.contains("&lt;script&gt;alert(&quot;x&quot;)"));

    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!(image::guess_format(&bytes).unwrap(), ImageFormat::Jpeg);
    assert_eq!(img.dimensions(), (600, 600));
    assert!(!img.color().has_alpha());
    // The fully transparent top band became the chosen background (red).
    let p = img.to_rgb8().get_pixel(300, 20).0;
    assert!(p[0] > 240 && p[1] < 15 && p[2] < 15, "{p:?}");

    check_common(&f.path, 150, Some(TRICKY_PROMPT));
    if let Some(m) = exiftool(&f.path) {
        assert_eq!(tag(&m, "JFIF:ResolutionUnit").as_deref(), Some("inches"));
        assert_eq!(tag(&m, "JFIF:XResolution").as_deref(), Some("150"));
        assert_eq!(tag(&m, "JFIF:YResolution").as_deref(), Some("150"));
    }
}

#[test]
fn webp_is_extended_format_with_exif_and_xmp_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("original.png");
    write_png_rgba(&src, 1024, 1536);
    let it = item(ID, src, TRICKY_PROMPT, commercial_license());
    let f = export_one(&it, &options(ExportFormat::Webp, 96, true), dir.path()).unwrap();
    assert!(f.file_name.ends_with(".webp"));

    let bytes = std::fs::read(&f.path).unwrap();
    let chunks = webp_chunks::read_chunks(&bytes).unwrap();
    let order: Vec<&[u8; 4]> = chunks.iter().map(|c| &c.fourcc).collect();
    assert_eq!(order, [b"VP8X", b"VP8L", b"EXIF", b"XMP "]);
    let (flags, w, h) = webp_chunks::vp8x(&chunks).unwrap();
    assert_eq!((w, h), (400, 600));
    assert_eq!(
        flags,
        webp_chunks::FLAG_ALPHA | webp_chunks::FLAG_EXIF | webp_chunks::FLAG_XMP
    );
    assert!(chunks[2].data.starts_with(b"II*\0"));
    assert!(xmp_of(&chunks[3].data).contains("Iptc4xmpExt:AIPromptInformation"));

    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!(image::guess_format(&bytes).unwrap(), ImageFormat::WebP);
    assert_eq!(img.dimensions(), (400, 600));
    assert_eq!(img.to_rgba8().get_pixel(200, 10).0[3], 0);

    check_common(&f.path, 96, Some(TRICKY_PROMPT));
    if let Some(m) = exiftool(&f.path) {
        assert_eq!(
            tag(&m, "RIFF:WebP_Flags").as_deref(),
            Some("XMP, EXIF, Alpha")
        );
    }
}

#[test]
fn opaque_webp_does_not_claim_alpha() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("original.jpg");
    write_jpeg(&src, 640, 480);
    let it = item(ID, src, "opaque", commercial_license());
    let f = export_one(&it, &options(ExportFormat::Webp, 72, false), dir.path()).unwrap();
    let chunks = webp_chunks::read_chunks(&std::fs::read(&f.path).unwrap()).unwrap();
    let (flags, _, _) = webp_chunks::vp8x(&chunks).unwrap();
    assert_eq!(flags, webp_chunks::FLAG_EXIF | webp_chunks::FLAG_XMP);
}

#[test]
fn prompt_is_left_out_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("original.png");
    write_png_rgba(&src, 256, 256);
    let secretish = "Confidential launch codename ZEPHYR-7";
    let it = item(ID, src, secretish, commercial_license());
    for format in [ExportFormat::Png, ExportFormat::Jpeg, ExportFormat::Webp] {
        let f = export_one(&it, &options(format, 72, false), dir.path()).unwrap();
        let bytes = std::fs::read(&f.path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("ZEPHYR"), "{format:?} leaks the prompt");
        assert!(!text.contains("AIPromptInformation"), "{format:?}");
        if format == ExportFormat::Png {
            let chunks = png_chunks::read_chunks(&bytes).unwrap();
            assert!(png_chunks::find_text(&chunks, "parameters").is_none());
        }
        check_common(&f.path, 72, None);
        if let Some(m) = exiftool(&f.path) {
            assert!(tag(&m, "PNG:Parameters").is_none());
        }
    }
}

#[test]
fn unknown_terms_say_so_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("original.png");
    write_png_rgba(&src, 128, 128);
    let it = item(ID, src, "x", unknown_license());
    let f = export_one(&it, &options(ExportFormat::Png, 72, false), dir.path()).unwrap();
    let chunks = png_chunks::read_chunks(&std::fs::read(&f.path).unwrap()).unwrap();
    let xmp = png_chunks::find_text(&chunks, "XML:com.adobe.xmp").unwrap();
    assert!(
        xmp.contains("terms it may be used under are unknown"),
        "{xmp}"
    );
    if let Some(m) = exiftool(&f.path) {
        assert!(
            tag(&m, "XMP-xmpRights:UsageTerms")
                .unwrap()
                .contains("unknown")
        );
    }
}

#[test]
fn very_long_prompt_still_fits_a_jpeg() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("original.png");
    write_png_rgba(&src, 128, 128);
    let prompt = "<&> ".repeat(30_000);
    let it = item(ID, src, &prompt, commercial_license());
    let f = export_one(&it, &options(ExportFormat::Jpeg, 72, true), dir.path()).unwrap();
    let bytes = std::fs::read(&f.path).unwrap();
    image::load_from_memory(&bytes).unwrap();
    if let Some(m) = exiftool(&f.path) {
        let p = tag(&m, "XMP-iptcExt:AIPromptInformation").unwrap();
        assert!(p.ends_with('…') && p.len() > 10_000 && prompt.starts_with(&p[..p.len() - 3]));
    }
}

#[test]
fn long_caption_is_kept_whole_in_xmp_and_shortened_in_exif() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("original.png");
    write_png_rgba(&src, 64, 64);
    let it = item(ID, src, "x", commercial_license());
    let caption = "Ünïcödé caption. ".repeat(1_000);
    let opts = ExportOptions {
        format: ExportFormat::Jpeg,
        caption: Some(caption.clone()),
        ..Default::default()
    };
    let f = export_one(&it, &opts, dir.path()).unwrap();
    if let Some(m) = exiftool(&f.path) {
        assert_eq!(tag(&m, "XMP-dc:Description").unwrap(), caption.trim());
        let exif = tag(&m, "IFD0:ImageDescription").unwrap();
        assert!(
            exif.len() <= 4_000 && caption.starts_with(&exif),
            "{}",
            exif.len()
        );
    }
}

//! Encoding prepared pixels into PNG, JPEG or WebP with the metadata embedded.

use image::codecs::jpeg::{JpegEncoder, PixelDensity};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ExtendedColorType, ImageEncoder};

use super::options::{ExportFormat, ExportOptions};
use super::provenance::Provenance;
use super::{exif, geometry, jpeg_segments, pixels, png_chunks, webp_chunks, xmp};
use crate::{Error, Result};

fn encoder_failed(format: &str, e: image::ImageError) -> Error {
    Error::Export {
        message: format!("Encoding the {format} failed: {e}"),
    }
}

/// `img` must be 8-bit RGB or RGBA (what the export pipeline normalizes to).
pub fn encode(
    img: DynamicImage,
    opts: &ExportOptions,
    dpi: u32,
    p: &Provenance,
    metadata_date: &str,
) -> Result<Vec<u8>> {
    match opts.format {
        ExportFormat::Png => png(&img, dpi, p, metadata_date),
        ExportFormat::Jpeg => jpeg(img, opts, dpi, p, metadata_date),
        ExportFormat::Webp => webp(&img, dpi, p, metadata_date),
        ExportFormat::Original => Err(Error::Export {
            message: "The original is copied, not encoded.".into(),
        }),
    }
}

fn color_type(img: &DynamicImage) -> ExtendedColorType {
    if img.color().has_alpha() {
        ExtendedColorType::Rgba8
    } else {
        ExtendedColorType::Rgb8
    }
}

/// The A1111 `parameters` text: the prompt, then a settings line.
pub fn a1111_parameters(p: &Provenance, prompt: &str) -> String {
    format!(
        "{prompt}\nSize: {}x{}, Model: {}, Provider: {}",
        p.source_size.0, p.source_size.1, p.model, p.provider
    )
}

fn png(img: &DynamicImage, dpi: u32, p: &Provenance, metadata_date: &str) -> Result<Vec<u8>> {
    let mut raw = Vec::new();
    PngEncoder::new_with_quality(&mut raw, CompressionType::Default, FilterType::Adaptive)
        .write_image(img.as_bytes(), img.width(), img.height(), color_type(img))
        .map_err(|e| encoder_failed("PNG", e))?;
    let mut extra = Vec::new();
    extra.extend(png_chunks::srgb());
    extra.push(png_chunks::phys(geometry::dpi_to_ppm(dpi)));
    extra.push(png_chunks::exif(exif::tiff(
        p,
        dpi,
        (img.width(), img.height()),
        exif::Container::Other,
    )));
    extra.push(png_chunks::itxt(
        "XML:com.adobe.xmp",
        &xmp::packet(p, metadata_date, None),
    ));
    if let Some(prompt) = &p.prompt {
        extra.push(png_chunks::text("parameters", &a1111_parameters(p, prompt)));
    }
    png_chunks::embed(&raw, &extra)
}

fn jpeg(
    img: DynamicImage,
    opts: &ExportOptions,
    dpi: u32,
    p: &Provenance,
    metadata_date: &str,
) -> Result<Vec<u8>> {
    let rgb = pixels::flatten(img, opts.background);
    let mut raw = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut raw, opts.jpeg_quality.clamp(1, 100));
    encoder.set_pixel_density(PixelDensity::dpi(u16::try_from(dpi).unwrap_or(u16::MAX)));
    encoder
        .write_image(
            rgb.as_raw(),
            rgb.width(),
            rgb.height(),
            ExtendedColorType::Rgb8,
        )
        .map_err(|e| encoder_failed("JPEG", e))?;
    let exif = exif::jpeg_app1_payload(&exif::tiff(
        p,
        dpi,
        (rgb.width(), rgb.height()),
        exif::Container::Jpeg,
    ));
    let xmp = jpeg_xmp(p, metadata_date)?;
    jpeg_segments::embed(&raw, &[exif, xmp])
}

/// The XMP APP1 payload, shortening the prompt until it fits the 64 KiB segment.
fn jpeg_xmp(p: &Provenance, metadata_date: &str) -> Result<Vec<u8>> {
    let mut limit: Option<usize> = None;
    loop {
        let payload = jpeg_segments::xmp_payload(&xmp::packet(p, metadata_date, limit));
        if payload.len() <= jpeg_segments::MAX_PAYLOAD {
            return Ok(payload);
        }
        let current = limit.unwrap_or_else(|| p.prompt.as_ref().map_or(0, |s| s.chars().count()));
        if p.prompt.is_none() || current == 0 {
            return Err(Error::InvalidInput(
                "The caption and alt text are too long to embed in a JPEG. Shorten them or export as PNG."
                    .into(),
            ));
        }
        limit = Some(current * 3 / 4);
    }
}

fn webp(img: &DynamicImage, dpi: u32, p: &Provenance, metadata_date: &str) -> Result<Vec<u8>> {
    let mut raw = Vec::new();
    WebPEncoder::new_lossless(&mut raw)
        .encode(img.as_bytes(), img.width(), img.height(), color_type(img))
        .map_err(|e| encoder_failed("WebP", e))?;
    webp_chunks::embed(
        &raw,
        img.width(),
        img.height(),
        img.color().has_alpha(),
        &exif::tiff(p, dpi, (img.width(), img.height()), exif::Container::Other),
        xmp::packet(p, metadata_date, None).as_bytes(),
    )
}

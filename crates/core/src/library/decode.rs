//! Bounded probing and decoding of untrusted image bytes. The format comes from the bytes'
//! magic number, never from what the provider claims; dimensions are checked from the header
//! before any pixel buffer is allocated.

use std::io::Cursor;

use image::{DynamicImage, ImageReader, Limits};

use super::records::ImageFormat;
use crate::error::{Error, Result};

/// Longest side the library accepts.
pub const MAX_SIDE: u32 = 16_384;
/// Most memory a decoder may hold at once.
pub const MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// What the header says, read without decoding pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

fn too_large(width: u64, height: u64) -> Error {
    Error::ImageTooLarge {
        width,
        height,
        limit: format!(
            "{MAX_SIDE} px per side and {} MiB decoded",
            MAX_ALLOC / (1024 * 1024)
        ),
    }
}

fn detect(bytes: &[u8]) -> Result<ImageFormat> {
    match image::guess_format(bytes) {
        Ok(image::ImageFormat::Png) => Ok(ImageFormat::Png),
        Ok(image::ImageFormat::Jpeg) => Ok(ImageFormat::Jpeg),
        Ok(image::ImageFormat::WebP) => Ok(ImageFormat::Webp),
        Ok(other) => Err(Error::NotAnImage {
            message: format!("it is a {other:?} file; only PNG, JPEG and WebP images are kept."),
        }),
        Err(_) => Err(Error::NotAnImage {
            message: format!(
                "{} bytes that are not a PNG, JPEG or WebP image.",
                bytes.len()
            ),
        }),
    }
}

fn check_size(width: u32, height: u32) -> Result<()> {
    // 4 bytes per pixel is the smallest buffer a decoded RGBA image needs.
    let decoded = u64::from(width) * u64::from(height) * 4;
    if width > MAX_SIDE || height > MAX_SIDE || decoded > MAX_ALLOC {
        return Err(too_large(width.into(), height.into()));
    }
    if width == 0 || height == 0 {
        return Err(Error::NotAnImage {
            message: format!("the image header says {width}x{height}."),
        });
    }
    Ok(())
}

/// PNG keeps its size at a fixed place in IHDR: checking it here refuses a giant before any
/// decoder runs, even when the rest of the file is truncated.
fn png_header_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    Some((w, h))
}

/// `with_sides` off for the header probe, so a giant reports its real size (header reads
/// allocate no pixel buffers; `max_alloc` still applies).
fn limits(with_sides: bool) -> Limits {
    let mut limits = Limits::default();
    if with_sides {
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
    }
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

fn reader(bytes: &[u8], format: ImageFormat, with_sides: bool) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(
        Cursor::new(bytes),
        match format {
            ImageFormat::Png => image::ImageFormat::Png,
            ImageFormat::Jpeg => image::ImageFormat::Jpeg,
            ImageFormat::Webp => image::ImageFormat::WebP,
        },
    );
    reader.limits(limits(with_sides));
    reader
}

fn map_image_error(e: image::ImageError, width: u32, height: u32) -> Error {
    match e {
        image::ImageError::Limits(_) => too_large(width.into(), height.into()),
        other => Error::NotAnImage {
            message: format!("it could not be decoded ({other})."),
        },
    }
}

/// Format and dimensions from the header alone.
pub fn probe(bytes: &[u8]) -> Result<Probe> {
    let format = detect(bytes)?;
    if format == ImageFormat::Png
        && let Some((w, h)) = png_header_size(bytes)
    {
        check_size(w, h)?;
    }
    let (width, height) = reader(bytes, format, false)
        .into_dimensions()
        .map_err(|e| map_image_error(e, 0, 0))?;
    check_size(width, height)?;
    Ok(Probe {
        format,
        width,
        height,
    })
}

/// Probes, then decodes within the limits.
pub fn decode(bytes: &[u8]) -> Result<(Probe, DynamicImage)> {
    let probe = probe(bytes)?;
    let image = reader(bytes, probe.format, true)
        .decode()
        .map_err(|e| map_image_error(e, probe.width, probe.height))?;
    Ok((probe, image))
}

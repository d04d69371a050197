//! Thumbnails: JPEG, quality 85, long edge 256 or 768 (never upscaled).
//!
//! Why JPEG: both WebKitGTK and Chromium decode it, it is ~10x smaller than the lossless WebP
//! the `image` crate can write, and it encodes fast: with `jpeg-encoder` (AVX2 where the CPU
//! has it, 4:2:0 chroma below quality 90 like libjpeg) several times faster than the `image`
//! crate's encoder, which was the largest part of an import. It has no alpha, so transparent images
//! are flattened onto a neutral grey that reads on light and dark themes alike; the original
//! keeps its alpha untouched.

use std::borrow::Cow;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, RgbImage, RgbaImage};

use super::records::ThumbSize;
use crate::error::{Error, Result};

pub const JPEG_QUALITY: u8 = 85;
/// Background for transparent pixels.
const BACKGROUND: [u8; 3] = [0x80, 0x80, 0x80];

/// Size of the thumbnail of a `width` x `height` image: long edge at most `size`'s, aspect kept.
pub fn fit(width: u32, height: u32, size: ThumbSize) -> (u32, u32) {
    let edge = size.long_edge();
    let long = width.max(height);
    if long <= edge {
        return (width.max(1), height.max(1));
    }
    let scale = f64::from(edge) / f64::from(long);
    let w = (f64::from(width) * scale).round().max(1.0) as u32;
    let h = (f64::from(height) * scale).round().max(1.0) as u32;
    (w.min(edge), h.min(edge))
}

fn resize_error(e: impl std::fmt::Display) -> Error {
    Error::NotAnImage {
        message: format!("it could not be resized ({e})."),
    }
}

/// Resized pixels, flattened onto the background, as RGB.
fn resized_rgb(source: &DynamicImage, width: u32, height: u32) -> Result<RgbImage> {
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    let mut resizer = Resizer::new();
    if source.color().has_alpha() {
        let src: Cow<'_, RgbaImage> = match source {
            DynamicImage::ImageRgba8(img) => Cow::Borrowed(img),
            other => Cow::Owned(other.to_rgba8()),
        };
        let mut dst = RgbaImage::new(width, height);
        // `use_alpha` (on by default) premultiplies before filtering and divides after, so
        // transparent pixels do not bleed their colour into the edges.
        resizer
            .resize(src.as_ref(), &mut dst, &options)
            .map_err(resize_error)?;
        Ok(flatten(&dst))
    } else {
        let src: Cow<'_, RgbImage> = match source {
            DynamicImage::ImageRgb8(img) => Cow::Borrowed(img),
            other => Cow::Owned(other.to_rgb8()),
        };
        if (src.width(), src.height()) == (width, height) {
            return Ok(src.into_owned());
        }
        let mut dst = RgbImage::new(width, height);
        resizer
            .resize(src.as_ref(), &mut dst, &options)
            .map_err(resize_error)?;
        Ok(dst)
    }
}

fn flatten(rgba: &RgbaImage) -> RgbImage {
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u32::from(p[3]);
        let mix =
            |c: u8, bg: u8| ((u32::from(c) * a + u32::from(bg) * (255 - a) + 127) / 255) as u8;
        image::Rgb([
            mix(p[0], BACKGROUND[0]),
            mix(p[1], BACKGROUND[1]),
            mix(p[2], BACKGROUND[2]),
        ])
    })
}

/// The JPEG bytes of `source`'s thumbnail at `size`.
pub fn render(source: &DynamicImage, size: ThumbSize) -> Result<Vec<u8>> {
    let (w, h) = fit(source.width(), source.height(), size);
    let rgb = resized_rgb(source, w, h)?;
    let encode_error = |e: &dyn std::fmt::Display| Error::NotAnImage {
        message: format!("its thumbnail could not be encoded ({e})."),
    };
    // `fit` never goes past 768 px, so both sides fit JPEG's 16 bits.
    let (w16, h16) = (
        u16::try_from(w).map_err(|e| encode_error(&e))?,
        u16::try_from(h).map_err(|e| encode_error(&e))?,
    );
    let mut out = Vec::with_capacity((w * h / 4) as usize);
    jpeg_encoder::Encoder::new(&mut out, JPEG_QUALITY)
        .encode(rgb.as_raw(), w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| encode_error(&e))?;
    Ok(out)
}

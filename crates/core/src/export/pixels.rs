//! Resampling and alpha handling: Lanczos3 on premultiplied alpha, flattening for JPEG.

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, RgbImage, RgbaImage};

use crate::{Error, Result};

/// 8-bit RGB, or RGBA when the image really has transparent pixels.
pub fn normalize(img: DynamicImage) -> DynamicImage {
    if img.color().has_alpha() {
        let rgba = img.into_rgba8();
        if rgba.pixels().all(|p| p.0[3] == u8::MAX) {
            DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(rgba).into_rgb8())
        } else {
            DynamicImage::ImageRgba8(rgba)
        }
    } else {
        DynamicImage::ImageRgb8(img.into_rgb8())
    }
}

/// Resample a normalized image to `width` x `height`. Alpha is premultiplied during
/// filtering so transparent pixels do not bleed their (invisible) colour into edges.
pub fn resize(img: DynamicImage, width: u32, height: u32) -> Result<DynamicImage> {
    if img.width() == width && img.height() == height {
        return Ok(img);
    }
    let mut dst = match &img {
        DynamicImage::ImageRgba8(_) => DynamicImage::ImageRgba8(RgbaImage::new(width, height)),
        _ => DynamicImage::ImageRgb8(RgbImage::new(width, height)),
    };
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .use_alpha(true);
    Resizer::new()
        .resize(&img, &mut dst, &options)
        .map_err(|e| Error::Export {
            message: format!("Resizing the image failed: {e}"),
        })?;
    Ok(dst)
}

/// Composite onto an opaque `background` (JPEG has no alpha).
pub fn flatten(img: DynamicImage, background: [u8; 3]) -> RgbImage {
    match img {
        DynamicImage::ImageRgba8(rgba) => {
            let (w, h) = rgba.dimensions();
            let mut out = RgbImage::new(w, h);
            for (src, dst) in rgba.pixels().zip(out.pixels_mut()) {
                let a = u32::from(src.0[3]);
                for ((d, s), bg) in dst.0.iter_mut().zip(src.0).zip(background) {
                    let v = u32::from(s) * a + u32::from(bg) * (255 - a);
                    *d = ((v + 127) / 255) as u8;
                }
            }
            out
        }
        other => other.into_rgb8(),
    }
}

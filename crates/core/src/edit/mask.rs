//! Masks: Easel's own form, and what each provider expects.
//!
//! Easel's mask is a PNG of the image's exact size in which each pixel's alpha says how
//! strongly that pixel is to change: opaque = change, transparent = keep, anything between
//! is a soft edge. (A mask without alpha is read by its brightness: white = change.) That is
//! what the painter in the window produces and what the library keeps, so an edit can be
//! re-run against any provider.
//!
//! Providers mean different things by a mask:
//! - OpenAI: an RGBA PNG of the image's size whose *fully transparent* pixels are edited.
//! - Stability: a black-and-white image whose brightness is the strength (white = change).
//! - Getty refine: a JPEG mask; the contract does not say which colour is refined. Assumed
//!   as Stability's (white = refine), the convention of inpainting masks.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat, Luma, Rgba, RgbaImage};

use crate::error::{Error, Result};
use crate::library::decode_image;

/// How strongly each pixel is to change, 0 (keep) to 255 (change), row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strength {
    pub width: u32,
    pub height: u32,
    pub values: Vec<u8>,
}

impl Strength {
    /// Reads Easel's mask (bounded decode). Alpha when the PNG has it, else brightness.
    pub fn from_easel_mask(bytes: &[u8]) -> Result<Strength> {
        let (_, image) = decode_image(bytes).map_err(|e| {
            Error::InvalidInput(format!("The mask is not an image Easel can read: {e}"))
        })?;
        let (width, height) = (image.width(), image.height());
        let values = if image.color().has_alpha() {
            image.to_rgba8().pixels().map(|p| p.0[3]).collect()
        } else {
            image.to_luma8().pixels().map(|p| p.0[0]).collect()
        };
        Ok(Strength {
            width,
            height,
            values,
        })
    }

    /// True when no pixel is to change at all (an empty mask edits nothing).
    pub fn is_empty(&self) -> bool {
        self.values.iter().all(|v| *v == 0)
    }

    /// Keep becomes change and change becomes keep; soft edges stay soft.
    pub fn inverted(&self) -> Strength {
        Strength {
            values: self.values.iter().map(|v| 255 - v).collect(),
            ..self.clone()
        }
    }

    /// Refuses a mask whose size differs from the image's: providers either refuse it
    /// (OpenAI) or stretch it silently (Stability), which would edit the wrong place.
    pub fn check_size(&self, width: u32, height: u32) -> Result<()> {
        if (self.width, self.height) == (width, height) {
            Ok(())
        } else {
            Err(Error::InvalidInput(format!(
                "The mask is {}x{} but the image is {width}x{height}; paint the mask on the image itself so that both are the same size.",
                self.width, self.height
            )))
        }
    }

    /// Easel's own form: white RGB, alpha = strength.
    pub fn to_easel_png(&self) -> Result<Vec<u8>> {
        let img = RgbaImage::from_fn(self.width, self.height, |x, y| {
            Rgba([255, 255, 255, self.at(x, y)])
        });
        encode(DynamicImage::ImageRgba8(img), ImageFormat::Png)
    }

    /// OpenAI's form: an RGBA PNG, transparent where the image is to change. Only fully
    /// transparent pixels are edited, so a soft edge fades from "edit" (fully painted) to
    /// "keep"; the colour under the alpha does not matter and is black.
    pub fn to_openai_png(&self) -> Result<Vec<u8>> {
        let img = RgbaImage::from_fn(self.width, self.height, |x, y| {
            Rgba([0, 0, 0, 255 - self.at(x, y)])
        });
        encode(DynamicImage::ImageRgba8(img), ImageFormat::Png)
    }

    /// Stability's form: a grayscale PNG, white = full strength, soft edges as grays.
    pub fn to_stability_png(&self) -> Result<Vec<u8>> {
        encode(DynamicImage::ImageLuma8(self.gray()), ImageFormat::Png)
    }

    /// Getty's refine mask: a grayscale JPEG, white = refine (see the module note).
    pub fn to_getty_jpeg(&self) -> Result<Vec<u8>> {
        encode(DynamicImage::ImageLuma8(self.gray()), ImageFormat::Jpeg)
    }

    fn gray(&self) -> GrayImage {
        GrayImage::from_fn(self.width, self.height, |x, y| Luma([self.at(x, y)]))
    }

    fn at(&self, x: u32, y: u32) -> u8 {
        let i = y as usize * self.width as usize + x as usize;
        self.values.get(i).copied().unwrap_or(0)
    }
}

fn encode(img: DynamicImage, format: ImageFormat) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format)
        .map_err(|e| Error::InvalidInput(format!("The mask could not be encoded: {e}")))?;
    Ok(out.into_inner())
}

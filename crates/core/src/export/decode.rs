//! Reading a stored original, bounded so a hostile or corrupt file cannot exhaust memory.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use image::{DynamicImage, ImageError, ImageFormat, ImageReader, Limits};

use super::geometry::MAX_SIDE;
use crate::{Error, Result};

/// Enough for a 16384 x 16384 RGBA image and no more.
const MAX_ALLOC: u64 = 1 << 30;

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

fn open(path: &Path, image_id: &str) -> Result<ImageReader<BufReader<File>>> {
    let file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::not_found(format!(
            "The original file of image {image_id} ({})",
            path.display()
        )),
        _ => Error::Io {
            action: "open",
            path: path.to_owned(),
            source: e,
        },
    })?;
    let mut reader = ImageReader::new(BufReader::new(file))
        .with_guessed_format()
        .map_err(Error::io("read", path))?;
    reader.limits(limits());
    Ok(reader)
}

fn unreadable(image_id: &str, e: &ImageError) -> Error {
    Error::Export {
        message: format!(
            "The stored original of image {image_id} is not an image Easel can read ({e}). It may be damaged; try exporting it as \"Original\"."
        ),
    }
}

/// The format the stored bytes are in, sniffed from their content (not the file name).
pub fn sniff_format(path: &Path, image_id: &str) -> Result<ImageFormat> {
    let reader = open(path, image_id)?;
    reader.format().ok_or_else(|| Error::Export {
        message: format!(
            "The stored original of image {image_id} is not in a known image format. It may be damaged."
        ),
    })
}

/// Pixel size from the header only.
pub fn dimensions(path: &Path, image_id: &str) -> Result<(u32, u32)> {
    let reader = open(path, image_id)?;
    match reader.into_dimensions() {
        Ok(dims) => Ok(dims),
        Err(ImageError::Limits(_)) => Err(too_large(path)),
        Err(e) => Err(unreadable(image_id, &e)),
    }
}

pub fn decode(path: &Path, image_id: &str) -> Result<DynamicImage> {
    let reader = open(path, image_id)?;
    match reader.decode() {
        Ok(img) => Ok(img),
        Err(ImageError::Limits(_)) => Err(too_large(path)),
        Err(ImageError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(Error::Export {
                message: format!(
                    "The stored original of image {image_id} is cut short ({e}). It may be damaged; try exporting it as \"Original\"."
                ),
            })
        }
        Err(ImageError::IoError(e)) => Err(Error::Io {
            action: "read",
            path: path.to_owned(),
            source: e,
        }),
        Err(e) => Err(unreadable(image_id, &e)),
    }
}

fn too_large(path: &Path) -> Error {
    // Reading the header without limits is cheap and tells the user how large it is.
    let (width, height) = File::open(path)
        .ok()
        .and_then(|f| {
            let mut reader = ImageReader::new(BufReader::new(f))
                .with_guessed_format()
                .ok()?;
            reader.no_limits();
            reader.into_dimensions().ok()
        })
        .unwrap_or((0, 0));
    Error::ImageTooLarge {
        width: u64::from(width),
        height: u64::from(height),
        limit: format!("{MAX_SIDE}x{MAX_SIDE} pixels"),
    }
}

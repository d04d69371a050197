//! What an export will produce, computed for the dialog without writing anything.

use serde::{Deserialize, Serialize};

use super::options::{ExportFormat, ExportOptions};
use super::preflight::{self, ExportFlag};
use super::render::{extension_of, validate};
use super::{ExportItem, decode, geometry, stem_for};
use crate::{Error, Result};

/// What an export will produce, for the dialog (nothing is written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportPlan {
    pub image_id: String,
    /// For `Original`, the stored format's extension decides; `format` stays `Original`.
    pub format: ExportFormat,
    pub extension: String,
    pub source_width: u32,
    pub source_height: u32,
    pub width: u32,
    pub height: u32,
    /// `None` for `Original`: the stored bytes are not changed, so no DPI is written.
    pub dpi: Option<u32>,
    pub width_inches: Option<f64>,
    pub height_inches: Option<f64>,
    /// Exact for `Original`, a rough estimate otherwise.
    pub estimated_bytes: u64,
    /// The output is larger than the original in some dimension; the UI should warn that it may look soft.
    pub upscaled: bool,
    /// The name the file will get if it is free (`-2`, … otherwise).
    pub file_name: String,
    pub flags: Vec<ExportFlag>,
}

fn estimate_bytes(format: ExportFormat, quality: u8, w: u32, h: u32) -> u64 {
    let px = f64::from(w) * f64::from(h);
    // Bytes per pixel typical of AI-generated (photographic) images; metadata is a few KB.
    let per_px = match format {
        ExportFormat::Png => 1.8,
        ExportFormat::Webp => 1.3,
        ExportFormat::Jpeg => match quality {
            95.. => 0.45,
            90..=94 => 0.3,
            80..=89 => 0.2,
            _ => 0.12,
        },
        ExportFormat::Original => 0.0,
    };
    (px * per_px) as u64 + 8 * 1024
}

pub fn plan(item: &ExportItem, opts: &ExportOptions) -> Result<ExportPlan> {
    validate(opts)?;
    let flags: Vec<ExportFlag> = preflight::flags_for(item);
    let (source_width, source_height) = decode::dimensions(&item.original_path, &item.image_id)?;
    let stem = stem_for(item, opts);
    if opts.format == ExportFormat::Original {
        let format = decode::sniff_format(&item.original_path, &item.image_id)?;
        let bytes = std::fs::metadata(&item.original_path)
            .map_err(Error::io("read", &item.original_path))?
            .len();
        let extension = extension_of(format).to_owned();
        return Ok(ExportPlan {
            image_id: item.image_id.clone(),
            format: ExportFormat::Original,
            file_name: format!("{stem}.{extension}"),
            extension,
            source_width,
            source_height,
            width: source_width,
            height: source_height,
            dpi: None,
            width_inches: None,
            height_inches: None,
            estimated_bytes: bytes,
            upscaled: false,
            flags,
        });
    }
    let (width, height) = geometry::target_size(source_width, source_height, opts.size)?;
    let dpi = opts.effective_dpi();
    let extension = opts.format.extension().unwrap_or("img").to_owned();
    Ok(ExportPlan {
        image_id: item.image_id.clone(),
        format: opts.format,
        file_name: format!("{stem}.{extension}"),
        extension,
        source_width,
        source_height,
        width,
        height,
        dpi: Some(dpi),
        width_inches: Some(geometry::inches(width, dpi)),
        height_inches: Some(geometry::inches(height, dpi)),
        estimated_bytes: estimate_bytes(opts.format, opts.jpeg_quality, width, height),
        upscaled: width > source_width || height > source_height,
        flags,
    })
}

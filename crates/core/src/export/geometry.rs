//! Turning a size choice into output pixels, and pixels plus DPI into inches.

use super::options::ExportSize;
use crate::{Error, Result};

/// The largest side an export may have; the same bound decoding uses.
pub const MAX_SIDE: u32 = 16_384;

/// Output pixel size for a source of `src_w` x `src_h`. Proportions are kept; both sides are at least 1.
pub fn target_size(src_w: u32, src_h: u32, size: ExportSize) -> Result<(u32, u32)> {
    if src_w == 0 || src_h == 0 {
        return Err(Error::Export {
            message: "The original has no pixels.".into(),
        });
    }
    let (w, h) = (f64::from(src_w), f64::from(src_h));
    let scale = match size {
        ExportSize::Original => return Ok((src_w, src_h)),
        ExportSize::LongEdge { px } => {
            require_positive(px, "long edge")?;
            f64::from(px) / w.max(h)
        }
        ExportSize::PhysicalWidth { inches, dpi } => {
            require_positive(dpi, "DPI")?;
            if !(inches.is_finite() && inches > 0.0) {
                return Err(Error::InvalidInput(
                    "The width in inches must be a positive number.".into(),
                ));
            }
            let px = (f64::from(inches) * f64::from(dpi)).round();
            if px < 1.0 || px > f64::from(MAX_SIDE) {
                return Err(too_large(px));
            }
            px / w
        }
        ExportSize::Fit { width, height } => {
            require_positive(width, "box width")?;
            require_positive(height, "box height")?;
            (f64::from(width) / w).min(f64::from(height) / h)
        }
    };
    // Round the side the user named exactly; the other follows the proportions.
    let out_w = side(w * scale);
    let out_h = side(h * scale);
    let (out_w, out_h) = match size {
        ExportSize::LongEdge { px } if src_w >= src_h => (px, out_h),
        ExportSize::LongEdge { px } => (out_w, px),
        ExportSize::PhysicalWidth { inches, dpi } => {
            ((f64::from(inches) * f64::from(dpi)).round() as u32, out_h)
        }
        _ => (out_w, out_h),
    };
    if out_w > MAX_SIDE || out_h > MAX_SIDE {
        return Err(too_large(f64::from(out_w.max(out_h))));
    }
    Ok((out_w, out_h))
}

fn side(v: f64) -> u32 {
    // Clamped before the cast, so the cast cannot wrap.
    v.round().clamp(1.0, f64::from(u32::MAX)) as u32
}

fn require_positive(v: u32, what: &str) -> Result<()> {
    if v == 0 {
        return Err(Error::InvalidInput(format!(
            "The {what} must be greater than zero."
        )));
    }
    Ok(())
}

fn too_large(px: f64) -> Error {
    Error::InvalidInput(format!(
        "That size would make the image {px:.0} pixels wide or tall; the limit is {MAX_SIDE}. Choose a smaller size or a lower DPI."
    ))
}

/// Physical inches for `px` pixels at `dpi`.
pub fn inches(px: u32, dpi: u32) -> f64 {
    f64::from(px) / f64::from(dpi.max(1))
}

/// PNG `pHYs` stores pixels per metre.
pub fn dpi_to_ppm(dpi: u32) -> u32 {
    (f64::from(dpi) / 0.0254).round() as u32
}

//! From a stored original to encoded bytes: decode, resize, encode with metadata.

use image::ImageFormat;

use super::options::{ExportFormat, ExportOptions, ExportSize};
use super::{ExportItem, decode, encode, geometry, pixels, provenance};
use crate::{Error, Result};

const MAX_DPI: u32 = 10_000;

pub(super) fn validate(opts: &ExportOptions) -> Result<()> {
    let dpi = opts.effective_dpi();
    if dpi == 0 || dpi > MAX_DPI {
        return Err(Error::InvalidInput(format!(
            "The DPI must be between 1 and {MAX_DPI} (it is {dpi})."
        )));
    }
    if opts.format == ExportFormat::Jpeg && !(1..=100).contains(&opts.jpeg_quality) {
        return Err(Error::InvalidInput(format!(
            "The JPEG quality must be between 1 and 100 (it is {}).",
            opts.jpeg_quality
        )));
    }
    if opts.format == ExportFormat::Original && opts.size != ExportSize::Original {
        return Err(Error::InvalidInput(
            "\"Original\" keeps the stored file untouched, so it cannot be resized. Choose PNG, JPEG or WebP to resize."
                .into(),
        ));
    }
    Ok(())
}

pub(super) fn extension_of(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "png",
        ImageFormat::Jpeg => "jpg",
        ImageFormat::WebP => "webp",
        ImageFormat::Gif => "gif",
        other => other.extensions_str().first().copied().unwrap_or("img"),
    }
}

/// Encoded bytes, ready to be written.
pub(super) struct Rendered {
    pub bytes: Vec<u8>,
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
    pub dpi: Option<u32>,
    pub upscaled: bool,
    pub credentials: Option<super::ExportCredentials>,
}

fn metadata_date() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(super) fn render(item: &ExportItem, opts: &ExportOptions) -> Result<Rendered> {
    validate(opts)?;
    // A damaged original (truncated, overwritten) is never exported as if it were the image.
    let verified = match &item.sha256 {
        Some(sha) => Some(crate::library::read_verified(
            &item.original_path,
            sha,
            None,
            &item.image_id,
        )?),
        None => None,
    };
    if opts.format == ExportFormat::Original {
        let format = decode::sniff_format(&item.original_path, &item.image_id)?;
        let (width, height) = decode::dimensions(&item.original_path, &item.image_id)?;
        let bytes = match verified {
            Some(bytes) => bytes,
            None => std::fs::read(&item.original_path).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Error::not_found(format!(
                    "The original file of image {} ({})",
                    item.image_id,
                    item.original_path.display()
                )),
                _ => Error::io("read", &item.original_path)(e),
            })?,
        };
        return Ok(Rendered {
            bytes,
            extension: extension_of(format),
            width,
            height,
            dpi: None,
            upscaled: false,
            credentials: None,
        });
    }
    let decoded = decode::decode(&item.original_path, &item.image_id)?;
    let source = (decoded.width(), decoded.height());
    let (width, height) = geometry::target_size(source.0, source.1, opts.size)?;
    let normalized = pixels::normalize(decoded);
    let resized = pixels::resize(normalized, width, height)?;
    // Resampling can create partial transparency at edges only if there was alpha before,
    // so re-normalizing just drops an alpha channel that became fully opaque.
    let resized = pixels::normalize(resized);
    let dpi = opts.effective_dpi();
    let provenance = provenance::Provenance::new(item, opts, source);
    let bytes = encode::encode(resized, opts, dpi, &provenance, &metadata_date())?;
    let (bytes, credentials) = match (&opts.sign, &opts.signing) {
        (true, Some(identity)) => {
            let original = match verified {
                Some(bytes) => bytes,
                None => std::fs::read(&item.original_path)
                    .map_err(Error::io("read", &item.original_path))?,
            };
            let edit = crate::provenance::ExportEdit {
                resized: (width, height) != source,
                converted: true,
                made_with: provenance.ai_system.clone(),
                title: format!("Easel image {}", item.image_id),
            };
            let signed = crate::provenance::sign_export(&bytes, &original, &edit, identity)?;
            let credentials = super::ExportCredentials {
                signer: signed.signer,
                subject: signed.subject,
                what_others_see: signed.what_others_see,
            };
            (signed.bytes, Some(credentials))
        }
        _ => (bytes, None),
    };
    Ok(Rendered {
        bytes,
        credentials,
        extension: opts.format.extension().unwrap_or("img"),
        width,
        height,
        dpi: Some(dpi),
        upscaled: width > source.0 || height > source.1,
    })
}

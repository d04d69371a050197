//! Export for documents and slides: the right pixel size and DPI for Word, Google Docs and
//! slides, with the image's provenance and licence terms embedded (XMP, EXIF, PNG text)
//! and, optionally, written next to it.
//!
//! Guarantees: originals are only read; no output file is ever overwritten; every file is
//! written to a temp file in the target folder and renamed into place, so an error (full
//! disk included) leaves no partial or temp file behind.
//!
//! Batch policy: each image is written completely or not at all. Images that cannot be
//! read are reported in `failed` and the batch goes on; after a write failure (disk full,
//! folder gone) the rest are reported as not exported. Files already written are kept and
//! listed in `licenses.csv`, which lists exactly the files written. If `licenses.csv`
//! itself cannot be written, the files of this batch are removed, so no image leaves
//! without its licence record. Name clashes in a batch always get a `-2`, `-3`, … suffix.
//! A cancelled batch keeps and lists what it wrote; the rest fail with `cancelled`.

mod decode;
pub mod encode;
pub mod exif;
pub mod geometry;
pub mod jpeg_segments;
pub mod license_note;
pub mod licenses_csv;
pub mod naming;
pub mod options;
mod pixels;
pub mod png_chunks;
pub mod preflight;
pub mod provenance;
pub mod webp_chunks;
mod write;
pub mod xmp;

use std::path::{Path, PathBuf};

use image::ImageFormat;
use serde::{Deserialize, Serialize};

use crate::license::LicenseSnapshot;
use crate::{Error, ErrorPayload, Result};

pub use options::{ExportFormat, ExportOptions, ExportSize, NameClash, Preset, presets};
pub use preflight::{ExportFlag, FlagKind, preflight};
pub use write::simulate_disk_space;

/// One image to export, filled by the caller from the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportItem {
    pub image_id: String,
    pub original_path: PathBuf,
    pub provider: String,
    pub model: String,
    /// RFC 3339.
    pub created_at: String,
    pub prompt: String,
    pub revised_prompt: Option<String>,
    pub license: LicenseSnapshot,
}

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedFile {
    pub image_id: String,
    pub path: PathBuf,
    pub file_name: String,
    pub license_note: Option<PathBuf>,
    pub format: ExportFormat,
    pub width: u32,
    pub height: u32,
    pub dpi: Option<u32>,
    pub bytes: u64,
    pub upscaled: bool,
    pub flags: Vec<ExportFlag>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFailure {
    pub image_id: String,
    pub error: ErrorPayload,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportReport {
    pub out_dir: PathBuf,
    pub files: Vec<ExportedFile>,
    pub failed: Vec<ExportFailure>,
    /// `licenses.csv` (or `licenses-2.csv`, … if taken); `None` when nothing was written.
    pub licenses_csv: Option<PathBuf>,
    pub flags: Vec<ExportFlag>,
}

const MAX_DPI: u32 = 10_000;
const MAX_NAME_ATTEMPTS: u32 = 10_000;

fn validate(opts: &ExportOptions) -> Result<()> {
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

fn extension_of(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "png",
        ImageFormat::Jpeg => "jpg",
        ImageFormat::WebP => "webp",
        ImageFormat::Gif => "gif",
        other => other.extensions_str().first().copied().unwrap_or("img"),
    }
}

fn stem_for(item: &ExportItem, opts: &ExportOptions) -> String {
    opts.file_stem
        .as_deref()
        .and_then(naming::safe_stem)
        .unwrap_or_else(|| naming::default_stem(&item.prompt, &item.image_id))
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
    let flags: Vec<ExportFlag> = preflight::flag_for(item).into_iter().collect();
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

/// Encoded bytes, ready to be written.
struct Rendered {
    bytes: Vec<u8>,
    extension: &'static str,
    width: u32,
    height: u32,
    dpi: Option<u32>,
    upscaled: bool,
}

fn metadata_date() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn render(item: &ExportItem, opts: &ExportOptions) -> Result<Rendered> {
    validate(opts)?;
    if opts.format == ExportFormat::Original {
        let format = decode::sniff_format(&item.original_path, &item.image_id)?;
        let (width, height) = decode::dimensions(&item.original_path, &item.image_id)?;
        let bytes = std::fs::read(&item.original_path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::not_found(format!(
                "The original file of image {} ({})",
                item.image_id,
                item.original_path.display()
            )),
            _ => Error::io("read", &item.original_path)(e),
        })?;
        return Ok(Rendered {
            bytes,
            extension: extension_of(format),
            width,
            height,
            dpi: None,
            upscaled: false,
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
    Ok(Rendered {
        bytes,
        extension: opts.format.extension().unwrap_or("img"),
        width,
        height,
        dpi: Some(dpi),
        upscaled: width > source.0 || height > source.1,
    })
}

fn remove_quietly(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// Write the rendered file (and its licence note) under a free name.
fn store(
    item: &ExportItem,
    opts: &ExportOptions,
    rendered: &Rendered,
    out_dir: &Path,
    stem: &str,
    clash: NameClash,
) -> Result<ExportedFile> {
    for n in 1..=MAX_NAME_ATTEMPTS {
        let name = naming::candidate(stem, n);
        let file_name = format!("{name}.{}", rendered.extension);
        let note_name = format!("{name}.license.txt");
        let clash_at = [out_dir.join(&file_name), out_dir.join(&note_name)]
            .into_iter()
            .take(if opts.license_note { 2 } else { 1 })
            .find(|p| write::is_taken(p));
        if let Some(path) = clash_at {
            if clash == NameClash::Fail {
                return Err(Error::FileExists { path });
            }
            continue;
        }
        let path = match write::write_new(out_dir, &file_name, &rendered.bytes)? {
            write::Outcome::Written(path) => path,
            write::Outcome::Taken if clash == NameClash::Fail => {
                return Err(Error::FileExists {
                    path: out_dir.join(&file_name),
                });
            }
            write::Outcome::Taken => continue,
        };
        let mut license_note = None;
        if opts.license_note {
            let text = license_note::note(item, &file_name);
            match write::write_new(out_dir, &note_name, text.as_bytes()) {
                Ok(write::Outcome::Written(p)) => license_note = Some(p),
                Ok(write::Outcome::Taken) => {
                    remove_quietly(&path);
                    if clash == NameClash::Fail {
                        return Err(Error::FileExists {
                            path: out_dir.join(&note_name),
                        });
                    }
                    continue;
                }
                Err(e) => {
                    remove_quietly(&path);
                    return Err(e);
                }
            }
        }
        return Ok(ExportedFile {
            image_id: item.image_id.clone(),
            path,
            file_name,
            license_note,
            format: opts.format,
            width: rendered.width,
            height: rendered.height,
            dpi: rendered.dpi,
            bytes: rendered.bytes.len() as u64,
            upscaled: rendered.upscaled,
            flags: preflight::flag_for(item).into_iter().collect(),
        });
    }
    Err(Error::Export {
        message: format!(
            "There are already too many files named {stem} in {}. Choose another folder.",
            out_dir.display()
        ),
    })
}

/// Export one image into `out_dir` (created if missing). Name clashes follow `opts.on_name_clash`.
pub fn export_one(item: &ExportItem, opts: &ExportOptions, out_dir: &Path) -> Result<ExportedFile> {
    let rendered = render(item, opts)?;
    write::create_dir(out_dir)?;
    let stem = stem_for(item, opts);
    store(item, opts, &rendered, out_dir, &stem, opts.on_name_clash)
}

/// Sent after each image of a batch, so a UI can show progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchProgress {
    /// Images handled so far (written or failed), including this one.
    pub done: usize,
    pub total: usize,
    pub image_id: String,
    pub ok: bool,
}

/// Export many images into `out_dir`, plus `licenses.csv`. See the module docs for what
/// happens when some fail. Errors only if the folder or `licenses.csv` cannot be written.
pub fn export_batch(
    items: &[ExportItem],
    opts: &ExportOptions,
    out_dir: &Path,
) -> Result<ExportReport> {
    export_batch_with_progress(items, opts, out_dir, |_| true)
}

/// [`export_batch`], calling `on_progress` after each image; returning `false` cancels.
/// On cancel, the files written so far are kept and listed in `licenses.csv`, and the rest
/// are reported in `failed` with the `cancelled` code.
pub fn export_batch_with_progress(
    items: &[ExportItem],
    opts: &ExportOptions,
    out_dir: &Path,
    mut on_progress: impl FnMut(&BatchProgress) -> bool,
) -> Result<ExportReport> {
    validate(opts)?;
    write::create_dir(out_dir)?;
    let mut files: Vec<ExportedFile> = Vec::new();
    let mut failed: Vec<ExportFailure> = Vec::new();
    // Set once nothing more should be attempted: after a write failure, or on cancel.
    let mut stop: Option<Error> = None;
    let mut done = 0;
    for chunk in items.chunks(render_workers()) {
        // Decoding, resampling and encoding run in parallel; writing stays on this thread,
        // in order, so names and the csv are deterministic.
        let mut rendered = if stop.is_none() {
            render_all(chunk, opts).into_iter()
        } else {
            Vec::new().into_iter()
        };
        for item in chunk {
            let result = rendered.next();
            let Some(result) = result.filter(|_| stop.is_none()) else {
                if let Some(why) = &stop {
                    failed.push(failure(item, why));
                }
                continue;
            };
            done += 1;
            let ok = match result {
                Err(e) => {
                    failed.push(failure(item, &e));
                    false
                }
                Ok(rendered) => {
                    let stem = naming::default_stem(&item.prompt, &item.image_id);
                    match store(item, opts, &rendered, out_dir, &stem, NameClash::AddSuffix) {
                        Ok(f) => {
                            files.push(f);
                            true
                        }
                        Err(e) => {
                            failed.push(failure(item, &e));
                            stop = Some(Error::Export {
                                message: format!(
                                    "Not exported because an earlier file could not be written ({e})."
                                ),
                            });
                            false
                        }
                    }
                }
            };
            let progress = BatchProgress {
                done,
                total: items.len(),
                image_id: item.image_id.clone(),
                ok,
            };
            if !on_progress(&progress) && stop.is_none() {
                stop = Some(Error::Cancelled);
            }
        }
    }
    let licenses_csv = if files.is_empty() {
        None
    } else {
        match write_licenses_csv(items, &files, out_dir) {
            Ok(path) => Some(path),
            Err(e) => {
                for f in &files {
                    remove_quietly(&f.path);
                    if let Some(note) = &f.license_note {
                        remove_quietly(note);
                    }
                }
                return Err(e);
            }
        }
    };
    Ok(ExportReport {
        out_dir: out_dir.to_owned(),
        files,
        failed,
        licenses_csv,
        flags: preflight(items),
    })
}

/// At most 4: each worker holds a decoded and a resized image in memory.
fn render_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4))
}

fn render_all(chunk: &[ExportItem], opts: &ExportOptions) -> Vec<Result<Rendered>> {
    if let [item] = chunk {
        return vec![render(item, opts)];
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunk
            .iter()
            .map(|item| scope.spawn(move || render(item, opts)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::Export {
                        message:
                            "Preparing this image failed unexpectedly; try exporting it on its own."
                                .into(),
                    })
                })
            })
            .collect()
    })
}

fn failure(item: &ExportItem, e: &Error) -> ExportFailure {
    ExportFailure {
        image_id: item.image_id.clone(),
        error: ErrorPayload::from(e),
    }
}

fn write_licenses_csv(
    items: &[ExportItem],
    files: &[ExportedFile],
    out_dir: &Path,
) -> Result<PathBuf> {
    let by_id: std::collections::HashMap<&str, &ExportItem> =
        items.iter().map(|i| (i.image_id.as_str(), i)).collect();
    let rows: Vec<(&str, &ExportItem)> = files
        .iter()
        .filter_map(|f| Some((f.file_name.as_str(), *by_id.get(f.image_id.as_str())?)))
        .collect();
    let text = licenses_csv::render(&rows);
    for n in 1..=MAX_NAME_ATTEMPTS {
        let name = format!("{}.csv", naming::candidate("licenses", n));
        if let write::Outcome::Written(path) = write::write_new(out_dir, &name, text.as_bytes())? {
            return Ok(path);
        }
    }
    Err(Error::Export {
        message: format!(
            "There are already too many licenses*.csv files in {}. Choose another folder.",
            out_dir.display()
        ),
    })
}

/// PNG at the original size with the provenance embedded (no prompt), for copy and paste.
pub fn png_for_clipboard(item: &ExportItem) -> Result<Vec<u8>> {
    let opts = ExportOptions::default();
    render(item, &opts).map(|r| r.bytes)
}

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

mod batch;
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
mod plan;
pub mod png_chunks;
pub mod preflight;
pub mod provenance;
mod render;
mod store;
pub mod webp_chunks;
mod write;
pub mod xmp;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Result;
use crate::license::LicenseSnapshot;

pub use batch::{
    BatchProgress, ExportFailure, ExportReport, export_batch, export_batch_with_progress,
};
pub use options::{ExportFormat, ExportOptions, ExportSize, NameClash, Preset, presets};
pub use plan::{ExportPlan, plan};
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
    /// The provider's moderation blurred the image.
    pub filtered: bool,
    /// The sha256 the original was stored under; when set, the original is checked against
    /// it before use and a damaged one is refused (`damaged`) rather than exported.
    #[serde(default)]
    pub sha256: Option<String>,
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
    /// The Content Credentials added to the file; `None` when it was not signed.
    #[serde(default)]
    pub content_credentials: Option<ExportCredentials>,
}

/// How an exported file was signed, and what other tools will show for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportCredentials {
    pub signer: crate::provenance::SignerKind,
    /// The signing certificate's subject.
    pub subject: String,
    pub what_others_see: String,
}

pub(crate) fn stem_for(item: &ExportItem, opts: &ExportOptions) -> String {
    opts.file_stem
        .as_deref()
        .and_then(naming::safe_stem)
        .unwrap_or_else(|| naming::default_stem(&item.prompt, &item.image_id))
}

/// Export one image into `out_dir` (created if missing). Name clashes follow `opts.on_name_clash`.
pub fn export_one(item: &ExportItem, opts: &ExportOptions, out_dir: &Path) -> Result<ExportedFile> {
    let rendered = render::render(item, opts)?;
    write::create_dir(out_dir)?;
    write::remove_stale_parts(out_dir);
    let stem = stem_for(item, opts);
    store::store(item, opts, &rendered, out_dir, &stem, opts.on_name_clash)
}

/// PNG at the original size with the provenance embedded (no prompt), for copy and paste.
pub fn png_for_clipboard(item: &ExportItem) -> Result<Vec<u8>> {
    let opts = ExportOptions::default();
    render::render(item, &opts).map(|r| r.bytes)
}

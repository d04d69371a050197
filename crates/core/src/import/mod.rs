//! Import: bringing images other tools made into the library. Each file is stored
//! byte-for-byte like a generation; what its metadata says (A1111/Forge infotext, ComfyUI
//! graph, InvokeAI metadata, XMP/IPTC, EXIF) is mapped to provider, model, prompt,
//! negative prompt, seed and parameters, and the rest kept as text. Its licence is what the
//! file declares, or "terms unknown".
//!
//! A folder runs as one job over every core (two workers per core, each decoding and making
//! thumbnails while another waits on its writes; rows are written one at a time), with
//! progress, cancel, and a summary. Files already done are remembered by path, size and
//! modification time, so running the same import again skips them with a stat and one
//! lookup, and picks up where a cancelled or interrupted run stopped.

mod a1111;
mod comfyui;
pub mod embedded;
pub mod facts;
mod invokeai;
pub mod provenance;
pub mod terms;
pub mod walk;
pub mod xmp;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::error::{Error, ErrorPayload, Result};
use crate::library::{ImportOrigin, ImportStored, ImportedImage, Library, SourceFile};

/// Largest file import reads (a decompression bomb is refused from its header long before).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// What to import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportRequest {
    /// Files and folders.
    pub paths: Vec<PathBuf>,
    /// Also the images in sub-folders of the folders named.
    #[serde(default)]
    pub recursive: bool,
}

/// How far an import is, after each file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportProgress {
    /// Files found to import.
    pub total: u64,
    /// Files dealt with so far (imported, duplicate or unreadable).
    pub done: u64,
    pub imported: u64,
    pub duplicates: u64,
    pub unreadable: u64,
    /// Name (not path) of the file just dealt with.
    pub last: Option<String>,
}

/// One file that became a new image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportedFile {
    pub path: String,
    pub image_id: String,
    /// The tool whose metadata was found ("a1111", "comfyui", "invokeai", "import").
    pub tool: String,
}

/// One file skipped because its image is already in the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DuplicateFile {
    pub path: String,
    /// The library image with the same bytes.
    pub image_id: String,
    /// "already_imported" (this file, unchanged, done before) or "same_bytes".
    pub reason: String,
}

/// One file (or path) that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UnreadableFile {
    pub path: String,
    /// A stable code: `not_an_image`, `image_too_large`, `too_big`, `unreadable`, `missing`.
    pub code: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportSummary {
    pub imported: Vec<ImportedFile>,
    pub duplicates: Vec<DuplicateFile>,
    pub unreadable: Vec<UnreadableFile>,
    /// Files in the folders that are not PNG, JPEG or WebP by name (not read).
    pub ignored: u64,
    /// Stopped by the user; `not_started` files were left for the next run.
    pub cancelled: bool,
    pub not_started: u64,
    /// A failure of the library itself (a full disk, say) that stopped the import.
    pub error: Option<ErrorPayload>,
}

/// What became of one file.
enum Outcome {
    Imported(ImportedFile),
    Duplicate(DuplicateFile),
    Unreadable(UnreadableFile),
}

/// Imports `request` into `library`. Blocking: run it on a blocking thread. `progress` is
/// called after each file, from the worker threads. Cancelling lets files being stored
/// finish (each is all or nothing) and starts no more.
pub fn run(
    library: &Library,
    request: &ImportRequest,
    progress: &(dyn Fn(&ImportProgress) + Sync),
    cancel: &CancellationToken,
) -> Result<ImportSummary> {
    library.ensure_writable()?;
    if request.paths.is_empty() {
        return Err(Error::InvalidInput(
            "Name at least one file or folder to import.".to_owned(),
        ));
    }
    let walked = walk::walk(&request.paths, request.recursive, &|| cancel.is_cancelled());
    let mut summary = ImportSummary {
        ignored: walked.ignored,
        ..ImportSummary::default()
    };
    for (path, reason) in walked.problems {
        summary.unreadable.push(UnreadableFile {
            path: path.display().to_string(),
            code: if reason == "it does not exist" {
                "missing"
            } else {
                "unreadable"
            }
            .to_owned(),
            reason,
        });
    }
    let files = walked.files;
    let state = Mutex::new((
        summary,
        ImportProgress {
            total: files.len() as u64,
            ..ImportProgress::default()
        },
    ));
    let next = AtomicUsize::new(0);
    let stop = CancellationToken::new();
    // Two workers per core: each file waits on several fsyncs (original, thumbnails, the
    // blob journal), and a second worker decodes while the first waits.
    let workers = std::thread::available_parallelism()
        .map(|n| n.get() * 2)
        .unwrap_or(4)
        .clamp(2, 16)
        .min(files.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    if cancel.is_cancelled() || stop.is_cancelled() {
                        return;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { return };
                    let outcome = import_one(library, path);
                    let mut guard = state.lock().unwrap_or_else(|p| p.into_inner());
                    let (summary, p) = &mut *guard;
                    p.done += 1;
                    p.last = path.file_name().map(|n| n.to_string_lossy().into_owned());
                    match outcome {
                        Ok(Outcome::Imported(f)) => {
                            p.imported += 1;
                            summary.imported.push(f);
                        }
                        Ok(Outcome::Duplicate(f)) => {
                            p.duplicates += 1;
                            summary.duplicates.push(f);
                        }
                        Ok(Outcome::Unreadable(f)) => {
                            p.unreadable += 1;
                            summary.unreadable.push(f);
                        }
                        Err(e) => {
                            // The library cannot take more (disk full, read-only): stop.
                            if summary.error.is_none() {
                                summary.error = Some(ErrorPayload::from(&e));
                            }
                            stop.cancel();
                            p.done -= 1;
                            return;
                        }
                    }
                    let snapshot = p.clone();
                    drop(guard);
                    progress(&snapshot);
                }
            });
        }
    });
    let (mut summary, p) = state.into_inner().unwrap_or_else(|p| p.into_inner());
    summary.cancelled = cancel.is_cancelled();
    summary.not_started = p.total.saturating_sub(p.done);
    // Worker order is arbitrary; the summary reads in walk order.
    let order = |path: &str| files.iter().position(|f| f.as_os_str() == path);
    summary.imported.sort_by_key(|f| order(&f.path));
    summary.duplicates.sort_by_key(|f| order(&f.path));
    summary.unreadable.sort_by_key(|f| order(&f.path));
    Ok(summary)
}

fn unreadable(path: &Path, code: &str, reason: impl Into<String>) -> Outcome {
    Outcome::Unreadable(UnreadableFile {
        path: path.display().to_string(),
        code: code.to_owned(),
        reason: reason.into(),
    })
}

fn modified_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Reads, maps and stores one file. `Err` only for failures of the library itself.
fn import_one(library: &Library, path: &Path) -> Result<Outcome> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return Ok(unreadable(path, "unreadable", walk::io_reason(&e))),
    };
    if meta.len() > MAX_FILE_BYTES {
        return Ok(unreadable(
            path,
            "too_big",
            format!(
                "the file is {} MiB; import reads files up to {} MiB",
                meta.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    let source = SourceFile {
        path: path.display().to_string(),
        byte_size: meta.len(),
        modified_ns: modified_ns(&meta),
    };
    if let Some(image_id) = library.imported_before(&source)? {
        return Ok(Outcome::Duplicate(DuplicateFile {
            path: source.path,
            image_id,
            reason: "already_imported".to_owned(),
        }));
    }
    let bytes = match read_capped(path) {
        Ok(b) => b,
        Err(e) => return Ok(unreadable(path, "unreadable", walk::io_reason(&e))),
    };
    let sha = crate::library::sha256_hex(&bytes);
    if let Some(image_id) = library.live_image_with_sha(&sha)? {
        library.note_import_source(&source, &sha)?;
        return Ok(Outcome::Duplicate(DuplicateFile {
            path: source.path,
            image_id,
            reason: "same_bytes".to_owned(),
        }));
    }
    // The header first: a giant or a non-image is reported before any pixel is decoded.
    let probe = match crate::library::probe(&bytes) {
        Ok(p) => p,
        Err(e) => return Ok(refused(path, &e)),
    };
    let embedded = embedded::read(&bytes, probe.format);
    let mut facts = facts::map(&embedded);
    let credentials = provenance::read(&bytes);
    provenance::apply(&credentials, &mut facts);
    let imported_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let model = facts
        .model
        .clone()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| facts::UNKNOWN_MODEL.to_owned());
    let license = terms::snapshot(&facts, &model, &imported_at);
    let origin = ImportOrigin {
        tool: facts.tool.clone(),
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        file_modified: meta
            .modified()
            .ok()
            .map(|t| chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339()),
        imported_at,
        digital_source_type: facts.digital_source_type.clone(),
        declared: facts.declared.clone(),
        unmapped: std::mem::take(&mut facts.unmapped),
        provenance: provenance::kept(&credentials),
    };
    let seed = facts.params.seed.and_then(|s| i64::try_from(s).ok());
    let new = ImportedImage {
        bytes: &bytes,
        source,
        provider: facts.tool.clone(),
        model,
        prompt: facts.prompt.clone().unwrap_or_default(),
        params: facts.params,
        seed,
        license,
        origin,
        credentials,
    };
    match library.store_import(&new) {
        Ok(ImportStored::Imported(record)) => Ok(Outcome::Imported(ImportedFile {
            path: new.source.path,
            image_id: record.summary.id,
            tool: new.provider,
        })),
        Ok(ImportStored::Duplicate { image_id }) => Ok(Outcome::Duplicate(DuplicateFile {
            path: new.source.path,
            image_id,
            reason: "same_bytes".to_owned(),
        })),
        Err(e @ (Error::NotAnImage { .. } | Error::ImageTooLarge { .. })) => Ok(refused(path, &e)),
        Err(e) => Err(e),
    }
}

/// A file the image checks refused, with the reason in words about the file.
fn refused(path: &Path, e: &Error) -> Outcome {
    match e {
        Error::NotAnImage { message } => unreadable(
            path,
            "not_an_image",
            format!("not a PNG, JPEG or WebP image that can be read: {message}"),
        ),
        other => unreadable(path, other.code(), other.to_string()),
    }
}

/// The file's bytes, refusing more than `MAX_FILE_BYTES` even if it grew since its stat.
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "the file grew past {} MiB while it was read",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

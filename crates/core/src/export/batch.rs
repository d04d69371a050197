//! Many images into one folder, with `licenses.csv`. Policy: see the module docs of `export`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::options::{ExportOptions, NameClash};
use super::preflight::{ExportFlag, preflight};
use super::render::{Rendered, render, validate};
use super::store::{MAX_NAME_ATTEMPTS, remove_quietly, store};
use super::{ExportItem, ExportedFile, licenses_csv, naming, write};
use crate::{Error, ErrorPayload, Result};

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
    write::remove_stale_parts(out_dir);
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

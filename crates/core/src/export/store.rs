//! Writing a rendered file, and its licence note, under a name that is free.

use std::path::Path;

use super::options::{ExportOptions, NameClash};
use super::render::Rendered;
use super::{ExportItem, ExportedFile, license_note, naming, preflight, write};
use crate::{Error, Result};

pub(super) const MAX_NAME_ATTEMPTS: u32 = 10_000;

pub(super) fn remove_quietly(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// Write the rendered file (and its licence note) under a free name.
pub(super) fn store(
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
            flags: preflight::flags_for(item),
            content_credentials: rendered.credentials.clone(),
        });
    }
    Err(Error::Export {
        message: format!(
            "There are already too many files named {stem} in {}. Choose another folder.",
            out_dir.display()
        ),
    })
}

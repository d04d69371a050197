//! Moving the library to another folder: copied through a verified backup (the database by
//! SQLite's online backup, every original checked against its sha256), restored into the new
//! folder and verified again, and only then made the library Easel opens. The old copy stays
//! until the user removes it.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::app_dirs::AppDirs;
use crate::engine::Engine;
use crate::library::{DB_FILE, restore};
use crate::library_location::LibraryLocation;
use crate::{Error, Result};

/// What a move did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MoveReport {
    pub images: u32,
    pub originals: u32,
    /// Bytes of originals copied.
    pub bytes: u64,
    pub from: String,
    pub to: String,
}

/// Where a library goes when the user picks `folder`: the folder itself when it is empty,
/// else an "Easel library" folder inside it (people pick a disk or their Pictures folder).
pub fn destination_in(folder: &Path) -> PathBuf {
    let empty = std::fs::read_dir(folder).map_or(true, |mut d| d.next().is_none());
    if empty {
        folder.to_path_buf()
    } else {
        folder.join("Easel library")
    }
}

impl Engine {
    /// Copies the library into `to` (new or empty), verifies the copy, and makes it the
    /// library Easel opens from the next start. The running engine keeps the old folder open:
    /// front ends restart to switch. The old copy is kept; see `remove_previous_library`.
    pub fn move_library(&self, to: &Path) -> Result<MoveReport> {
        if AppDirs::data_dir_from_env() {
            return Err(Error::InvalidInput(
                "The library folder is set by EASEL_DATA_DIR; change that variable to use another folder.".to_owned(),
            ));
        }
        let from = self.library().data_dir().to_path_buf();
        let to = absolute(to)?;
        let (from_real, to_real) = (real(&from), real(&to));
        if to_real.starts_with(&from_real) || from_real.starts_with(&to_real) {
            return Err(Error::InvalidInput(format!(
                "{} is inside the library (or holds it); choose a folder outside {}.",
                to.display(),
                from.display()
            )));
        }
        let parent = to.parent().ok_or_else(|| {
            Error::InvalidInput(format!("{} has no parent folder.", to.display()))
        })?;
        crate::private_fs::create_dir(parent)?;
        let archive = tempfile::Builder::new()
            .prefix(".easel-move-")
            .suffix(".tar")
            .tempfile_in(parent)
            .map_err(Error::io("create a temporary file in", parent))?
            .into_temp_path();
        let backup = self.library().backup_to(&archive)?;
        if let Some(first) = backup.left_out.first() {
            // Moving would silently lose these images: refuse, and say which.
            return Err(Error::Damaged {
                image_id: first.image_id.clone(),
                detail: format!(
                    "{}; {} original(s) in all are missing or damaged, so the library was not moved",
                    first.reason,
                    backup.left_out.len()
                ),
            });
        }
        let restored = restore(&archive, &to)?;
        drop(archive);
        let location = LibraryLocation {
            data_dir: Some(to.clone()),
            previous: Some(from.clone()),
        };
        location.save(&self.dirs().config)?;
        Ok(MoveReport {
            images: u32::try_from(restored.images).unwrap_or(u32::MAX),
            originals: u32::try_from(restored.originals).unwrap_or(u32::MAX),
            bytes: backup.bytes,
            from: from.display().to_string(),
            to: to.display().to_string(),
        })
    }

    /// The folder the library was moved from, while its copy is still on disk and is not the
    /// library in use.
    pub fn previous_library(&self) -> Result<Option<PathBuf>> {
        let location = LibraryLocation::load(&self.dirs().config)?;
        Ok(location
            .previous
            .filter(|p| p.join(DB_FILE).is_file() && real(p) != real(self.library().data_dir())))
    }

    /// Removes the old copy left by a move. Refuses anything that is not that copy, or while
    /// the old folder is still the library in use.
    pub fn remove_previous_library(&self) -> Result<PathBuf> {
        let mut location = LibraryLocation::load(&self.dirs().config)?;
        let Some(previous) = self.previous_library()? else {
            return Err(Error::not_found("An old copy of the library"));
        };
        std::fs::remove_dir_all(&previous).map_err(Error::io("remove", &previous))?;
        location.previous = None;
        location.save(&self.dirs().config)?;
        Ok(previous)
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(Error::io("resolve", path))
}

/// The path with symlinks resolved as far as it exists, for comparing folders.
fn real(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    out
}

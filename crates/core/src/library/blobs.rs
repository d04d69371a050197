//! Content-addressed files: originals at `originals/ab/cd/<sha256>.<ext>` and thumbnails at
//! `thumbs/<edge>/ab/<sha256>.jpg`, each written atomically (temp file in the target
//! directory, write, fsync, rename, fsync the directory).

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::records::ThumbSize;
use crate::atomic_file;
use crate::error::{Error, Result};

/// Prefix of temp files; anything with it left in a blob directory is debris from a crash.
pub const TEMP_PREFIX: &str = ".tmp-";

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The file layout under one data folder.
#[derive(Debug, Clone)]
pub struct BlobLayout {
    root: PathBuf,
}

impl BlobLayout {
    pub fn new(root: &Path) -> BlobLayout {
        BlobLayout {
            root: root.to_path_buf(),
        }
    }

    pub fn originals_root(&self) -> PathBuf {
        self.root.join("originals")
    }

    pub fn thumbs_root(&self) -> PathBuf {
        self.root.join("thumbs")
    }

    /// What edits were made from (input images, masks), content-addressed.
    pub fn inputs_root(&self) -> PathBuf {
        self.root.join("inputs")
    }

    pub fn input(&self, sha: &str, ext: &str) -> PathBuf {
        self.inputs_root()
            .join(shard(sha, 0))
            .join(format!("{sha}.{ext}"))
    }

    pub fn original_dir(&self, sha: &str) -> PathBuf {
        self.originals_root()
            .join(shard(sha, 0))
            .join(shard(sha, 1))
    }

    pub fn original(&self, sha: &str, ext: &str) -> PathBuf {
        self.original_dir(sha).join(format!("{sha}.{ext}"))
    }

    pub fn thumb_dir(&self, sha: &str, size: ThumbSize) -> PathBuf {
        self.thumbs_root()
            .join(size.long_edge().to_string())
            .join(shard(sha, 0))
    }

    pub fn thumb(&self, sha: &str, size: ThumbSize) -> PathBuf {
        self.thumb_dir(sha, size).join(format!("{sha}.jpg"))
    }

    /// Every directory a blob of `sha` may have files (and temp files) in.
    pub fn dirs_of(&self, sha: &str) -> Vec<PathBuf> {
        let mut dirs = vec![self.original_dir(sha)];
        dirs.extend(ThumbSize::ALL.iter().map(|s| self.thumb_dir(sha, *s)));
        dirs
    }

    /// Removes the original and thumbnails of `sha`; missing files are fine.
    pub fn remove_all(&self, sha: &str, ext: &str) -> Result<()> {
        remove_if_present(&self.original(sha, ext))?;
        for size in ThumbSize::ALL {
            remove_if_present(&self.thumb(sha, size))?;
        }
        Ok(())
    }

    /// Removes temp files left in the directories of `sha` by an interrupted write.
    pub fn remove_temps(&self, sha: &str) -> Result<usize> {
        let mut removed = 0;
        for dir in self.dirs_of(sha) {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io("list", &dir)(e)),
            };
            for entry in entries {
                let entry = entry.map_err(Error::io("list", &dir))?;
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with(TEMP_PREFIX) && name.contains(sha) {
                    remove_if_present(&entry.path())?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

/// Two hex characters of the sha per directory level, so no directory grows past 256 entries
/// per level.
fn shard(sha: &str, level: usize) -> &str {
    sha.get(level * 2..level * 2 + 2).unwrap_or("__")
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("remove", path)(e)),
    }
}

/// Writes `bytes` to `path` so that `path` either does not exist or holds all of them, even if
/// the process dies or the machine loses power midway. `tag` goes into the temp file's name so
/// the crash sweep can find it.
pub fn write_atomic(path: &Path, tag: &str, bytes: &[u8]) -> Result<()> {
    atomic_file::write_with_prefix(path, bytes, &format!("{TEMP_PREFIX}{tag}-"), None)
}

/// True when `path` holds a file of `len` bytes: a stored original is reused only then.
pub fn is_complete(path: &Path, len: u64) -> bool {
    fs::metadata(path)
        .map(|m| m.is_file() && m.len() == len)
        .unwrap_or(false)
}

/// True when the file at `path` holds exactly `bytes`.
pub fn holds(path: &Path, bytes: &[u8]) -> bool {
    fs::read(path)
        .map(|on_disk| on_disk == bytes)
        .unwrap_or(false)
}

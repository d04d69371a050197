//! Whole-file writes that either happen completely or not at all: a temp file in the same
//! folder, fsync, rename over the target, fsync the folder.

use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

/// Writes `bytes` to `path` atomically. On Unix the file gets `mode` (e.g. 0o600 for secrets)
/// before any byte is written, so a secret is never readable by others, even briefly.
pub fn write(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<()> {
    write_with_prefix(path, bytes, ".tmp-", mode)
}

/// As [`write`], with the temp file named `<temp_prefix>…`, so a crash sweep can recognise
/// the debris of an interrupted write.
pub fn write_with_prefix(
    path: &Path,
    bytes: &[u8],
    temp_prefix: &str,
    mode: Option<u32>,
) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::InvalidInput(format!("{} has no parent folder", path.display())))?;
    crate::private_fs::create_dir(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(temp_prefix)
        .tempfile_in(dir)
        .map_err(Error::io("create a temporary file in", dir))?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(Error::io("set permissions on", tmp.path()))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.write_all(bytes)
        .map_err(Error::io("write", tmp.path()))?;
    tmp.as_file()
        .sync_all()
        .map_err(Error::io("flush", tmp.path()))?;
    tmp.persist(path).map_err(|e| Error::Io {
        action: "replace",
        path: path.to_path_buf(),
        source: e.error,
    })?;
    sync_dir(dir)
}

/// Makes a rename durable: without it a crash can forget the new directory entry.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io("flush folder", dir))?;
    #[cfg(not(unix))]
    let _ = dir; // Windows cannot open folders for sync; NTFS journals the rename.
    Ok(())
}

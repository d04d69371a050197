//! Creating files that never overwrite and never leave a partial file: bytes go to a temp
//! file in the target folder, are fsynced, then linked into place only if the name is free.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::atomic_file;
use crate::{Error, Result};

thread_local! {
    static DISK_BUDGET: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Fault injection for tests: pretend the disk has only `bytes` left for writes made by
/// this thread (`None` lifts the limit). Writes past it fail like a full disk would.
#[doc(hidden)]
pub fn simulate_disk_space(bytes: Option<u64>) {
    DISK_BUDGET.with(|b| b.set(bytes));
}

fn write_budgeted(file: &mut File, bytes: &[u8]) -> io::Result<()> {
    // A write that does not fit fails after filling the space; the caller then deletes
    // the temp file, which frees that space again, so only successful writes use it up.
    let allowed = DISK_BUDGET.with(|b| match b.get() {
        None => bytes.len(),
        Some(left) => {
            let allowed = usize::try_from(left).unwrap_or(usize::MAX).min(bytes.len());
            if allowed == bytes.len() {
                b.set(Some(left - allowed as u64));
            }
            allowed
        }
    });
    file.write_all(&bytes[..allowed])?;
    if allowed < bytes.len() {
        return Err(io::Error::new(
            io::ErrorKind::StorageFull,
            "No space left on device (simulated)",
        ));
    }
    Ok(())
}

pub fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(Error::io("create the folder", dir))?;
    if !dir.is_dir() {
        return Err(Error::Io {
            action: "use the folder",
            path: dir.to_owned(),
            source: io::Error::new(io::ErrorKind::NotADirectory, "it is not a folder"),
        });
    }
    Ok(())
}

/// Whether something (file, folder, dangling link) already has this name.
pub fn is_taken(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

#[derive(Debug)]
pub enum Outcome {
    Written(PathBuf),
    /// The name was taken (possibly by someone else a moment ago); nothing was written.
    Taken,
}

/// Write `bytes` as `dir/name`, only if that name is free.
pub fn write_new(dir: &Path, name: &str, bytes: &[u8]) -> Result<Outcome> {
    let target = dir.join(name);
    if is_taken(&target) {
        return Ok(Outcome::Taken);
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".easel-export-").suffix(".part");
    // Temp files are private (0600) by default; an exported file is an ordinary
    // document, so ask for 0666 and let the umask decide, as any other app would.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(Error::io("create a file in", dir))?;
    // On any early return below, dropping `tmp` deletes the temp file.
    write_budgeted(tmp.as_file_mut(), bytes).map_err(Error::io("write", &target))?;
    tmp.as_file()
        .sync_all()
        .map_err(Error::io("write", &target))?;
    match tmp.persist_noclobber(&target) {
        Ok(_) => {}
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => return Ok(Outcome::Taken),
        Err(e) => {
            // Filesystems without hard links (FAT, some network shares) cannot do an
            // exclusive rename; fall back to check-then-rename there.
            if is_taken(&target) {
                return Ok(Outcome::Taken);
            }
            e.file
                .persist(&target)
                .map_err(|e| Error::io("save", &target)(e.error))?;
        }
    }
    // Not possible on every platform, so a failure here is not an error.
    let _ = atomic_file::sync_dir(dir);
    Ok(Outcome::Written(target))
}

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

/// Temp files are `.easel-export-<pid>-<random>.part`: the pid says whether the export that
/// wrote one is still running.
const PART_PREFIX: &str = ".easel-export-";
const PART_SUFFIX: &str = ".part";
/// A part file whose writer cannot be identified is left alone this long.
const UNKNOWN_WRITER_GRACE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes the temp files an export killed midway (crash, kill -9, power cut) left in `dir`;
/// those of exports still running are kept. Returns how many were removed.
pub fn remove_stale_parts(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name
            .strip_prefix(PART_PREFIX)
            .filter(|_| name.ends_with(PART_SUFFIX))
        else {
            continue;
        };
        let writer = rest
            .split_once('-')
            .and_then(|(pid, _)| pid.parse::<u32>().ok());
        let stale = match writer.and_then(process_is_running) {
            Some(running) => !running,
            None => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > UNKNOWN_WRITER_GRACE),
        };
        if stale && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// `Some(running)` where the system can tell, `None` where it cannot.
fn process_is_running(pid: u32) -> Option<bool> {
    if pid == std::process::id() {
        return Some(true);
    }
    let proc_root = Path::new("/proc");
    if proc_root.join("self").exists() {
        Some(proc_root.join(pid.to_string()).exists())
    } else {
        None
    }
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
    let prefix = format!("{PART_PREFIX}{}-", std::process::id());
    builder.prefix(&prefix).suffix(PART_SUFFIX);
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

//! One data folder, several processes: every open library holds a shared lock on
//! `easel.lock`; the crash sweep runs only under the exclusive lock, i.e. when no other
//! process has the library open (so nothing it might delete is in flight).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use crate::error::{Error, Result};

pub const LOCK_FILE: &str = "easel.lock";

pub struct InstanceLock {
    file: File,
    /// True while this process holds the lock exclusively.
    alone: bool,
}

impl InstanceLock {
    /// Takes the lock exclusively if no other process holds it, else shares it.
    pub fn acquire(root: &Path) -> Result<InstanceLock> {
        let path = root.join(LOCK_FILE);
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).read(true).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(Error::io("open", &path))?;
        let alone = match file.try_lock() {
            Ok(()) => true,
            Err(TryLockError::WouldBlock) => {
                file.lock_shared().map_err(Error::io("lock", &path))?;
                false
            }
            Err(TryLockError::Error(e)) => {
                // A filesystem without locks: fall back to the documented rule of one
                // instance per data folder.
                tracing::warn!(
                    "cannot lock {}: {e}; assuming a single instance",
                    path.display()
                );
                true
            }
        };
        Ok(InstanceLock { file, alone })
    }

    /// For a library opened read-only: a shared lock on the existing lock file (a lock needs
    /// no write access), so a repair sweep elsewhere waits for us. No lock file, no lock.
    pub fn acquire_read_only(root: &Path) -> Result<Option<InstanceLock>> {
        let path = root.join(LOCK_FILE);
        let file = match OpenOptions::new().read(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("open", &path)(e)),
        };
        if let Err(e) = file.lock_shared() {
            tracing::warn!("cannot lock {}: {e}", path.display());
        }
        Ok(Some(InstanceLock { file, alone: false }))
    }

    pub fn is_alone(&self) -> bool {
        self.alone
    }

    /// After the sweep: let other processes open the library too.
    pub fn share(&mut self) -> Result<()> {
        if self.alone {
            let _ = self.file.unlock();
            if let Err(e) = self.file.lock_shared() {
                tracing::warn!("cannot take a shared lock on the library: {e}");
            }
            self.alone = false;
        }
        Ok(())
    }
}

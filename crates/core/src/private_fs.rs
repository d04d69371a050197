//! Easel's own folders and files are private to the user whatever the umask: folders 0700,
//! files 0600. Settings and key files that other users could change are refused, because a
//! changed base URL would send the stored key elsewhere.

use std::path::Path;

use crate::{Error, Result};

/// Creates `dir` and any missing parents as 0700 (the umask can only remove bits from that).
/// An existing folder is left as it is: it may be one the user chose and shares.
pub fn create_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(Error::io("create folder", dir))
}

/// Makes an existing file readable and writable by its owner only.
pub fn restrict_file(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(Error::io("read the permissions of", path))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(Error::io("set permissions on", path))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Refuses a file (and the folder holding it) that users other than its owner can write.
/// A missing file is fine: there is nothing to trust yet.
pub fn ensure_not_shared_writable(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let writable_by_others = |p: &Path| -> Result<bool> {
            match std::fs::metadata(p) {
                // Group or other write, without the sticky bit that stops others replacing
                // files they do not own (for folders such as /tmp).
                Ok(m) => {
                    let mode = m.mode();
                    let sticky = m.is_dir() && mode & 0o1000 != 0;
                    Ok(mode & 0o022 != 0 && !sticky)
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(Error::io("read the permissions of", p)(e)),
            }
        };
        if !path.exists() {
            return Ok(());
        }
        if writable_by_others(path)? {
            return Err(Error::InsecurePermissions {
                path: path.to_owned(),
            });
        }
        if let Some(dir) = path.parent()
            && writable_by_others(dir)?
        {
            return Err(Error::InsecurePermissions {
                path: dir.to_owned(),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Whether the file system holding `path` (or its nearest existing parent) has no room left
/// for even a small write: SQLite reports that as a plain I/O error.
pub fn disk_is_full(path: &Path) -> bool {
    const NEARLY_NOTHING: u64 = 256 * 1024;
    #[cfg(unix)]
    {
        let mut at = Some(path);
        while let Some(p) = at {
            if let Ok(stats) = rustix::fs::statvfs(p) {
                return stats.f_bavail.saturating_mul(stats.f_frsize) < NEARLY_NOTHING;
            }
            at = p.parent();
        }
        false
    }
    #[cfg(not(unix))]
    {
        let _ = (path, NEARLY_NOTHING);
        false
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn new_folders_are_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&root.path().join("a")), 0o700);
    }

    #[test]
    fn files_others_can_write_are_refused() {
        let root = tempfile::tempdir().unwrap();
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let file = root.path().join("settings.json");
        ensure_not_shared_writable(&file).unwrap();
        std::fs::write(&file, b"{}").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        let err = ensure_not_shared_writable(&file).unwrap_err();
        assert_eq!(err.code(), "insecure_permissions");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        ensure_not_shared_writable(&file).unwrap();
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(
            ensure_not_shared_writable(&file).unwrap_err().code(),
            "insecure_permissions"
        );
    }

    #[test]
    fn restrict_file_drops_group_and_other_bits() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("db");
        std::fs::write(&file, b"x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        restrict_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
    }
}

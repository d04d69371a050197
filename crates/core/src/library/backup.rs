//! Backups: one tar file holding a consistent copy of the database (SQLite's online backup,
//! so the app may keep running), every original (checked against its sha256 as it is
//! read), and `manifest.json` listing each file's sha256. Thumbnails are left out: they are
//! rebuilt from the originals. Restore unpacks into a new folder, verifies every file
//! against the manifest and the database's integrity, and only then puts the folder in place.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::blobs::{BlobLayout, sha256_hex};
use super::records::ImageFormat;
use super::{DB_FILE, Library, read_verified};
use crate::error::{Error, Result};

pub const MANIFEST: &str = "manifest.json";
const FORMAT: &str = "easel-backup";
const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupFile {
    /// Relative to the data folder, `/`-separated.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupManifest {
    pub format: String,
    pub version: u32,
    pub created_at: String,
    pub schema_version: i64,
    pub database: BackupFile,
    pub originals: Vec<BackupFile>,
    /// What edits were made from (input images, masks), so that they can be re-run.
    #[serde(default)]
    pub inputs: Vec<BackupFile>,
    /// Originals not included because they are missing or damaged, by image id.
    #[serde(default)]
    pub left_out: Vec<LeftOut>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    pub image_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupReport {
    pub path: PathBuf,
    pub images: usize,
    pub originals: usize,
    pub bytes: u64,
    pub left_out: Vec<LeftOut>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    pub data_dir: PathBuf,
    pub originals: usize,
    pub images: usize,
    pub thumbnails_rebuilt: usize,
}

fn to_tar_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::io("write", path)(e)
}

fn append(
    tar: &mut tar::Builder<std::fs::File>,
    name: &str,
    bytes: &[u8],
    out: &Path,
) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default());
    header.set_cksum();
    tar.append_data(&mut header, name, bytes)
        .map_err(to_tar_err(out))
}

impl Library {
    /// Writes a backup of this library to `out` (a new file, written atomically). Safe while
    /// other processes use the library. Originals that are missing or damaged are left out
    /// and listed in the report; everything written was checked against its sha256.
    pub fn backup_to(&self, out: &Path) -> Result<BackupReport> {
        let out_dir = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        crate::private_fs::create_dir(out_dir)?;
        let work = tempfile::Builder::new()
            .prefix(".easel-backup-")
            .tempdir_in(out_dir)
            .map_err(Error::io("create a temporary folder in", out_dir))?;

        // A consistent copy of the database, taken page by page while others may write.
        let db_copy = work.path().join(DB_FILE);
        self.conn()
            .backup(rusqlite::MAIN_DB, &db_copy, None)
            .map_err(|e| Error::from_sqlite(e, out_dir))?;
        let copy = rusqlite::Connection::open(&db_copy)?;
        copy.execute_batch("PRAGMA journal_mode = DELETE;")?;
        let schema_version: i64 = copy.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let blobs: Vec<(String, String, String, i64)> = copy
            .prepare(
                "SELECT min(id), sha256, format, byte_size FROM images GROUP BY sha256 ORDER BY min(seq)",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let images: i64 = copy.query_row("SELECT count(*) FROM images", [], |r| r.get(0))?;
        let inputs: Vec<(String, String)> = copy
            .prepare(
                "SELECT sha256, format FROM derivation_inputs \
                 UNION SELECT mask_sha256, 'png' FROM derivations WHERE mask_sha256 IS NOT NULL \
                 ORDER BY 1",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        drop(copy);
        let db_bytes = std::fs::read(&db_copy).map_err(Error::io("read", &db_copy))?;

        let archive_tmp = tempfile::Builder::new()
            .prefix(".easel-backup-")
            .suffix(".part")
            .tempfile_in(out_dir)
            .map_err(Error::io("create a file in", out_dir))?;
        let (file, tmp_path) = archive_tmp.into_parts();
        let mut tar = tar::Builder::new(file);
        append(&mut tar, DB_FILE, &db_bytes, out)?;
        let database = BackupFile {
            path: DB_FILE.into(),
            sha256: sha256_hex(&db_bytes),
            bytes: db_bytes.len() as u64,
        };
        drop(db_bytes);

        let mut originals = Vec::new();
        let mut left_out = Vec::new();
        let mut total = database.bytes;
        for (image_id, sha, format, byte_size) in blobs {
            let Some(format) = ImageFormat::parse(&format) else {
                left_out.push(LeftOut {
                    image_id,
                    reason: format!("unknown format {format:?}"),
                });
                continue;
            };
            let path = self.layout.original(&sha, format.extension());
            match read_verified(&path, &sha, u64::try_from(byte_size).ok(), &image_id) {
                Ok(bytes) => {
                    let relative = path
                        .strip_prefix(&self.root)
                        .map(|p| p.to_string_lossy().replace('\\', "/"))
                        .unwrap_or_default();
                    append(&mut tar, &relative, &bytes, out)?;
                    total += bytes.len() as u64;
                    originals.push(BackupFile {
                        path: relative,
                        sha256: sha,
                        bytes: bytes.len() as u64,
                    });
                }
                Err(e @ (Error::NotFound { .. } | Error::Damaged { .. })) => {
                    left_out.push(LeftOut {
                        image_id,
                        reason: e.to_string(),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        let mut kept_inputs = Vec::new();
        for (sha, format) in inputs {
            let Some(format) = ImageFormat::parse(&format) else {
                continue;
            };
            let path = self.layout.input(&sha, format.extension());
            match read_verified(&path, &sha, None, &format!("input {sha}")) {
                Ok(bytes) => {
                    let relative = path
                        .strip_prefix(&self.root)
                        .map(|p| p.to_string_lossy().replace('\\', "/"))
                        .unwrap_or_default();
                    append(&mut tar, &relative, &bytes, out)?;
                    total += bytes.len() as u64;
                    kept_inputs.push(BackupFile {
                        path: relative,
                        sha256: sha,
                        bytes: bytes.len() as u64,
                    });
                }
                Err(e @ (Error::NotFound { .. } | Error::Damaged { .. })) => {
                    left_out.push(LeftOut {
                        image_id: format!("input {sha}"),
                        reason: e.to_string(),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        let manifest = BackupManifest {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            schema_version,
            database,
            originals,
            inputs: kept_inputs,
            left_out,
        };
        let manifest_json = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| Error::InvalidInput(format!("The backup manifest failed: {e}")))?;
        append(&mut tar, MANIFEST, &manifest_json, out)?;
        let file = tar.into_inner().map_err(to_tar_err(out))?;
        file.sync_all().map_err(to_tar_err(out))?;
        drop(file);
        tmp_path.persist(out).map_err(|e| Error::Io {
            action: "save",
            path: out.to_owned(),
            source: e.error,
        })?;
        let _ = crate::atomic_file::sync_dir(out_dir);
        Ok(BackupReport {
            path: out.to_owned(),
            images: images.max(0) as usize,
            originals: manifest.originals.len(),
            bytes: total,
            left_out: manifest.left_out,
        })
    }
}

/// Restores the backup `archive` into `into`, which must not exist or be empty. Nothing is
/// put in place unless every file matches the manifest and the database is sound.
pub fn restore(archive: &Path, into: &Path) -> Result<RestoreReport> {
    if std::fs::read_dir(into).is_ok_and(|mut d| d.next().is_some()) {
        return Err(Error::InvalidInput(format!(
            "{} is not empty. Restore into a new or empty folder.",
            into.display()
        )));
    }
    let parent = into
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    crate::private_fs::create_dir(parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".easel-restore-")
        .tempdir_in(parent)
        .map_err(Error::io("create a temporary folder in", parent))?;
    let file = std::fs::File::open(archive).map_err(Error::io("open", archive))?;
    let mut tar = tar::Archive::new(file);
    let not_a_backup = |why: String| {
        Error::InvalidInput(format!(
            "{} is not a usable Easel backup: {why}",
            archive.display()
        ))
    };
    let mut manifest: Option<BackupManifest> = None;
    for entry in tar.entries().map_err(Error::io("read", archive))? {
        let mut entry = entry.map_err(Error::io("read", archive))?;
        let path = entry
            .path()
            .map_err(Error::io("read", archive))?
            .into_owned();
        let safe = path.components().all(|c| matches!(c, Component::Normal(_)));
        if !safe || !entry.header().entry_type().is_file() {
            return Err(not_a_backup(format!("unexpected entry {}", path.display())));
        }
        if path == Path::new(MANIFEST) {
            let mut text = Vec::new();
            entry
                .read_to_end(&mut text)
                .map_err(Error::io("read", archive))?;
            manifest = Some(
                serde_json::from_slice(&text)
                    .map_err(|e| not_a_backup(format!("its manifest is unreadable ({e})")))?,
            );
            continue;
        }
        let target = staging.path().join(&path);
        if let Some(dir) = target.parent() {
            crate::private_fs::create_dir(dir)?;
        }
        entry.unpack(&target).map_err(Error::io("write", &target))?;
        crate::private_fs::restrict_file(&target)?;
    }
    let manifest = manifest.ok_or_else(|| not_a_backup("it has no manifest".into()))?;
    if manifest.format != FORMAT || manifest.version > FORMAT_VERSION {
        return Err(not_a_backup(format!(
            "format {} version {} is not one this Easel reads",
            manifest.format, manifest.version
        )));
    }
    for file in std::iter::once(&manifest.database)
        .chain(&manifest.originals)
        .chain(&manifest.inputs)
    {
        let path = staging.path().join(&file.path);
        let bytes = std::fs::read(&path)
            .map_err(|_| not_a_backup(format!("{} is listed but missing", file.path)))?;
        if bytes.len() as u64 != file.bytes || sha256_hex(&bytes) != file.sha256 {
            return Err(not_a_backup(format!(
                "{} does not match its sha256; the backup is damaged",
                file.path
            )));
        }
    }
    {
        let conn = rusqlite::Connection::open(staging.path().join(DB_FILE))?;
        let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if verdict != "ok" {
            return Err(not_a_backup(format!("its database is damaged ({verdict})")));
        }
    }
    let layout = BlobLayout::new(staging.path());
    crate::private_fs::create_dir(&layout.originals_root())?;
    // Into place: an empty target folder is replaced by the verified one.
    if into.exists() {
        std::fs::remove_dir(into).map_err(Error::io("replace", into))?;
    }
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, into) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(Error::io("move into place", into)(e));
    }
    let library = Library::open(into)?;
    let thumbnails_rebuilt = library.rebuild_thumbnails()?;
    let images = library.stats()?.images as usize;
    Ok(RestoreReport {
        data_dir: library.data_dir().to_owned(),
        originals: manifest.originals.len(),
        images,
        thumbnails_rebuilt,
    })
}

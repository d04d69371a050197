//! A full scan of a library, and the repairs that are safe: the database's own integrity
//! check, originals that are missing or whose bytes no longer match their sha256, files no
//! row points at, missing or stale thumbnails, and the search index. Repair rebuilds what can
//! be rebuilt (thumbnails, the search index), moves unreferenced files aside (an original is
//! never deleted) and marks damaged images so the window shows them as damaged.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rusqlite::params;
use serde::Serialize;

use super::records::{ImageFormat, ThumbSize};
use super::{Library, blobs, clock, decode, read_verified};
use crate::error::{Error, Result};

/// Folder (in the data folder) that repaired-away files are moved into, never deleted.
pub const SET_ASIDE_DIR: &str = "set-aside";
/// Temp files younger than this may belong to a write in progress.
const TEMP_GRACE: std::time::Duration = std::time::Duration::from_secs(3600);

/// One image whose original has a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OriginalProblem {
    pub image_id: String,
    pub sha256: String,
    pub path: PathBuf,
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// What SQLite's integrity check found; empty when the database is sound.
    pub database_problems: Vec<String>,
    pub images_checked: usize,
    pub missing_originals: Vec<OriginalProblem>,
    pub damaged_originals: Vec<OriginalProblem>,
    /// Files in the originals or thumbnails folders that no image points at.
    pub unreferenced_files: Vec<PathBuf>,
    /// Originals (by sha256) with at least one thumbnail missing.
    pub missing_thumbnails: usize,
    /// Thumbnails that are not a readable image.
    pub stale_thumbnails: Vec<PathBuf>,
    /// Images the search index does not cover, and index entries with no image.
    pub search_index_missing: usize,
    pub search_index_extra: usize,
    /// What `--repair` did; `None` for a check alone.
    pub repaired: Option<RepairReport>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RepairReport {
    pub thumbnails_rebuilt: usize,
    pub search_index_rebuilt: bool,
    /// Where the unreferenced files went (inside `set-aside/` of the data folder).
    pub set_aside: Option<PathBuf>,
    pub files_set_aside: usize,
    /// Images now marked damaged (missing or changed original), and marks cleared because
    /// the original is sound again.
    pub images_marked_damaged: usize,
    pub images_unmarked: usize,
}

impl CheckReport {
    /// Nothing found at all.
    pub fn is_clean(&self) -> bool {
        self.database_problems.is_empty()
            && self.missing_originals.is_empty()
            && self.damaged_originals.is_empty()
            && self.unreferenced_files.is_empty()
            && self.missing_thumbnails == 0
            && self.stale_thumbnails.is_empty()
            && self.search_index_missing == 0
            && self.search_index_extra == 0
    }

    /// Problems a repair cannot fix: a damaged database, or originals that are missing or
    /// damaged (only a backup can bring those back).
    pub fn needs_a_backup(&self) -> bool {
        !self.database_problems.is_empty()
            || !self.missing_originals.is_empty()
            || !self.damaged_originals.is_empty()
    }
}

struct Row {
    id: String,
    sha: String,
    format: ImageFormat,
    byte_size: i64,
    damaged: bool,
}

impl Library {
    /// Scans the whole library; with `repair`, also fixes what can be fixed (see the module
    /// docs). Reads every original, so it takes about as long as reading the library once.
    pub fn check(&self, repair: bool) -> Result<CheckReport> {
        if repair {
            self.ensure_writable()?;
        }
        let mut report = CheckReport {
            database_problems: self.integrity_problems()?,
            ..CheckReport::default()
        };
        let rows = self.all_image_rows()?;
        report.images_checked = rows.len();

        // Originals: each distinct blob read once, every image that uses it reported.
        let mut by_sha: HashMap<&str, Vec<&Row>> = HashMap::new();
        for row in &rows {
            by_sha.entry(row.sha.as_str()).or_default().push(row);
        }
        let mut bad_shas: HashSet<String> = HashSet::new();
        let mut sound_shas: Vec<String> = Vec::new();
        let mut thumbs_missing: Vec<(String, ImageFormat)> = Vec::new();
        for (sha, users) in &by_sha {
            let first = users[0];
            let path = self.layout.original(sha, first.format.extension());
            match read_verified(&path, sha, u64::try_from(first.byte_size).ok(), &first.id) {
                Ok(_) => {
                    sound_shas.push((*sha).to_owned());
                    if ThumbSize::ALL
                        .iter()
                        .any(|s| !self.layout.thumb(sha, *s).is_file())
                    {
                        thumbs_missing.push(((*sha).to_owned(), first.format));
                    }
                }
                Err(e) => {
                    let (list, detail) = match &e {
                        Error::NotFound { .. } => (
                            &mut report.missing_originals,
                            "the file is missing".to_owned(),
                        ),
                        Error::Damaged { detail, .. } => {
                            (&mut report.damaged_originals, detail.clone())
                        }
                        _ => return Err(e),
                    };
                    for user in users {
                        list.push(OriginalProblem {
                            image_id: user.id.clone(),
                            sha256: (*sha).to_owned(),
                            path: path.clone(),
                            detail: detail.clone(),
                        });
                    }
                    bad_shas.insert((*sha).to_owned());
                }
            }
        }
        report.missing_thumbnails = thumbs_missing.len();

        // Files no row points at (blobs being written right now are in the journal: skip).
        let in_flight: HashSet<String> = self
            .conn()
            .prepare("SELECT sha256 FROM blob_journal")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let known: HashSet<&str> = by_sha.keys().copied().collect();
        for file in files_under(&self.layout.originals_root())?
            .into_iter()
            .chain(files_under(&self.layout.thumbs_root())?)
        {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with(blobs::TEMP_PREFIX) {
                let old = std::fs::metadata(&file)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > TEMP_GRACE);
                if old {
                    report.unreferenced_files.push(file);
                }
                continue;
            }
            let sha = name.split('.').next().unwrap_or_default();
            if in_flight.contains(sha) {
                continue;
            }
            if !known.contains(sha) {
                report.unreferenced_files.push(file);
            } else if file.starts_with(self.layout.thumbs_root()) && !thumbnail_is_readable(&file) {
                report.stale_thumbnails.push(file);
            }
        }
        report.unreferenced_files.sort();

        let (missing, extra) = self.search_index_gaps()?;
        report.search_index_missing = missing;
        report.search_index_extra = extra;

        if repair {
            let mut done = RepairReport::default();
            for path in &report.stale_thumbnails {
                let _ = std::fs::remove_file(path);
            }
            let stale_shas: HashSet<String> = report
                .stale_thumbnails
                .iter()
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect();
            for sha in stale_shas {
                if let Some(row) = by_sha.get(sha.as_str()).map(|u| u[0])
                    && !thumbs_missing.iter().any(|(s, _)| *s == sha)
                {
                    thumbs_missing.push((sha.clone(), row.format));
                }
            }
            for (sha, format) in &thumbs_missing {
                if bad_shas.contains(sha) {
                    continue;
                }
                self.remake_thumbnails(sha, *format, &ThumbSize::ALL)?;
                done.thumbnails_rebuilt += 1;
            }
            if missing > 0 || extra > 0 {
                self.rebuild_search_index()?;
                done.search_index_rebuilt = true;
            }
            if !report.unreferenced_files.is_empty() {
                let dir = self.set_aside(&report.unreferenced_files)?;
                done.files_set_aside = report.unreferenced_files.len();
                done.set_aside = Some(dir);
            }
            let (marked, unmarked) = self.mark_damaged(&rows, &bad_shas, &sound_shas)?;
            done.images_marked_damaged = marked;
            done.images_unmarked = unmarked;
            report.repaired = Some(done);
        }
        Ok(report)
    }

    fn integrity_problems(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("PRAGMA integrity_check(100)")?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows.into_iter().filter(|r| r != "ok").collect())
    }

    fn all_image_rows(&self) -> Result<Vec<Row>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, sha256, format, byte_size, damaged_at IS NOT NULL FROM images ORDER BY seq",
        )?;
        let raw: Vec<(String, String, String, i64, bool)> = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        raw.into_iter()
            .map(|(id, sha, format, byte_size, damaged)| {
                let format = ImageFormat::parse(&format)
                    .ok_or_else(|| super::corrupt("image format", &format))?;
                Ok(Row {
                    id,
                    sha,
                    format,
                    byte_size,
                    damaged,
                })
            })
            .collect()
    }

    fn search_index_gaps(&self) -> Result<(usize, usize)> {
        let conn = self.conn();
        let missing: i64 = conn.query_row(
            "SELECT count(*) FROM images WHERE deleted_at IS NULL \
             AND seq NOT IN (SELECT rowid FROM images_fts)",
            [],
            |r| r.get(0),
        )?;
        let extra: i64 = conn.query_row(
            "SELECT count(*) FROM images_fts \
             WHERE rowid NOT IN (SELECT seq FROM images WHERE deleted_at IS NULL)",
            [],
            |r| r.get(0),
        )?;
        Ok((missing.max(0) as usize, extra.max(0) as usize))
    }

    /// Rebuilds the search index from the live images and their prompts (the trash is not
    /// searched), in one transaction.
    pub fn rebuild_search_index(&self) -> Result<()> {
        self.ensure_writable()?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO images_fts (images_fts) VALUES ('delete-all')",
            [],
        )?;
        tx.execute(
            "INSERT INTO images_fts (rowid, prompt, revised_prompt) \
             SELECT i.seq, g.prompt, i.revised_prompt FROM images i \
             JOIN generations g ON g.id = i.generation_id WHERE i.deleted_at IS NULL",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Moves `files` (all inside the data folder) to `set-aside/<time>/`, keeping their
    /// relative paths. Same file system, so a rename: nothing is copied or lost.
    fn set_aside(&self, files: &[PathBuf]) -> Result<PathBuf> {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        let dir = self.root.join(SET_ASIDE_DIR).join(stamp);
        for file in files {
            let Ok(relative) = file.strip_prefix(&self.root) else {
                continue;
            };
            let target = dir.join(relative);
            if let Some(parent) = target.parent() {
                crate::private_fs::create_dir(parent)?;
            }
            std::fs::rename(file, &target).map_err(Error::io("move aside", file))?;
        }
        Ok(dir)
    }

    fn mark_damaged(
        &self,
        rows: &[Row],
        bad: &HashSet<String>,
        sound: &[String],
    ) -> Result<(usize, usize)> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let now = clock::now_ms();
        let mut marked = 0;
        let mut unmarked = 0;
        for row in rows {
            if bad.contains(&row.sha) && !row.damaged {
                marked += tx.execute(
                    "UPDATE images SET damaged_at = ?2 WHERE id = ?1",
                    params![row.id, now],
                )?;
            } else if row.damaged && sound.contains(&row.sha) {
                unmarked += tx.execute(
                    "UPDATE images SET damaged_at = NULL WHERE id = ?1",
                    [&row.id],
                )?;
            }
        }
        tx.commit()?;
        Ok((marked, unmarked))
    }
}

fn thumbnail_is_readable(path: &Path) -> bool {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| decode::decode(&bytes).ok())
        .is_some()
}

/// Every file below `dir` (none when it does not exist).
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io("list", &d)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(Error::io("list", &d))?;
            let kind = entry.file_type().map_err(Error::io("list", &d))?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    Ok(files)
}

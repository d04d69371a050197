//! The on-disk library: one SQLite file (`easel.sqlite3`) plus content-addressed originals
//! and thumbnails under one data folder.
//!
//! Crash safety: files are written atomically and before the row that points at them; every
//! blob write is announced in `blob_journal` first, so a crash leaves only journalled debris,
//! which `open` removes. Several processes may open one folder (each holds a shared lock);
//! the repair sweep runs only when a process opens it alone.

mod blobs;
mod clock;
mod decode;
mod instance;
mod query;
mod records;
mod schema;
mod sweep;
mod thumbs;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, params};

pub use blobs::sha256_hex;
pub use decode::{MAX_ALLOC, MAX_SIDE, Probe, probe};
pub use query::{Cursor, fts_query};
pub use records::{
    GenerationDone, GenerationId, GenerationRecord, GenerationStatus, ImageDetail, ImageFormat,
    ImagePage, ImageRecord, ImageSummary, LibraryStats, ListQuery, NewImage, SortOrder, ThumbSize,
};
pub use schema::SCHEMA_VERSION;
pub use sweep::SweepReport;

use crate::error::{Error, Result};
use crate::license::{CommercialUse, LicenseSnapshot};
use crate::request::{GenerationParams, GenerationRequest};
use blobs::BlobLayout;
use instance::InstanceLock;

pub const DB_FILE: &str = "easel.sqlite3";

pub struct Library {
    root: PathBuf,
    layout: BlobLayout,
    conn: Mutex<Connection>,
    sweep: SweepReport,
    _lock: InstanceLock,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library").field("root", &self.root).finish()
    }
}

const DETAIL_COLUMNS: &str = "i.idx, i.byte_size, i.revised_prompt, i.seed, g.params, g.usage, \
     g.request_id, l.json, g.status, i.license_at";

fn corrupt(what: &str, detail: impl std::fmt::Display) -> Error {
    Error::Database(rusqlite::Error::InvalidColumnType(
        0,
        format!("{what}: {detail}"),
        rusqlite::types::Type::Text,
    ))
}

fn image_not_found(id: &str) -> Error {
    Error::not_found(format!("Image {id}"))
}

impl Library {
    /// Opens (creating if needed) the library in `data_dir`: migrates the schema, then, if no
    /// other process has it open, repairs what a crash left behind.
    pub fn open(data_dir: &Path) -> Result<Library> {
        std::fs::create_dir_all(data_dir).map_err(Error::io("create folder", data_dir))?;
        let root = data_dir
            .canonicalize()
            .map_err(Error::io("open folder", data_dir))?;
        let mut lock = InstanceLock::acquire(&root)?;
        let mut conn = schema::connect(&root.join(DB_FILE))?;
        let version = schema::check_version(&conn)?;
        schema::configure(&conn)?;
        schema::migrate(&mut conn, version)?;
        let layout = BlobLayout::new(&root);
        for dir in [layout.originals_root(), layout.thumbs_root()] {
            std::fs::create_dir_all(&dir).map_err(Error::io("create folder", &dir))?;
        }
        let sweep = if lock.is_alone() {
            let report = sweep::run(&conn, &layout)?;
            lock.share()?;
            report
        } else {
            SweepReport::default()
        };
        Ok(Library {
            root,
            layout,
            conn: Mutex::new(conn),
            sweep,
            _lock: lock,
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.root
    }

    /// What `open` repaired.
    pub fn sweep_report(&self) -> SweepReport {
        self.sweep
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions
        // roll back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a request about to be sent, with status `running`.
    pub fn create_generation(&self, req: &GenerationRequest) -> Result<GenerationId> {
        if req.provider.trim().is_empty() || req.model.trim().is_empty() {
            return Err(Error::InvalidInput(
                "A generation needs a provider and a model.".to_owned(),
            ));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let params = serde_json::to_string(&req.params)
            .map_err(|e| Error::InvalidInput(format!("The parameters cannot be saved: {e}")))?;
        self.conn().execute(
            "INSERT INTO generations (id, provider, model, prompt, params, status, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6)",
            params![
                id,
                req.provider,
                req.model,
                req.prompt,
                params,
                clock::now_ms()
            ],
        )?;
        Ok(id)
    }

    pub fn finish_generation(&self, id: &GenerationId, done: &GenerationDone) -> Result<()> {
        let usage = done
            .usage
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| Error::InvalidInput(format!("The usage cannot be saved: {e}")))?;
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE generations SET status = 'succeeded', request_id = ?2, usage = ?3, \
             finished_at = ?4 WHERE id = ?1 AND status = 'running'",
            params![id, done.request_id, usage, clock::now_ms()],
        )?;
        ensure_was_running(&conn, id, changed)
    }

    /// Marks the generation `cancelled` for `Error::Cancelled`, else `failed`, keeping the
    /// error's code and message.
    pub fn fail_generation(&self, id: &GenerationId, err: &Error) -> Result<()> {
        let status = if matches!(err, Error::Cancelled) {
            GenerationStatus::Cancelled
        } else {
            GenerationStatus::Failed
        };
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE generations SET status = ?2, error_code = ?3, error_message = ?4, \
             finished_at = ?5 WHERE id = ?1 AND status = 'running'",
            params![
                id,
                status.as_str(),
                err.code(),
                err.to_string(),
                clock::now_ms()
            ],
        )?;
        ensure_was_running(&conn, id, changed)
    }

    /// Stores one image: checks and decodes it (bounded), writes the original and both
    /// thumbnails atomically, then the row. Blocking: run it on a blocking thread.
    pub fn store_image(&self, new: NewImage<'_>) -> Result<ImageRecord> {
        let (probe, image) = decode::decode(new.bytes)?;
        let sha = blobs::sha256_hex(new.bytes);
        let ext = probe.format.extension();
        let terms_json = serde_json::to_string(&new.license.terms)
            .map_err(|e| Error::InvalidInput(format!("The licence cannot be saved: {e}")))?;
        let terms_sha = blobs::sha256_hex(terms_json.as_bytes());
        let prompt: String = {
            let conn = self.conn();
            let prompt = conn
                .query_row(
                    "SELECT prompt FROM generations WHERE id = ?1",
                    [new.generation_id],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| Error::not_found(format!("Generation {}", new.generation_id)))?;
            journal_blob(&conn, &sha, ext)?;
            prompt
        };
        // The slow part (thumbnails, writes), outside the lock. A stored file with these
        // bytes' sha is compared byte for byte before it is reused, so a damaged copy is
        // replaced rather than trusted.
        self.ensure_blob_files(&sha, ext, new.bytes, &image, true)?;

        let id = uuid::Uuid::now_v7().to_string();
        let mut conn = self.conn();
        // Again under the lock: a purge may have removed the files since (cheap stats only).
        self.ensure_blob_files(&sha, ext, new.bytes, &image, false)?;
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO license_terms (sha256, json) VALUES (?1, ?2) \
             ON CONFLICT (sha256) DO NOTHING",
            params![terms_sha, terms_json],
        )?;
        let license_id: i64 = tx.query_row(
            "SELECT id FROM license_terms WHERE sha256 = ?1",
            [&terms_sha],
            |r| r.get(0),
        )?;
        let inserted = tx.execute(
            "INSERT INTO images (id, generation_id, idx, sha256, width, height, format, \
             byte_size, revised_prompt, seed, favorite, license_id, license_at, commercial_use, \
             created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?12, ?13, ?14) \
             ON CONFLICT (generation_id, idx) DO NOTHING",
            params![
                id,
                new.generation_id,
                new.index,
                sha,
                probe.width,
                probe.height,
                probe.format.as_str(),
                new.bytes.len() as i64,
                new.revised_prompt,
                new.seed,
                license_id,
                new.license.snapshot_at,
                commercial_str(new.license.terms.commercial_use),
                clock::now_ms(),
            ],
        )?;
        if inserted == 0 {
            return Err(Error::InvalidInput(format!(
                "Image {} of generation {} is already stored.",
                new.index, new.generation_id
            )));
        }
        let seq = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO images_fts (rowid, prompt, revised_prompt) VALUES (?1, ?2, ?3)",
            params![seq, prompt, new.revised_prompt],
        )?;
        tx.execute("DELETE FROM blob_journal WHERE sha256 = ?1", [&sha])?;
        tx.commit()?;
        self.detail_with(&conn, &id)
    }

    /// Makes sure the original and thumbnails of `sha` are on disk, writing what is missing;
    /// `verify` also compares an existing original's content.
    fn ensure_blob_files(
        &self,
        sha: &str,
        ext: &str,
        bytes: &[u8],
        image: &image::DynamicImage,
        verify: bool,
    ) -> Result<()> {
        let original = self.layout.original(sha, ext);
        if !blobs::is_complete(&original, bytes.len() as u64)
            || (verify && !blobs::holds(&original, bytes))
        {
            blobs::write_atomic(&original, sha, bytes)?;
        }
        for size in ThumbSize::ALL {
            let path = self.layout.thumb(sha, size);
            if !path.is_file() {
                blobs::write_atomic(&path, sha, &thumbs::render(image, size)?)?;
            }
        }
        Ok(())
    }

    /// One page of live images, newest or oldest first; `next` continues after it.
    pub fn list(&self, q: &ListQuery) -> Result<ImagePage> {
        let limit = query::clamp_limit(q.limit) as usize;
        let conn = self.conn();
        let plan = match q.text.as_deref().and_then(query::fts_query) {
            Some(text) => {
                let matches: i64 = conn.prepare_cached(
                    "SELECT count(*) FROM (SELECT 1 FROM images_fts WHERE images_fts MATCH ?1 LIMIT ?2)",
                )?
                .query_row(params![text, query::SCAN_ABOVE_MATCHES + 1], |r| r.get(0))?;
                if matches > query::SCAN_ABOVE_MATCHES {
                    query::TextPlan::WalkInOrder
                } else {
                    query::TextPlan::LookupMatches
                }
            }
            None => query::TextPlan::LookupMatches,
        };
        let (sql, values) = query::page_sql(q, plan)?;
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows: Vec<(i64, ImageSummary)> = stmt
            .query_map(rusqlite::params_from_iter(values), |r| self.summary(r))?
            .collect::<rusqlite::Result<_>>()?;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|(ms, s)| {
                Cursor {
                    created_at: *ms,
                    id: s.id.clone(),
                }
                .encode()
            })
        } else {
            None
        };
        Ok(ImagePage {
            images: rows.into_iter().map(|(_, s)| s).collect(),
            next,
        })
    }

    /// Reads `SUMMARY_COLUMNS` starting at column 0; also returns the raw `created_at`.
    fn summary(&self, r: &Row<'_>) -> rusqlite::Result<(i64, ImageSummary)> {
        let created_at: i64 = r.get(5)?;
        let format: String = r.get(8)?;
        let format = ImageFormat::parse(&format).ok_or_else(|| {
            rusqlite::Error::InvalidColumnType(8, format, rusqlite::types::Type::Text)
        })?;
        let commercial: String = r.get(10)?;
        let sha: String = r.get(11)?;
        Ok((
            created_at,
            ImageSummary {
                id: r.get(0)?,
                generation_id: r.get(1)?,
                prompt: r.get(2)?,
                provider: r.get(3)?,
                model: r.get(4)?,
                created_at: clock::to_rfc3339(created_at),
                width: r.get(6)?,
                height: r.get(7)?,
                format,
                favorite: r.get(9)?,
                commercial_use: parse_commercial(&commercial),
                path: self
                    .layout
                    .original(&sha, format.extension())
                    .to_string_lossy()
                    .into_owned(),
            },
        ))
    }

    /// Everything about one live image. `Error::NotFound` for unknown or deleted ids.
    pub fn image(&self, id: &str) -> Result<ImageDetail> {
        let conn = self.conn();
        self.detail_with(&conn, id)
    }

    fn detail_with(&self, conn: &Connection, id: &str) -> Result<ImageDetail> {
        let sql = format!(
            "SELECT {}, {DETAIL_COLUMNS} FROM images i \
             JOIN generations g ON g.id = i.generation_id \
             JOIN license_terms l ON l.id = i.license_id \
             WHERE i.id = ?1 AND i.deleted_at IS NULL",
            query::SUMMARY_COLUMNS
        );
        type Raw = (
            ImageSummary,
            u32,
            i64,
            Option<String>,
            Option<i64>,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            String,
            String,
        );
        let raw: Option<Raw> = conn
            .query_row(&sql, [id], |r| {
                let (_, summary) = self.summary(r)?;
                Ok((
                    summary,
                    r.get(12)?,
                    r.get(13)?,
                    r.get(14)?,
                    r.get(15)?,
                    r.get(16)?,
                    r.get(17)?,
                    r.get(18)?,
                    r.get(19)?,
                    r.get(20)?,
                    r.get(21)?,
                    r.get(11)?,
                ))
            })
            .optional()?;
        let (
            summary,
            index,
            byte_size,
            revised_prompt,
            seed,
            params,
            usage,
            request_id,
            terms,
            status,
            license_at,
            sha256,
        ) = raw.ok_or_else(|| image_not_found(id))?;
        let params: GenerationParams =
            serde_json::from_str(&params).map_err(|e| corrupt("generation params", e))?;
        let usage = usage
            .map(|u| serde_json::from_str(&u))
            .transpose()
            .map_err(|e| corrupt("generation usage", e))?;
        let license = LicenseSnapshot {
            terms: serde_json::from_str(&terms).map_err(|e| corrupt("image licence", e))?,
            snapshot_at: license_at,
        };
        let generation_status = GenerationStatus::parse(&status)
            .ok_or_else(|| corrupt("generation status", &status))?;
        Ok(ImageDetail {
            summary,
            index,
            sha256,
            byte_size: byte_size.max(0) as u64,
            revised_prompt,
            seed,
            params,
            usage,
            request_id,
            license,
            generation_status,
        })
    }

    pub fn generation(&self, id: &str) -> Result<GenerationRecord> {
        let conn = self.conn();
        type Raw = (
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            i64,
            Option<i64>,
        );
        let raw: Option<Raw> = conn
            .query_row(
                "SELECT provider, model, prompt, params, status, error_code, error_message, \
                 request_id, usage, created_at, finished_at FROM generations WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                        r.get(10)?,
                    ))
                },
            )
            .optional()?;
        let (
            provider,
            model,
            prompt,
            params,
            status,
            error_code,
            error_message,
            request_id,
            usage,
            created_at,
            finished_at,
        ) = raw.ok_or_else(|| Error::not_found(format!("Generation {id}")))?;
        let image_ids = conn
            .prepare_cached(
                "SELECT id FROM images WHERE generation_id = ?1 AND deleted_at IS NULL ORDER BY idx",
            )?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(GenerationRecord {
            id: id.to_owned(),
            provider,
            model,
            prompt,
            params: serde_json::from_str(&params).map_err(|e| corrupt("generation params", e))?,
            status: GenerationStatus::parse(&status)
                .ok_or_else(|| corrupt("generation status", &status))?,
            error_code,
            error_message,
            request_id,
            usage: usage
                .map(|u| serde_json::from_str(&u))
                .transpose()
                .map_err(|e| corrupt("generation usage", e))?,
            created_at: clock::to_rfc3339(created_at),
            finished_at: finished_at.map(clock::to_rfc3339),
            image_ids,
        })
    }

    pub fn set_favorite(&self, id: &str, favorite: bool) -> Result<()> {
        let changed = self.conn().execute(
            "UPDATE images SET favorite = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id, favorite],
        )?;
        if changed == 0 {
            return Err(image_not_found(id));
        }
        Ok(())
    }

    /// Soft delete: the images leave lists but stay restorable until purged. All or nothing:
    /// an unknown or already deleted id fails the whole call.
    pub fn delete_images(&self, ids: &[String]) -> Result<()> {
        self.set_deleted(ids, Some(clock::now_ms()))
    }

    /// Undoes `delete_images`. All or nothing, like it.
    pub fn restore_images(&self, ids: &[String]) -> Result<()> {
        self.set_deleted(ids, None)
    }

    fn set_deleted(&self, ids: &[String], at: Option<i64>) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let sql = if at.is_some() {
                "UPDATE images SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL"
            } else {
                "UPDATE images SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NOT NULL"
            };
            let mut stmt = tx.prepare(sql)?;
            let mut seen = std::collections::HashSet::new();
            for id in ids.iter().filter(|id| seen.insert(id.as_str())) {
                if stmt.execute(params![id, at])? == 0 {
                    let state = if at.is_some() { "" } else { "deleted " };
                    return Err(Error::not_found(format!("{state}image {id}")));
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes images deleted more than `older_than` ago, for good, with any files no other
    /// image shares. Returns how many images were removed.
    pub fn purge_deleted(&self, older_than: Duration) -> Result<usize> {
        let cutoff = clock::now_ms()
            .saturating_sub(i64::try_from(older_than.as_millis()).unwrap_or(i64::MAX));
        // Files are removed under the connection lock so an ingest of the same bytes cannot
        // commit a row between our reference check and the removal (see `store_image`).
        let mut conn = self.conn();
        // Durable before any file goes: a power cut must not bring back rows whose files
        // were already removed.
        conn.pragma_update(None, "synchronous", "FULL")?;
        let tx = conn.transaction()?;
        let doomed: Vec<(i64, String, String)> = tx
            .prepare(
                "SELECT seq, sha256, format FROM images \
                 WHERE deleted_at IS NOT NULL AND deleted_at <= ?1",
            )?
            .query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut unreferenced: Vec<(String, &'static str)> = Vec::new();
        for (seq, sha, format) in &doomed {
            tx.execute("DELETE FROM images_fts WHERE rowid = ?1", [seq])?;
            tx.execute("DELETE FROM images WHERE seq = ?1", [seq])?;
            let still_used = tx
                .query_row(
                    "SELECT 1 FROM images WHERE sha256 = ?1 LIMIT 1",
                    [sha],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            let ext = ImageFormat::parse(format)
                .ok_or_else(|| corrupt("image format", format))?
                .extension();
            if !still_used && !unreferenced.iter().any(|(s, _)| s == sha) {
                tx.execute(
                    "INSERT OR IGNORE INTO blob_journal (sha256, ext, started_at) VALUES (?1, ?2, ?3)",
                    params![sha, ext, clock::now_ms()],
                )?;
                unreferenced.push((sha.clone(), ext));
            }
        }
        tx.commit()?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        for (sha, ext) in &unreferenced {
            self.layout.remove_all(sha, ext)?;
            conn.execute("DELETE FROM blob_journal WHERE sha256 = ?1", [sha])?;
        }
        Ok(doomed.len())
    }

    fn blob_of(&self, id: &str) -> Result<(String, ImageFormat)> {
        let (sha, format): (String, String) = self
            .conn()
            .query_row(
                "SELECT sha256, format FROM images WHERE id = ?1 AND deleted_at IS NULL",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| image_not_found(id))?;
        let format = ImageFormat::parse(&format).ok_or_else(|| corrupt("image format", &format))?;
        Ok((sha, format))
    }

    /// Where the original of a live image is.
    pub fn original_path(&self, id: &str) -> Result<PathBuf> {
        let (sha, format) = self.blob_of(id)?;
        let path = self.layout.original(&sha, format.extension());
        if !path.is_file() {
            return Err(Error::not_found(format!(
                "The original file of image {id} ({})",
                path.display()
            )));
        }
        Ok(path)
    }

    /// Where a thumbnail of a live image is; re-made from the original if it is missing.
    pub fn thumbnail_path(&self, id: &str, size: ThumbSize) -> Result<PathBuf> {
        let (sha, format) = self.blob_of(id)?;
        let path = self.layout.thumb(&sha, size);
        if !path.is_file() {
            self.remake_thumbnails(&sha, format, &[size])?;
        }
        Ok(path)
    }

    /// Re-makes every thumbnail from its original (e.g. after thumbnails were deleted or the
    /// thumbnail format changed). Returns how many originals were processed; originals that
    /// are missing or unreadable are skipped with a warning.
    pub fn rebuild_thumbnails(&self) -> Result<usize> {
        let blobs: Vec<(String, String)> = self
            .conn()
            .prepare("SELECT DISTINCT sha256, format FROM images")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut done = 0;
        for (sha, format) in blobs {
            let Some(format) = ImageFormat::parse(&format) else {
                tracing::warn!(sha, format, "unknown image format in the library");
                continue;
            };
            match self.remake_thumbnails(&sha, format, &ThumbSize::ALL) {
                Ok(()) => done += 1,
                Err(e) => tracing::warn!(sha, error = %e, "thumbnail not rebuilt"),
            }
        }
        Ok(done)
    }

    fn remake_thumbnails(&self, sha: &str, format: ImageFormat, sizes: &[ThumbSize]) -> Result<()> {
        let original = self.layout.original(sha, format.extension());
        let bytes = std::fs::read(&original).map_err(Error::io("read", &original))?;
        let (_, image) = decode::decode(&bytes)?;
        journal_blob(&self.conn(), sha, format.extension())?;
        let result = sizes.iter().try_for_each(|size| {
            let thumb = thumbs::render(&image, *size)?;
            blobs::write_atomic(&self.layout.thumb(sha, *size), sha, &thumb)
        });
        self.conn()
            .execute("DELETE FROM blob_journal WHERE sha256 = ?1", [sha])?;
        result
    }

    pub fn stats(&self) -> Result<LibraryStats> {
        let conn = self.conn();
        let count = |sql: &str| -> Result<u64> {
            let n: i64 = conn.query_row(sql, [], |r| r.get(0))?;
            Ok(n.max(0) as u64)
        };
        Ok(LibraryStats {
            images: count("SELECT count(*) FROM images WHERE deleted_at IS NULL")?,
            favorites: count(
                "SELECT count(*) FROM images WHERE deleted_at IS NULL AND favorite = 1",
            )?,
            deleted: count("SELECT count(*) FROM images WHERE deleted_at IS NOT NULL")?,
            generations: count("SELECT count(*) FROM generations")?,
            original_bytes: count(
                "SELECT coalesce(sum(byte_size), 0) FROM \
                 (SELECT byte_size FROM images GROUP BY sha256)",
            )?,
        })
    }

    /// `PRAGMA integrity_check`; `Ok(())` when the database is sound.
    pub fn check_integrity(&self) -> Result<()> {
        let conn = self.conn();
        let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(corrupt("integrity check", verdict))
        }
    }
}

/// The JPEG thumbnail Easel would make of `bytes` (bounded decode, then resize). For
/// exports and tools; the library itself stores these at ingest.
pub fn render_thumbnail(bytes: &[u8], size: ThumbSize) -> Result<Vec<u8>> {
    let (_, image) = decode::decode(bytes)?;
    thumbs::render(&image, size)
}

/// Announces blob work on `sha` before any file is written. Committed with a full sync so
/// the announcement survives a power cut that the files survive too (else they would be
/// orphans nobody knows about).
fn journal_blob(conn: &Connection, sha: &str, ext: &str) -> Result<()> {
    conn.pragma_update(None, "synchronous", "FULL")?;
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO blob_journal (sha256, ext, started_at) VALUES (?1, ?2, ?3)",
        params![sha, ext, clock::now_ms()],
    );
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    inserted?;
    Ok(())
}

fn ensure_was_running(conn: &Connection, id: &str, changed: usize) -> Result<()> {
    if changed > 0 {
        return Ok(());
    }
    let status: Option<String> = conn
        .query_row("SELECT status FROM generations WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    match status {
        None => Err(Error::not_found(format!("Generation {id}"))),
        Some(status) => Err(Error::InvalidInput(format!(
            "Generation {id} has already ended ({status}); it cannot change again."
        ))),
    }
}

fn commercial_str(c: CommercialUse) -> &'static str {
    match c {
        CommercialUse::Yes => "yes",
        CommercialUse::No => "no",
        CommercialUse::Conditional => "conditional",
        CommercialUse::Unknown => "unknown",
    }
}

fn parse_commercial(s: &str) -> CommercialUse {
    match s {
        "yes" => CommercialUse::Yes,
        "no" => CommercialUse::No,
        "conditional" => CommercialUse::Conditional,
        _ => CommercialUse::Unknown,
    }
}

//! The on-disk library: one SQLite file (`easel.sqlite3`) plus content-addressed originals
//! and thumbnails under one data folder.
//!
//! Crash safety: files are written atomically and before the row that points at them; every
//! blob write is announced in `blob_journal` first, so a crash leaves only journalled debris,
//! which `open` removes. Several processes may open one folder (each holds a shared lock);
//! the repair sweep runs only when a process opens it alone.

mod annotations;
pub mod backup;
mod blobs;
mod boards;
pub mod check;
mod clock;
mod credentials;
mod decode;
mod generations;
mod imports;
mod instance;
mod licensed;
mod lineage;
mod originals;
mod perceptual;
pub(super) mod positions;
mod query;
mod reading;
mod records;
mod saved_searches;
mod schema;
mod search;
pub mod search_language;
mod search_merge;
mod search_terms;
mod selection;
mod sweep;
mod tags;
mod terms_rows;
mod thumbs;
mod trash;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

pub use annotations::{BoardRef, ImageOrganisation, MAX_RATING};
pub use backup::{BackupManifest, BackupReport, RestoreReport, restore};
pub use blobs::sha256_hex;
pub use boards::Board;
pub use check::{CheckReport, OriginalProblem, RepairReport};
pub use credentials::{BACKFILL_STEP, BackfillStep};
pub use decode::{MAX_ALLOC, MAX_SIDE, Probe, decode as decode_image, probe};
pub use imports::{
    DeclaredRights, ImportOrigin, ImportStored, ImportedImage, RawEntry, SourceFile,
};
pub use lineage::{Derivation, DerivationInput, NewDerivation, NewInput, VersionTree};
pub use originals::read_verified;
pub use perceptual::{DEFAULT_MAX_DISTANCE, DuplicateGroup, HashStep, MAX_DISTANCE, dhash};
pub use query::{Cursor, fts_query};
pub use records::{
    GenerationDone, GenerationId, GenerationRecord, GenerationStatus, ImageDetail, ImageFacts,
    ImageFormat, ImagePage, ImageRecord, ImageSummary, LibraryStats, ListQuery, MATCH_COUNT_CAP,
    MatchCount, NewImage, SchemaUpgrade, SortOrder, ThumbSize,
};
pub use saved_searches::SavedSearch;
pub use schema::{SCHEMA_VERSION, migration_sql};
pub use selection::{Selection, TrashBatch};
pub use sweep::SweepReport;
pub use tags::TagCount;
pub use trash::PURGE_STEP;

use crate::error::{Error, Result};
use crate::license::CommercialUse;
use blobs::BlobLayout;
use instance::InstanceLock;

pub const DB_FILE: &str = "easel.sqlite3";

/// The library of one data folder. `Send + Sync`: share it (e.g. in an `Arc`) across
/// threads. Writes are serialised by one connection's lock, while the slow parts of
/// `store_image` (decoding, thumbnails, file writes) run outside it; lists and counts read
/// on connections of their own beside them (see `reader`, `counter`). All methods block.
pub struct Library {
    root: PathBuf,
    layout: BlobLayout,
    conn: Mutex<Connection>,
    /// A second connection for lists and searches, so they run beside a write (WAL) instead
    /// of waiting for it; `None` when opened read-only (then `conn` serves everything).
    reader: Option<Reader>,
    /// A third, for counts: a count can read every match of a common word, and a page or a
    /// thumbnail asked meanwhile must not wait for it. `None` as `reader` is.
    counter: Option<Reader>,
    sweep: SweepReport,
    /// Why changes cannot be saved, when the library was opened read-only.
    read_only: Option<Error>,
    _lock: Option<InstanceLock>,
}

/// A connection that never writes, with what prefix words stand for on it.
struct Reader {
    conn: Mutex<Connection>,
    /// Valid for this connection only (see `search_terms`).
    terms: Mutex<search_terms::TermCache>,
}

impl Reader {
    fn open(root: &Path) -> Result<Reader> {
        let conn = schema::connect(&root.join(DB_FILE)).map_err(|e| Error::from_sqlite(e, root))?;
        schema::configure_reader(&conn)?;
        Ok(Reader {
            conn: Mutex::new(conn),
            terms: Mutex::default(),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Compiles `q` on `conn`, which `self.conn()` gave.
    fn compile(&self, conn: &Connection, q: &ListQuery) -> Result<search::Compiled> {
        let mut terms = self.terms.lock().unwrap_or_else(|p| p.into_inner());
        search::compile(conn, q, Some(&mut terms))
    }
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library").field("root", &self.root).finish()
    }
}

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
    /// other process has it open, repairs what a crash left behind. When the library cannot
    /// be written (a read-only folder or file, a full disk) but exists, it is opened
    /// read-only: browsing works and every change fails with a message that says why.
    pub fn open(data_dir: &Path) -> Result<Library> {
        Library::open_announcing(data_dir, &mut |_| {})
    }

    /// As `open`; `on_upgrade` is told before an older library is brought up to this
    /// version's schema, which takes seconds at a million images (once), so that a front
    /// end can say why it waits. A new library is not an upgrade.
    pub fn open_announcing(
        data_dir: &Path,
        on_upgrade: &mut dyn FnMut(SchemaUpgrade),
    ) -> Result<Library> {
        match Library::open_writable(data_dir, on_upgrade) {
            Ok(library) => Ok(library),
            Err(e) if worth_reading_only(&e) && data_dir.join(DB_FILE).is_file() => {
                match Library::open_read_only(data_dir, &e) {
                    Ok(library) => {
                        tracing::warn!(error = %e, "library opened read-only");
                        Ok(library)
                    }
                    // What reading found (it needs an update this folder or disk cannot take,
                    // or a newer Easel wrote it) tells the user more than the file that could
                    // not be written.
                    Err(
                        read_error @ (Error::ReadOnly { .. }
                        | Error::DiskFull { .. }
                        | Error::DatabaseTooNew { .. }),
                    ) => {
                        tracing::warn!(error = %e, "library not writable");
                        Err(read_error)
                    }
                    Err(read_error) => {
                        tracing::warn!(error = %read_error, "library not readable either");
                        Err(e)
                    }
                }
            }
            Err(e) => Err(e),
        }
    }

    fn open_writable(
        data_dir: &Path,
        on_upgrade: &mut dyn FnMut(SchemaUpgrade),
    ) -> Result<Library> {
        crate::private_fs::create_dir(data_dir)?;
        let root = data_dir
            .canonicalize()
            .map_err(Error::io("open folder", data_dir))?;
        crate::error::note_library_root(&root);
        let db = root.join(DB_FILE);
        let in_db = |e: rusqlite::Error| Error::from_sqlite(e, &root);
        let mut lock = InstanceLock::acquire(&root)?;
        let mut conn = schema::connect(&db).map_err(in_db)?;
        let version = schema::check_version(&conn)?;
        schema::configure(&conn)?;
        if (1..SCHEMA_VERSION).contains(&version) {
            on_upgrade(SchemaUpgrade {
                from: version as u32,
                to: SCHEMA_VERSION as u32,
            });
        }
        schema::migrate(&mut conn, version)?;
        // SQLite creates its files with the umask's mode; the -wal and -shm files copy the
        // database file's, so restricting it keeps all three private.
        crate::private_fs::restrict_file(&db)?;
        let layout = BlobLayout::new(&root);
        for dir in [layout.originals_root(), layout.thumbs_root()] {
            crate::private_fs::create_dir(&dir)?;
        }
        let sweep = if lock.is_alone() {
            let report = sweep::run(&conn, &layout)?;
            lock.share()?;
            report
        } else {
            SweepReport::default()
        };
        let reader = Reader::open(&root)?;
        let counter = Reader::open(&root)?;
        Ok(Library {
            root,
            layout,
            conn: Mutex::new(conn),
            reader: Some(reader),
            counter: Some(counter),
            sweep,
            read_only: None,
            _lock: Some(lock),
        })
    }

    /// Read-only, because `why` kept it from being opened for writing.
    fn open_read_only(data_dir: &Path, why: &Error) -> Result<Library> {
        let root = data_dir
            .canonicalize()
            .map_err(Error::io("open folder", data_dir))?;
        crate::error::note_library_root(&root);
        let lock = InstanceLock::acquire_read_only(&root)?;
        let conn = schema::connect_read_only(&root.join(DB_FILE))
            .map_err(|e| Error::from_sqlite(e, &root))?;
        let version = schema::check_version(&conn)?;
        let needs_update = version < SCHEMA_VERSION;
        // Why it cannot be written: a full disk is named as such, even when the library
        // needs an update (which then cannot be made either).
        let reason = match why {
            Error::DiskFull { .. } => Error::DiskFull {
                place: root.display().to_string(),
            },
            _ if needs_update => Error::ReadOnly {
                place: format!(
                    "The library at {} (which needs an update for this version of Easel)",
                    root.display()
                ),
            },
            _ => Error::ReadOnly {
                place: format!("The library at {}", root.display()),
            },
        };
        if needs_update {
            return Err(reason);
        }
        Ok(Library {
            layout: BlobLayout::new(&root),
            root,
            conn: Mutex::new(conn),
            reader: None,
            counter: None,
            sweep: SweepReport::default(),
            read_only: Some(reason),
            _lock: lock,
        })
    }

    /// Whether this library was opened read-only (see [`Library::open`]).
    pub fn is_read_only(&self) -> bool {
        self.read_only.is_some()
    }

    /// `Ok` when changes can be saved, else why not (read-only, disk full).
    pub fn ensure_writable(&self) -> Result<()> {
        match &self.read_only {
            None => Ok(()),
            Some(Error::DiskFull { place }) => Err(Error::DiskFull {
                place: place.clone(),
            }),
            Some(_) => Err(Error::ReadOnly {
                place: format!("The library at {}", self.root.display()),
            }),
        }
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

    /// The connection for lists and searches (see `reader`).
    fn read_conn(&self) -> MutexGuard<'_, Connection> {
        match &self.reader {
            Some(reader) => reader.conn(),
            None => self.conn(),
        }
    }

    /// Compiles `q` on `conn`, which `read_conn` gave: prefix words are remembered while
    /// no other connection commits (the reader never writes).
    fn compile_read(&self, conn: &Connection, q: &ListQuery) -> Result<search::Compiled> {
        match &self.reader {
            Some(reader) => reader.compile(conn, q),
            None => search::compile(conn, q, None),
        }
    }

    /// The connection for counts, and `q` compiled on it (see `counter`).
    fn count_conn(&self, q: &ListQuery) -> Result<(MutexGuard<'_, Connection>, search::Compiled)> {
        match &self.counter {
            Some(counter) => {
                let conn = counter.conn();
                let c = counter.compile(&conn, q)?;
                Ok((conn, c))
            }
            None => {
                let conn = self.conn();
                let c = search::compile(&conn, q, None)?;
                Ok((conn, c))
            }
        }
    }

    /// Stores one image: checks and decodes it (bounded), writes the original and both
    /// thumbnails atomically, then the row. Blocking: run it on a blocking thread.
    pub fn store_image(&self, new: NewImage<'_>) -> Result<ImageRecord> {
        self.ensure_writable()?;
        let (probe, image) = decode::decode(new.bytes)?;
        let sha = blobs::sha256_hex(new.bytes);
        let ext = probe.format.extension();
        let terms = terms_rows::StoredTerms::of(&new.license.terms)?;
        let transaction = new
            .license
            .transaction
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| {
                Error::InvalidInput(format!("The licence transaction cannot be saved: {e}"))
            })?;
        let (prompt, provider, model): (String, String, String) = {
            let conn = self.conn();
            let found = conn
                .query_row(
                    "SELECT prompt, provider, model FROM generations WHERE id = ?1",
                    [new.generation_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?
                .ok_or_else(|| Error::not_found(format!("Generation {}", new.generation_id)))?;
            journal_blob(&conn, &sha, ext)?;
            found
        };
        // The slow part (thumbnails, writes), outside the lock. A stored file with these
        // bytes' sha is compared byte for byte before it is reused, so a damaged copy is
        // replaced rather than trusted.
        self.ensure_blob_files(&sha, ext, new.bytes, &image, true)?;
        let dhash = perceptual::dhash(&image) as i64;
        let credentials = crate::provenance::read(new.bytes);

        let id = uuid::Uuid::now_v7().to_string();
        let mut conn = self.conn();
        // Again under the lock: a purge may have removed the files since (cheap stats only).
        self.ensure_blob_files(&sha, ext, new.bytes, &image, false)?;
        let tx = conn.transaction()?;
        let license_id = terms.row_id(&tx)?;
        let inserted = tx.execute(
            "INSERT INTO images (id, generation_id, idx, sha256, width, height, format, \
             byte_size, revised_prompt, seed, favorite, license_id, license_at, commercial_use, \
             created_at, filtered, asset_id, license_status, license_transaction, licensed_from, \
             dhash, provider, model) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?12, ?13, ?14, ?15, ?16, \
             ?17, ?18, ?19, ?20, ?21, ?22) \
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
                new.facts.filtered,
                new.facts.asset_id,
                new.license.status.as_str(),
                transaction,
                new.facts.licensed_from,
                dhash,
                provider,
                model,
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
        credentials::record(&tx, &sha, &credentials)?;
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

    pub fn set_favorite(&self, id: &str, favorite: bool) -> Result<()> {
        self.ensure_writable()?;
        let changed = self.conn().execute(
            "UPDATE images SET favorite = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id, favorite],
        )?;
        if changed == 0 {
            return Err(image_not_found(id));
        }
        Ok(())
    }

    fn blob_of(&self, id: &str) -> Result<(String, ImageFormat)> {
        // Every thumbnail the Library shows asks this: the reader's connection, so a long
        // write (a purge step, an import batch) never holds up the pictures.
        let (sha, format): (String, String) = self
            .read_conn()
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

/// Failures after which the library may still be readable.
fn worth_reading_only(e: &Error) -> bool {
    match e {
        Error::ReadOnly { .. } | Error::DiskFull { .. } => true,
        Error::Io { source, .. } => source.kind() == std::io::ErrorKind::PermissionDenied,
        Error::Database(e) => matches!(
            e.sqlite_error_code(),
            Some(
                rusqlite::ErrorCode::CannotOpen
                    | rusqlite::ErrorCode::PermissionDenied
                    | rusqlite::ErrorCode::SystemIoFailure
                    | rusqlite::ErrorCode::ReadOnly
            )
        ),
        _ => false,
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Runs `f` on another thread; whether it finished within a bound far beyond its cost.
    fn finishes(f: impl FnOnce() + Send + 'static) -> bool {
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            f();
            let _ = done.send(());
        });
        finished.recv_timeout(Duration::from_secs(10)).is_ok()
    }

    #[test]
    fn a_count_under_way_holds_up_no_page_and_a_page_no_count() {
        let dir = tempfile::tempdir().unwrap();
        let lib = std::sync::Arc::new(Library::open(dir.path()).unwrap());
        let q = ListQuery {
            text: Some("fox is:favorite".into()),
            ..Default::default()
        };
        // A count holds its connection for as long as it runs: here, while this guard lives.
        let counting = lib.counter.as_ref().unwrap().conn();
        let (l, page) = (lib.clone(), q.clone());
        assert!(finishes(move || {
            l.list(&page).unwrap();
            l.thumbnail_path("missing", ThumbSize::Small).unwrap_err();
        }));
        drop(counting);
        let listing = lib.reader.as_ref().unwrap().conn();
        let l = lib.clone();
        assert!(finishes(move || {
            l.count(&q).unwrap();
        }));
        drop(listing);
    }
}

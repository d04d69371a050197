//! Images brought in from files other tools made: stored like generations (the file's exact
//! bytes, content-addressed, written before the row), each with a generation row of its own
//! saying what the file itself says (tool, model, prompt, parameters), plus what the file
//! said that Easel could not map, and which source files were already done (so a re-run of
//! a folder skips them with a stat and one lookup).

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::records::ImageRecord;
use super::{Library, blobs, clock, commercial_str, corrupt, decode, journal_blob, perceptual};
use crate::error::{Error, Result};
use crate::license::LicenseSnapshot;
use crate::request::GenerationParams;

/// One source file, as it was when read: how a re-run knows it is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Absolute path, as walked.
    pub path: String,
    pub byte_size: u64,
    /// Modification time, nanoseconds since the epoch (0 when the system gives none).
    pub modified_ns: i64,
}

/// One line of metadata the file carried that Easel did not map to a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RawEntry {
    /// Where it was found, e.g. "png:parameters", "a1111", "xmp", "exif", "comfyui:prompt".
    pub source: String,
    pub key: String,
    /// Always text, shown as text.
    pub value: String,
}

/// Rights the file states about itself (XMP / IPTC), recorded as declared by the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeclaredRights {
    /// xmpRights:UsageTerms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_terms: Option<String>,
    /// dc:rights (or EXIF Copyright).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<String>,
    /// photoshop:Credit / IPTC credit line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
    /// xmpRights:WebStatement (a URL to the licence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_statement: Option<String>,
    /// dc:creator (or EXIF Artist).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
}

impl DeclaredRights {
    pub fn is_empty(&self) -> bool {
        self.usage_terms.is_none()
            && self.rights.is_none()
            && self.credit.is_none()
            && self.web_statement.is_none()
    }
}

/// Where an imported image came from and what its file said.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportOrigin {
    /// The tool whose metadata was found: "a1111", "comfyui", "invokeai", or "import".
    pub tool: String,
    /// The source file's name (no folders: paths stay out of the webview).
    pub file_name: String,
    /// RFC 3339 modification time of the source file, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_modified: Option<String>,
    /// RFC 3339 time of the import.
    pub imported_at: String,
    /// IPTC digital source type (a URI, e.g. `…/digitalsourcetype/trainedAlgorithmicMedia`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digital_source_type: Option<String>,
    #[serde(default)]
    pub declared: DeclaredRights,
    /// Everything the file said that has no field, in the order found.
    #[serde(default)]
    pub unmapped: Vec<RawEntry>,
    /// Content Credentials (C2PA) as read at import; `None` when the file has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<crate::provenance::Credentials>,
}

/// One file to store, with what was read from it.
#[derive(Debug, Clone)]
pub struct ImportedImage<'a> {
    pub bytes: &'a [u8],
    pub source: SourceFile,
    pub provider: String,
    pub model: String,
    pub prompt: String,
    pub params: GenerationParams,
    pub seed: Option<i64>,
    pub license: LicenseSnapshot,
    pub origin: ImportOrigin,
    /// Content Credentials as read from `bytes` (state `none` when it has no manifest).
    pub credentials: crate::provenance::Credentials,
}

/// What storing one file did.
#[derive(Debug, Clone)]
pub enum ImportStored {
    Imported(Box<ImageRecord>),
    /// The same bytes are already a live image (its id).
    Duplicate {
        image_id: String,
    },
}

impl Library {
    /// The live image a source file became when it was imported before, if it is unchanged
    /// (same size and modification time) and that image is still in the library.
    pub fn imported_before(&self, source: &SourceFile) -> Result<Option<String>> {
        Ok(self
            .read_conn()
            .prepare_cached(
                "SELECT i.id FROM import_sources s \
                 JOIN images i ON i.sha256 = s.sha256 AND i.deleted_at IS NULL \
                 WHERE s.path = ?1 AND s.byte_size = ?2 AND s.modified_ns = ?3 \
                 ORDER BY i.seq LIMIT 1",
            )?
            .query_row(
                params![source.path, source.byte_size as i64, source.modified_ns],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// A live image holding exactly the bytes whose sha256 is `sha`.
    pub fn live_image_with_sha(&self, sha: &str) -> Result<Option<String>> {
        Ok(self
            .read_conn()
            .prepare_cached(
                "SELECT id FROM images WHERE sha256 = ?1 AND deleted_at IS NULL \
                 ORDER BY seq LIMIT 1",
            )?
            .query_row([sha], |r| r.get(0))
            .optional()?)
    }

    /// Remembers that `source` (with content `sha`) is done, so a re-run skips it.
    pub fn note_import_source(&self, source: &SourceFile, sha: &str) -> Result<()> {
        self.ensure_writable()?;
        self.conn().execute(
            "INSERT INTO import_sources (path, byte_size, modified_ns, sha256, seen_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (path) DO UPDATE SET byte_size = excluded.byte_size, \
             modified_ns = excluded.modified_ns, sha256 = excluded.sha256, \
             seen_at = excluded.seen_at",
            params![
                source.path,
                source.byte_size as i64,
                source.modified_ns,
                sha,
                clock::now_ms()
            ],
        )?;
        Ok(())
    }

    /// Stores one imported file: decodes it (bounded), writes the original and thumbnails
    /// atomically, then its generation, image, origin and source rows in one transaction.
    /// The same bytes already in the library (live) are a duplicate, not a second image.
    /// Blocking; safe to call from several threads at once (the slow part runs unlocked).
    pub fn store_import(&self, new: &ImportedImage<'_>) -> Result<ImportStored> {
        self.ensure_writable()?;
        let sha = blobs::sha256_hex(new.bytes);
        if let Some(image_id) = self.live_image_with_sha(&sha)? {
            self.note_import_source(&new.source, &sha)?;
            return Ok(ImportStored::Duplicate { image_id });
        }
        let (probe, image) = decode::decode(new.bytes)?;
        let ext = probe.format.extension();
        let terms = super::terms_rows::StoredTerms::of(&new.license.terms)?;
        let params_json = serde_json::to_string(&new.params)
            .map_err(|e| Error::InvalidInput(format!("The parameters cannot be saved: {e}")))?;
        let origin_json = serde_json::to_string(&new.origin).map_err(|e| {
            Error::InvalidInput(format!("The file's metadata cannot be saved: {e}"))
        })?;
        journal_blob(&self.conn(), &sha, ext)?;
        self.ensure_blob_files(&sha, ext, new.bytes, &image, true)?;
        let dhash = perceptual::dhash(&image) as i64;

        let mut conn = self.conn();
        // Again under the lock: a purge may have removed the files since (cheap stats only).
        self.ensure_blob_files(&sha, ext, new.bytes, &image, false)?;
        drop(image);
        let tx = conn.transaction()?;
        // Another worker may have stored the same bytes since the first look.
        let existing: Option<String> = tx
            .query_row(
                "SELECT id FROM images WHERE sha256 = ?1 AND deleted_at IS NULL \
                 ORDER BY seq LIMIT 1",
                [&sha],
                |r| r.get(0),
            )
            .optional()?;
        let now = clock::now_ms();
        tx.execute(
            "INSERT INTO import_sources (path, byte_size, modified_ns, sha256, seen_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (path) DO UPDATE SET byte_size = excluded.byte_size, \
             modified_ns = excluded.modified_ns, sha256 = excluded.sha256, \
             seen_at = excluded.seen_at",
            params![
                new.source.path,
                new.source.byte_size as i64,
                new.source.modified_ns,
                sha,
                now
            ],
        )?;
        if let Some(image_id) = existing {
            tx.execute("DELETE FROM blob_journal WHERE sha256 = ?1", [&sha])?;
            tx.commit()?;
            return Ok(ImportStored::Duplicate { image_id });
        }
        let generation_id = uuid::Uuid::now_v7().to_string();
        tx.execute(
            "INSERT INTO generations (id, provider, model, prompt, params, status, created_at, \
             finished_at) VALUES (?1, ?2, ?3, ?4, ?5, 'succeeded', ?6, ?6)",
            params![
                generation_id,
                new.provider,
                new.model,
                new.prompt,
                params_json,
                now
            ],
        )?;
        let license_id = terms.row_id(&tx)?;
        let id = uuid::Uuid::now_v7().to_string();
        tx.execute(
            "INSERT INTO images (id, generation_id, idx, sha256, width, height, format, \
             byte_size, revised_prompt, seed, favorite, license_id, license_at, commercial_use, \
             created_at, filtered, license_status, dhash, provider, model) \
             VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, NULL, ?8, 0, ?9, ?10, ?11, ?12, 0, ?13, \
             ?14, ?15, ?16)",
            params![
                id,
                generation_id,
                sha,
                probe.width,
                probe.height,
                probe.format.as_str(),
                new.bytes.len() as i64,
                new.seed,
                license_id,
                new.license.snapshot_at,
                commercial_str(new.license.terms.commercial_use),
                now,
                new.license.status.as_str(),
                dhash,
                new.provider,
                new.model,
            ],
        )?;
        let seq = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO images_fts (rowid, prompt, revised_prompt) VALUES (?1, ?2, NULL)",
            params![seq, new.prompt],
        )?;
        tx.execute(
            "INSERT INTO image_imports (image_seq, tool, origin) VALUES (?1, ?2, ?3)",
            params![seq, new.origin.tool, origin_json],
        )?;
        // Recorded with the image, so the `credentials:` filter never sees it unread.
        super::credentials::record(&tx, &sha, &new.credentials)?;
        tx.execute("DELETE FROM blob_journal WHERE sha256 = ?1", [&sha])?;
        tx.commit()?;
        Ok(ImportStored::Imported(Box::new(
            self.detail_with(&conn, &id)?,
        )))
    }

    /// Where a live image came from, when it was imported (`None` for generations).
    pub fn import_origin(&self, id: &str) -> Result<Option<ImportOrigin>> {
        let found: Option<String> = self
            .read_conn()
            .query_row(
                "SELECT m.origin FROM images i JOIN image_imports m ON m.image_seq = i.seq \
                 WHERE i.id = ?1 AND i.deleted_at IS NULL",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        found
            .map(|json| serde_json::from_str(&json).map_err(|e| corrupt("import origin", e)))
            .transpose()
    }
}

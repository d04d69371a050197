//! Lineage: which images an edit or variation was made from, by which operation, with which
//! mask; the version tree around an image (parent, siblings, children) and the size of each
//! image's stack for the Library. Inputs are written (atomically, content-addressed, under
//! `inputs/`) before the rows that point at them, like originals.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::blobs;
use super::originals::read_verified;
use super::records::ImageFormat;
use super::{Library, corrupt};
use crate::edit::EditOperation;
use crate::error::{Error, Result};

/// One input of an edit, as it is recorded.
#[derive(Debug, Clone)]
pub struct NewInput<'a> {
    /// The library image it was, when it came from the library.
    pub parent_id: Option<&'a str>,
    pub bytes: &'a [u8],
}

/// An edit or variation about to be sent: the generation it makes, and what from.
#[derive(Debug, Clone)]
pub struct NewDerivation<'a> {
    pub generation_id: &'a str,
    pub operation: &'a EditOperation,
    /// The image changed first, then the references in order.
    pub inputs: Vec<NewInput<'a>>,
    /// Easel's mask (alpha = change), as painted.
    pub mask: Option<&'a [u8]>,
}

/// One recorded input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DerivationInput {
    /// 0 for the image changed, then the references.
    pub position: u32,
    /// "source" or "reference".
    pub role: String,
    /// The library image it was, if it came from the library (it may since have been deleted).
    pub image_id: Option<String>,
    pub sha256: String,
    pub format: ImageFormat,
}

/// What a derived generation was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Derivation {
    pub operation: EditOperation,
    pub inputs: Vec<DerivationInput>,
    pub mask_sha256: Option<String>,
}

/// The version tree around one image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VersionTree {
    /// How the image was made from its parents; None for an image made from a prompt.
    pub derivation: Option<Derivation>,
    /// The live library image it was changed from.
    pub parent: Option<String>,
    /// Other live images made from the same parent (this edit's other results and other
    /// edits of the parent), oldest first.
    pub siblings: Vec<String>,
    /// Live images made from this one, oldest first.
    pub children: Vec<String>,
}

fn format_of(s: &str) -> rusqlite::Result<ImageFormat> {
    ImageFormat::parse(s).ok_or_else(|| {
        rusqlite::Error::InvalidColumnType(0, s.to_owned(), rusqlite::types::Type::Text)
    })
}

impl Library {
    /// Records what the generation `d.generation_id` is made from. Every input and the mask
    /// are written to `inputs/` first (atomically, shared by content), then the rows.
    pub fn record_derivation(&self, d: &NewDerivation<'_>) -> Result<()> {
        self.ensure_writable()?;
        if d.inputs.is_empty() {
            return Err(Error::InvalidInput(
                "An edit needs the image it changes.".to_owned(),
            ));
        }
        let mut rows = Vec::with_capacity(d.inputs.len());
        for input in &d.inputs {
            let format = super::probe(input.bytes)?.format;
            let sha = self.keep_input(input.bytes, format)?;
            rows.push((input.parent_id, sha, format));
        }
        let mask_sha = match d.mask {
            Some(mask) => Some(self.keep_input(mask, ImageFormat::Png)?),
            None => None,
        };
        let operation = serde_json::to_string(d.operation)
            .map_err(|e| Error::InvalidInput(format!("The operation cannot be saved: {e}")))?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO derivations (generation_id, operation, mask_sha256) VALUES (?1, ?2, ?3)",
            params![d.generation_id, operation, mask_sha],
        )?;
        for (position, (parent, sha, format)) in rows.iter().enumerate() {
            tx.execute(
                "INSERT INTO derivation_inputs (generation_id, position, parent_id, sha256, format) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![d.generation_id, position as i64, parent, sha, format.as_str()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Writes an input file unless a sound copy is already there; returns its sha256.
    fn keep_input(&self, bytes: &[u8], format: ImageFormat) -> Result<String> {
        let sha = blobs::sha256_hex(bytes);
        let path = self.layout.input(&sha, format.extension());
        if !blobs::is_complete(&path, bytes.len() as u64) || !blobs::holds(&path, bytes) {
            blobs::write_atomic(&path, &sha, bytes)?;
        }
        Ok(sha)
    }

    /// A recorded input's bytes (the source, a reference or the mask), checked against its
    /// sha256, to re-run an edit.
    pub fn read_input(&self, sha: &str, format: ImageFormat) -> Result<Vec<u8>> {
        let path = self.layout.input(sha, format.extension());
        read_verified(&path, sha, None, &format!("input {sha}"))
    }

    /// What the generation was made from, or None for a generation from a prompt.
    pub fn derivation(&self, generation_id: &str) -> Result<Option<Derivation>> {
        let conn = self.conn();
        let row: Option<(String, Option<String>)> = conn
            .query_row(
                "SELECT operation, mask_sha256 FROM derivations WHERE generation_id = ?1",
                [generation_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((operation, mask_sha256)) = row else {
            return Ok(None);
        };
        let operation: EditOperation =
            serde_json::from_str(&operation).map_err(|e| corrupt("edit operation", e))?;
        let inputs = conn
            .prepare_cached(
                "SELECT position, parent_id, sha256, format FROM derivation_inputs \
                 WHERE generation_id = ?1 ORDER BY position",
            )?
            .query_map([generation_id], |r| {
                let position: u32 = r.get(0)?;
                let format: String = r.get(3)?;
                Ok(DerivationInput {
                    position,
                    role: if position == 0 { "source" } else { "reference" }.to_owned(),
                    image_id: r.get(1)?,
                    sha256: r.get(2)?,
                    format: format_of(&format)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(Derivation {
            operation,
            inputs,
            mask_sha256,
        }))
    }

    /// Parent, siblings and children of a live image.
    pub fn version_tree(&self, image_id: &str) -> Result<VersionTree> {
        let generation_id: String = self
            .conn()
            .query_row(
                "SELECT generation_id FROM images WHERE id = ?1 AND deleted_at IS NULL",
                [image_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| super::image_not_found(image_id))?;
        let derivation = self.derivation(&generation_id)?;
        let conn = self.conn();
        let source: Option<String> = derivation
            .as_ref()
            .and_then(|d| d.inputs.first())
            .and_then(|i| i.image_id.clone());
        let parent = match &source {
            Some(id) => conn
                .query_row(
                    "SELECT id FROM images WHERE id = ?1 AND deleted_at IS NULL",
                    [id],
                    |r| r.get(0),
                )
                .optional()?,
            None => None,
        };
        let made_from = |parent: &str| -> Result<Vec<String>> {
            Ok(conn
                .prepare_cached(
                    "SELECT i.id FROM derivation_inputs d JOIN images i ON i.generation_id = d.generation_id \
                     WHERE d.parent_id = ?1 AND d.position = 0 AND i.deleted_at IS NULL \
                     ORDER BY i.created_at, i.id",
                )?
                .query_map([parent], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?)
        };
        let siblings = match &source {
            Some(p) => made_from(p)?
                .into_iter()
                .filter(|id| id != image_id)
                .collect(),
            None => Vec::new(),
        };
        let children = made_from(image_id)?;
        Ok(VersionTree {
            derivation,
            parent,
            siblings,
            children,
        })
    }

    /// For each id, how many live images descend from it (edits of edits included): the
    /// count on its stack in the Library. Ids without descendants are left out.
    pub fn stack_counts(&self, ids: &[String]) -> Result<Vec<(String, u32)>> {
        // Asked for every page the Library shows: the reader's connection, so a page of
        // badges never waits for (or holds up) a write.
        let conn = self.read_conn();
        let mut stmt = conn.prepare_cached(STACK_COUNT_SQL)?;
        let mut out = Vec::new();
        for id in ids {
            let n: i64 = stmt.query_row([id], |r| r.get(0))?;
            if n > 0 {
                out.push((id.clone(), u32::try_from(n).unwrap_or(u32::MAX)));
            }
        }
        Ok(out)
    }

    /// SQLite's plan for a stack count (see `query_plans`): for tests that it never reads
    /// the library through, and for diagnosing a slow Library.
    pub fn stack_count_plan(&self) -> Result<Vec<String>> {
        let conn = self.read_conn();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {STACK_COUNT_SQL}"))?;
        let lines = stmt
            .query_map(["x"], |r| r.get::<_, String>(3))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(lines)
    }
}

/// How many live images descend from `?1`. Whether each is live is read inside the walk:
/// joined to `images` again outside it, SQLite 3.50 chose to scan the whole library once
/// per id (175 ms at a million images, for each of a page's 200 tiles).
const STACK_COUNT_SQL: &str = "WITH RECURSIVE descendants(id, live) AS ( \
       SELECT i.id, i.deleted_at IS NULL FROM derivation_inputs d \
       JOIN images i ON i.generation_id = d.generation_id \
       WHERE d.parent_id = ?1 AND d.position = 0 \
       UNION \
       SELECT i.id, i.deleted_at IS NULL FROM descendants s \
       JOIN derivation_inputs d ON d.parent_id = s.id AND d.position = 0 \
       JOIN images i ON i.generation_id = d.generation_id \
     ) \
     SELECT count(*) FROM descendants WHERE live";

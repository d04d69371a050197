//! Soft delete (undo-able) and the purge that makes it final.

use std::time::Duration;

use rusqlite::{OptionalExtension, params};

use super::records::ImageFormat;
use super::{Library, clock, corrupt};
use crate::error::{Error, Result};

impl Library {
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
        self.ensure_writable()?;
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
    /// image shares. Returns how many images were removed. Works in steps of `PURGE_STEP`
    /// images, each its own transaction that holds the connection only briefly, so
    /// browsing goes on while a large trash is emptied.
    pub fn purge_deleted(&self, older_than: Duration) -> Result<usize> {
        self.ensure_writable()?;
        let cutoff = clock::now_ms()
            .saturating_sub(i64::try_from(older_than.as_millis()).unwrap_or(i64::MAX));
        let mut removed = 0;
        loop {
            let n = self.purge_step(cutoff)?;
            removed += n;
            if n < PURGE_STEP {
                return Ok(removed);
            }
            // Let a waiting writer in before the next step (readers have their own
            // connection and read beside it: WAL).
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// One step of `purge_deleted`: up to `PURGE_STEP` images.
    fn purge_step(&self, cutoff: i64) -> Result<usize> {
        // Files are removed under the connection lock so an ingest of the same bytes cannot
        // commit a row between our reference check and the removal (see `store_image`).
        let mut conn = self.conn();
        // Durable before any file goes: a power cut must not bring back rows whose files
        // were already removed.
        conn.pragma_update(None, "synchronous", "FULL")?;
        let tx = conn.transaction()?;
        let doomed: Vec<(i64, String, String)> = tx
            .prepare_cached(
                "SELECT seq, sha256, format FROM images \
                 WHERE deleted_at IS NOT NULL AND deleted_at <= ?1 LIMIT ?2",
            )?
            .query_map(params![cutoff, PURGE_STEP as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut unreferenced: Vec<(String, &'static str)> = Vec::new();
        for (seq, sha, format) in &doomed {
            // Its search row left when it was trashed (see the schema's triggers).
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
}

/// Images per purge step: small enough that a reader waits a few milliseconds at most.
pub const PURGE_STEP: usize = 200;

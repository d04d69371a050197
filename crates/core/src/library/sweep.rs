//! Repairs at open, after a crash: finishes or undoes blob work the journal says was in
//! flight, and marks requests that were in flight as interrupted (never re-sent: they cost
//! money). Runs only when this process is the library's only user (see `instance`).

use rusqlite::{Connection, OptionalExtension, params};

use super::blobs::BlobLayout;
use super::clock;
use crate::error::Result;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub temp_files_removed: usize,
    pub orphan_blobs_removed: usize,
    pub generations_interrupted: usize,
}

pub fn run(conn: &Connection, layout: &BlobLayout) -> Result<SweepReport> {
    let mut report = SweepReport::default();
    let pending: Vec<(String, String)> = {
        let mut stmt = conn.prepare("SELECT sha256, ext FROM blob_journal")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for (sha, ext) in pending {
        report.temp_files_removed += layout.remove_temps(&sha)?;
        let referenced = conn
            .query_row(
                "SELECT 1 FROM images WHERE sha256 = ?1 LIMIT 1",
                [&sha],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !referenced {
            layout.remove_all(&sha, &ext)?;
            report.orphan_blobs_removed += 1;
        }
        conn.execute("DELETE FROM blob_journal WHERE sha256 = ?1", [&sha])?;
    }
    // Stopped after some images were stored: those are kept and the record says so.
    report.generations_interrupted = conn.execute(
        "UPDATE generations SET status = 'succeeded', finished_at = ?1, error_code = 'partly_stored', \
         error_message = ?2 || (SELECT count(*) FROM images i WHERE i.generation_id = generations.id) \
         || ' image(s) of its answer were stored and kept; any others were lost.' \
         WHERE status = 'running' AND EXISTS (SELECT 1 FROM images i WHERE i.generation_id = generations.id)",
        params![
            clock::now_ms(),
            "Easel stopped while storing this answer. "
        ],
    )?;
    report.generations_interrupted += conn.execute(
        "UPDATE generations SET status = 'interrupted', finished_at = ?1, error_message = ?2 \
         WHERE status = 'running'",
        params![
            clock::now_ms(),
            "Easel stopped before this request finished. It was not sent again, because that \
             could be charged twice; generate it again if you still want it."
        ],
    )?;
    if report != SweepReport::default() {
        tracing::info!(?report, "library repaired after an unclean shutdown");
    }
    Ok(report)
}

//! Recording the Content Credentials read from originals, and reading them again on demand
//! (images stored before Easel read credentials are `unread` until then).

use rusqlite::{Connection, OptionalExtension, params};

use super::query::Cursor;
use super::{Library, clock, corrupt, image_not_found};
use crate::Result;
use crate::provenance::{self, Credentials};

/// Writes `c` for the original `sha` and copies its state to every image of those bytes.
pub(super) fn record(conn: &Connection, sha: &str, c: &Credentials) -> Result<()> {
    let summary =
        serde_json::to_string(c).map_err(|e| corrupt("content credentials", e.to_string()))?;
    conn.execute(
        "INSERT INTO content_credentials (sha256, state, summary, read_at) \
         VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (sha256) DO UPDATE SET state = excluded.state, \
         summary = excluded.summary, read_at = excluded.read_at",
        params![sha, c.state.as_str(), summary, clock::now_ms()],
    )?;
    conn.execute(
        "UPDATE images SET credentials = ?2 WHERE sha256 = ?1 AND credentials != ?2",
        params![sha, c.state.as_str()],
    )?;
    Ok(())
}

/// Images whose credentials are still to be read, at most this many per step.
pub const BACKFILL_STEP: u32 = 200;

impl Library {
    /// Records credentials read from the original `sha256` (for callers that read them
    /// themselves, e.g. import).
    pub fn record_credentials(&self, sha256: &str, c: &Credentials) -> Result<()> {
        self.ensure_writable()?;
        let conn = self.conn();
        record(&conn, sha256, c)
    }

    /// The recorded Content Credentials of a live image; `None` while unread.
    pub fn credentials(&self, id: &str) -> Result<Option<Credentials>> {
        let conn = self.read_conn();
        let found: Option<Option<String>> = conn
            .query_row(
                "SELECT c.summary FROM images i \
                 LEFT JOIN content_credentials c ON c.sha256 = i.sha256 \
                 WHERE i.id = ?1 AND i.deleted_at IS NULL",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(summary) = found.ok_or_else(|| image_not_found(id))? else {
            return Ok(None);
        };
        serde_json::from_str(&summary)
            .map(Some)
            .map_err(|e| corrupt("content credentials", e))
    }

    /// Reads the image's original again (against the trust list shipped now), records and
    /// returns what it says. Blocking.
    pub fn read_credentials(&self, id: &str) -> Result<Credentials> {
        let (sha, format) = self.blob_of(id)?;
        let path = self.layout.original(&sha, format.extension());
        let bytes = super::read_verified(&path, &sha, None, id)?;
        let c = provenance::read(&bytes);
        if self.ensure_writable().is_ok() {
            record(&self.conn(), &sha, &c)?;
        }
        Ok(c)
    }

    /// Reads the credentials of up to `BACKFILL_STEP` unread images after `after` (in list
    /// order, oldest first). Returns what was read and where to go on (`None`: done).
    /// Originals that are missing or damaged stay unread (`check` reports them).
    pub fn read_unread_credentials(&self, after: Option<&Cursor>) -> Result<BackfillStep> {
        self.ensure_writable()?;
        let rows: Vec<(i64, String)> = {
            let conn = self.conn();
            let (lo_at, lo_id) =
                after.map_or((i64::MIN, String::new()), |c| (c.created_at, c.id.clone()));
            let mut stmt = conn.prepare(
                "SELECT created_at, id FROM images INDEXED BY images_credentials_order \
                 WHERE credentials = 'unread' AND deleted_at IS NULL \
                 AND (created_at, id) > (?1, ?2) ORDER BY created_at, id LIMIT ?3",
            )?;
            stmt.query_map(params![lo_at, lo_id, BACKFILL_STEP], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        let mut step = BackfillStep::default();
        for (_, id) in &rows {
            match self.read_credentials(id) {
                Ok(_) => step.read += 1,
                Err(e) if matches!(e.code(), "not_found" | "damaged") => step.skipped += 1,
                Err(e) => return Err(e),
            }
        }
        if rows.len() as u32 == BACKFILL_STEP {
            step.next = rows.last().map(|(created_at, id)| Cursor {
                created_at: *created_at,
                id: id.clone(),
            });
        }
        Ok(step)
    }
}

/// One step of reading unread credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackfillStep {
    pub read: u32,
    /// Originals missing or damaged.
    pub skipped: u32,
    pub next: Option<Cursor>,
}

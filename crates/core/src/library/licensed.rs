//! What licensing a preview needs from the library: where the full-size file goes (the
//! preview's generation, next free index) and which licensed copies a preview already has.

use rusqlite::params;

use super::Library;
use super::records::ImageDetail;
use crate::error::Result;

impl Library {
    /// The first index not used by any image of the generation (deleted ones included, since
    /// their rows still hold the index).
    pub fn next_index(&self, generation_id: &str) -> Result<u32> {
        let max: Option<i64> = self.conn().query_row(
            "SELECT MAX(idx) FROM images WHERE generation_id = ?1",
            params![generation_id],
            |r| r.get(0),
        )?;
        Ok(max.map_or(0, |m| u32::try_from(m + 1).unwrap_or(u32::MAX)))
    }

    /// The images licensed from `preview_id` that are not deleted, oldest first.
    pub fn licensed_copies(&self, preview_id: &str) -> Result<Vec<ImageDetail>> {
        let conn = self.conn();
        let ids: Vec<String> = conn
            .prepare(
                "SELECT id FROM images WHERE licensed_from = ?1 AND deleted_at IS NULL \
                 ORDER BY created_at, idx",
            )?
            .query_map(params![preview_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.iter().map(|id| self.detail_with(&conn, id)).collect()
    }
}

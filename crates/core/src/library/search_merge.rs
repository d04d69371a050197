//! Keeps the search index in few segments. FTS5 opens every segment for every term of a
//! query, so an index written over time in many small segments makes each query cost a
//! quarter of a millisecond before it reads a match (ten times a merged index's), and a
//! text search runs several. Merging goes in small steps, each its own transaction, so
//! browsing and storing go on beside it.

use std::time::Duration;

use super::Library;
use crate::error::Result;

/// Index pages one merge step writes: a few milliseconds of work.
pub const MERGE_STEP_PAGES: i64 = 500;

impl Library {
    /// Merges the search index toward a single segment, a step at a time, until no work
    /// is left; returns how many steps did work.
    pub fn merge_search_index(&self) -> Result<usize> {
        self.ensure_writable()?;
        let mut steps = 0;
        loop {
            let worked = {
                let conn = self.conn();
                let before = conn.total_changes();
                // A negative page count merges segments of every level (an optimise done
                // incrementally); fewer than two changes means there was nothing to merge.
                conn.execute(
                    "INSERT INTO images_fts (images_fts, rank) VALUES ('merge', ?1)",
                    [-MERGE_STEP_PAGES],
                )?;
                conn.total_changes() - before >= 2
            };
            if !worked {
                return Ok(steps);
            }
            steps += 1;
            // Let a waiting writer in before the next step.
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

//! Entering the whole library's list at any position (a scrollbar dragged to the middle of a
//! million images, the End key): the cursor a page must start after, found by summing the
//! live images of each stretch of time and stepping within one stretch.

use rusqlite::{OptionalExtension, params};

use super::Library;
use super::query::Cursor;
use super::records::{ListQuery, SortOrder};
use crate::error::{Error, Result};

impl Library {
    /// The cursor with which `list(q)` begins at `position` of the list (0 is the first
    /// image, and needs no cursor: `None`). Only the whole library, in either order, can be
    /// entered this way; a search, filter or board is an `invalid_input` error (their lists
    /// are read from the start). A position past the end is `not_found`.
    pub fn cursor_at(&self, q: &ListQuery, position: u64) -> Result<Option<String>> {
        let conn = self.read_conn();
        let c = self.compile_read(&conn, q)?;
        if !c.everything {
            return Err(Error::InvalidInput(
                "Only the whole library can be entered at a position; a search, filter or \
                 board is read from its first page."
                    .to_owned(),
            ));
        }
        let Some(target) = position.checked_sub(1) else {
            return Ok(None);
        };
        let dir = match q.order {
            SortOrder::NewestFirst => "DESC",
            SortOrder::OldestFirst => "ASC",
        };
        // One read transaction: the counts and the rows they count agree.
        let tx = conn.unchecked_transaction()?;
        let key_at = |within: Option<i64>, skip: u64| -> Result<Option<Cursor>> {
            let span = if within.is_some() {
                "AND created_at >= (?2 << 26) AND created_at < ((?2 + 1) << 26)"
            } else {
                "AND ?2 IS NULL"
            };
            let key = tx
                .prepare_cached(&format!(
                    "SELECT created_at, id FROM images WHERE deleted_at IS NULL {span} \
                     ORDER BY created_at {dir}, id {dir} LIMIT 1 OFFSET ?1"
                ))?
                .query_row(params![skip as i64, within], |r| {
                    Ok(Cursor {
                        created_at: r.get(0)?,
                        id: r.get(1)?,
                    })
                })
                .optional()?;
            Ok(key)
        };
        let mut spans = tx.prepare_cached(&format!(
            "SELECT span, live FROM live_images_by_time WHERE live > 0 ORDER BY span {dir}"
        ))?;
        let mut rows = spans.query([])?;
        let mut before: u64 = 0;
        let mut found = None;
        while let Some(row) = rows.next()? {
            let (span, live): (i64, i64) = (row.get(0)?, row.get(1)?);
            let live = live.max(0) as u64;
            if target < before + live {
                found = Some(key_at(Some(span), target - before)?);
                break;
            }
            before += live;
        }
        let key = match found {
            Some(Some(key)) => Some(key),
            Some(key) => key,
            None => None,
        };
        // The counts disagree with the rows (they never should): walk the whole list.
        let key = match key {
            Some(key) => Some(key),
            None => key_at(None, target)?,
        };
        if let Some(key) = key {
            return Ok(Some(key.encode()));
        }
        Err(Error::NotFound {
            what: format!("Position {position} of the library (it holds fewer images)"),
        })
    }
}

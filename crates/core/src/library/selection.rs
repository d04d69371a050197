//! What bulk actions act on: some images by id, or every image a search matches. Either
//! becomes a temporary table of rowids inside the action's transaction, so the action itself
//! is one SQL statement whatever the number of images.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::records::ListQuery;
use super::{Library, clock, search};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Selection {
    /// These live images; an unknown or deleted id fails the whole action.
    Ids { ids: Vec<String> },
    /// Every live image the search matches, on every page (cursor and limit are ignored).
    Search { query: ListQuery },
}

impl Selection {
    pub fn one(id: &str) -> Selection {
        Selection::Ids {
            ids: vec![id.to_owned()],
        }
    }
}

/// Images moved to the trash by one action; `Library::undo_delete` brings them all back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TrashBatch {
    /// The deletion time every image of the batch carries, unique to the batch.
    pub token: i64,
    pub count: u32,
}

/// Fills `temp.selected` with the selection's rowids; returns how many. Call inside the
/// action's transaction.
pub(super) fn fill(conn: &Connection, selection: &Selection) -> Result<usize> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS selected (seq INTEGER PRIMARY KEY);
         DELETE FROM temp.selected;",
    )?;
    match selection {
        Selection::Ids { ids } => {
            let list = serde_json::to_string(ids)
                .map_err(|e| Error::InvalidInput(format!("The selection is not valid: {e}")))?;
            let missing: Option<String> = conn
                .query_row(
                    "SELECT j.value FROM json_each(?1) j WHERE NOT EXISTS \
                     (SELECT 1 FROM images WHERE id = j.value AND deleted_at IS NULL) LIMIT 1",
                    [&list],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = missing {
                return Err(Error::not_found(format!("Image {id}")));
            }
            Ok(conn.execute(
                "INSERT OR IGNORE INTO temp.selected (seq) SELECT i.seq FROM json_each(?1) j \
                 JOIN images i ON i.id = j.value WHERE i.deleted_at IS NULL",
                [&list],
            )?)
        }
        Selection::Search { query } => {
            let compiled = search::compile(conn, query, None)?;
            let (sql, values) = compiled.sql("i.seq", None);
            Ok(conn.execute(
                &format!("INSERT OR IGNORE INTO temp.selected (seq) {sql}"),
                rusqlite::params_from_iter(values),
            )?)
        }
    }
}

impl Library {
    /// The ids of a selection, in list order (newest first), e.g. to export them.
    pub fn selection_ids(&self, selection: &Selection) -> Result<Vec<String>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        fill(&tx, selection)?;
        let ids = tx
            .prepare(
                "SELECT i.id FROM temp.selected s JOIN images i ON i.seq = s.seq \
                 ORDER BY i.created_at DESC, i.id DESC",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        tx.commit()?;
        Ok(ids)
    }

    /// Marks (or unmarks) every selected image as a favourite; returns how many changed.
    pub fn set_favorites(&self, selection: &Selection, favorite: bool) -> Result<usize> {
        self.ensure_writable()?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        fill(&tx, selection)?;
        let n = tx.execute(
            "UPDATE images SET favorite = ?1 WHERE seq IN (SELECT seq FROM temp.selected) \
             AND favorite != ?1",
            [favorite],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Moves every selected image to the trash as one batch that `undo_delete` restores.
    pub fn delete_selection(&self, selection: &Selection) -> Result<TrashBatch> {
        self.ensure_writable()?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        fill(&tx, selection)?;
        // A time no other deletion carries, so the batch is exactly the rows stamped with it.
        let latest: Option<i64> = tx.query_row(
            "SELECT max(deleted_at) FROM images WHERE deleted_at IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        let token = clock::now_ms().max(latest.map_or(i64::MIN, |t| t + 1));
        let n = tx.execute(
            "UPDATE images SET deleted_at = ?1 WHERE seq IN (SELECT seq FROM temp.selected) \
             AND deleted_at IS NULL",
            [token],
        )?;
        tx.commit()?;
        Ok(TrashBatch {
            token,
            count: u32::try_from(n).unwrap_or(u32::MAX),
        })
    }

    /// Restores a batch from `delete_selection` (the images not purged since); returns how
    /// many came back.
    pub fn undo_delete(&self, batch: TrashBatch) -> Result<usize> {
        self.ensure_writable()?;
        let n = self.conn().execute(
            "UPDATE images SET deleted_at = NULL WHERE deleted_at = ?1",
            params![batch.token],
        )?;
        if n == 0 && batch.count > 0 {
            return Err(Error::not_found(
                "The deleted images of this batch (they may have been purged)",
            ));
        }
        Ok(n)
    }
}

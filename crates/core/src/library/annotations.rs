//! What a person says about an image: a rating 0-5 and a note; and everything that
//! organises one image (its boards and tags), for its detail view.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::selection::{self, Selection};
use super::{Library, clock, image_not_found};
use crate::error::{Error, Result};

pub const MAX_RATING: u8 = 5;
const MAX_NOTE_CHARS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BoardRef {
    pub id: i64,
    pub name: String,
}

/// One image's rating, note, boards and tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImageOrganisation {
    /// 0 (not rated) to 5.
    pub rating: u8,
    pub note: Option<String>,
    /// By name.
    pub boards: Vec<BoardRef>,
    /// By name.
    pub tags: Vec<String>,
}

impl Library {
    /// Rates the selected images (0 clears the rating); returns how many changed.
    pub fn set_rating(&self, selection: &Selection, rating: u8) -> Result<usize> {
        if rating > MAX_RATING {
            return Err(Error::InvalidInput(format!(
                "A rating goes from 0 to {MAX_RATING}; {rating} was given."
            )));
        }
        self.ensure_writable()?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        selection::fill(&tx, selection)?;
        let n = tx.execute(
            "UPDATE images SET rating = ?1 WHERE seq IN (SELECT seq FROM temp.selected) \
             AND rating != ?1",
            [rating],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Sets the note of a live image; an empty (or blank) note removes it.
    pub fn set_note(&self, id: &str, note: &str) -> Result<()> {
        self.ensure_writable()?;
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(Error::InvalidInput(format!(
                "The note is longer than {MAX_NOTE_CHARS} characters."
            )));
        }
        let conn = self.conn();
        let seq: i64 = conn
            .query_row(
                "SELECT seq FROM images WHERE id = ?1 AND deleted_at IS NULL",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| image_not_found(id))?;
        if note.trim().is_empty() {
            conn.execute("DELETE FROM image_notes WHERE image_seq = ?1", [seq])?;
        } else {
            conn.execute(
                "INSERT INTO image_notes (image_seq, note, updated_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (image_seq) DO UPDATE SET note = excluded.note, \
                 updated_at = excluded.updated_at",
                params![seq, note, clock::now_ms()],
            )?;
        }
        Ok(())
    }

    /// The rating, note, boards and tags of a live image.
    pub fn organisation(&self, id: &str) -> Result<ImageOrganisation> {
        let conn = self.conn();
        let (seq, rating, note): (i64, u8, Option<String>) = conn
            .prepare_cached(
                "SELECT i.seq, i.rating, n.note FROM images i \
                 LEFT JOIN image_notes n ON n.image_seq = i.seq \
                 WHERE i.id = ?1 AND i.deleted_at IS NULL",
            )?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?
            .ok_or_else(|| image_not_found(id))?;
        let boards = conn
            .prepare_cached(
                "SELECT b.id, b.name FROM board_images l JOIN boards b ON b.id = l.board_id \
                 WHERE l.image_seq = ?1 ORDER BY b.name_key",
            )?
            .query_map([seq], |r| {
                Ok(BoardRef {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let tags = conn
            .prepare_cached(
                "SELECT t.name FROM image_tags l JOIN tags t ON t.id = l.tag_id \
                 WHERE l.image_seq = ?1 ORDER BY t.name_key",
            )?
            .query_map([seq], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ImageOrganisation {
            rating,
            note,
            boards,
            tags,
        })
    }
}

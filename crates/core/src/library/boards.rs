//! Boards: named collections. An image may be on several; deleting a board leaves its images
//! in the library. Names are unique ignoring case.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::search::name_key;
use super::selection::{self, Selection};
use super::{Library, clock};
use crate::error::{Error, Result};

const MAX_NAME_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Board {
    pub id: i64,
    pub name: String,
    /// Live images on the board.
    pub image_count: u64,
    /// The chosen cover, else the board's newest image; `None` for an empty board.
    pub cover: Option<String>,
    pub created_at: String,
}

/// A name as given, checked: trimmed, not empty, no control characters, not too long.
pub(super) fn checked_name(name: &str, what: &str, max: usize) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::InvalidInput(format!("The {what} name is empty.")));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!(
            "The {what} name contains a control character (a line break, tab or escape); \
             use plain text."
        )));
    }
    if name.chars().count() > max {
        return Err(Error::InvalidInput(format!(
            "The {what} name is longer than {max} characters."
        )));
    }
    Ok(name.to_owned())
}

fn board_not_found(what: &str) -> Error {
    Error::not_found(format!("Board {what}"))
}

impl Library {
    pub fn create_board(&self, name: &str) -> Result<Board> {
        self.ensure_writable()?;
        let name = checked_name(name, "board", MAX_NAME_CHARS)?;
        let conn = self.conn();
        let inserted = conn.execute(
            "INSERT INTO boards (name, name_key, created_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (name_key) DO NOTHING",
            params![name, name_key(&name), clock::now_ms()],
        )?;
        if inserted == 0 {
            return Err(Error::InvalidInput(format!(
                "A board named \"{name}\" already exists; choose another name."
            )));
        }
        board_with(&conn, conn.last_insert_rowid())
    }

    pub fn rename_board(&self, id: i64, name: &str) -> Result<Board> {
        self.ensure_writable()?;
        let name = checked_name(name, "board", MAX_NAME_CHARS)?;
        let conn = self.conn();
        let taken: Option<i64> = conn
            .query_row(
                "SELECT id FROM boards WHERE name_key = ?1",
                [name_key(&name)],
                |r| r.get(0),
            )
            .optional()?;
        if taken.is_some_and(|other| other != id) {
            return Err(Error::InvalidInput(format!(
                "A board named \"{name}\" already exists; choose another name."
            )));
        }
        let n = conn.execute(
            "UPDATE boards SET name = ?2, name_key = ?3 WHERE id = ?1",
            params![id, name, name_key(&name)],
        )?;
        if n == 0 {
            return Err(board_not_found(&id.to_string()));
        }
        board_with(&conn, id)
    }

    /// Deletes the board; its images stay in the library (and on other boards).
    pub fn delete_board(&self, id: i64) -> Result<()> {
        self.ensure_writable()?;
        let n = self
            .conn()
            .execute("DELETE FROM boards WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(board_not_found(&id.to_string()));
        }
        Ok(())
    }

    /// Every board, by name.
    pub fn boards(&self) -> Result<Vec<Board>> {
        let conn = self.read_conn();
        let ids: Vec<i64> = conn
            .prepare_cached("SELECT id FROM boards ORDER BY name_key")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter().map(|id| board_with(&conn, id)).collect()
    }

    pub fn board(&self, id: i64) -> Result<Board> {
        board_with(&self.conn(), id)
    }

    /// The board with this name, ignoring case.
    pub fn board_named(&self, name: &str) -> Result<Board> {
        let conn = self.conn();
        let id: i64 = conn
            .query_row(
                "SELECT id FROM boards WHERE name_key = ?1",
                [name_key(name)],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| board_not_found(&format!("\"{}\"", name.trim())))?;
        board_with(&conn, id)
    }

    /// Chooses the cover (an image on the board), or `None` for the newest image.
    pub fn set_board_cover(&self, id: i64, image: Option<&str>) -> Result<Board> {
        self.ensure_writable()?;
        let conn = self.conn();
        let seq: Option<i64> = match image {
            None => None,
            Some(image) => Some(
                conn.query_row(
                    "SELECT i.seq FROM images i JOIN board_images b ON b.image_seq = i.seq \
                     WHERE i.id = ?1 AND b.board_id = ?2 AND i.deleted_at IS NULL",
                    params![image, id],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| Error::not_found(format!("Image {image} on board {id}")))?,
            ),
        };
        let n = conn.execute(
            "UPDATE boards SET cover_seq = ?2 WHERE id = ?1",
            params![id, seq],
        )?;
        if n == 0 {
            return Err(board_not_found(&id.to_string()));
        }
        board_with(&conn, id)
    }

    /// Puts the selected images on the board; returns how many were not on it yet.
    pub fn add_to_board(&self, id: i64, selection: &Selection) -> Result<usize> {
        self.ensure_writable()?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        board_with(&tx, id)?;
        selection::fill(&tx, selection)?;
        let n = tx.execute(
            "INSERT OR IGNORE INTO board_images (board_id, image_seq, created_at, image_id, added_at) \
             SELECT ?1, i.seq, i.created_at, i.id, ?2 FROM temp.selected s \
             JOIN images i ON i.seq = s.seq",
            params![id, clock::now_ms()],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Takes the selected images off the board (they stay in the library); returns how many
    /// were on it.
    pub fn remove_from_board(&self, id: i64, selection: &Selection) -> Result<usize> {
        self.ensure_writable()?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        board_with(&tx, id)?;
        selection::fill(&tx, selection)?;
        let n = tx.execute(
            "DELETE FROM board_images WHERE board_id = ?1 \
             AND image_seq IN (SELECT seq FROM temp.selected)",
            [id],
        )?;
        tx.execute(
            "UPDATE boards SET cover_seq = NULL WHERE id = ?1 \
             AND cover_seq IN (SELECT seq FROM temp.selected)",
            [id],
        )?;
        tx.commit()?;
        Ok(n)
    }
}

fn board_with(conn: &Connection, id: i64) -> Result<Board> {
    let row: Option<(String, i64, Option<String>, i64)> = conn
        .prepare_cached(
            "SELECT b.name, b.image_count, \
             (SELECT i.id FROM images i WHERE i.seq = b.cover_seq AND i.deleted_at IS NULL), \
             b.created_at FROM boards b WHERE b.id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let (name, count, cover, created_at) = row.ok_or_else(|| board_not_found(&id.to_string()))?;
    let cover = match cover {
        Some(c) => Some(c),
        None => conn
            .prepare_cached(
                "SELECT i.id FROM board_images l JOIN images i ON i.seq = l.image_seq \
                 WHERE l.board_id = ?1 AND i.deleted_at IS NULL \
                 ORDER BY l.created_at DESC, l.image_id DESC LIMIT 1",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?,
    };
    Ok(Board {
        id,
        name,
        image_count: count.max(0) as u64,
        cover,
        created_at: clock::to_rfc3339(created_at),
    })
}

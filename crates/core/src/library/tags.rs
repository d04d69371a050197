//! Tags: free text, compared ignoring case (the first spelling used is the one shown), on one
//! image or a whole selection; renamed or merged everywhere in one statement.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::Library;
use super::boards::checked_name;
use super::search::name_key;
use super::selection::{self, Selection};
use crate::error::{Error, Result};

const MAX_TAG_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TagCount {
    pub name: String,
    /// Live images with the tag.
    pub count: u64,
}

fn tag_id(conn: &Connection, name: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM tags WHERE name_key = ?1")?
        .query_row([name_key(name)], |r| r.get(0))
        .optional()?)
}

/// The tag's id, creating it with this spelling if it is new.
fn tag_id_or_new(conn: &Connection, name: &str) -> Result<i64> {
    let name = checked_name(name, "tag", MAX_TAG_CHARS)?;
    conn.prepare_cached(
        "INSERT INTO tags (name, name_key) VALUES (?1, ?2) ON CONFLICT (name_key) DO NOTHING",
    )?
    .execute(params![name, name_key(&name)])?;
    tag_id(conn, &name)?.ok_or_else(|| Error::not_found(format!("Tag \"{name}\"")))
}

impl Library {
    /// Tags in use whose name starts with `prefix` (ignoring case), most used first, for
    /// autocomplete; an empty prefix lists the most used tags.
    pub fn tags(&self, prefix: &str, limit: u32) -> Result<Vec<TagCount>> {
        let key = name_key(prefix);
        let limit = i64::from(limit.clamp(1, 1000));
        let conn = self.read_conn();
        // The range on the unique index is the prefix: keys from `key` up to (not
        // including) `key` followed by the highest character.
        let upper = format!("{key}\u{10FFFF}");
        let rows = conn
            .prepare_cached(
                "SELECT name, image_count FROM tags WHERE name_key >= ?1 AND name_key < ?2 \
                 AND image_count > 0 ORDER BY image_count DESC, name_key LIMIT ?3",
            )?
            .query_map(params![key, upper, limit], |r| {
                Ok(TagCount {
                    name: r.get(0)?,
                    count: r.get::<_, i64>(1)?.max(0) as u64,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Tags the selected images; returns how many (image, tag) pairs are new.
    pub fn add_tags(&self, selection: &Selection, names: &[String]) -> Result<usize> {
        self.ensure_writable()?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let ids = names
            .iter()
            .map(|n| tag_id_or_new(&tx, n))
            .collect::<Result<Vec<_>>>()?;
        selection::fill(&tx, selection)?;
        let mut added = 0;
        for id in ids {
            added += tx.execute(
                "INSERT OR IGNORE INTO image_tags (tag_id, image_seq, created_at, image_id) \
                 SELECT ?1, i.seq, i.created_at, i.id FROM temp.selected s \
                 JOIN images i ON i.seq = s.seq",
                [id],
            )?;
        }
        tx.commit()?;
        Ok(added)
    }

    /// Removes tags from the selected images; returns how many (image, tag) pairs went.
    /// A tag nobody has is not an error.
    pub fn remove_tags(&self, selection: &Selection, names: &[String]) -> Result<usize> {
        self.ensure_writable()?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        selection::fill(&tx, selection)?;
        let mut removed = 0;
        for name in names {
            if let Some(id) = tag_id(&tx, name)? {
                removed += tx.execute(
                    "DELETE FROM image_tags WHERE tag_id = ?1 \
                     AND image_seq IN (SELECT seq FROM temp.selected)",
                    [id],
                )?;
            }
        }
        tx.commit()?;
        Ok(removed)
    }

    /// Renames a tag everywhere; when `to` already exists, merges `from` into it. Returns
    /// the tag afterwards.
    pub fn rename_tag(&self, from: &str, to: &str) -> Result<TagCount> {
        self.ensure_writable()?;
        let to = checked_name(to, "tag", MAX_TAG_CHARS)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let source = tag_id(&tx, from)?
            .ok_or_else(|| Error::not_found(format!("Tag \"{}\"", from.trim())))?;
        match tag_id(&tx, &to)? {
            Some(target) if target != source => {
                tx.execute(
                    "INSERT OR IGNORE INTO image_tags (tag_id, image_seq, created_at, image_id) \
                     SELECT ?2, image_seq, created_at, image_id FROM image_tags WHERE tag_id = ?1",
                    params![source, target],
                )?;
                tx.execute("DELETE FROM tags WHERE id = ?1", [source])?;
            }
            _ => {
                tx.execute(
                    "UPDATE tags SET name = ?2, name_key = ?3 WHERE id = ?1",
                    params![source, to, name_key(&to)],
                )?;
            }
        }
        let (name, count): (String, i64) = tx.query_row(
            "SELECT name, image_count FROM tags WHERE name_key = ?1",
            [name_key(&to)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        tx.commit()?;
        Ok(TagCount {
            name,
            count: count.max(0) as u64,
        })
    }
}

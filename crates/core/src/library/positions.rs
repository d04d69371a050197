//! Entering a list at any position (a scroll bar dragged to the middle of a million images,
//! the End key): the cursor a page must start after, found by summing the live images of
//! each stretch of time and stepping within one stretch. The whole library, one board and
//! one tag keep such counts; other lists are read from their start.

use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, params};

use super::Library;
use super::query::Cursor;
use super::records::{ListQuery, SortOrder};
use super::search::{Compiled, Driver};
use crate::error::{Error, Result};

/// Where a list's counts per stretch of time live, and how its rows are walked in order.
pub(super) struct Spans {
    /// `SELECT span, live` in ascending span order (`?1` is the board or tag, if any).
    counts: String,
    /// The rows of the list: `SELECT created_at, id ... WHERE` (`?1` as above), to which a
    /// stretch's bounds and the order are added.
    rows: String,
    created_at: &'static str,
    id: &'static str,
    of: Option<i64>,
}

impl Spans {
    /// The counts that serve `c`, if any do: the whole library, or one board or tag alone.
    pub(super) fn of(c: &Compiled) -> Option<Spans> {
        if c.everything {
            return Some(Spans {
                counts: "SELECT span, live FROM live_images_by_time WHERE ?1 IS NULL".to_owned(),
                rows: "SELECT i.created_at, i.id FROM images i WHERE ?1 IS NULL \
                       AND i.deleted_at IS NULL"
                    .to_owned(),
                created_at: "i.created_at",
                id: "i.id",
                of: None,
            });
        }
        match c.driver {
            Driver::Link { table, column, id }
                if c.fts.is_none()
                    && c.fts_excluded.is_none()
                    && c.has_no_conditions()
                    && !c.impossible =>
            {
                Some(Spans {
                    counts: format!("SELECT span, live FROM {table}_by_time WHERE {column} = ?1"),
                    rows: format!(
                        "SELECT l.created_at, l.image_id FROM {table} l \
                         JOIN images i ON i.seq = l.image_seq \
                         WHERE l.{column} = ?1 AND i.deleted_at IS NULL"
                    ),
                    created_at: "l.created_at",
                    id: "l.image_id",
                    of: Some(id),
                })
            }
            _ => None,
        }
    }

    /// The stretches with live images, in list order: `(span, live)`; `?1` is `of`.
    fn counts_sql(&self, order: SortOrder) -> String {
        format!(
            "{} AND live > 0 ORDER BY span {}",
            self.counts,
            direction(order)
        )
    }

    /// The key of the row `?3` rows into stretch `?2` (or, with `within` false and `?2`
    /// NULL, into the whole list), in list order; `?1` is `of`.
    fn key_sql(&self, order: SortOrder, within: bool) -> String {
        let (ct, id, dir) = (self.created_at, self.id, direction(order));
        let stretch = if within {
            format!("AND {ct} >= (?2 << 26) AND {ct} < ((?2 + 1) << 26)")
        } else {
            "AND ?2 IS NULL".to_owned()
        };
        format!(
            "{} {stretch} ORDER BY {ct} {dir}, {id} {dir} LIMIT 1 OFFSET ?3",
            self.rows
        )
    }

    /// Every statement `cursor_at` may run, with example values: for the query-plan tests.
    pub(super) fn statements(&self, order: SortOrder) -> Vec<(String, Vec<SqlValue>)> {
        let of = self.of.map_or(SqlValue::Null, SqlValue::Integer);
        vec![
            (self.counts_sql(order), vec![of.clone()]),
            (
                self.key_sql(order, true),
                vec![of.clone(), SqlValue::Integer(26_000), SqlValue::Integer(10)],
            ),
        ]
    }
}

fn direction(order: SortOrder) -> &'static str {
    match order {
        SortOrder::NewestFirst => "DESC",
        SortOrder::OldestFirst => "ASC",
    }
}

impl Library {
    /// The cursor with which `list(q)` begins at `position` of the list (0 is the first
    /// image, and needs no cursor: `None`). The whole library, one board or one tag can be
    /// entered this way, in either order (`MatchCount::any_position` says so); any other
    /// search or filter is an `invalid_input` error (such lists are read from the start).
    /// A position past the end is `not_found`.
    pub fn cursor_at(&self, q: &ListQuery, position: u64) -> Result<Option<String>> {
        let conn = self.read_conn();
        let c = self.compile_read(&conn, q)?;
        let Some(spans) = Spans::of(&c) else {
            return Err(Error::InvalidInput(
                "Only the whole library, a board or a tag on its own can be entered at a \
                 position; a search or filter is read from its first page."
                    .to_owned(),
            ));
        };
        let Some(target) = position.checked_sub(1) else {
            return Ok(None);
        };
        // One read transaction: the counts and the rows they count agree.
        let tx = conn.unchecked_transaction()?;
        let key_at = |within: Option<i64>, skip: u64| -> Result<Option<Cursor>> {
            let key = tx
                .prepare_cached(&spans.key_sql(q.order, within.is_some()))?
                .query_row(params![spans.of, within, skip as i64], |r| {
                    Ok(Cursor {
                        created_at: r.get(0)?,
                        id: r.get(1)?,
                    })
                })
                .optional()?;
            Ok(key)
        };
        let mut counts = tx.prepare_cached(&spans.counts_sql(q.order))?;
        let mut rows = counts.query(params![spans.of])?;
        let mut before: u64 = 0;
        let mut found = None;
        while let Some(row) = rows.next()? {
            let (span, live): (i64, i64) = (row.get(0)?, row.get(1)?);
            let live = live.max(0) as u64;
            if target < before + live {
                found = key_at(Some(span), target - before)?;
                break;
            }
            before += live;
        }
        // The counts disagree with the rows (they never should): walk the whole list.
        let key = match found {
            Some(key) => Some(key),
            None => key_at(None, target)?,
        };
        match key {
            Some(key) => Ok(Some(key.encode())),
            None => Err(Error::NotFound {
                what: format!("Position {position} of the list (it holds fewer images)"),
            }),
        }
    }
}

//! Entering a list at any position (a scroll bar dragged to the middle of a million images,
//! the End key): the cursor a page must start after, found by summing the live images of
//! each stretch of time and stepping within one stretch. The whole library, one board and
//! one tag keep such counts. Words alone (with phrases and prefixes) are counted by the
//! search index itself, a block of rows at a time. Lists with filters are read from their
//! start: counting them would test every match.

use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, params};

use super::Library;
use super::query::Cursor;
use super::records::{ListQuery, SortOrder};
use super::search::{BLOCK_BITS, Block, Compiled, Driver, TIME_BLOCKS_SQL, time_blocks};
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

/// How a list is entered at a position, when it can be.
pub(super) enum Entry {
    /// By the counts kept per stretch of time.
    Counted(Spans),
    /// Words alone: the search index counts its matches (`MATCH` this) per block of rows.
    Words(String),
}

impl Entry {
    pub(super) fn of(c: &Compiled) -> Option<Entry> {
        if let Some(spans) = Spans::of(c) {
            return Some(Entry::Counted(spans));
        }
        c.words_alone()
            .filter(|_| !c.impossible)
            .map(|fts| Entry::Words(fts.to_owned()))
    }

    /// Every statement `cursor_at` may run, with example values: for the query-plan tests.
    pub(super) fn statements(&self, order: SortOrder) -> Vec<(String, Vec<SqlValue>)> {
        match self {
            Entry::Counted(spans) => spans.statements(order),
            Entry::Words(fts) => {
                let text = SqlValue::Text(fts.clone());
                let int = SqlValue::Integer;
                vec![
                    (TIME_BLOCKS_SQL.to_owned(), vec![]),
                    (MATCHES_SQL.to_owned(), vec![text.clone()]),
                    (
                        BLOCK_KEYS_SQL.to_owned(),
                        vec![text.clone(), int(0), int(4095)],
                    ),
                    (words_walk_sql(order), vec![text, int(10)]),
                ]
            }
        }
    }
}

/// The rows that match `?1` (the index holds live images only), counted per block in one
/// pass: a prefix costs the index milliseconds per statement, so one per block would not do.
const MATCHES_SQL: &str = "SELECT rowid FROM images_fts WHERE images_fts MATCH ?1";
/// The keys of the rows of the block range `?2..=?3` that match `?1`.
const BLOCK_KEYS_SQL: &str = "SELECT i.created_at, i.id FROM images i \
     WHERE i.seq BETWEEN ?2 AND ?3 AND i.deleted_at IS NULL \
     AND i.seq IN (SELECT rowid FROM images_fts WHERE images_fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3)";

/// The key of the match `?2` rows into every match of `?1`, in list order: the slow way,
/// should the blocks ever disagree with the rows.
fn words_walk_sql(order: SortOrder) -> String {
    let dir = direction(order);
    format!(
        "SELECT i.created_at, i.id FROM images i WHERE i.deleted_at IS NULL \
         AND i.seq IN (SELECT rowid FROM images_fts WHERE images_fts MATCH ?1) \
         ORDER BY i.created_at {dir}, i.id {dir} LIMIT 1 OFFSET ?2"
    )
}

/// The blocks split in two: `apart`, whose times do not overlap (in time order), and `among`,
/// the rest (a first image made after older ones were imported, a clock set back), whose
/// matches are read one by one. Most blocks of a library that grows in time are apart.
fn split_blocks(mut blocks: Vec<Block>) -> (Vec<Block>, Vec<Block>) {
    // The most blocks that do not overlap: by earliest end, each that starts after the last.
    blocks.sort_by_key(|b| (b.max_created_at, b.min_created_at, b.block));
    let (mut apart, mut among): (Vec<Block>, Vec<Block>) = (Vec::new(), Vec::new());
    for b in blocks {
        match apart.last() {
            Some(last) if b.min_created_at <= last.max_created_at => among.push(b),
            _ => apart.push(b),
        }
    }
    (apart, among)
}

/// The key of the row before position `target + 1` of the matches of `fts`, in `order`.
///
/// The list is cut at the ends of the blocks that are apart: each piece holds that block's
/// matches (the index counts them) and the matches of the other blocks whose times fall in
/// it (read whole, few). The piece that holds the position is read and sorted.
fn words_key_at(
    tx: &rusqlite::Transaction<'_>,
    fts: &str,
    order: SortOrder,
    target: u64,
) -> Result<Option<Cursor>> {
    let blocks = time_blocks(tx)?;
    let mut matched: Vec<u64> =
        vec![0; blocks.iter().map(|b| b.block + 1).max().unwrap_or(0).max(0) as usize];
    {
        let mut stmt = tx.prepare_cached(MATCHES_SQL)?;
        let mut rows = stmt.query(params![fts])?;
        while let Some(row) = rows.next()? {
            let block = (row.get::<_, i64>(0)? >> BLOCK_BITS).max(0) as usize;
            if block >= matched.len() {
                matched.resize(block + 1, 0);
            }
            matched[block] += 1;
        }
    }
    let (apart, among) = split_blocks(blocks);
    let mut keys_stmt = tx.prepare_cached(BLOCK_KEYS_SQL)?;
    let mut keys_of = |b: Block| -> Result<Vec<Cursor>> {
        let (first, last) = b.seqs();
        let keys = keys_stmt
            .query_map(params![fts, first, last], Cursor::from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(keys)
    };
    let mut strays: Vec<Cursor> = Vec::new();
    for b in among {
        strays.extend(keys_of(b)?);
    }
    strays.sort();
    // Piece `j` holds the times after block `j - 1`'s end up to block `j`'s (the last: all
    // later ones), in time order.
    let piece_of = |j: usize| -> (Option<i64>, Option<i64>) {
        let after = j.checked_sub(1).map(|k| apart[k].max_created_at);
        let upto = (j + 1 < apart.len()).then(|| apart[j].max_created_at);
        (after, upto)
    };
    let strays_in = |(after, upto): (Option<i64>, Option<i64>)| -> &[Cursor] {
        let from = strays.partition_point(|k| after.is_some_and(|a| k.created_at <= a));
        let to = strays.partition_point(|k| upto.is_none_or(|u| k.created_at <= u));
        &strays[from..to.max(from)]
    };
    let pieces: Vec<usize> = match order {
        SortOrder::OldestFirst => (0..apart.len()).collect(),
        SortOrder::NewestFirst => (0..apart.len()).rev().collect(),
    };
    let mut before: u64 = 0;
    for j in pieces {
        let strays_here = strays_in(piece_of(j));
        let n = matched[apart[j].block as usize] + strays_here.len() as u64;
        if target < before + n {
            let mut keys = keys_of(apart[j])?;
            keys.extend_from_slice(strays_here);
            keys.sort();
            if order == SortOrder::NewestFirst {
                keys.reverse();
            }
            if let Some(key) = keys.into_iter().nth((target - before) as usize) {
                return Ok(Some(key));
            }
            break;
        }
        before += n;
    }
    // The blocks disagree with the rows (they never should): walk every match.
    let key = tx
        .prepare_cached(&words_walk_sql(order))?
        .query_row(params![fts, target as i64], Cursor::from_row)
        .optional()?;
    Ok(key)
}

fn direction(order: SortOrder) -> &'static str {
    match order {
        SortOrder::NewestFirst => "DESC",
        SortOrder::OldestFirst => "ASC",
    }
}

impl Library {
    /// The cursor with which `list(q)` begins at `position` of the list (0 is the first
    /// image, and needs no cursor: `None`). The whole library, one board or one tag, or words
    /// alone, can be entered this way, in either order (`MatchCount::any_position` says so);
    /// a search with filters is an `invalid_input` error (such lists are read from the start).
    /// A position past the end is `not_found`.
    pub fn cursor_at(&self, q: &ListQuery, position: u64) -> Result<Option<String>> {
        let conn = self.read_conn();
        let c = self.compile_read(&conn, q)?;
        let Some(entry) = Entry::of(&c) else {
            return Err(Error::InvalidInput(
                "Only the whole library, a board or a tag on its own, or words alone, can be \
                 entered at a position; a search with filters is read from its first page."
                    .to_owned(),
            ));
        };
        let Some(target) = position.checked_sub(1) else {
            return Ok(None);
        };
        // One read transaction: the counts and the rows they count agree.
        let tx = conn.unchecked_transaction()?;
        let spans = match entry {
            Entry::Counted(spans) => spans,
            Entry::Words(fts) => {
                return match words_key_at(&tx, &fts, q.order, target)? {
                    Some(key) => Ok(Some(key.encode())),
                    None => Err(past_the_end(position)),
                };
            }
        };
        let key_at = |within: Option<i64>, skip: u64| -> Result<Option<Cursor>> {
            let key = tx
                .prepare_cached(&spans.key_sql(q.order, within.is_some()))?
                .query_row(params![spans.of, within, skip as i64], Cursor::from_row)
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
            None => Err(past_the_end(position)),
        }
    }
}

fn past_the_end(position: u64) -> Error {
    Error::NotFound {
        what: format!("Position {position} of the list (it holds fewer images)"),
    }
}

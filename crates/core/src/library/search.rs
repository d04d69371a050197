//! A search (the search language in `ListQuery::text` plus the list's own filters) compiled
//! to SQL over an index, and run a page at a time.
//!
//! Text sorted by time is the hard case: a common word matches a tenth of the library, and
//! materialising every match before walking the time index costs milliseconds per hundred
//! thousand rows. So text searches read the library in windows of `images.seq` (the FTS
//! rowid), most recent first, each window sized by how often the first ones matched: FTS5
//! narrows to a rowid range cheaply, and `search_time_blocks` says which times the older
//! blocks hold, so the search stops as soon as no older block can change the page. Images
//! are stored in time order, so usually one or two windows answer. Blocks whose times spread
//! across the library (an import of old pictures) are read last, bounded by that page.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params};

use super::clock;
use super::query::{Cursor, SUMMARY_COLUMNS};
use super::records::{ListQuery, SortOrder};
use super::search_language::{
    self, Comparison, LicenseFilter, NumberFilter, SearchQuery, SearchSyntaxError,
};
use super::search_terms::{self, TermCache};
use crate::error::{Error, Result};

/// `images.seq >> BLOCK_BITS` is a row of `search_time_blocks` (see the schema).
pub const BLOCK_BITS: u32 = 12;

/// Below this many text matches per indexed row of a window, looking each match up beats
/// walking the window's time index (~0.15 µs per entry walked vs a few µs per lookup).
const LOOKUP_BELOW_ONE_IN: i64 = 32;

/// What rows are walked in list order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// The images' own time indexes (all live, favourites, rated).
    Images,
    /// A board's or tag's link rows, which carry the image's `(created_at, id)`.
    Link {
        table: &'static str,
        column: &'static str,
        id: i64,
    },
}

impl Driver {
    fn keys(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Driver::Images => ("i.created_at", "i.id", "i.seq"),
            Driver::Link { .. } => ("l.created_at", "l.image_id", "l.image_seq"),
        }
    }
}

/// A search ready to run: conditions on `i` (images) and `g` (generations).
#[derive(Debug, Clone)]
pub struct Compiled {
    /// FTS5 expression rows must match.
    pub fts: Option<String>,
    /// FTS5 expression of exclusions when nothing positive is searched: rows matching it
    /// are left out.
    pub fts_excluded: Option<String>,
    conditions: Vec<String>,
    params: Vec<SqlValue>,
    pub driver: Driver,
    /// A named tag or board does not exist: nothing can match.
    pub impossible: bool,
    /// Nothing narrows the library (no text, no filter): every live image matches.
    pub everything: bool,
    /// The text is one term of the index, which this many live images hold (the index
    /// holds live images only).
    pub term_images: Option<i64>,
}

/// Turns the search language's error into the library's.
pub fn search_error(e: SearchSyntaxError) -> Error {
    Error::InvalidSearch {
        message: e.message,
        start: e.start,
        end: e.end,
    }
}

/// The parsed text of `q` (empty when there is none).
pub fn parse_text(q: &ListQuery) -> Result<SearchQuery> {
    match q.text.as_deref() {
        Some(text) => search_language::parse(text).map_err(search_error),
        None => Ok(SearchQuery::default()),
    }
}

/// Lower-cased key that names compare by (tags, boards, saved searches).
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

fn number_sql(column: &str, f: NumberFilter) -> String {
    let op = match f.comparison {
        Comparison::Equal => "=",
        Comparison::Less => "<",
        Comparison::LessOrEqual => "<=",
        Comparison::Greater => ">",
        Comparison::GreaterOrEqual => ">=",
    };
    format!("{column} {op} {}", f.value)
}

/// Whether every rating the filter admits is above 0 (so the rated index serves it).
fn needs_rating(f: NumberFilter) -> bool {
    match f.comparison {
        Comparison::Equal | Comparison::GreaterOrEqual => f.value >= 1,
        Comparison::Greater => true,
        Comparison::Less | Comparison::LessOrEqual => false,
    }
}

/// Compiles `q` on `conn`; `terms`, when given, remembers what prefix words stand for (it
/// must belong to `conn`, a connection that does not write).
pub fn compile(
    conn: &Connection,
    q: &ListQuery,
    mut terms: Option<&mut TermCache>,
) -> Result<Compiled> {
    let s = parse_text(q)?;
    let mut failed = None;
    let mut nothing = false;
    let mut expanded = Vec::new();
    let mut terms_of = |word: &str| match terms.as_deref_mut() {
        Some(cache) => cache.terms(conn, word),
        None => search_terms::prefix_terms(conn, word),
    };
    let fts = search_language::fts_expression_with(&s, &mut |word| match terms_of(word) {
        Ok(Some(terms)) if terms.is_empty() => {
            nothing = true;
            None
        }
        Ok(Some(terms)) => {
            expanded.push(terms.clone());
            Some(terms.into_iter().map(|(t, _)| t).collect())
        }
        Ok(None) => None,
        Err(e) => {
            failed = Some(e);
            None
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    let term_images = match expanded.as_slice() {
        [one]
            if one.len() == 1
                && s.words.len() == 1
                && s.phrases.is_empty()
                && s.excluded.is_empty() =>
        {
            Some(one[0].1)
        }
        _ => None,
    };
    let mut c = Compiled {
        fts,
        fts_excluded: None,
        conditions: Vec::new(),
        params: Vec::new(),
        driver: Driver::Images,
        impossible: nothing,
        everything: false,
        term_images,
    };
    if c.fts.is_none() {
        let quote = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
        let excluded: Vec<String> = s
            .excluded
            .iter()
            .filter(|x| x.chars().any(char::is_alphanumeric))
            .map(|x| quote(x))
            .collect();
        if !excluded.is_empty() {
            c.fts_excluded = Some(excluded.join(" OR "));
        }
    }
    let mut providers = s.providers.clone();
    providers.extend(
        q.provider
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| p.to_ascii_lowercase()),
    );
    let mut models = s.models.clone();
    models.extend(q.model.iter().filter(|m| !m.is_empty()).cloned());
    // Several values of one key are alternatives: `model:a model:b` is either model. One
    // value is an equality, which its index serves in list order.
    // With favourites asked for, their (small) index drives the walk; `+` keeps the
    // model and provider indexes, which would need a row read per entry, out of it.
    let favorite = s.favorite || q.favorites_only;
    let (provider_col, model_col) = if favorite {
        ("+i.provider", "+i.model")
    } else {
        ("i.provider", "i.model")
    };
    for (column, mut values) in [(provider_col, providers), (model_col, models)] {
        values.dedup();
        match values.len() {
            0 => {}
            1 => {
                c.conditions.push(format!("{column} = ?"));
                c.params.extend(values.into_iter().map(SqlValue::Text));
            }
            n => {
                let marks = vec!["?"; n].join(", ");
                c.conditions.push(format!("{column} IN ({marks})"));
                c.params.extend(values.into_iter().map(SqlValue::Text));
            }
        }
    }
    if favorite {
        c.conditions.push("i.favorite = 1".into());
    }
    if let Some(r) = s.rating {
        if needs_rating(r) {
            // Spelled like the rated index's own condition, so the planner can use it.
            c.conditions.push("i.rating > 0".into());
        }
        c.conditions.push(number_sql("i.rating", r));
    }
    let license = s
        .license
        .or(q.commercial_only.then_some(LicenseFilter::Commercial));
    if let Some(l) = license {
        c.conditions.push(
            match l {
                // `conditional` counts: allowed, on the stated condition. A preview must be
                // licensed before any use.
                LicenseFilter::Commercial => {
                    "i.commercial_use IN ('yes', 'conditional') AND i.license_status != 'preview'"
                }
                LicenseFilter::NonCommercial => "i.commercial_use = 'no'",
                LicenseFilter::Unknown => "i.commercial_use = 'unknown'",
                LicenseFilter::Preview => "i.license_status = 'preview'",
                LicenseFilter::Licensed => "i.license_status = 'licensed'",
            }
            .to_owned(),
        );
    }
    if let Some(f) = s.credentials.or(q.credentials) {
        // Spelled as an equality or IN list on the indexed column, so
        // `images_credentials_order` serves it in list order.
        let states = f.states();
        let marks = vec!["?"; states.len()].join(", ");
        let column = if favorite {
            "+i.credentials"
        } else {
            "i.credentials"
        };
        c.conditions.push(if states.len() == 1 {
            format!("{column} = ?")
        } else {
            format!("{column} IN ({marks})")
        });
        c.params
            .extend(states.iter().map(|s| SqlValue::Text((*s).to_owned())));
    }
    if let Some(size) = s.size {
        c.conditions
            .push(number_sql("max(i.width, i.height)", size));
    }
    let mut after = Vec::new();
    let mut before = Vec::new();
    if let Some(a) = s.after.as_deref() {
        after.push(clock::parse_rfc3339(a, "after")?);
    }
    if let Some(since) = q.since.as_deref().filter(|s| !s.is_empty()) {
        after.push(clock::parse_rfc3339(since, "since")?);
    }
    if let Some(b) = s.before.as_deref() {
        before.push(clock::parse_rfc3339(b, "before")?);
    }
    if let Some(until) = q.until.as_deref().filter(|s| !s.is_empty()) {
        before.push(clock::parse_rfc3339(until, "until")?);
    }
    // Time bounds go on the driver's key (added when the SQL is built) so the walk is a range.
    let time_from = after.into_iter().max();
    let time_to = before.into_iter().min();

    // Tags and boards: the smallest set drives the walk; the others are membership checks.
    let mut links: Vec<(&'static str, &'static str, i64, i64)> = Vec::new();
    for tag in &s.tags {
        match conn
            .prepare_cached("SELECT id, image_count FROM tags WHERE name_key = ?1")?
            .query_row([name_key(tag)], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
        {
            Some((id, n)) => links.push(("image_tags", "tag_id", id, n)),
            None => c.impossible = true,
        }
    }
    for board in &s.boards {
        match conn
            .prepare_cached("SELECT id, image_count FROM boards WHERE name_key = ?1")?
            .query_row([name_key(board)], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
        {
            Some((id, n)) => links.push(("board_images", "board_id", id, n)),
            None => c.impossible = true,
        }
    }
    links.sort_by_key(|l| l.3);
    let mut links = links.into_iter();
    if let Some((table, column, id, _)) = links.next() {
        c.driver = Driver::Link { table, column, id };
    }
    for (table, column, id, _) in links {
        c.conditions.push(format!(
            "EXISTS (SELECT 1 FROM {table} x WHERE x.{column} = ? AND x.image_seq = i.seq)"
        ));
        c.params.push(SqlValue::Integer(id));
    }
    let (k_ct, _, _) = c.driver.keys();
    if let Some(t) = time_from {
        c.conditions.push(format!("{k_ct} >= ?"));
        c.params.push(SqlValue::Integer(t));
    }
    if let Some(t) = time_to {
        c.conditions.push(format!("{k_ct} < ?"));
        c.params.push(SqlValue::Integer(t));
    }
    c.everything = c.fts.is_none()
        && c.fts_excluded.is_none()
        && c.conditions.is_empty()
        && c.driver == Driver::Images
        && !c.impossible;
    Ok(c)
}

/// How the text meets the time order inside one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextPlan {
    /// Few matches: look each up by rowid, then sort.
    LookupMatches,
    /// Many matches: walk the time index and keep rows that match.
    WalkInOrder,
}

/// A stretch of the library: rowids `seq_lo..=seq_hi`, whose times lie in `t_lo..=t_hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub seq_lo: i64,
    pub seq_hi: i64,
    pub t_lo: i64,
    pub t_hi: i64,
    pub plan: TextPlan,
}

impl Compiled {
    /// No filter beyond the driver and the text.
    pub fn has_no_conditions(&self) -> bool {
        self.conditions.is_empty()
    }

    /// The text to match when the search is words alone: no board or tag, no filter, no
    /// exclusion without a word beside it. The index alone answers such a search.
    pub fn words_alone(&self) -> Option<&str> {
        let alone = self.driver == Driver::Images
            && self.fts_excluded.is_none()
            && self.has_no_conditions();
        self.fts.as_deref().filter(|_| alone)
    }

    /// `FROM … WHERE …` and its parameters; `columns` is what to select.
    pub fn sql(&self, columns: &str, window: Option<Window>) -> (String, Vec<SqlValue>) {
        self.sql_walking(columns, window, false)
    }

    /// As `sql`; `walk_text` keeps an unwindowed text filter from driving the query (so the
    /// filters' own index is walked and matches are only tested).
    fn sql_walking(
        &self,
        columns: &str,
        window: Option<Window>,
        walk_text: bool,
    ) -> (String, Vec<SqlValue>) {
        let mut params = Vec::new();
        let gen_join = " JOIN generations g ON g.id = i.generation_id";
        let mut sql = match self.driver {
            Driver::Images => format!("SELECT {columns} FROM images i"),
            Driver::Link { table, .. } => {
                format!("SELECT {columns} FROM {table} l JOIN images i ON i.seq = l.image_seq")
            }
        };
        if columns.contains("g.") {
            sql.push_str(gen_join);
        }
        sql.push_str(" WHERE i.deleted_at IS NULL");
        if let Driver::Link { column, id, .. } = self.driver {
            sql.push_str(&format!(" AND l.{column} = ?"));
            params.push(SqlValue::Integer(id));
        }
        let (k_ct, _, k_seq) = self.driver.keys();
        if let Some(fts) = &self.fts {
            match window {
                Some(w) => {
                    // `+` keeps SQLite from driving by the matches when walking is cheaper.
                    let (plus, time_plus) = if w.plan == TextPlan::WalkInOrder {
                        ("+", "")
                    } else {
                        ("", "+")
                    };
                    // The rowid range is only a filter (`+`): as the driver it would read the
                    // window's whole stretch of the table and sort it.
                    sql.push_str(&format!(
                        " AND {time_plus}{k_ct} BETWEEN ? AND ? AND +{k_seq} BETWEEN ? AND ? \
                         AND {plus}i.seq IN (SELECT rowid FROM images_fts \
                         WHERE images_fts MATCH ? AND rowid BETWEEN ? AND ?)"
                    ));
                    params.extend([
                        SqlValue::Integer(w.t_lo),
                        SqlValue::Integer(w.t_hi),
                        SqlValue::Integer(w.seq_lo),
                        SqlValue::Integer(w.seq_hi),
                        SqlValue::Text(fts.clone()),
                        SqlValue::Integer(w.seq_lo),
                        SqlValue::Integer(w.seq_hi),
                    ]);
                }
                None => {
                    let plus = if walk_text { "+" } else { "" };
                    sql.push_str(&format!(
                        " AND {plus}i.seq IN (SELECT rowid FROM images_fts WHERE images_fts MATCH ?)"
                    ));
                    params.push(SqlValue::Text(fts.clone()));
                }
            }
        }
        if let Some(excluded) = &self.fts_excluded {
            sql.push_str(
                " AND +i.seq NOT IN (SELECT rowid FROM images_fts WHERE images_fts MATCH ?)",
            );
            params.push(SqlValue::Text(excluded.clone()));
        }
        for cond in &self.conditions {
            sql.push_str(" AND ");
            sql.push_str(cond);
        }
        params.extend(self.params.iter().cloned());
        if self.impossible {
            sql.push_str(" AND 0");
        }
        (sql, params)
    }

    /// Counting SQL: at most `cap` rows. Without text it walks the time index (so it stops
    /// at the cap instead of reading the table); with text the matches drive it.
    pub fn count_sql(&self, cap: i64) -> (String, Vec<SqlValue>) {
        // Text with filters: walk the filters' index and test each row against the matches
        // (looking up every match of a common word would cost far more).
        let walk_text = self.fts.is_some() && !self.conditions.is_empty();
        let (mut sql, mut params) = self.sql_walking("1", None, walk_text);
        if self.fts.is_none() || walk_text {
            let (k_ct, k_id, _) = self.driver.keys();
            sql.push_str(&format!(" ORDER BY {k_ct} DESC, {k_id} DESC"));
        }
        sql.push_str(" LIMIT ?");
        params.push(SqlValue::Integer(cap));
        (format!("SELECT count(*) FROM ({sql})"), params)
    }

    /// One page's SQL: `limit` rows after `cursor` in `order`.
    pub fn page_sql(
        &self,
        order: SortOrder,
        cursor: Option<&Cursor>,
        window: Option<Window>,
        limit: i64,
    ) -> (String, Vec<SqlValue>) {
        // The page's rows are found by their keys alone (no generation, no long columns),
        // then read whole: sorting many matches then costs little per match.
        let (k_ct, k_id, k_seq) = self.driver.keys();
        let (mut sql, mut params) = self.sql(k_seq, window);
        let (cmp, dir) = match order {
            SortOrder::NewestFirst => ("<", "DESC"),
            SortOrder::OldestFirst => (">", "ASC"),
        };
        // Looking matches up, no time index may drive (nor order) the query: walked over a
        // long time range it would read far more than the matches.
        let p = if window.is_some_and(|w| w.plan == TextPlan::LookupMatches) {
            "+"
        } else {
            ""
        };
        if let Some(c) = cursor {
            sql.push_str(&format!(" AND ({p}{k_ct}, {p}{k_id}) {cmp} (?, ?)"));
            params.push(SqlValue::Integer(c.created_at));
            params.push(SqlValue::Text(c.id.clone()));
        }
        sql.push_str(&format!(
            " ORDER BY {p}{k_ct} {dir}, {p}{k_id} {dir} LIMIT ?"
        ));
        params.push(SqlValue::Integer(limit));
        let page = format!(
            "SELECT {SUMMARY_COLUMNS} FROM images i JOIN generations g ON g.id = i.generation_id \
             WHERE i.seq IN ({sql}) ORDER BY i.created_at {dir}, i.id {dir}"
        );
        (page, params)
    }
}

/// A row of `search_time_blocks`: the rows with `seq >> BLOCK_BITS == block`, created in
/// `min_created_at..=max_created_at`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Block {
    pub block: i64,
    pub min_created_at: i64,
    pub max_created_at: i64,
}

impl Block {
    /// The first and last `seq` of the block.
    pub fn seqs(self) -> (i64, i64) {
        let first = self.block << BLOCK_BITS;
        (first, first | ((1 << BLOCK_BITS) - 1))
    }
}

/// Every block, for the windowed search and for entering words at a position.
pub(super) const TIME_BLOCKS_SQL: &str =
    "SELECT block, min_created_at, max_created_at FROM search_time_blocks";

pub(super) fn time_blocks(conn: &Connection) -> Result<Vec<Block>> {
    let blocks = conn
        .prepare_cached(TIME_BLOCKS_SQL)?
        .query_map([], |r| {
            Ok(Block {
                block: r.get(0)?,
                min_created_at: r.get(1)?,
                max_created_at: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(blocks)
}

/// A row of a page: its list key and whatever the reader made of it.
pub struct Keyed<T> {
    pub created_at: i64,
    pub id: String,
    pub row: T,
}

/// Reads a page row: its `(created_at, id)` and the caller's value.
pub type RowReader<'a, T> = dyn Fn(&rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, T)> + 'a;

/// Runs a text search a window at a time until the page is settled; `read` turns a row of
/// `SUMMARY_COLUMNS` into `(created_at, id, T)`; returns up to `limit` rows, in order.
///
/// Blocks are visited in the page's time order (newest first: by their latest time), so an
/// image stored out of order (an import, a clock set back) is read early and cannot hold
/// the search open; once a page's worth is found, the search stops at the first block that
/// cannot beat the page's last row.
pub fn windowed_page<T>(
    conn: &Connection,
    c: &Compiled,
    order: SortOrder,
    cursor: Option<&Cursor>,
    limit: i64,
    read: &RowReader<'_, T>,
) -> Result<Vec<Keyed<T>>> {
    let Some(fts) = c.fts.as_deref() else {
        return Err(Error::InvalidInput(
            "A windowed search needs text to search for.".into(),
        ));
    };
    let newest = order == SortOrder::NewestFirst;
    let mut blocks = time_blocks(conn)?;
    // Blocks entirely on the far side of the cursor cannot hold a row of this page.
    if let Some(cur) = cursor {
        blocks.retain(|b| {
            if newest {
                b.min_created_at <= cur.created_at
            } else {
                b.max_created_at >= cur.created_at
            }
        });
    }
    // Every block is read below; `spread` holds the ones read last (see `spread_blocks`).
    let all = blocks.clone();
    let (mut blocks, spread) = spread_blocks(blocks);
    if newest {
        blocks.sort_by_key(|b| std::cmp::Reverse((b.max_created_at, b.block)));
    } else {
        blocks.sort_by_key(|b| (b.min_created_at, b.block));
    }
    let mut search = WindowSearch {
        conn,
        c,
        fts,
        order,
        cursor,
        limit,
        read,
        all: &all,
        rows: Vec::new(),
    };
    let mut next = 0;
    let mut span: usize = 1;
    let mut found = 0usize;
    while next < blocks.len() {
        let group = &blocks[next..(next + span).min(blocks.len())];
        next += group.len();
        found += search.read_blocks(group.to_vec())?;
        if search.rows.len() as i64 >= limit {
            let worst = search.worst();
            // The time nearest to the page that any block not read yet may hold.
            let settled = match blocks.get(next) {
                None => true,
                Some(b) if newest => b.max_created_at < worst,
                Some(b) => b.min_created_at > worst,
            };
            if settled {
                break;
            }
            span = span.saturating_mul(4);
        } else {
            span = next_span(span, next, found, limit - search.rows.len() as i64);
        }
    }
    // A full page bounds the spread blocks: only their rows that beat its last row count.
    search.read_blocks(spread)?;
    Ok(search.rows)
}

/// How many blocks the next window reads: enough for the rows still missing at the
/// density met so far (with a margin, as matches cluster), so one more window usually
/// ends the search; fourfold while nothing has been found.
fn next_span(span: usize, read: usize, found: usize, missing: i64) -> usize {
    if found == 0 {
        return span.saturating_mul(4);
    }
    let missing = usize::try_from(missing).unwrap_or(0);
    let wanted = (missing.saturating_mul(read).saturating_mul(5) / 4).div_ceil(found);
    wanted.clamp(1, span.saturating_mul(64))
}

/// Splits off the blocks whose times spread far wider than a block's usually do: a block
/// that took in an import of old pictures, or one picture stored long after its time. Read
/// in time order they would come first and span the whole library, so they are read last,
/// bounded by the page found without them.
fn spread_blocks(blocks: Vec<Block>) -> (Vec<Block>, Vec<Block>) {
    let mut spans: Vec<i64> = blocks
        .iter()
        .map(|b| b.max_created_at.saturating_sub(b.min_created_at))
        .collect();
    spans.sort_unstable();
    let Some(&median) = spans.get(spans.len() / 2) else {
        return (blocks, Vec::new());
    };
    let wide = median.max(1).saturating_mul(SPREAD_BEYOND_MEDIAN);
    blocks
        .into_iter()
        .partition(|b| b.max_created_at.saturating_sub(b.min_created_at) <= wide)
}

/// A block whose times span this many times the median block's is read last.
const SPREAD_BEYOND_MEDIAN: i64 = 8;

/// One windowed search under way: the rows found so far, best first.
struct WindowSearch<'a, T> {
    conn: &'a Connection,
    c: &'a Compiled,
    fts: &'a str,
    order: SortOrder,
    cursor: Option<&'a Cursor>,
    limit: i64,
    read: &'a RowReader<'a, T>,
    /// Every block of the library, for the cost of walking a time range.
    all: &'a [Block],
    rows: Vec<Keyed<T>>,
}

impl<T> WindowSearch<'_, T> {
    fn newest(&self) -> bool {
        self.order == SortOrder::NewestFirst
    }

    /// The time of the page's last row so far.
    fn worst(&self) -> i64 {
        self.rows.last().map_or(0, |r| r.created_at)
    }

    /// Reads `group`'s blocks, one query per run of neighbouring blocks (FTS5 reads a rowid
    /// range cheaply), and keeps the best `limit` rows; returns how many rows the windows
    /// gave.
    fn read_blocks(&mut self, mut group: Vec<Block>) -> Result<usize> {
        group.sort_by_key(|b| b.block);
        let mut runs: Vec<Vec<Block>> = Vec::new();
        for b in group {
            match runs.last_mut() {
                Some(run) if run.last().is_some_and(|l| l.block + 1 == b.block) => run.push(b),
                _ => runs.push(vec![b]),
            }
        }
        let mut found = 0;
        for run in runs {
            found += self.read_run(&run)?;
        }
        Ok(found)
    }

    fn read_run(&mut self, run: &[Block]) -> Result<usize> {
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            return Ok(0);
        };
        let newest = self.newest();
        let mut t_lo = run
            .iter()
            .map(|b| b.min_created_at)
            .min()
            .unwrap_or(i64::MIN);
        let mut t_hi = run
            .iter()
            .map(|b| b.max_created_at)
            .max()
            .unwrap_or(i64::MAX);
        // With a full page, only rows that beat its last row can still enter it.
        let full = self.rows.len() as i64 >= self.limit;
        if full {
            let worst = self.worst();
            if newest {
                t_lo = t_lo.max(worst);
            } else {
                t_hi = t_hi.min(worst);
            }
            if t_lo > t_hi {
                return Ok(0);
            }
        }
        // Every row so far (the last is the worst) beats this run's: it only has to fill
        // the page.
        let ahead = self.rows.last().is_some_and(|r| {
            if newest {
                r.created_at > t_hi
            } else {
                r.created_at < t_lo
            }
        });
        let limit = if ahead {
            self.limit - self.rows.len() as i64
        } else {
            self.limit
        };
        if limit <= 0 {
            return Ok(0);
        }
        let seq_lo = first.block << BLOCK_BITS;
        let seq_hi = ((last.block + 1) << BLOCK_BITS) - 1;
        // Walking the time index reads every block whose times meet the run's, not only
        // the run's own: a block holding one image stored out of order spans a long time.
        let overlapping = self
            .all
            .iter()
            .filter(|b| b.max_created_at >= t_lo && b.min_created_at <= t_hi)
            .count() as i64;
        let walk_cost = overlapping << BLOCK_BITS;
        let cap = walk_cost / LOOKUP_BELOW_ONE_IN + 1;
        let matches: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM images_fts WHERE images_fts MATCH ?1 \
                 AND rowid BETWEEN ?2 AND ?3 LIMIT ?4)",
            )?
            .query_row(params![self.fts, seq_lo, seq_hi, cap], |r| r.get(0))?;
        if matches == 0 {
            return Ok(0);
        }
        let plan = if matches >= cap {
            TextPlan::WalkInOrder
        } else {
            TextPlan::LookupMatches
        };
        let window = Window {
            seq_lo,
            seq_hi,
            t_lo,
            t_hi,
            plan,
        };
        let (sql, values) = self
            .c
            .page_sql(self.order, self.cursor, Some(window), limit);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let read = self.read;
        let found = stmt
            .query_map(rusqlite::params_from_iter(values), |r| {
                read(r).map(|(created_at, id, row)| Keyed {
                    created_at,
                    id,
                    row,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let n = found.len();
        self.rows.extend(found);
        // Kept in order after every run: the next run's bounds read the page's last row.
        self.rows.sort_by(|a, b| {
            let ord = (a.created_at, &a.id).cmp(&(b.created_at, &b.id));
            if newest { ord.reverse() } else { ord }
        });
        self.rows
            .truncate(usize::try_from(self.limit).unwrap_or(usize::MAX));
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(block: i64, min_created_at: i64, max_created_at: i64) -> Block {
        Block {
            block,
            min_created_at,
            max_created_at,
        }
    }

    #[test]
    fn the_next_window_is_sized_by_the_density_met_so_far() {
        // 4 rows in 1 block, 97 missing: about 31 blocks (with a quarter's margin).
        assert_eq!(next_span(1, 1, 4, 97), 31);
        // Nothing found yet: fourfold.
        assert_eq!(next_span(4, 5, 0, 101), 16);
        // Dense text: one more block is plenty.
        assert_eq!(next_span(1, 1, 90, 11), 1);
        // A few rows in many blocks: never more than 64 times the last window.
        assert_eq!(next_span(1, 1, 1, 1_000), 64);
    }

    #[test]
    fn blocks_spread_far_wider_than_usual_are_read_last() {
        let day = 86_400_000;
        let mut blocks: Vec<Block> = (1..10)
            .map(|b| block(b, b * day, b * day + day / 2))
            .collect();
        // The first image stored long after the others, and an import of old pictures.
        blocks.push(block(0, 0, 20 * day));
        blocks.push(block(10, day, 9 * day));
        let (narrow, spread) = spread_blocks(blocks);
        assert_eq!(narrow.len(), 9);
        let mut spread: Vec<i64> = spread.iter().map(|b| b.block).collect();
        spread.sort_unstable();
        assert_eq!(spread, [0, 10]);
        // When every block spans alike, none is set apart.
        let (narrow, spread) = spread_blocks((0..5).map(|b| block(b, 0, 9 * day)).collect());
        assert_eq!((narrow.len(), spread.len()), (5, 0));
        assert_eq!(spread_blocks(Vec::new()).0.len(), 0);
    }
}

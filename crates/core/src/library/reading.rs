//! The read side: pages of summaries, one image's detail, totals.

use rusqlite::{Connection, OptionalExtension, Row};

use super::query::{self, Cursor};
use super::records::{
    GenerationStatus, ImageDetail, ImageFormat, ImagePage, ImageSummary, LibraryStats, ListQuery,
    MATCH_COUNT_CAP, MatchCount,
};
use super::search;
use super::{Library, clock, corrupt, image_not_found};
use crate::error::Result;
use crate::license::{CommercialUse, LicenseSnapshot};
use crate::providers::LicenseStatus;
use crate::request::GenerationParams;

impl Library {
    /// One page of live images, newest or oldest first; `next` continues after it.
    /// `q.text` is the search language (see `search_language`): an unknown key or a bad
    /// value is an `invalid_input` error that says where, never an empty page.
    pub fn list(&self, q: &ListQuery) -> Result<ImagePage> {
        let limit = query::clamp_limit(q.limit) as usize;
        let cursor = q
            .cursor
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(Cursor::decode)
            .transpose()?;
        let conn = self.read_conn();
        let compiled = self.compile_read(&conn, q)?;
        let ask = limit as i64 + 1;
        let mut rows: Vec<(i64, ImageSummary)> = if compiled.impossible {
            Vec::new()
        } else if compiled.fts.is_some() {
            let read = |r: &Row<'_>| {
                self.summary(r)
                    .map(|(created_at, s)| (created_at, s.id.clone(), s))
            };
            search::windowed_page(&conn, &compiled, q.order, cursor.as_ref(), ask, &read)?
                .into_iter()
                .map(|k| (k.created_at, k.row))
                .collect()
        } else {
            let (sql, values) = compiled.page_sql(q.order, cursor.as_ref(), None, ask);
            let mut stmt = conn.prepare_cached(&sql)?;
            stmt.query_map(rusqlite::params_from_iter(values), |r| self.summary(r))?
                .collect::<rusqlite::Result<_>>()?
        };
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|(ms, s)| {
                Cursor {
                    created_at: *ms,
                    id: s.id.clone(),
                }
                .encode()
            })
        } else {
            None
        };
        Ok(ImagePage {
            images: rows.into_iter().map(|(_, s)| s).collect(),
            next,
        })
    }

    /// How many live images `q` matches, for a header ("312 matches"); cursor and limit
    /// are ignored. Exact up to `MATCH_COUNT_CAP` for any search; exact at any size for the
    /// whole library, a board, a tag, or text alone.
    pub fn count(&self, q: &ListQuery) -> Result<MatchCount> {
        let (conn, c) = self.count_conn(q)?;
        // The whole library, a board or a tag alone, or words alone: `cursor_at` enters it
        // anywhere.
        let any_position = super::positions::Entry::of(&c).is_some();
        let exact = |n: i64| MatchCount {
            count: n.max(0) as u64,
            exact: true,
            any_position,
        };
        if c.impossible {
            return Ok(exact(0));
        }
        if c.everything {
            let n: i64 =
                conn.query_row("SELECT live_images FROM library_totals", [], |r| r.get(0))?;
            return Ok(exact(n));
        }
        if let search::Driver::Link { table, id, .. } = c.driver
            && c.fts.is_none()
            && c.fts_excluded.is_none()
            && c.has_no_conditions()
        {
            {
                let counts = if table == "image_tags" {
                    "tags"
                } else {
                    "boards"
                };
                let n: i64 = conn.query_row(
                    &format!("SELECT image_count FROM {counts} WHERE id = ?1"),
                    [id],
                    |r| r.get(0),
                )?;
                return Ok(exact(n));
            }
        }
        if let (Some(n), Some(_)) = (c.term_images, c.words_alone()) {
            // The index's own count of the one term (its walk skips deleted rows).
            return Ok(exact(n));
        }
        if let Some(fts) = c.words_alone() {
            // The index holds live images only: its count is the answer.
            let all: i64 = conn.query_row(
                "SELECT count(*) FROM images_fts WHERE images_fts MATCH ?1",
                [fts],
                |r| r.get(0),
            )?;
            return Ok(exact(all));
        }
        let (sql, values) = c.count_sql(MATCH_COUNT_CAP + 1);
        let n: i64 = conn.query_row(&sql, rusqlite::params_from_iter(values), |r| r.get(0))?;
        Ok(if n > MATCH_COUNT_CAP {
            MatchCount {
                count: MATCH_COUNT_CAP as u64,
                exact: false,
                any_position,
            }
        } else {
            exact(n)
        })
    }

    /// Every statement `list`, `count`, `cursor_at` and a search selection may run for `q`
    /// (with and without a cursor, each window plan), with SQLite's `EXPLAIN QUERY PLAN`
    /// lines: for tests that no query shape scans the library, and for diagnosing a slow
    /// search.
    pub fn query_plans(&self, q: &ListQuery) -> Result<Vec<(String, Vec<String>)>> {
        let conn = self.read_conn();
        let c = self.compile_read(&conn, q)?;
        if c.impossible {
            // `list` and `count` answer without a statement.
            return Ok(Vec::new());
        }
        let cursor = Cursor {
            created_at: clock::now_ms(),
            id: "00000000-0000-7000-8000-000000000000".into(),
        };
        let mut statements: Vec<(String, Vec<rusqlite::types::Value>)> = Vec::new();
        for cur in [None, Some(&cursor)] {
            if c.fts.is_some() {
                for plan in [
                    search::TextPlan::LookupMatches,
                    search::TextPlan::WalkInOrder,
                ] {
                    let window = search::Window {
                        seq_lo: 0,
                        seq_hi: 4095,
                        t_lo: 0,
                        t_hi: i64::MAX,
                        plan,
                    };
                    statements.push(c.page_sql(q.order, cur, Some(window), 101));
                }
            } else {
                statements.push(c.page_sql(q.order, cur, None, 101));
            }
        }
        statements.push(c.count_sql(MATCH_COUNT_CAP + 1));
        if let Some(entry) = super::positions::Entry::of(&c) {
            statements.extend(entry.statements(q.order));
        }
        let mut out = Vec::new();
        for (sql, values) in statements {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let lines = stmt
                .query_map(rusqlite::params_from_iter(values), |r| {
                    r.get::<_, String>(3)
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            out.push((sql, lines));
        }
        Ok(out)
    }

    /// Reads `SUMMARY_COLUMNS` starting at column 0; also returns the raw `created_at`.
    pub(super) fn summary(&self, r: &Row<'_>) -> rusqlite::Result<(i64, ImageSummary)> {
        let created_at: i64 = r.get(5)?;
        let format: String = r.get(8)?;
        let format = ImageFormat::parse(&format).ok_or_else(|| {
            rusqlite::Error::InvalidColumnType(8, format, rusqlite::types::Type::Text)
        })?;
        let commercial: String = r.get(10)?;
        let sha: String = r.get(11)?;
        let status: String = r.get(13)?;
        Ok((
            created_at,
            ImageSummary {
                id: r.get(0)?,
                generation_id: r.get(1)?,
                prompt: r.get(2)?,
                provider: r.get(3)?,
                model: r.get(4)?,
                created_at: clock::to_rfc3339(created_at),
                width: r.get(6)?,
                height: r.get(7)?,
                format,
                favorite: r.get(9)?,
                commercial_use: parse_commercial(&commercial),
                filtered: r.get(12)?,
                license_status: LicenseStatus::parse(&status).ok_or_else(|| {
                    rusqlite::Error::InvalidColumnType(13, status, rusqlite::types::Type::Text)
                })?,
                damaged: r.get(14)?,
                path: self
                    .layout
                    .original(&sha, format.extension())
                    .to_string_lossy()
                    .into_owned(),
            },
        ))
    }

    /// Everything about one live image. `Error::NotFound` for unknown or deleted ids.
    pub fn image(&self, id: &str) -> Result<ImageDetail> {
        let conn = self.conn();
        self.detail_with(&conn, id)
    }

    pub(super) fn detail_with(&self, conn: &Connection, id: &str) -> Result<ImageDetail> {
        let sql = format!(
            "SELECT {}, {DETAIL_COLUMNS} FROM images i \
             JOIN generations g ON g.id = i.generation_id \
             JOIN license_terms l ON l.id = i.license_id \
             WHERE i.id = ?1 AND i.deleted_at IS NULL",
            query::SUMMARY_COLUMNS
        );
        type Raw = (
            ImageSummary,
            u32,
            i64,
            Option<String>,
            Option<i64>,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            String,
            String,
            (Option<String>, Option<String>, Option<String>),
        );
        let raw: Option<Raw> = conn
            .query_row(&sql, [id], |r| {
                let (_, summary) = self.summary(r)?;
                Ok((
                    summary,
                    r.get(15)?,
                    r.get(16)?,
                    r.get(17)?,
                    r.get(18)?,
                    r.get(19)?,
                    r.get(20)?,
                    r.get(21)?,
                    r.get(22)?,
                    r.get(23)?,
                    r.get(24)?,
                    r.get(11)?,
                    (r.get(25)?, r.get(26)?, r.get(27)?),
                ))
            })
            .optional()?;
        let (
            summary,
            index,
            byte_size,
            revised_prompt,
            seed,
            params,
            usage,
            request_id,
            terms,
            status,
            license_at,
            sha256,
            (asset_id, license_transaction, licensed_from),
        ) = raw.ok_or_else(|| image_not_found(id))?;
        let license_transaction = license_transaction
            .map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| corrupt("licence transaction", e))?;
        let params: GenerationParams =
            serde_json::from_str(&params).map_err(|e| corrupt("generation params", e))?;
        let usage = usage
            .map(|u| serde_json::from_str(&u))
            .transpose()
            .map_err(|e| corrupt("generation usage", e))?;
        let license = LicenseSnapshot {
            terms: serde_json::from_str(&terms).map_err(|e| corrupt("image licence", e))?,
            snapshot_at: license_at,
            status: summary.license_status,
            transaction: license_transaction,
        };
        let generation_status = GenerationStatus::parse(&status)
            .ok_or_else(|| corrupt("generation status", &status))?;
        Ok(ImageDetail {
            summary,
            index,
            sha256,
            byte_size: byte_size.max(0) as u64,
            revised_prompt,
            seed,
            params,
            usage,
            request_id,
            license,
            generation_status,
            asset_id,
            licensed_from,
        })
    }

    pub fn stats(&self) -> Result<LibraryStats> {
        let conn = self.conn();
        let count = |sql: &str| -> Result<u64> {
            let n: i64 = conn.query_row(sql, [], |r| r.get(0))?;
            Ok(n.max(0) as u64)
        };
        Ok(LibraryStats {
            images: count("SELECT count(*) FROM images WHERE deleted_at IS NULL")?,
            favorites: count(
                "SELECT count(*) FROM images WHERE deleted_at IS NULL AND favorite = 1",
            )?,
            deleted: count("SELECT count(*) FROM images WHERE deleted_at IS NOT NULL")?,
            generations: count("SELECT count(*) FROM generations")?,
            original_bytes: count(
                "SELECT coalesce(sum(byte_size), 0) FROM \
                 (SELECT byte_size FROM images GROUP BY sha256)",
            )?,
        })
    }
}

fn parse_commercial(s: &str) -> CommercialUse {
    match s {
        "yes" => CommercialUse::Yes,
        "no" => CommercialUse::No,
        "conditional" => CommercialUse::Conditional,
        _ => CommercialUse::Unknown,
    }
}

const DETAIL_COLUMNS: &str = "i.idx, i.byte_size, i.revised_prompt, i.seed, g.params, g.usage, \
     g.request_id, l.json, g.status, i.license_at, i.asset_id, i.license_transaction, \
     i.licensed_from";

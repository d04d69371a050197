//! The index's terms a search word stands for, remembered while the library is unchanged.
//!
//! A word of four letters or more is a prefix: `prefix_terms` asks FTS5's vocabulary which
//! terms it stands for and how many images hold each. The vocabulary counts every image of
//! a term to answer (about 2 ms for a word in a tenth of a million images), and the same
//! words are asked again and again: search as you type, each page as the grid scrolls, the
//! header's count. So the answers are kept until another connection commits.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use crate::error::Result;

/// A prefix with more terms than this is left to FTS5 (one long alternative costs more
/// than the merged doclist).
const MAX_PREFIX_TERMS: i64 = 32;

/// Words remembered at most; past it the cache starts again.
const MAX_WORDS: usize = 512;

/// The terms a word stands for and how many images hold each; `None` leaves it a prefix
/// query (see `prefix_terms`).
pub type Terms = Option<Vec<(String, i64)>>;

/// Answers of `prefix_terms` on one connection, valid while its `data_version` holds: that
/// changes whenever another connection commits (not on this one's own commits, so the
/// cache must only serve a connection that does not write).
#[derive(Debug, Default)]
pub struct TermCache {
    version: Option<i64>,
    words: HashMap<String, Terms>,
}

impl TermCache {
    /// `prefix_terms(conn, word)`, from memory when nothing changed since it was asked.
    pub fn terms(&mut self, conn: &Connection, word: &str) -> Result<Terms> {
        let version: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        if self.version != Some(version) || self.words.len() >= MAX_WORDS {
            self.words.clear();
            self.version = Some(version);
        }
        if let Some(terms) = self.words.get(word) {
            return Ok(terms.clone());
        }
        let terms = prefix_terms(conn, word)?;
        self.words.insert(word.to_owned(), terms.clone());
        Ok(terms)
    }
}

/// The index's terms that start with `word` and how many images hold each, when `word` is
/// longer than the prefix index serves (2 and 3 letters) and the tokenizer would keep it as
/// it is once lower-cased (ASCII letters and digits); `None` leaves it a prefix query.
pub fn prefix_terms(conn: &Connection, word: &str) -> Result<Terms> {
    if word.len() <= 3 || !word.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    let stem = word.to_ascii_lowercase();
    let past = format!("{stem}\u{10ffff}");
    let terms: Vec<(String, i64)> = conn
        .prepare_cached(
            "SELECT term, doc FROM images_fts_terms WHERE term >= ?1 AND term < ?2 LIMIT ?3",
        )?
        .query_map(params![stem, past, MAX_PREFIX_TERMS + 1], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok((terms.len() as i64 <= MAX_PREFIX_TERMS).then_some(terms))
}

//! Listing and search: key paging on `(created_at, id)` (never OFFSET), FTS5 with user input
//! turned into a query that cannot be a syntax error.

use crate::error::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 500;

/// A position in the list: the `(created_at, id)` of the last row of a page. Ordered as
/// the list is, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub created_at: i64,
    pub id: String,
}

impl Cursor {
    /// The cursor of a row whose first two columns are `created_at, id`.
    pub fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Cursor> {
        Ok(Cursor {
            created_at: r.get(0)?,
            id: r.get(1)?,
        })
    }

    /// Opaque to callers; only this module reads it.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.created_at, self.id))
    }

    pub fn decode(s: &str) -> Result<Cursor> {
        let bad = || {
            Error::InvalidInput(
                "The page cursor is not valid; start again from the first page.".to_owned(),
            )
        };
        let raw = URL_SAFE_NO_PAD.decode(s.trim()).map_err(|_| bad())?;
        let raw = String::from_utf8(raw).map_err(|_| bad())?;
        let (ms, id) = raw.split_once(':').ok_or_else(bad)?;
        let created_at = ms.parse::<i64>().map_err(|_| bad())?;
        if id.is_empty() {
            return Err(bad());
        }
        Ok(Cursor {
            created_at,
            id: id.to_owned(),
        })
    }
}

/// Turns what a person typed into an FTS5 query: every term quoted (so `"`, `-`, `:`, `(`,
/// `AND`, `NEAR` and friends are just text), all terms required, and the last term, or any
/// term the user ended with `*`, matched as a prefix (search as you type). `None` when
/// nothing searchable is left.
pub fn fts_query(input: &str) -> Option<String> {
    let tokens: Vec<&str> = input
        .split_whitespace()
        .filter(|t| t.chars().any(char::is_alphanumeric))
        .collect();
    let last = tokens.len().checked_sub(1)?;
    let parts: Vec<String> = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let explicit_prefix = token.ends_with('*');
            let term = token.trim_end_matches('*').replace('"', "\"\"");
            if explicit_prefix || i == last {
                format!("\"{term}\"*")
            } else {
                format!("\"{term}\"")
            }
        })
        .collect();
    Some(parts.join(" "))
}

pub fn clamp_limit(limit: u32) -> u32 {
    if limit == 0 {
        DEFAULT_LIMIT
    } else {
        limit.min(MAX_LIMIT)
    }
}

/// Columns every list row has, in this order (see `mod.rs` for the reader).
pub const SUMMARY_COLUMNS: &str = "i.id, i.generation_id, g.prompt, g.provider, g.model, \
     i.created_at, i.width, i.height, i.format, i.favorite, i.commercial_use, i.sha256, \
     i.filtered, i.license_status, i.damaged_at IS NOT NULL";

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_junk() {
        let c = Cursor {
            created_at: 1_700_000_000_123,
            id: "0190-abc".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        for junk in ["", "!!", "bm9jb2xvbg", &URL_SAFE_NO_PAD.encode("x:y")] {
            assert_eq!(Cursor::decode(junk).unwrap_err().code(), "invalid_input");
        }
    }

    #[test]
    fn user_text_becomes_quoted_terms() {
        assert_eq!(fts_query("red fox").unwrap(), "\"red\" \"fox\"*");
        assert_eq!(fts_query("ca* dog").unwrap(), "\"ca\"* \"dog\"*");
        assert_eq!(
            fts_query("say \"hi\" NEAR(").unwrap(),
            "\"say\" \"\"\"hi\"\"\" \"NEAR(\"*"
        );
        assert_eq!(fts_query("  -- ** \" "), None);
    }
}

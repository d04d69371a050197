//! Saved searches (smart boards): a name for a search-language text, run afresh each time,
//! so what they show stays live.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::boards::checked_name;
use super::search::{name_key, search_error};
use super::{Library, clock, search_language};
use crate::error::{Error, Result};

const MAX_NAME_CHARS: usize = 200;
const MAX_QUERY_CHARS: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SavedSearch {
    pub id: i64,
    pub name: String,
    /// Search-language text, as for `ListQuery::text`.
    pub query: String,
    pub created_at: String,
}

fn saved_with(conn: &Connection, name: &str) -> Result<SavedSearch> {
    conn.prepare_cached(
        "SELECT id, name, query, created_at FROM saved_searches WHERE name_key = ?1",
    )?
    .query_row([name_key(name)], |r| {
        Ok(SavedSearch {
            id: r.get(0)?,
            name: r.get(1)?,
            query: r.get(2)?,
            created_at: clock::to_rfc3339(r.get(3)?),
        })
    })
    .optional()?
    .ok_or_else(|| Error::not_found(format!("Saved search \"{}\"", name.trim())))
}

impl Library {
    /// Saves `query` under `name` (replacing the query of a saved search of that name). The
    /// query must be valid search language: it is checked now, not when it is run.
    pub fn save_search(&self, name: &str, query: &str) -> Result<SavedSearch> {
        self.ensure_writable()?;
        let name = checked_name(name, "saved search", MAX_NAME_CHARS)?;
        let query = query.trim();
        if query.is_empty() {
            return Err(Error::InvalidInput("The search to save is empty.".into()));
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::InvalidInput(format!(
                "The search is longer than {MAX_QUERY_CHARS} characters."
            )));
        }
        search_language::parse(query).map_err(search_error)?;
        let conn = self.conn();
        conn.execute(
            "INSERT INTO saved_searches (name, name_key, query, created_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (name_key) DO UPDATE SET query = excluded.query, name = excluded.name",
            params![name, name_key(&name), query, clock::now_ms()],
        )?;
        saved_with(&conn, &name)
    }

    /// Every saved search, by name.
    pub fn saved_searches(&self) -> Result<Vec<SavedSearch>> {
        let conn = self.read_conn();
        let rows = conn
            .prepare_cached(
                "SELECT id, name, query, created_at FROM saved_searches ORDER BY name_key",
            )?
            .query_map([], |r| {
                Ok(SavedSearch {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    query: r.get(2)?,
                    created_at: clock::to_rfc3339(r.get(3)?),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub fn saved_search(&self, name: &str) -> Result<SavedSearch> {
        saved_with(&self.conn(), name)
    }

    pub fn delete_saved_search(&self, name: &str) -> Result<()> {
        self.ensure_writable()?;
        let n = self.conn().execute(
            "DELETE FROM saved_searches WHERE name_key = ?1",
            [name_key(name)],
        )?;
        if n == 0 {
            return Err(Error::not_found(format!(
                "Saved search \"{}\"",
                name.trim()
            )));
        }
        Ok(())
    }
}

//! Licence terms as rows: identical terms are stored once, keyed by the sha of their JSON,
//! and every image points at that row.

use rusqlite::{Connection, params};

use super::blobs;
use crate::license::LicenseTerms;
use crate::{Error, Result};

pub(super) struct StoredTerms {
    json: String,
    sha: String,
}

impl StoredTerms {
    pub(super) fn of(terms: &LicenseTerms) -> Result<StoredTerms> {
        let json = serde_json::to_string(terms)
            .map_err(|e| Error::InvalidInput(format!("The licence cannot be saved: {e}")))?;
        let sha = blobs::sha256_hex(json.as_bytes());
        Ok(StoredTerms { json, sha })
    }

    /// The id of these terms' row, inserted when they are new.
    pub(super) fn row_id(&self, conn: &Connection) -> Result<i64> {
        conn.execute(
            "INSERT INTO license_terms (sha256, json) VALUES (?1, ?2) \
             ON CONFLICT (sha256) DO NOTHING",
            params![self.sha, self.json],
        )?;
        Ok(conn.query_row(
            "SELECT id FROM license_terms WHERE sha256 = ?1",
            [&self.sha],
            |r| r.get(0),
        )?)
    }
}

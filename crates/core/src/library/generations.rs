//! The request side: a generation is recorded as `running` before it is sent, and ends as
//! succeeded, failed or cancelled (or `interrupted`, by the sweep at open).

use rusqlite::{Connection, OptionalExtension, params};

use super::records::{GenerationDone, GenerationId, GenerationRecord, GenerationStatus};
use super::{Library, clock, corrupt};
use crate::error::{Error, Result};
use crate::request::{GenerationParams, GenerationRequest};

impl Library {
    /// Records a request about to be sent, with status `running`.
    pub fn create_generation(&self, req: &GenerationRequest) -> Result<GenerationId> {
        self.ensure_writable()?;
        if req.provider.trim().is_empty() || req.model.trim().is_empty() {
            return Err(Error::InvalidInput(
                "A generation needs a provider and a model.".to_owned(),
            ));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let params = serde_json::to_string(&req.params)
            .map_err(|e| Error::InvalidInput(format!("The parameters cannot be saved: {e}")))?;
        self.conn().execute(
            "INSERT INTO generations (id, provider, model, prompt, params, status, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6)",
            params![
                id,
                req.provider,
                req.model,
                req.prompt,
                params,
                clock::now_ms()
            ],
        )?;
        Ok(id)
    }

    pub fn finish_generation(&self, id: &GenerationId, done: &GenerationDone) -> Result<()> {
        let usage = done
            .usage
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| Error::InvalidInput(format!("The usage cannot be saved: {e}")))?;
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE generations SET status = 'succeeded', request_id = ?2, usage = ?3, \
             finished_at = ?4 WHERE id = ?1 AND status = 'running'",
            params![id, done.request_id, usage, clock::now_ms()],
        )?;
        ensure_was_running(&conn, id, changed)
    }

    /// Replaces the recorded parameters with those a local engine really used (the seed Easel
    /// chose, the engine's sampler, steps, CFG and checkpoint), so that the record makes the
    /// same image again.
    pub fn record_params_used(&self, id: &GenerationId, params: &GenerationParams) -> Result<()> {
        let json = serde_json::to_string(params)
            .map_err(|e| Error::InvalidInput(format!("The parameters cannot be saved: {e}")))?;
        let changed = self.conn().execute(
            "UPDATE generations SET params = ?2 WHERE id = ?1",
            params![id, json],
        )?;
        if changed == 0 {
            return Err(Error::not_found(format!("generation {id}")));
        }
        Ok(())
    }

    /// On a succeeded generation: what the provider returned but could not be stored, so the
    /// loss stays on record next to the images that were.
    pub fn note_not_stored(&self, id: &GenerationId, lost: &crate::ErrorPayload) -> Result<()> {
        let conn = self.conn();
        conn.execute(
            "UPDATE generations SET error_code = ?2, error_message = ?3 WHERE id = ?1",
            params![id, lost.code, lost.message],
        )?;
        Ok(())
    }

    /// Marks the generation `cancelled` for `Error::Cancelled`, else `failed`, keeping the
    /// error's code and message.
    pub fn fail_generation(&self, id: &GenerationId, err: &Error) -> Result<()> {
        let status = if matches!(err, Error::Cancelled) {
            GenerationStatus::Cancelled
        } else {
            GenerationStatus::Failed
        };
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE generations SET status = ?2, error_code = ?3, error_message = ?4, \
             finished_at = ?5 WHERE id = ?1 AND status = 'running'",
            params![
                id,
                status.as_str(),
                err.code(),
                err.to_string(),
                clock::now_ms()
            ],
        )?;
        ensure_was_running(&conn, id, changed)
    }

    pub fn generation(&self, id: &str) -> Result<GenerationRecord> {
        let conn = self.conn();
        type Raw = (
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            i64,
            Option<i64>,
        );
        let raw: Option<Raw> = conn
            .query_row(
                "SELECT provider, model, prompt, params, status, error_code, error_message, \
                 request_id, usage, created_at, finished_at FROM generations WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                        r.get(10)?,
                    ))
                },
            )
            .optional()?;
        let (
            provider,
            model,
            prompt,
            params,
            status,
            error_code,
            error_message,
            request_id,
            usage,
            created_at,
            finished_at,
        ) = raw.ok_or_else(|| Error::not_found(format!("Generation {id}")))?;
        let image_ids = conn
            .prepare_cached(
                "SELECT id FROM images WHERE generation_id = ?1 AND deleted_at IS NULL ORDER BY idx",
            )?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(GenerationRecord {
            id: id.to_owned(),
            provider,
            model,
            prompt,
            params: serde_json::from_str(&params).map_err(|e| corrupt("generation params", e))?,
            status: GenerationStatus::parse(&status)
                .ok_or_else(|| corrupt("generation status", &status))?,
            error_code,
            error_message,
            request_id,
            usage: usage
                .map(|u| serde_json::from_str(&u))
                .transpose()
                .map_err(|e| corrupt("generation usage", e))?,
            created_at: clock::to_rfc3339(created_at),
            finished_at: finished_at.map(clock::to_rfc3339),
            image_ids,
        })
    }
}

fn ensure_was_running(conn: &Connection, id: &str, changed: usize) -> Result<()> {
    if changed > 0 {
        return Ok(());
    }
    let status: Option<String> = conn
        .query_row("SELECT status FROM generations WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    match status {
        None => Err(Error::not_found(format!("Generation {id}"))),
        Some(status) => Err(Error::InvalidInput(format!(
            "Generation {id} has already ended ({status}); it cannot change again."
        ))),
    }
}

//! The seam where Content Credentials (C2PA) are read on import. The C2PA reader lives in
//! `crate::provenance` (another branch); at merge, this calls it and its result is kept in
//! the image's import record (`ImportOrigin::provenance`), where the UI shows it. A file's
//! manifest may also name the generator and the digital source type: `apply` is where those
//! join the facts read from the other metadata.

use super::facts::FileFacts;

/// Content Credentials of `bytes`, as a JSON record; `None` when the file has none, or
/// while no C2PA reader is built in.
pub fn read(bytes: &[u8]) -> Option<serde_json::Value> {
    let _ = bytes;
    None
}

/// Fills what the credentials say and the file's other metadata did not.
pub fn apply(credentials: &serde_json::Value, facts: &mut FileFacts) {
    if facts.digital_source_type.is_none()
        && let Some(t) = credentials
            .get("digital_source_type")
            .and_then(serde_json::Value::as_str)
    {
        facts.digital_source_type = Some(t.to_owned());
    }
}

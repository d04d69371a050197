//! Content Credentials (C2PA) read on import, with the same reader as every other ingest
//! (`crate::provenance`). They are kept in the image's import record and recorded for the
//! library filter; a manifest may also name the digital source type the other metadata lacked.

use super::facts::FileFacts;
use crate::provenance::{Credentials, CredentialsState};

/// Content Credentials of `bytes` (state `none` when the file carries no manifest).
pub fn read(bytes: &[u8]) -> Credentials {
    crate::provenance::read(bytes)
}

/// What the import record keeps: the credentials when there are any.
pub fn kept(credentials: &Credentials) -> Option<Credentials> {
    (credentials.state != CredentialsState::None).then(|| credentials.clone())
}

/// Fills what the credentials say and the file's other metadata did not.
pub fn apply(credentials: &Credentials, facts: &mut FileFacts) {
    if facts.digital_source_type.is_none() {
        facts.digital_source_type = credentials.digital_source_type.clone();
    }
}

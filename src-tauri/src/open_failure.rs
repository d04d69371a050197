//! Why the library could not be opened at start: written by a newer Easel, a full disk or a
//! read-only folder during an upgrade, a damaged database. The window still opens and says so,
//! rather than the process ending before anything is shown.

use std::path::Path;

/// What the window shows in place of the app when the library could not be opened.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct OpenFailure {
    /// The error's stable code (`database_too_new`, `disk_full`, `read_only`, ...).
    pub code: String,
    /// What went wrong and what to do, from core.
    pub message: String,
    /// The library folder Easel tried to open, when it got that far.
    pub folder: Option<String>,
}

impl OpenFailure {
    pub fn new(e: &easel_core::Error, folder: Option<&Path>) -> OpenFailure {
        log::error!("the library could not be opened ({}): {e}", e.code());
        OpenFailure {
            code: e.code().to_owned(),
            message: e.to_string(),
            folder: folder.map(|f| f.display().to_string()),
        }
    }

    /// What a command that needs the library answers instead.
    pub fn refusal(&self) -> easel_core::ErrorPayload {
        easel_core::ErrorPayload {
            code: self.code.clone(),
            message: self.message.clone(),
        }
    }
}

//! How far opening the library has got, so the window can say why it waits: an older library
//! is upgraded as it opens, which takes seconds at a million images.

use std::sync::{Mutex, PoisonError};

use easel_core::library::SchemaUpgrade;

/// Where the library's opening stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum OpenStage {
    Opening,
    /// An older library is being brought up to this version; commands wait meanwhile.
    Upgrading {
        from: u32,
        to: u32,
    },
    Open,
    /// `library_open_failure` says why.
    Failed,
}

impl From<SchemaUpgrade> for OpenStage {
    fn from(u: SchemaUpgrade) -> OpenStage {
        OpenStage::Upgrading {
            from: u.from,
            to: u.to,
        }
    }
}

/// Managed from the start; the thread that opens the library moves it on.
pub struct LibraryOpening(Mutex<OpenStage>);

impl Default for LibraryOpening {
    fn default() -> LibraryOpening {
        LibraryOpening(Mutex::new(OpenStage::Opening))
    }
}

impl LibraryOpening {
    pub fn stage(&self) -> OpenStage {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn reach(&self, stage: OpenStage) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = stage;
    }
}

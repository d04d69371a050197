//! Events the app sends to the UI unasked.

use serde::{Deserialize, Serialize};

/// Images were added, changed or removed; the UI re-queries what it shows.
/// Sent as "library-changed".
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, tauri_specta::Event,
)]
pub struct LibraryChanged {
    pub ids: Vec<String>,
}

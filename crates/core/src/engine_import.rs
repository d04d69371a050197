//! The engine's side of import: one import at a time per call, on a blocking thread, with
//! progress and cancel, for the window (a folder picker, drag and drop) and the CLI.

use tokio_util::sync::CancellationToken;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::import::{self, ImportProgress, ImportRequest, ImportSummary};

impl Engine {
    /// Imports the files and folders of `request` into the library (see [`crate::import`]).
    /// `progress` is called after each file, from worker threads; cancelling starts no more
    /// files and returns the summary so far (`cancelled: true`).
    pub async fn import(
        &self,
        request: ImportRequest,
        progress: impl Fn(&ImportProgress) + Send + Sync + 'static,
        cancel: CancellationToken,
    ) -> Result<ImportSummary> {
        let library = self.library.clone();
        tokio::task::spawn_blocking(move || import::run(&library, &request, &progress, &cancel))
            .await
            .map_err(|e| {
                Error::from_io(
                    "import",
                    std::path::PathBuf::new(),
                    std::io::Error::other(format!("the import stopped unexpectedly: {e}")),
                )
            })?
    }
}

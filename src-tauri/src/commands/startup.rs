//! The start of the window: how far the library's opening has got, whether it opened, and
//! leaving when it did not.

use tauri::{AppHandle, Manager, Runtime, State};

use crate::open_failure::OpenFailure;
use crate::open_stage::{LibraryOpening, OpenStage};

/// How far opening the library has got (an older library is upgraded first); answered at
/// once, even while the library opens.
#[tauri::command]
#[specta::specta]
pub fn library_open_stage(opening: State<'_, LibraryOpening>) -> OpenStage {
    opening.stage()
}

/// Why the library could not be opened at start; null when it is open.
#[tauri::command]
#[specta::specta]
pub fn library_open_failure<R: Runtime>(app: AppHandle<R>) -> Option<OpenFailure> {
    app.try_state::<OpenFailure>().map(|f| f.inner().clone())
}

/// Closes Easel.
#[tauri::command]
#[specta::specta]
pub fn quit_app<R: Runtime>(app: AppHandle<R>) {
    app.exit(0);
}

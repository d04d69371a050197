//! The start of the window: whether the library opened, and leaving when it did not.

use tauri::{AppHandle, Manager, Runtime};

use crate::open_failure::OpenFailure;

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

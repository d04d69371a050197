//! Importing files and folders other tools made, with progress, cancel and a summary; and
//! where an imported image came from.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use easel_core::Error;
use easel_core::import::{ImportProgress, ImportRequest, ImportSummary};
use easel_core::library::ImportOrigin;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;
use tauri_specta::Event;
use tokio_util::sync::CancellationToken;

use super::{CommandResult, blocking, payload};
use crate::engine_state::EngineState;
use crate::events::LibraryChanged;

/// The running import's cancel token; one import at a time from the window.
#[derive(Default)]
pub struct ImportRun(Mutex<Option<CancellationToken>>);

/// At most one progress message per this interval reaches the UI; the summary is the answer.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// Imports the files and folders (PNG, JPEG, WebP); answers with the summary when done or
/// cancelled. Progress goes to `on_event`; new images are announced as "library-changed".
#[tauri::command]
#[specta::specta]
pub async fn import_images<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, EngineState>,
    run: State<'_, ImportRun>,
    paths: Vec<String>,
    recursive: bool,
    on_event: Channel<ImportProgress>,
) -> CommandResult<ImportSummary> {
    let cancel = CancellationToken::new();
    {
        let mut current = run.0.lock().unwrap_or_else(|p| p.into_inner());
        if current.as_ref().is_some_and(|t| !t.is_cancelled()) {
            return Err(payload(Error::InvalidInput(
                "An import is already running; wait for it or cancel it first.".to_owned(),
            )));
        }
        *current = Some(cancel.clone());
    }
    let request = ImportRequest {
        paths: paths.into_iter().map(PathBuf::from).collect(),
        recursive,
    };
    let last_sent = Mutex::new(None::<Instant>);
    let progress = move |p: &ImportProgress| {
        let mut last = last_sent.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if last.is_none_or(|at| now >= at + PROGRESS_INTERVAL) || p.done == p.total {
            *last = Some(now);
            // A closed window only stops the messages; the import carries on.
            let _ = on_event.send(p.clone());
        }
    };
    let result = state
        .engine()
        .import(request, progress, cancel.clone())
        .await;
    *run.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    let summary = result.map_err(payload)?;
    if !summary.imported.is_empty() {
        let ids = summary
            .imported
            .iter()
            .map(|f| f.image_id.clone())
            .collect();
        let _ = LibraryChanged { ids }.emit(&app);
    }
    Ok(summary)
}

/// Stops the running import after the files being stored; not an error when none runs.
#[tauri::command]
#[specta::specta]
pub async fn cancel_import(run: State<'_, ImportRun>) -> CommandResult<()> {
    if let Some(token) = run.0.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        token.cancel();
    }
    Ok(())
}

/// The native picker for a folder to import; `None` when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn choose_import_folder(app: AppHandle) -> CommandResult<Option<String>> {
    let picked = blocking(move || {
        Ok(app
            .dialog()
            .file()
            .set_title("Import a folder of images")
            .blocking_pick_folder())
    })
    .await?;
    picked.map(|p| local_path(p, "folder")).transpose()
}

/// The native picker for image files to import; empty when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn choose_import_files(app: AppHandle) -> CommandResult<Vec<String>> {
    let picked = blocking(move || {
        Ok(app
            .dialog()
            .file()
            .set_title("Import images")
            .add_filter("Images", &["png", "jpg", "jpeg", "webp"])
            .blocking_pick_files())
    })
    .await?;
    picked
        .unwrap_or_default()
        .into_iter()
        .map(|p| local_path(p, "file"))
        .collect()
}

/// The picked path as text, or why it cannot be used (not local, not Unicode).
pub(super) fn local_path(
    picked: tauri_plugin_dialog::FilePath,
    what: &str,
) -> CommandResult<String> {
    let path: PathBuf = picked.into_path().map_err(|e| {
        payload(Error::InvalidInput(format!(
            "The chosen {what} cannot be used ({e}); pick a local {what}."
        )))
    })?;
    path.to_str().map(str::to_owned).ok_or_else(|| {
        payload(Error::InvalidInput(format!(
            "The {what} name {} is not valid Unicode; rename it or pick another.",
            path.display()
        )))
    })
}

/// Where an image came from when it was imported (`null` for generations).
#[tauri::command]
#[specta::specta]
pub async fn import_origin(
    state: State<'_, EngineState>,
    id: String,
) -> CommandResult<Option<ImportOrigin>> {
    let library = state.engine().library().clone();
    blocking(move || library.import_origin(&id)).await
}

//! What needs the desktop: the clipboard, the file manager, the folder picker.

use std::path::PathBuf;

use easel_core::Error;
use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use super::{CommandResult, blocking, payload};
use crate::engine_state::EngineState;

/// Puts the image on the clipboard as pixels (pasted as PNG by other apps).
#[tauri::command]
#[specta::specta]
pub async fn copy_image(
    app: AppHandle,
    state: State<'_, EngineState>,
    id: String,
) -> CommandResult<()> {
    let library = state.engine().library().clone();
    let (rgba, width, height) = blocking(move || {
        let path = library.original_path(&id)?;
        let decoded = image::ImageReader::open(&path)
            .and_then(|r| r.with_guessed_format())
            .map_err(Error::io("open", &path))?
            .decode()
            .map_err(|e| Error::NotAnImage {
                message: format!("{}: {e}", path.display()),
            })?
            .into_rgba8();
        let (w, h) = decoded.dimensions();
        Ok((decoded.into_raw(), w, h))
    })
    .await?;
    let image = tauri::image::Image::new_owned(rgba, width, height);
    app.clipboard().write_image(&image).map_err(clipboard_error)
}

/// The credit line of the image's licence terms, as text.
#[tauri::command]
#[specta::specta]
pub async fn copy_credit_line(
    app: AppHandle,
    state: State<'_, EngineState>,
    id: String,
) -> CommandResult<()> {
    let library = state.engine().library().clone();
    let detail = blocking(move || library.image(&id)).await?;
    app.clipboard()
        .write_text(detail.license.terms.credit_line)
        .map_err(clipboard_error)
}

/// Shows the original in the system's file manager.
#[tauri::command]
#[specta::specta]
pub async fn reveal_image(
    app: AppHandle,
    state: State<'_, EngineState>,
    id: String,
) -> CommandResult<()> {
    let library = state.engine().library().clone();
    let path = blocking(move || library.original_path(&id)).await?;
    app.opener().reveal_item_in_dir(&path).map_err(|e| {
        payload(Error::Io {
            action: "show in the file manager",
            path,
            source: std::io::Error::other(e.to_string()),
        })
    })
}

/// The native folder picker; `None` when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn choose_export_folder(app: AppHandle) -> CommandResult<Option<String>> {
    let picked = blocking(move || {
        Ok(app
            .dialog()
            .file()
            .set_title("Export to folder")
            .blocking_pick_folder())
    })
    .await?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    let path: PathBuf = picked.into_path().map_err(|e| {
        payload(Error::InvalidInput(format!(
            "The chosen folder cannot be used ({e}); pick a local folder."
        )))
    })?;
    match path.to_str() {
        Some(p) => Ok(Some(p.to_owned())),
        None => Err(payload(Error::InvalidInput(format!(
            "The folder name {} is not valid Unicode; pick another folder.",
            path.display()
        )))),
    }
}

fn clipboard_error(e: tauri_plugin_clipboard_manager::Error) -> easel_core::ErrorPayload {
    // The clipboard is the desktop's; Io is the nearest kind of failure the UI knows.
    payload(Error::Io {
        action: "write to",
        path: PathBuf::from("the clipboard"),
        source: std::io::Error::other(e.to_string()),
    })
}

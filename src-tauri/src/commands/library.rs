//! Browsing and curating the library.

use easel_core::library::{ImageDetail, ImagePage, ListQuery};
use easel_core::relocation::{MoveReport, destination_in};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use super::{CommandResult, blocking};
use crate::engine_state::EngineState;
use crate::events::LibraryChanged;
use crate::views::BackupSummary;

/// One page, newest (or oldest) first; pass `next` back as `cursor` for the following one.
#[tauri::command]
#[specta::specta]
pub async fn list_images(
    state: State<'_, EngineState>,
    query: ListQuery,
) -> CommandResult<ImagePage> {
    let library = state.engine().library().clone();
    blocking(move || library.list(&query)).await
}

/// The cursor with which `list_images` begins at `position` (null for position 0): where a
/// dragged scroll bar or End lands. Only lists whose count says `any_position`.
#[tauri::command]
#[specta::specta]
pub async fn cursor_at(
    state: State<'_, EngineState>,
    query: ListQuery,
    position: u32,
) -> CommandResult<Option<String>> {
    let library = state.engine().library().clone();
    blocking(move || library.cursor_at(&query, u64::from(position))).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_image(state: State<'_, EngineState>, id: String) -> CommandResult<ImageDetail> {
    let library = state.engine().library().clone();
    blocking(move || library.image(&id)).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_favorite(
    app: AppHandle,
    state: State<'_, EngineState>,
    id: String,
    favorite: bool,
) -> CommandResult<()> {
    let library = state.engine().library().clone();
    let ids = vec![id.clone()];
    blocking(move || library.set_favorite(&id, favorite)).await?;
    announce(&app, ids);
    Ok(())
}

/// Soft delete: `restore_images` undoes it.
#[tauri::command]
#[specta::specta]
pub async fn delete_images(
    app: AppHandle,
    state: State<'_, EngineState>,
    ids: Vec<String>,
) -> CommandResult<()> {
    let library = state.engine().library().clone();
    let changed = ids.clone();
    blocking(move || library.delete_images(&ids)).await?;
    announce(&app, changed);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn restore_images(
    app: AppHandle,
    state: State<'_, EngineState>,
    ids: Vec<String>,
) -> CommandResult<()> {
    let library = state.engine().library().clone();
    let changed = ids.clone();
    blocking(move || library.restore_images(&ids)).await?;
    announce(&app, changed);
    Ok(())
}

fn announce(app: &AppHandle, ids: Vec<String>) {
    if let Err(e) = (LibraryChanged { ids }).emit(app) {
        log::warn!("library-changed not sent: {e}");
    }
}

/// Asks where to save a backup (the native save dialog), then writes it there: the database
/// (SQLite's online backup) and every original, each checked against its sha256. `None` when
/// the user cancels the dialog.
#[tauri::command]
#[specta::specta]
pub async fn back_up_library(
    app: AppHandle,
    state: State<'_, EngineState>,
) -> CommandResult<Option<BackupSummary>> {
    use tauri_plugin_dialog::DialogExt;
    let default_name = format!(
        "easel-backup-{}.tar",
        chrono::Local::now().format("%Y-%m-%d")
    );
    let picked = blocking(move || {
        Ok(app
            .dialog()
            .file()
            .set_title("Back up the library")
            .set_file_name(&default_name)
            .add_filter("Easel backup", &["tar"])
            .blocking_save_file())
    })
    .await?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    let path = picked.into_path().map_err(|e| {
        super::payload(easel_core::Error::InvalidInput(format!(
            "The chosen file cannot be used ({e}); pick a local folder."
        )))
    })?;
    let library = state.engine().library().clone();
    let report = blocking(move || library.backup_to(&path)).await?;
    Ok(Some(BackupSummary::from(&report)))
}

/// Moves the library into a folder the user picks (the folder itself when empty, else an
/// "Easel library" folder in it); the copy is verified before it becomes the library Easel
/// opens, which it does after a restart. `None` when the user cancels the dialog.
#[tauri::command]
#[specta::specta]
pub async fn move_library(
    app: AppHandle,
    state: State<'_, EngineState>,
) -> CommandResult<Option<MoveReport>> {
    use tauri_plugin_dialog::DialogExt;
    let picked = blocking(move || {
        Ok(app
            .dialog()
            .file()
            .set_title("Move the library to…")
            .blocking_pick_folder())
    })
    .await?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    let folder = picked.into_path().map_err(|e| {
        super::payload(easel_core::Error::InvalidInput(format!(
            "The chosen folder cannot be used ({e}); pick a local folder."
        )))
    })?;
    let engine = state.engine().clone();
    let report = blocking(move || engine.move_library(&destination_in(&folder))).await?;
    Ok(Some(report))
}

/// The folder a moved library came from, while its copy is still there.
#[tauri::command]
#[specta::specta]
pub async fn previous_library(state: State<'_, EngineState>) -> CommandResult<Option<String>> {
    let engine = state.engine().clone();
    blocking(move || Ok(engine.previous_library()?.map(|p| p.display().to_string()))).await
}

/// Removes the old copy a move left behind; returns the folder removed.
#[tauri::command]
#[specta::specta]
pub async fn remove_previous_library(state: State<'_, EngineState>) -> CommandResult<String> {
    let engine = state.engine().clone();
    blocking(move || Ok(engine.remove_previous_library()?.display().to_string())).await
}

/// Restarts Easel, to open a library at its new place.
#[tauri::command]
#[specta::specta]
pub fn restart_app(app: AppHandle) {
    app.restart();
}

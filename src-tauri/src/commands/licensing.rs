//! Licensing a preview (Getty): the sizes it can be licensed in, and the licence itself,
//! which stores the full-size file as a new image linked to its preview.

use easel_core::library::ImageDetail;
use easel_core::providers::DownloadSize;
use tauri::{AppHandle, State};
use tauri_specta::Event;
use tokio_util::sync::CancellationToken;

use super::{CommandResult, payload};
use crate::engine_state::EngineState;
use crate::events::LibraryChanged;

#[tauri::command]
#[specta::specta]
pub async fn download_sizes(
    state: State<'_, EngineState>,
    image_id: String,
) -> CommandResult<Vec<DownloadSize>> {
    let engine = state.engine().clone();
    engine
        .download_sizes(&image_id, &CancellationToken::new())
        .await
        .map_err(payload)
}

/// Licenses the preview in `size` (the billing event) and returns the new image.
#[tauri::command]
#[specta::specta]
pub async fn license_image(
    app: AppHandle,
    state: State<'_, EngineState>,
    image_id: String,
    size: String,
) -> CommandResult<ImageDetail> {
    let engine = state.engine().clone();
    let quiet = |_| {};
    let licensed = engine
        .license_image(&image_id, &size, &quiet, &CancellationToken::new())
        .await
        .map_err(payload)?;
    let ids = vec![licensed.summary.id.clone(), image_id];
    if let Err(e) = (LibraryChanged { ids }).emit(&app) {
        log::warn!("library-changed not sent: {e}");
    }
    Ok(licensed)
}

//! Edits, variations and the version tree. The mask crosses as brush strokes, never as an
//! image; the core turns it into a mask at the image's exact size.

use easel_core::GenerationParams;
use easel_core::edit::{EditJob, EditOperation, MaskPainting, Reference};
use easel_core::jobs::{JobEvent, JobId};
use easel_core::library::VersionTree;
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::{CommandResult, blocking};
use crate::engine_state::EngineState;
use crate::progress;

/// What the Edit panel asks for.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct EditStart {
    pub provider: String,
    pub model: String,
    pub operation: EditOperation,
    pub prompt: String,
    /// The library image to change.
    pub image_id: String,
    /// Library images that guide the result.
    #[serde(default)]
    pub reference_ids: Vec<String>,
    /// Files dropped from the desktop that guide the result (their terms are unknown).
    #[serde(default)]
    pub reference_files: Vec<String>,
    #[serde(default)]
    pub mask: Option<MaskPainting>,
    #[serde(default)]
    pub params: GenerationParams,
}

/// How many versions stack on one image.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct StackCount {
    pub image_id: String,
    pub count: u32,
}

/// Checks and queues the edit; events go to `on_event` like a generation's.
#[tauri::command]
#[specta::specta]
pub async fn start_edit(
    app: AppHandle,
    state: State<'_, EngineState>,
    request: EditStart,
    on_event: Channel<JobEvent>,
) -> CommandResult<JobId> {
    let engine = state.engine().clone();
    let events = engine.subscribe();
    let job_id = blocking(move || {
        let mask = match &request.mask {
            Some(painting) => {
                let image = engine.library().image(&request.image_id)?;
                let size = (image.summary.width, image.summary.height);
                Some(painting.rasterize(size.0, size.1)?.to_easel_png()?)
            }
            None => None,
        };
        engine.edit(EditJob {
            provider: request.provider,
            model: request.model,
            operation: request.operation,
            prompt: request.prompt,
            image_id: request.image_id,
            references: request
                .reference_ids
                .into_iter()
                .map(|id| Ok(Reference::Image(id)))
                .chain(
                    request
                        .reference_files
                        .iter()
                        .map(|path| Reference::read_file(std::path::Path::new(path))),
                )
                .collect::<easel_core::Result<Vec<_>>>()?,
            mask,
            params: request.params,
        })
    })
    .await?;
    tauri::async_runtime::spawn(progress::forward(app, events, job_id.clone(), on_event));
    Ok(job_id)
}

/// `n` variations of a library image with its provider (or `provider`/`model`).
#[tauri::command]
#[specta::specta]
pub async fn start_variations(
    app: AppHandle,
    state: State<'_, EngineState>,
    image_id: String,
    n: Option<u32>,
    provider: Option<String>,
    model: Option<String>,
    on_event: Channel<JobEvent>,
) -> CommandResult<JobId> {
    let engine = state.engine().clone();
    let events = engine.subscribe();
    let job_id =
        blocking(move || engine.vary(&image_id, n, provider.as_deref(), model.as_deref())).await?;
    tauri::async_runtime::spawn(progress::forward(app, events, job_id.clone(), on_event));
    Ok(job_id)
}

#[tauri::command]
#[specta::specta]
pub async fn version_tree(state: State<'_, EngineState>, id: String) -> CommandResult<VersionTree> {
    let library = state.engine().library().clone();
    blocking(move || library.version_tree(&id)).await
}

/// The Library's stack badges for the images on screen.
#[tauri::command]
#[specta::specta]
pub async fn stack_counts(
    state: State<'_, EngineState>,
    ids: Vec<String>,
) -> CommandResult<Vec<StackCount>> {
    let library = state.engine().library().clone();
    blocking(move || {
        Ok(library
            .stack_counts(&ids)?
            .into_iter()
            .map(|(image_id, count)| StackCount { image_id, count })
            .collect())
    })
    .await
}

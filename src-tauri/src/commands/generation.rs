//! Starting and cancelling generations; progress streams on the caller's channel.

use easel_core::GenerationRequest;
use easel_core::jobs::{JobEvent, JobId};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::{CommandResult, blocking};
use crate::engine_state::EngineState;
use crate::progress;

/// Checks and queues the request; returns the job id at once. Events (throttled, the final
/// one always) go to `on_event`; stored images are also announced as "library-changed".
#[tauri::command]
#[specta::specta]
pub async fn start_generation(
    app: AppHandle,
    state: State<'_, EngineState>,
    request: GenerationRequest,
    on_event: Channel<JobEvent>,
) -> CommandResult<JobId> {
    let engine = state.engine().clone();
    // Subscribed before the job exists, so its first events are not missed.
    let events = engine.subscribe();
    let job_id = blocking(move || engine.generate(request)).await?;
    tauri::async_runtime::spawn(progress::forward(app, events, job_id.clone(), on_event));
    Ok(job_id)
}

/// Cancelling a job that already ended is not an error.
#[tauri::command]
#[specta::specta]
pub async fn cancel_job(state: State<'_, EngineState>, job_id: String) -> CommandResult<()> {
    state.engine().cancel(&job_id);
    Ok(())
}

//! Local and LAN engines (ComfyUI, AUTOMATIC1111/Forge, OpenAI-compatible servers): add,
//! test, edit (add again under the same name), remove; checkpoint licences the user
//! declares. All calls to the engines come from Rust, never from the webview.

use easel_core::engine::ConnectionTest;
use easel_core::engine_endpoints::{EndpointView, NewEndpoint};
use easel_core::license::DeclaredLicense;
use tauri::State;

use super::{CommandResult, blocking, payload};
use crate::engine_state::EngineState;

#[tauri::command]
#[specta::specta]
pub async fn list_endpoints(state: State<'_, EngineState>) -> CommandResult<Vec<EndpointView>> {
    let engine = state.engine().clone();
    blocking(move || engine.endpoints()).await
}

/// Adds the endpoint, or replaces the one of that name; a password (basic auth, or an
/// OpenAI-compatible server's key) goes to the keychain, `null` keeps a stored one.
#[tauri::command]
#[specta::specta]
pub async fn save_endpoint(
    state: State<'_, EngineState>,
    endpoint: NewEndpoint,
    password: Option<String>,
) -> CommandResult<EndpointView> {
    let engine = state.engine().clone();
    blocking(move || engine.add_endpoint(endpoint, password.as_deref())).await
}

#[tauri::command]
#[specta::specta]
pub async fn remove_endpoint(state: State<'_, EngineState>, name: String) -> CommandResult<()> {
    let engine = state.engine().clone();
    blocking(move || engine.remove_endpoint(&name)).await
}

#[tauri::command]
#[specta::specta]
pub async fn test_endpoint(
    state: State<'_, EngineState>,
    name: String,
) -> CommandResult<ConnectionTest> {
    let engine = state.engine().clone();
    engine.test_endpoint(&name).await.map_err(payload)
}

/// The engine's models (checkpoints), asked from it.
#[tauri::command]
#[specta::specta]
pub async fn endpoint_models(
    state: State<'_, EngineState>,
    name: String,
) -> CommandResult<Vec<String>> {
    let engine = state.engine().clone();
    engine.available_models(&name).await.map_err(payload)
}

/// Declares (or, with `null`, forgets) the licence of a checkpoint Easel does not know.
#[tauri::command]
#[specta::specta]
pub async fn declare_checkpoint_license(
    state: State<'_, EngineState>,
    checkpoint: String,
    license: Option<DeclaredLicense>,
) -> CommandResult<()> {
    let engine = state.engine().clone();
    blocking(move || engine.declare_checkpoint_license(&checkpoint, license)).await
}

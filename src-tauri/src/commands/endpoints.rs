//! Local and LAN engines (ComfyUI, AUTOMATIC1111/Forge, OpenAI-compatible servers): add,
//! test, edit (add again under the same name), remove; checkpoint licences the user
//! declares. All calls to the engines come from Rust, never from the webview.

use easel_core::engine::ConnectionTest;
use easel_core::engine_endpoints::{EndpointView, NewEndpoint};
use std::collections::BTreeMap;

use easel_core::license::{DeclaredLicense, LicenseTerms};
use easel_core::providers::local::comfyui::{InputRef, Workflow};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

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

// --- ComfyUI workflows and checkpoint licences, for Settings' Local engines section ---

/// A checkpoint licence the user declared.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, specta::Type)]
pub struct DeclaredCheckpoint {
    /// The checkpoint's file name or hash, as declared (lower case).
    pub checkpoint: String,
    pub license: DeclaredLicense,
}

#[tauri::command]
#[specta::specta]
pub async fn declared_checkpoint_licenses(
    state: State<'_, EngineState>,
) -> CommandResult<Vec<DeclaredCheckpoint>> {
    let engine = state.engine().clone();
    blocking(move || {
        Ok(engine
            .declared_checkpoint_licenses()?
            .into_iter()
            .map(|(checkpoint, license)| DeclaredCheckpoint {
                checkpoint,
                license,
            })
            .collect())
    })
    .await
}

/// The terms images made with each checkpoint on the endpoint would carry now ("terms
/// unknown" for a checkpoint Easel does not know and the user did not declare).
#[tauri::command]
#[specta::specta]
pub async fn checkpoint_terms(
    state: State<'_, EngineState>,
    endpoint: String,
    checkpoints: Vec<String>,
) -> CommandResult<Vec<LicenseTerms>> {
    let engine = state.engine().clone();
    blocking(move || {
        checkpoints
            .iter()
            .map(|c| engine.checkpoint_terms(&endpoint, c))
            .collect()
    })
    .await
}

/// Asks for a workflow file (an API-format JSON, or a PNG ComfyUI saved) and imports it
/// into the ComfyUI endpoint under `name`; `None` when the user cancels the dialog.
#[tauri::command]
#[specta::specta]
pub async fn import_workflow(
    app: AppHandle,
    state: State<'_, EngineState>,
    endpoint: String,
    name: String,
) -> CommandResult<Option<Workflow>> {
    let picked = blocking(move || {
        Ok(app
            .dialog()
            .file()
            .set_title("Import a ComfyUI workflow")
            .add_filter("ComfyUI workflow (API format) or PNG", &["json", "png"])
            .blocking_pick_file())
    })
    .await?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    let path = picked.into_path().map_err(|e| {
        payload(easel_core::Error::InvalidInput(format!(
            "The chosen file cannot be used ({e}); pick a local file."
        )))
    })?;
    let engine = state.engine().clone();
    blocking(move || engine.import_workflow_file(&endpoint, &name, &path))
        .await
        .map(Some)
}

/// Corrects a workflow's mapping: each parameter to a node's input, `null` for none.
#[tauri::command]
#[specta::specta]
pub async fn correct_workflow_mapping(
    state: State<'_, EngineState>,
    endpoint: String,
    name: String,
    corrections: BTreeMap<String, Option<InputRef>>,
) -> CommandResult<Workflow> {
    let engine = state.engine().clone();
    blocking(move || engine.correct_workflow_mapping(&endpoint, &name, &corrections)).await
}

#[tauri::command]
#[specta::specta]
pub async fn remove_workflow(
    state: State<'_, EngineState>,
    endpoint: String,
    name: String,
) -> CommandResult<()> {
    let engine = state.engine().clone();
    blocking(move || engine.remove_workflow(&endpoint, &name)).await
}

/// Every endpoint as a provider of the Generate view, with the checkpoints it lists now (asked
/// of all at once); one that does not answer has none and shows as not set up.
#[tauri::command]
#[specta::specta]
pub async fn endpoint_catalog(
    state: State<'_, EngineState>,
) -> CommandResult<Vec<crate::catalog_view::ProviderInfo>> {
    let engine = state.engine().clone();
    let views = {
        let engine = engine.clone();
        blocking(move || engine.endpoints()).await?
    };
    let asks: Vec<_> = views
        .iter()
        .map(|v| {
            let engine = engine.clone();
            let name = v.endpoint.name.clone();
            tauri::async_runtime::spawn(async move { engine.available_models(&name).await })
        })
        .collect();
    let mut out = Vec::with_capacity(views.len());
    for (view, ask) in views.into_iter().zip(asks) {
        let checkpoints = match ask.await {
            Ok(Ok(models)) => models,
            Ok(Err(e)) => {
                log::info!("{} lists no models: {}", view.endpoint.name, e.code());
                Vec::new()
            }
            Err(e) => {
                log::error!("asking {} for models stopped: {e}", view.endpoint.name);
                Vec::new()
            }
        };
        let engine = engine.clone();
        out.push(
            blocking(move || {
                crate::catalog_view::ProviderInfo::of_endpoint(&engine, &view, &checkpoints)
            })
            .await?,
        );
    }
    Ok(out)
}

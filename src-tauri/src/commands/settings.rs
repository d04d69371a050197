//! Catalogue, preferences and credentials.

use easel_core::catalog;
use easel_core::engine::ConnectionTest;
use easel_core::settings::ProviderPrefs;
use tauri::State;

use super::{CommandResult, blocking, payload};
use crate::catalog_view::{CredentialsView, ProviderInfo};
use crate::engine_state::EngineState;
use crate::views::SettingsView;

/// Providers (whether each is set up) and models with what each model accepts and the terms
/// it comes with; the UI renders its controls from it.
#[tauri::command]
#[specta::specta]
pub async fn get_catalog(state: State<'_, EngineState>) -> CommandResult<Vec<ProviderInfo>> {
    let engine = state.engine().clone();
    // Reading credential status may ask the keychain service: off the async workers.
    blocking(move || {
        catalog::providers()
            .iter()
            .map(|p| ProviderInfo::of(&engine, p))
            .collect()
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, EngineState>) -> CommandResult<SettingsView> {
    let engine = state.engine().clone();
    blocking(move || SettingsView::of(&engine)).await
}

/// Empty strings clear a value (back to the catalogue's default).
#[tauri::command]
#[specta::specta]
pub async fn save_provider_settings(
    state: State<'_, EngineState>,
    provider: String,
    base_url: Option<String>,
    default_model: Option<String>,
) -> CommandResult<SettingsView> {
    let engine = state.engine().clone();
    blocking(move || {
        let base_url = non_blank(base_url);
        let default_model = non_blank(default_model);
        if let Some(model) = &default_model {
            catalog::model(&provider, model)?;
        }
        let mut settings = engine.settings()?;
        settings.providers.insert(
            provider,
            ProviderPrefs {
                base_url,
                default_model,
            },
        );
        engine.save_settings(&settings)?;
        SettingsView::of(&engine)
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn save_preferences(
    state: State<'_, EngineState>,
    embed_prompt_in_exports: bool,
) -> CommandResult<SettingsView> {
    let engine = state.engine().clone();
    blocking(move || {
        let mut settings = engine.settings()?;
        settings.embed_prompt_in_exports = embed_prompt_in_exports;
        engine.save_settings(&settings)?;
        SettingsView::of(&engine)
    })
    .await
}

/// Stores the key (keychain, or the private file); it is never sent back.
#[tauri::command]
#[specta::specta]
pub async fn set_api_key(
    state: State<'_, EngineState>,
    provider: String,
    key: String,
) -> CommandResult<SettingsView> {
    let engine = state.engine().clone();
    blocking(move || {
        engine.set_api_key(&provider, &key)?;
        SettingsView::of(&engine)
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_api_key(
    state: State<'_, EngineState>,
    provider: String,
) -> CommandResult<SettingsView> {
    let engine = state.engine().clone();
    blocking(move || {
        engine.delete_api_key(&provider)?;
        SettingsView::of(&engine)
    })
    .await
}

/// Stores one credential field (e.g. Getty's `api_secret`); it is never sent back.
#[tauri::command]
#[specta::specta]
pub async fn set_credential(
    state: State<'_, EngineState>,
    provider: String,
    field: String,
    value: String,
) -> CommandResult<CredentialsView> {
    let engine = state.engine().clone();
    blocking(move || {
        engine.set_credential(&provider, &field, &value)?;
        CredentialsView::of(&engine, catalog::provider(&provider)?)
    })
    .await
}

/// Removes every stored field of the provider; environment variables still apply.
#[tauri::command]
#[specta::specta]
pub async fn delete_credentials(
    state: State<'_, EngineState>,
    provider: String,
) -> CommandResult<CredentialsView> {
    let engine = state.engine().clone();
    blocking(move || {
        engine.delete_api_key(&provider)?;
        CredentialsView::of(&engine, catalog::provider(&provider)?)
    })
    .await
}

/// Whether each credential field is set, and from where (never a value).
#[tauri::command]
#[specta::specta]
pub async fn credential_status(
    state: State<'_, EngineState>,
    provider: String,
) -> CommandResult<CredentialsView> {
    let engine = state.engine().clone();
    blocking(move || CredentialsView::of(&engine, catalog::provider(&provider)?)).await
}

/// Image models the credentials can use, as the provider lists them (any provider).
#[tauri::command]
#[specta::specta]
pub async fn test_provider(
    state: State<'_, EngineState>,
    provider: String,
) -> CommandResult<ConnectionTest> {
    let engine = state.engine().clone();
    engine.test_connection(&provider).await.map_err(payload)
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

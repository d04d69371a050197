//! Catalogue, preferences and API keys.

use easel_core::catalog;
use easel_core::settings::ProviderPrefs;
use tauri::State;

use super::{CommandResult, blocking, payload};
use crate::catalog_view::ProviderInfo;
use crate::engine_state::EngineState;
use crate::views::SettingsView;

/// Providers and models with what each model accepts; the UI renders its controls from it.
#[tauri::command]
#[specta::specta]
pub async fn get_catalog() -> CommandResult<Vec<ProviderInfo>> {
    Ok(catalog::providers()
        .iter()
        .map(ProviderInfo::from)
        .collect())
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

/// Image models the key can use, as the provider lists them.
#[tauri::command]
#[specta::specta]
pub async fn test_provider(
    state: State<'_, EngineState>,
    provider: String,
) -> CommandResult<Vec<String>> {
    let engine = state.engine().clone();
    engine.available_models(&provider).await.map_err(payload)
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

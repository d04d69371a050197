//! Content Credentials of library images, and who signs exports.

use std::path::PathBuf;

use easel_core::provenance::{CredentialsReport, SigningStatus};
use serde::Deserialize;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use super::{CommandResult, blocking};
use crate::engine_state::EngineState;

/// What is recorded about an image's Content Credentials (nothing read yet: `credentials`
/// is null).
#[tauri::command]
#[specta::specta]
pub async fn image_credentials(
    state: State<'_, EngineState>,
    id: String,
) -> CommandResult<CredentialsReport> {
    let library = state.engine().library().clone();
    blocking(move || library.credentials(&id).map(CredentialsReport::new)).await
}

/// Reads the image's original again and records what its credentials say.
#[tauri::command]
#[specta::specta]
pub async fn read_image_credentials(
    state: State<'_, EngineState>,
    id: String,
) -> CommandResult<CredentialsReport> {
    let library = state.engine().library().clone();
    blocking(move || {
        library
            .read_credentials(&id)
            .map(|c| CredentialsReport::new(Some(c)))
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn signing_status(state: State<'_, EngineState>) -> CommandResult<SigningStatus> {
    let engine = state.engine().clone();
    blocking(move || engine.signing_status()).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_signing_enabled(
    state: State<'_, EngineState>,
    enabled: bool,
) -> CommandResult<SigningStatus> {
    let engine = state.engine().clone();
    blocking(move || engine.set_signing_enabled(enabled)).await
}

/// Which of the organisation's files the signing card asks for.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SigningFile {
    CertificateChain,
    PrivateKey,
}

/// The native picker for the organisation's certificate chain or private key (PEM); `None`
/// when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn choose_signing_file(
    app: AppHandle,
    file: SigningFile,
) -> CommandResult<Option<String>> {
    let title = match file {
        SigningFile::CertificateChain => "Choose the certificate chain (PEM)",
        SigningFile::PrivateKey => "Choose the private key (PEM)",
    };
    let picked = blocking(move || {
        Ok(app
            .dialog()
            .file()
            .set_title(title)
            .add_filter("PEM", &["pem", "crt", "cer", "key"])
            .blocking_pick_file())
    })
    .await?;
    picked
        .map(|p| super::import::local_path(p, "file"))
        .transpose()
}

/// The organisation's certificate chain and key, from files the user picked. Core
/// test-signs with them before accepting them.
#[tauri::command]
#[specta::specta]
pub async fn set_organisation_signing(
    state: State<'_, EngineState>,
    cert_path: String,
    key_path: String,
) -> CommandResult<SigningStatus> {
    let engine = state.engine().clone();
    blocking(move || {
        engine.set_organisation_signing(&PathBuf::from(cert_path), &PathBuf::from(key_path))
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn clear_organisation_signing(
    state: State<'_, EngineState>,
) -> CommandResult<SigningStatus> {
    let engine = state.engine().clone();
    blocking(move || engine.clear_organisation_signing()).await
}

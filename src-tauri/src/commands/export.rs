//! Export: presets, a preview of what an export will produce, and the export itself.

use std::path::PathBuf;

use easel_core::export::{self, ExportOptions, Preset};
use tauri::State;

use super::{CommandResult, blocking};
use crate::engine_state::EngineState;
use crate::export_view::{ExportPlanView, ExportReportView};

#[tauri::command]
#[specta::specta]
pub async fn export_presets() -> CommandResult<Vec<Preset>> {
    Ok(export::presets())
}

/// Pixel and physical size and estimated bytes for the first image; licence flags for all.
#[tauri::command]
#[specta::specta]
pub async fn plan_export(
    state: State<'_, EngineState>,
    ids: Vec<String>,
    options: ExportOptions,
) -> CommandResult<ExportPlanView> {
    let engine = state.engine().clone();
    blocking(move || {
        let items = engine.export_items(&ids)?;
        let first = items.first().ok_or_else(|| {
            easel_core::Error::InvalidInput("Choose at least one image to export.".to_owned())
        })?;
        let plan = export::plan(first, &options)?;
        Ok(ExportPlanView::new(plan, export::preflight(&items)))
    })
    .await
}

/// Writes the images (and `licenses.csv` for several) into `out_dir`.
#[tauri::command]
#[specta::specta]
pub async fn export_images(
    state: State<'_, EngineState>,
    ids: Vec<String>,
    options: ExportOptions,
    out_dir: String,
) -> CommandResult<ExportReportView> {
    let engine = state.engine().clone();
    let mut options = options;
    blocking(move || {
        engine.prepare_signing(&mut options)?;
        let items = engine.export_items(&ids)?;
        let report = export::export_batch(&items, &options, &PathBuf::from(out_dir))?;
        Ok(ExportReportView::from(report))
    })
    .await
}

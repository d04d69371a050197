//! Export results as the export dialog shows them.

use easel_core::ErrorPayload;
use easel_core::export::{ExportCredentials, ExportFlag, ExportPlan, ExportReport, ExportedFile};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ExportPlanView {
    pub width: u32,
    pub height: u32,
    pub dpi: Option<u32>,
    /// Printed width at `dpi`.
    pub width_in: Option<f64>,
    pub estimated_bytes: u64,
    pub upscaled: bool,
    pub file_name: String,
    /// Licence flags of every image in the export, not only the first.
    pub flags: Vec<ExportFlag>,
}

impl ExportPlanView {
    pub fn new(plan: ExportPlan, flags: Vec<ExportFlag>) -> ExportPlanView {
        ExportPlanView {
            width: plan.width,
            height: plan.height,
            dpi: plan.dpi,
            width_in: plan.width_inches,
            estimated_bytes: plan.estimated_bytes,
            upscaled: plan.upscaled,
            file_name: plan.file_name,
            flags,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ExportedFileView {
    pub image_id: String,
    pub path: String,
    pub width: u32,
    pub height: u32,
    pub format: String,
    pub bytes: u64,
    /// How the file was signed and what other tools will show; null when not signed.
    pub content_credentials: Option<ExportCredentials>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ExportFailureView {
    pub image_id: String,
    pub error: ErrorPayload,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ExportReportView {
    pub files: Vec<ExportedFileView>,
    pub failed: Vec<ExportFailureView>,
    pub csv_path: Option<String>,
    pub flags: Vec<ExportFlag>,
}

impl From<ExportedFile> for ExportedFileView {
    fn from(f: ExportedFile) -> Self {
        let format = f
            .path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        ExportedFileView {
            image_id: f.image_id,
            path: f.path.display().to_string(),
            width: f.width,
            height: f.height,
            format,
            bytes: f.bytes,
            content_credentials: f.content_credentials,
        }
    }
}

impl From<ExportReport> for ExportReportView {
    fn from(r: ExportReport) -> Self {
        ExportReportView {
            files: r.files.into_iter().map(ExportedFileView::from).collect(),
            failed: r
                .failed
                .into_iter()
                .map(|f| ExportFailureView {
                    image_id: f.image_id,
                    error: f.error,
                })
                .collect(),
            csv_path: r.licenses_csv.map(|p| p.display().to_string()),
            flags: r.flags,
        }
    }
}

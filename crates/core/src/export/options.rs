//! What the export dialog lets a person choose, and the named presets it starts from.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ExportFormat {
    Png,
    Jpeg,
    /// Lossless WebP (the pure-Rust encoder has no lossy mode).
    Webp,
    /// The stored bytes, untouched, so provenance the provider embedded survives.
    Original,
}

impl ExportFormat {
    /// The file extension for an encoded format; `None` for `Original`, whose
    /// extension follows the stored bytes.
    pub fn extension(self) -> Option<&'static str> {
        match self {
            ExportFormat::Png => Some("png"),
            ExportFormat::Jpeg => Some("jpg"),
            ExportFormat::Webp => Some("webp"),
            ExportFormat::Original => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ExportSize {
    Original,
    /// The longer side becomes `px`.
    LongEdge {
        px: u32,
    },
    /// The width becomes `inches * dpi` pixels and the file says `dpi`.
    PhysicalWidth {
        inches: f32,
        dpi: u32,
    },
    /// Scaled, keeping proportions, to the largest size that fits in the box.
    Fit {
        width: u32,
        height: u32,
    },
}

/// What to do when the chosen name is already taken in the target folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum NameClash {
    /// `name-2.png`, `name-3.png`, … (batch export always does this).
    #[default]
    AddSuffix,
    /// Fail with `Error::FileExists` so the UI can ask.
    Fail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportOptions {
    pub format: ExportFormat,
    pub size: ExportSize,
    /// Written into the file; defaults to 72, or to the DPI of `PhysicalWidth`.
    #[serde(default)]
    pub dpi: Option<u32>,
    #[serde(default = "default_jpeg_quality")]
    pub jpeg_quality: u8,
    /// Transparent areas are flattened onto this colour for JPEG.
    #[serde(default = "default_background")]
    pub background: [u8; 3],
    #[serde(default)]
    pub include_prompt: bool,
    /// Write `NAME.license.txt` next to each file.
    #[serde(default)]
    pub license_note: bool,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub alt_text: Option<String>,
    /// File name without extension; derived from the prompt when absent. Ignored by batch export.
    #[serde(default)]
    pub file_stem: Option<String>,
    #[serde(default)]
    pub on_name_clash: NameClash,
    /// Add Content Credentials (C2PA) to PNG, JPEG and WebP files. "Original" is never
    /// signed: it stays byte-identical.
    #[serde(default = "default_sign")]
    pub sign: bool,
    /// Who signs; filled by the caller from the signing store (`Engine::prepare_signing`).
    /// With `sign` on and no identity here, files are written without credentials and the
    /// result says so. Never serialized: it holds the private key.
    #[serde(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub signing: Option<crate::provenance::SigningIdentity>,
}

fn default_sign() -> bool {
    true
}

pub const DEFAULT_DPI: u32 = 72;
pub const DEFAULT_JPEG_QUALITY: u8 = 90;

fn default_jpeg_quality() -> u8 {
    DEFAULT_JPEG_QUALITY
}

fn default_background() -> [u8; 3] {
    [255, 255, 255]
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            format: ExportFormat::Png,
            size: ExportSize::Original,
            dpi: None,
            jpeg_quality: DEFAULT_JPEG_QUALITY,
            background: default_background(),
            include_prompt: false,
            license_note: false,
            caption: None,
            alt_text: None,
            file_stem: None,
            on_name_clash: NameClash::AddSuffix,
            sign: true,
            signing: None,
        }
    }
}

impl ExportOptions {
    /// The DPI the file will declare: an explicit `dpi` wins, then the size's own DPI, then 72.
    pub fn effective_dpi(&self) -> u32 {
        match (self.dpi, self.size) {
            (Some(dpi), _) => dpi,
            (None, ExportSize::PhysicalWidth { dpi, .. }) => dpi,
            (None, _) => DEFAULT_DPI,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Preset {
    pub id: String,
    pub label: String,
    pub options: ExportOptions,
}

/// Width of a 16:9 PowerPoint / Google Slides page in inches; 1920 px at 144 dpi fills it exactly.
const SLIDE_DPI: u32 = 144;

pub fn presets() -> Vec<Preset> {
    let base = ExportOptions::default();
    vec![
        Preset {
            id: "document".into(),
            label: "Document page width — 6.5 in at 300 dpi".into(),
            options: ExportOptions {
                format: ExportFormat::Png,
                size: ExportSize::PhysicalWidth {
                    inches: 6.5,
                    dpi: 300,
                },
                ..base.clone()
            },
        },
        Preset {
            id: "slide".into(),
            label: "Slide — 1920x1080".into(),
            options: ExportOptions {
                format: ExportFormat::Png,
                size: ExportSize::Fit {
                    width: 1920,
                    height: 1080,
                },
                dpi: Some(SLIDE_DPI),
                ..base.clone()
            },
        },
        Preset {
            id: "web".into(),
            label: "Web — 1200 px".into(),
            options: ExportOptions {
                format: ExportFormat::Jpeg,
                size: ExportSize::LongEdge { px: 1200 },
                jpeg_quality: 85,
                ..base.clone()
            },
        },
        Preset {
            id: "original".into(),
            label: "Original".into(),
            options: ExportOptions {
                format: ExportFormat::Original,
                size: ExportSize::Original,
                ..base
            },
        },
    ]
}

//! Shared fixtures for the export tests: synthetic originals, licence snapshots, and an
//! independent metadata reader (exiftool).
#![allow(clippy::unwrap_used, dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use easel_core::export::ExportItem;
use easel_core::license::{CommercialUse, LicenseSnapshot, LicenseTerms, TermsSource};
use easel_core::providers::LicenseStatus;
use image::{ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

pub const TRICKY_PROMPT: &str =
    "A <script>alert(\"x\")</script> & 'quotes' — café in Zürich, 東京 🌸";

/// RGBA gradient with a fully transparent band at the top and a half-transparent band below it.
pub fn gradient_rgba(w: u32, h: u32) -> RgbaImage {
    RgbaImage::from_fn(w, h, |x, y| {
        let a = if y < h / 8 {
            0
        } else if y < h / 4 {
            128
        } else {
            255
        };
        Rgba([(x * 255 / w) as u8, (y * 255 / h) as u8, 128, a])
    })
}

pub fn gradient_rgb(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            (x * 255 / w) as u8,
            (y * 255 / h) as u8,
            ((x + y) % 256) as u8,
        ])
    })
}

pub fn write_png_rgba(path: &Path, w: u32, h: u32) {
    gradient_rgba(w, h)
        .save_with_format(path, ImageFormat::Png)
        .unwrap();
}

pub fn write_jpeg(path: &Path, w: u32, h: u32) {
    gradient_rgb(w, h)
        .save_with_format(path, ImageFormat::Jpeg)
        .unwrap();
}

pub fn write_webp(path: &Path, w: u32, h: u32) {
    gradient_rgb(w, h)
        .save_with_format(path, ImageFormat::WebP)
        .unwrap();
}

fn terms(known: bool, commercial: CommercialUse) -> LicenseTerms {
    LicenseTerms {
        id: if known {
            "openai-images".into()
        } else {
            "unknown".into()
        },
        known,
        provider: if known {
            "OpenAI".into()
        } else {
            "Unknown".into()
        },
        covers: "OpenAI image models (GPT Image, DALL·E)".into(),
        summary: "You own the images you create, to the extent the law allows.".into(),
        output_ownership: "Assigned to you by OpenAI's terms.".into(),
        commercial_use: commercial,
        commercial_condition: (commercial == CommercialUse::Conditional)
            .then(|| "your organisation has fewer than 1,000 employees".into()),
        attribution_required: false,
        credit_line: "Image generated with OpenAI, via Easel".into(),
        indemnity: "None for outputs.".into(),
        indemnified: false,
        restrictions: vec!["Do not imply a human made it.".into()],
        training_data: "Not disclosed.".into(),
        creators_compensated: "No.".into(),
        terms_url: "https://openai.com/policies/terms-of-use".into(),
        checked_on: "2026-11-01".into(),
        sources: vec![TermsSource {
            point: "output_ownership".into(),
            title: "Terms of use".into(),
            url: "https://openai.com/policies/terms-of-use".into(),
        }],
        disclaimer: "Summary only, not legal advice.".into(),
        inherited: None,
    }
}

pub fn commercial_license() -> LicenseSnapshot {
    LicenseSnapshot {
        terms: terms(true, CommercialUse::Yes),
        snapshot_at: "2026-11-20T10:00:00Z".into(),
        status: LicenseStatus::Included,
        transaction: None,
    }
}

pub fn unknown_license() -> LicenseSnapshot {
    LicenseSnapshot {
        terms: terms(false, CommercialUse::Unknown),
        snapshot_at: "2026-11-20T10:00:00Z".into(),
        status: LicenseStatus::Included,
        transaction: None,
    }
}

pub fn license_with(commercial: CommercialUse) -> LicenseSnapshot {
    LicenseSnapshot {
        terms: terms(true, commercial),
        snapshot_at: "2026-11-20T10:00:00Z".into(),
        status: LicenseStatus::Included,
        transaction: None,
    }
}

pub fn item(id: &str, original: PathBuf, prompt: &str, license: LicenseSnapshot) -> ExportItem {
    ExportItem {
        image_id: id.into(),
        original_path: original,
        provider: "openai".into(),
        model: "gpt-image-1".into(),
        created_at: "2026-11-20T10:15:30+01:00".into(),
        prompt: prompt.into(),
        revised_prompt: None,
        license,
        filtered: false,
        sha256: None,
    }
}

/// All metadata exiftool sees, as `Group:Tag -> value`. `None` only when the run
/// explicitly opted out with EASEL_SKIP_EXIFTOOL=1.
pub fn exiftool(path: &Path) -> Option<serde_json::Map<String, serde_json::Value>> {
    let out = match Command::new("exiftool")
        .args(["-j", "-G1", "-a"])
        .arg(path)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            if std::env::var("EASEL_SKIP_EXIFTOOL").as_deref() == Ok("1") {
                eprintln!("exiftool not run (EASEL_SKIP_EXIFTOOL=1)");
                return None;
            }
            panic!(
                "exiftool is needed to check exported metadata independently but could not be run ({e}). \
                 Install it (Debian/Ubuntu: apt-get install libimage-exiftool-perl; macOS: brew install exiftool) \
                 or set EASEL_SKIP_EXIFTOOL=1 to skip these checks."
            );
        }
    };
    assert!(
        out.status.success(),
        "exiftool failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    Some(json.as_array().unwrap()[0].as_object().unwrap().clone())
}

/// A tag's value as text (exiftool prints numbers as JSON numbers).
pub fn tag(meta: &serde_json::Map<String, serde_json::Value>, name: &str) -> Option<String> {
    meta.get(name).map(|v| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// Names of every entry in `dir` (hidden ones included).
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// exiftool's structural validation of the file (EXIF, XMP, container): `Validate` and
/// any `Warning`s. `None` when opted out like [`exiftool`].
pub fn exiftool_validation(path: &Path) -> Option<serde_json::Map<String, serde_json::Value>> {
    exiftool(path)?; // same missing-tool handling
    let out = Command::new("exiftool")
        .args(["-j", "-a", "-G1", "-validate", "-warning", "-error"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "exiftool failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    Some(json.as_array().unwrap()[0].as_object().unwrap().clone())
}

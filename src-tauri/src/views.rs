//! What the Settings screen shows: preferences, where keys live and whether each provider has
//! one. Never the key itself.

use easel_core::catalog;
use easel_core::engine::Engine;
use easel_core::secrets::KeyStatus;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SettingsView {
    pub data_dir: String,
    pub embed_prompt_in_exports: bool,
    pub keychain_available: bool,
    /// Set when keys are kept in a private file because no keychain service runs.
    pub key_file_path: Option<String>,
    pub providers: Vec<ProviderSettingsView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ProviderSettingsView {
    pub id: String,
    pub base_url: Option<String>,
    pub default_model: Option<String>,
    pub key: KeyStatus,
}

impl SettingsView {
    pub fn of(engine: &Engine) -> easel_core::Result<SettingsView> {
        let settings = engine.settings()?;
        let providers = catalog::providers()
            .iter()
            .map(|p| {
                let prefs = settings.providers.get(&p.id);
                Ok(ProviderSettingsView {
                    id: p.id.clone(),
                    base_url: prefs.and_then(|x| x.base_url.clone()),
                    default_model: prefs.and_then(|x| x.default_model.clone()),
                    key: engine.key_status(&p.id)?,
                })
            })
            .collect::<easel_core::Result<Vec<_>>>()?;
        Ok(SettingsView {
            data_dir: engine.dirs().data.display().to_string(),
            embed_prompt_in_exports: settings.embed_prompt_in_exports,
            keychain_available: engine.keys().keychain_available(),
            key_file_path: engine
                .keys()
                .fallback_file()
                .map(|p| p.display().to_string()),
            providers,
        })
    }
}

/// What the window shows after a backup: counts and the file's name, not its path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct BackupSummary {
    pub file_name: String,
    pub images: u32,
    pub originals: u32,
    pub bytes: u64,
    /// Originals left out because they are missing or damaged.
    pub left_out: u32,
}

impl From<&easel_core::library::BackupReport> for BackupSummary {
    fn from(r: &easel_core::library::BackupReport) -> Self {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        BackupSummary {
            file_name: r
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            images: count(r.images),
            originals: count(r.originals),
            bytes: r.bytes,
            left_out: count(r.left_out.len()),
        }
    }
}

//! User preferences that are not secrets: per-provider base URL and default model, and export
//! choices. Kept as JSON in the config folder; environment variables override at run time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result, atomic_file};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderPrefs>,
    /// Whether exported files may carry the prompt in their metadata. Off by default: a prompt
    /// can hold client names or other things not meant to travel with the image.
    #[serde(default)]
    pub embed_prompt_in_exports: bool,
    /// Local and LAN engines the user added, by name (`crate::endpoints`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub endpoints: BTreeMap<String, crate::endpoints::Endpoint>,
    /// Licences the user declared for checkpoints the catalogue does not know, by checkpoint
    /// name or hash.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checkpoint_licenses: BTreeMap<String, crate::license::DeclaredLicense>,
    /// Exports carry no Content Credentials (signing turned off). Off by default: exports
    /// are signed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exports_unsigned: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderPrefs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_model: Option<String>,
}

pub struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    pub fn in_dir(config_dir: &Path) -> SettingsFile {
        SettingsFile {
            path: config_dir.join("settings.json"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A missing file is the defaults; a damaged one is an error rather than silently reset.
    pub fn load(&self) -> Result<Settings> {
        // Others able to write it could point the base URL (and so the key) elsewhere.
        crate::private_fs::ensure_not_shared_writable(&self.path)?;
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::InvalidInput(format!(
                    "The settings file {} is damaged ({e}). Fix or delete it.",
                    self.path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(Error::Io {
                action: "read",
                path: self.path.clone(),
                source: e,
            }),
        }
    }

    pub fn save(&self, settings: &Settings) -> Result<()> {
        let json = serde_json::to_vec_pretty(settings)
            .map_err(|e| Error::InvalidInput(format!("Settings could not be encoded: {e}")))?;
        atomic_file::write(&self.path, &json, None)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trips_and_defaults_when_missing() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::in_dir(dir.path());
        assert_eq!(file.load().unwrap(), Settings::default());
        let mut s = Settings::default();
        s.providers.insert(
            "openai".into(),
            ProviderPrefs {
                base_url: Some("http://127.0.0.1:9/v1".into()),
                default_model: None,
            },
        );
        s.embed_prompt_in_exports = true;
        file.save(&s).unwrap();
        assert_eq!(file.load().unwrap(), s);
    }

    #[test]
    fn damaged_file_is_an_error_not_a_reset() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("settings.json"), b"{not json").unwrap();
        let err = SettingsFile::in_dir(dir.path()).load().unwrap_err();
        assert_eq!(err.code(), "invalid_input");
    }
}

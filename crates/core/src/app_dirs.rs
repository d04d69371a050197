//! Where Easel keeps things. The library (database, originals, thumbnails) lives in the data
//! folder; settings and the fallback key file live in the config folder, so a library can be
//! copied or backed up without carrying secrets along.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

pub const DATA_DIR_ENV: &str = "EASEL_DATA_DIR";
pub const CONFIG_DIR_ENV: &str = "EASEL_CONFIG_DIR";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppDirs {
    pub data: PathBuf,
    pub config: PathBuf,
}

impl AppDirs {
    /// `EASEL_DATA_DIR` / `EASEL_CONFIG_DIR` when set, else the platform's folders
    /// (`~/.local/share/easel`, `~/.config/easel` on Linux). With only `EASEL_DATA_DIR` set,
    /// config goes to its `config/` sub-folder so that one variable isolates a whole profile.
    /// A library the user moved (`library.json` in the config folder) is found there, unless
    /// `EASEL_DATA_DIR` says otherwise.
    pub fn from_env() -> Result<AppDirs> {
        let data_env = non_empty_env(DATA_DIR_ENV);
        let config_env = non_empty_env(CONFIG_DIR_ENV);
        let data = match &data_env {
            Some(d) => d.clone(),
            None => dirs::data_dir()
                .ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "No app-data folder is known for this system; set {DATA_DIR_ENV}."
                    ))
                })?
                .join("easel"),
        };
        let config = match (config_env, &data_env) {
            (Some(c), _) => c,
            (None, Some(d)) => d.join("config"),
            (None, None) => dirs::config_dir()
                .ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "No config folder is known for this system; set {CONFIG_DIR_ENV}."
                    ))
                })?
                .join("easel"),
        };
        let data = match data_env {
            Some(_) => data,
            None => crate::library_location::LibraryLocation::load(&config)?
                .data_dir
                .unwrap_or(data),
        };
        Ok(AppDirs { data, config })
    }

    /// True when `EASEL_DATA_DIR` fixes the library folder, so it cannot be moved from the app.
    pub fn data_dir_from_env() -> bool {
        non_empty_env(DATA_DIR_ENV).is_some()
    }

    /// Both folders under one root; for tests and portable set-ups.
    pub fn under(root: &Path) -> AppDirs {
        AppDirs {
            data: root.to_path_buf(),
            config: root.join("config"),
        }
    }
}

fn non_empty_env(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

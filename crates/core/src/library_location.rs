//! Where the library lives when the user moved it: `library.json` in the config folder, read
//! before the library opens. It also remembers the folder it was moved from, so that the
//! window can offer to remove that copy once the new one is in use.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result, atomic_file};

const FILE: &str = "library.json";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryLocation {
    /// The library folder, when it is not the platform's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// The folder the library was moved from, until its copy is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<PathBuf>,
}

impl LibraryLocation {
    pub fn load(config_dir: &Path) -> Result<LibraryLocation> {
        let path = config_dir.join(FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::InvalidInput(format!(
                    "{} is damaged ({e}). Delete it to use the default library folder.",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LibraryLocation::default()),
            Err(e) => Err(Error::io("read", &path)(e)),
        }
    }

    pub fn save(&self, config_dir: &Path) -> Result<()> {
        crate::private_fs::create_dir(config_dir)?;
        let json = serde_json::to_vec_pretty(self).map_err(|e| {
            Error::InvalidInput(format!("The library location cannot be saved: {e}"))
        })?;
        atomic_file::write(&config_dir.join(FILE), &json, Some(0o600))
    }
}

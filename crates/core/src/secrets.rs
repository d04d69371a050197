//! API keys. Resolution order: the provider's environment variable (the conventional override),
//! then the OS keychain, then — only where no keychain service runs, as on a headless Linux
//! desktop — a file in the config folder that only the user can read. Keys never leave this
//! module except to build a request's Authorization header.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result, atomic_file};

const KEYCHAIN_SERVICE: &str = "easel";
/// `file` forces the file store (tests, portable set-ups); `keychain` forbids the fallback.
pub const KEY_STORE_ENV: &str = "EASEL_KEY_STORE";

/// A secret that cannot be printed by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Result<ApiKey> {
        let key = key.into().trim().to_owned();
        if key.is_empty() {
            return Err(Error::InvalidInput("The API key is empty.".into()));
        }
        if key.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Error::InvalidInput(
                "The API key contains spaces or control characters; paste it again.".into(),
            ));
        }
        Ok(ApiKey(key))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum KeySource {
    Env,
    Keychain,
    File,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KeyStatus {
    pub present: bool,
    pub source: Option<KeySource>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Keychain,
    File,
}

pub struct KeyStore {
    backend: Backend,
    file: PathBuf,
}

impl KeyStore {
    /// Picks the keychain when a keychain service answers, the file otherwise.
    pub fn open(config_dir: &Path) -> Result<KeyStore> {
        let file = config_dir.join("keys.json");
        let backend = match std::env::var(KEY_STORE_ENV).as_deref() {
            Ok("file") => Backend::File,
            Ok("keychain") => Backend::Keychain,
            _ if keychain_answers() => Backend::Keychain,
            _ => Backend::File,
        };
        Ok(KeyStore { backend, file })
    }

    /// The file store in `config_dir`, whatever the environment says (tests, portable
    /// set-ups).
    pub fn file_only(config_dir: &Path) -> KeyStore {
        KeyStore {
            backend: Backend::File,
            file: config_dir.join("keys.json"),
        }
    }

    pub fn keychain_available(&self) -> bool {
        self.backend == Backend::Keychain
    }

    /// Where keys are kept when there is no keychain; `None` when the keychain is used.
    pub fn fallback_file(&self) -> Option<&Path> {
        (self.backend == Backend::File).then_some(self.file.as_path())
    }

    pub fn get(&self, provider: &str, env_var: &str) -> Result<Option<(ApiKey, KeySource)>> {
        if let Some(key) = std::env::var(env_var)
            .ok()
            .and_then(|v| ApiKey::new(v).ok())
        {
            return Ok(Some((key, KeySource::Env)));
        }
        let stored = match self.backend {
            Backend::Keychain => keychain_get(provider)?.map(|k| (k, KeySource::Keychain)),
            Backend::File => self
                .read_file()?
                .remove(provider)
                .map(ApiKey)
                .map(|k| (k, KeySource::File)),
        };
        Ok(stored)
    }

    pub fn status(&self, provider: &str, env_var: &str) -> Result<KeyStatus> {
        let found = self.get(provider, env_var)?;
        Ok(KeyStatus {
            present: found.is_some(),
            source: found.map(|(_, s)| s),
        })
    }

    pub fn set(&self, provider: &str, key: &ApiKey) -> Result<()> {
        match self.backend {
            Backend::Keychain => entry(provider)?
                .set_password(key.expose())
                .map_err(keychain_error),
            Backend::File => {
                let mut keys = self.read_file()?;
                keys.insert(provider.to_owned(), key.expose().to_owned());
                self.write_file(&keys)
            }
        }
    }

    pub fn delete(&self, provider: &str) -> Result<()> {
        match self.backend {
            Backend::Keychain => match entry(provider)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(keychain_error(e)),
            },
            Backend::File => {
                let mut keys = self.read_file()?;
                if keys.remove(provider).is_some() {
                    self.write_file(&keys)?;
                }
                Ok(())
            }
        }
    }

    fn read_file(&self) -> Result<BTreeMap<String, String>> {
        crate::private_fs::ensure_not_shared_writable(&self.file)?;
        match std::fs::read(&self.file) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|_| Error::Keychain {
                message: format!(
                    "The key file {} is damaged; delete it and enter the key again.",
                    self.file.display()
                ),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(Error::Io {
                action: "read",
                path: self.file.clone(),
                source: e,
            }),
        }
    }

    fn write_file(&self, keys: &BTreeMap<String, String>) -> Result<()> {
        let json = serde_json::to_vec(keys).map_err(|e| Error::Keychain {
            message: e.to_string(),
        })?;
        atomic_file::write(&self.file, &json, Some(0o600))
    }
}

fn entry(provider: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(KEYCHAIN_SERVICE, provider).map_err(keychain_error)
}

fn keychain_get(provider: &str) -> Result<Option<ApiKey>> {
    match entry(provider)?.get_password() {
        Ok(k) => Ok(ApiKey::new(k).ok()),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(keychain_error(e)),
    }
}

/// A read of an entry that does not exist tells whether a keychain service is there at all.
fn keychain_answers() -> bool {
    match keyring::Entry::new(KEYCHAIN_SERVICE, "__probe__").and_then(|e| e.get_password()) {
        Ok(_) | Err(keyring::Error::NoEntry) => true,
        Err(_) => false,
    }
}

fn keychain_error(e: keyring::Error) -> Error {
    Error::Keychain {
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn file_store(dir: &Path) -> KeyStore {
        KeyStore {
            backend: Backend::File,
            file: dir.join("keys.json"),
        }
    }

    #[test]
    fn file_store_round_trip_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(dir.path());
        let env = "EASEL_TEST_UNSET_KEY_VAR_1";
        assert_eq!(
            store.status("openai", env).unwrap(),
            KeyStatus {
                present: false,
                source: None
            }
        );
        store
            .set("openai", &ApiKey::new("sk-test-123").unwrap())
            .unwrap();
        let (key, source) = store.get("openai", env).unwrap().unwrap();
        assert_eq!((key.expose(), source), ("sk-test-123", KeySource::File));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("keys.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.delete("openai").unwrap();
        assert!(store.get("openai", env).unwrap().is_none());
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = ApiKey::new("sk-very-secret").unwrap();
        assert!(!format!("{key:?}").contains("secret"));
    }

    #[test]
    fn rejects_blank_and_spaced_keys() {
        assert_eq!(ApiKey::new("  ").unwrap_err().code(), "invalid_input");
        assert_eq!(ApiKey::new("sk one").unwrap_err().code(), "invalid_input");
    }
}

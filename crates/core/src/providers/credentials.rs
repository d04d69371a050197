//! A provider's credentials: as many fields as it needs (an API key; a key and a secret; a
//! client id and secret), each from its environment variable or the key store. They live in
//! memory only as long as a client needs them, and `Debug` never prints them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalog::{CredentialField, ProviderSpec};
use crate::error::{Error, Result};
use crate::secrets::{ApiKey, KeySource, KeyStore};

pub type CredentialSource = KeySource;

#[derive(Clone, Default)]
pub struct Credentials {
    fields: BTreeMap<String, ApiKey>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.fields.keys().map(|k| (k, "<redacted>")))
            .finish()
    }
}

impl Credentials {
    pub fn new() -> Credentials {
        Credentials::default()
    }

    pub fn with(mut self, field: &str, value: ApiKey) -> Credentials {
        self.fields.insert(field.to_owned(), value);
        self
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(ApiKey::expose)
    }

    /// The field's value, or an `auth` error naming what to set.
    pub fn require(&self, spec: &ProviderSpec, field: &str) -> Result<&str> {
        if let Some(v) = self.get(field) {
            return Ok(v);
        }
        let f = spec.credential(field);
        Err(Error::Auth {
            message: format!(
                "{} needs its {} and none is set.",
                spec.name,
                f.map_or(field, |f| f.label.as_str())
            ),
            env_var: f.map_or_else(String::new, |f| f.env_var.clone()),
        })
    }
}

/// Whether one credential field is set, and from where (never its value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldStatus {
    pub field: String,
    pub present: bool,
    pub source: Option<KeySource>,
}

/// The key-store account a field is kept under. The first field keeps the provider's own
/// id, so keys stored before providers had several fields are still found.
pub fn account(spec: &ProviderSpec, field: &CredentialField) -> String {
    match spec.credentials.first() {
        Some(first) if first.id == field.id => spec.id.clone(),
        _ => format!("{}:{}", spec.id, field.id),
    }
}

/// Every field that is set, from its environment variable or the key store.
pub fn load(spec: &ProviderSpec, keys: &KeyStore) -> Result<(Credentials, Vec<FieldStatus>)> {
    let mut creds = Credentials::new();
    let mut statuses = Vec::with_capacity(spec.credentials.len());
    for field in &spec.credentials {
        let found = keys.get(&account(spec, field), &field.env_var)?;
        statuses.push(FieldStatus {
            field: field.id.clone(),
            present: found.is_some(),
            source: found.as_ref().map(|(_, s)| *s),
        });
        if let Some((value, _)) = found {
            creds = creds.with(&field.id, value);
        }
    }
    Ok((creds, statuses))
}

//! The engine's side of local and LAN engines: adding, testing and removing endpoints,
//! their clients, ComfyUI workflows and mappings, checkpoint licences the user declares,
//! generating on an endpoint, and running a recorded generation again.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError};

use serde::{Deserialize, Serialize};

use crate::GenerationRequest;
use crate::catalog::{self, ProviderLimits};
use crate::endpoints::{self, CompatCapabilities, Endpoint, EndpointKind};
use crate::engine::{ConnectionTest, Engine, Work, run_generation};
use crate::error::{Error, Result};
use crate::jobs::JobId;
use crate::license::{DeclaredLicense, LicenseTerms};
use crate::providers::local::comfyui::{InputRef, Workflow, workflow};
use crate::providers::local::{check_request, choose_seed};
use crate::providers::{self, ImageProvider};
use crate::secrets::{ApiKey, KeySource};

/// What `add_endpoint` takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NewEndpoint {
    pub name: String,
    pub kind: EndpointKind,
    pub url: String,
    #[serde(default)]
    pub username: Option<String>,
    /// OpenAI-compatible servers: a preset of capability flags ("localai", "sd-cpp",
    /// "ollama", "generic"); "generic" when not given.
    #[serde(default)]
    pub preset: Option<String>,
}

/// An endpoint as Settings and `endpoint list` show it: never the password itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EndpointView {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    pub password_set: bool,
    pub password_source: Option<KeySource>,
    pub password_env: String,
}

impl Engine {
    /// Every endpoint the user added, by name.
    pub fn endpoints(&self) -> Result<Vec<EndpointView>> {
        let settings = self.settings()?;
        settings
            .endpoints
            .values()
            .map(|e| self.endpoint_view(e))
            .collect()
    }

    fn endpoint_view(&self, e: &Endpoint) -> Result<EndpointView> {
        let status = self.keys.status(&e.password_account(), &e.password_env())?;
        Ok(EndpointView {
            endpoint: e.clone(),
            password_set: status.present,
            password_source: status.source,
            password_env: e.password_env(),
        })
    }

    pub fn endpoint(&self, name: &str) -> Result<Endpoint> {
        self.settings()?
            .endpoints
            .get(name)
            .cloned()
            .ok_or_else(|| {
                Error::not_found(format!(
                    "The endpoint \"{name}\" (`easel-cli endpoint list` shows those added)"
                ))
            })
    }

    /// True when `provider` names an endpoint rather than a catalogue provider.
    pub fn is_endpoint(&self, provider: &str) -> Result<bool> {
        Ok(catalog::provider(provider).is_err()
            && self.settings()?.endpoints.contains_key(provider))
    }

    /// Adds an endpoint, or replaces the one of that name (an edit). The password, when
    /// given, goes to the key store; without one, a stored password is kept.
    pub fn add_endpoint(&self, new: NewEndpoint, password: Option<&str>) -> Result<EndpointView> {
        let name = new.name.trim().to_owned();
        endpoints::check_name(&name)?;
        crate::providers::http::checked_base_url(&new.url, new.kind.example_url())?;
        let username = new
            .username
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty());
        if username
            .as_deref()
            .is_some_and(|u| u.contains(':') || u.chars().any(char::is_control))
        {
            return Err(Error::InvalidInput(
                "The user name must not contain ':' or control characters.".into(),
            ));
        }
        let capabilities = match new.kind {
            EndpointKind::OpenaiCompatible => Some(match &new.preset {
                Some(p) => endpoints::compat_preset(p)?,
                None => CompatCapabilities::default(),
            }),
            _ if new.preset.is_some() => {
                return Err(Error::InvalidInput(
                    "Capability presets are for OpenAI-compatible endpoints only.".into(),
                ));
            }
            _ => None,
        };
        let mut settings = self.settings()?;
        let workflows = settings
            .endpoints
            .get(&name)
            .filter(|old| old.kind == EndpointKind::Comfyui && new.kind == EndpointKind::Comfyui)
            .map(|old| old.workflows.clone())
            .unwrap_or_default();
        let endpoint = Endpoint {
            name: name.clone(),
            kind: new.kind,
            url: new.url.trim().trim_end_matches('/').to_owned(),
            username,
            capabilities,
            workflows,
        };
        if let Some(p) = password {
            self.keys
                .set(&endpoint.password_account(), &ApiKey::new(p)?)?;
        }
        settings.endpoints.insert(name.clone(), endpoint.clone());
        self.settings_file.save(&settings)?;
        self.forget_client(&name);
        self.endpoint_view(&endpoint)
    }

    /// Removes the endpoint and its stored password. Images made on it stay in the library.
    pub fn remove_endpoint(&self, name: &str) -> Result<()> {
        let mut settings = self.settings()?;
        let Some(endpoint) = settings.endpoints.remove(name) else {
            return Err(Error::not_found(format!("The endpoint \"{name}\"")));
        };
        self.keys.delete(&endpoint.password_account())?;
        self.settings_file.save(&settings)?;
        self.forget_client(name);
        Ok(())
    }

    /// Saves a changed endpoint (its workflows, its capability flags).
    fn save_endpoint(&self, endpoint: Endpoint) -> Result<()> {
        let mut settings = self.settings()?;
        let name = endpoint.name.clone();
        settings.endpoints.insert(name.clone(), endpoint);
        self.settings_file.save(&settings)?;
        self.forget_client(&name);
        Ok(())
    }

    /// Replaces an OpenAI-compatible endpoint's capability flags.
    pub fn set_endpoint_capabilities(&self, name: &str, caps: CompatCapabilities) -> Result<()> {
        let mut e = self.endpoint(name)?;
        if e.kind != EndpointKind::OpenaiCompatible {
            return Err(Error::InvalidInput(format!(
                "{name} is a {} endpoint; capability flags are for OpenAI-compatible ones.",
                e.kind.label()
            )));
        }
        e.capabilities = Some(caps);
        self.save_endpoint(e)
    }

    /// The endpoint's client, made once per configuration and password and reused.
    pub(crate) fn endpoint_client(&self, endpoint: &Endpoint) -> Result<Arc<dyn ImageProvider>> {
        let password = self
            .keys
            .get(&endpoint.password_account(), &endpoint.password_env())?
            .map(|(k, _)| k);
        let mut text = serde_json::to_string(endpoint).unwrap_or_default();
        text.push('\n');
        text.push_str(password.as_ref().map_or("", ApiKey::expose));
        let fingerprint = crate::library::sha256_hex(text.as_bytes());
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((fp, client)) = clients.get(&endpoint.name)
            && *fp == fingerprint
        {
            return Ok(Arc::clone(client));
        }
        let client = providers::connect_endpoint(endpoint, password)?;
        clients.insert(endpoint.name.clone(), (fingerprint, Arc::clone(&client)));
        Ok(client)
    }

    /// What `endpoint test` and Settings' "Test" report: the engine answers (with these
    /// credentials, with its API on) and the models it has.
    pub async fn test_endpoint(&self, name: &str) -> Result<ConnectionTest> {
        self.endpoint(name)?;
        self.test_connection(name).await
    }

    /// The model to use when none is named: the catalogue's or the settings' default for a
    /// provider; for an endpoint, the first the engine lists (A1111 lists its loaded one first).
    pub async fn default_model_for(&self, provider: &str) -> Result<String> {
        if !self.is_endpoint(provider)? {
            return self.default_model(provider);
        }
        let models = self.available_models(provider).await?;
        models.into_iter().next().ok_or_else(|| {
            Error::InvalidInput(format!(
                "{provider} lists no models; put a checkpoint in its models folder, or name one with --model."
            ))
        })
    }

    /// Checks the request, picks the seed where the engine would randomise it, records the
    /// generation and queues it on the endpoint (one job at a time: one GPU).
    pub(crate) fn generate_on_endpoint(&self, mut request: GenerationRequest) -> Result<JobId> {
        let settings = self.settings()?;
        let endpoint = settings
            .endpoints
            .get(&request.provider)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("The endpoint \"{}\"", request.provider)))?;
        check_request(endpoint.kind, &request)?;
        // OpenAI-compatible servers take no seed; the others get Easel's, recorded first.
        if endpoint.kind != EndpointKind::OpenaiCompatible && request.params.seed.is_none() {
            request.params.seed = Some(choose_seed());
        }
        let client = self.endpoint_client(&endpoint)?;
        let generation_id = self.library.create_generation(&request)?;
        let library = Arc::clone(&self.library);
        let limits = ProviderLimits {
            concurrent_jobs: 1,
            requests: None,
            lockout_after_rate_limit_ms: None,
        };
        let declared = settings.checkpoint_licenses.clone();
        let name = request.provider.clone();
        Ok(self.jobs.submit(&name, limits, move |ctx| {
            run_generation(
                ctx,
                client,
                library,
                Work::Generate(Box::new(request)),
                generation_id,
                Some(declared),
                Vec::new(),
            )
        }))
    }

    /// Runs a recorded generation again with the parameters it was made with (for a local
    /// engine: the seed, sampler, scheduler, steps and CFG it really used), so that the
    /// same engine with the same checkpoint makes the same image.
    pub fn rerun(&self, generation_id: &str) -> Result<JobId> {
        let record = self.library.generation(generation_id)?;
        let mut params = record.params;
        // A recorded fact, not a parameter: the checkpoint is the model.
        params.extra.remove("checkpoint");
        self.generate(GenerationRequest {
            provider: record.provider,
            model: record.model,
            prompt: record.prompt,
            params,
        })
    }

    /// Imports an API-format workflow (JSON, or a PNG saved by ComfyUI) into a ComfyUI
    /// endpoint, with the mapping Easel found. Replaces a workflow of the same name.
    pub fn import_workflow(&self, endpoint: &str, name: &str, bytes: &[u8]) -> Result<Workflow> {
        let mut e = self.comfy_endpoint(endpoint)?;
        if name.trim() == workflow::BUILT_IN {
            return Err(Error::InvalidInput(format!(
                "\"{}\" is the built-in workflow's name; choose another.",
                workflow::BUILT_IN
            )));
        }
        let wf = workflow::import(name, bytes)?;
        e.workflows.retain(|w| w.name != wf.name);
        e.workflows.push(wf.clone());
        self.save_endpoint(e)?;
        Ok(wf)
    }

    /// `import_workflow` from a file the user chose (an API-format JSON, or a ComfyUI PNG).
    pub fn import_workflow_file(
        &self,
        endpoint: &str,
        name: &str,
        path: &std::path::Path,
    ) -> Result<Workflow> {
        // Workflows are a few hundred KB; a ComfyUI PNG is an image with one inside.
        const MAX_BYTES: u64 = 64 * 1024 * 1024;
        let meta =
            std::fs::metadata(path).map_err(|e| Error::from_io("read", path.to_owned(), e))?;
        if meta.len() > MAX_BYTES {
            return Err(Error::InvalidInput(format!(
                "{} is too large for a workflow; choose the API-format JSON ComfyUI exports.",
                path.display()
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| Error::from_io("read", path.to_owned(), e))?;
        self.import_workflow(endpoint, name, &bytes)
    }

    /// Corrects a workflow's mapping: each parameter to a node's input, or to none.
    pub fn correct_workflow_mapping(
        &self,
        endpoint: &str,
        name: &str,
        corrections: &BTreeMap<String, Option<InputRef>>,
    ) -> Result<Workflow> {
        let mut e = self.comfy_endpoint(endpoint)?;
        let wf = e
            .workflows
            .iter_mut()
            .find(|w| w.name == name)
            .ok_or_else(|| Error::not_found(format!("The workflow \"{name}\" of {endpoint}")))?;
        workflow::correct(wf, corrections)?;
        let out = wf.clone();
        self.save_endpoint(e)?;
        Ok(out)
    }

    pub fn remove_workflow(&self, endpoint: &str, name: &str) -> Result<()> {
        let mut e = self.comfy_endpoint(endpoint)?;
        let before = e.workflows.len();
        e.workflows.retain(|w| w.name != name);
        if e.workflows.len() == before {
            return Err(Error::not_found(format!(
                "The workflow \"{name}\" of {endpoint}"
            )));
        }
        self.save_endpoint(e)
    }

    fn comfy_endpoint(&self, name: &str) -> Result<Endpoint> {
        let e = self.endpoint(name)?;
        if e.kind != EndpointKind::Comfyui {
            return Err(Error::InvalidInput(format!(
                "{name} is a {} endpoint; workflows are for ComfyUI endpoints.",
                e.kind.label()
            )));
        }
        Ok(e)
    }

    /// The checkpoint licences the user declared, by checkpoint name or hash.
    pub fn declared_checkpoint_licenses(&self) -> Result<BTreeMap<String, DeclaredLicense>> {
        Ok(self.settings()?.checkpoint_licenses)
    }

    /// The terms images made with `checkpoint` on `endpoint` would carry now.
    pub fn checkpoint_terms(&self, endpoint: &str, checkpoint: &str) -> Result<LicenseTerms> {
        let declared = self.settings()?.checkpoint_licenses;
        Ok(crate::license::terms_for_checkpoint(
            endpoint,
            &crate::license::Checkpoint::named(checkpoint),
            &declared,
        ))
    }

    /// Declares the licence of a checkpoint (by name or hash) the catalogue does not know;
    /// images stored from then on carry it. `None` removes the declaration.
    pub fn declare_checkpoint_license(
        &self,
        checkpoint: &str,
        license: Option<DeclaredLicense>,
    ) -> Result<()> {
        let key = checkpoint.trim().to_ascii_lowercase();
        if key.is_empty() || key.chars().any(char::is_control) {
            return Err(Error::InvalidInput(
                "Name the checkpoint (its file name or hash).".into(),
            ));
        }
        let mut settings = self.settings()?;
        match license {
            Some(l) => {
                if l.license.trim().is_empty() {
                    return Err(Error::InvalidInput("Name the licence.".into()));
                }
                if !(l.terms_url.is_empty()
                    || l.terms_url.starts_with("https://")
                    || l.terms_url.starts_with("http://"))
                {
                    return Err(Error::InvalidInput(
                        "The licence URL must start with https:// or http://.".into(),
                    ));
                }
                settings.checkpoint_licenses.insert(key, l);
            }
            None => {
                settings.checkpoint_licenses.remove(&key);
            }
        }
        self.settings_file.save(&settings)
    }
}

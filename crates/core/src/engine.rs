//! Easel as one object: the library, the settings, the keys and the job queue, and the
//! generation pipeline that ties a provider's answer to stored images. Front ends hold one
//! `Engine` and call it; they hold no logic of their own.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::broadcast;

use crate::app_dirs::AppDirs;
use crate::catalog::{self, ProviderSpec};
use crate::edit::EditRequest;
use crate::export::ExportItem;
use crate::jobs::{JobContext, JobEvent, JobId, JobOutput, JobQueue, JobStage};
use crate::library::{GenerationDone, ImageFacts, Library, NewImage, SchemaUpgrade};
use crate::license::{self, LicenseSnapshot};
use crate::license_inheritance::{self, ParentTerms};
use crate::providers::credentials::{self, FieldStatus};
use crate::providers::{self, Connection, ImageProvider, ProviderProgress};
use crate::secrets::{ApiKey, KeyStatus, KeyStore};
use crate::settings::{Settings, SettingsFile};
use crate::{Error, ErrorPayload, GenerationRequest, Result};

/// How long a deleted image can still be restored.
const DELETED_KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// The outcome of testing a provider's connection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConnectionTest {
    /// The provider confirmed the credentials. False where it offers no check short of
    /// generating: then nothing is known until the first generation.
    pub verified: bool,
    pub models: Vec<String>,
}

/// A provider's client and the fingerprint of the connection it was made for.
pub(crate) type CachedClient = (String, Arc<dyn ImageProvider>);

pub struct Engine {
    dirs: AppDirs,
    pub(crate) library: Arc<Library>,
    pub(crate) settings_file: SettingsFile,
    pub(crate) keys: KeyStore,
    pub(crate) jobs: JobQueue,
    /// One client per provider, kept while its connection is unchanged, so that a signed-in
    /// token (Getty, Firefly) serves every job until it expires.
    pub(crate) clients: Mutex<HashMap<String, CachedClient>>,
    /// Previews being licensed right now (see `licensing.rs`): never two at once for one.
    pub(crate) licensing: Mutex<HashSet<String>>,
}

impl Engine {
    pub fn open(dirs: AppDirs) -> Result<Engine> {
        Engine::open_announcing(dirs, &mut |_| {})
    }

    /// As `open`; `on_upgrade` is told before an older library is upgraded (see
    /// `Library::open_announcing`).
    pub fn open_announcing(
        dirs: AppDirs,
        on_upgrade: &mut dyn FnMut(SchemaUpgrade),
    ) -> Result<Engine> {
        let library = Arc::new(Library::open_announcing(&dirs.data, on_upgrade)?);
        let settings_file = SettingsFile::in_dir(&dirs.config);
        settings_file.load()?; // a damaged file is reported now, not at the first generation
        let keys = KeyStore::open(&dirs.config)?;
        Ok(Engine {
            dirs,
            library,
            settings_file,
            keys,
            jobs: JobQueue::new(),
            clients: Mutex::new(HashMap::new()),
            licensing: Mutex::new(HashSet::new()),
        })
    }

    /// Housekeeping for a long-running front end, off its start-up path: deleted images
    /// stay restorable for a week, then their rows and unshared files go for good.
    pub fn purge_old_deletions(&self) -> Result<usize> {
        self.library.purge_deleted(DELETED_KEPT_FOR)
    }

    /// Housekeeping too: merges the search index's segments in small steps (searches
    /// read every segment, so a merged index answers several times faster).
    pub fn merge_search_index(&self) -> Result<usize> {
        self.library.merge_search_index()
    }

    /// Housekeeping too: perceptual hashes for images stored before Easel made them (for
    /// near-duplicates), a small batch per transaction so browsing goes on beside it.
    /// Returns how many were hashed.
    pub fn hash_older_images(&self) -> Result<usize> {
        let mut after = 0;
        let mut hashed = 0;
        loop {
            let step = self.library.hash_unhashed_images(after, 100)?;
            hashed += step.hashed;
            match step.next_after {
                Some(next) => after = next,
                None => return Ok(hashed),
            }
        }
    }

    pub fn dirs(&self) -> &AppDirs {
        &self.dirs
    }

    pub fn library(&self) -> &Arc<Library> {
        &self.library
    }

    pub fn keys(&self) -> &KeyStore {
        &self.keys
    }

    pub fn settings(&self) -> Result<Settings> {
        self.settings_file.load()
    }

    pub fn save_settings(&self, settings: &Settings) -> Result<()> {
        for (provider, prefs) in &settings.providers {
            catalog::provider(provider)?;
            if let Some(url) = &prefs.base_url {
                validate_base_url(url)?;
            }
        }
        self.settings_file.save(settings)
    }

    /// Whether the provider's first credential (its API key, for most) is set, and from where.
    pub fn key_status(&self, provider: &str) -> Result<KeyStatus> {
        let statuses = self.credential_status(provider)?;
        let first = statuses.first();
        Ok(KeyStatus {
            present: first.is_some_and(|s| s.present),
            source: first.and_then(|s| s.source),
        })
    }

    /// Each credential field of the provider: set or not, and from where (never the value).
    pub fn credential_status(&self, provider: &str) -> Result<Vec<FieldStatus>> {
        let spec = catalog::provider(provider)?;
        Ok(credentials::load(spec, &self.keys)?.1)
    }

    /// True when every credential field the provider needs is set.
    pub fn is_configured(&self, provider: &str) -> Result<bool> {
        Ok(self.credential_status(provider)?.iter().all(|s| s.present))
    }

    /// Stores the provider's first credential (its API key, for most).
    pub fn set_api_key(&self, provider: &str, key: &str) -> Result<()> {
        let spec = catalog::provider(provider)?;
        let field = spec
            .credentials
            .first()
            .ok_or_else(|| Error::InvalidInput(format!("{} needs no credentials.", spec.name)))?;
        self.set_credential(provider, &field.id.clone(), key)
    }

    /// Stores one credential field, e.g. Getty's `api_secret`.
    pub fn set_credential(&self, provider: &str, field: &str, value: &str) -> Result<()> {
        let spec = catalog::provider(provider)?;
        let f = spec.credential(field).ok_or_else(|| {
            let known: Vec<&str> = spec.credentials.iter().map(|f| f.id.as_str()).collect();
            Error::InvalidInput(format!(
                "{} has no credential \"{field}\"; it takes {}.",
                spec.name,
                known.join(", ")
            ))
        })?;
        self.keys
            .set(&credentials::account(spec, f), &ApiKey::new(value)?)?;
        self.forget_client(provider);
        Ok(())
    }

    /// Removes every stored credential of the provider (environment variables stay).
    pub fn delete_api_key(&self, provider: &str) -> Result<()> {
        let spec = catalog::provider(provider)?;
        for f in &spec.credentials {
            self.keys.delete(&credentials::account(spec, f))?;
        }
        self.forget_client(provider);
        Ok(())
    }

    /// The base URL in force: environment, then settings, then the catalogue's default.
    pub fn base_url(&self, provider: &str) -> Result<String> {
        let p = catalog::provider(provider)?;
        if let Some(url) = env_override(p.base_url_env.as_deref()) {
            return Ok(url);
        }
        let settings = self.settings()?;
        Ok(settings
            .providers
            .get(provider)
            .and_then(|prefs| prefs.base_url.clone())
            .unwrap_or_else(|| p.default_base_url.clone()))
    }

    /// The OAuth token endpoint in force, for providers that sign in with client credentials.
    pub fn auth_url(&self, provider: &str) -> Result<Option<String>> {
        let p = catalog::provider(provider)?;
        Ok(p.auth
            .as_ref()
            .map(|a| env_override(Some(&a.env_var)).unwrap_or_else(|| a.default_url.clone())))
    }

    /// The model to use when the caller names none.
    pub fn default_model(&self, provider: &str) -> Result<String> {
        let p = catalog::provider(provider)?;
        let settings = self.settings()?;
        Ok(settings
            .providers
            .get(provider)
            .and_then(|prefs| prefs.default_model.clone())
            .unwrap_or_else(|| p.default_model.clone()))
    }

    /// The provider's client, made once per connection (base URL, sign-in URL, credentials)
    /// and reused, so that an OAuth token lives as long as it is valid.
    pub fn client(&self, provider: &str) -> Result<Arc<dyn ImageProvider>> {
        if catalog::provider(provider).is_err()
            && let Some(endpoint) = self.settings()?.endpoints.get(provider)
        {
            return self.endpoint_client(endpoint);
        }
        let spec: &'static ProviderSpec = catalog::provider(provider)?;
        let (creds, statuses) = credentials::load(spec, &self.keys)?;
        if let Some(missing) = statuses.iter().find(|s| !s.present) {
            let field = spec.credential(&missing.field);
            return Err(Error::Auth {
                message: format!(
                    "No {} is set for {}.",
                    field.map_or(missing.field.as_str(), |f| f.label.as_str()),
                    spec.name
                ),
                env_var: field.map_or_else(String::new, |f| f.env_var.clone()),
            });
        }
        let conn = Connection {
            base_url: self.base_url(provider)?,
            auth_url: self.auth_url(provider)?,
            credentials: creds,
        };
        let fingerprint = connection_fingerprint(spec, &conn);
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((fp, client)) = clients.get(provider)
            && *fp == fingerprint
        {
            return Ok(Arc::clone(client));
        }
        let client = providers::connect(spec, conn)?;
        clients.insert(provider.to_owned(), (fingerprint, Arc::clone(&client)));
        Ok(client)
    }

    pub(crate) fn forget_client(&self, provider: &str) {
        self.clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(provider);
    }

    /// What Settings' "Test" reports: whether the credentials were checked with the provider
    /// (some offer no check short of generating), and the models the account can use.
    pub async fn test_connection(&self, provider: &str) -> Result<ConnectionTest> {
        let client = self.client(provider)?;
        let cancel = tokio_util::sync::CancellationToken::new();
        let verified = client.check_credentials(&cancel).await?;
        let models = client.list_models(&cancel).await?;
        Ok(ConnectionTest { verified, models })
    }

    /// Image models the account can use, as the provider lists them.
    pub async fn available_models(&self, provider: &str) -> Result<Vec<String>> {
        let client = self.client(provider)?;
        client
            .list_models(&tokio_util::sync::CancellationToken::new())
            .await
    }

    /// What export needs to know about a stored image.
    pub fn export_item(&self, id: &str) -> Result<ExportItem> {
        let detail = self.library.image(id)?;
        Ok(ExportItem {
            original_path: self.library.original_path(id)?,
            image_id: detail.summary.id,
            provider: detail.summary.provider,
            model: detail.summary.model,
            created_at: detail.summary.created_at,
            prompt: detail.summary.prompt,
            revised_prompt: detail.revised_prompt,
            license: detail.license,
            filtered: detail.summary.filtered,
            sha256: Some(detail.sha256),
        })
    }

    pub fn export_items(&self, ids: &[String]) -> Result<Vec<ExportItem>> {
        ids.iter().map(|id| self.export_item(id)).collect()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.jobs.subscribe()
    }

    /// The latest preview of a running job (a local engine's image so far) and its number;
    /// `None` once the job has ended. Previews are kept in memory only.
    pub fn job_preview(&self, job_id: &str) -> Option<(u32, providers::PreviewFrame)> {
        self.jobs.preview(job_id)
    }

    pub fn cancel(&self, job_id: &str) -> bool {
        self.jobs.cancel(job_id)
    }

    pub fn cancel_all(&self) {
        self.jobs.cancel_all()
    }

    /// Checks the request, records the generation, and queues it. A request the provider
    /// would refuse is refused here, before anything is recorded or sent.
    pub fn generate(&self, request: GenerationRequest) -> Result<JobId> {
        if catalog::provider(&request.provider).is_err()
            && self.settings()?.endpoints.contains_key(&request.provider)
        {
            return self.generate_on_endpoint(request);
        }
        let spec = catalog::model(&request.provider, &request.model)?;
        spec.validate(&request)?;
        let limits = catalog::provider(&request.provider)?.limits;
        let client = self.client(&request.provider)?;
        let generation_id = self.library.create_generation(&request)?;
        let library = Arc::clone(&self.library);
        let provider = request.provider.clone();
        Ok(self.jobs.submit(&provider, limits, move |ctx| {
            run_generation(
                ctx,
                client,
                library,
                Work::Generate(Box::new(request)),
                generation_id,
                None,
                Vec::new(),
            )
        }))
    }
}

/// Licences the user declared for checkpoints; `None` for hosted providers, whose terms
/// come from the provider catalogue.
pub(crate) type Declared = Option<std::collections::BTreeMap<String, license::DeclaredLicense>>;

/// What a job asks its provider for.
pub(crate) enum Work {
    Generate(Box<GenerationRequest>),
    Edit(Box<EditRequest>),
}

impl Work {
    fn provider_and_model(&self) -> (&str, &str) {
        match self {
            Work::Generate(r) => (&r.provider, &r.model),
            Work::Edit(r) => (&r.provider, &r.model),
        }
    }
}

/// Runs one job to the end: asks the provider, stores what came back under `parents`'
/// terms folded into the provider's own, and records the outcome.
pub(crate) async fn run_generation(
    ctx: JobContext,
    client: Arc<dyn ImageProvider>,
    library: Arc<Library>,
    work: Work,
    generation_id: String,
    declared: Declared,
    parents: Vec<ParentTerms>,
) -> Result<JobOutput> {
    let outcome = fetch_and_store(
        &ctx,
        &client,
        &library,
        &work,
        &generation_id,
        declared.as_ref(),
        parents,
    )
    .await;
    let Err(err) = outcome else { return outcome };
    let err = Arc::new(err);
    let recorded = {
        let err = Arc::clone(&err);
        tokio::task::spawn_blocking(move || library.fail_generation(&generation_id, &err)).await
    };
    // Recording the failure must not hide the failure itself.
    if !matches!(recorded, Ok(Ok(()))) {
        tracing::error!("could not record a failed generation");
    }
    Err(Arc::try_unwrap(err).unwrap_or_else(|e| Error::BadResponse {
        message: e.to_string(),
    }))
}

async fn fetch_and_store(
    ctx: &JobContext,
    client: &Arc<dyn ImageProvider>,
    library: &Arc<Library>,
    work: &Work,
    generation_id: &str,
    declared: Option<&std::collections::BTreeMap<String, license::DeclaredLicense>>,
    parents: Vec<ParentTerms>,
) -> Result<JobOutput> {
    let progress = |p: ProviderProgress| match p {
        ProviderProgress::Sending { attempt } => ctx.emit(JobEvent {
            attempt: Some(attempt),
            generation_id: Some(generation_id.to_owned()),
            ..JobEvent::new(&ctx.job_id, JobStage::Sending)
        }),
        ProviderProgress::WaitingToRetry { attempt, delay, .. } => ctx.retry_wait(attempt, delay),
        ProviderProgress::Polling { attempt } => ctx.emit(JobEvent {
            attempt: Some(attempt),
            generation_id: Some(generation_id.to_owned()),
            ..JobEvent::new(&ctx.job_id, JobStage::Processing)
        }),
        ProviderProgress::Receiving | ProviderProgress::Downloading { .. } => {
            ctx.stage(JobStage::Receiving)
        }
        ProviderProgress::Rendering {
            step,
            total,
            eta,
            preview,
        } => ctx.rendering(step, total, eta, preview),
        ProviderProgress::NoPreviews { reason } => ctx.note(reason),
    };
    let answer = match work {
        Work::Generate(request) => client.generate(request, &progress, &ctx.cancel).await?,
        Work::Edit(request) => client.edit(request, &progress, &ctx.cancel).await?,
    };
    ctx.stage(JobStage::Storing);

    let (provider, model) = work.provider_and_model();
    // On a local engine the terms follow the checkpoint.
    let own = match declared {
        Some(declared) => {
            let checkpoint = answer
                .checkpoint
                .clone()
                .unwrap_or_else(|| license::Checkpoint::named(model));
            license::snapshot_for_checkpoint(provider, &checkpoint, declared)
        }
        None => license::snapshot_for(provider, model),
    };
    let snapshot = license_inheritance::inherit(own, parents);
    if let Some(used) = &answer.params_used {
        // What the engine really used, so that running the generation again reproduces it.
        let library = Arc::clone(library);
        let gid = generation_id.to_owned();
        let checkpoint = answer.checkpoint.clone();
        let mut used = used.clone();
        if let Some(c) = checkpoint {
            used.extra.insert("checkpoint".into(), serde_json::json!(c));
        }
        let recorded =
            tokio::task::spawn_blocking(move || library.record_params_used(&gid, &used)).await;
        if !matches!(recorded, Ok(Ok(()))) {
            tracing::warn!(generation = %generation_id, "could not record the parameters the engine used");
        }
    }
    let returned = answer.images.len();
    let mut image_ids = Vec::with_capacity(returned);
    let mut first_error = None;
    for (index, image) in answer.images.into_iter().enumerate() {
        if ctx.cancel.is_cancelled() && image_ids.is_empty() {
            return Err(Error::Cancelled);
        }
        let library = Arc::clone(library);
        let gid = generation_id.to_owned();
        let license = LicenseSnapshot {
            status: image.license_status,
            ..snapshot.clone()
        };
        // Decoding and thumbnails are CPU work: keep them off the async workers.
        let stored = tokio::task::spawn_blocking(move || {
            library.store_image(NewImage {
                generation_id: &gid,
                index: u32::try_from(index).unwrap_or(u32::MAX),
                bytes: &image.bytes,
                revised_prompt: image.revised_prompt.clone(),
                seed: image.seed,
                license,
                facts: ImageFacts {
                    filtered: image.filtered,
                    asset_id: image.asset_id.clone(),
                    licensed_from: None,
                },
            })
        })
        .await
        .map_err(|e| Error::BadResponse {
            message: format!("storing the image stopped: {e}"),
        })?;
        match stored {
            Ok(record) => image_ids.push(record.summary.id),
            // Keep the images that did arrive intact: they were paid for.
            Err(e) => {
                tracing::warn!(generation = %generation_id, index, error = %e, "an image of the answer could not be stored");
                first_error.get_or_insert(e);
            }
        }
    }
    if image_ids.is_empty() {
        return Err(first_error.unwrap_or(Error::BadResponse {
            message: "the answer held no images".into(),
        }));
    }
    // What was paid for but lost is recorded with the generation and reported with the images.
    let not_stored = first_error.map(|e| Error::PartlyStored {
        stored: image_ids.len(),
        returned,
        reason: e.to_string(),
    });
    let done = GenerationDone {
        request_id: answer.request_id,
        usage: answer.usage,
    };
    let recorded = {
        let library = Arc::clone(library);
        let gid = generation_id.to_owned();
        let shortfall = not_stored.as_ref().map(ErrorPayload::from);
        tokio::task::spawn_blocking(move || {
            library.finish_generation(&gid, &done)?;
            match shortfall {
                Some(p) => library.note_not_stored(&gid, &p),
                None => Ok(()),
            }
        })
        .await
        .map_err(|e| Error::BadResponse {
            message: format!("recording the generation stopped: {e}"),
        })
        .and_then(|r| r)
    };
    // The images are stored either way: report them, and what could not be recorded.
    let not_stored = match recorded {
        Ok(()) => not_stored.map(|e| ErrorPayload::from(&e)),
        Err(e) => {
            tracing::warn!(generation = %generation_id, error = %e, "generation stored but not recorded as finished");
            let unrecorded = format!(
                "All {} stored images are in the library, but the generation's record could not be completed: {e}",
                image_ids.len()
            );
            Some(match not_stored {
                Some(lost) => ErrorPayload {
                    code: lost.code().to_owned(),
                    message: format!("{lost} {unrecorded}"),
                },
                None => ErrorPayload {
                    code: e.code().to_owned(),
                    message: unrecorded,
                },
            })
        }
    };
    Ok(JobOutput {
        generation_id: Some(generation_id.to_owned()),
        image_ids,
        not_stored,
    })
}

/// An environment variable's value, when it is set to something.
fn env_override(var: Option<&str>) -> Option<String> {
    let v = std::env::var(var?).ok()?;
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// Identifies a connection without keeping its secrets: a hash over every part.
fn connection_fingerprint(spec: &ProviderSpec, conn: &Connection) -> String {
    let mut text = format!("{}\n{}\n{:?}", spec.id, conn.base_url, conn.auth_url);
    for f in &spec.credentials {
        text.push('\n');
        text.push_str(conn.credentials.get(&f.id).unwrap_or(""));
    }
    crate::library::sha256_hex(text.as_bytes())
}

fn validate_base_url(url: &str) -> Result<()> {
    let ok =
        (url.starts_with("https://") || url.starts_with("http://")) && url.len() > "http://".len();
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "The base URL {url:?} must start with https:// (or http:// for a local server)."
        )))
    }
}

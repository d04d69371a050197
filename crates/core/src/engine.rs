//! Easel as one object: the library, the settings, the keys and the job queue, and the
//! generation pipeline that ties a provider's answer to stored images. Front ends hold one
//! `Engine` and call it; they hold no logic of their own.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::app_dirs::AppDirs;
use crate::catalog;
use crate::export::ExportItem;
use crate::jobs::{JobContext, JobEvent, JobId, JobOutput, JobQueue, JobStage};
use crate::library::{GenerationDone, Library, NewImage};
use crate::license::{self, LicenseSnapshot};
use crate::openai::{OpenAiClient, OpenAiConfig, ProviderProgress};
use crate::secrets::{ApiKey, KeySource, KeyStatus, KeyStore};
use crate::settings::{Settings, SettingsFile};
use crate::{Error, ErrorPayload, GenerationRequest, Result};

/// Overrides the OpenAI base URL (tests, proxies, compatible services).
pub const OPENAI_BASE_URL_ENV: &str = "OPENAI_BASE_URL";
/// How many generations may talk to one provider at once.
const JOBS_PER_PROVIDER: usize = 3;
/// How long a deleted image can still be restored.
const DELETED_KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

pub struct Engine {
    dirs: AppDirs,
    library: Arc<Library>,
    settings_file: SettingsFile,
    keys: KeyStore,
    jobs: JobQueue,
}

impl Engine {
    pub fn open(dirs: AppDirs) -> Result<Engine> {
        let library = Arc::new(Library::open(&dirs.data)?);
        let settings_file = SettingsFile::in_dir(&dirs.config);
        settings_file.load()?; // a damaged file is reported now, not at the first generation
        let keys = KeyStore::open(&dirs.config)?;
        Ok(Engine {
            dirs,
            library,
            settings_file,
            keys,
            jobs: JobQueue::new(JOBS_PER_PROVIDER),
        })
    }

    /// Housekeeping for a long-running front end, off its start-up path: deleted images
    /// stay restorable for a week, then their rows and unshared files go for good.
    pub fn purge_old_deletions(&self) -> Result<usize> {
        self.library.purge_deleted(DELETED_KEPT_FOR)
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

    pub fn key_status(&self, provider: &str) -> Result<KeyStatus> {
        let p = catalog::provider(provider)?;
        self.keys.status(&p.id, &p.api_key_env)
    }

    pub fn set_api_key(&self, provider: &str, key: &str) -> Result<()> {
        let p = catalog::provider(provider)?;
        self.keys.set(&p.id, &ApiKey::new(key)?)
    }

    pub fn delete_api_key(&self, provider: &str) -> Result<()> {
        let p = catalog::provider(provider)?;
        self.keys.delete(&p.id)
    }

    /// The base URL in force: environment, then settings, then the catalogue's default.
    pub fn base_url(&self, provider: &str) -> Result<String> {
        let p = catalog::provider(provider)?;
        if provider == "openai"
            && let Some(url) = std::env::var(OPENAI_BASE_URL_ENV)
                .ok()
                .filter(|u| !u.trim().is_empty())
        {
            return Ok(url.trim().to_owned());
        }
        let settings = self.settings()?;
        Ok(settings
            .providers
            .get(provider)
            .and_then(|prefs| prefs.base_url.clone())
            .unwrap_or_else(|| p.default_base_url.clone()))
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

    fn client(&self, provider: &str) -> Result<OpenAiClient> {
        let p = catalog::provider(provider)?;
        if p.id != "openai" {
            return Err(Error::InvalidInput(format!(
                "Provider {provider} has no client in this version of Easel."
            )));
        }
        let (key, _source): (ApiKey, KeySource) = self
            .keys
            .get(&p.id, &p.api_key_env)?
            .ok_or_else(|| Error::Auth {
                message: format!("No API key is set for {}.", p.name),
                env_var: p.api_key_env.clone(),
            })?;
        OpenAiClient::new(OpenAiConfig::new(
            self.base_url(provider)?,
            key.expose().to_owned(),
        ))
    }

    /// Image models the key can use, as the provider lists them.
    pub async fn available_models(&self, provider: &str) -> Result<Vec<String>> {
        let client = self.client(provider)?;
        client
            .list_image_models(&tokio_util::sync::CancellationToken::new())
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
            sha256: Some(detail.sha256),
        })
    }

    pub fn export_items(&self, ids: &[String]) -> Result<Vec<ExportItem>> {
        ids.iter().map(|id| self.export_item(id)).collect()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.jobs.subscribe()
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
        let spec = catalog::model(&request.provider, &request.model)?;
        spec.validate(&request)?;
        let client = self.client(&request.provider)?;
        let generation_id = self.library.create_generation(&request)?;
        let library = Arc::clone(&self.library);
        let provider = request.provider.clone();
        Ok(self.jobs.submit(&provider, move |ctx| {
            run_generation(ctx, client, library, request, generation_id)
        }))
    }
}

async fn run_generation(
    ctx: JobContext,
    client: OpenAiClient,
    library: Arc<Library>,
    request: GenerationRequest,
    generation_id: String,
) -> Result<JobOutput> {
    let outcome = fetch_and_store(&ctx, &client, &library, &request, &generation_id).await;
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
    client: &OpenAiClient,
    library: &Arc<Library>,
    request: &GenerationRequest,
    generation_id: &str,
) -> Result<JobOutput> {
    let progress = |p: ProviderProgress| match p {
        ProviderProgress::Sending { attempt } => ctx.emit(JobEvent {
            attempt: Some(attempt),
            generation_id: Some(generation_id.to_owned()),
            ..JobEvent::new(&ctx.job_id, JobStage::Sending)
        }),
        ProviderProgress::WaitingToRetry { attempt, delay, .. } => ctx.retry_wait(attempt, delay),
        ProviderProgress::Receiving | ProviderProgress::Downloading { .. } => {
            ctx.stage(JobStage::Receiving)
        }
    };
    let answer = client.generate(request, &progress, &ctx.cancel).await?;
    ctx.stage(JobStage::Storing);

    let snapshot = LicenseSnapshot {
        terms: license::terms_for(&request.provider, &request.model),
        snapshot_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    };
    let returned = answer.images.len();
    let mut image_ids = Vec::with_capacity(returned);
    let mut first_error = None;
    for (index, image) in answer.images.into_iter().enumerate() {
        if ctx.cancel.is_cancelled() && image_ids.is_empty() {
            return Err(Error::Cancelled);
        }
        let library = Arc::clone(library);
        let gid = generation_id.to_owned();
        let license = snapshot.clone();
        // Decoding and thumbnails are CPU work: keep them off the async workers.
        let stored = tokio::task::spawn_blocking(move || {
            library.store_image(NewImage {
                generation_id: &gid,
                index: u32::try_from(index).unwrap_or(u32::MAX),
                bytes: &image.bytes,
                revised_prompt: image.revised_prompt.clone(),
                seed: None,
                license,
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

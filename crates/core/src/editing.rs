//! Edits and variations through the engine: the inputs are read from the library (checked
//! against their sha256), the request is checked against the catalogue before anything is
//! recorded or sent, its lineage is recorded with the generation, and the results are
//! stored like any generation's, under terms that carry their parents'.

use std::sync::Arc;

use crate::catalog;
use crate::edit::{EditJob, EditOperation, EditRequest, InputImage, Reference};
use crate::engine::{Engine, Work, run_generation};
use crate::error::{Error, Result};
use crate::jobs::JobId;
use crate::library::{NewDerivation, NewInput};
use crate::license_inheritance::ParentTerms;
use crate::request::{GenerationParams, GenerationRequest};

impl Engine {
    /// Checks the edit, records it (with its lineage and inputs) and queues it. An edit the
    /// provider would refuse is refused here, before anything is recorded or sent.
    pub fn edit(&self, job: EditJob) -> Result<JobId> {
        let library = Arc::clone(self.library());
        let model = catalog::model(&job.provider, &job.model)?;
        let source_detail = library.image(&job.image_id)?;
        let mut parents = vec![ParentTerms::of_image(&job.image_id, &source_detail.license)];
        // A provider's id for an image means something only to that provider.
        let asset_id = source_detail
            .asset_id
            .clone()
            .filter(|_| source_detail.summary.provider == job.provider);
        let source = InputImage {
            bytes: library.read_original(&job.image_id)?,
            library_id: Some(job.image_id.clone()),
            asset_id,
        };
        let mut references = Vec::with_capacity(job.references.len());
        for reference in &job.references {
            references.push(match reference {
                Reference::Image(id) => {
                    let detail = library.image(id)?;
                    parents.push(ParentTerms::of_image(id, &detail.license));
                    InputImage {
                        bytes: library.read_original(id)?,
                        library_id: Some(id.clone()),
                        asset_id: None,
                    }
                }
                Reference::File(bytes) => {
                    parents.push(ParentTerms::unknown_file());
                    InputImage {
                        bytes: bytes.clone(),
                        library_id: None,
                        asset_id: None,
                    }
                }
            });
        }
        let spec = model.edit_spec(job.operation.name())?;
        // Operations without a prompt are recorded under the parent's, so that they are
        // found where the parent is; the derivation says what was actually done.
        let record_prompt = if spec.prompt == catalog::Usage::None {
            source_detail.summary.prompt.clone()
        } else {
            job.prompt.clone()
        };
        let request = EditRequest {
            provider: job.provider.clone(),
            model: job.model.clone(),
            operation: job.operation.clone(),
            prompt: job.prompt.clone(),
            source,
            references,
            mask: job.mask.clone(),
            params: job.params.clone(),
        };
        model.validate_edit(&request)?;
        let limits = catalog::provider(&job.provider)?.limits;
        let client = self.client(&job.provider)?;
        let generation_id = library.create_generation(&GenerationRequest {
            provider: job.provider.clone(),
            model: job.model.clone(),
            prompt: record_prompt,
            params: job.params.clone(),
        })?;
        let inputs: Vec<NewInput<'_>> = std::iter::once(&request.source)
            .chain(&request.references)
            .map(|i| NewInput {
                parent_id: i.library_id.as_deref(),
                bytes: &i.bytes,
            })
            .collect();
        let recorded = library.record_derivation(&NewDerivation {
            generation_id: &generation_id,
            operation: &request.operation,
            inputs,
            mask: request.mask.as_deref(),
        });
        if let Err(e) = recorded {
            // Nothing was sent: the generation ends as failed, with the reason.
            if let Err(failed) = library.fail_generation(&generation_id, &e) {
                tracing::warn!(error = %failed, "could not record a failed edit");
            }
            return Err(e);
        }
        let work = Work::Edit(Box::new(request));
        Ok(self.jobs.submit(&job.provider, limits, move |ctx| {
            run_generation(ctx, client, library, work, generation_id, None, parents)
        }))
    }

    /// `n` variations of a library image (`n` None: the provider's default count). The
    /// provider is the image's own unless `provider` says otherwise; the model is `model`,
    /// else the image's when it offers variations, else the provider's first that does.
    pub fn vary(
        &self,
        image_id: &str,
        n: Option<u32>,
        provider: Option<&str>,
        model: Option<&str>,
    ) -> Result<JobId> {
        let detail = self.library().image(image_id)?;
        let provider = provider.unwrap_or(&detail.summary.provider).to_owned();
        let operation = EditOperation::Variation;
        let chosen = match model {
            Some(m) => catalog::model(&provider, m)?,
            None => catalog::edit_model(&provider, Some(&detail.summary.model), operation.name())?,
        };
        let spec = chosen.edit_spec(operation.name())?;
        if n.is_some() && !spec.parameters.iter().any(|p| p.name == "n") {
            return Err(Error::InvalidInput(format!(
                "{} makes a fixed number of variations; leave out -n.",
                chosen.label
            )));
        }
        self.edit(EditJob {
            provider,
            model: chosen.id.clone(),
            operation,
            prompt: String::new(),
            image_id: image_id.to_owned(),
            references: Vec::new(),
            mask: None,
            params: GenerationParams {
                n,
                ..GenerationParams::default()
            },
        })
    }
}

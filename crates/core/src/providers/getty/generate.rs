//! Generating previews: POST the request once, poll until Getty is done, download every
//! preview at once. When the POST's outcome is unknown (a timeout, a connection lost after
//! sending, a 5xx), the generation history is asked whether Getty took it; only a single,
//! unambiguous match is followed, otherwise the user is told to check the account.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::client::{Answer, GettyClient, checked_id, preview_asset_id};
use super::failure::Operation;
use super::wire::{self, Generations, History, Pending};
use crate::catalog;
use crate::error::{Error, Result};
use crate::providers::http::{self, check_image, download_image};
use crate::providers::{LicenseStatus, ProviderAnswer, ProviderProgress, ReceivedImage};
use crate::request::GenerationRequest;

type ProgressFn<'a> = &'a (dyn Fn(ProviderProgress) + Send + Sync);

/// How far back the history is searched from the moment the POST left (clock skew).
const HISTORY_SLACK: chrono::Duration = chrono::Duration::minutes(2);

impl GettyClient {
    /// Generates previews for `req` (checked against the catalogue first).
    pub async fn generate(
        &self,
        req: &GenerationRequest,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProviderAnswer> {
        if req.provider != self.provider.id {
            return Err(Error::InvalidInput(format!(
                "This request is for provider \"{}\", not Getty Images.",
                req.provider
            )));
        }
        catalog::model(&self.provider.id, &req.model)?.validate(req)?;
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let body = wire::generation_body(req);
        let url = self.url("/v3/ai/image-generations");
        let sent_at = Utc::now();
        tracing::info!("sending a Getty image generation request");
        let posted = http::with_retries(
            &self.retry,
            cancel,
            progress,
            |attempt| progress(ProviderProgress::Sending { attempt }),
            || {
                self.call(
                    Operation::Generate,
                    &url,
                    &[],
                    Some(&body),
                    &[200, 202],
                    cancel,
                )
            },
        )
        .await;
        let answer = match posted {
            Ok(a) => self.finish(a, progress, cancel).await?,
            Err(Error::OutcomeUnknown { message }) => {
                let id = self
                    .find_in_history(&req.prompt, sent_at, &message, cancel)
                    .await?;
                tracing::info!("the generation history shows Getty took the request");
                self.wait_for(&id, progress, cancel).await?
            }
            Err(e) => return Err(e),
        };
        self.previews(answer, body, progress, cancel).await
    }

    /// Variations of a stored preview (`asset_id` as kept with it): a new generation.
    pub async fn variations(
        &self,
        asset_id: &str,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProviderAnswer> {
        // `ImageVariationRequest` has only optional fields.
        self.variations_with(asset_id, json!({}), progress, cancel)
            .await
    }

    /// Variations with an `ImageVariationRequest` body (product id, project code, notes).
    pub(super) async fn variations_with(
        &self,
        asset_id: &str,
        body: Value,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProviderAnswer> {
        let (id, index) = super::client::parse_asset_id(asset_id)?;
        let url = self.url(&format!(
            "/v3/ai/image-generations/{id}/images/{index}/variations"
        ));
        let answer = http::with_retries(
            &self.retry,
            cancel,
            progress,
            |attempt| progress(ProviderProgress::Sending { attempt }),
            || {
                self.call(
                    Operation::Variations,
                    &url,
                    &[],
                    Some(&body),
                    &[202],
                    cancel,
                )
            },
        )
        .await?;
        let done = self.finish(answer, progress, cancel).await?;
        self.previews(done, json!({"variations_of": asset_id}), progress, cancel)
            .await
    }

    /// From the POST's answer to the finished generation: 200 is already done (the older
    /// contract allows it), 202 names the id to poll.
    pub(super) async fn finish(
        &self,
        answer: Answer,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<Generations> {
        if answer.status == 200 {
            return parse(&answer.body, "the generation answer");
        }
        let pending: Pending = parse(&answer.body, "the generation answer")?;
        let id = pending
            .generation_request_id
            .ok_or_else(|| Error::OutcomeUnknown {
                message: "Getty Images accepted the request but sent no generation id.".to_owned(),
            })?;
        let id =
            checked_id(&id, "The generation id Getty sent").map_err(|e| Error::OutcomeUnknown {
                message: e.to_string(),
            })?;
        self.wait_for(&id, progress, cancel).await
    }

    async fn wait_for(
        &self,
        id: &str,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<Generations> {
        let url = self.url(&format!("/v3/ai/image-generations/{id}"));
        let done = self
            .poll_until_done(
                Operation::Poll,
                &url,
                &format!("generation {id}"),
                progress,
                cancel,
            )
            .await?;
        parse(&done.body, "the finished generation")
    }

    /// The id of the generation Getty made from this POST, if its history shows exactly one
    /// made from the same prompt since it was sent; else the outcome stays unknown.
    async fn find_in_history(
        &self,
        prompt: &str,
        sent_at: DateTime<Utc>,
        why: &str,
        cancel: &CancellationToken,
    ) -> Result<String> {
        let unknown = |detail: &str| Error::OutcomeUnknown {
            message: format!("{why} {detail}"),
        };
        let since = (sent_at - HISTORY_SLACK).to_rfc3339_opts(SecondsFormat::Secs, true);
        let url = self.url("/v3/ai/generation-history");
        let query = [("date_start", since), ("page_size", "100".to_owned())];
        let quiet = |_: ProviderProgress| {};
        let looked = http::with_retries(
            &self.retry,
            cancel,
            &quiet,
            |_| {},
            || self.call(Operation::History, &url, &query, None, &[200], cancel),
        )
        .await;
        let answer = match looked {
            Ok(a) => a,
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => {
                return Err(unknown(&format!(
                    "Getty's generation history could not be checked either ({}).",
                    e.code()
                )));
            }
        };
        let history: History = parse(&answer.body, "the generation history")
            .map_err(|_| unknown("Getty's generation history could not be read."))?;
        let matches: Vec<String> = history
            .generations
            .unwrap_or_default()
            .into_iter()
            .filter(|g| g.prompt.as_deref() == Some(prompt))
            .filter(|g| {
                g.generation_type
                    .as_deref()
                    .is_none_or(|t| t == "text_to_image")
            })
            .filter(|g| {
                g.generation_date
                    .as_deref()
                    .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                    .is_none_or(|d| d >= sent_at - HISTORY_SLACK)
            })
            .filter_map(|g| g.generation_request_id)
            .collect();
        match matches.as_slice() {
            [one] => checked_id(one, "The generation id in the history")
                .map_err(|_| unknown("Getty's generation history holds an unusable id.")),
            [] => Err(unknown(
                "Getty's generation history shows no generation of this prompt yet.",
            )),
            _ => Err(unknown(
                "Getty's generation history shows several generations of this prompt.",
            )),
        }
    }

    /// Downloads every result's preview at once; blocked results have none and are counted.
    pub(super) async fn previews(
        &self,
        done: Generations,
        params_sent: Value,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProviderAnswer> {
        let id = done
            .generation_request_id
            .clone()
            .ok_or_else(|| Error::BadResponse {
                message: "the finished generation carries no generation id.".to_owned(),
            })?;
        let id = checked_id(&id, "The finished generation's id")?;
        let results = done.results.unwrap_or_default();
        let total = results.len();
        let mut blocked = 0usize;
        let mut images = Vec::with_capacity(total);
        for (position, result) in results.into_iter().enumerate() {
            let index = result
                .index
                .unwrap_or_else(|| u32::try_from(position).unwrap_or(u32::MAX));
            if result.is_blocked {
                blocked += 1;
                continue;
            }
            let url = result.best_url().ok_or_else(|| Error::BadResponse {
                message: format!("result {index} has no preview URL."),
            })?;
            let bytes = http::with_retries(
                &self.retry,
                cancel,
                progress,
                |_| progress(ProviderProgress::Downloading { index }),
                || download_image(&self.http, url, self.limits.max_image_bytes),
            )
            .await?;
            check_image(&bytes, index)?;
            images.push(ReceivedImage {
                bytes,
                seed: done.seed,
                asset_id: Some(preview_asset_id(&id, index)),
                license_status: LicenseStatus::Preview,
                ..ReceivedImage::default()
            });
        }
        if images.is_empty() {
            return Err(if blocked > 0 {
                Error::RejectedBySafety {
                    message: format!(
                        "Getty blocked all {blocked} results under its AI generation policy."
                    ),
                }
            } else {
                Error::BadResponse {
                    message: "the finished generation holds no images.".to_owned(),
                }
            });
        }
        Ok(ProviderAnswer {
            request_id: Some(id),
            usage: Some(json!({"results": total, "blocked_results": blocked})),
            images,
            params_sent,
            ..ProviderAnswer::default()
        })
    }
}

pub(super) fn parse<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::BadResponse {
        message: format!("{what} is not in the documented shape ({e})."),
    })
}

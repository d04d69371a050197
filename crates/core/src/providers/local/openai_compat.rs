//! "OpenAI-compatible" image servers (LocalAI, stable-diffusion.cpp, Ollama and the like,
//! see `openai-compat-local-notes.md`). Each implements a different subset of
//! `/images/generations`, so the endpoint's capability flags say what may be sent. Easel
//! always asks for base64 where the server takes `response_format`, and still accepts a URL
//! (fetched at once). With `partial_images`, the answer is streamed as server-sent events
//! (`openai-images.yaml`) and the partial images are shown as previews.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::{Access, MAX_IMAGE, check_request, once};
use crate::endpoints::{CompatCapabilities, EndpointKind};
use crate::error::{Error, Result};
use crate::license::Checkpoint;
use crate::providers::http::{check_image, decode_b64, download_image, sse};
use crate::providers::{
    BoxFuture, ImageProvider, PreviewFrame, Progress, ProviderAnswer, ProviderProgress,
    ReceivedImage,
};
use crate::request::{GenerationParams, GenerationRequest};

pub struct CompatClient {
    access: Access,
    caps: CompatCapabilities,
}

impl CompatClient {
    pub fn new(access: Access, caps: CompatCapabilities) -> CompatClient {
        CompatClient { access, caps }
    }

    fn refuse(&self, what: &str) -> Error {
        Error::InvalidInput(format!(
            "{} (an OpenAI-compatible server, preset \"{}\") does not take {what}; leave it out, or change the endpoint's capabilities if the server does.",
            self.access.name, self.caps.preset
        ))
    }

    /// The request body, sending only what the endpoint takes.
    fn body(&self, req: &GenerationRequest) -> Result<(Value, GenerationParams)> {
        let p = check_request(EndpointKind::OpenaiCompatible, req)?;
        let c = &self.caps;
        let mut body = Map::new();
        let mut used = GenerationParams::default();
        body.insert("model".into(), json!(req.model));
        let prompt = match &p.negative_prompt {
            Some(neg) if c.negative_prompt_after_bar => {
                used.negative_prompt = Some(neg.clone());
                // LocalAI splits the prompt at '|': a '|' in the prompt itself would move text.
                format!("{}|{neg}", req.prompt.replace('|', " "))
            }
            Some(_) => return Err(self.refuse("a negative prompt")),
            None => req.prompt.clone(),
        };
        body.insert("prompt".into(), json!(prompt));
        if p.n > 1 {
            if !c.n {
                return Err(self.refuse("n above 1"));
            }
            body.insert("n".into(), json!(p.n));
            used.n = Some(p.n);
        }
        if let (Some(w), Some(h)) = (p.width, p.height) {
            if !c.size {
                return Err(self.refuse("a size"));
            }
            body.insert("size".into(), json!(format!("{w}x{h}")));
            used.size = Some(format!("{w}x{h}"));
        }
        if let Some(steps) = p.steps {
            if !c.step {
                return Err(self.refuse("steps"));
            }
            body.insert("step".into(), json!(steps));
            used.extra.insert("steps".into(), json!(steps));
        }
        if c.response_format {
            body.insert("response_format".into(), json!("b64_json"));
        }
        if c.partial_images > 0 {
            body.insert("stream".into(), json!(true));
            body.insert("partial_images".into(), json!(c.partial_images.min(3)));
        }
        Ok((Value::Object(body), used))
    }

    async fn generate_images(
        &self,
        req: &GenerationRequest,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProviderAnswer> {
        let (body, used) = self.body(req)?;
        progress(ProviderProgress::Sending { attempt: 1 });
        let a = &self.access;
        let builder = a
            .authorize(a.http.post(a.url("/images/generations")))
            .json(&body);
        let resp = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Error::Cancelled),
            r = builder.send() => r.map_err(|e| a.transport(e, "Sending the request").error)?,
        };
        let status = resp.status();
        if !status.is_success() {
            let bytes = resp.bytes().await.unwrap_or_default();
            return Err(a.status_failure(status, &bytes, "image generation").error);
        }
        progress(ProviderProgress::Receiving);
        let streamed = sse::is_event_stream(&resp);
        let items = if streamed {
            self.read_stream(resp, progress, cancel).await?
        } else {
            let bytes = once(cancel, async {
                crate::providers::http::read_capped(resp, 512 * 1024 * 1024, "The server's answer")
                    .await
            })
            .await?;
            let answer: ImagesAnswer = super::parse(&bytes, "image generation")?;
            answer.data
        };
        if items.is_empty() {
            return Err(Error::BadResponse {
                message: "the answer contains no images.".into(),
            });
        }
        let mut images = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            let bytes = match (item.b64_json, item.url) {
                (Some(b64), _) => decode_b64(&b64, MAX_IMAGE, index)?,
                (None, Some(url)) => {
                    progress(ProviderProgress::Downloading { index });
                    let url = self.absolute(&url);
                    once(cancel, download_image(&a.http, &url, MAX_IMAGE)).await?
                }
                (None, None) => {
                    return Err(Error::BadResponse {
                        message: format!("image {index} has neither b64_json nor url."),
                    });
                }
            };
            check_image(&bytes, index)?;
            images.push(ReceivedImage {
                bytes,
                revised_prompt: item.revised_prompt,
                ..ReceivedImage::default()
            });
        }
        Ok(ProviderAnswer {
            request_id: None,
            usage: None,
            images,
            params_sent: body,
            params_used: Some(used),
            checkpoint: Some(Checkpoint::named(&req.model)),
        })
    }

    /// A URL the server answered with, made absolute against the server (LocalAI answers
    /// its own base URL, which may be a relative path behind a proxy).
    fn absolute(&self, url: &str) -> String {
        if url.starts_with("http://") || url.starts_with("https://") {
            return url.to_owned();
        }
        match reqwest::Url::parse(&format!("{}/", self.access.base_url))
            .and_then(|base| base.join(url))
        {
            Ok(u) => u.to_string(),
            Err(_) => url.to_owned(),
        }
    }

    /// Server-sent events: `image_generation.partial_image` (a preview) until
    /// `image_generation.completed` (the image).
    async fn read_stream(
        &self,
        resp: reqwest::Response,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<Vec<WireImage>> {
        let total = u32::from(self.caps.partial_images.min(3));
        let mut done = Vec::new();
        sse::read_events(resp, 512 * 1024 * 1024, cancel, |data| {
            let ev: StreamEvent = serde_json::from_value(data).map_err(|e| Error::BadResponse {
                message: format!("a streamed event is not in the documented shape ({e})."),
            })?;
            match ev.kind.as_str() {
                "image_generation.partial_image" => {
                    let step = ev.partial_image_index.unwrap_or(0).saturating_add(1);
                    let preview = ev
                        .b64_json
                        .as_deref()
                        .and_then(|b| decode_b64(b, MAX_IMAGE, 0).ok())
                        .filter(|b| check_image(b, 0).is_ok())
                        .map(PreviewFrame::new);
                    progress(ProviderProgress::Rendering {
                        step,
                        total: total.max(step),
                        eta: None,
                        preview,
                    });
                }
                "image_generation.completed" => done.push(WireImage {
                    b64_json: ev.b64_json,
                    url: None,
                    revised_prompt: None,
                }),
                "error" => {
                    return Err(Error::Provider {
                        status: 200,
                        message: ev
                            .error
                            .and_then(|e| {
                                e.get("message").and_then(Value::as_str).map(str::to_owned)
                            })
                            .unwrap_or_else(|| "the stream ended with an error.".into()),
                    });
                }
                _ => {}
            }
            Ok(())
        })
        .await?;
        Ok(done)
    }

    async fn models(&self, cancel: &CancellationToken) -> Result<Vec<String>> {
        if !self.caps.models_listing {
            return Err(Error::InvalidInput(format!(
                "{} does not list its models (preset \"{}\"); name the model with --model.",
                self.access.name, self.caps.preset
            )));
        }
        let a = &self.access;
        let list: ModelList = once(
            cancel,
            a.json(a.http.get(a.url("/models")), "listing the models"),
        )
        .await?;
        Ok(list.data.into_iter().map(|m| m.id).collect())
    }
}

impl ImageProvider for CompatClient {
    fn generate<'a>(
        &'a self,
        req: &'a GenerationRequest,
        progress: Progress<'a>,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ProviderAnswer>> {
        Box::pin(self.generate_images(req, progress, cancel))
    }

    fn list_models<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(self.models(cancel))
    }

    fn check_credentials<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            if !self.caps.models_listing {
                return Ok(false);
            }
            self.models(cancel).await.map(|_| true)
        })
    }

    fn name(&self) -> &str {
        &self.access.name
    }
}

#[derive(Deserialize)]
struct ImagesAnswer {
    #[serde(default)]
    data: Vec<WireImage>,
}

#[derive(Deserialize)]
struct WireImage {
    #[serde(default)]
    b64_json: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    revised_prompt: Option<String>,
}

#[derive(Deserialize)]
struct StreamEvent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    b64_json: Option<String>,
    #[serde(default)]
    partial_image_index: Option<u32>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct ModelList {
    data: Vec<ModelItem>,
}

#[derive(Deserialize)]
struct ModelItem {
    id: String,
}

//! ComfyUI (see `comfyui-api-notes.md`): an API-format workflow is posted to `/prompt`;
//! progress, preview frames and completion come over `/ws?clientId=`, which is opened
//! before posting with the same client id so that no event is missed; the images are then
//! listed by `/history/{prompt_id}` and fetched from `/view`. Calls come from Rust only
//! (ComfyUI refuses browser origins).

mod frames;
pub mod workflow;

use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_util::sync::CancellationToken;

pub use workflow::{InputRef, Workflow, WorkflowMapping};

use super::{Access, MAX_IMAGE, check_request, choose_seed, once};
use crate::endpoints::EndpointKind;
use crate::error::{Error, Result};
use crate::license::Checkpoint;
use crate::providers::http::check_image;
use crate::providers::{
    BoxFuture, ImageProvider, PreviewFrame, Progress, ProviderAnswer, ProviderProgress,
    ReceivedImage,
};
use crate::request::{GenerationParams, GenerationRequest};

/// How long to wait for ComfyUI's first event once its socket is open.
const SOCKET_REGISTERED_WITHIN: std::time::Duration = std::time::Duration::from_secs(3);
/// After this long without an event, the job's history says whether it ended: a socket whose
/// events go astray (a proxy, a fork, a server restarted) must not leave a job waiting forever.
const SILENCE_BEFORE_ASKING: std::time::Duration = std::time::Duration::from_secs(5);

pub struct ComfyClient {
    access: Access,
    workflows: Vec<Workflow>,
}

impl ComfyClient {
    pub fn new(access: Access, workflows: Vec<Workflow>) -> ComfyClient {
        ComfyClient { access, workflows }
    }

    fn workflow(&self, name: Option<&str>) -> Result<Workflow> {
        match name {
            None => workflow::built_in(),
            Some(n) if n == workflow::BUILT_IN => workflow::built_in(),
            Some(n) => self
                .workflows
                .iter()
                .find(|w| w.name == n)
                .cloned()
                .ok_or_else(|| {
                    let mut names = vec![workflow::BUILT_IN.to_owned()];
                    names.extend(self.workflows.iter().map(|w| w.name.clone()));
                    Error::InvalidInput(format!(
                        "{} has no workflow \"{n}\"; it has {}.",
                        self.access.name,
                        names.join(", ")
                    ))
                }),
        }
    }

    async fn checkpoints(&self, cancel: &CancellationToken) -> Result<Vec<String>> {
        let a = &self.access;
        let info: Value = once(
            cancel,
            a.json(
                a.http.get(a.url("/object_info/CheckpointLoaderSimple")),
                "listing the checkpoints",
            ),
        )
        .await?;
        let choices = &info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"];
        // Older servers: [[names...]]; newer: ["COMBO", {"options": [names...]}].
        let list = match (&choices[0], &choices[1]["options"]) {
            (Value::Array(a), _) => a.clone(),
            (_, Value::Array(a)) => a.clone(),
            _ => {
                return Err(Error::BadResponse {
                    message: "ComfyUI's object_info for CheckpointLoaderSimple lists no ckpt_name choices.".into(),
                });
            }
        };
        Ok(list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect())
    }

    fn ws_url(&self, client_id: &str) -> Result<String> {
        let base = &self.access.base_url;
        let ws = if let Some(rest) = base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            return Err(Error::InvalidInput(format!(
                "The endpoint URL {base} is not http(s)."
            )));
        };
        Ok(format!("{ws}/ws?clientId={client_id}"))
    }

    /// Opens `/ws` with our client id and waits for ComfyUI's first event on it.
    async fn open_socket(
        &self,
        client_id: &str,
    ) -> Result<
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
    > {
        let mut request = self
            .ws_url(client_id)?
            .into_client_request()
            .map_err(|e| Error::InvalidInput(format!("The WebSocket URL is not usable: {e}")))?;
        if let Some(auth) = self.access.authorization_header()
            && let Ok(v) = auth.parse()
        {
            request.headers_mut().insert("authorization", v);
        }
        let connect = tokio_tungstenite::connect_async(request);
        match tokio::time::timeout(std::time::Duration::from_secs(10), connect).await {
            Ok(Ok((mut ws, _))) => {
                // ComfyUI registers the socket under our client id only after the handshake,
                // then says so with a `status` event: a prompt posted before that event may
                // run with its progress sent to nobody.
                let registered = tokio::time::timeout(SOCKET_REGISTERED_WITHIN, ws.next()).await;
                match registered {
                    Ok(Some(Ok(_))) => {}
                    Ok(Some(Err(e))) => {
                        return Err(Error::EngineUnreachable {
                            message: format!("ComfyUI's progress socket failed: {e}"),
                        });
                    }
                    Ok(None) => {
                        return Err(Error::EngineUnreachable {
                            message: format!(
                                "ComfyUI at {} closed its progress socket as soon as it opened it.",
                                self.access.base_url
                            ),
                        });
                    }
                    // Some proxies or forks stay silent: go on, at worst without previews.
                    Err(_) => tracing::warn!("ComfyUI sent no status on its progress socket"),
                }
                Ok(ws)
            }
            Ok(Err(tokio_tungstenite::tungstenite::Error::Io(e)))
                if e.kind() == std::io::ErrorKind::ConnectionRefused =>
            {
                Err(self.access.down())
            }
            Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp)))
                if matches!(resp.status().as_u16(), 401 | 403) =>
            {
                Err(self
                    .access
                    .status_failure(resp.status(), b"", "opening the progress socket")
                    .error)
            }
            Ok(Err(e)) => Err(Error::EngineUnreachable {
                message: format!(
                    "ComfyUI at {} did not open its progress socket (/ws): {e}. Check that the endpoint is a ComfyUI and that a proxy in between passes WebSockets.",
                    self.access.base_url
                ),
            }),
            Err(_) => Err(Error::EngineUnreachable {
                message: format!(
                    "ComfyUI at {} did not open its progress socket within 10 s.",
                    self.access.base_url
                ),
            }),
        }
    }

    /// Stops our prompt and only ours: interrupts it if it is the one running now,
    /// otherwise takes it out of the queue.
    async fn stop(&self, prompt_id: &str) {
        let a = &self.access;
        let queue: Result<QueueAnswer, _> = a
            .json(a.http.get(a.url("/queue")), "reading the queue")
            .await;
        let running_ours = queue.as_ref().is_ok_and(|q| {
            q.queue_running
                .iter()
                .any(|item| item.get(1).and_then(Value::as_str) == Some(prompt_id))
        });
        let outcome = if running_ours {
            a.send(a.http.post(a.url("/interrupt")), "interrupting")
                .await
        } else {
            a.send(
                a.http
                    .post(a.url("/queue"))
                    .json(&json!({ "delete": [prompt_id] })),
                "removing the job from the queue",
            )
            .await
        };
        if let Err(f) = outcome {
            tracing::warn!(error = %f.error, "could not stop the job on ComfyUI");
        }
    }

    async fn generate_images(
        &self,
        req: &GenerationRequest,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProviderAnswer> {
        let p = check_request(EndpointKind::Comfyui, req)?;
        let seed = p.seed.unwrap_or_else(choose_seed);
        let wf = self.workflow(p.workflow.as_deref())?;
        let graph = workflow::fill(
            &wf,
            &workflow::Fill {
                prompt: &req.prompt,
                negative_prompt: p.negative_prompt.as_deref(),
                seed,
                width: p.width,
                height: p.height,
                batch_size: p.n,
                steps: p.steps,
                cfg: p.cfg_scale,
                sampler: p.sampler.as_deref(),
                scheduler: p.scheduler.as_deref(),
                checkpoint: &req.model,
            },
        )?;
        let client_id = uuid::Uuid::now_v7().simple().to_string();
        // The socket first, with the same client id: events of a fast job are not missed.
        let mut ws = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Error::Cancelled),
            r = self.open_socket(&client_id) => r?,
        };
        progress(ProviderProgress::Sending { attempt: 1 });
        let a = &self.access;
        let body = json!({ "prompt": graph, "client_id": client_id });
        let posted: Result<PromptAnswer> = once(
            cancel,
            a.json(
                a.http.post(a.url("/prompt")).json(&body),
                "queueing the workflow",
            ),
        )
        .await
        .map_err(|e| match e {
            Error::Provider {
                status: 400,
                message,
            } => Error::Workflow {
                message: format!("ComfyUI refused the workflow \"{}\": {message}", wf.name),
            },
            other => other,
        });
        let prompt_id = posted?.prompt_id;
        let mut run = Run::default();
        let outcome = loop {
            let msg = tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    self.stop(&prompt_id).await;
                    break Err(Error::Cancelled);
                }
                m = ws.next() => m,
                () = tokio::time::sleep(SILENCE_BEFORE_ASKING) => {
                    match self.ended(&prompt_id).await {
                        Some(Ok(())) => break Ok(()),
                        Some(Err(e)) => break Err(e),
                        None => continue,
                    }
                }
            };
            let msg = match msg {
                Some(Ok(m)) => m,
                Some(Err(e)) => {
                    break Err(Error::EngineUnreachable {
                        message: format!("ComfyUI's progress socket failed: {e}"),
                    });
                }
                None => {
                    break Err(Error::EngineUnreachable {
                        message: "ComfyUI closed its progress socket before the job finished (did it stop?).".into(),
                    });
                }
            };
            match msg {
                Message::Text(t) => match run.on_event(t.as_str(), &prompt_id, progress) {
                    Ok(true) => break Ok(()),
                    Ok(false) => {}
                    Err(e) => break Err(e),
                },
                Message::Binary(b) => run.on_frame(&b[..], &prompt_id, progress),
                Message::Close(_) => {
                    break Err(Error::EngineUnreachable {
                        message: "ComfyUI closed its progress socket before the job finished (did it stop?).".into(),
                    });
                }
                _ => {}
            }
        };
        let _ = ws.close(None).await;
        outcome?;
        progress(ProviderProgress::Receiving);
        let images = self.outputs(&prompt_id, cancel).await?;
        let used = params_used(&wf, &graph, p.n, p.negative_prompt.as_deref());
        let checkpoint = workflow::value_at(&graph, &wf.mapping, "checkpoint")
            .and_then(Value::as_str)
            .unwrap_or(&req.model);
        let images = images
            .into_iter()
            .map(|bytes| ReceivedImage {
                bytes,
                // A batch shares one seed in ComfyUI (the batch index varies the noise).
                seed: i64::try_from(seed).ok(),
                ..ReceivedImage::default()
            })
            .collect();
        Ok(ProviderAnswer {
            request_id: Some(prompt_id),
            usage: None,
            images,
            params_sent: json!({ "prompt": graph }),
            params_used: Some(used),
            checkpoint: Some(Checkpoint::named(checkpoint)),
        })
    }

    /// Whether our prompt has ended, from its history (`{}` until it has): None while it
    /// is queued or running, or when the history cannot be read now.
    async fn ended(&self, prompt_id: &str) -> Option<Result<()>> {
        let a = &self.access;
        let history: Value = a
            .json(
                a.http.get(a.url(&format!("/history/{prompt_id}"))),
                "reading the job's history",
            )
            .await
            .ok()?;
        let status = &history.get(prompt_id)?["status"];
        // Servers before the history had a status listed a prompt only once it succeeded.
        if status.is_null() || status["status_str"] == "success" {
            return Some(Ok(()));
        }
        let messages = status["messages"].as_array().cloned().unwrap_or_default();
        // The events it would have sent on the socket are kept in the history's messages.
        let mut run = Run::default();
        let silent: Progress<'_> = &|_| {};
        for m in &messages {
            let event = json!({"type": m[0], "data": m[1]}).to_string();
            match run.on_event(&event, prompt_id, silent) {
                Ok(true) => return Some(Ok(())),
                Ok(false) => {}
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Err(Error::Provider {
            status: 500,
            message: format!(
                "ComfyUI ended the job without success ({}).",
                status["status_str"].as_str().unwrap_or("no status")
            ),
        }))
    }

    /// The saved images of a finished prompt, from `/history` and `/view`.
    async fn outputs(&self, prompt_id: &str, cancel: &CancellationToken) -> Result<Vec<Vec<u8>>> {
        let a = &self.access;
        let history: Value = once(
            cancel,
            a.json(
                a.http.get(a.url(&format!("/history/{prompt_id}"))),
                "reading the job's history",
            ),
        )
        .await?;
        let outputs = history[prompt_id]["outputs"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut ids: Vec<&String> = outputs.keys().collect();
        ids.sort_by_key(|id| (id.parse::<u64>().unwrap_or(u64::MAX), (*id).clone()));
        let mut files: Vec<ImageRef> = Vec::new();
        for id in ids {
            if let Some(list) = outputs[id].get("images") {
                let refs: Vec<ImageRef> = serde_json::from_value(list.clone()).unwrap_or_default();
                files.extend(refs);
            }
        }
        // Saved outputs; temporary previews (PreviewImage nodes) only when nothing was saved.
        let saved: Vec<ImageRef> = files
            .iter()
            .filter(|f| f.kind == "output")
            .cloned()
            .collect();
        let files = if saved.is_empty() { files } else { saved };
        if files.is_empty() {
            return Err(Error::BadResponse {
                message: "ComfyUI finished the job but its history lists no images: does the workflow end in a Save Image node?".into(),
            });
        }
        let mut out = Vec::with_capacity(files.len());
        for (i, f) in files.iter().enumerate() {
            let bytes = once(
                cancel,
                a.send(
                    a.http.get(a.url("/view")).query(&[
                        ("filename", f.filename.as_str()),
                        ("subfolder", f.subfolder.as_str()),
                        ("type", f.kind.as_str()),
                    ]),
                    "fetching an image",
                ),
            )
            .await?;
            if bytes.len() as u64 > MAX_IMAGE {
                return Err(Error::BadResponse {
                    message: format!("image {i} is larger than the limit."),
                });
            }
            check_image(&bytes, u32::try_from(i).unwrap_or(u32::MAX))?;
            out.push(bytes);
        }
        Ok(out)
    }
}

/// Every parameter as the workflow ran it, so that running it again reproduces the image.
fn params_used(wf: &Workflow, graph: &Value, n: u32, negative: Option<&str>) -> GenerationParams {
    let at = |p: &str| workflow::value_at(graph, &wf.mapping, p);
    let mut used = GenerationParams {
        n: (n > 1).then_some(n),
        negative_prompt: negative.map(str::to_owned),
        seed: at("seed").and_then(Value::as_u64),
        ..GenerationParams::default()
    };
    if let (Some(w), Some(h)) = (
        at("width").and_then(Value::as_u64),
        at("height").and_then(Value::as_u64),
    ) {
        used.size = Some(format!("{w}x{h}"));
    }
    for (param, name) in [
        ("steps", "steps"),
        ("cfg", "cfg_scale"),
        ("sampler", "sampler"),
        ("scheduler", "scheduler"),
    ] {
        if let Some(v) = at(param).filter(|v| v.is_number() || v.is_string()) {
            used.extra.insert(name.to_owned(), v.clone());
        }
    }
    if wf.name != workflow::BUILT_IN {
        used.extra
            .insert("workflow".to_owned(), Value::from(wf.name.clone()));
    }
    used
}

/// What one prompt's run has shown so far.
#[derive(Default)]
struct Run {
    step: u32,
    total: u32,
    /// When the sampler reported its first step: the time left follows from the rate since.
    first_step: Option<(std::time::Instant, u32)>,
    progress_events: u32,
    previews: u32,
    said_no_previews: bool,
}

impl Run {
    /// Handles a text event; true when our prompt has finished.
    fn on_event(&mut self, text: &str, prompt_id: &str, progress: Progress<'_>) -> Result<bool> {
        let Ok(ev) = serde_json::from_str::<Event>(text) else {
            return Ok(false);
        };
        let data = &ev.data;
        let ours = data
            .get("prompt_id")
            .and_then(Value::as_str)
            .is_none_or(|id| id == prompt_id);
        if !ours {
            return Ok(false);
        }
        match ev.kind.as_str() {
            "progress" => {
                self.step = json_u32(&data["value"]);
                self.total = json_u32(&data["max"]);
                self.progress_events += 1;
                progress(ProviderProgress::Rendering {
                    step: self.step,
                    total: self.total,
                    eta: self.eta(),
                    preview: None,
                });
                if self.progress_events >= 3 && self.previews == 0 && !self.said_no_previews {
                    self.said_no_previews = true;
                    progress(ProviderProgress::NoPreviews {
                        reason: "ComfyUI sends no previews: start it with --preview-method auto (or taesd) to see the image take shape.".into(),
                    });
                }
                Ok(false)
            }
            "executing" => Ok(data.get("node").is_some_and(Value::is_null)
                && data.get("prompt_id").and_then(Value::as_str) == Some(prompt_id)),
            "execution_success" => Ok(true),
            "execution_error" => Err(Error::Provider {
                status: 500,
                message: format!(
                    "ComfyUI failed in node {} ({}): {}",
                    data["node_id"].as_str().unwrap_or("?"),
                    data["node_type"].as_str().unwrap_or("?"),
                    data["exception_message"]
                        .as_str()
                        .unwrap_or("no message")
                        .trim()
                ),
            }),
            "execution_interrupted" => Err(Error::Provider {
                status: 499,
                message:
                    "The job was interrupted on ComfyUI (by someone else, or from its own window)."
                        .into(),
            }),
            _ => Ok(false),
        }
    }

    /// ComfyUI reports no time left: it follows from the sampler's pace so far. A new
    /// sampler (a second pass) starts its own count.
    fn eta(&mut self) -> Option<std::time::Duration> {
        let now = std::time::Instant::now();
        match self.first_step {
            Some((_, first)) if self.step > first => {}
            _ => {
                self.first_step = Some((now, self.step));
                return None;
            }
        }
        let (start, first) = self.first_step?;
        let done = self.step - first;
        let left = self.total.saturating_sub(self.step);
        Some(
            now.duration_since(start)
                .mul_f64(f64::from(left) / f64::from(done)),
        )
    }

    fn on_frame(&mut self, data: &[u8], prompt_id: &str, progress: Progress<'_>) {
        let Some(frames::Frame::Preview {
            image,
            prompt_id: of,
        }) = frames::parse(data)
        else {
            return;
        };
        if of.as_deref().is_some_and(|id| id != prompt_id) || image.len() as u64 > MAX_IMAGE {
            return;
        }
        if check_image(image, 0).is_err() {
            return;
        }
        self.previews += 1;
        progress(ProviderProgress::Rendering {
            step: self.step,
            total: self.total,
            eta: None,
            preview: Some(PreviewFrame::new(image.to_vec())),
        });
    }
}

fn json_u32(v: &Value) -> u32 {
    v.as_u64()
        .or_else(|| v.as_f64().map(|f| f.max(0.0) as u64))
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

impl ImageProvider for ComfyClient {
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
        Box::pin(self.checkpoints(cancel))
    }

    fn check_credentials<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move { self.checkpoints(cancel).await.map(|_| true) })
    }

    fn name(&self) -> &str {
        &self.access.name
    }
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Value,
}

#[derive(Deserialize)]
struct PromptAnswer {
    prompt_id: String,
}

#[derive(Deserialize, Default)]
struct QueueAnswer {
    #[serde(default)]
    queue_running: Vec<Vec<Value>>,
}

#[derive(Debug, Clone, Deserialize)]
struct ImageRef {
    filename: String,
    #[serde(default)]
    subfolder: String,
    #[serde(rename = "type", default = "output_kind")]
    kind: String,
}

fn output_kind() -> String {
    "output".into()
}

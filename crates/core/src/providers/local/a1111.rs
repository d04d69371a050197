//! AUTOMATIC1111 / Forge (`/sdapi/v1`, see `a1111-api-notes.md`). It is one global server:
//! `progress` and `interrupt` act on whatever runs, so Easel shows previews and interrupts
//! only while the running job is its own, and never changes the server's settings (its
//! loaded checkpoint) unless the request asks to.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::{Access, EngineParams, MAX_IMAGE, check_request, choose_seed, once};
use crate::endpoints::EndpointKind;
use crate::error::{Error, Result};
use crate::license::Checkpoint;
use crate::providers::http::{check_image, decode_b64};
use crate::providers::{
    BoxFuture, ImageProvider, PreviewFrame, Progress, ProviderAnswer, ProviderProgress,
    ReceivedImage,
};
use crate::request::{GenerationParams, GenerationRequest};

pub struct A1111Client {
    access: Access,
}

impl A1111Client {
    pub fn new(access: Access) -> A1111Client {
        A1111Client { access }
    }

    async fn models(&self, cancel: &CancellationToken) -> Result<Vec<SdModel>> {
        let a = &self.access;
        once(
            cancel,
            a.json(
                a.http.get(a.url("/sdapi/v1/sd-models")),
                "listing the checkpoints",
            ),
        )
        .await
    }

    /// The checkpoint the server has loaded now (its title), if it says.
    async fn loaded(&self, cancel: &CancellationToken) -> Result<Option<String>> {
        let a = &self.access;
        let options: Map<String, Value> = once(
            cancel,
            a.json(
                a.http.get(a.url("/sdapi/v1/options")),
                "reading the server's options",
            ),
        )
        .await?;
        Ok(options
            .get("sd_model_checkpoint")
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    async fn progress_now(&self, skip_image: bool) -> Result<ProgressAnswer> {
        let a = &self.access;
        let url = a.url(&format!(
            "/sdapi/v1/progress?skip_current_image={skip_image}"
        ));
        a.json(
            a.http.get(url).timeout(Duration::from_secs(10)),
            "reading the progress",
        )
        .await
        .map_err(|f| f.error)
    }

    async fn interrupt(&self) -> Result<()> {
        let a = &self.access;
        a.send(a.http.post(a.url("/sdapi/v1/interrupt")), "interrupting")
            .await
            .map(|_| ())
            .map_err(|f| f.error)
    }

    async fn generate_images(
        &self,
        req: &GenerationRequest,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<ProviderAnswer> {
        let params = check_request(EndpointKind::A1111, req)?;
        let seed = params.seed.unwrap_or_else(choose_seed);
        let models = self.models(cancel).await?;
        let chosen = find_model(&models, &req.model).ok_or_else(|| {
            let titles: Vec<&str> = models.iter().map(|m| m.title.as_str()).collect();
            Error::InvalidInput(format!(
                "{} has no checkpoint \"{}\". It has: {}.",
                self.access.name,
                req.model,
                if titles.is_empty() {
                    "none".to_owned()
                } else {
                    titles.join(", ")
                }
            ))
        })?;
        let loaded = self.loaded(cancel).await?;
        let is_loaded = loaded
            .as_deref()
            .is_some_and(|l| find_model(std::slice::from_ref(chosen), l).is_some());
        if !is_loaded && !params.switch_checkpoint {
            return Err(Error::InvalidInput(format!(
                "{} has {} loaded, not {}. Easel does not change the checkpoint of a shared server unless asked: choose the loaded one, or ask for the switch (--param switch_checkpoint=true; Forge then keeps {} loaded for everyone).",
                self.access.name,
                loaded.as_deref().unwrap_or("no checkpoint"),
                chosen.title,
                chosen.title
            )));
        }
        let task_id = format!("easel-{}", uuid::Uuid::now_v7().simple());
        let body = request_body(
            req,
            &params,
            seed,
            &task_id,
            (!is_loaded).then_some(chosen.title.as_str()),
        );
        // What the server was doing before we asked: a job that starts after our request is
        // ours only if the server was idle (A1111 does not name the task it runs; Forge does).
        let before = self.progress_now(true).await?;
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        progress(ProviderProgress::Sending { attempt: 1 });
        let a = &self.access;
        let post = a.json::<Txt2ImgAnswer>(
            a.http.post(a.url("/sdapi/v1/txt2img")).json(&body),
            "generating (txt2img)",
        );
        tokio::pin!(post);
        let mut watch = Watch::new(&before, &task_id);
        let mut ticker = tokio::time::interval(a.poll_every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let answer = loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    if watch.ours_running {
                        // Our own job runs: stopping it stops nothing of anyone else's.
                        if let Err(e) = self.interrupt().await {
                            tracing::warn!(error = %e, "could not interrupt the engine");
                        }
                    } else {
                        tracing::info!("cancelled before our job ran on the shared server; not interrupting whatever runs");
                    }
                    return Err(Error::Cancelled);
                }
                r = &mut post => break r.map_err(|f| f.error)?,
                _ = ticker.tick() => {
                    match self.progress_now(false).await {
                        Ok(p) => watch.observe(&p, progress),
                        Err(e) => tracing::debug!(error = %e, "progress not available"),
                    }
                }
            }
        };
        progress(ProviderProgress::Receiving);
        self.answer(req, &params, seed, chosen, answer, body)
    }

    fn answer(
        &self,
        req: &GenerationRequest,
        params: &EngineParams,
        seed: u64,
        model: &SdModel,
        answer: Txt2ImgAnswer,
        sent: Value,
    ) -> Result<ProviderAnswer> {
        // `info` is a JSON string (empty on stable-diffusion.cpp's sdapi).
        let info: Info = serde_json::from_str(&answer.info).unwrap_or_default();
        let mut b64s = answer.images.unwrap_or_default();
        // A1111 may put a grid of the batch first.
        let first = info.index_of_first_image.unwrap_or(0);
        if first > 0 && first < b64s.len() {
            b64s.drain(..first);
        }
        if b64s.is_empty() {
            return Err(Error::BadResponse {
                message: "txt2img answered without images (is send_images off on the server?)."
                    .into(),
            });
        }
        let mut images = Vec::with_capacity(b64s.len());
        for (i, b64) in b64s.iter().enumerate() {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            let bytes = decode_b64(strip_data_prefix(b64), MAX_IMAGE, index)?;
            check_image(&bytes, index)?;
            let image_seed = info
                .all_seeds
                .get(i)
                .copied()
                .or(info.seed)
                .unwrap_or(seed as i64 + i as i64);
            images.push(ReceivedImage {
                bytes,
                seed: Some(image_seed),
                ..ReceivedImage::default()
            });
        }
        let infotext = info.infotexts.first().cloned().unwrap_or_default();
        let fields = infotext_fields(&infotext);
        let mut used = GenerationParams {
            n: (params.n > 1).then_some(params.n),
            negative_prompt: params.negative_prompt.clone(),
            seed: Some(info.seed.map_or(seed, |s| s as u64)),
            ..GenerationParams::default()
        };
        let (w, h) = (
            info.width.or(params.width).unwrap_or(512),
            info.height.or(params.height).unwrap_or(512),
        );
        used.size = Some(format!("{w}x{h}"));
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                used.extra.insert(k.to_owned(), v);
            }
        };
        put("steps", info.steps.or(params.steps).map(Value::from));
        put(
            "cfg_scale",
            info.cfg_scale.or(params.cfg_scale).map(Value::from),
        );
        put(
            "sampler",
            info.sampler_name
                .clone()
                .or_else(|| params.sampler.clone())
                .map(Value::from),
        );
        put(
            "scheduler",
            fields
                .get("Schedule type")
                .cloned()
                .or_else(|| params.scheduler.clone())
                .map(Value::from),
        );
        if params.switch_checkpoint {
            put("switch_checkpoint", Some(Value::Bool(true)));
        }
        let checkpoint = Checkpoint {
            name: info
                .sd_model_name
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| model.model_name.clone()),
            title: Some(model.title.clone()),
            hash: info
                .sd_model_hash
                .clone()
                .filter(|h| !h.is_empty())
                .or_else(|| model.hash.clone()),
            sha256: model.sha256.clone(),
        };
        let _ = req;
        Ok(ProviderAnswer {
            request_id: None,
            usage: None,
            images,
            params_sent: sent,
            params_used: Some(used),
            checkpoint: Some(checkpoint),
        })
    }
}

impl ImageProvider for A1111Client {
    fn generate<'a>(
        &'a self,
        req: &'a GenerationRequest,
        progress: Progress<'a>,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ProviderAnswer>> {
        Box::pin(self.generate_images(req, progress, cancel))
    }

    /// The server's checkpoints by title, the loaded one first.
    fn list_models<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            let models = self.models(cancel).await?;
            let loaded = self.loaded(cancel).await.ok().flatten();
            let mut titles: Vec<String> = models.iter().map(|m| m.title.clone()).collect();
            if let Some(l) = loaded
                && let Some(i) = models
                    .iter()
                    .position(|m| find_model(std::slice::from_ref(m), &l).is_some())
            {
                let t = titles.remove(i);
                titles.insert(0, t);
            }
            Ok(titles)
        })
    }

    fn check_credentials<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move { self.models(cancel).await.map(|_| true) })
    }

    fn name(&self) -> &str {
        &self.access.name
    }
}

/// Follows the global progress and decides whether the running job is ours.
struct Watch<'a> {
    task_id: &'a str,
    idle_before: bool,
    timestamp_before: Option<String>,
    /// The job timestamp taken to be ours (A1111, which does not name tasks).
    ours_timestamp: Option<String>,
    ours_running: bool,
    steps_seen: u32,
    previews_seen: u32,
    said_no_previews: bool,
    last: Option<(u32, u32)>,
}

impl<'a> Watch<'a> {
    fn new(before: &ProgressAnswer, task_id: &'a str) -> Watch<'a> {
        Watch {
            task_id,
            idle_before: before.state.job_count.unwrap_or(0) == 0 && before.current_task.is_none(),
            timestamp_before: before.state.job_timestamp.clone(),
            ours_timestamp: None,
            ours_running: false,
            steps_seen: 0,
            previews_seen: 0,
            said_no_previews: false,
            last: None,
        }
    }

    fn is_ours(&mut self, p: &ProgressAnswer) -> bool {
        if p.state.job_count.unwrap_or(0) == 0 {
            return false;
        }
        if let Some(task) = &p.current_task {
            // Forge names the task that runs.
            return task == self.task_id;
        }
        let ts = p.state.job_timestamp.clone();
        match &self.ours_timestamp {
            Some(mine) => ts.as_ref() == Some(mine),
            None if self.idle_before && ts != self.timestamp_before => {
                self.ours_timestamp = ts;
                true
            }
            None => false,
        }
    }

    fn observe(&mut self, p: &ProgressAnswer, progress: Progress<'_>) {
        self.ours_running = self.is_ours(p);
        if !self.ours_running {
            return;
        }
        let total = p.state.sampling_steps.unwrap_or(0);
        let step = p.state.sampling_step.unwrap_or(0);
        let preview = p
            .current_image
            .as_deref()
            .and_then(|b64| decode_b64(strip_data_prefix(b64), MAX_IMAGE, 0).ok())
            .filter(|b| check_image(b, 0).is_ok())
            .map(PreviewFrame::new);
        if total > 0 {
            self.steps_seen += 1;
        }
        if preview.is_some() {
            self.previews_seen += 1;
        }
        if self.last == Some((step, total)) && preview.is_none() {
            return;
        }
        self.last = Some((step, total));
        let eta = (p.eta_relative.is_finite() && p.eta_relative > 0.0)
            .then(|| Duration::from_secs_f64(p.eta_relative.min(86_400.0)));
        progress(ProviderProgress::Rendering {
            step,
            total,
            eta,
            preview,
        });
        if self.steps_seen >= 3 && self.previews_seen == 0 && !self.said_no_previews {
            self.said_no_previews = true;
            progress(ProviderProgress::NoPreviews {
                reason: "The WebUI sends no live previews: turn on Settings → Live previews → \"Show live previews of the created image\" to see them here.".into(),
            });
        }
    }
}

fn strip_data_prefix(b64: &str) -> &str {
    match b64.split_once(";base64,") {
        Some((head, rest)) if head.starts_with("data:") => rest,
        _ => b64,
    }
}

/// The `/txt2img` body: everything that decides the image is set explicitly where the
/// request says so, the seed always (so the record reproduces it).
fn request_body(
    req: &GenerationRequest,
    p: &EngineParams,
    seed: u64,
    task_id: &str,
    switch_to: Option<&str>,
) -> Value {
    let mut body = Map::new();
    body.insert("prompt".into(), json!(req.prompt));
    body.insert(
        "negative_prompt".into(),
        json!(p.negative_prompt.clone().unwrap_or_default()),
    );
    body.insert("seed".into(), json!(seed));
    body.insert("batch_size".into(), json!(p.n));
    body.insert("n_iter".into(), json!(1));
    if let Some(w) = p.width {
        body.insert("width".into(), json!(w));
    }
    if let Some(h) = p.height {
        body.insert("height".into(), json!(h));
    }
    if let Some(s) = p.steps {
        body.insert("steps".into(), json!(s));
    }
    if let Some(c) = p.cfg_scale {
        body.insert("cfg_scale".into(), json!(c));
    }
    if let Some(s) = &p.sampler {
        body.insert("sampler_name".into(), json!(s));
    }
    if let Some(s) = &p.scheduler {
        body.insert("scheduler".into(), json!(s));
    }
    body.insert("send_images".into(), json!(true));
    body.insert("save_images".into(), json!(false));
    body.insert("force_task_id".into(), json!(task_id));
    if let Some(title) = switch_to {
        body.insert(
            "override_settings".into(),
            json!({ "sd_model_checkpoint": title }),
        );
        body.insert("override_settings_restore_afterwards".into(), json!(true));
    }
    Value::Object(body)
}

/// A checkpoint by its title, model name, file name or short hash.
fn find_model<'m>(models: &'m [SdModel], wanted: &str) -> Option<&'m SdModel> {
    let wanted = wanted.trim();
    let base = |f: &str| f.rsplit(['/', '\\']).next().unwrap_or(f).to_owned();
    models.iter().find(|m| m.title == wanted).or_else(|| {
        models.iter().find(|m| {
            m.model_name == wanted
                || base(&m.filename) == wanted
                || m.hash.as_deref() == Some(wanted)
                // "name [hash]" titles against a bare name.
                || m.title.split(" [").next() == Some(wanted)
        })
    })
}

/// The `Key: value, Key: "quoted, value"` last line of an infotext.
pub(crate) fn infotext_fields(infotext: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(last) = infotext.lines().last() else {
        return out;
    };
    let mut rest = last.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once(':') else {
            break;
        };
        let after = after.trim_start();
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let mut end = None;
            let mut escaped = false;
            for (i, c) in quoted.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let Some(end) = end else { break };
            let next = quoted[end + 1..].trim_start().trim_start_matches(',');
            (quoted[..end].replace("\\\"", "\""), next)
        } else {
            match after.split_once(',') {
                Some((v, n)) => (v.trim().to_owned(), n),
                None => (after.trim().to_owned(), ""),
            }
        };
        out.insert(key.trim().to_owned(), value);
        rest = next.trim_start();
    }
    out
}

#[derive(Debug, Clone, Deserialize)]
struct SdModel {
    title: String,
    model_name: String,
    #[serde(default)]
    hash: Option<String>,
    #[serde(default)]
    sha256: Option<String>,
    #[serde(default)]
    filename: String,
}

#[derive(Debug, Default, Deserialize)]
struct ProgressAnswer {
    #[serde(default)]
    eta_relative: f64,
    #[serde(default)]
    state: ProgressState,
    #[serde(default)]
    current_image: Option<String>,
    /// Forge only: the task running now.
    #[serde(default)]
    current_task: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ProgressState {
    #[serde(default)]
    job_count: Option<i64>,
    #[serde(default)]
    job_timestamp: Option<String>,
    #[serde(default)]
    sampling_step: Option<u32>,
    #[serde(default)]
    sampling_steps: Option<u32>,
}

#[derive(Debug, Deserialize)]
struct Txt2ImgAnswer {
    images: Option<Vec<String>>,
    #[serde(default)]
    info: String,
}

#[derive(Debug, Default, Deserialize)]
struct Info {
    #[serde(default)]
    seed: Option<i64>,
    #[serde(default)]
    all_seeds: Vec<i64>,
    #[serde(default)]
    width: Option<u32>,
    #[serde(default)]
    height: Option<u32>,
    #[serde(default)]
    sampler_name: Option<String>,
    #[serde(default)]
    cfg_scale: Option<f64>,
    #[serde(default)]
    steps: Option<u32>,
    #[serde(default)]
    sd_model_name: Option<String>,
    #[serde(default)]
    sd_model_hash: Option<String>,
    #[serde(default)]
    index_of_first_image: Option<usize>,
    #[serde(default)]
    infotexts: Vec<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_infotext_fields() {
        let t = "a cat\nNegative prompt: dog\nSteps: 20, Sampler: Euler a, Schedule type: Karras, CFG scale: 7, Seed: 965400086, Size: 512x512, Model hash: 45dee52b, Lora hashes: \"a: 1, b: 2\"";
        let f = infotext_fields(t);
        assert_eq!(f["Steps"], "20");
        assert_eq!(f["Schedule type"], "Karras");
        assert_eq!(f["Model hash"], "45dee52b");
        assert_eq!(f["Lora hashes"], "a: 1, b: 2");
    }

    #[test]
    fn finds_models_by_any_name() {
        let m = vec![SdModel {
            title: "v1-5-pruned-emaonly.safetensors [6ce0161689]".into(),
            model_name: "v1-5-pruned-emaonly".into(),
            hash: Some("6ce0161689".into()),
            sha256: None,
            filename: "/m/Stable-diffusion/v1-5-pruned-emaonly.safetensors".into(),
        }];
        for w in [
            "v1-5-pruned-emaonly.safetensors [6ce0161689]",
            "v1-5-pruned-emaonly",
            "v1-5-pruned-emaonly.safetensors",
            "6ce0161689",
        ] {
            assert!(find_model(&m, w).is_some(), "{w}");
        }
        assert!(find_model(&m, "sdxl").is_none());
    }
}

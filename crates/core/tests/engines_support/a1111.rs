//! A stand-in AUTOMATIC1111 / Forge WebUI, written from `a1111-api-notes.md`:
//! `/sdapi/v1/{txt2img, progress, interrupt, sd-models, options}`, HTTP basic auth as
//! `--api-auth` installs it (401 + `WWW-Authenticate: Basic`), every route 404 without
//! `--api`, one global `shared.state` (progress and interrupt act on whatever runs) and a
//! queue lock held for a whole generation. Forge mode adds `current_task` to `progress`,
//! skips auth on `progress` and keeps `override_settings` (sticky checkpoint).
//!
//! Where the notes are silent, assumed (and said here): the stand-in refuses txt2img fields
//! that are not in the notes' request model with a 422 (the real server's pydantic model
//! may ignore them; refusing catches a client that invents fields); `job_timestamp` is a
//! new string per job; `current_image` is a JPEG while steps run when previews are on;
//! default sampler "Euler", scheduler "Automatic", steps 50 and CFG 7 as in the dataclass.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::http::{Request, Response, Server, b64, jpeg_preview, png_for};

#[derive(Clone, Debug)]
pub struct Config {
    /// Started with --api.
    pub api: bool,
    /// --api-auth user:password.
    pub auth: Option<(String, String)>,
    pub forge: bool,
    /// Live previews on (opts.show_progress_every_n_steps).
    pub previews: bool,
    /// Time one sampling step takes.
    pub step_time: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api: true,
            auth: None,
            forge: false,
            previews: true,
            step_time: Duration::from_millis(40),
        }
    }
}

#[derive(Default)]
pub struct State {
    pub loaded: String,
    job_count: i64,
    job_no: i64,
    jobs_started: u64,
    job_timestamp: String,
    sampling_step: u32,
    sampling_steps: u32,
    current_task: Option<String>,
    interrupted: bool,
    pub interrupts: usize,
    /// Whose job was running at each interrupt ("ours" = a task id starting "easel-").
    pub interrupted_tasks: Vec<Option<String>>,
    pub txt2img_bodies: Vec<Value>,
}

pub struct A1111 {
    pub server: Server,
    pub state: Arc<Mutex<State>>,
    lock: Arc<tokio::sync::Mutex<()>>,
    cfg: Config,
}

pub const SD15_TITLE: &str = "v1-5-pruned-emaonly.safetensors [6ce0161689]";
pub const SDXL_TITLE: &str = "sd_xl_base_1.0.safetensors [31e35c80fc]";
pub const MERGE_TITLE: &str = "dreamyMerge_v7.safetensors [0a1b2c3d4e]";

fn models() -> Value {
    json!([
        {"title": SD15_TITLE, "model_name": "v1-5-pruned-emaonly", "hash": "6ce0161689",
         "sha256": "6ce0161689b3853acaa03779ec93eafe75a02f4ced659bee03f50797806fa2fa",
         "filename": "/models/Stable-diffusion/v1-5-pruned-emaonly.safetensors", "config": null},
        {"title": SDXL_TITLE, "model_name": "sd_xl_base_1.0", "hash": "31e35c80fc",
         "sha256": null, "filename": "/models/Stable-diffusion/sd_xl_base_1.0.safetensors", "config": null},
        {"title": MERGE_TITLE, "model_name": "dreamyMerge_v7", "hash": "0a1b2c3d4e",
         "sha256": null, "filename": "/models/Stable-diffusion/dreamyMerge_v7.safetensors", "config": null}
    ])
}

const TXT2IMG_FIELDS: &[&str] = &[
    "prompt",
    "negative_prompt",
    "styles",
    "seed",
    "subseed",
    "subseed_strength",
    "seed_resize_from_h",
    "seed_resize_from_w",
    "seed_enable_extras",
    "sampler_name",
    "scheduler",
    "batch_size",
    "n_iter",
    "steps",
    "cfg_scale",
    "width",
    "height",
    "restore_faces",
    "tiling",
    "do_not_save_samples",
    "do_not_save_grid",
    "denoising_strength",
    "override_settings",
    "override_settings_restore_afterwards",
    "sampler_index",
    "refiner_checkpoint",
    "refiner_switch_at",
    "disable_extra_networks",
    "enable_hr",
    "hr_scale",
    "hr_upscaler",
    "hr_second_pass_steps",
    "hr_resize_x",
    "hr_resize_y",
    "hr_checkpoint_name",
    "hr_sampler_name",
    "hr_scheduler",
    "hr_prompt",
    "hr_negative_prompt",
    "script_name",
    "script_args",
    "send_images",
    "save_images",
    "alwayson_scripts",
    "force_task_id",
    "infotext",
];

impl A1111 {
    pub async fn start(cfg: Config) -> A1111 {
        let state = Arc::new(Mutex::new(State {
            loaded: SD15_TITLE.to_owned(),
            ..State::default()
        }));
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        let (s, l, c) = (state.clone(), lock.clone(), cfg.clone());
        let handler: super::http::Handler = Arc::new(move |req: Request| {
            let (s, l, c) = (s.clone(), l.clone(), c.clone());
            Box::pin(async move { handle(req, s, l, c).await })
        });
        let server = Server::start(handler, None).await;
        A1111 {
            server,
            state,
            lock,
            cfg,
        }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Someone else's job runs for `steps` steps (from the WebUI itself, or another app).
    pub fn run_foreign_job(&self, steps: u32) {
        let (s, l, c) = (self.state.clone(), self.lock.clone(), self.cfg.clone());
        tokio::spawn(async move {
            let _guard = l.lock().await;
            run_job(&s, &c, Some("task(foreign)".into()), steps).await;
        });
    }

    pub fn is_busy(&self) -> bool {
        self.state.lock().unwrap().job_count > 0
    }
}

async fn run_job(state: &Mutex<State>, cfg: &Config, task: Option<String>, steps: u32) -> bool {
    {
        let mut st = state.lock().unwrap();
        st.jobs_started += 1;
        st.job_count = 1;
        st.job_no = 0;
        st.job_timestamp = format!("2026120212{:04}", st.jobs_started);
        st.sampling_steps = steps;
        st.sampling_step = 0;
        st.current_task = task;
        st.interrupted = false;
    }
    let mut interrupted = false;
    for step in 1..=steps {
        tokio::time::sleep(cfg.step_time).await;
        let mut st = state.lock().unwrap();
        if st.interrupted {
            interrupted = true;
            break;
        }
        st.sampling_step = step;
    }
    let mut st = state.lock().unwrap();
    st.job_count = 0;
    st.current_task = None;
    st.sampling_step = 0;
    st.sampling_steps = 0;
    interrupted
}

fn unauthorized() -> Response {
    Response::json(401, &json!({"detail": "Incorrect username or password"}))
        .header("www-authenticate", "Basic")
}

async fn handle(
    req: Request,
    state: Arc<Mutex<State>>,
    lock: Arc<tokio::sync::Mutex<()>>,
    cfg: Config,
) -> Response {
    if !cfg.api || !req.path.starts_with("/sdapi/v1/") {
        return Response::json(404, &json!({"detail": "Not Found"}));
    }
    let auth_exempt = cfg.forge && req.path == "/sdapi/v1/progress";
    if let Some(expected) = &cfg.auth
        && !auth_exempt
        && req.basic_auth().as_ref() != Some(expected)
    {
        return unauthorized();
    }
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/sdapi/v1/sd-models") => Response::json(200, &models()),
        ("GET", "/sdapi/v1/options") => {
            let st = state.lock().unwrap();
            Response::json(
                200,
                &json!({"sd_model_checkpoint": st.loaded, "samples_format": "png", "show_progress_every_n_steps": if cfg.previews { 1 } else { -1 }}),
            )
        }
        ("POST", "/sdapi/v1/interrupt") => {
            let mut st = state.lock().unwrap();
            st.interrupts += 1;
            let running = (st.job_count > 0)
                .then(|| st.current_task.clone())
                .flatten();
            st.interrupted_tasks.push(running);
            st.interrupted = true;
            Response::json(200, &json!({}))
        }
        ("GET", "/sdapi/v1/progress") => progress(&req, &state, &cfg),
        ("POST", "/sdapi/v1/txt2img") => txt2img(req, state, lock, cfg).await,
        _ => Response::json(404, &json!({"detail": "Not Found"})),
    }
}

fn progress(req: &Request, state: &Mutex<State>, cfg: &Config) -> Response {
    let st = state.lock().unwrap();
    let skip = req
        .query
        .get("skip_current_image")
        .is_some_and(|v| v == "true");
    let state_dict = json!({
        "skipped": false, "interrupted": st.interrupted, "stopping_generation": false,
        "job": "", "job_count": st.job_count, "job_timestamp": st.job_timestamp,
        "job_no": st.job_no, "sampling_step": st.sampling_step, "sampling_steps": st.sampling_steps,
    });
    let mut body = if st.job_count == 0 {
        json!({"progress": 0, "eta_relative": 0, "state": state_dict, "current_image": null, "textinfo": null})
    } else {
        let mut p = 0.01;
        if st.sampling_steps > 0 {
            p += f64::from(st.sampling_step) / f64::from(st.sampling_steps);
        }
        let image = (cfg.previews && !skip && st.sampling_step > 0)
            .then(|| b64(&jpeg_preview(st.sampling_step)));
        json!({"progress": p.min(1.0), "eta_relative": 0.04 * f64::from(st.sampling_steps - st.sampling_step),
               "state": state_dict, "current_image": image, "textinfo": null})
    };
    if cfg.forge {
        body["current_task"] = json!(st.current_task);
    }
    Response::json(200, &body)
}

async fn txt2img(
    req: Request,
    state: Arc<Mutex<State>>,
    lock: Arc<tokio::sync::Mutex<()>>,
    cfg: Config,
) -> Response {
    let body = req.json();
    let Some(obj) = body.as_object() else {
        return Response::json(422, &json!({"detail": [{"msg": "body is not an object"}]}));
    };
    state.lock().unwrap().txt2img_bodies.push(body.clone());
    if let Some(k) = obj.keys().find(|k| !TXT2IMG_FIELDS.contains(&k.as_str())) {
        return Response::json(
            422,
            &json!({"detail": [{"loc": ["body", k], "msg": "extra fields not permitted", "type": "value_error.extra"}]}),
        );
    }
    for (k, ok) in [
        ("seed", obj.get("seed").is_none_or(Value::is_i64)),
        ("steps", obj.get("steps").is_none_or(Value::is_u64)),
        (
            "cfg_scale",
            obj.get("cfg_scale").is_none_or(Value::is_number),
        ),
        ("width", obj.get("width").is_none_or(Value::is_u64)),
        ("height", obj.get("height").is_none_or(Value::is_u64)),
        (
            "batch_size",
            obj.get("batch_size").is_none_or(Value::is_u64),
        ),
        ("prompt", obj.get("prompt").is_none_or(Value::is_string)),
    ] {
        if !ok {
            return Response::json(
                422,
                &json!({"detail": [{"loc": ["body", k], "msg": "wrong type"}]}),
            );
        }
    }
    let get_u = |k: &str, d: u64| obj.get(k).and_then(Value::as_u64).unwrap_or(d);
    let steps = get_u("steps", 50) as u32;
    let (w, h) = (get_u("width", 512) as u32, get_u("height", 512) as u32);
    let batch = get_u("batch_size", 1);
    let cfg_scale = obj.get("cfg_scale").and_then(Value::as_f64).unwrap_or(7.0);
    let sampler = obj
        .get("sampler_name")
        .and_then(Value::as_str)
        .unwrap_or("Euler")
        .to_owned();
    let scheduler = obj
        .get("scheduler")
        .and_then(Value::as_str)
        .unwrap_or("Automatic")
        .to_owned();
    let seed = match obj.get("seed").and_then(Value::as_i64) {
        None | Some(-1) => 3_141_592_653,
        Some(s) => s,
    };
    let task = obj
        .get("force_task_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let _guard = lock.lock().await;
    // Forge: the override is applied with opts.set (sticky); A1111 restores it afterwards.
    let before = state.lock().unwrap().loaded.clone();
    if let Some(ckpt) = obj
        .get("override_settings")
        .and_then(|o| o.get("sd_model_checkpoint"))
        .and_then(Value::as_str)
    {
        let known = models()
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["title"] == ckpt);
        if !known {
            return Response::json(
                500,
                &json!({"error": "RuntimeError", "detail": "", "body": "", "errors": format!("model {ckpt:?} not found")}),
            );
        }
        state.lock().unwrap().loaded = ckpt.to_owned();
    }
    let loaded = state.lock().unwrap().loaded.clone();
    run_job(&state, &cfg, task, steps).await;
    let restore = obj
        .get("override_settings_restore_afterwards")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if !cfg.forge && restore {
        state.lock().unwrap().loaded = before;
    }
    let model = models()
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["title"] == loaded.as_str())
        .cloned()
        .unwrap();
    let seeds: Vec<i64> = (0..batch as i64).map(|i| seed + i).collect();
    let prompt = obj.get("prompt").and_then(Value::as_str).unwrap_or("");
    let negative = obj
        .get("negative_prompt")
        .and_then(Value::as_str)
        .unwrap_or("");
    // The image follows from everything that decides it.
    let images: Vec<String> = seeds
        .iter()
        .map(|s| {
            let mix = (*s as u64)
                ^ (u64::from(steps) << 40)
                ^ (((cfg_scale * 10.0) as u64) << 48)
                ^ (sampler.len() as u64)
                ^ ((scheduler.len() as u64) << 8);
            b64(&png_for(mix, w, h))
        })
        .collect();
    let infotexts: Vec<String> = seeds
        .iter()
        .map(|s| {
            let neg = if negative.is_empty() { String::new() } else { format!("\nNegative prompt: {negative}") };
            format!(
                "{prompt}{neg}\nSteps: {steps}, Sampler: {sampler}, Schedule type: {scheduler}, CFG scale: {cfg_scale}, Seed: {s}, Size: {w}x{h}, Model hash: {}, Model: {}",
                model["hash"].as_str().unwrap(),
                model["model_name"].as_str().unwrap()
            )
        })
        .collect();
    let info = json!({
        "prompt": prompt, "all_prompts": [prompt], "negative_prompt": negative,
        "seed": seed, "all_seeds": seeds, "subseed": 1, "all_subseeds": [1], "subseed_strength": 0,
        "width": w, "height": h, "sampler_name": sampler, "cfg_scale": cfg_scale, "steps": steps,
        "batch_size": batch, "restore_faces": false, "face_restoration_model": null,
        "sd_model_name": model["model_name"], "sd_model_hash": model["hash"],
        "sd_vae_name": null, "sd_vae_hash": null, "seed_resize_from_w": -1, "seed_resize_from_h": -1,
        "denoising_strength": null, "extra_generation_params": {"Schedule type": scheduler},
        "index_of_first_image": 0, "infotexts": infotexts, "styles": [], "job_timestamp": "",
        "clip_skip": 1, "is_using_inpainting_conditioning": false, "version": "v1.10.1"
    });
    Response::json(
        200,
        &json!({"images": images, "parameters": body, "info": info.to_string()}),
    )
}

//! A stand-in ComfyUI, written from `comfyui-api-notes.md`: `POST /prompt` with an
//! API-format graph (400 with `error` + `node_errors` when it does not validate), one queue
//! worked by one worker, `/ws?clientId=` delivering `status`, `execution_start`,
//! `executing`, `progress`, `executed`, `execution_success` / `execution_interrupted` to the
//! socket whose id is the prompt's `client_id`, binary preview frames `u32 1 | u32 type |
//! image` (type 1 JPEG) when started with a preview method, `/history/{id}` (`{}` until
//! finished), `/view`, `/queue` (GET, and POST `{"delete": [...]}`), a global `/interrupt`
//! and `/object_info/CheckpointLoaderSimple`.
//!
//! Where the notes are silent, assumed: node classes and required inputs are those of the
//! core nodes the tests use (an unknown class is refused as ComfyUI does, "invalid_prompt");
//! the history's `outputs` list what `SaveImage` nodes wrote, with `type: "output"`; images
//! of a batch share the seed and differ by batch index; no feature-flags handshake (the
//! client sends none), so previews come as type-1 frames.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::tungstenite::Message;

use super::http::{Request, Response, Server, jpeg_preview, picture_for, png_for};

#[derive(Clone, Debug)]
pub struct Config {
    /// Started with --preview-method (auto, taesd ...).
    pub previews: bool,
    pub step_time: Duration,
    /// Final images at the size asked for and previews at an eighth of it (as the latent
    /// previewer makes them), instead of tiny stand-in pixels: for the window, where the
    /// pictures are seen and the time to show a real-sized image is measured.
    pub full_size: bool,
    /// The socket opens but no event ever reaches it (as behind a proxy that drops frames).
    pub silent_socket: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            previews: true,
            step_time: Duration::from_millis(30),
            full_size: false,
            silent_socket: false,
        }
    }
}

pub const CHECKPOINTS: &[&str] = &[
    "flux1-dev-fp8.safetensors",
    "sd_xl_base_1.0.safetensors",
    "v1-5-pruned-emaonly.safetensors",
];

struct Prompt {
    id: String,
    graph: Value,
    client_id: String,
    steps_override: Option<u32>,
}

#[derive(Default)]
pub struct State {
    sockets: HashMap<String, mpsc::UnboundedSender<Message>>,
    queue: VecDeque<Prompt>,
    running: Option<(String, Value)>,
    interrupt: bool,
    history: HashMap<String, Value>,
    files: HashMap<String, Vec<u8>>,
    counter: u64,
    /// Prompts posted while no socket of their client id was open.
    pub posted_without_socket: Vec<String>,
    /// The prompt running at each `/interrupt` (None: nothing ran).
    pub interrupted: Vec<Option<String>>,
    /// Prompt ids asked to be deleted from the queue.
    pub deleted: Vec<String>,
    pub prompts: Vec<Value>,
    /// Each file `/view` served and when it started sending it (wall clock, to compare with
    /// the time another process shows the image).
    pub served: Vec<(String, SystemTime)>,
}

pub struct Comfy {
    pub server: Server,
    pub state: Arc<Mutex<State>>,
    notify: Arc<Notify>,
    worker: tokio::task::JoinHandle<()>,
}

impl Drop for Comfy {
    fn drop(&mut self) {
        self.worker.abort();
    }
}

impl Comfy {
    pub async fn start(cfg: Config) -> Comfy {
        let state = Arc::new(Mutex::new(State::default()));
        let notify = Arc::new(Notify::new());
        let (s, n) = (state.clone(), notify.clone());
        let handler: super::http::Handler = Arc::new(move |req: Request| {
            let (s, n) = (s.clone(), n.clone());
            Box::pin(async move { handle(req, &s, &n) })
        });
        let s = state.clone();
        let silent = cfg.silent_socket;
        let ws: super::http::WsHandler = Arc::new(move |req, socket| {
            let s = s.clone();
            Box::pin(async move {
                if silent {
                    let (_sink, mut stream) = socket.split();
                    while let Some(Ok(_)) = stream.next().await {}
                } else {
                    websocket(req, socket, s).await;
                }
            })
        });
        let server = Server::start(handler, Some(ws)).await;
        let worker = tokio::spawn(work(state.clone(), notify.clone(), cfg));
        Comfy {
            server,
            state,
            notify,
            worker,
        }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Someone else's prompt, queued first and running for `steps` steps.
    pub fn queue_foreign(&self, steps: u32) {
        let graph =
            serde_json::from_str::<Value>(include_str!("../../data/engines/comfyui-txt2img.json"))
                .unwrap();
        let mut s = self.state.lock().unwrap();
        s.queue.push_back(Prompt {
            id: "foreign-prompt".into(),
            graph,
            client_id: "someone-else".into(),
            steps_override: Some(steps),
        });
        drop(s);
        self.notify.notify_one();
    }

    pub fn running(&self) -> Option<String> {
        self.state
            .lock()
            .unwrap()
            .running
            .as_ref()
            .map(|r| r.0.clone())
    }
}

fn send(state: &Mutex<State>, client: &str, msg: Message) {
    if let Some(tx) = state.lock().unwrap().sockets.get(client) {
        let _ = tx.send(msg);
    }
}

fn event(state: &Mutex<State>, client: &str, kind: &str, data: Value) {
    send(
        state,
        client,
        Message::text(json!({"type": kind, "data": data}).to_string()),
    );
}

async fn websocket(
    req: Request,
    socket: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    state: Arc<Mutex<State>>,
) {
    let sid = req
        .query
        .get("clientId")
        .cloned()
        .unwrap_or_else(|| "anon".into());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (mut sink, mut stream) = socket.split();
    // ComfyUI answers the handshake (`await ws.prepare(request)`) and only then registers the
    // socket under its client id: a client that posts as soon as the handshake is done can
    // win this race, as it did on a slow machine.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    {
        let mut s = state.lock().unwrap();
        s.sockets.insert(sid.clone(), tx);
        let remaining = s.queue.len() + usize::from(s.running.is_some());
        drop(s);
        event(
            &state,
            &sid,
            "status",
            json!({"status": {"exec_info": {"queue_remaining": remaining}}, "sid": sid}),
        );
    }
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(m) => if sink.send(m).await.is_err() { break },
                None => break,
            },
            inc = stream.next() => match inc {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    state.lock().unwrap().sockets.remove(&sid);
}

fn node_error(kind: &str, message: &str, node: &str, details: &str) -> Response {
    Response::json(
        400,
        &json!({
            "error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": {}},
            "node_errors": {node: {"errors": [{"type": kind, "message": message, "details": details, "extra_info": {}}], "dependent_outputs": [], "class_type": ""}}
        }),
    )
}

/// Required inputs of the core node classes the tests use.
fn required(class: &str) -> Option<&'static [&'static str]> {
    Some(match class {
        "KSampler" => &[
            "model",
            "seed",
            "steps",
            "cfg",
            "sampler_name",
            "scheduler",
            "positive",
            "negative",
            "latent_image",
            "denoise",
        ],
        "KSamplerAdvanced" => &[
            "model",
            "add_noise",
            "noise_seed",
            "steps",
            "cfg",
            "sampler_name",
            "scheduler",
            "positive",
            "negative",
            "latent_image",
            "start_at_step",
            "end_at_step",
            "return_with_leftover_noise",
        ],
        "CheckpointLoaderSimple" => &["ckpt_name"],
        "EmptyLatentImage" => &["width", "height", "batch_size"],
        "CLIPTextEncode" => &["text", "clip"],
        "ConditioningCombine" => &["conditioning_1", "conditioning_2"],
        "VAEDecode" => &["samples", "vae"],
        "SaveImage" => &["images", "filename_prefix"],
        "PreviewImage" => &["images"],
        _ => return None,
    })
}

fn validate(graph: &Value) -> Result<(), Response> {
    let Some(nodes) = graph.as_object() else {
        return Err(Response::json(
            400,
            &json!({"error": {"type": "invalid_prompt", "message": "Cannot execute because the prompt is not an object.", "details": "", "extra_info": {}}, "node_errors": {}}),
        ));
    };
    for (id, node) in nodes {
        let class = node["class_type"].as_str().unwrap_or("");
        let Some(req) = required(class) else {
            return Err(Response::json(
                400,
                &json!({"error": {"type": "invalid_prompt", "message": format!("Cannot execute because node {class} does not exist."), "details": format!("Node ID '#{id}'"), "extra_info": {}}, "node_errors": {}}),
            ));
        };
        let inputs = node["inputs"].as_object().cloned().unwrap_or_default();
        for r in req {
            match inputs.get(*r) {
                None => {
                    return Err(node_error(
                        "required_input_missing",
                        "Required input is missing",
                        id,
                        r,
                    ));
                }
                Some(Value::Array(link)) if link.len() == 2 => {
                    if link[0]
                        .as_str()
                        .is_none_or(|target| !nodes.contains_key(target))
                    {
                        return Err(node_error("bad_linked_input", "Bad linked input", id, r));
                    }
                }
                Some(_) => {}
            }
        }
        if class == "CheckpointLoaderSimple" {
            let name = inputs["ckpt_name"].as_str().unwrap_or("");
            if !CHECKPOINTS.contains(&name) {
                return Err(node_error(
                    "value_not_in_list",
                    "Value not in list",
                    id,
                    &format!("ckpt_name: '{name}' not in {CHECKPOINTS:?}"),
                ));
            }
        }
        for int_input in [
            "seed",
            "noise_seed",
            "steps",
            "width",
            "height",
            "batch_size",
        ] {
            if let Some(v) = inputs.get(int_input)
                && !v.is_array()
                && !v.is_u64()
            {
                return Err(node_error(
                    "invalid_input_type",
                    "Failed to convert an input value to a INT value",
                    id,
                    int_input,
                ));
            }
        }
    }
    Ok(())
}

fn handle(req: Request, state: &Mutex<State>, notify: &Notify) -> Response {
    // The CSRF guard: a browser origin that is not the host is refused.
    if let (Some(origin), Some(host)) = (req.headers.get("origin"), req.headers.get("host"))
        && !origin.contains(host.as_str())
    {
        return Response::bytes(403, "text/plain", Vec::new());
    }
    let path = req
        .path
        .strip_prefix("/api")
        .unwrap_or(&req.path)
        .to_owned();
    match (req.method.as_str(), path.as_str()) {
        ("GET", "/object_info/CheckpointLoaderSimple") => Response::json(
            200,
            &json!({"CheckpointLoaderSimple": {
                "input": {"required": {"ckpt_name": [CHECKPOINTS, {}]}},
                "input_order": {"required": ["ckpt_name"]},
                "output": ["MODEL", "CLIP", "VAE"], "output_is_list": [false, false, false],
                "output_name": ["MODEL", "CLIP", "VAE"], "name": "CheckpointLoaderSimple",
                "display_name": "Load Checkpoint", "description": "", "python_module": "nodes",
                "category": "loaders", "output_node": false}}),
        ),
        ("POST", "/prompt") => {
            let body = req.json();
            let Some(graph) = body.get("prompt").cloned() else {
                return Response::json(
                    400,
                    &json!({"error": {"type": "no_prompt", "message": "No prompt provided", "details": "No prompt provided", "extra_info": {}}, "node_errors": {}}),
                );
            };
            if let Err(r) = validate(&graph) {
                return r;
            }
            let client_id = body["client_id"].as_str().unwrap_or("").to_owned();
            let mut s = state.lock().unwrap();
            s.prompts.push(body.clone());
            s.counter += 1;
            let id = format!("prompt-{}", s.counter);
            if !s.sockets.contains_key(&client_id) {
                s.posted_without_socket.push(id.clone());
            }
            let number = s.counter;
            s.queue.push_back(Prompt {
                id: id.clone(),
                graph,
                client_id,
                steps_override: None,
            });
            drop(s);
            notify.notify_one();
            Response::json(
                200,
                &json!({"prompt_id": id, "number": number, "node_errors": {}}),
            )
        }
        ("GET", "/queue") => {
            let s = state.lock().unwrap();
            let running: Vec<Value> = s
                .running
                .iter()
                .map(|(id, g)| json!([0, id, g, {}, ["9"]]))
                .collect();
            let pending: Vec<Value> = s
                .queue
                .iter()
                .enumerate()
                .map(|(i, p)| json!([i + 1, p.id, p.graph, {"client_id": p.client_id}, ["9"]]))
                .collect();
            Response::json(
                200,
                &json!({"queue_running": running, "queue_pending": pending}),
            )
        }
        ("POST", "/queue") => {
            let body = req.json();
            let mut s = state.lock().unwrap();
            for id in body["delete"].as_array().cloned().unwrap_or_default() {
                let id = id.as_str().unwrap_or("").to_owned();
                s.queue.retain(|p| p.id != id);
                s.deleted.push(id);
            }
            Response::bytes(200, "text/plain", Vec::new())
        }
        ("POST", "/interrupt") => {
            let mut s = state.lock().unwrap();
            let running = s.running.as_ref().map(|r| r.0.clone());
            s.interrupted.push(running);
            s.interrupt = true;
            Response::bytes(200, "text/plain", Vec::new())
        }
        ("GET", p) if p.starts_with("/history/") => {
            let id = &p["/history/".len()..];
            let s = state.lock().unwrap();
            match s.history.get(id) {
                Some(h) => Response::json(200, &json!({ id: h })),
                None => Response::json(200, &json!({})),
            }
        }
        ("GET", "/view") => {
            let name = req.query.get("filename").cloned().unwrap_or_default();
            let kind = req.query.get("type").cloned().unwrap_or_default();
            let mut s = state.lock().unwrap();
            match s.files.get(&name).cloned() {
                Some(b) if kind == "output" || kind == "temp" => {
                    s.served.push((name, SystemTime::now()));
                    Response::bytes(200, "image/png", b)
                }
                _ => Response::bytes(404, "text/plain", b"404: Not Found".to_vec()),
            }
        }
        _ => Response::bytes(404, "text/plain", b"404: Not Found".to_vec()),
    }
}

async fn work(state: Arc<Mutex<State>>, notify: Arc<Notify>, cfg: Config) {
    loop {
        let next = {
            let mut s = state.lock().unwrap();
            let p = s.queue.pop_front();
            if let Some(p) = &p {
                s.running = Some((p.id.clone(), p.graph.clone()));
                s.interrupt = false;
            }
            p
        };
        let Some(p) = next else {
            notify.notified().await;
            continue;
        };
        run(&state, &cfg, p).await;
        state.lock().unwrap().running = None;
    }
}

async fn run(state: &Mutex<State>, cfg: &Config, p: Prompt) {
    let (id, c) = (p.id.clone(), p.client_id.clone());
    event(
        state,
        &c,
        "execution_start",
        json!({"prompt_id": id, "timestamp": 0}),
    );
    event(
        state,
        &c,
        "execution_cached",
        json!({"nodes": [], "prompt_id": id, "timestamp": 0}),
    );
    let nodes = p.graph.as_object().cloned().unwrap_or_default();
    let sampler = nodes.iter().find(|(_, n)| {
        n["class_type"]
            .as_str()
            .is_some_and(|c| c.starts_with("KSampler"))
    });
    let (sampler_id, sampler_inputs) = sampler
        .map(|(k, n)| (k.clone(), n["inputs"].clone()))
        .unwrap_or_default();
    let steps = p
        .steps_override
        .unwrap_or_else(|| sampler_inputs["steps"].as_u64().unwrap_or(20) as u32);
    let seed = sampler_inputs["seed"]
        .as_u64()
        .or(sampler_inputs["noise_seed"].as_u64())
        .unwrap_or(0);
    let latent = nodes
        .values()
        .find(|n| n["class_type"] == "EmptyLatentImage")
        .map(|n| n["inputs"].clone())
        .unwrap_or_default();
    let (w, h) = (
        latent["width"].as_u64().unwrap_or(512) as u32,
        latent["height"].as_u64().unwrap_or(512) as u32,
    );
    let batch = latent["batch_size"].as_u64().unwrap_or(1);
    event(
        state,
        &c,
        "executing",
        json!({"node": sampler_id, "display_node": sampler_id, "prompt_id": id}),
    );
    let mix = seed
        ^ (u64::from(steps) << 40)
        ^ (((sampler_inputs["cfg"].as_f64().unwrap_or(0.0) * 10.0) as u64) << 48)
        ^ (sampler_inputs["sampler_name"].as_str().unwrap_or("").len() as u64);
    for step in 1..=steps {
        tokio::time::sleep(cfg.step_time).await;
        if state.lock().unwrap().interrupt {
            event(
                state,
                &c,
                "execution_interrupted",
                json!({"prompt_id": id, "node_id": sampler_id, "node_type": "KSampler", "executed": []}),
            );
            state.lock().unwrap().history.insert(
                id.clone(),
                json!({"prompt": [0, id, p.graph, {"client_id": c}, ["9"]], "outputs": {}, "status": {"status_str": "error", "completed": false, "messages": [["execution_interrupted", {"prompt_id": id}]]}, "meta": {}}),
            );
            return;
        }
        event(
            state,
            &c,
            "progress",
            json!({"value": step, "max": steps, "prompt_id": id, "node": sampler_id}),
        );
        if cfg.previews {
            let mut frame = 1u32.to_be_bytes().to_vec();
            frame.extend_from_slice(&1u32.to_be_bytes());
            if cfg.full_size {
                let (pw, ph) = ((w / 8).clamp(1, 512), (h / 8).clamp(1, 512));
                frame.extend_from_slice(&preview_for(mix, step, steps, pw, ph));
            } else {
                frame.extend_from_slice(&jpeg_preview(step));
            }
            send(state, &c, Message::binary(frame));
        }
    }
    let mut images = Vec::new();
    {
        let mut s = state.lock().unwrap();
        for i in 0..batch {
            let name = format!("Easel_{:05}_.png", s.files.len() + 1);
            let png = if cfg.full_size {
                picture_for(mix + i, w, h)
            } else {
                png_for(mix + i, w, h)
            };
            s.files.insert(name.clone(), png);
            images.push(json!({"filename": name, "subfolder": "", "type": "output"}));
        }
        let mut outputs = serde_json::Map::new();
        outputs.insert("9".into(), json!({"images": images}));
        // PreviewImage nodes write temporary files.
        for (nid, n) in &nodes {
            if n["class_type"] == "PreviewImage" {
                let name = format!("ComfyUI_temp_{:05}_.png", s.files.len() + 1);
                s.files.insert(name.clone(), png_for(mix ^ 0xFF, w, h));
                outputs.insert(
                    nid.clone(),
                    json!({"images": [{"filename": name, "subfolder": "", "type": "temp"}]}),
                );
            }
        }
        s.history.insert(
            id.clone(),
            json!({"prompt": [0, id, p.graph, {"client_id": c}, ["9"]],
                   "outputs": outputs,
                   "status": {"status_str": "success", "completed": true, "messages": [["execution_success", {"prompt_id": id, "timestamp": 0}]]},
                   "meta": {}}),
        );
    }
    event(
        state,
        &c,
        "executed",
        json!({"node": "9", "display_node": "9", "output": {"images": images}, "prompt_id": id}),
    );
    event(
        state,
        &c,
        "executing",
        json!({"node": null, "prompt_id": id}),
    );
    event(
        state,
        &c,
        "execution_success",
        json!({"prompt_id": id, "timestamp": 0}),
    );
}

/// A preview frame at `step` of `steps`: the final picture's colours coming out of noise.
fn preview_for(seed: u64, step: u32, steps: u32, w: u32, h: u32) -> Vec<u8> {
    let clear = step as f32 / steps.max(1) as f32;
    let target = image::load_from_memory(&picture_for(seed, w, h))
        .unwrap()
        .to_rgb8();
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let noise =
            ((x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ step.wrapping_mul(31)) % 255) as f32;
        let t = target.get_pixel(x, y);
        image::Rgb(t.0.map(|c| (c as f32 * clear + noise * (1.0 - clear)) as u8))
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

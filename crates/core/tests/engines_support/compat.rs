//! Stand-in "OpenAI-compatible" image servers, from `openai-compat-local-notes.md` and, for
//! streaming, `openai-images.yaml`:
//! - `LocalAi`: 400 without a model, `size` defaulting to 512x512, a negative prompt after
//!   `|`, the `step` field, a `url` to `/generated-images/NAME` unless `response_format` is
//!   `b64_json`; PNG always.
//! - `SdCpp`: prompt, n, size, output_format, output_compression only; always `b64_json`;
//!   `/v1/models` answers `sd-cpp-local`.
//! - `Streaming`: OpenAI's own `/images/generations` with `stream: true` and
//!   `partial_images`: every request body is checked against `CreateImageRequest` and every
//!   event sent against `ImageGenPartialImageEvent` / `ImageGenCompletedEvent`.
//!
//! Assumed where the notes are silent: LocalAI answers 401 for a wrong bearer key when one is
//! configured (its `API_KEY` setting); the stand-ins answer one image per `n`.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::http::{Request, Response, Server, b64, jpeg_preview, png_for};
use crate::support::contract::contract;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    LocalAi,
    SdCpp,
    Streaming,
}

pub struct Compat {
    pub server: Server,
    pub bodies: Arc<Mutex<Vec<Value>>>,
}

impl Compat {
    pub async fn start(flavour: Flavour, api_key: Option<&str>) -> Compat {
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let files = Arc::new(Mutex::new(Vec::<(String, Vec<u8>)>::new()));
        let key = api_key.map(str::to_owned);
        let (b, f) = (bodies.clone(), files.clone());
        let base = Arc::new(Mutex::new(String::new()));
        let base2 = base.clone();
        let handler: super::http::Handler = Arc::new(move |req: Request| {
            let (b, f, k, base) = (b.clone(), f.clone(), key.clone(), base2.clone());
            Box::pin(async move { handle(flavour, req, &b, &f, k.as_deref(), &base) })
        });
        let server = Server::start(handler, None).await;
        *base.lock().unwrap() = server.url();
        Compat { server, bodies }
    }

    pub fn base_url(&self) -> String {
        format!("{}/v1", self.server.url())
    }
}

fn handle(
    flavour: Flavour,
    req: Request,
    bodies: &Mutex<Vec<Value>>,
    files: &Mutex<Vec<(String, Vec<u8>)>>,
    key: Option<&str>,
    base: &Mutex<String>,
) -> Response {
    if let Some(name) = req.path.strip_prefix("/generated-images/") {
        return match files.lock().unwrap().iter().find(|(n, _)| n == name) {
            Some((_, bytes)) => Response::bytes(200, "image/png", bytes.clone()),
            None => Response::bytes(404, "text/plain", b"not found".to_vec()),
        };
    }
    if let Some(k) = key
        && req.headers.get("authorization").map(String::as_str) != Some(&format!("Bearer {k}"))
    {
        return Response::json(
            401,
            &json!({"error": {"message": "An authentication key is required", "type": "invalid_request_error", "param": null, "code": 401}}),
        );
    }
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/v1/models") => {
            let ids: &[&str] = match flavour {
                Flavour::LocalAi => &["stablediffusion", "flux.1-schnell-gguf"],
                Flavour::SdCpp => &["sd-cpp-local"],
                Flavour::Streaming => &["gpt-image-1.5"],
            };
            let data: Vec<Value> = ids
                .iter()
                .map(|id| json!({"id": id, "object": "model", "created": 0, "owned_by": "local"}))
                .collect();
            Response::json(200, &json!({"object": "list", "data": data}))
        }
        ("POST", "/v1/images/generations") => {
            let body = req.json();
            bodies.lock().unwrap().push(body.clone());
            match flavour {
                Flavour::LocalAi => localai(&body, files, &base.lock().unwrap()),
                Flavour::SdCpp => sdcpp(&body),
                Flavour::Streaming => streaming(&body),
            }
        }
        _ => Response::bytes(404, "text/plain", b"Cannot POST".to_vec()),
    }
}

fn localai(body: &Value, files: &Mutex<Vec<(String, Vec<u8>)>>, base: &str) -> Response {
    let model = body["model"].as_str().unwrap_or("");
    if model.is_empty() {
        return Response::bytes(400, "text/plain", b"Bad Request".to_vec());
    }
    let size = body["size"]
        .as_str()
        .filter(|s| s.contains('x'))
        .unwrap_or("512x512");
    let (w, h) = size.split_once('x').unwrap();
    let (w, h): (u32, u32) = (w.parse().unwrap_or(512), h.parse().unwrap_or(512));
    let step = body["step"].as_u64().unwrap_or(15);
    let n = body["n"].as_u64().unwrap_or(1).max(1);
    let b64_json = body["response_format"] == "b64_json";
    let prompt = body["prompt"].as_str().unwrap_or("");
    let mut data = Vec::new();
    for i in 0..n {
        let png = png_for(step ^ (prompt.len() as u64) ^ i, w, h);
        if b64_json {
            data.push(json!({"embedding": null, "index": i, "b64_json": b64(&png)}));
        } else {
            let mut f = files.lock().unwrap();
            let name = format!("b64{}{}.png", f.len(), i);
            f.push((name.clone(), png));
            data.push(json!({"embedding": null, "index": i, "url": format!("{base}/generated-images/{name}")}));
        }
    }
    Response::json(
        200,
        &json!({"created": 1701806913, "id": "b995a438", "data": data, "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}),
    )
}

fn sdcpp(body: &Value) -> Response {
    let allowed = [
        "model",
        "prompt",
        "n",
        "size",
        "output_format",
        "output_compression",
    ];
    if let Some(k) = body
        .as_object()
        .and_then(|o| o.keys().find(|k| !allowed.contains(&k.as_str())))
    {
        return Response::json(400, &json!({"error": format!("unsupported field: {k}")}));
    }
    let n = body["n"].as_u64().unwrap_or(1);
    let data: Vec<Value> = (0..n)
        .map(|i| json!({"b64_json": b64(&png_for(99 + i, 4, 4))}))
        .collect();
    Response::json(
        200,
        &json!({"created": 1, "output_format": "png", "data": data}),
    )
}

fn streaming(body: &Value) -> Response {
    contract().assert_valid("CreateImageRequest", body);
    assert_eq!(
        body["stream"], true,
        "the streaming stand-in expects stream: true"
    );
    let partials = body["partial_images"].as_u64().unwrap_or(0);
    let mut sse = String::new();
    for i in 0..partials {
        let ev = json!({"type": "image_generation.partial_image", "b64_json": b64(&jpeg_preview(i as u32 + 1)),
                        "created_at": 1620000000, "size": "1024x1024", "quality": "high",
                        "background": "opaque", "output_format": "png", "partial_image_index": i});
        contract().assert_valid("ImageGenPartialImageEvent", &ev);
        sse.push_str(&format!(
            "event: image_generation.partial_image\ndata: {ev}\n\n"
        ));
    }
    let done = json!({"type": "image_generation.completed", "b64_json": b64(&png_for(7, 4, 4)),
                      "created_at": 1620000001, "size": "1024x1024", "quality": "high",
                      "background": "opaque", "output_format": "png",
                      "usage": {"total_tokens": 100, "input_tokens": 50, "output_tokens": 50,
                                "input_tokens_details": {"text_tokens": 10, "image_tokens": 40}}});
    contract().assert_valid("ImageGenCompletedEvent", &done);
    sse.push_str(&format!(
        "event: image_generation.completed\ndata: {done}\n\n"
    ));
    Response::bytes(200, "text/event-stream", sse.into_bytes())
}

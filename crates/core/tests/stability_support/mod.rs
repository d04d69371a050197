//! A stand-in for Stability AI's generate endpoints on 127.0.0.1, following
//! `stability-v2beta.json`: every request it receives is checked against the endpoint's
//! multipart schema and header parameters (in `requests()`), and every answer is checked
//! against the contract when it is scripted, so it cannot drift into answering what the
//! client happens to expect. Where the contract is silent the assumption is named where it
//! is made (`Reply::undocumented`).
#![allow(dead_code, clippy::unwrap_used)]

pub mod contract;
// Test binaries that hold both stand-ins load this file twice; each copy is the same.
#[allow(clippy::duplicate_mod)]
#[path = "../support/multipart.rs"]
pub mod multipart;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use contract::{assert_valid, contract};

/// A real, tiny image in `format` (png, jpeg or webp), as a provider would send it.
pub fn image_bytes(format: &str, shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(3, 2, image::Rgb([shade, 30, 60]));
    let mut out = std::io::Cursor::new(Vec::new());
    let f = image::ImageFormat::from_extension(format).unwrap();
    img.write_to(&mut out, f).unwrap();
    out.into_inner()
}

pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub const ULTRA: &str = "/v2beta/stable-image/generate/ultra";
pub const CORE: &str = "/v2beta/stable-image/generate/core";
pub const SD3: &str = "/v2beta/stable-image/generate/sd3";
pub const INPAINT: &str = "/v2beta/stable-image/edit/inpaint";
pub const OUTPAINT: &str = "/v2beta/stable-image/edit/outpaint";
pub const ERASE: &str = "/v2beta/stable-image/edit/erase";
pub const SEARCH_AND_REPLACE: &str = "/v2beta/stable-image/edit/search-and-replace";
pub const REMOVE_BACKGROUND: &str = "/v2beta/stable-image/edit/remove-background";

/// How an answer carries the image, which must match what the request's `accept` asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Bytes,
    Json,
    /// An error body, or a deliberately broken answer.
    Other,
}

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    /// Send only this many body bytes (with the full Content-Length), then drop the connection.
    pub cut_after: Option<usize>,
    pub shape: Shape,
}

impl Reply {
    fn new(status: u16, content_type: &str, body: Vec<u8>, shape: Shape) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
            delay: Duration::ZERO,
            cut_after: None,
            shape,
        }
    }

    /// A 200 with the image bytes (`accept: image/*`): `finish-reason`, `seed` and
    /// `x-request-id` headers, as `x-shared/ImageResponse200` documents them.
    pub fn image(
        bytes: Vec<u8>,
        format: &str,
        finish_reason: &str,
        seed: &str,
        request_id: &str,
    ) -> Reply {
        let answer = contract().image_response();
        let content_type = format!("image/{format}");
        assert_image_content_type(&answer, &content_type);
        let headers = &answer["headers"];
        assert_valid(
            "finish-reason header",
            &headers["finish-reason"]["schema"],
            &json!(finish_reason),
        );
        assert_valid("seed header", &headers["seed"]["schema"], &json!(seed));
        assert_valid(
            "x-request-id header",
            &headers["x-request-id"]["schema"],
            &json!(request_id),
        );
        Reply::new(200, &content_type, bytes, Shape::Bytes)
            .header("finish-reason", finish_reason)
            .header("seed", seed)
            .header("x-request-id", request_id)
    }

    /// A 200 with the image in base64 JSON (`accept: application/json`); no `finish-reason`
    /// or `seed` header (the contract: they are in the body instead).
    pub fn json_image(
        bytes: &[u8],
        format: &str,
        finish_reason: &str,
        seed: u64,
        request_id: &str,
    ) -> Reply {
        let answer = contract().image_response();
        let content_type = format!("application/json; type=image/{format}");
        assert_image_content_type(&answer, &content_type);
        let body = json!({"image": b64(bytes), "finish_reason": finish_reason, "seed": seed});
        // The schema is given once, for png; the x-note says the others are identical.
        assert_valid(
            "JSON image answer",
            &answer["content"]["application/json; type=image/png"]["schema"],
            &body,
        );
        Reply::new(
            200,
            &content_type,
            serde_json::to_vec(&body).unwrap(),
            Shape::Json,
        )
        .header("x-request-id", request_id)
    }

    /// An error `path` documents, with the body schema it gives for that status. Core and
    /// SD3 document 403 by its description only ("flagged by our content moderation
    /// system"); the body used there is `ContentModerationResponse`, the contract's one
    /// schema for that answer (assumption).
    pub fn error(path: &str, status: u16, name: &str, errors: &[&str]) -> Reply {
        let c = contract();
        assert!(
            c.statuses(path).contains(&status),
            "{path} does not document HTTP {status}; use Reply::undocumented"
        );
        let schema = c.error_schema(path, status).unwrap_or_else(|| {
            assert_eq!(status, 403, "{path} {status} has no body schema");
            c.schema("#/components/schemas/ContentModerationResponse")
        });
        let body =
            json!({"id": "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4", "name": name, "errors": errors});
        assert_valid(&format!("{path} {status} body"), &schema, &body);
        Reply::new(
            status,
            "application/json",
            serde_json::to_vec(&body).unwrap(),
            Shape::Other,
        )
    }

    /// An answer the v2beta generate paths do not document, in the shape the contract's
    /// note on the older paths gives (`{id, name, message}`) or its `ErrorBody`. Used for
    /// 401 (bad key) and 402 (no credits), which the real service is known to send but the
    /// contract leaves out.
    pub fn undocumented(status: u16, body: Value) -> Reply {
        let legacy =
            body["message"].is_string() && body["id"].is_string() && body["name"].is_string();
        let current =
            contract::violations(&contract().schema("#/x-shared/ErrorBody"), &body).is_empty();
        assert!(
            legacy || current,
            "not an error shape the contract knows: {body}"
        );
        Reply::new(
            status,
            "application/json",
            serde_json::to_vec(&body).unwrap(),
            Shape::Other,
        )
    }

    /// Deliberately NOT what the contract describes, for tests of how the client copes.
    pub fn off_contract(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::new(status, content_type, body.into(), Shape::Other)
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    pub fn cut_after(mut self, bytes: usize) -> Reply {
        self.cut_after = Some(bytes);
        self
    }
}

fn assert_image_content_type(answer: &Value, content_type: &str) {
    let content = answer["content"].as_object().unwrap();
    let note = content.get("x-note").and_then(Value::as_str).unwrap_or("");
    assert!(
        content.contains_key(content_type) || note.contains(content_type),
        "the contract's 200 answer has no content type {content_type}"
    );
}

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Lower-cased header names.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// The answer's shape, to check it against the request's `accept`.
    pub answered: Option<Shape>,
}

impl Recorded {
    /// Every part in order; panics on a body that is not well-formed multipart.
    pub fn parts(&self) -> Vec<multipart::FormPart> {
        let ct = &self.headers["content-type"];
        multipart::parse(&self.body, multipart::boundary(ct))
    }

    /// The text fields in order (files are left out: see `file`).
    pub fn fields(&self) -> Vec<(String, String)> {
        self.parts()
            .into_iter()
            .filter(|p| p.filename.is_none())
            .map(|p| (p.name.clone(), p.text()))
            .collect()
    }

    /// The bytes of the file part `name`, if sent.
    pub fn file(&self, name: &str) -> Option<Vec<u8>> {
        self.parts()
            .into_iter()
            .find(|p| p.name == name && p.filename.is_some())
            .map(|p| p.bytes)
    }

    /// The parts as the JSON object the contract's schema describes: numeric properties
    /// (`seed`, `strength`, `cfg_scale`, the outpaint sides) read as numbers, as a form server
    /// reads them; files as binary strings.
    pub fn form(&self, schema: &Value) -> Value {
        let mut out = serde_json::Map::new();
        for part in self.parts() {
            let name = part.name.clone();
            assert!(!out.contains_key(&name), "field {name} sent twice");
            if part.filename.is_some() {
                out.insert(name, Value::from(format!("<{} bytes>", part.bytes.len())));
                continue;
            }
            let value = part.text();
            let ty = &schema["properties"][&name]["type"];
            let numeric = ty == "number" || ty == "integer";
            let v = match (value.parse::<i64>(), value.parse::<f64>()) {
                (Ok(n), _) if numeric => json!(n),
                (_, Ok(n)) if numeric => json!(n),
                _ => Value::from(value),
            };
            out.insert(name, v);
        }
        Value::Object(out)
    }
}

/// Checks one generate request against the contract: method, headers, fields.
pub fn check_request(r: &Recorded) {
    let c = contract();
    assert_eq!(r.method, "POST", "{}", r.path);
    let auth = r
        .headers
        .get("authorization")
        .expect("authorization header");
    assert_valid(
        "authorization header",
        &c.request_header("authorization"),
        &json!(auth),
    );
    assert!(r.headers["content-type"].starts_with("multipart/form-data; boundary="));
    if let Some(accept) = r.headers.get("accept") {
        assert_valid("accept header", &c.request_header("accept"), &json!(accept));
        let asked_json = accept == "application/json";
        match r.answered {
            Some(Shape::Json) => assert!(asked_json, "a JSON answer to accept: {accept}"),
            Some(Shape::Bytes) => assert!(!asked_json, "image bytes to accept: {accept}"),
            _ => {}
        }
    }
    for h in [
        "stability-client-id",
        "stability-client-user-id",
        "stability-client-version",
    ] {
        if let Some(v) = r.headers.get(h) {
            assert_valid(h, &c.request_header(h), &json!(v));
        }
    }
    let mut schema = c.request_schema(&r.path);
    if r.path == SD3 {
        // The path's own description and credit table name `sd3.5-flash` ("the model to use
        // (SD 3.5 Large, SD 3.5 Large Turbo, SD 3.5 Medium, SD 3.5 Flash)"), but the enum
        // the source spec carries lags behind. Assumption: the service takes it.
        schema["properties"]["model"]["enum"]
            .as_array_mut()
            .unwrap()
            .push(json!("sd3.5-flash"));
    }
    if r.path == ERASE {
        // The contract's erase schema lists `prompt` as required but has no such property,
        // and its description says only `image` is required ("The body of the request must
        // include: image"). Assumption: the `required` list is a copy slip; erase takes no
        // prompt.
        schema["required"] = json!(["image"]);
    }
    if let Some(image) = r.file("image") {
        let kind = image::guess_format(&image).expect("image is an image");
        assert!(
            matches!(
                kind,
                image::ImageFormat::Png | image::ImageFormat::Jpeg | image::ImageFormat::WebP
            ),
            "{kind:?}: the contract takes jpeg, png, webp"
        );
        let img = image::load_from_memory(&image).unwrap();
        assert!(
            img.width() >= 64 && img.height() >= 64,
            "every side at least 64 px"
        );
        if let Some(mask) = r.file("mask") {
            // "a black and white image ... white pixels represent maximum strength".
            let m = image::load_from_memory(&mask).unwrap();
            assert_eq!(m.color(), image::ColorType::L8, "the mask is grayscale");
            assert_eq!((m.width(), m.height()), (img.width(), img.height()));
        }
    }
    assert!(
        r.body.len() <= 10 * 1024 * 1024,
        "requests are at most 10 MiB (413)"
    );
    let form = r.form(&schema);
    // The contract sets no additionalProperties; the stand-in still refuses fields it does not
    // document, so that a misspelt field cannot pass unnoticed.
    for name in form.as_object().unwrap().keys() {
        assert!(
            schema["properties"].get(name).is_some(),
            "{}: field {name} is not in the contract",
            r.path
        );
    }
    assert_valid(&format!("{} form", r.path), &schema, &form);
}

#[derive(Default)]
struct Shared {
    replies: HashMap<String, VecDeque<Reply>>,
    recorded: Vec<Recorded>,
}

pub struct StandIn {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl StandIn {
    pub async fn start() -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let s = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, s.clone()));
            }
        });
        StandIn { addr, shared, task }
    }

    /// What the client is configured with: the host; the endpoints add `/v2beta/...`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues the next answer for `path`.
    pub fn script(&self, path: &str, reply: Reply) {
        self.shared
            .lock()
            .unwrap()
            .replies
            .entry(path.to_owned())
            .or_default()
            .push_back(reply);
    }

    /// Every request received so far, each checked against the contract.
    pub fn requests(&self) -> Vec<Recorded> {
        let recorded = self.shared.lock().unwrap().recorded.clone();
        for r in &recorded {
            check_request(r);
        }
        recorded
    }

    pub fn count(&self) -> usize {
        self.requests().len()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let Some(mut req) = read_request(&mut stream).await else {
        return;
    };
    let reply = {
        let mut s = shared.lock().unwrap();
        let reply = s.replies.get_mut(&req.path).and_then(VecDeque::pop_front);
        req.answered = reply.as_ref().map(|r| r.shape);
        s.recorded.push(req.clone());
        reply
    };
    let reply = reply.unwrap_or_else(|| {
        let message = format!(
            "The stand-in has no reply scripted for {} {}.",
            req.method, req.path
        );
        Reply::off_contract(
            404,
            "application/json",
            json!({"id": "none", "name": "not_found", "errors": [message]}).to_string(),
        )
    });
    tokio::time::sleep(reply.delay).await;
    let mut head = format!(
        "HTTP/1.1 {} Stand-in\r\nconnection: close\r\ncontent-length: {}\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let body = match reply.cut_after {
        Some(n) => &reply.body[..n.min(reply.body.len())],
        None => &reply.body[..],
    };
    // The client may have gone (cancelled); that is fine.
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body).await;
    let _ = stream.flush().await;
}

async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        path,
        headers,
        body,
        answered: None,
    })
}

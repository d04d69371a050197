//! A scripted stand-in for the OpenAI API on 127.0.0.1: each path answers from its own queue
//! of replies (status, headers, body, optional delay, optional cut-off mid-body), and every
//! request is recorded. Replies meant to be the API's are checked against the contract when
//! they are scripted, so the stand-in cannot drift into answering what the client expects.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::contract::contract;

/// Reading multipart uploads (edits, variations); a file of its own so the Stability
/// stand-in reads them the same way.
// Test binaries that hold both stand-ins load this file twice; each copy is the same.
#[allow(clippy::duplicate_mod)]
#[path = "multipart.rs"]
pub mod multipart;

pub const GENERATIONS: &str = "/v1/images/generations";
pub const EDITS: &str = "/v1/images/edits";
pub const VARIATIONS: &str = "/v1/images/variations";
pub const MODELS: &str = "/v1/models";

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering at all.
    pub delay: Duration,
    /// Send only this many body bytes (with the full Content-Length), then drop the connection.
    pub cut_after: Option<usize>,
    /// Send no Content-Length: the body runs until the connection closes.
    pub unannounced_length: bool,
}

impl Reply {
    fn json(status: u16, schema: &str, body: Value) -> Reply {
        contract().assert_valid(schema, &body);
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(&body).unwrap(),
            delay: Duration::ZERO,
            cut_after: None,
            unannounced_length: false,
        }
    }

    /// A 200 `ImagesResponse`.
    pub fn images(body: Value) -> Reply {
        Reply::json(200, "ImagesResponse", body)
    }

    /// An `ErrorResponse` as the API sends them: `{"error": {message, type, param, code}}`.
    pub fn error(status: u16, kind: &str, code: Option<&str>, message: &str) -> Reply {
        Reply::json(
            status,
            "ErrorResponse",
            json!({"error": {"message": message, "type": kind, "param": null, "code": code}}),
        )
    }

    /// A 200 `text/event-stream` answer: each event is checked against its schema
    /// (`ImageGenPartialImageEvent`, `ImageGenCompletedEvent`) and sent as `event:` + `data:`.
    pub fn events(events: &[(&str, Value)]) -> Reply {
        let mut body = String::new();
        for (schema, ev) in events {
            contract().assert_valid(schema, ev);
            contract().assert_valid("ImageGenStreamEvent", ev);
            let kind = ev["type"].as_str().unwrap();
            body.push_str(&format!("event: {kind}\ndata: {ev}\n\n"));
        }
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "text/event-stream".into())],
            body: body.into_bytes(),
            delay: Duration::ZERO,
            cut_after: None,
            unannounced_length: false,
        }
    }

    /// A 200 `ListModelsResponse`.
    pub fn models(body: Value) -> Reply {
        Reply::json(200, "ListModelsResponse", body)
    }

    /// Image bytes at a download URL (file storage, not the JSON API).
    pub fn file(bytes: Vec<u8>, content_type: &str) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: bytes,
            delay: Duration::ZERO,
            cut_after: None,
            unannounced_length: false,
        }
    }

    /// Deliberately NOT what the contract describes, for tests of how the client copes
    /// with broken answers. The name makes every such use stand out.
    pub fn off_contract(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
            cut_after: None,
            unannounced_length: false,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    pub fn unannounced_length(mut self) -> Reply {
        self.unannounced_length = true;
        self
    }

    pub fn cut_after(mut self, bytes: usize) -> Reply {
        self.cut_after = Some(bytes);
        self
    }
}

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Lower-cased header names.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// The multipart parts of an upload, in order.
    pub fn parts(&self) -> Vec<multipart::FormPart> {
        let ct = &self.headers["content-type"];
        multipart::parse(&self.body, multipart::boundary(ct))
    }

    pub fn field(&self, name: &str) -> Option<String> {
        self.parts()
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.text())
    }

    pub fn files(&self, name: &str) -> Vec<multipart::FormPart> {
        self.parts()
            .into_iter()
            .filter(|p| p.name == name)
            .collect()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("request body is not JSON: {e}"))
    }
}

/// Checks an edit or variation upload against `schema`, as a form server reads one:
/// `image[]` parts make the `image` array, files are binary strings, numeric properties
/// are numbers. Beyond the schema, what its descriptions require (the contract states these
/// in prose): every field is one the schema documents, each file is a real PNG, JPEG or
/// WebP image, the mask is a PNG with an alpha channel of the first image's exact size,
/// and a variation's image is a square PNG. Sizes in bytes are left to the unit tests.
pub fn check_upload(r: &Recorded, schema: &str) {
    assert_eq!(r.method, "POST");
    assert!(r.headers.contains_key("authorization"));
    let c = contract();
    let props = c.properties(schema);
    let mut doc = serde_json::Map::new();
    let mut images: Vec<Vec<u8>> = Vec::new();
    let mut mask = None;
    for part in r.parts() {
        let name = part.name.trim_end_matches("[]").to_owned();
        assert!(
            props.contains_key(&name),
            "{}: field {} is not in {schema}",
            r.path,
            part.name
        );
        if part.filename.is_some() {
            let kind = image::guess_format(&part.bytes)
                .unwrap_or_else(|_| panic!("{}: file {} is not an image", r.path, part.name));
            let declared = part.content_type.clone().unwrap_or_default();
            assert!(declared.starts_with("image/"), "{declared}");
            assert!(
                matches!(
                    kind,
                    image::ImageFormat::Png | image::ImageFormat::Jpeg | image::ImageFormat::WebP
                ),
                "{kind:?}"
            );
            if name == "mask" {
                mask = Some(part.bytes.clone());
            } else {
                images.push(part.bytes.clone());
            }
            let v = Value::from(format!("<{} bytes>", part.bytes.len()));
            if part.name.ends_with("[]") {
                doc.entry(name)
                    .or_insert_with(|| Value::Array(Vec::new()))
                    .as_array_mut()
                    .unwrap()
                    .push(v);
            } else {
                assert!(!doc.contains_key(&name), "{name} sent twice");
                doc.insert(name, v);
            }
        } else {
            let text = part.text();
            let ty = props[&name].to_string();
            let v = if ty.contains("\"integer\"") || ty.contains("\"number\"") {
                serde_json::from_str::<Value>(&text)
                    .ok()
                    .filter(Value::is_number)
                    .unwrap_or(Value::from(text))
            } else if ty.contains("\"boolean\"") {
                serde_json::from_str::<Value>(&text).unwrap_or(Value::from(text))
            } else {
                Value::from(text)
            };
            assert!(!doc.contains_key(&name), "{name} sent twice");
            doc.insert(name, v);
        }
    }
    c.assert_valid(schema, &Value::Object(doc));
    let first = image::load_from_memory(images.first().expect("an image")).unwrap();
    if let Some(mask) = mask {
        assert_eq!(
            image::guess_format(&mask).unwrap(),
            image::ImageFormat::Png,
            "mask is PNG"
        );
        let m = image::load_from_memory(&mask).unwrap();
        assert!(
            m.color().has_alpha(),
            "the mask needs alpha (transparent = edit)"
        );
        assert_eq!(
            (m.width(), m.height()),
            (first.width(), first.height()),
            "the mask has the image's dimensions"
        );
    }
    if schema == "CreateImageVariationRequest" {
        assert_eq!(images.len(), 1);
        assert_eq!(
            image::guess_format(&images[0]).unwrap(),
            image::ImageFormat::Png
        );
        assert_eq!(
            first.width(),
            first.height(),
            "a variation's image is square"
        );
    }
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

    /// What the client is configured with, e.g. "http://127.0.0.1:PORT/v1".
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
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

    pub fn generations(&self, reply: Reply) {
        self.script(GENERATIONS, reply);
    }

    /// Serves `reply` once at /files/<name> and returns its URL.
    pub fn file(&self, name: &str, reply: Reply) -> String {
        let path = format!("/files/{name}");
        self.script(&path, reply);
        self.url(&path)
    }

    /// Every request received so far. Fails the test if any generation request body does
    /// not follow the contract's `CreateImageRequest`, or any edit or variation upload its
    /// `CreateImageEditRequest` / `CreateImageVariationRequest` (see `check_upload`).
    pub fn requests(&self) -> Vec<Recorded> {
        let recorded = self.shared.lock().unwrap().recorded.clone();
        for r in &recorded {
            match r.path.as_str() {
                GENERATIONS => contract().assert_valid("CreateImageRequest", &r.json()),
                EDITS => check_upload(r, "CreateImageEditRequest"),
                VARIATIONS => check_upload(r, "CreateImageVariationRequest"),
                _ => {}
            }
        }
        recorded
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let Some(req) = read_request(&mut stream).await else {
        return;
    };
    let reply = {
        let mut s = shared.lock().unwrap();
        let reply = s.replies.get_mut(&req.path).and_then(VecDeque::pop_front);
        s.recorded.push(req.clone());
        reply
    };
    let reply = reply.unwrap_or_else(|| {
        Reply::error(
            500,
            "server_error",
            None,
            &format!(
                "The stand-in has no reply scripted for {} {}.",
                req.method, req.path
            ),
        )
    });
    tokio::time::sleep(reply.delay).await;
    let mut head = format!(
        "HTTP/1.1 {} Stand-in\r\nconnection: close\r\n",
        reply.status
    );
    if !reply.unannounced_length {
        head.push_str(&format!("content-length: {}\r\n", reply.body.len()));
    }
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
    // Dropping the stream closes it, which is what cuts a reply short.
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
    assert!(
        !headers.contains_key("transfer-encoding"),
        "the stand-in only reads Content-Length bodies"
    );
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
    })
}

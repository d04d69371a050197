//! A stand-in for Getty Images on 127.0.0.1: the OAuth token endpoint, the `/v3/ai/...`
//! API and a file host for preview and download URLs. Replies are scripted per method and
//! path; each scripted API reply is checked against the Getty contract when it is scripted,
//! and each request the client sent is checked (auth headers, documented operation, body
//! schema) when the test reads them.
//!
//! Where the contract is silent, the stand-in assumes: the token endpoint answers the
//! standard OAuth 2 shape `{access_token, token_type, expires_in}`; error answers carry a
//! JSON `{"message": ...}` body (the contract documents none); 401 and 5xx may come from any
//! path. Refine's mask upload (`PUT /v3/search/by-image/uploads/{name}.jpg`) is described in
//! the refine operation's prose only: the stand-in takes a JPEG of at most 10 MB with
//! `Content-Type: image/jpeg` and the `Api-Key` header, and answers 200 with no body
//! (assumed; the prose shows the request, not the answer); the bearer token the client also
//! sends is accepted.
#![allow(dead_code, clippy::unwrap_used)]

pub mod contract;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use contract::getty;

pub const KEY: &str = "getty-key-0123456789";
pub const SECRET: &str = "getty-secret-0123456789";
pub const TOKEN_PATH: &str = "/oauth2/token";
pub const GENERATE: &str = "/v3/ai/image-generations";
pub const HISTORY: &str = "/v3/ai/generation-history";
pub const REFINE: &str = "/v3/ai/image-generations/refine";
pub const UPLOADS: &str = "/v3/search/by-image/uploads/";

pub fn variations_path(id: &str, index: u32) -> String {
    format!("{GENERATE}/{id}/images/{index}/variations")
}

pub fn poll_path(id: &str) -> String {
    format!("{GENERATE}/{id}")
}

pub fn sizes_path(id: &str, index: u32) -> String {
    format!("{GENERATE}/{id}/images/{index}/download-sizes")
}

pub fn download_path(id: &str, index: u32) -> String {
    format!("{GENERATE}/{id}/images/{index}/download")
}

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    /// Send only this many body bytes (with the full Content-Length), then drop the connection.
    pub cut_after: Option<usize>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(&body).unwrap(),
            delay: Duration::ZERO,
            cut_after: None,
        }
    }

    /// A status with no payload (Getty's 202 to a download).
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: vec![],
            delay: Duration::ZERO,
            cut_after: None,
        }
    }

    /// An error answer; the body shape is our assumption (see the module comment).
    pub fn error(status: u16, message: &str) -> Reply {
        Reply::json(status, json!({ "message": message }))
    }

    pub fn pending(id: &str) -> Reply {
        Reply::json(202, json!({ "generation_request_id": id }))
    }

    pub fn file(bytes: Vec<u8>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "image/png".into())],
            body: bytes,
            delay: Duration::ZERO,
            cut_after: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn cut_after(mut self, bytes: usize) -> Reply {
        self.cut_after = Some(bytes);
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Without the query.
    pub path: String,
    pub query: String,
    /// Lower-cased names.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// The URL this request went to, as the client would name it in a `mask_url`.
    pub fn url(&self, base: &str) -> String {
        format!("{base}{}", self.path)
    }
}

#[derive(Default)]
struct Shared {
    replies: HashMap<String, VecDeque<Reply>>,
    recorded: Vec<Recorded>,
    unscripted: Vec<String>,
    tokens_issued: u32,
}

pub struct GettyStandIn {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

fn key(method: &str, path: &str) -> String {
    format!("{method} {path}")
}

impl GettyStandIn {
    pub async fn start() -> GettyStandIn {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let s = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, s.clone()));
            }
        });
        GettyStandIn { addr, shared, task }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn auth_url(&self) -> String {
        format!("http://{}{TOKEN_PATH}", self.addr)
    }

    /// Queues the next answer to `method path`, checked against the contract.
    pub fn on(&self, method: &str, path: &str, reply: Reply) {
        getty().check_reply(method, path, reply.status, &reply.body);
        self.push(method, path, reply);
    }

    /// Queues a token answer (the default is a fresh token each time).
    pub fn token_reply(&self, reply: Reply) {
        self.push("POST", TOKEN_PATH, reply);
    }

    /// Serves `reply` once at /files/<name>; returns its URL.
    pub fn file(&self, name: &str, reply: Reply) -> String {
        let path = format!("/files/{name}");
        self.push("GET", &path, reply);
        format!("http://{}{path}", self.addr)
    }

    fn push(&self, method: &str, path: &str, reply: Reply) {
        self.shared
            .lock()
            .unwrap()
            .replies
            .entry(key(method, path))
            .or_default()
            .push_back(reply);
    }

    /// A finished generation (`ImageGenerationsResponse`) whose results are served as files.
    pub fn finished(&self, id: &str, seed: i64, previews: &[(u32, Option<Vec<u8>>)]) -> Reply {
        let results: Vec<Value> = previews
            .iter()
            .map(|(index, bytes)| match bytes {
                Some(bytes) => {
                    let url = self.file(&format!("{id}-{index}.png"), Reply::file(bytes.clone()));
                    json!({
                        "index": index,
                        "is_blocked": false,
                        "url": url,
                        "preview_urls": [{"preview_size": "small", "image_url": url, "width": 2, "height": 2}]
                    })
                }
                None => json!({"index": index, "is_blocked": true, "url": null, "preview_urls": []}),
            })
            .collect();
        Reply::json(
            200,
            json!({"generation_request_id": id, "seed": seed, "results": results}),
        )
    }

    /// Every request so far, each checked: token requests carry the client credentials; API
    /// requests carry the API key and a token the stand-in issued, call a documented
    /// operation, and send a body that follows its schema. Also fails if the client called
    /// anything the test did not script.
    pub fn requests(&self) -> Vec<Recorded> {
        let s = self.shared.lock().unwrap();
        assert!(
            s.unscripted.is_empty(),
            "unscripted calls: {:?}",
            s.unscripted
        );
        for r in &s.recorded {
            if r.path == TOKEN_PATH {
                assert_eq!(r.method, "POST");
                let form = String::from_utf8(r.body.clone()).unwrap();
                let mut fields: Vec<&str> = form.split('&').collect();
                fields.sort_unstable();
                assert_eq!(
                    fields,
                    [
                        format!("client_id={KEY}").as_str(),
                        &format!("client_secret={SECRET}"),
                        "grant_type=client_credentials"
                    ]
                );
                assert!(r.headers["content-type"].starts_with("application/x-www-form-urlencoded"));
            } else if let Some(name) = r.path.strip_prefix(UPLOADS) {
                assert_eq!(r.method, "PUT", "masks are uploaded with PUT");
                assert!(name.ends_with(".jpg") && !name.contains('/'), "{name}");
                assert_eq!(r.headers.get("api-key").map(String::as_str), Some(KEY));
                assert_eq!(
                    r.headers.get("content-type").map(String::as_str),
                    Some("image/jpeg")
                );
                assert_eq!(
                    image::guess_format(&r.body).unwrap(),
                    image::ImageFormat::Jpeg,
                    "the mask is a JPEG"
                );
                assert!(
                    r.body.len() <= 10 * 1000 * 1000,
                    "uploads are 10MB or smaller"
                );
            } else if r.path.starts_with("/v3/") {
                assert_eq!(r.headers.get("api-key").map(String::as_str), Some(KEY));
                let auth = r.headers.get("authorization").cloned().unwrap_or_default();
                assert!(auth.starts_with("Bearer token-"), "authorization: {auth}");
                getty().check_request(&r.method, &r.path, &r.query, &r.body);
            } else {
                assert!(r.path.starts_with("/files/"), "unexpected path {}", r.path);
                assert!(
                    !r.headers.contains_key("authorization"),
                    "credentials sent to file storage"
                );
                assert!(
                    !r.headers.contains_key("api-key"),
                    "API key sent to file storage"
                );
            }
        }
        s.recorded.clone()
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }

    pub fn tokens_issued(&self) -> u32 {
        self.shared.lock().unwrap().tokens_issued
    }
}

impl Drop for GettyStandIn {
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
        s.recorded.push(req.clone());
        let scripted = s
            .replies
            .get_mut(&key(&req.method, &req.path))
            .and_then(VecDeque::pop_front);
        match scripted {
            Some(r) => r,
            None if req.method == "PUT" && req.path.starts_with(UPLOADS) => Reply::empty(200),
            None if req.path == TOKEN_PATH => {
                s.tokens_issued += 1;
                Reply::json(
                    200,
                    json!({"access_token": format!("token-{}", s.tokens_issued), "token_type": "Bearer", "expires_in": 1800}),
                )
            }
            None => {
                s.unscripted.push(key(&req.method, &req.path));
                Reply::error(500, "the stand-in has no reply scripted")
            }
        }
    };
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
    let _ = stream.write_all(head.as_bytes()).await;
    let body = &reply.body[..reply.cut_after.unwrap_or(usize::MAX).min(reply.body.len())];
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
    let target = first.next()?.to_owned();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target, String::new()),
    };
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
        query,
        headers,
        body,
    })
}

//! A stand-in for Adobe Firefly Services and Adobe IMS on 127.0.0.1, held to the contract
//! `adobe-firefly.yaml`: every answer scripted here is checked against the contract's
//! response schema for its path and status, and every request the client sent is checked
//! (method, path, `Authorization` with a token IMS issued, `x-api-key`, `x-model-version`,
//! and the JSON body against `GenerateImagesRequestV3`) when a test reads them.
//!
//! Reuses the OpenAI tests' raw HTTP server and OpenAPI-to-JSON-Schema code as they are.
//!
//! Where the contract is silent, these assumptions (also in the report):
//! - IMS is not in the contract. Its answer is Adobe's documented IMS v3 shape
//!   `{access_token, token_type: "bearer", expires_in: <seconds>}`.
//! - 401 is not in the contract (only the security schemes are). An expired token gets the
//!   Adobe I/O gateway's answer `{"error_code": "401013", "message": "Oauth token is not
//!   valid"}`, scripted with `off_contract` so that it stands out.
//! - Cancel's 200 body has an empty schema; `{}` is sent.
#![allow(dead_code, clippy::unwrap_used)]

#[path = "../support/contract.rs"]
pub mod contract;
#[path = "../support/stand_in.rs"]
pub mod stand_in;

use std::sync::{Mutex, OnceLock};

use serde_json::{Value, json};

pub use stand_in::{Recorded, Reply};

use contract::{Contract, contracts_dir};

pub const CLIENT_ID: &str = "ff-client-id-0123";
pub const CLIENT_SECRET: &str = "p8e-ff-secret-abcdef0123456789";
pub const TOKEN_PATH: &str = "/ims/token/v3";
pub const GENERATE: &str = "/v3/images/generate-async";
const MODEL_VERSIONS: [&str; 5] = [
    "image3",
    "image3_custom",
    "image4_standard",
    "image4_ultra",
    "image4_custom",
];

pub fn firefly_contract() -> &'static Contract {
    static C: OnceLock<Contract> = OnceLock::new();
    C.get_or_init(|| {
        let path = contracts_dir().join("adobe-firefly.yaml");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "The Firefly contract is needed for these tests but could not be read at {} ({e}). \
                 Set EASEL_CONTRACTS_DIR to the folder holding adobe-firefly.yaml.",
                path.display()
            )
        });
        Contract::from_yaml(&text)
    })
}

pub fn status_path(job: &str) -> String {
    format!("/v3/status/{job}")
}

pub fn cancel_path(job: &str) -> String {
    format!("/v3/cancel/{job}")
}

fn json_reply(status: u16, body: &Value) -> Reply {
    Reply {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: serde_json::to_vec(body).unwrap(),
        delay: std::time::Duration::ZERO,
        cut_after: None,
        unannounced_length: false,
    }
}

/// A status body must follow the path's 200 schema (`AsyncTaskResponseV3` or
/// `AsyncApiErrorV3`). The second has no required field, so a body whose status is one of
/// the task enum's values must follow `AsyncTaskResponseV3` itself, and a result must be a
/// `GenerateImagesResponseV3`: otherwise the anyOf would let anything through.
pub fn assert_status_body(body: &Value) {
    let c = firefly_contract();
    let task = c.violations("AsyncTaskResponseV3", body);
    let error = c.violations("AsyncApiErrorV3", body);
    assert!(
        task.is_empty() || error.is_empty(),
        "status body follows neither schema: {task:#?} {error:#?}\n{body:#}"
    );
    let status = body["status"].as_str().unwrap_or("");
    if ["pending", "running", "succeeded", "failed", "canceled"].contains(&status) {
        c.assert_valid("AsyncTaskResponseV3", body);
    }
    if let Some(result) = body.get("result") {
        c.assert_valid("GenerateImagesResponseV3", result);
    }
}

pub struct Firefly {
    pub server: stand_in::StandIn,
    issued: Mutex<Vec<String>>,
}

impl Firefly {
    pub async fn start() -> Firefly {
        Firefly {
            server: stand_in::StandIn::start().await,
            issued: Mutex::default(),
        }
    }

    /// What the client gets as its base URL (the contract's server has no path).
    pub fn base_url(&self) -> String {
        self.server.url("")
    }

    pub fn ims_url(&self) -> String {
        self.server.url(TOKEN_PATH)
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// IMS issues `token`, good for `expires_in` seconds.
    pub fn token(&self, token: &str, expires_in: u64) {
        self.issued.lock().unwrap().push(token.to_owned());
        self.server.script(
            TOKEN_PATH,
            json_reply(
                200,
                &json!({"access_token": token, "token_type": "bearer", "expires_in": expires_in}),
            ),
        );
    }

    /// IMS refuses the client credentials (its documented 400 `invalid_client`).
    pub fn token_refused(&self) {
        self.server.script(
            TOKEN_PATH,
            json_reply(400, &json!({"error": "invalid_client", "error_description": "invalid client_id parameter"})),
        );
    }

    /// The 202 for a job, with status and cancel URLs on this server.
    pub fn accept(&self, job: &str) {
        let body = json!({
            "jobId": job,
            "statusUrl": self.url(&status_path(job)),
            "cancelUrl": self.url(&cancel_path(job)),
        });
        firefly_contract().assert_valid("AsyncAcceptResponseV3", &body);
        self.server.script(GENERATE, json_reply(202, &body));
    }

    /// A 202 naming the given status and cancel URLs (the contract only says "string").
    pub fn accept_naming(&self, job: &str, status_url: &str, cancel_url: &str) {
        let body = json!({"jobId": job, "statusUrl": status_url, "cancelUrl": cancel_url});
        firefly_contract().assert_valid("AsyncAcceptResponseV3", &body);
        self.server.script(GENERATE, json_reply(202, &body));
    }

    /// An error answer to the generate call (`ApiError`, as every documented JSON error of
    /// that path is).
    pub fn generate_error(&self, status: u16, body: Value, headers: &[(&str, &str)]) {
        assert!(
            [400, 403, 408, 415, 422, 429, 500].contains(&status),
            "the contract documents no {status} for generate-async"
        );
        firefly_contract().assert_valid("ApiError", &body);
        let mut reply = json_reply(status, &body);
        for (k, v) in headers {
            reply = reply.header(k, v);
        }
        self.server.script(GENERATE, reply);
    }

    /// Deliberately outside the contract (see the module comment); the name makes it stand out.
    pub fn off_contract(&self, path: &str, reply: Reply) {
        self.server.script(path, reply);
    }

    /// One status answer for `job`.
    pub fn status(&self, job: &str, body: Value, retry_after: Option<&str>) {
        assert_status_body(&body);
        let mut reply = json_reply(200, &body);
        if let Some(r) = retry_after {
            reply = reply.header("retry-after", r);
        }
        self.server.script(&status_path(job), reply);
    }

    pub fn running(&self, job: &str, retry_after: Option<&str>) {
        self.status(
            job,
            json!({"jobId": job, "status": "running", "progress": 40.0}),
            retry_after,
        );
    }

    /// `succeeded` with one output per (file name, seed); the files are served once each.
    pub fn succeeded(&self, job: &str, outputs: &[(&str, i64, Reply)]) {
        let outputs: Vec<Value> = outputs
            .iter()
            .map(|(name, seed, file)| json!({"seed": seed, "image": {"url": self.server.file(name, file.clone())}}))
            .collect();
        self.status(
            job,
            json!({
                "jobId": job,
                "status": "succeeded",
                "result": {"outputs": outputs, "size": {"width": 2048, "height": 2048}, "contentClass": "photo"},
            }),
            None,
        );
    }

    pub fn cancel_ok(&self, job: &str) {
        self.server
            .script(&cancel_path(job), json_reply(200, &json!({})));
    }

    /// Every request so far, each checked against the contract.
    pub fn requests(&self) -> Vec<Recorded> {
        let all = self.server.requests();
        let issued = self.issued.lock().unwrap().clone();
        for r in &all {
            if r.path == TOKEN_PATH {
                check_token_request(r);
                continue;
            }
            if r.path.starts_with("/files/") {
                assert_eq!(r.method, "GET");
                assert!(
                    !r.headers.contains_key("authorization"),
                    "credentials sent to file storage"
                );
                assert!(
                    !r.headers.contains_key("x-api-key"),
                    "client id sent to file storage"
                );
                continue;
            }
            let bearer = r
                .headers
                .get("authorization")
                .and_then(|a| a.strip_prefix("Bearer "));
            assert!(
                bearer.is_some_and(|t| issued.iter().any(|i| i == t)),
                "{} {} without a token IMS issued: {:?}",
                r.method,
                r.path,
                r.headers.get("authorization")
            );
            assert_eq!(
                r.headers.get("x-api-key").map(String::as_str),
                Some(CLIENT_ID),
                "{}",
                r.path
            );
            if r.path == GENERATE {
                assert_eq!(r.method, "POST");
                let version = r
                    .headers
                    .get("x-model-version")
                    .map(String::as_str)
                    .unwrap_or("image3");
                assert!(
                    MODEL_VERSIONS.contains(&version),
                    "x-model-version {version}"
                );
                assert!(
                    r.headers
                        .get("content-type")
                        .is_some_and(|c| c.starts_with("application/json"))
                );
                let body = r.json();
                firefly_contract().assert_valid("GenerateImagesRequestV3", &body);
                // "If specified along with numVariations, the number of seeds must equal it."
                if let (Some(seeds), Some(n)) = (body.get("seeds"), body.get("numVariations")) {
                    assert_eq!(seeds.as_array().unwrap().len() as u64, n.as_u64().unwrap());
                }
            } else if r.path.starts_with("/v3/status/") {
                assert_eq!(r.method, "GET");
            } else if r.path.starts_with("/v3/cancel/") {
                assert_eq!(r.method, "PUT");
            } else {
                panic!("{} {} is not a path of the contract", r.method, r.path);
            }
        }
        all
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }

    /// Requests other than IMS ones.
    pub fn api_count(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path != TOKEN_PATH)
            .count()
    }
}

/// Adobe's IMS client-credentials form.
fn check_token_request(r: &Recorded) {
    assert_eq!(r.method, "POST");
    let form: std::collections::HashMap<String, String> = String::from_utf8_lossy(&r.body)
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace("%2C", ",").replace('+', " ")))
        .collect();
    assert_eq!(
        form.get("grant_type").map(String::as_str),
        Some("client_credentials")
    );
    assert_eq!(form.get("client_id").map(String::as_str), Some(CLIENT_ID));
    assert_eq!(
        form.get("client_secret").map(String::as_str),
        Some(CLIENT_SECRET)
    );
    let scope = form.get("scope").cloned().unwrap_or_default();
    for s in ["openid", "AdobeID", "firefly_api", "ff_apis"] {
        assert!(scope.split(',').any(|x| x == s), "scope {scope} lacks {s}");
    }
}

/// A real, tiny PNG with a marker pixel, so outputs can be told apart.
pub fn png(shade: u8) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(2, 2, image::Rgba([shade, 30, 60, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn file(bytes: Vec<u8>) -> Reply {
    Reply::file(bytes, "image/png")
}

//! Engines on the user's own machine or LAN: AUTOMATIC1111/Forge, ComfyUI and
//! OpenAI-compatible servers. What they share: how to reach them (URL, basic auth), what an
//! engine that is down looks like, the seed Easel picks where the engine would randomise,
//! and the checks of a request before anything is sent.

pub mod a1111;
pub mod comfyui;
pub mod openai_compat;
mod params;

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::endpoints::{Endpoint, EndpointKind};
use crate::error::{Error, Result};
use crate::providers::http::{self, Failure, RetryClass, Timeouts, read_capped};
use crate::secrets::ApiKey;

pub use params::{EngineParams, check_request, choose_seed};

/// JSON answers of local engines: a batch of base64 PNGs fits.
const MAX_JSON: u64 = 512 * 1024 * 1024;
/// One image or preview.
pub(crate) const MAX_IMAGE: u64 = 64 * 1024 * 1024;
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// Where an engine is and how to sign in to it. `Debug` never shows the password.
#[derive(Clone)]
pub struct Access {
    pub name: String,
    pub kind: EndpointKind,
    /// Without a trailing slash.
    pub base_url: String,
    username: Option<String>,
    password: Option<ApiKey>,
    pub http: reqwest::Client,
    /// How often to ask a polling engine (A1111) for progress.
    pub poll_every: Duration,
}

impl fmt::Debug for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Access")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Access {
    pub fn new(endpoint: &Endpoint, password: Option<ApiKey>) -> Result<Access> {
        let base_url = http::checked_base_url(&endpoint.url, endpoint.kind.example_url())?;
        // Local generations on a slow GPU can take many minutes; a dead engine is found by
        // the connect timeout.
        let http = http::client(Timeouts {
            connect: Duration::from_secs(5),
            total: Duration::from_secs(3600),
        })?;
        Ok(Access {
            name: endpoint.name.clone(),
            kind: endpoint.kind,
            base_url,
            username: endpoint.username.clone().filter(|u| !u.is_empty()),
            password,
            http,
            poll_every: Duration::from_millis(500),
        })
    }

    /// Asks more often (tests).
    pub fn with_poll_every(mut self, every: Duration) -> Access {
        self.poll_every = every;
        self
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Basic auth when a user is set; a bearer token when only a password (an API key) is.
    pub fn authorize(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match (&self.username, &self.password) {
            (Some(user), pass) => builder.basic_auth(user, pass.as_ref().map(ApiKey::expose)),
            (None, Some(key)) => builder.bearer_auth(key.expose()),
            (None, None) => builder,
        }
    }

    /// The `Authorization` header value, for the WebSocket handshake.
    pub fn authorization_header(&self) -> Option<String> {
        use base64::Engine as _;
        match (&self.username, &self.password) {
            (Some(user), pass) => {
                let raw = format!("{user}:{}", pass.as_ref().map_or("", ApiKey::expose));
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                ))
            }
            (None, Some(key)) => Some(format!("Bearer {}", key.expose())),
            (None, None) => None,
        }
    }

    fn secret(&self) -> Option<&str> {
        self.password.as_ref().map(ApiKey::expose)
    }

    /// Sends one request and reads the whole answer, mapping failures the way every local
    /// engine needs: nothing listening, wrong password, an API that is switched off.
    pub async fn send(
        &self,
        builder: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<Vec<u8>, Failure> {
        let resp = self
            .authorize(builder)
            .send()
            .await
            .map_err(|e| self.transport(e, what))?;
        let status = resp.status();
        if !status.is_success() {
            let body = read_capped(resp, MAX_ERROR_BODY, "The error answer")
                .await
                .unwrap_or_default();
            return Err(self.status_failure(status, &body, what));
        }
        read_capped(resp, MAX_JSON, "The engine's answer").await
    }

    /// `send`, then the JSON answer as `T`.
    pub async fn json<T: DeserializeOwned>(
        &self,
        builder: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T, Failure> {
        let body = self.send(builder, what).await?;
        parse(&body, what).map_err(Failure::final_)
    }

    /// A transport failure: nothing listens at the URL (the engine is not running), or the
    /// connection broke.
    pub fn transport(&self, e: reqwest::Error, what: &str) -> Failure {
        if e.is_connect() {
            return Failure::final_(self.down());
        }
        let f = http::from_transport(e, what);
        if matches!(f.error, Error::Timeout { .. }) {
            return f;
        }
        Failure {
            error: Error::EngineUnreachable {
                message: format!(
                    "{} ({}) stopped answering while {}: {}",
                    self.name,
                    self.kind.label(),
                    what.to_ascii_lowercase(),
                    f.error
                ),
            },
            class: f.class,
        }
    }

    /// The engine is not running (or not at this address).
    pub fn down(&self) -> Error {
        let start = match self.kind {
            EndpointKind::A1111 => {
                "Start the WebUI with --api (add it to COMMANDLINE_ARGS in webui-user), or correct the endpoint's URL"
            }
            EndpointKind::Comfyui => {
                "Start ComfyUI (add --listen to reach it from another machine), or correct the endpoint's URL"
            }
            EndpointKind::OpenaiCompatible => {
                "Start the server, or correct the endpoint's URL (it usually ends in /v1)"
            }
        };
        Error::EngineUnreachable {
            message: format!(
                "Nothing answers at {} ({}, endpoint \"{}\"). {start}.",
                self.base_url,
                self.kind.label(),
                self.name
            ),
        }
    }

    /// Maps an error status of the engine.
    pub fn status_failure(&self, status: StatusCode, body: &[u8], what: &str) -> Failure {
        let text = error_text(body);
        let text = match self.secret() {
            Some(s) if s.len() >= 4 => text.replace(s, "<redacted>"),
            _ => text,
        };
        let code = status.as_u16();
        let error = match code {
            401 | 403 => Error::Auth {
                message: format!(
                    "{} ({}) refused the user name or password (HTTP {code}){}. Set them with `easel-cli endpoint add {} ... --username U --password-stdin`, or in Settings.",
                    self.name,
                    self.kind.label(),
                    if text.is_empty() {
                        String::new()
                    } else {
                        format!(": {text}")
                    },
                    self.name
                ),
                env_var: crate::endpoints::password_env(&self.name),
            },
            404 if self.kind == EndpointKind::A1111 => Error::EngineApiOff {
                message: format!(
                    "The server at {} answers, but has no API (404 for {what}): AUTOMATIC1111 and Forge serve /sdapi/v1 only when started with --api. Add --api to COMMANDLINE_ARGS (webui-user.bat or webui-user.sh) and restart it.",
                    self.base_url
                ),
            },
            404 => Error::Provider {
                status: code,
                message: format!(
                    "{} has no {what} at {} (404). Check that the endpoint's URL and kind are right.",
                    self.kind.label(),
                    self.base_url
                ),
            },
            _ => Error::Provider {
                status: code,
                message: if text.is_empty() {
                    format!("{what} failed.")
                } else {
                    format!("{what} failed: {text}")
                },
            },
        };
        let class = if status.is_server_error() && code != 500 {
            RetryClass::Transient { hint: None }
        } else {
            RetryClass::Never
        };
        Failure { error, class }
    }
}

/// Parses a JSON answer, or says it is not in the documented shape.
pub fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::BadResponse {
        message: format!("{what}: the answer is not in the documented shape ({e})."),
    })
}

/// What an engine's error body says, in one line: A1111's `{error, detail, errors}`,
/// FastAPI's `{detail}`, ComfyUI's `{error: {message}}` or `{error: "..."}`, or the text.
fn error_text(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => {
            let pick = |v: &serde_json::Value| -> Option<String> {
                match v {
                    serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                    serde_json::Value::Object(o) => {
                        o.get("message").and_then(|m| m.as_str()).map(str::to_owned)
                    }
                    serde_json::Value::Null => None,
                    other if !other.is_null() => Some(other.to_string()),
                    _ => None,
                }
            };
            let main = v
                .get("errors")
                .and_then(pick)
                .or_else(|| v.get("detail").and_then(pick))
                .or_else(|| v.get("error").and_then(pick))
                .unwrap_or_else(|| v.to_string());
            // ComfyUI says what is wrong with which node in `node_errors`.
            let nodes: Vec<String> = v
                .get("node_errors")
                .and_then(serde_json::Value::as_object)
                .into_iter()
                .flatten()
                .flat_map(|(node, e)| {
                    e.get("errors")
                        .and_then(serde_json::Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(move |err| {
                            format!(
                                "node {node}: {} ({})",
                                err.get("message").and_then(|m| m.as_str()).unwrap_or(""),
                                err.get("details").and_then(|m| m.as_str()).unwrap_or("")
                            )
                        })
                })
                .collect();
            if nodes.is_empty() {
                main
            } else {
                format!("{main}: {}", nodes.join("; "))
            }
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = one_line.trim();
    match trimmed.char_indices().nth(500) {
        Some((i, _)) => format!("{}…", &trimmed[..i]),
        None => trimmed.to_owned(),
    }
}

/// Runs one engine call with cancellation (engines are local: no retry loop, a failure
/// is reported at once).
pub async fn once<T>(
    cancel: &tokio_util::sync::CancellationToken,
    fut: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<T> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(Error::Cancelled),
        r = fut => r.map_err(|f| f.error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_texts_are_one_line_and_bounded() {
        assert_eq!(
            error_text(
                br#"{"error":"RuntimeError","detail":"","body":"","errors":"model 'x' not found"}"#
            ),
            "model 'x' not found"
        );
        assert_eq!(error_text(br#"{"detail":"Not Found"}"#), "Not Found");
        assert_eq!(
            error_text(br#"{"error":{"type":"no_prompt","message":"No prompt provided"}}"#),
            "No prompt provided"
        );
        assert_eq!(error_text(b"bad\x1b[31m\nthing"), "bad [31m thing");
        assert!(error_text("x".repeat(1000).as_bytes()).chars().count() <= 501);
    }
}

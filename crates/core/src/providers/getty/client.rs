//! The authenticated transport to Getty: every call carries the `Api-Key` header and a
//! bearer token, a 401 renews the token once, and a paid call (POST, PUT) that may have
//! reached Getty is never repeated: its failure becomes `OutcomeUnknown` instead.

use std::fmt;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::config::{GettyConfig, PollPolicy};
use super::failure::{Operation, from_status};
use crate::catalog::{self, ProviderSpec};
use crate::error::{Error, Result};
use crate::providers::http::{
    self, Failure, ResponseLimits, RetryPolicy, checked_base_url, from_transport, read_capped,
    server_hint, sleep_or_cancel,
};
use crate::providers::oauth::TokenSource;
use crate::providers::{Connection, ProviderProgress};

pub(super) const PROVIDER_ID: &str = "getty";
/// Error answers are short; anything longer is not worth reading.
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// A successful answer: its status (200 and 202 mean different things), headers and body.
pub(super) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

pub struct GettyClient {
    pub(super) http: reqwest::Client,
    pub(super) base_url: String,
    api_key: HeaderValue,
    api_secret: String,
    pub(super) tokens: TokenSource,
    pub(super) retry: RetryPolicy,
    pub(super) poll: PollPolicy,
    pub(super) limits: ResponseLimits,
    pub(super) provider: &'static ProviderSpec,
}

impl fmt::Debug for GettyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GettyClient")
            .field("base_url", &self.base_url)
            .field("tokens", &self.tokens)
            .field("retry", &self.retry)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

impl GettyClient {
    pub fn new(cfg: GettyConfig) -> Result<Self> {
        let provider = catalog::provider(PROVIDER_ID)?;
        let base_url = checked_base_url(&cfg.base_url, "https://api.gettyimages.com")?;
        let auth_url = checked_base_url(&cfg.auth_url, super::config::DEFAULT_AUTH_URL)?;
        let env_of = |field: &str| {
            provider
                .credential(field)
                .map_or_else(String::new, |f| f.env_var.clone())
        };
        let key = cfg.api_key.trim();
        let secret = cfg.api_secret.trim();
        if key.is_empty() || secret.is_empty() {
            let field = if key.is_empty() {
                "api_key"
            } else {
                "api_secret"
            };
            return Err(Error::Auth {
                message: "Getty Images needs both its API key and its API secret.".to_owned(),
                env_var: env_of(field),
            });
        }
        let mut api_key = HeaderValue::from_str(key).map_err(|_| Error::Auth {
            message: "The Getty API key contains characters that cannot be sent; paste it again."
                .to_owned(),
            env_var: env_of("api_key"),
        })?;
        api_key.set_sensitive(true);
        let http = http::client(cfg.timeouts)?;
        let tokens = TokenSource::new(
            http.clone(),
            auth_url,
            vec![
                ("client_id".to_owned(), key.to_owned()),
                ("client_secret".to_owned(), secret.to_owned()),
            ],
            &provider.name,
            &env_of("api_secret"),
        );
        Ok(GettyClient {
            http,
            base_url,
            api_key,
            api_secret: secret.to_owned(),
            tokens,
            retry: cfg.retry,
            poll: cfg.poll,
            limits: cfg.limits,
            provider,
        })
    }

    /// The client for the catalogue's Getty entry, as the engine connects it.
    pub fn connect(spec: &'static ProviderSpec, conn: Connection) -> Result<Self> {
        let key = conn.credentials.require(spec, "api_key")?;
        let secret = conn.credentials.require(spec, "api_secret")?;
        let auth_url = conn
            .auth_url
            .clone()
            .unwrap_or_else(|| super::config::DEFAULT_AUTH_URL.to_owned());
        let mut client = GettyClient::new(GettyConfig::new(conn.base_url, auth_url, key, secret))?;
        client.provider = spec;
        Ok(client)
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// One call, with a fresh token on a 401 (once). Statuses in `ok` are answers; any
    /// other becomes a typed failure for `op`.
    pub(super) async fn call(
        &self,
        op: Operation,
        url: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        ok: &[u16],
        cancel: &CancellationToken,
    ) -> Result<Answer, Failure> {
        let token = self.tokens.token(cancel).await?;
        let mut resp = self.send(op, url, query, body, &token).await?;
        let mut token = token;
        if resp.status().as_u16() == 401 {
            // Refused before any work, so sending it again (once) is safe even when paid.
            tracing::info!("Getty refused the token; signing in again");
            token = self.tokens.renew(&token, cancel).await?;
            resp = self.send(op, url, query, body, &token).await?;
        }
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if !ok.contains(&status) {
            let body = read_capped(resp, MAX_ERROR_BODY, "The error answer")
                .await
                .unwrap_or_default();
            let key = self.api_key.to_str().unwrap_or("");
            let f = from_status(
                op,
                status,
                &headers,
                &body,
                &self.env_var("api_key"),
                &[key, &self.api_secret, &token],
            );
            tracing::warn!(
                status,
                code = f.error.code(),
                ?op,
                "Getty answered with an error"
            );
            return Err(f);
        }
        let body = read_capped(resp, self.limits.max_json_bytes, "Getty's answer")
            .await
            .map_err(|f| {
                if op.is_paid() {
                    // Accepted, but the answer (with its id) was lost on the way.
                    Failure::final_(Error::OutcomeUnknown {
                        message: format!(
                            "Getty Images accepted the request but its answer was cut off ({}).",
                            f.error
                        ),
                    })
                } else {
                    f
                }
            })?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    async fn send(
        &self,
        op: Operation,
        url: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        token: &str,
    ) -> Result<reqwest::Response, Failure> {
        let mut bearer =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| Error::BadResponse {
                message: "the sign-in service answered with a token that cannot be sent."
                    .to_owned(),
            })?;
        bearer.set_sensitive(true);
        let mut builder = self
            .http
            .request(op.method(), url)
            .header("Api-Key", self.api_key.clone())
            .header(AUTHORIZATION, bearer);
        if !query.is_empty() {
            builder = builder.query(query);
        }
        if let Some(body) = body {
            builder = builder.json(body);
        }
        builder.send().await.map_err(|e| {
            // A paid request that got past connecting may have been received and acted on.
            if op.is_paid() && !e.is_connect() {
                let what = from_transport(e, "The request to Getty Images").error;
                Failure::final_(Error::OutcomeUnknown {
                    message: format!("{what}"),
                })
            } else {
                from_transport(e, "Sending the request to Getty Images")
            }
        })
    }

    /// PUTs `bytes` to `url` as one file (a refine mask), with a fresh token on a 401 (once).
    /// Not paid: uploading to the same URL again just overwrites.
    pub(super) async fn upload(
        &self,
        url: &str,
        bytes: &[u8],
        content_type: &'static str,
        cancel: &CancellationToken,
    ) -> Result<(), Failure> {
        let op = Operation::MaskUpload;
        let mut token = self.tokens.token(cancel).await?;
        let mut resp = self.send_bytes(url, bytes, content_type, &token).await?;
        if resp.status().as_u16() == 401 {
            token = self.tokens.renew(&token, cancel).await?;
            resp = self.send_bytes(url, bytes, content_type, &token).await?;
        }
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let headers = resp.headers().clone();
        let body = read_capped(resp, MAX_ERROR_BODY, "The error answer")
            .await
            .unwrap_or_default();
        let key = self.api_key.to_str().unwrap_or("");
        Err(from_status(
            op,
            status,
            &headers,
            &body,
            &self.env_var("api_key"),
            &[key, &self.api_secret, &token],
        ))
    }

    async fn send_bytes(
        &self,
        url: &str,
        bytes: &[u8],
        content_type: &'static str,
        token: &str,
    ) -> Result<reqwest::Response, Failure> {
        let mut bearer =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| Error::BadResponse {
                message: "the sign-in service answered with a token that cannot be sent."
                    .to_owned(),
            })?;
        bearer.set_sensitive(true);
        self.http
            .put(url)
            .header("Api-Key", self.api_key.clone())
            .header(AUTHORIZATION, bearer)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes.to_vec())
            .send()
            .await
            .map_err(|e| from_transport(e, "Uploading the mask to Getty Images"))
    }

    fn env_var(&self, field: &str) -> String {
        self.provider
            .credential(field)
            .map_or_else(String::new, |f| f.env_var.clone())
    }

    /// Asks `url` until it answers 200 (202 means "not yet"), honouring Retry-After, with
    /// a bounded total wait. Reads are retried on 5xx and dropped connections.
    pub(super) async fn poll_until_done(
        &self,
        op: Operation,
        url: &str,
        what: &str,
        progress: &(dyn Fn(ProviderProgress) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<Answer> {
        let mut waited = Duration::ZERO;
        let mut hint: Option<Duration> = None;
        let mut attempt = 0u32;
        loop {
            let delay = match hint {
                Some(h) => h.min(self.poll.max_hint),
                None => self.poll.delay(attempt + 1),
            };
            if waited + delay > self.poll.max_total {
                return Err(Error::Timeout {
                    message: format!(
                        "Getty Images had not finished {what} after {} s; it may still finish, and then appears in your Getty account",
                        self.poll.max_total.as_secs()
                    ),
                });
            }
            waited += delay;
            sleep_or_cancel(self.retry.scaled(delay), cancel).await?;
            attempt += 1;
            progress(ProviderProgress::Polling { attempt });
            let answer = http::with_retries(
                &self.retry,
                cancel,
                progress,
                |_| {},
                || self.call(op, url, &[], None, &[200, 202], cancel),
            )
            .await?;
            if answer.status == 200 {
                return Ok(answer);
            }
            hint = server_hint(&answer.headers);
        }
    }
}

/// Getty's ids go into URL paths; anything but letters, digits, `-` and `_` is refused
/// rather than encoded, so that an id can never change which path is called.
pub(super) fn checked_id(id: &str, what: &str) -> Result<String> {
    let ok = !id.is_empty()
        && id.len() <= 200
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(id.to_owned())
    } else {
        Err(Error::BadResponse {
            message: format!("{what} is not a Getty id."),
        })
    }
}

/// A preview's asset id as Easel stores it: `<generation request id>/<index>`, the two
/// things every per-image Getty path needs (its answers carry no other per-image id).
pub fn preview_asset_id(generation_request_id: &str, index: u32) -> String {
    format!("{generation_request_id}/{index}")
}

/// The generation request id and index of a stored preview's asset id.
pub(super) fn parse_asset_id(asset_id: &str) -> Result<(String, u32)> {
    let bad = || {
        Error::InvalidInput(format!(
            "\"{asset_id}\" is not the id of a Getty preview (expected <generation id>/<index>)."
        ))
    };
    let (id, index) = asset_id.rsplit_once('/').ok_or_else(bad)?;
    let index: u32 = index.parse().map_err(|_| bad())?;
    let id = checked_id(id, "The preview's generation id").map_err(|_| bad())?;
    Ok((id, index))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn asset_ids_round_trip_and_refuse_paths() {
        let id = preview_asset_id("abc-123", 2);
        assert_eq!(parse_asset_id(&id).unwrap(), ("abc-123".to_owned(), 2));
        for bad in ["abc", "abc/x", "../x/1", "a b/1", "/1", "a?b=1/0"] {
            assert_eq!(
                parse_asset_id(bad).unwrap_err().code(),
                "invalid_input",
                "{bad}"
            );
        }
    }

    #[test]
    fn missing_secret_is_an_auth_error() {
        let e = GettyClient::new(GettyConfig::new(
            "https://api.gettyimages.com",
            super::super::config::DEFAULT_AUTH_URL,
            "key",
            " ",
        ))
        .unwrap_err();
        assert!(
            matches!(e, Error::Auth { ref env_var, .. } if env_var == "GETTY_API_SECRET"),
            "{e:?}"
        );
    }
}

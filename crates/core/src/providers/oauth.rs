//! OAuth 2 client-credentials tokens (Getty, Adobe IMS): fetched when first needed, kept in
//! memory until shortly before they expire, refreshed once when the API answers 401, and
//! never written anywhere.

use std::fmt;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use super::http::{from_transport, read_capped};
use crate::error::{Error, Result};

/// A token is renewed this long before the provider says it expires, so that a request
/// never leaves with a token that dies on the way.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);
const MAX_TOKEN_ANSWER: u64 = 64 * 1024;

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    /// Seconds; Adobe IMS sends a number, some servers a string.
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

struct Cached {
    token: String,
    renew_at: Instant,
}

/// Where and how to ask for a token, and the one kept in memory.
pub struct TokenSource {
    http: reqwest::Client,
    url: String,
    /// Form fields sent with `grant_type=client_credentials` (client id, secret, scope).
    form: Vec<(String, String)>,
    /// Who the provider is, for messages ("Getty Images").
    provider: String,
    /// The environment variable to name when the credentials are refused.
    env_var: String,
    cached: Mutex<Option<Cached>>,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("url", &self.url)
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    pub fn new(
        http: reqwest::Client,
        url: String,
        form: Vec<(String, String)>,
        provider: &str,
        env_var: &str,
    ) -> TokenSource {
        TokenSource {
            http,
            url,
            form,
            provider: provider.to_owned(),
            env_var: env_var.to_owned(),
            cached: Mutex::new(None),
        }
    }

    /// A token that is good for at least another minute.
    pub async fn token(&self, cancel: &CancellationToken) -> Result<String> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && Instant::now() < c.renew_at
        {
            return Ok(c.token.clone());
        }
        let fresh = self.fetch(cancel).await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// After a 401 with `rejected`: drops it and fetches a new one, unless another request
    /// already did.
    pub async fn renew(&self, rejected: &str, cancel: &CancellationToken) -> Result<String> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && c.token != rejected
            && Instant::now() < c.renew_at
        {
            return Ok(c.token.clone());
        }
        *cached = None;
        let fresh = self.fetch(cancel).await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    async fn fetch(&self, cancel: &CancellationToken) -> Result<Cached> {
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        form.extend(self.form.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let send = self.http.post(&self.url).form(&form).send();
        let resp = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Error::Cancelled),
            r = send => r.map_err(|e| from_transport(e, "Signing in").error)?,
        };
        let status = resp.status();
        let body = read_capped(resp, MAX_TOKEN_ANSWER, "The sign-in answer")
            .await
            .map_err(|f| f.error)?;
        if status.as_u16() == 400 || status.as_u16() == 401 || status.as_u16() == 403 {
            return Err(Error::Auth {
                message: format!(
                    "{} refused the client credentials (HTTP {}).",
                    self.provider,
                    status.as_u16()
                ),
                env_var: self.env_var.clone(),
            });
        }
        if !status.is_success() {
            return Err(Error::Provider {
                status: status.as_u16(),
                message: format!(
                    "{}'s sign-in service failed; try again later.",
                    self.provider
                ),
            });
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&body).map_err(|e| Error::BadResponse {
                message: format!("the sign-in answer is not in the documented shape ({e})."),
            })?;
        if answer.access_token.trim().is_empty() {
            return Err(Error::BadResponse {
                message: "the sign-in answer holds no access token.".to_owned(),
            });
        }
        let lifetime = answer
            .expires_in
            .as_ref()
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .map_or(Duration::from_secs(3600), Duration::from_secs);
        Ok(Cached {
            token: answer.access_token,
            renew_at: Instant::now() + lifetime.saturating_sub(EXPIRY_MARGIN),
        })
    }
}

//! How to reach Firefly and how patiently to wait for a job. The secret lives here only;
//! `Debug` never prints it.

use std::fmt;
use std::time::Duration;

use crate::providers::http::{ResponseLimits, RetryPolicy, Timeouts};

/// The IMS scopes Adobe's Firefly Services set-up guide asks for.
pub const IMS_SCOPES: &str =
    "openid,AdobeID,session,additional_info,read_organizations,firefly_api,ff_apis";

/// How a job's status is polled.
#[derive(Clone, Debug, PartialEq)]
pub struct PollPolicy {
    /// Between status requests when the answer names no `Retry-After`.
    pub interval: Duration,
    /// A `Retry-After` longer than this is shortened to it (a job is usually done in seconds).
    pub max_interval: Duration,
    /// Total (unscaled) time spent waiting for one job before giving up on it.
    pub max_wait: Duration,
    /// The best-effort `PUT` cancel gets this long, so cancelling never hangs.
    pub cancel_timeout: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            max_wait: Duration::from_secs(5 * 60),
            cancel_timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Clone)]
pub struct FireflyConfig {
    /// e.g. "https://firefly-api.adobe.io".
    pub base_url: String,
    /// The IMS token endpoint.
    pub ims_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub timeouts: Timeouts,
    /// Retries of one call (429 honouring Retry-After, 5xx, dropped connections); its
    /// `time_scale` also scales the polling waits.
    pub retry: RetryPolicy,
    pub poll: PollPolicy,
    pub limits: ResponseLimits,
}

impl FireflyConfig {
    pub fn new(
        base_url: impl Into<String>,
        ims_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        FireflyConfig {
            base_url: base_url.into(),
            ims_url: ims_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            poll: PollPolicy::default(),
            limits: ResponseLimits::default(),
        }
    }
}

impl fmt::Debug for FireflyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FireflyConfig")
            .field("base_url", &self.base_url)
            .field("ims_url", &self.ims_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("retry", &self.retry)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

//! The OpenAI Images API: `POST /images/generations` and `GET /models`.
//! Requests are checked against the model catalogue before anything is sent; answers are
//! read with size caps; failures map onto `crate::Error` and are retried only when a
//! retry can help (rate limits, 5xx, dropped connections).

mod client;
mod config;
mod edit;
mod failure;
mod wire;

pub use crate::providers::ProviderProgress;
pub use crate::providers::http::{ResponseLimits, RetryPolicy, Timeouts, parse_go_duration};
pub use client::{GeneratedImages, ImageSource, OpenAiClient, OpenAiImage};
pub use config::OpenAiConfig;

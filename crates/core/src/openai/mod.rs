//! The OpenAI Images API: `POST /images/generations` and `GET /models`.
//! Requests are checked against the model catalogue before anything is sent; answers are
//! read with size caps; failures map onto `crate::Error` and are retried only when a
//! retry can help (rate limits, 5xx, dropped connections).

mod body;
mod client;
mod config;
mod failure;
mod retry;
mod wire;

pub use body::{ImageKind, looks_like_image};
pub use client::{GeneratedImages, ImageSource, OpenAiClient, ProviderProgress, ReceivedImage};
pub use config::{OpenAiConfig, ResponseLimits, Timeouts};
pub use retry::{RetryPolicy, parse_go_duration};

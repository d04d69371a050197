//! Adobe Firefly Services: `POST /v3/images/generate-async`, then `GET` the job's status
//! URL until it settles, then download every output at once (the links last an hour).
//! `PUT` to the job's cancel URL when Easel's job is cancelled mid-way. Sign-in is an
//! Adobe IMS client-credentials token plus the client id as `x-api-key` on every call.
//! The synchronous `/v3/images/generate` is gone (Adobe, 2025-10) and is not used.

mod client;
mod config;
mod failure;
mod wire;

pub use client::FireflyClient;
pub use config::{FireflyConfig, PollPolicy};

//! Stability AI's hosted Stable Image API (`/v2beta/stable-image/generate/{ultra,core,sd3}`):
//! multipart requests, one image per request, answered as raw image bytes with `seed` and
//! `finish-reason` headers (or base64 JSON). A `CONTENT_FILTERED` answer is a blurred image
//! that was billed: it is kept and marked `filtered`. Errors `{id, name, errors[]}` map onto
//! `crate::Error`; a 429 is never retried here, since Stability then locks the caller out
//! for 60 s and the job queue does that waiting.

mod client;
mod config;
mod edit;
mod failure;
mod wire;

pub use client::StabilityClient;
pub use config::{Accept, StabilityConfig};

//! Easel's engine, with no UI toolkit anywhere in its dependency tree: generation providers,
//! the on-disk library (SQLite + content-addressed files), licence terms, and the job queue.

pub mod error;
pub mod export;
pub mod license;
pub mod request;

pub use error::{Error, ErrorPayload, Result};
pub use request::{GenerationParams, GenerationRequest};

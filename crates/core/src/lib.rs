//! Easel's engine, with no UI toolkit anywhere in its dependency tree: generation providers,
//! the on-disk library (SQLite + content-addressed files), licence terms, and the job queue.

pub mod catalog;
pub mod error;
pub mod library;
pub mod license;
pub mod openai;
pub mod request;

pub use error::{Error, ErrorPayload, Result};
pub use request::{GenerationParams, GenerationRequest};
pub mod app_dirs;
pub mod atomic_file;
pub mod secrets;
pub mod settings;
pub mod jobs;
pub mod engine;

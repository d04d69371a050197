//! Easel's engine, with no UI toolkit anywhere in its dependency tree: generation providers,
//! the on-disk library (SQLite + content-addressed files), licence terms, the job queue, and
//! export for documents and slides.

pub mod app_dirs;
pub mod atomic_file;
pub mod catalog;
pub mod edit;
mod editing;
pub mod endpoints;
pub mod engine;
pub mod engine_endpoints;
mod engine_import;
mod engine_signing;
pub mod error;
pub mod export;
pub mod import;
pub mod jobs;
pub mod library;
pub mod library_location;
pub mod license;
pub mod license_inheritance;
mod licensing;
pub mod private_fs;
pub mod provenance;
pub mod providers;
pub mod relocation;
pub mod request;
pub mod secrets;
pub mod settings;

pub use error::{Error, ErrorPayload, Result};
pub use request::{GenerationParams, GenerationRequest};

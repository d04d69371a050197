//! Core's integration tests that leave the process environment alone, in one binary: one
//! link instead of sixteen keeps CI's disk and build time small. Tests that set environment
//! variables for the engine stay in their own binaries beside this folder.
#![allow(clippy::unwrap_used)]
// firefly_support reuses the OpenAI stand-in's files, which `support` also loads: the same
// code twice, on purpose.
#![allow(clippy::duplicate_mod)]

#[path = "../export_support/mod.rs"]
mod export_support;
#[path = "../firefly_support/mod.rs"]
mod firefly_support;
#[path = "../getty_support/mod.rs"]
mod getty_support;
#[path = "../library_support/mod.rs"]
mod library_support;
#[path = "../stability_support/mod.rs"]
mod stability_support;
#[path = "../support/mod.rs"]
mod support;

mod edit_lineage;
mod edit_masks;
mod export_batch;
mod export_errors;
mod export_exiftool_required;
mod export_license_note;
mod export_metadata;
mod export_pixels;
mod export_presets;
mod firefly_generate;
mod getty_edit;
mod getty_generate;
mod library_crash;
mod library_images;
mod library_license;
mod library_providers;
mod library_schema;
mod openai_contract;
mod openai_edit;
mod openai_generate;
mod stability_edit;

//! Core's integration tests that leave the process environment alone, in one binary: one
//! link instead of sixteen keeps CI's disk and build time small. Tests that set environment
//! variables for the engine stay in their own binaries beside this folder.
#![allow(clippy::unwrap_used)]
// firefly_support reuses support's contract and stand-in files by path (its own binary,
// firefly_engine, has no `support`), so this binary loads them twice, on purpose.
#![allow(clippy::duplicate_mod)]

#[path = "../c2pa_support/mod.rs"]
mod c2pa_support;
#[path = "../engines_support/mod.rs"]
mod engines_support;
#[path = "../export_support/mod.rs"]
mod export_support;
#[path = "../firefly_support/mod.rs"]
mod firefly_support;
#[path = "../getty_support/mod.rs"]
mod getty_support;
#[path = "../import_support/mod.rs"]
mod import_support;
#[path = "../library_support/mod.rs"]
mod library_support;
#[path = "../stability_support/mod.rs"]
mod stability_support;
#[path = "../support/mod.rs"]
mod support;

mod checkpoint_licenses;
mod edit_lineage;
mod edit_masks;
mod engines_a1111;
mod engines_comfy;
mod engines_compat;
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
mod import_files;
mod library_crash;
mod library_duplicates;
mod library_images;
mod library_license;
mod library_organise;
mod library_providers;
mod library_schema;
mod library_search;
mod openai_contract;
mod openai_edit;
mod openai_generate;
mod openai_streaming;
mod provenance_read;
mod provenance_sign;
mod stability_edit;

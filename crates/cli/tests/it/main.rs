//! `easel-cli` as scripts use it, in one test binary (one link instead of seven keeps CI's
//! disk and build time small). Each test runs the real CLI as a child process with its own
//! environment, so nothing here changes this process's environment.
#![allow(clippy::unwrap_used)]
// firefly_support reuses support's contract and stand-in files by path (its own binary,
// firefly_engine, has no `support`), so this binary loads them twice, on purpose.
#![allow(clippy::duplicate_mod)]

#[path = "../../../core/tests/engines_support/mod.rs"]
mod engines_support;
#[path = "../../../core/tests/firefly_support/mod.rs"]
mod firefly_support;
#[path = "../../../core/tests/getty_support/mod.rs"]
mod getty_support;
#[path = "../../../core/tests/import_support/mod.rs"]
mod import_support;
#[path = "../../../core/tests/library_support/mod.rs"]
mod library_support;
#[path = "../../../core/tests/stability_support/mod.rs"]
mod stability_support;
#[path = "../../../core/tests/support/mod.rs"]
mod support;

mod cli;
mod cli_edit;
mod cli_endpoints;
mod cli_firefly;
mod cli_getty;
mod cli_import;
mod cli_stability;
mod faults;
mod library_care;
mod organise;
mod provenance;
mod providers;

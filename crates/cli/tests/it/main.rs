//! `easel-cli` as scripts use it, in one test binary (one link instead of seven keeps CI's
//! disk and build time small). Each test runs the real CLI as a child process with its own
//! environment, so nothing here changes this process's environment.
#![allow(clippy::unwrap_used)]
// The stand-ins' shared support files are reached through two support modules here, as in
// core's own tests; both copies are the same code.
#![allow(clippy::duplicate_mod)]

#[path = "../../../core/tests/firefly_support/mod.rs"]
mod firefly_support;
#[path = "../../../core/tests/getty_support/mod.rs"]
mod getty_support;
#[path = "../../../core/tests/library_support/mod.rs"]
mod library_support;
#[path = "../../../core/tests/stability_support/mod.rs"]
mod stability_support;
#[path = "../../../core/tests/support/mod.rs"]
mod support;

mod cli;
mod cli_firefly;
mod cli_getty;
mod cli_stability;
mod faults;
mod library_care;
mod organise;
mod providers;

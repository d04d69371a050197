//! The end-to-end tests live in `tests/`; they drive the real app binary through
//! `tauri-driver` and are `#[ignore]`d so that a plain `cargo test` skips them.
//! Run them with `tests/e2e/run.sh`.

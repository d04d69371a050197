//! Stand-in local engines (AUTOMATIC1111/Forge, ComfyUI, OpenAI-compatible servers) on
//! 127.0.0.1, each written from its notes in `../shared/contracts/`.
#![allow(dead_code, clippy::unwrap_used)]

pub mod a1111;
pub mod comfy;
pub mod compat;
pub mod http;

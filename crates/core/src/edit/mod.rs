//! Changing images instead of making them from a prompt: the request (`EditRequest`), the
//! operations (`EditOperation`), masks in Easel's form and each provider's (`Strength`),
//! and the painter's brush strokes that become a mask (`MaskPainting`). What each model
//! offers is catalogue data (`catalog::EditSpec`).

mod mask;
mod painting;
mod request;

pub use mask::Strength;
pub use painting::{MaskPainting, MaskStroke};
pub use request::{EditJob, EditOperation, EditRequest, InputImage, Reference};

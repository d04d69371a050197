//! What a model can do to an existing image, as data: each operation it offers, where it is
//! sent, and the provider's documented limits on inputs, so that `EditSpec::validate`
//! refuses locally (before anything is sent or billed) whatever the provider would refuse.

use serde::{Deserialize, Serialize};

use super::{ModelSpec, ParamSpec, or_list};
use crate::edit::{EditOperation, EditRequest, InputImage, Strength};
use crate::error::{Error, Result};
use crate::library::{ImageFormat, probe};

/// Whether an operation takes a mask, or a prompt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Usage {
    #[default]
    None,
    Optional,
    Required,
}

/// One operation a model offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EditSpec {
    /// `EditOperation::name()`: "edit", "inpaint", "outpaint", ...
    pub operation: String,
    pub label: String,
    /// The provider's path for it, where the client needs one.
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub prompt: Usage,
    #[serde(default)]
    pub prompt_max_chars: Option<u32>,
    #[serde(default)]
    pub mask: Usage,
    /// Most images in one request, the edited one included (OpenAI: 16 for GPT Image).
    #[serde(default = "one")]
    pub max_images: u32,
    /// Input formats the provider reads: "png", "jpeg", "webp".
    pub image_formats: Vec<String>,
    /// Largest input file the provider takes, per image.
    pub max_image_bytes: u64,
    /// Largest mask file (OpenAI: 4 MB), as sent.
    #[serde(default)]
    pub max_mask_bytes: Option<u64>,
    /// Largest whole request (Stability: 10 MiB).
    #[serde(default)]
    pub max_request_bytes: Option<u64>,
    /// Inputs must be square (DALL·E 2).
    #[serde(default)]
    pub square: bool,
    #[serde(default)]
    pub min_side: Option<u32>,
    #[serde(default)]
    pub min_pixels: Option<u64>,
    #[serde(default)]
    pub max_pixels: Option<u64>,
    /// Long side divided by short side, at most.
    #[serde(default)]
    pub max_aspect_ratio: Option<f64>,
    /// Most pixels added on one side by an outpaint.
    #[serde(default)]
    pub max_extend: Option<u32>,
    /// The operation works on the provider's own generation (by its asset id), not on an
    /// uploaded file (Getty's variations and refine).
    #[serde(default)]
    pub needs_asset_id: bool,
    #[serde(default)]
    pub credits_per_image: Option<f64>,
    /// Every parameter it takes besides prompt, images and mask.
    #[serde(default)]
    pub parameters: Vec<ParamSpec>,
}

fn one() -> u32 {
    1
}

fn invalid(msg: String) -> Error {
    Error::InvalidInput(msg)
}

/// The model of `provider` to use for `operation`: `preferred` when it offers it, else the
/// provider's first current model that does.
pub fn edit_model(
    provider: &str,
    preferred: Option<&str>,
    operation: &str,
) -> Result<&'static ModelSpec> {
    let p = super::provider(provider)?;
    if let Some(id) = preferred
        && let Ok(m) = super::model(provider, id)
        && m.edit_spec(operation).is_ok()
    {
        return Ok(m);
    }
    p.models
        .iter()
        .find(|m| {
            m.status == super::ModelStatus::Current
                && m.edits.iter().any(|e| e.operation == operation)
        })
        .or_else(|| {
            p.models
                .iter()
                .find(|m| m.edits.iter().any(|e| e.operation == operation))
        })
        .ok_or_else(|| {
            invalid(format!(
                "{} offers no model that can do {}.",
                p.name,
                operation.replace('_', " ")
            ))
        })
}

impl ModelSpec {
    /// The spec of `operation` for this model, or why it is not offered.
    pub fn edit_spec(&self, operation: &str) -> Result<&EditSpec> {
        self.edits
            .iter()
            .find(|e| e.operation == operation)
            .ok_or_else(|| {
                let offered: Vec<String> = self.edits.iter().map(|e| e.operation.clone()).collect();
                if offered.is_empty() {
                    invalid(format!(
                        "{} cannot change existing images; choose a model that edits.",
                        self.label
                    ))
                } else {
                    invalid(format!(
                        "{} does not offer {operation}; it offers {}.",
                        self.label,
                        or_list(&offered)
                    ))
                }
            })
    }

    /// Refuses, with a message saying what is allowed, an edit the provider would refuse.
    pub fn validate_edit(&self, req: &EditRequest) -> Result<&EditSpec> {
        if req.model != self.id {
            return Err(invalid(format!(
                "The request is for model \"{}\" but was checked against \"{}\".",
                req.model, self.id
            )));
        }
        let spec = self.edit_spec(req.operation.name())?;
        spec.check_prompt(&self.id, &req.prompt)?;
        spec.check_operation(&req.operation)?;
        let images = 1 + req.references.len();
        if images > spec.max_images as usize {
            return Err(invalid(format!(
                "{} {} takes at most {} image{} in all; {images} were given.",
                self.label,
                spec.operation,
                spec.max_images,
                if spec.max_images == 1 { "" } else { "s" }
            )));
        }
        if spec.needs_asset_id && req.source.asset_id.is_none() {
            return Err(invalid(format!(
                "{} {} works only on images {} made itself (it needs the provider's id for the image).",
                self.label, spec.operation, req.provider
            )));
        }
        let mut total: u64 = 0;
        let (width, height) = if spec.needs_asset_id {
            // Nothing is uploaded but the mask; the image's size still fixes the mask's.
            let p = probe(&req.source.bytes)?;
            (p.width, p.height)
        } else {
            let mut first = (0, 0);
            for (i, image) in std::iter::once(&req.source)
                .chain(&req.references)
                .enumerate()
            {
                let size = spec.check_image(image, i)?;
                if i == 0 {
                    first = size;
                }
                total += image.bytes.len() as u64;
            }
            first
        };
        match (&req.mask, spec.mask) {
            (Some(_), Usage::None) => {
                return Err(invalid(format!(
                    "{} {} takes no mask; leave it out.",
                    self.label, spec.operation
                )));
            }
            (None, Usage::Required) => {
                return Err(invalid(format!(
                    "{} {} needs a mask: paint the area to change.",
                    self.label, spec.operation
                )));
            }
            (Some(mask), _) => {
                let strength = Strength::from_easel_mask(mask)?;
                strength.check_size(width, height)?;
                if strength.is_empty() {
                    return Err(invalid(
                        "The mask is empty: paint the area to change, or leave the mask out."
                            .to_owned(),
                    ));
                }
                // The provider's form is what is sent and what its limit is about.
                total += mask.len() as u64;
                if let Some(max) = spec.max_mask_bytes
                    && mask.len() as u64 > max
                {
                    return Err(invalid(format!(
                        "The mask is {} bytes; {} takes masks up to {max} bytes.",
                        mask.len(),
                        self.label
                    )));
                }
            }
            (None, _) => {}
        }
        if let Some(max) = spec.max_request_bytes
            && total > max
        {
            return Err(invalid(format!(
                "The images come to {total} bytes; {} takes at most {max} bytes per request. Use smaller images.",
                self.label
            )));
        }
        for (name, value) in req.params.to_map() {
            let param = spec
                .parameters
                .iter()
                .find(|p| p.name == name)
                .ok_or_else(|| {
                    invalid(format!(
                        "{} {} does not take the {name} parameter; leave it out.",
                        self.label, spec.operation
                    ))
                })?;
            param.check(&self.id, &value)?;
        }
        Ok(spec)
    }
}

impl EditSpec {
    fn check_prompt(&self, model: &str, prompt: &str) -> Result<()> {
        let empty = prompt.trim().is_empty();
        match self.prompt {
            Usage::Required if empty => {
                return Err(invalid(format!(
                    "{} needs a prompt saying what should change.",
                    self.operation
                )));
            }
            Usage::None if !empty => {
                return Err(invalid(format!(
                    "{} with {model} takes no prompt; leave it out.",
                    self.operation
                )));
            }
            _ => {}
        }
        if let Some(max) = self.prompt_max_chars {
            let chars = prompt.chars().count();
            if chars > max as usize {
                return Err(invalid(format!(
                    "The prompt is {chars} characters long; {model} takes at most {max} for {}. Shorten it.",
                    self.operation
                )));
            }
        }
        Ok(())
    }

    fn check_operation(&self, op: &EditOperation) -> Result<()> {
        match op {
            EditOperation::Outpaint {
                left,
                right,
                up,
                down,
            } => {
                let sides = [*left, *right, *up, *down];
                if sides.iter().all(|s| *s == 0) {
                    return Err(invalid(
                        "Outpainting needs at least one side to extend (left, right, up or down)."
                            .to_owned(),
                    ));
                }
                if let Some(max) = self.max_extend
                    && sides.iter().any(|s| *s > max)
                {
                    return Err(invalid(format!(
                        "Outpainting extends each side by at most {max} pixels."
                    )));
                }
            }
            EditOperation::SearchAndReplace { search_prompt } => {
                if search_prompt.trim().is_empty() {
                    return Err(invalid(
                        "Search and replace needs to know what to look for.".to_owned(),
                    ));
                }
                if let Some(max) = self.prompt_max_chars
                    && search_prompt.chars().count() > max as usize
                {
                    return Err(invalid(format!(
                        "What to look for is longer than {max} characters."
                    )));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks one input image against the documented formats and limits; its size.
    fn check_image(&self, image: &InputImage, index: usize) -> Result<(u32, u32)> {
        let which = if index == 0 {
            "The image".to_owned()
        } else {
            format!("Reference image {index}")
        };
        let p = probe(&image.bytes).map_err(|e| invalid(format!("{which} cannot be read: {e}")))?;
        let format = p.format.as_str();
        if !self.image_formats.iter().any(|f| f == format) {
            return Err(invalid(format!(
                "{which} is {}; {} takes {}.",
                format.to_uppercase(),
                self.operation,
                or_list(&self.image_formats)
            )));
        }
        let len = image.bytes.len() as u64;
        if len > self.max_image_bytes {
            return Err(invalid(format!(
                "{which} is {len} bytes; {} takes images up to {} bytes.",
                self.operation, self.max_image_bytes
            )));
        }
        let (w, h) = (p.width, p.height);
        if self.square && w != h {
            return Err(invalid(format!(
                "{which} is {w}x{h}; {} needs a square image.",
                self.operation
            )));
        }
        if let Some(min) = self.min_side
            && (w < min || h < min)
        {
            return Err(invalid(format!(
                "{which} is {w}x{h}; every side must be at least {min} pixels."
            )));
        }
        let pixels = u64::from(w) * u64::from(h);
        if let Some(min) = self.min_pixels
            && pixels < min
        {
            return Err(invalid(format!(
                "{which} has {pixels} pixels; at least {min} are needed."
            )));
        }
        if let Some(max) = self.max_pixels
            && pixels > max
        {
            return Err(invalid(format!(
                "{which} has {pixels} pixels; {} takes at most {max}. Use a smaller image.",
                self.operation
            )));
        }
        if let Some(max) = self.max_aspect_ratio {
            let ratio = f64::from(w.max(h)) / f64::from(w.min(h).max(1));
            if ratio > max {
                return Err(invalid(format!(
                    "{which} is {w}x{h}; its long side may be at most {max} times its short side."
                )));
            }
        }
        Ok((w, h))
    }

    /// Whether a format is one the provider reads.
    pub fn reads(&self, format: ImageFormat) -> bool {
        self.image_formats.iter().any(|f| f == format.as_str())
    }
}

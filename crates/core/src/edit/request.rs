//! What a user asks for when changing an image instead of making one from a prompt: the
//! operation, the image it acts on, any reference images and mask, and the same optional
//! parameters as a generation. Provider-neutral; each client turns it into its wire format.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::request::GenerationParams;

/// What is done to the image. Which operations a model offers, and with what limits, is
/// catalogue data (`EditSpec`); this names them so clients know how to send each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum EditOperation {
    /// Change the image as the prompt says, within the mask if there is one, guided by any
    /// reference images (OpenAI's `/images/edits`).
    Edit,
    /// Repaint the masked area from the prompt.
    Inpaint,
    /// Extend the canvas by this many pixels on each side and fill it in.
    Outpaint {
        left: u32,
        right: u32,
        up: u32,
        down: u32,
    },
    /// Remove what the mask covers.
    Erase,
    /// Find `search_prompt` in the image and replace it with the prompt's content.
    SearchAndReplace {
        search_prompt: String,
    },
    RemoveBackground,
    /// New takes on the same image, without a prompt.
    Variation,
    /// Change the masked part of a provider's own generation (Getty).
    Refine,
}

impl EditOperation {
    /// The catalogue's name for the operation (`EditSpec::operation`).
    pub fn name(&self) -> &'static str {
        match self {
            EditOperation::Edit => "edit",
            EditOperation::Inpaint => "inpaint",
            EditOperation::Outpaint { .. } => "outpaint",
            EditOperation::Erase => "erase",
            EditOperation::SearchAndReplace { .. } => "search_and_replace",
            EditOperation::RemoveBackground => "remove_background",
            EditOperation::Variation => "variation",
            EditOperation::Refine => "refine",
        }
    }

    /// Every operation name, for messages and the CLI.
    pub const NAMES: [&'static str; 8] = [
        "edit",
        "inpaint",
        "outpaint",
        "erase",
        "search_and_replace",
        "remove_background",
        "variation",
        "refine",
    ];
}

/// One image given to an edit, as bytes, and where it came from.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct InputImage {
    pub bytes: Vec<u8>,
    /// The library image it is, when it came from the library (its lineage parent).
    pub library_id: Option<String>,
    /// The provider's own id for it (a Getty preview's asset id), for operations that refer
    /// to a provider's generation instead of uploading the file.
    pub asset_id: Option<String>,
}

impl fmt::Debug for InputImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InputImage")
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("library_id", &self.library_id)
            .field("asset_id", &self.asset_id)
            .finish()
    }
}

/// A request to change an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditRequest {
    pub provider: String,
    pub model: String,
    pub operation: EditOperation,
    /// What should change (empty for operations that take no prompt).
    pub prompt: String,
    /// The image acted on.
    pub source: InputImage,
    /// Further images that guide the result (OpenAI takes up to 16 images in all).
    pub references: Vec<InputImage>,
    /// Easel's mask (see `edit::mask`): a PNG of the source's exact size whose alpha is how
    /// strongly each pixel is to change (opaque = change, transparent = keep).
    pub mask: Option<Vec<u8>>,
    pub params: GenerationParams,
}

/// An image guiding an edit: one from the library, or a file from elsewhere (whose terms
/// Easel does not know).
#[derive(Clone, PartialEq, Eq)]
pub enum Reference {
    Image(String),
    File(Vec<u8>),
}

/// Largest file taken as a reference (the largest any provider reads is well below).
const MAX_REFERENCE_FILE_BYTES: u64 = 64 * 1024 * 1024;

impl Reference {
    /// A file from the desktop (dropped on the window, named on the command line), read
    /// whole; it must be an image Easel can read.
    pub fn read_file(path: &std::path::Path) -> crate::error::Result<Reference> {
        let too_large = |size: u64| {
            crate::error::Error::InvalidInput(format!(
                "{} is {} MB; a reference image may be at most {} MB.",
                path.display(),
                size / 1_000_000,
                MAX_REFERENCE_FILE_BYTES / 1_000_000
            ))
        };
        let meta = std::fs::metadata(path)
            .map_err(|e| crate::error::Error::from_io("read", path.to_owned(), e))?;
        if meta.len() > MAX_REFERENCE_FILE_BYTES {
            return Err(too_large(meta.len()));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| crate::error::Error::from_io("read", path.to_owned(), e))?;
        crate::library::probe(&bytes)?;
        Ok(Reference::File(bytes))
    }
}

impl fmt::Debug for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Image(id) => write!(f, "Image({id})"),
            Reference::File(bytes) => write!(f, "File(<{} bytes>)", bytes.len()),
        }
    }
}

/// What a front end asks the engine for: change library image `image_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditJob {
    pub provider: String,
    pub model: String,
    pub operation: EditOperation,
    pub prompt: String,
    pub image_id: String,
    pub references: Vec<Reference>,
    /// Easel's mask (alpha = change), the image's size.
    pub mask: Option<Vec<u8>>,
    pub params: GenerationParams,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        image::RgbaImage::new(width, height)
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn a_dropped_file_is_read_when_it_is_an_image() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("palette.png");
        std::fs::write(&good, png(4, 3)).unwrap();
        assert_eq!(
            Reference::read_file(&good).unwrap(),
            Reference::File(png(4, 3))
        );

        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "\x1b[31mnot an image").unwrap();
        let e = Reference::read_file(&text).unwrap_err();
        assert_eq!(e.code(), "not_an_image", "{e}");

        let missing = Reference::read_file(&dir.path().join("gone.png")).unwrap_err();
        assert_eq!(missing.code(), "io", "{missing}");

        // Larger than any provider reads: refused before it is read.
        let big = dir.path().join("big.png");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_REFERENCE_FILE_BYTES + 1).unwrap();
        let e = Reference::read_file(&big).unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{e}");
        assert!(e.to_string().contains("at most 67 MB"), "{e}");
    }
}

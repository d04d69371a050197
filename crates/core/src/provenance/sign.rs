//! Signing an exported file: an Easel manifest whose `parentOf` ingredient is the original
//! (with the original's own manifest, if it has one) and whose actions say what export did.
//! The file's bytes, Easel's XMP included, are written first; the signature's hard binding
//! covers all of them.

use std::io::Cursor;

use serde_json::json;

use super::read::{mime_of, read};
use super::signing_identity::{SignerKind, SigningIdentity};
use super::{CredentialsState, TrustList};
use crate::{Error, Result};

pub const TRAINED_ALGORITHMIC_MEDIA: &str =
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";

/// What export did to the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportEdit {
    pub resized: bool,
    /// Always true for an encoded export: the pixels were decoded and encoded anew.
    pub converted: bool,
    /// Who made the original, e.g. "openai gpt-image-1" (for an original without a manifest).
    pub made_with: String,
    pub title: String,
}

/// A signed file and how other tools will judge it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedExport {
    pub bytes: Vec<u8>,
    pub signer: SignerKind,
    pub subject: String,
    pub what_others_see: String,
}

fn signing_error(e: c2pa::Error) -> Error {
    Error::Signing {
        message: format!("Content Credentials could not be added ({e})."),
    }
}

fn context() -> Result<c2pa::Context> {
    c2pa::Context::new()
        .with_settings(TrustList::shipped_shared().settings())
        .map_err(signing_error)
}

fn claim_generator() -> serde_json::Value {
    json!([{ "name": "Easel", "version": env!("CARGO_PKG_VERSION") }])
}

/// An original without credentials gets a manifest of its own first, declaring it made
/// with generative AI (`c2pa.created`, `trainedAlgorithmicMedia`): C2PA allows no parent
/// beside a `created` action, so that claim lives in the ingredient, and the export's own
/// manifest records `opened` on it.
fn declare_created(
    original: &[u8],
    mime: &str,
    edit: &ExportEdit,
    identity: &SigningIdentity,
) -> Result<Vec<u8>> {
    let mut builder = c2pa::Builder::from_context(context()?)
        .with_definition(json!({
            "title": edit.title,
            "claim_generator_info": claim_generator(),
        }))
        .map_err(signing_error)?;
    let mut created = json!({
        "action": "c2pa.created",
        "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
    });
    if !edit.made_with.trim().is_empty() {
        created["softwareAgent"] = json!({ "name": edit.made_with.trim() });
    }
    builder.add_action(created).map_err(signing_error)?;
    let signer = identity.signer()?;
    let mut out = Cursor::new(Vec::new());
    builder
        .sign(&*signer, mime, &mut Cursor::new(original), &mut out)
        .map_err(signing_error)?;
    Ok(out.into_inner())
}

/// Adds an Easel manifest to `encoded` (PNG, JPEG or WebP) with `original` as its parent.
pub fn sign_export(
    encoded: &[u8],
    original: &[u8],
    edit: &ExportEdit,
    identity: &SigningIdentity,
) -> Result<SignedExport> {
    let unsupported = || Error::Signing {
        message: "Only PNG, JPEG and WebP files can carry Content Credentials.".into(),
    };
    let mime = mime_of(encoded).ok_or_else(unsupported)?;
    let original_mime = mime_of(original).ok_or_else(unsupported)?;
    let parent = if read(original).state == CredentialsState::None {
        declare_created(original, original_mime, edit, identity)?
    } else {
        original.to_vec()
    };
    let mut builder = c2pa::Builder::from_context(context()?)
        .with_definition(json!({
            "title": edit.title,
            "claim_generator_info": claim_generator(),
        }))
        .map_err(signing_error)?;
    builder.set_intent(c2pa::BuilderIntent::Edit);
    builder
        .add_ingredient_from_stream(
            json!({ "title": "Original", "relationship": "parentOf" }).to_string(),
            original_mime,
            &mut Cursor::new(parent),
        )
        .map_err(signing_error)?;
    if edit.resized {
        builder
            .add_action(json!({ "action": "c2pa.resized" }))
            .map_err(signing_error)?;
    }
    if edit.converted {
        builder
            .add_action(json!({ "action": "c2pa.converted" }))
            .map_err(signing_error)?;
    }
    let signer = identity.signer()?;
    let mut out = Cursor::new(Vec::new());
    builder
        .sign(&*signer, mime, &mut Cursor::new(encoded), &mut out)
        .map_err(signing_error)?;
    Ok(SignedExport {
        bytes: out.into_inner(),
        signer: identity.kind,
        subject: identity.subject.clone(),
        what_others_see: identity.what_others_see().to_owned(),
    })
}

/// Signs a tiny image with `identity` and reads it back: a certificate C2PA readers would
/// reject (wrong key usage, a CA as signer, expired) is refused before it signs anything.
pub(crate) fn check_identity(identity: &SigningIdentity) -> Result<()> {
    let mut png = Vec::new();
    image::DynamicImage::new_rgb8(2, 2)
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| Error::Signing {
            message: format!("A test image could not be made ({e})."),
        })?;
    let edit = ExportEdit {
        resized: false,
        converted: true,
        made_with: String::new(),
        title: "check".into(),
    };
    let signed = sign_export(&png, &png, &edit, identity)?;
    let read = read(&signed.bytes);
    if read.state.is_intact() {
        return Ok(());
    }
    let reasons: Vec<String> = read
        .problems
        .iter()
        .map(|p| match &p.explanation {
            Some(e) => format!("{}: {e}", p.code),
            None => p.code.clone(),
        })
        .collect();
    Err(Error::Signing {
        message: format!(
            "Files signed with this certificate would not read as valid ({}). C2PA needs an end-entity certificate (not a CA) with the digitalSignature key usage and an extended key usage such as documentSigning or emailProtection, followed by its CA.",
            reasons.join("; ")
        ),
    })
}

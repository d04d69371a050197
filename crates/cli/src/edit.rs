//! `easel-cli edit` and `easel-cli vary`: change a library image, or make variations of
//! it; the results are stored like generations and stack under their parent. Also the
//! lineage part of `show`.

use std::path::PathBuf;

use clap::Args;
use easel_core::catalog;
use easel_core::edit::{EditJob, EditOperation, Reference};
use easel_core::library::VersionTree;
use easel_core::{Error, GenerationParams};
use serde_json::json;

use crate::commands::{Failure, extra_params, follow, open};

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The library image to change.
    pub id: String,
    /// Easel's mask: a PNG of the image's size, opaque (or white, without alpha) where the
    /// image is to change, transparent (black) where it is kept; soft edges are grays.
    #[arg(long, value_name = "FILE.png")]
    pub mask: Option<PathBuf>,
    /// An image that guides the result: a library image id, or an image file (repeatable).
    #[arg(long = "reference", value_name = "ID|FILE")]
    pub references: Vec<String>,
    /// Defaults to the image's own provider.
    #[arg(long)]
    pub provider: Option<String>,
    /// Defaults to the image's model if it can do the operation, else the provider's first
    /// model that can.
    #[arg(long)]
    pub model: Option<String>,
    /// edit, inpaint, outpaint, erase, search_and_replace, remove_background or refine.
    /// Defaults to edit where the model offers it, else inpaint, else refine.
    #[arg(long)]
    pub operation: Option<String>,
    /// For search_and_replace: what to look for in the image.
    #[arg(long)]
    pub search: Option<String>,
    /// For outpaint: pixels to add on each side.
    #[arg(long, default_value_t = 0)]
    pub left: u32,
    #[arg(long, default_value_t = 0)]
    pub right: u32,
    #[arg(long, default_value_t = 0)]
    pub up: u32,
    #[arg(long, default_value_t = 0)]
    pub down: u32,
    /// How many images, where the model makes several.
    #[arg(short = 'n', long = "n")]
    pub n: Option<u32>,
    /// Any other parameter the operation takes, as NAME=VALUE (repeatable), e.g.
    /// input_fidelity=high, grow_mask=10, seed=42.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    #[arg(long)]
    pub json: bool,
    /// What should change (empty for operations that take no prompt).
    #[arg(default_value = "")]
    pub prompt: String,
}

#[derive(Debug, Args)]
pub struct VaryArgs {
    /// The library image to vary.
    pub id: String,
    /// How many variations, where the model takes a count.
    #[arg(short = 'n', long = "n")]
    pub n: Option<u32>,
    #[arg(long)]
    pub provider: Option<String>,
    #[arg(long)]
    pub model: Option<String>,
    #[arg(long)]
    pub json: bool,
}

/// Default operations, in order of preference, for `edit` without `--operation`.
const DEFAULT_OPERATIONS: [&str; 3] = ["edit", "inpaint", "refine"];

fn operation(args: &EditArgs, name: &str) -> Result<EditOperation, Failure> {
    Ok(match name {
        "edit" => EditOperation::Edit,
        "inpaint" => EditOperation::Inpaint,
        "outpaint" => EditOperation::Outpaint {
            left: args.left,
            right: args.right,
            up: args.up,
            down: args.down,
        },
        "erase" => EditOperation::Erase,
        "search_and_replace" => EditOperation::SearchAndReplace {
            search_prompt: args.search.clone().unwrap_or_default(),
        },
        "remove_background" => EditOperation::RemoveBackground,
        "refine" => EditOperation::Refine,
        "variation" => EditOperation::Variation,
        other => {
            return Err(Error::InvalidInput(format!(
                "--operation {other:?} is not one Easel knows: use {}.",
                EditOperation::NAMES.join(", ")
            ))
            .into());
        }
    })
}

fn read_file(path: &std::path::Path, what: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| {
        Error::InvalidInput(format!("The {what} {} cannot be read: {e}", path.display())).into()
    })
}

pub async fn edit(args: EditArgs) -> Result<(), Failure> {
    let engine = open()?;
    let detail = engine.library().image(&args.id)?;
    let provider = args
        .provider
        .clone()
        .unwrap_or_else(|| detail.summary.provider.clone());
    let preferred = args
        .model
        .clone()
        .unwrap_or_else(|| detail.summary.model.clone());
    let (model, op_name) = match (&args.model, &args.operation) {
        (Some(m), Some(op)) => (catalog::model(&provider, m)?, op.clone()),
        (None, Some(op)) => (
            catalog::edit_model(&provider, Some(&preferred), op)?,
            op.clone(),
        ),
        (Some(m), None) => {
            let m = catalog::model(&provider, m)?;
            let op = DEFAULT_OPERATIONS
                .iter()
                .find(|op| m.edit_spec(op).is_ok())
                .map(|op| (*op).to_owned())
                .unwrap_or_else(|| "edit".to_owned());
            (m, op)
        }
        (None, None) => DEFAULT_OPERATIONS
            .iter()
            .find_map(|op| {
                catalog::edit_model(&provider, Some(&preferred), op)
                    .ok()
                    .map(|m| (m, (*op).to_owned()))
            })
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "No {provider} model can edit images; choose another --provider."
                ))
            })?,
    };
    let operation = operation(&args, &op_name)?;
    let mask = match &args.mask {
        Some(path) => Some(read_file(path, "mask")?),
        None => None,
    };
    let mut references = Vec::with_capacity(args.references.len());
    for r in &args.references {
        let path = std::path::Path::new(r);
        references.push(if path.is_file() {
            Reference::File(read_file(path, "reference image")?)
        } else {
            // Not a file: a library id (an unknown one is reported as not found).
            Reference::Image(r.clone())
        });
    }
    let job = EditJob {
        provider,
        model: model.id.clone(),
        operation,
        prompt: args.prompt.clone(),
        image_id: args.id.clone(),
        references,
        mask,
        params: GenerationParams {
            n: args.n,
            extra: extra_params(&args.params)?,
            ..GenerationParams::default()
        }
        .normalized(),
    };
    let events = engine.subscribe();
    let id = engine.edit(job)?;
    follow(&engine, events, id, args.json).await
}

pub async fn vary(args: VaryArgs) -> Result<(), Failure> {
    let engine = open()?;
    let events = engine.subscribe();
    let id = engine.vary(
        &args.id,
        args.n,
        args.provider.as_deref(),
        args.model.as_deref(),
    )?;
    follow(&engine, events, id, args.json).await
}

/// `show --json`: `parents` (each input: role, library id, sha256) and `operation`, plus
/// the version tree's `parent`, `siblings` and `children`.
pub fn add_lineage(doc: &mut serde_json::Value, tree: &VersionTree) {
    let parents = tree
        .derivation
        .as_ref()
        .map(|d| json!(d.inputs))
        .unwrap_or_else(|| json!([]));
    doc["parents"] = parents;
    doc["operation"] = json!(tree.derivation.as_ref().map(|d| &d.operation));
    doc["mask_sha256"] = json!(
        tree.derivation
            .as_ref()
            .and_then(|d| d.mask_sha256.as_ref())
    );
    doc["versions"] = json!({
        "parent": tree.parent,
        "siblings": tree.siblings,
        "children": tree.children,
    });
}

/// The lineage lines of `show` for people.
pub fn print_lineage(tree: &VersionTree) {
    if let Some(d) = &tree.derivation {
        outln!("Made by:    {}", d.operation.name().replace('_', " "));
        for input in &d.inputs {
            match &input.image_id {
                Some(id) => outln!("  {:<9} {id}", input.role),
                None => outln!("  {:<9} a file (sha256 {})", input.role, input.sha256),
            }
        }
        if d.mask_sha256.is_some() {
            outln!("  with a mask");
        }
    }
    if !tree.children.is_empty() {
        outln!("Versions:   {} made from this image", tree.children.len());
    }
}

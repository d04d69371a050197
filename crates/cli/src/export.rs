//! `easel-cli export`: files for documents and slides, with the licence carried inside.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use easel_core::engine::Engine;
use easel_core::export::{self, ExportFormat, ExportOptions, ExportSize};
use easel_core::library::ListQuery;
use easel_core::{Error, ErrorPayload};

use crate::commands::Failure;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Png,
    Jpeg,
    Webp,
    Original,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Image ids; with --search, the images that match instead.
    pub ids: Vec<String>,
    /// Export every image a full-text search finds.
    #[arg(long, conflicts_with = "ids")]
    pub search: Option<String>,
    /// Folder to write to (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Start from a preset: document (6.5 in at 300 dpi), slide (1920x1080), web (1200 px), original.
    #[arg(long)]
    pub preset: Option<String>,
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Long edge in pixels.
    #[arg(long, conflicts_with_all = ["width_in"])]
    pub long_edge: Option<u32>,
    /// Physical width in inches (with --dpi).
    #[arg(long, requires = "dpi")]
    pub width_in: Option<f32>,
    #[arg(long)]
    pub dpi: Option<u32>,
    /// JPEG quality, 1-100.
    #[arg(long)]
    pub quality: Option<u8>,
    /// Write NAME.license.txt next to each file.
    #[arg(long)]
    pub license_note: bool,
    /// Embed the prompt in the file's metadata.
    #[arg(long)]
    pub with_prompt: bool,
    #[arg(long)]
    pub caption: Option<String>,
    #[arg(long)]
    pub alt_text: Option<String>,
    /// Write files without Content Credentials (by default PNG, JPEG and WebP are signed;
    /// "original" never is: it stays byte-identical).
    #[arg(long)]
    pub no_sign: bool,
    #[arg(long)]
    pub json: bool,
}

fn options(args: &ExportArgs) -> Result<ExportOptions, Error> {
    let mut opts = match &args.preset {
        Some(id) => {
            let presets = export::presets();
            let known: Vec<String> = presets.iter().map(|p| p.id.clone()).collect();
            presets
                .into_iter()
                .find(|p| &p.id == id)
                .map(|p| p.options)
                .ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "Unknown preset {id:?}; use one of: {}.",
                        known.join(", ")
                    ))
                })?
        }
        // Without a preset: PNG at the original size, no DPI claimed.
        None => ExportOptions::default(),
    };
    if let Some(f) = args.format {
        opts.format = match f {
            FormatArg::Png => ExportFormat::Png,
            FormatArg::Jpeg => ExportFormat::Jpeg,
            FormatArg::Webp => ExportFormat::Webp,
            FormatArg::Original => ExportFormat::Original,
        };
    }
    if let Some(px) = args.long_edge {
        opts.size = ExportSize::LongEdge { px };
    }
    match (args.width_in, args.dpi) {
        (Some(inches), Some(dpi)) => {
            opts.size = ExportSize::PhysicalWidth { inches, dpi };
            opts.dpi = Some(dpi);
        }
        (None, Some(dpi)) => opts.dpi = Some(dpi),
        _ => {}
    }
    if let Some(q) = args.quality {
        if !(1..=100).contains(&q) {
            return Err(Error::InvalidInput(
                "--quality must be between 1 and 100.".into(),
            ));
        }
        opts.jpeg_quality = q;
    }
    opts.license_note |= args.license_note;
    opts.include_prompt |= args.with_prompt;
    if args.caption.is_some() {
        opts.caption = args.caption.clone();
    }
    if args.alt_text.is_some() {
        opts.alt_text = args.alt_text.clone();
    }
    opts.sign = !args.no_sign;
    Ok(opts)
}

fn matching(engine: &Engine, query: &str) -> Result<Vec<String>, Error> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = engine.library().list(&ListQuery {
            text: Some(query.to_owned()),
            cursor,
            limit: 500,
            ..ListQuery::default()
        })?;
        ids.extend(page.images.into_iter().map(|i| i.id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(ids),
        }
    }
}

pub fn run(engine: &Engine, args: ExportArgs) -> Result<(), Failure> {
    let mut opts = options(&args)?;
    engine.prepare_signing(&mut opts)?;
    let ids = match &args.search {
        Some(q) => matching(engine, q)?,
        None => args.ids.clone(),
    };
    if ids.is_empty() {
        return Err(Error::InvalidInput(
            "Name at least one image id (or --search QUERY that finds some).".into(),
        )
        .into());
    }
    let items = engine.export_items(&ids)?;
    for flag in export::preflight(&items) {
        if !args.json {
            errln!("warning: {}: {}", flag.image_id, flag.message);
        }
    }
    let report = export::export_batch(&items, &opts, &args.out)?;
    if args.json {
        crate::output::json_pretty(&report);
    } else {
        for f in &report.files {
            let dpi = f.dpi.map(|d| format!(" at {d} dpi")).unwrap_or_default();
            outln!(
                "{}  {}x{}{dpi}  {} bytes",
                f.path.display(),
                f.width,
                f.height,
                f.bytes
            );
            match &f.content_credentials {
                Some(c) => outln!(
                    "  Content Credentials signed by {}. {}",
                    c.subject,
                    c.what_others_see
                ),
                None if f.format != ExportFormat::Original => {
                    outln!("  No Content Credentials (signing is off).")
                }
                None => {}
            }
        }
        if let Some(csv) = &report.licenses_csv {
            outln!("Licences: {}", csv.display());
        }
        for failed in &report.failed {
            errln!(
                "not exported: {}: {}",
                failed.image_id,
                failed.error.message
            );
        }
    }
    match report.failed.first() {
        None => Ok(()),
        // With --json the report is already the one document on stdout: no second one.
        Some(f) if report.files.is_empty() && args.json => Err(Failure::Partial(f.error.clone())),
        Some(f) if report.files.is_empty() => Err(Failure::Job(f.error.clone())),
        // The report on stdout already lists what failed; only the exit code is left to say.
        Some(_) => Err(Failure::Partial(ErrorPayload {
            code: "export".into(),
            message: format!(
                "{} of {} images were not exported.",
                report.failed.len(),
                ids.len()
            ),
        })),
    }
}

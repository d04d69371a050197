//! `easel-cli import PATH... [--recursive] [--json]`: brings images made elsewhere into the
//! library. Progress goes to stderr, the summary to stdout (one JSON document with --json).
//! The exit code is non-zero only when nothing could be imported (or the library failed);
//! duplicates count as done, since their images are in the library. Ctrl-C stops after the
//! files being stored; running the same command again picks up where it stopped.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::Args;
use easel_core::ErrorPayload;
use easel_core::import::{ImportProgress, ImportRequest, ImportSummary};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::commands::{Failure, open};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// PNG, JPEG and WebP files, and folders of them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Also import from the sub-folders of the folders named.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    #[arg(long)]
    pub json: bool,
}

/// How often progress is written (a folder of thousands would otherwise flood stderr).
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

pub async fn run(args: ImportArgs) -> Result<(), Failure> {
    let engine = open()?;
    let cancel = CancellationToken::new();
    let on_interrupt = cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            errln!("Stopping after the files being stored (run the same import again to go on)…");
            on_interrupt.cancel();
        }
    });
    let started = Instant::now();
    let last_shown = Mutex::new(Instant::now());
    let progress = move |p: &ImportProgress| {
        let mut last = last_shown.lock().unwrap_or_else(|e| e.into_inner());
        if p.done == p.total || last.elapsed() >= PROGRESS_EVERY {
            *last = Instant::now();
            errln!(
                "{}/{} files: {} imported, {} duplicates, {} unreadable",
                p.done,
                p.total,
                p.imported,
                p.duplicates,
                p.unreadable
            );
        }
    };
    let request = ImportRequest {
        paths: args.paths,
        recursive: args.recursive,
    };
    let summary = engine.import(request, progress, cancel).await;
    watcher.abort();
    let summary = summary?;
    let elapsed = started.elapsed();
    if args.json {
        let mut doc = json!(summary);
        doc["counts"] = json!({
            "imported": summary.imported.len(),
            "duplicates": summary.duplicates.len(),
            "unreadable": summary.unreadable.len(),
            "ignored": summary.ignored,
            "not_started": summary.not_started,
        });
        doc["seconds"] = json!(elapsed.as_secs_f64());
        crate::output::json(&doc);
    } else {
        print_summary(&summary, elapsed);
    }
    outcome(&summary)
}

fn print_summary(s: &ImportSummary, elapsed: Duration) {
    for f in &s.imported {
        outln!("imported    {}  -> {} ({})", f.path, f.image_id, f.tool);
    }
    for f in &s.duplicates {
        let why = if f.reason == "already_imported" {
            "imported before"
        } else {
            "same file"
        };
        outln!("duplicate   {}  = {} ({why})", f.path, f.image_id);
    }
    for f in &s.unreadable {
        outln!("unreadable  {}: {}", f.path, f.reason);
    }
    outln!(
        "Imported {}, skipped {} duplicate{}, {} unreadable{}{} in {:.1} s.",
        s.imported.len(),
        s.duplicates.len(),
        if s.duplicates.len() == 1 { "" } else { "s" },
        s.unreadable.len(),
        if s.ignored > 0 {
            format!(", {} other files ignored", s.ignored)
        } else {
            String::new()
        },
        if s.cancelled {
            format!("; cancelled with {} files not started", s.not_started)
        } else {
            String::new()
        },
        elapsed.as_secs_f64()
    );
}

fn outcome(s: &ImportSummary) -> Result<(), Failure> {
    if let Some(error) = &s.error {
        return Err(Failure::Partial(error.clone()));
    }
    if s.cancelled {
        return Err(Failure::Partial(ErrorPayload {
            code: "cancelled".to_owned(),
            message: "The import was cancelled; run it again to import the rest.".to_owned(),
        }));
    }
    if s.imported.is_empty() && s.duplicates.is_empty() {
        let message = if s.unreadable.is_empty() {
            "No PNG, JPEG or WebP image was found there.".to_owned()
        } else {
            "None of the files could be imported: see the reasons above.".to_owned()
        };
        return Err(Failure::Partial(ErrorPayload {
            code: "nothing_imported".to_owned(),
            message,
        }));
    }
    Ok(())
}

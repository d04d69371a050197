//! `easel-cli check`, `backup` and `restore`: keeping a library sound and safe.

use std::path::PathBuf;

use clap::Args;
use easel_core::library::{CheckReport, Library};
use easel_core::{Error, ErrorPayload};

use crate::commands::Failure;
use crate::output;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rebuild thumbnails and the search index, move unreferenced files aside (never
    /// deleting an original) and mark images whose original is missing or damaged.
    #[arg(long)]
    pub repair: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (a tar archive; it must not exist yet).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A backup written by `easel-cli backup`.
    pub file: PathBuf,
    /// A new or empty folder to restore the library into (use it with EASEL_DATA_DIR).
    #[arg(long)]
    pub into: PathBuf,
    #[arg(long)]
    pub json: bool,
}

pub fn check(library: &Library, args: &CheckArgs) -> Result<(), Failure> {
    let report = library.check(args.repair)?;
    if args.json {
        output::json_pretty(&report);
    } else {
        print_check(&report);
    }
    // What remains after a repair decides the exit code: 0 only when the library is sound.
    let remaining = if args.repair {
        report.needs_a_backup()
    } else {
        !report.is_clean()
    };
    if remaining {
        return Err(Failure::Partial(ErrorPayload {
            code: if report.needs_a_backup() {
                "damaged".into()
            } else {
                "needs_repair".into()
            },
            message: if report.needs_a_backup() {
                "Some originals (or the database) are missing or damaged; restore them from a backup.".into()
            } else {
                "Problems were found; run `easel-cli check --repair` to fix them.".into()
            },
        }));
    }
    Ok(())
}

fn print_check(r: &CheckReport) {
    outln!("Checked {} image(s).", r.images_checked);
    if r.database_problems.is_empty() {
        outln!("Database: sound.");
    } else {
        outln!("Database: damaged —");
        for p in &r.database_problems {
            outln!("  {p}");
        }
    }
    for p in &r.missing_originals {
        outln!(
            "Missing original: image {} ({})",
            p.image_id,
            p.path.display()
        );
    }
    for p in &r.damaged_originals {
        outln!("Damaged original: image {}: {}", p.image_id, p.detail);
    }
    for f in &r.unreferenced_files {
        outln!("File no image points at: {}", f.display());
    }
    if r.missing_thumbnails > 0 {
        outln!(
            "Originals with missing thumbnails: {}",
            r.missing_thumbnails
        );
    }
    for f in &r.stale_thumbnails {
        outln!("Unreadable thumbnail: {}", f.display());
    }
    if r.search_index_missing > 0 || r.search_index_extra > 0 {
        outln!(
            "Search index: {} image(s) missing from it, {} entr(ies) for no image.",
            r.search_index_missing,
            r.search_index_extra
        );
    }
    match &r.repaired {
        None if r.is_clean() => outln!("Everything is in order."),
        None => {}
        Some(done) => {
            outln!("Repaired:");
            outln!(
                "  thumbnails rebuilt for {} original(s)",
                done.thumbnails_rebuilt
            );
            if done.search_index_rebuilt {
                outln!("  search index rebuilt");
            }
            if let Some(dir) = &done.set_aside {
                outln!(
                    "  {} unreferenced file(s) moved to {} (nothing deleted)",
                    done.files_set_aside,
                    dir.display()
                );
            }
            if done.images_marked_damaged > 0 {
                outln!(
                    "  {} image(s) marked as damaged; restore their originals from a backup",
                    done.images_marked_damaged
                );
            }
            if done.images_unmarked > 0 {
                outln!(
                    "  {} image(s) sound again, no longer marked damaged",
                    done.images_unmarked
                );
            }
        }
    }
}

pub fn backup(library: &Library, args: &BackupArgs) -> Result<(), Failure> {
    if args.out.exists() {
        return Err(Error::FileExists {
            path: args.out.clone(),
        }
        .into());
    }
    let report = library.backup_to(&args.out)?;
    if args.json {
        output::json_pretty(&report);
    } else {
        outln!(
            "Backed up {} image(s), {} original(s), {} bytes to {}.",
            report.images,
            report.originals,
            report.bytes,
            report.path.display()
        );
        for l in &report.left_out {
            errln!("left out: image {}: {}", l.image_id, l.reason);
        }
    }
    if !report.left_out.is_empty() {
        return Err(Failure::Partial(ErrorPayload {
            code: "damaged".into(),
            message: format!(
                "{} original(s) were missing or damaged and are not in the backup.",
                report.left_out.len()
            ),
        }));
    }
    Ok(())
}

pub fn restore(args: &RestoreArgs) -> Result<(), Failure> {
    let report = easel_core::library::restore(&args.file, &args.into)?;
    if args.json {
        output::json_pretty(&report);
    } else {
        outln!(
            "Restored {} image(s) ({} original(s), all matching their sha256) into {}; {} thumbnail(s) rebuilt.",
            report.images,
            report.originals,
            report.data_dir.display(),
            report.thumbnails_rebuilt
        );
        outln!("Use it with EASEL_DATA_DIR={}", report.data_dir.display());
    }
    Ok(())
}

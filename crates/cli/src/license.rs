//! `easel-cli license ID [--size NAME]`: licenses a preview (a Getty generation) and prints
//! the new image's record. Without --size it lists the sizes and exits non-zero, so that a
//! script never licenses (and pays for) a size nobody chose.

use clap::Args;
use easel_core::{Error, ErrorPayload};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::commands::{Failure, open, with_path};
use crate::human;

#[derive(Debug, Args)]
pub struct LicenseArgs {
    /// The preview's image id (see `easel-cli list`).
    pub id: String,
    /// The download size to license, as the provider names it (e.g. 1k, 4k). Without it,
    /// the sizes on offer are listed.
    #[arg(long)]
    pub size: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: LicenseArgs) -> Result<(), Failure> {
    let engine = open()?;
    let cancel = CancellationToken::new();
    let on_interrupt = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
        }
    });
    let Some(size) = args.size else {
        let sizes = engine.download_sizes(&args.id, &cancel).await?;
        let offered: Vec<String> = sizes
            .iter()
            .map(|s| format!("{} ({}x{})", s.name, s.width, s.height))
            .collect();
        let error = ErrorPayload::from(&Error::InvalidInput(format!(
            "Choose a size with --size: {}. Licensing downloads the full-size file and may be billed under your agreement.",
            if offered.is_empty() {
                "none is offered".to_owned()
            } else {
                offered.join(", ")
            }
        )));
        if args.json {
            crate::output::json(
                &json!({ "image_id": args.id, "download_sizes": sizes, "error": error }),
            );
        } else {
            outln!("Sizes this preview can be licensed in:");
            for line in &offered {
                outln!("  {line}");
            }
        }
        return Err(Failure::Partial(error));
    };
    let detail = engine
        .license_image(&args.id, &size, &|_| {}, &cancel)
        .await?;
    if args.json {
        crate::output::json_pretty(&with_path(&detail, &detail.summary.path));
    } else {
        outln!("Licensed in size {size}; the full-size file is a new image:\n");
        human::print_detail(&detail);
    }
    Ok(())
}

//! `easel-cli provenance` (an image's Content Credentials) and `easel-cli signing` (who
//! signs exports).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use easel_core::engine::Engine;
use easel_core::provenance::{self, Credentials, SigningStatus};
use serde_json::json;

use crate::commands::{Failure, open};
use crate::output;

#[derive(Debug, Args)]
pub struct ProvenanceArgs {
    /// The image whose original is read (again, against the trust list shipped now).
    #[arg(required_unless_present = "all")]
    pub id: Option<String>,
    /// Read every image whose credentials were never read (stored before Easel read them).
    #[arg(long, conflicts_with = "id")]
    pub all: bool,
    #[arg(long)]
    pub json: bool,
}

/// The JSON form of an image's credentials: the summary plus the plain sentence.
pub fn credentials_json(c: Option<&Credentials>) -> serde_json::Value {
    match c {
        None => json!({ "state": "unread", "sentence": "Content Credentials not read yet." }),
        Some(c) => {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            v["sentence"] = json!(provenance::sentence(c));
            v
        }
    }
}

pub fn print_credentials(c: &Credentials) {
    outln!("Content Credentials: {}", provenance::sentence(c));
    let rows: [(&str, Option<&String>); 5] = [
        ("Made with", c.claim_generator.as_ref()),
        ("Signed by", c.signer.as_ref()),
        ("Signed at", c.signed_at.as_ref()),
        ("Source type", c.digital_source_type.as_ref()),
        ("Title", c.title.as_ref()),
    ];
    for (k, v) in rows {
        if let Some(v) = v {
            outln!("  {k:<12} {v}");
        }
    }
    for a in &c.actions {
        let by = a
            .software_agent
            .as_deref()
            .map(|s| format!(" by {s}"))
            .unwrap_or_default();
        outln!("  Action       {}{by}", a.action);
    }
    for i in &c.ingredients {
        outln!(
            "  Ingredient   {} ({}){}",
            i.title.as_deref().unwrap_or("untitled"),
            i.relationship.as_deref().unwrap_or("?"),
            if i.has_credentials {
                ", with its own credentials"
            } else {
                ""
            }
        );
    }
    for p in &c.problems {
        match &p.explanation {
            Some(e) => outln!("  Problem      {}: {e}", p.code),
            None => outln!("  Problem      {}", p.code),
        }
    }
    if c.state != provenance::CredentialsState::None {
        outln!("  Judged by    {}", c.trust_list);
    }
}

pub fn run(args: ProvenanceArgs) -> Result<(), Failure> {
    let engine = open()?;
    let library = engine.library();
    if args.all {
        let (mut read, mut skipped) = (0u64, 0u64);
        let mut after = None;
        loop {
            let step = library.read_unread_credentials(after.as_ref())?;
            read += u64::from(step.read);
            skipped += u64::from(step.skipped);
            match step.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        if args.json {
            output::json(&json!({ "read": read, "skipped": skipped }));
        } else {
            outln!("Read the Content Credentials of {read} images.");
            if skipped > 0 {
                outln!("{skipped} originals are missing or damaged; run `easel-cli check`.");
            }
        }
        return Ok(());
    }
    let id = args.id.unwrap_or_default();
    let c = library.read_credentials(&id)?;
    if args.json {
        let mut doc = credentials_json(Some(&c));
        doc["image_id"] = json!(id);
        output::json_pretty(&doc);
    } else {
        print_credentials(&c);
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct SigningArgs {
    #[command(subcommand)]
    pub command: SigningCommand,
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SigningCommand {
    /// Who signs exports, and what other tools will show for them.
    Show,
    /// Sign exports with your organisation's certificate chain (PEM, signing certificate
    /// first) and private key (PKCS#8 PEM). The key is kept in the keychain.
    Set {
        #[arg(long)]
        cert: PathBuf,
        #[arg(long)]
        key: PathBuf,
    },
    /// Go back to this installation's own certificate.
    Reset,
    /// Sign exports (the default).
    On,
    /// Do not sign exports.
    Off,
}

fn print_status(s: &SigningStatus, as_json: bool) {
    if as_json {
        output::json_pretty(s);
        return;
    }
    outln!("Signing exports: {}", if s.enabled { "on" } else { "off" });
    let who = match s.kind {
        provenance::SignerKind::Installation => "this installation's own certificate",
        provenance::SignerKind::Organisation => "your organisation's certificate",
    };
    outln!("Signer:          {who}");
    if let Some(subject) = &s.subject {
        outln!("Certificate:     {subject}");
    }
    if let Some(file) = &s.certificate_file {
        outln!("Chain file:      {file}");
    }
    outln!("{}", s.what_others_see);
}

pub fn signing(args: SigningArgs) -> Result<(), Failure> {
    let engine: Engine = open()?;
    let status = match args.command {
        SigningCommand::Show => engine.signing_status()?,
        SigningCommand::Set { cert, key } => engine.set_organisation_signing(&cert, &key)?,
        SigningCommand::Reset => engine.clear_organisation_signing()?,
        SigningCommand::On => engine.set_signing_enabled(true)?,
        SigningCommand::Off => engine.set_signing_enabled(false)?,
    };
    print_status(&status, args.json);
    Ok(())
}

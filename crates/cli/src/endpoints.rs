//! `easel-cli endpoint ...`: local and LAN engines (ComfyUI, AUTOMATIC1111/Forge,
//! OpenAI-compatible servers) added by name, then used like any provider
//! (`generate --provider NAME`, `models --provider NAME`).

use std::collections::BTreeMap;
use std::io::Read;

use clap::{Args, Subcommand};
use easel_core::Error;
use easel_core::endpoints::EndpointKind;
use easel_core::engine::Engine;
use easel_core::engine_endpoints::{EndpointView, NewEndpoint};
use easel_core::license::{CommercialUse, DeclaredLicense};
use easel_core::providers::local::comfyui::{InputRef, Workflow, workflow};
use serde_json::json;

use crate::commands::{Failure, open};
use crate::output;

#[derive(Debug, Subcommand)]
pub enum EndpointCommand {
    /// Add (or change) an engine: `endpoint add studio --kind comfyui --url http://127.0.0.1:8188`.
    Add(AddArgs),
    /// Every engine added, with where its password comes from (never the password).
    List(JsonArg),
    /// Ask the engine whether it answers (with the password, with its API on) and what
    /// models it has.
    Test(NameArgs),
    /// Forget an engine and its stored password; its images stay in the library.
    Remove(NameArgs),
    /// Import a ComfyUI workflow in the API format (a JSON file, or a PNG saved by ComfyUI),
    /// and show which inputs Easel found for the prompt, seed, size ...
    Workflow(WorkflowArgs),
    /// Declare the licence of a checkpoint Easel does not know (by file name or hash).
    License(LicenseArgs),
}

impl EndpointCommand {
    pub fn json(&self) -> bool {
        match self {
            EndpointCommand::Add(a) => a.json,
            EndpointCommand::List(a) => a.json,
            EndpointCommand::Test(a) | EndpointCommand::Remove(a) => a.json,
            EndpointCommand::Workflow(a) => a.json,
            EndpointCommand::License(a) => a.json,
        }
    }
}

#[derive(Debug, Args)]
pub struct JsonArg {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NameArgs {
    pub name: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// A name of your choice (letters, digits, - and _), used as --provider NAME.
    pub name: String,
    /// comfyui, a1111 (also Forge and stable-diffusion.cpp's sdapi) or openai-compatible.
    #[arg(long)]
    pub kind: String,
    /// e.g. http://127.0.0.1:8188 (ComfyUI), http://127.0.0.1:7860 (A1111),
    /// http://127.0.0.1:8080/v1 (OpenAI-compatible).
    #[arg(long)]
    pub url: String,
    /// HTTP basic auth user (A1111's --api-auth, a reverse proxy).
    #[arg(long)]
    pub username: Option<String>,
    /// Read the password (or, without --username, an OpenAI-compatible server's API key)
    /// from standard input; it is kept in the system keychain.
    #[arg(long)]
    pub password_stdin: bool,
    /// OpenAI-compatible servers: what the server takes (localai, sd-cpp, ollama, generic,
    /// openai-streaming).
    #[arg(long)]
    pub preset: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WorkflowArgs {
    /// The ComfyUI endpoint.
    pub endpoint: String,
    /// The workflow's name (used as --param workflow=NAME).
    pub name: String,
    /// The API-format JSON file, or a PNG saved by ComfyUI. Without it, the mapping of the
    /// stored workflow is shown (or corrected with --map).
    #[arg(long)]
    pub file: Option<std::path::PathBuf>,
    /// Correct the mapping: PARAM=NODE.INPUT (e.g. seed=25.noise_seed), or PARAM=none.
    #[arg(long = "map", value_name = "PARAM=NODE.INPUT")]
    pub map: Vec<String>,
    /// Remove the stored workflow.
    #[arg(long)]
    pub remove: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LicenseArgs {
    /// The checkpoint's file name (e.g. myMerge_v3.safetensors) or hash.
    pub checkpoint: String,
    /// The licence: an id from Easel's catalogue (creativeml-openrail-m, ...) or its name.
    #[arg(long, required_unless_present = "remove")]
    pub license: Option<String>,
    /// yes, no, conditional or unknown.
    #[arg(long, default_value = "unknown")]
    pub commercial: String,
    #[arg(long, default_value = "")]
    pub url: String,
    #[arg(long, default_value = "")]
    pub note: String,
    /// Remove the declaration.
    #[arg(long)]
    pub remove: bool,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(cmd: EndpointCommand) -> Result<(), Failure> {
    let engine = open()?;
    match cmd {
        EndpointCommand::Add(a) => add(&engine, a),
        EndpointCommand::List(a) => {
            let list = engine.endpoints()?;
            if a.json {
                output::json(&json!({ "endpoints": list }));
            } else if list.is_empty() {
                outln!(
                    "No endpoints. Add one with `easel-cli endpoint add NAME --kind comfyui|a1111|openai-compatible --url URL`."
                );
            } else {
                for e in &list {
                    print_endpoint(e);
                }
            }
            Ok(())
        }
        EndpointCommand::Test(a) => {
            let test = engine.test_endpoint(&a.name).await?;
            if a.json {
                output::json(
                    &json!({ "name": a.name, "answers": true, "verified": test.verified, "models": test.models }),
                );
            } else {
                outln!(
                    "{} answers{}. Models: {}",
                    a.name,
                    if test.verified {
                        ""
                    } else {
                        " (it offers no check of the credentials)"
                    },
                    if test.models.is_empty() {
                        "none".to_owned()
                    } else {
                        test.models.join(", ")
                    }
                );
            }
            Ok(())
        }
        EndpointCommand::Remove(a) => {
            engine.remove_endpoint(&a.name)?;
            if a.json {
                output::json(&json!({ "name": a.name, "removed": true }));
            } else {
                outln!("Removed the endpoint {} and its stored password.", a.name);
            }
            Ok(())
        }
        EndpointCommand::Workflow(a) => workflow_command(&engine, a),
        EndpointCommand::License(a) => {
            let declared = if a.remove {
                None
            } else {
                Some(DeclaredLicense {
                    license: a.license.clone().unwrap_or_default(),
                    commercial_use: parse_commercial(&a.commercial)?,
                    terms_url: a.url.clone(),
                    note: a.note.clone(),
                })
            };
            engine.declare_checkpoint_license(&a.checkpoint, declared.clone())?;
            if a.json {
                output::json(&json!({ "checkpoint": a.checkpoint, "declared": declared }));
            } else if a.remove {
                outln!("Removed the licence declared for {}.", a.checkpoint);
            } else {
                outln!(
                    "Images made with {} from now on carry the licence {}.",
                    a.checkpoint,
                    a.license.unwrap_or_default()
                );
            }
            Ok(())
        }
    }
}

fn parse_commercial(s: &str) -> Result<CommercialUse, Failure> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" => Ok(CommercialUse::Yes),
        "no" => Ok(CommercialUse::No),
        "conditional" => Ok(CommercialUse::Conditional),
        "unknown" => Ok(CommercialUse::Unknown),
        other => Err(Error::InvalidInput(format!(
            "--commercial {other:?}: use yes, no, conditional or unknown."
        ))
        .into()),
    }
}

fn add(engine: &Engine, a: AddArgs) -> Result<(), Failure> {
    let kind = EndpointKind::parse(&a.kind)?;
    let password = if a.password_stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| {
            Error::InvalidInput(format!(
                "Could not read the password from standard input: {e}"
            ))
        })?;
        let s = s.trim_end_matches(['\r', '\n']).to_owned();
        if s.is_empty() {
            return Err(
                Error::InvalidInput("The password on standard input is empty.".into()).into(),
            );
        }
        Some(s)
    } else {
        None
    };
    let view = engine.add_endpoint(
        NewEndpoint {
            name: a.name,
            kind,
            url: a.url,
            username: a.username,
            preset: a.preset,
        },
        password.as_deref(),
    )?;
    if a.json {
        output::json(&json!({ "endpoint": view }));
    } else {
        outln!(
            "Added {} ({}) at {}. Try `easel-cli endpoint test {}`.",
            view.endpoint.name,
            view.endpoint.kind.label(),
            view.endpoint.url,
            view.endpoint.name
        );
    }
    Ok(())
}

fn print_endpoint(e: &EndpointView) {
    let ep = &e.endpoint;
    outln!("{} — {} at {}", ep.name, ep.kind.label(), ep.url);
    if let Some(u) = &ep.username {
        let pw = match e.password_source {
            Some(s) => crate::human::key_source(s, &e.password_env),
            None => format!("no password set ({} or --password-stdin)", e.password_env),
        };
        outln!("  {:<12} {u}; {pw}", "User");
    } else if e.password_set {
        outln!("  {:<12} an API key is set", "Auth");
    }
    if let Some(c) = &ep.capabilities {
        outln!("  {:<12} preset {}", "Takes", c.preset);
    }
    for w in &ep.workflows {
        outln!("  {:<12} {}", "Workflow", w.name);
    }
}

fn workflow_command(engine: &Engine, a: WorkflowArgs) -> Result<(), Failure> {
    if a.remove {
        engine.remove_workflow(&a.endpoint, &a.name)?;
        if a.json {
            output::json(&json!({ "endpoint": a.endpoint, "workflow": a.name, "removed": true }));
        } else {
            outln!("Removed the workflow {} of {}.", a.name, a.endpoint);
        }
        return Ok(());
    }
    let mut wf = match &a.file {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(Error::io("read", path))?;
            engine.import_workflow(&a.endpoint, &a.name, &bytes)?
        }
        None if a.name == workflow::BUILT_IN => workflow::built_in()?,
        None => engine
            .endpoint(&a.endpoint)?
            .workflows
            .into_iter()
            .find(|w| w.name == a.name)
            .ok_or_else(|| {
                Error::not_found(format!("The workflow \"{}\" of {}", a.name, a.endpoint))
            })?,
    };
    if !a.map.is_empty() {
        let mut corrections = BTreeMap::new();
        for m in &a.map {
            let (param, target) = m.split_once('=').ok_or_else(|| {
                Error::InvalidInput(format!("--map {m:?} is not PARAM=NODE.INPUT."))
            })?;
            let target = if target.trim().eq_ignore_ascii_case("none") {
                None
            } else {
                let (node, input) = target.split_once('.').ok_or_else(|| {
                    Error::InvalidInput(format!("--map {m:?}: the target is not NODE.INPUT."))
                })?;
                Some(InputRef {
                    node: node.trim().to_owned(),
                    input: input.trim().to_owned(),
                })
            };
            corrections.insert(param.trim().to_owned(), target);
        }
        wf = engine.correct_workflow_mapping(&a.endpoint, &a.name, &corrections)?;
    }
    if a.json {
        output::json(
            &json!({ "endpoint": a.endpoint, "workflow": wf.name, "mapping": wf.mapping }),
        );
    } else {
        print_mapping(&wf);
    }
    Ok(())
}

fn print_mapping(wf: &Workflow) {
    outln!("Workflow {}: what Easel sets where", wf.name);
    for param in workflow::MAPPED {
        let target = match wf.mapping.get(param) {
            Some(r) => {
                let class = wf.graph[&r.node]["class_type"].as_str().unwrap_or("?");
                format!("node {} ({class}), input {}", r.node, r.input)
            }
            None => "not found (correct with --map PARAM=NODE.INPUT)".to_owned(),
        };
        outln!("  {param:<16} {target}");
    }
}

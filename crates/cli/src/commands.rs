use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::time::Instant;

use easel_core::app_dirs::AppDirs;
use easel_core::engine::Engine;
use easel_core::jobs::JobStage;
use easel_core::library::{ListQuery, SortOrder};
use easel_core::{Error, ErrorPayload, GenerationParams, GenerationRequest, catalog};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::args::{Cli, Command, GenerateArgs, KeyCommand, ModelsArgs, PageArgs};
use crate::{human, output};

/// A failure is either core's own error or one a job reported through its events.
pub enum Failure {
    Core(Error),
    Job(ErrorPayload),
    /// Part of the work was done and its report printed; the rest failed.
    Partial(ErrorPayload),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

impl Failure {
    pub fn payload(&self) -> ErrorPayload {
        match self {
            Failure::Core(e) => ErrorPayload::from(e),
            Failure::Job(p) | Failure::Partial(p) => p.clone(),
        }
    }
}

pub(crate) fn open() -> Result<Engine, Error> {
    let dirs = AppDirs::from_env()?;
    let folder = dirs.data.clone();
    // At a million images an upgrade takes seconds: a person at a terminal is told why they
    // wait; scripts' output stays as it was.
    Engine::open_announcing(dirs, &mut |u| {
        if std::io::stderr().is_terminal() {
            output::err_line(format_args!(
                "Updating the library at {} for this version of Easel (schema {} to {}); this happens once.",
                folder.display(),
                u.from,
                u.to
            ));
        }
    })
}

pub async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Generate(args) => generate(args).await,
        Command::Import(args) => crate::import::run(args).await,
        Command::Edit(args) => crate::edit::edit(args).await,
        Command::Vary(args) => crate::edit::vary(args).await,
        Command::Providers(args) => crate::providers::run(&open()?, args.json),
        Command::List(args) => {
            let engine = open()?;
            let mut q = query(args.query.clone(), &args.page);
            if let Some(position) = args.from {
                q.cursor = engine.library().cursor_at(&q, position)?;
            }
            let page = engine.library().list(&q)?;
            let count = engine.library().count(&q)?;
            print_page(&page, count, args.output.json);
            Ok(())
        }
        Command::Search(args) => {
            let engine = open()?;
            let text = match (&args.saved, &args.query) {
                (Some(name), _) => engine.library().saved_search(name)?.query,
                (None, Some(text)) => text.clone(),
                (None, None) => String::new(),
            };
            if text.trim().is_empty() {
                return Err(Error::InvalidInput("The search query is empty.".into()).into());
            }
            let q = query(Some(text), &args.page);
            let page = engine.library().list(&q)?;
            let count = engine.library().count(&q)?;
            print_page(&page, count, args.output.json);
            Ok(())
        }
        Command::Show(args) => {
            let engine = open()?;
            let detail = engine.library().image(&args.id)?;
            // Reading the original checks it: a damaged one is said to be damaged.
            let original = match engine.library().read_original(&args.id) {
                Ok(_) => None,
                Err(e @ (Error::Damaged { .. } | Error::NotFound { .. })) => Some(e),
                Err(e) => return Err(e.into()),
            };
            let organisation = engine.library().organisation(&args.id)?;
            let tree = engine.library().version_tree(&args.id)?;
            let credentials = engine.library().credentials(&args.id)?;
            let origin = engine.library().import_origin(&args.id)?;
            if args.json {
                let mut doc = with_path(&detail, &detail.summary.path);
                doc["rating"] = json!(organisation.rating);
                doc["note"] = json!(organisation.note);
                doc["tags"] = json!(organisation.tags);
                doc["boards"] = json!(organisation.boards);
                crate::edit::add_lineage(&mut doc, &tree);
                doc["credentials"] = crate::provenance::credentials_json(credentials.as_ref());
                doc["imported"] = json!(origin);
                doc["original"] = match &original {
                    None => json!({ "status": "ok" }),
                    Some(e) => {
                        json!({ "status": if e.code() == "damaged" { "damaged" } else { "missing" }, "error": ErrorPayload::from(e) })
                    }
                };
                output::json_pretty(&doc);
            } else {
                human::print_detail(&detail);
                human::print_organisation(&organisation);
                crate::edit::print_lineage(&tree);
                match &credentials {
                    Some(c) => crate::provenance::print_credentials(c),
                    None => outln!(
                        "Content Credentials: not read yet (easel-cli provenance {}).",
                        args.id
                    ),
                }
                if let Some(origin) = &origin {
                    human::print_import_origin(origin);
                }
            }
            // The details were shown; the exit code and stderr say the original is not sound.
            match original {
                Some(e) => Err(Failure::Partial(ErrorPayload::from(&e))),
                None => Ok(()),
            }
        }
        Command::Favorite(args) => {
            let engine = open()?;
            engine.library().set_favorite(&args.id, !args.off)?;
            if args.json {
                output::json(&json!({ "id": args.id, "favorite": !args.off }));
            } else {
                outln!(
                    "{} {}",
                    if args.off {
                        "Unmarked"
                    } else {
                        "Marked as favourite:"
                    },
                    args.id
                );
            }
            Ok(())
        }
        Command::Models(args) => models(args).await,
        Command::Key(cmd) => key(cmd),
        Command::Export(args) => crate::export::run(&open()?, args),
        Command::License(args) => crate::license::run(args).await,
        Command::Check(args) => crate::library_commands::check(open()?.library(), &args),
        Command::Backup(args) => crate::library_commands::backup(open()?.library(), &args),
        Command::Restore(args) => crate::library_commands::restore(&args),
        Command::Endpoint(cmd) => crate::endpoints::run(cmd).await,
        Command::Rerun(args) => {
            let engine = open()?;
            let events = engine.subscribe();
            let job = engine.rerun(&args.generation_id)?;
            follow(&engine, events, job, args.json).await
        }
        Command::Board(args) => crate::organise::board(open()?.library(), args),
        Command::Tag(args) => crate::organise::tag(open()?.library(), args),
        Command::Rate(args) => crate::organise::rate(open()?.library(), &args),
        Command::Note(args) => crate::organise::note(open()?.library(), &args),
        Command::Saved(args) => crate::organise::saved(open()?.library(), args),
        Command::Duplicates(args) => crate::organise::duplicates(open()?.library(), &args),
        Command::Provenance(args) => crate::provenance::run(args),
        Command::Signing(args) => crate::provenance::signing(args),
    }
}

fn query(text: Option<String>, page: &PageArgs) -> ListQuery {
    ListQuery {
        text,
        provider: page.provider.clone(),
        model: page.model.clone(),
        favorites_only: page.favorites,
        commercial_only: page.commercial,
        credentials: page.credentials,
        since: None,
        until: None,
        order: if page.oldest {
            SortOrder::OldestFirst
        } else {
            SortOrder::NewestFirst
        },
        cursor: page.before.clone(),
        limit: page.limit,
    }
}

/// An image as scripts see it: the record plus the path of its original, which the record
/// itself never serializes (it must not reach the webview).
pub fn with_path<T: serde::Serialize>(record: &T, path: &str) -> serde_json::Value {
    let mut value = serde_json::to_value(record).unwrap_or_default();
    if let Some(obj) = value.as_object_mut() {
        obj.insert("path".into(), json!(path));
    }
    value
}

fn print_page(
    page: &easel_core::library::ImagePage,
    count: easel_core::library::MatchCount,
    as_json: bool,
) {
    if as_json {
        let images: Vec<_> = page.images.iter().map(|i| with_path(i, &i.path)).collect();
        output::json(&json!({ "images": images, "next": page.next, "count": count }));
    } else {
        human::print_page(page);
        human::print_count(count);
    }
}

/// `--param NAME=VALUE` pairs. A value that reads as JSON (a number, true, false) is taken as
/// such; anything else is text. The catalogue checks names and values before anything is sent.
pub(crate) fn extra_params(
    pairs: &[String],
) -> Result<BTreeMap<String, serde_json::Value>, Failure> {
    let mut out = BTreeMap::new();
    for pair in pairs {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(Error::InvalidInput(format!("--param {pair:?} is not NAME=VALUE.")).into());
        };
        let value = match serde_json::from_str::<serde_json::Value>(value) {
            Ok(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => v,
            _ => serde_json::Value::from(value),
        };
        out.insert(name.trim().to_owned(), value);
    }
    Ok(out)
}

async fn generate(args: GenerateArgs) -> Result<(), Failure> {
    let engine = open()?;
    let model = match args.model {
        Some(m) => m,
        None => engine.default_model_for(&args.provider).await?,
    };
    let request = GenerationRequest {
        provider: args.provider,
        model,
        prompt: args.prompt,
        params: GenerationParams {
            n: args.n,
            size: args.size,
            quality: args.quality,
            style: args.style,
            background: args.background,
            output_format: args.format,
            output_compression: args.compression,
            moderation: args.moderation,
            response_format: args.response_format,
            user: None,
            negative_prompt: args.negative,
            aspect_ratio: args.aspect_ratio,
            seed: args.seed,
            extra: extra_params(&args.params)?,
        },
    };
    let events = engine.subscribe();
    let job = engine.generate(request)?;
    follow(&engine, events, job, args.json).await
}

/// Waits for `job` (Ctrl-C cancels it), showing progress, then reports its images.
pub(crate) async fn follow(
    engine: &Engine,
    mut events: tokio::sync::broadcast::Receiver<easel_core::jobs::JobEvent>,
    job: String,
    as_json: bool,
) -> Result<(), Failure> {
    let started = Instant::now();
    let progress = human::Progress::new(!as_json);
    let mut interrupted = false;
    let end = loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Ok(ev) if ev.job_id == job => {
                    progress.show(&ev, started.elapsed());
                    if ev.stage.is_final() {
                        break ev;
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return Err(Error::Cancelled.into()),
            },
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                engine.cancel(&job);
            }
        }
    };
    progress.finish();
    match end.stage {
        JobStage::Done => {
            let mut images = Vec::with_capacity(end.image_ids.len());
            for id in &end.image_ids {
                images.push(engine.library().image(id)?);
            }
            if as_json {
                let images: Vec<_> = images
                    .iter()
                    .map(|d| {
                        json!({
                            "id": d.summary.id, "path": d.summary.path, "sha256": d.sha256,
                            "width": d.summary.width, "height": d.summary.height,
                        })
                    })
                    .collect();
                let mut doc = json!({ "generation_id": end.generation_id, "images": images });
                if let Some(lost) = &end.error {
                    doc["not_stored"] = json!(lost);
                }
                output::json(&doc);
            } else {
                human::print_generated(&images, started.elapsed());
            }
            // Some of the answer was lost: the images above were kept, the exit code says so.
            match end.error {
                Some(lost) => Err(Failure::Partial(lost)),
                None => Ok(()),
            }
        }
        _ => Err(Failure::Job(
            end.error
                .unwrap_or_else(|| ErrorPayload::from(&Error::Cancelled)),
        )),
    }
}

async fn models(args: ModelsArgs) -> Result<(), Failure> {
    if catalog::provider(&args.provider).is_err() {
        let engine = open()?;
        if engine.is_endpoint(&args.provider)? {
            if args.offline {
                return Err(Error::InvalidInput(format!(
                    "{} is an engine: its models are whatever it has now, so they are asked from it (leave out --offline).",
                    args.provider
                ))
                .into());
            }
            let models = engine.available_models(&args.provider).await?;
            if args.json {
                output::json(&json!({ "provider": args.provider, "models": models }));
            } else {
                for m in &models {
                    outln!("{m}");
                }
            }
            return Ok(());
        }
    }
    let provider = catalog::provider(&args.provider)?;
    let available = if args.offline {
        None
    } else {
        let engine = open()?;
        Some(engine.available_models(&args.provider).await?)
    };
    if args.json {
        let models: Vec<_> = provider
            .models
            .iter()
            .map(|m| {
                json!({
                    "id": m.id, "label": m.label, "status": m.status,
                    "available": available.as_ref().map(|a| a.contains(&m.id)),
                    "credits_per_image": m.credits_per_image,
                    "parameters": m.parameters(),
                })
            })
            .collect();
        let unknown: Vec<&String> = available
            .iter()
            .flatten()
            .filter(|id| provider.models.iter().all(|m| &m.id != *id))
            .collect();
        output::json(
            &json!({ "provider": provider.id, "models": models, "other_available": unknown }),
        );
    } else {
        human::print_models(provider, available.as_deref());
    }
    Ok(())
}

fn key(cmd: KeyCommand) -> Result<(), Failure> {
    let engine = open()?;
    match cmd {
        KeyCommand::Set { provider, field } => {
            let mut key = String::new();
            std::io::stdin().read_to_string(&mut key).map_err(|e| {
                Error::InvalidInput(format!("Could not read the key from standard input: {e}"))
            })?;
            match &field {
                Some(field) => engine.set_credential(&provider, field, key.trim())?,
                None => engine.set_api_key(&provider, key.trim())?,
            }
            match engine.keys().fallback_file() {
                None => outln!("Saved the {provider} key in the system keychain."),
                Some(path) => outln!(
                    "No keychain service is running; saved the {provider} key in {} (readable only by you).",
                    path.display()
                ),
            }
        }
        KeyCommand::Delete { provider } => {
            engine.delete_api_key(&provider)?;
            outln!("Removed the stored {provider} key.");
        }
        KeyCommand::Status { provider } => {
            let status = engine.key_status(&provider)?;
            let env = &catalog::provider(&provider)?.api_key_env();
            match status.source {
                None => outln!(
                    "No {provider} key. Set one with `easel-cli key set {provider}` or {env}."
                ),
                Some(source) => outln!(
                    "A {provider} key is set ({}).",
                    human::key_source(source, env)
                ),
            }
        }
    }
    Ok(())
}

//! Local engines through `Engine` (a module of the `engine_jobs` binary, which sets
//! `EASEL_KEY_STORE=file`): endpoints kept as data with the password only in the key store,
//! generation with previews through the job events, the seed and the engine's parameters
//! recorded, re-run reproducing the image, and the checkpoint's licence on every image.

use std::time::Duration;

use easel_core::endpoints::EndpointKind;
use easel_core::engine::Engine;
use easel_core::engine_endpoints::NewEndpoint;
use easel_core::jobs::JobStage;
use easel_core::license::{CommercialUse, DeclaredLicense};
use easel_core::{GenerationParams, GenerationRequest};
use serde_json::json;

use crate::engines_support::a1111::{A1111, Config, SD15_TITLE};
use crate::engines_support::comfy::{self, Comfy};
use crate::until_final;

fn open(root: &std::path::Path) -> Engine {
    // SAFETY: every test in this binary sets the same value.
    unsafe {
        std::env::set_var("EASEL_KEY_STORE", "file");
    }
    Engine::open(easel_core::app_dirs::AppDirs::under(root)).unwrap()
}

fn add(
    engine: &Engine,
    name: &str,
    kind: EndpointKind,
    url: &str,
    user: Option<&str>,
    pw: Option<&str>,
) {
    engine
        .add_endpoint(
            NewEndpoint {
                name: name.into(),
                kind,
                url: url.into(),
                username: user.map(str::to_owned),
                preset: None,
            },
            pw,
        )
        .unwrap();
}

fn request(provider: &str, model: &str, steps: u64) -> GenerationRequest {
    let mut params = GenerationParams::default();
    params.extra.insert("steps".into(), json!(steps));
    GenerationRequest {
        provider: provider.into(),
        model: model.into(),
        prompt: "harbour at night".into(),
        params,
    }
}

#[tokio::test]
async fn the_password_lives_in_the_key_store_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = A1111::start(Config {
        auth: Some(("ana".into(), "pw-Secret-987".into())),
        ..Config::default()
    })
    .await;
    let engine = open(dir.path());
    add(
        &engine,
        "forge",
        EndpointKind::A1111,
        &s.url(),
        Some("ana"),
        Some("pw-Secret-987"),
    );
    let list = engine.endpoints().unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].password_set);
    assert!(
        !serde_json::to_string(&list)
            .unwrap()
            .contains("pw-Secret-987")
    );
    let settings = std::fs::read_to_string(engine.dirs().config.join("settings.json")).unwrap();
    assert!(settings.contains("\"forge\"") && !settings.contains("pw-Secret-987"));
    let test = engine.test_endpoint("forge").await.unwrap();
    assert!(test.verified);
    assert_eq!(test.models[0], SD15_TITLE);

    let mut rx = engine.subscribe();
    let job = engine.generate(request("forge", SD15_TITLE, 3)).unwrap();
    let events = until_final(&mut rx, &job).await;
    assert_eq!(events.last().unwrap().stage, JobStage::Done);
    // The key store (here its fallback file) holds it; nothing of the library does.
    let keys = engine.dirs().config.join("keys.json");
    assert!(
        std::fs::read_to_string(&keys)
            .unwrap()
            .contains("pw-Secret-987")
    );
    let library_files = walk(engine.library().data_dir())
        .into_iter()
        .filter(|p| !p.starts_with(&engine.dirs().config));
    for entry in library_files {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(13).any(|w| w == b"pw-Secret-987"),
            "the password is in {}",
            entry.display()
        );
    }
    engine.remove_endpoint("forge").unwrap();
    assert!(engine.endpoints().unwrap().is_empty());
    let keys = std::fs::read_to_string(engine.dirs().config.join("keys.json")).unwrap_or_default();
    assert!(!keys.contains("pw-Secret-987"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn previews_seed_record_and_rerun_on_a1111() {
    let dir = tempfile::tempdir().unwrap();
    let s = A1111::start(Config {
        step_time: Duration::from_millis(150),
        ..Config::default()
    })
    .await;
    let engine = open(dir.path());
    add(&engine, "forge", EndpointKind::A1111, &s.url(), None, None);
    let mut rx = engine.subscribe();
    let job = engine.generate(request("forge", SD15_TITLE, 8)).unwrap();
    let mut seen_preview = None;
    let mut events = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .unwrap()
            .unwrap();
        if ev.job_id != job {
            continue;
        }
        if ev.stage == JobStage::Rendering && ev.preview.is_some() && seen_preview.is_none() {
            seen_preview = engine.job_preview(&job);
        }
        let last = ev.stage.is_final();
        events.push(ev);
        if last {
            break;
        }
    }
    let (n, frame) = seen_preview.expect("a preview while rendering");
    assert!(n >= 1 && !frame.bytes.is_empty());
    assert!(engine.job_preview(&job).is_none(), "previews are not kept");
    let steps: Vec<u32> = events.iter().filter_map(|e| e.step).collect();
    assert!(steps.windows(2).all(|w| w[0] <= w[1]), "{steps:?}");
    let done = events.last().unwrap();
    assert_eq!(done.stage, JobStage::Done);
    let gid = done.generation_id.clone().unwrap();
    let record = engine.library().generation(&gid).unwrap();
    let seed = record
        .params
        .seed
        .expect("Easel picked and recorded the seed");
    assert_eq!(record.params.extra["steps"], 8);
    assert_eq!(record.params.extra["sampler"], "Euler");
    assert_eq!(record.params.extra["scheduler"], "Automatic");
    assert_eq!(record.params.extra["cfg_scale"], 7.0);
    assert_eq!(record.params.extra["checkpoint"]["hash"], "6ce0161689");
    let image = engine.library().image(&done.image_ids[0]).unwrap();
    assert_eq!(image.license.terms.id, "creativeml-openrail-m");
    assert_eq!(s.state.lock().unwrap().txt2img_bodies[0]["seed"], seed);

    let again = engine.rerun(&gid).unwrap();
    let events = until_final(&mut rx, &again).await;
    let redo = events.last().unwrap();
    assert_eq!(redo.stage, JobStage::Done, "{:?}", redo.error);
    let bodies = s.state.lock().unwrap().txt2img_bodies.clone();
    for k in ["seed", "steps", "prompt"] {
        assert_eq!(bodies[0][k], bodies[1][k], "{k}");
    }
    // What the engine chose the first time is now asked for explicitly.
    assert_eq!(bodies[1]["sampler_name"], "Euler");
    assert_eq!(bodies[1]["scheduler"], "Automatic");
    assert_eq!(bodies[1]["cfg_scale"], 7.0);
    assert_eq!(
        (bodies[1]["width"].clone(), bodies[1]["height"].clone()),
        (json!(512), json!(512))
    );
    let image2 = engine.library().image(&redo.image_ids[0]).unwrap();
    assert_eq!(image.sha256, image2.sha256, "re-run made another image");
}

#[tokio::test]
async fn comfyui_images_carry_their_checkpoints_licence() {
    let dir = tempfile::tempdir().unwrap();
    let s = Comfy::start(comfy::Config::default()).await;
    let engine = open(dir.path());
    add(
        &engine,
        "studio",
        EndpointKind::Comfyui,
        &s.url(),
        None,
        None,
    );
    assert_eq!(
        engine.default_model_for("studio").await.unwrap(),
        comfy::CHECKPOINTS[0]
    );
    let mut rx = engine.subscribe();
    let job = engine
        .generate(request("studio", "flux1-dev-fp8.safetensors", 3))
        .unwrap();
    let events = until_final(&mut rx, &job).await;
    let done = events.last().unwrap();
    assert_eq!(done.stage, JobStage::Done, "{:?}", done.error);
    assert!(
        events
            .iter()
            .any(|e| e.stage == JobStage::Rendering && e.preview.is_some())
    );
    let image = engine.library().image(&done.image_ids[0]).unwrap();
    assert_eq!(image.license.terms.id, "flux1-dev-non-commercial");
    assert_eq!(image.license.terms.provider, "studio");

    // A checkpoint the catalogue does not know: terms unknown, until declared.
    let wf_graph = include_str!("../../data/engines/comfyui-txt2img.json");
    engine
        .import_workflow("studio", "mine", wf_graph.as_bytes())
        .unwrap();
    engine
        .declare_checkpoint_license(
            "v1-5-pruned-emaonly.safetensors",
            Some(DeclaredLicense {
                license: "My studio's own licence".into(),
                commercial_use: CommercialUse::Yes,
                terms_url: "https://example.org/licence".into(),
                note: String::new(),
            }),
        )
        .unwrap();
    let mut req = request("studio", "v1-5-pruned-emaonly.safetensors", 2);
    req.params.extra.insert("workflow".into(), json!("mine"));
    let job = engine.generate(req).unwrap();
    let done = until_final(&mut rx, &job).await.pop().unwrap();
    assert_eq!(done.stage, JobStage::Done, "{:?}", done.error);
    let image = engine.library().image(&done.image_ids[0]).unwrap();
    assert_eq!(image.license.terms.commercial_use, CommercialUse::Yes);
    assert!(image.license.terms.id.starts_with("declared:"));
    let record = engine
        .library()
        .generation(done.generation_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(record.params.extra["workflow"], "mine");
}

#[tokio::test]
async fn an_endpoint_name_cannot_shadow_a_provider_and_unknown_ones_are_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    let err = engine
        .add_endpoint(
            NewEndpoint {
                name: "openai".into(),
                kind: EndpointKind::OpenaiCompatible,
                url: "http://127.0.0.1:8080/v1".into(),
                username: None,
                preset: None,
            },
            None,
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert_eq!(
        engine.remove_endpoint("nope").unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        engine.generate(request("nope", "m", 2)).unwrap_err().code(),
        "invalid_input"
    );
}

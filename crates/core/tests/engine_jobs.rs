//! The whole pipeline through `Engine`: queue → provider (stand-in) → library, with the
//! progress events a front end sees, cancellation, and what a restart finds.
#![allow(clippy::unwrap_used, unsafe_code)]

#[path = "engine_endpoints/cases.rs"]
mod engine_endpoints;
#[path = "engines_support/mod.rs"]
mod engines_support;
mod support;

use std::time::Duration;

use easel_core::app_dirs::AppDirs;
use easel_core::engine::Engine;
use easel_core::jobs::{JobEvent, JobStage};
use easel_core::library::ListQuery;
use easel_core::{GenerationParams, GenerationRequest};
use serde_json::json;
use support::stand_in::{GENERATIONS, Reply, StandIn};
use support::{b64, png_bytes};
use tokio::sync::broadcast;

/// Each test points its own engine at its own stand-in through Settings; the process-wide
/// environment only says "keys in a file" and holds no key or base URL that could leak between tests.
fn engine(root: &std::path::Path, _stand_in: &StandIn) -> Engine {
    // SAFETY: every test in this binary sets the same values, so concurrent writers agree.
    unsafe {
        std::env::set_var("EASEL_KEY_STORE", "file");
        std::env::remove_var("OPENAI_API_KEY");
        std::env::remove_var("OPENAI_BASE_URL");
    }
    Engine::open(AppDirs::under(root)).unwrap()
}

fn request(prompt: &str) -> GenerationRequest {
    GenerationRequest {
        provider: "openai".into(),
        model: "gpt-image-1".into(),
        prompt: prompt.into(),
        params: GenerationParams {
            quality: Some("low".into()),
            ..Default::default()
        },
    }
}

fn point_at(engine: &Engine, stand_in: &StandIn) {
    let mut settings = engine.settings().unwrap();
    settings
        .providers
        .entry("openai".into())
        .or_default()
        .base_url = Some(stand_in.base_url());
    engine.save_settings(&settings).unwrap();
    engine.set_api_key("openai", "sk-test-engine-0123").unwrap();
}

async fn until_final(rx: &mut broadcast::Receiver<JobEvent>, job: &str) -> Vec<JobEvent> {
    let mut seen = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .unwrap()
            .unwrap();
        if ev.job_id == job {
            let last = ev.stage.is_final();
            seen.push(ev);
            if last {
                return seen;
            }
        }
    }
}

fn all_images(engine: &Engine) -> usize {
    engine
        .library()
        .list(&ListQuery {
            limit: 500,
            ..ListQuery::default()
        })
        .unwrap()
        .images
        .len()
}

#[tokio::test]
async fn a_generation_reports_each_stage_and_stores_its_images() {
    let dir = tempfile::tempdir().unwrap();
    let stand_in = StandIn::start().await;
    let engine = engine(dir.path(), &stand_in);
    point_at(&engine, &stand_in);
    stand_in.generations(
        Reply::error(
            429,
            "requests",
            Some("rate_limit_exceeded"),
            "Rate limit reached for requests.",
        )
        .header("retry-after-ms", "50"),
    );
    stand_in.generations(Reply::images(
        json!({ "created": 1713833628, "data": [{ "b64_json": b64(&png_bytes()) }] }),
    ));

    let mut rx = engine.subscribe();
    let job = engine.generate(request("an otter")).unwrap();
    let events = until_final(&mut rx, &job).await;
    let stages: Vec<JobStage> = events.iter().map(|e| e.stage).collect();
    assert_eq!(stages.first(), Some(&JobStage::Queued), "{stages:?}");
    for expected in [
        JobStage::Sending,
        JobStage::WaitingToRetry,
        JobStage::Receiving,
        JobStage::Storing,
    ] {
        assert!(
            stages.contains(&expected),
            "missing {expected:?} in {stages:?}"
        );
    }
    let wait = events
        .iter()
        .find(|e| e.stage == JobStage::WaitingToRetry)
        .unwrap();
    assert_eq!(wait.retry_in_ms, Some(50));
    let done = events.last().unwrap();
    assert_eq!(done.stage, JobStage::Done);
    assert_eq!(done.image_ids.len(), 1);
    assert_eq!(stand_in.count(GENERATIONS), 2);

    let detail = engine.library().image(&done.image_ids[0]).unwrap();
    assert_eq!(std::fs::read(&detail.summary.path).unwrap(), png_bytes());
    assert!(detail.license.terms.known);
    // Records cross to the webview as JSON: no file path may be in them.
    let json = serde_json::to_value(&detail).unwrap();
    assert!(json.get("path").is_none() && !json.to_string().contains(&detail.summary.path));
    let generation = engine
        .library()
        .generation(done.generation_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(
        serde_json::to_value(&generation).unwrap()["status"],
        "succeeded"
    );
}

#[tokio::test]
async fn cancelling_stops_the_request_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let stand_in = StandIn::start().await;
    let engine = engine(dir.path(), &stand_in);
    point_at(&engine, &stand_in);
    stand_in.generations(
        Reply::images(
            json!({ "created": 1713833628, "data": [{ "b64_json": b64(&png_bytes()) }] }),
        )
        .after(Duration::from_secs(30)),
    );
    let mut rx = engine.subscribe();
    let job = engine.generate(request("a slow otter")).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    assert!(engine.cancel(&job));
    let events = until_final(&mut rx, &job).await;
    assert_eq!(events.last().unwrap().stage, JobStage::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(all_images(&engine), 0);
}

#[tokio::test]
async fn a_refused_request_is_neither_recorded_nor_sent() {
    let dir = tempfile::tempdir().unwrap();
    let stand_in = StandIn::start().await;
    let engine = engine(dir.path(), &stand_in);
    point_at(&engine, &stand_in);
    let mut bad = request("an otter");
    bad.params.style = Some("vivid".into()); // style is for dall-e-3 only
    let err = engine.generate(bad).unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(err.to_string().contains("style"), "{err}");
    assert_eq!(stand_in.requests().len(), 0);
}

#[tokio::test]
async fn a_generation_cut_off_by_a_crash_is_interrupted_not_resent() {
    let dir = tempfile::tempdir().unwrap();
    let stand_in = StandIn::start().await;
    let generation_id;
    {
        let engine = engine(dir.path(), &stand_in);
        point_at(&engine, &stand_in);
        // The library row exists as soon as the job is queued; a crash leaves it "running".
        generation_id = engine
            .library()
            .create_generation(&request("lost otter"))
            .unwrap();
    }
    let engine = engine(dir.path(), &stand_in);
    let generation = engine.library().generation(&generation_id).unwrap();
    assert_eq!(
        serde_json::to_value(&generation).unwrap()["status"],
        "interrupted"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        stand_in.requests().len(),
        0,
        "an interrupted generation must not be re-sent"
    );
}

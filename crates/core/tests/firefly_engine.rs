//! Firefly through `Engine`: environment overrides point it at the stand-in, the image
//! lands in the library with its seed and licence status, and the queue's 4-per-minute
//! window (the catalogue's Firefly limit) holds a fifth job back visibly.
#![allow(clippy::unwrap_used, unsafe_code)]

mod firefly_support;

use std::time::Duration;

use easel_core::app_dirs::AppDirs;
use easel_core::engine::Engine;
use easel_core::jobs::{JobEvent, JobStage};
use easel_core::providers::LicenseStatus;
use easel_core::{GenerationParams, GenerationRequest};
use firefly_support::{CLIENT_ID, CLIENT_SECRET, Firefly, GENERATE, TOKEN_PATH, file, png};
use serde_json::json;
use tokio::sync::{Mutex, MutexGuard, broadcast};

/// The overrides are process-wide: one test at a time points them at its stand-in.
static ENV: Mutex<()> = Mutex::const_new(());

async fn engine(root: &std::path::Path, s: &Firefly) -> (Engine, MutexGuard<'static, ()>) {
    let guard = ENV.lock().await;
    // SAFETY: the lock above keeps the tests of this binary from writing at the same time.
    unsafe {
        std::env::set_var("EASEL_KEY_STORE", "file");
        std::env::set_var("FIREFLY_BASE_URL", s.base_url());
        std::env::set_var("FIREFLY_IMS_URL", s.ims_url());
        std::env::set_var("FIREFLY_SERVICES_CLIENT_ID", CLIENT_ID);
        std::env::set_var("FIREFLY_SERVICES_CLIENT_SECRET", CLIENT_SECRET);
    }
    (Engine::open(AppDirs::under(root)).unwrap(), guard)
}

fn request(seed: Option<u64>) -> GenerationRequest {
    GenerationRequest {
        provider: "firefly".into(),
        model: "image4_standard".into(),
        prompt: "a red kite over the dunes".into(),
        params: GenerationParams {
            seed,
            ..Default::default()
        },
    }
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

#[tokio::test]
async fn a_firefly_image_is_stored_with_its_seed_and_licence() {
    let dir = tempfile::tempdir().unwrap();
    let s = Firefly::start().await;
    let (engine, _env) = engine(dir.path(), &s).await;
    s.token("tok-engine-0000001", 86_399);
    s.accept("urn:ff:jobs:e1");
    s.running("urn:ff:jobs:e1", Some("0"));
    s.succeeded("urn:ff:jobs:e1", &[("e1.png", 777, file(png(77)))]);

    let mut rx = engine.subscribe();
    let job = engine.generate(request(Some(777))).unwrap();
    let events = until_final(&mut rx, &job).await;
    let stages: Vec<JobStage> = events.iter().map(|e| e.stage).collect();
    for expected in [
        JobStage::Sending,
        JobStage::Processing,
        JobStage::Receiving,
        JobStage::Storing,
    ] {
        assert!(
            stages.contains(&expected),
            "missing {expected:?} in {stages:?}"
        );
    }
    let done = events.last().unwrap();
    assert_eq!(done.stage, JobStage::Done, "{done:?}");
    assert_eq!(done.image_ids.len(), 1);

    let detail = engine.library().image(&done.image_ids[0]).unwrap();
    assert_eq!(std::fs::read(&detail.summary.path).unwrap(), png(77));
    assert_eq!(detail.seed, Some(777));
    assert_eq!(detail.summary.license_status, LicenseStatus::Included);
    assert!(!detail.summary.filtered);
    assert_eq!(detail.request_id.as_deref(), Some("urn:ff:jobs:e1"));
    assert_eq!(detail.license.terms.id, "adobe-firefly");
    assert_eq!(
        detail.license.terms.credit_line,
        "Image generated with Adobe Firefly (image4_standard)"
    );
    assert_eq!(
        detail.usage.as_ref().unwrap()["model_version"],
        json!("image4_standard")
    );
    assert_eq!(s.count(TOKEN_PATH), 1);
    assert_eq!(s.count(GENERATE), 1);
    assert_eq!(
        s.requests()
            .iter()
            .find(|r| r.path == GENERATE)
            .unwrap()
            .json()["seeds"],
        json!([777])
    );
}

/// Firefly's default is 4 requests a minute: the fifth job waits in the queue, visibly,
/// instead of being sent for a 429.
#[tokio::test]
async fn a_fifth_job_within_the_minute_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let s = Firefly::start().await;
    let (engine, _env) = engine(dir.path(), &s).await;
    s.token("tok-engine-0000002", 86_399);
    for i in 0..4 {
        let job = format!("job-{i}");
        s.accept(&job);
        s.succeeded(&job, &[(&format!("{job}.png"), i, file(png(i as u8)))]);
    }

    let mut rx = engine.subscribe();
    let jobs: Vec<String> = (0..5)
        .map(|_| engine.generate(request(None)).unwrap())
        .collect();
    let mut finished = 0;
    let mut held = Vec::new();
    while finished < 4 || held.is_empty() {
        let ev = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .unwrap()
            .unwrap();
        if ev.stage == JobStage::Held {
            held.push((ev.job_id.clone(), ev.retry_in_ms.unwrap()));
        }
        if ev.stage == JobStage::Done {
            finished += 1;
        }
        assert_ne!(ev.stage, JobStage::Failed, "{ev:?}");
    }
    assert_eq!(held.len(), 1, "{held:?}");
    let (held_job, wait_ms) = held[0].clone();
    assert!(wait_ms > 50_000 && wait_ms <= 60_000, "{wait_ms}");
    assert!(jobs.contains(&held_job));
    assert_eq!(s.count(GENERATE), 4);

    assert!(engine.cancel(&held_job));
    let end = until_final(&mut rx, &held_job).await;
    assert_eq!(end.last().unwrap().stage, JobStage::Cancelled);
    assert_eq!(s.count(GENERATE), 4, "the held job was never sent");
    assert_eq!(
        s.count(TOKEN_PATH),
        1,
        "the engine keeps one client and its token"
    );
}

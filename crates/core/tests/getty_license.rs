//! Licensing a Getty preview against the contract stand-in: download sizes, the PUT that
//! bills (sent once, even when its outcome is unknown), polling, fetching the file; and
//! the whole flow through `Engine`, which stores the file as a new original linked to its
//! preview with the transaction recorded.
#![allow(clippy::unwrap_used, unsafe_code)]

mod getty_support;
mod support;

use std::time::Duration;

use easel_core::app_dirs::AppDirs;
use easel_core::engine::Engine;
use easel_core::jobs::JobStage;
use easel_core::providers::LicenseStatus;
use easel_core::providers::getty::{GettyClient, GettyConfig};
use easel_core::providers::http::RetryPolicy;
use easel_core::{GenerationParams, GenerationRequest};
use getty_support::{
    GENERATE, GettyStandIn, KEY, Reply, SECRET, download_path, poll_path, sizes_path,
};
use serde_json::json;
use support::png_bytes;
use tokio_util::sync::CancellationToken;

fn client(s: &GettyStandIn, total_timeout: Option<Duration>) -> GettyClient {
    let mut cfg = GettyConfig {
        retry: RetryPolicy {
            base_delay: Duration::from_millis(200),
            time_scale: 0.01,
            ..RetryPolicy::default()
        },
        ..GettyConfig::new(s.base_url(), s.auth_url(), KEY, SECRET)
    };
    if let Some(t) = total_timeout {
        cfg.timeouts.total = t;
    }
    GettyClient::new(cfg).unwrap()
}

fn full_size() -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(8, 6, image::Rgba([10, 120, 200, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The download answers: pending once, then ready with the file.
fn script_ready(s: &GettyStandIn, id: &str, index: u32, bytes: Vec<u8>) {
    s.on("GET", &download_path(id, index), Reply::empty(202));
    let url = s.file(&format!("{id}-{index}-full.png"), Reply::file(bytes));
    s.on(
        "GET",
        &download_path(id, index),
        Reply::json(200, json!({"url": url, "generated_asset_id": "ga-777"})),
    );
}

#[tokio::test]
async fn lists_download_sizes() {
    let s = GettyStandIn::start().await;
    s.on(
        "GET",
        &sizes_path("gen-1", 2),
        Reply::json(
            200,
            json!({"download_sizes": [
                {"size_name": "1k", "width": 1024, "height": 576},
                {"size_name": "4k", "width": 4096, "height": 2304},
                {"size_name": null, "width": 0, "height": 0}
            ]}),
        ),
    );
    let sizes = client(&s, None)
        .download_sizes("gen-1/2", &CancellationToken::new())
        .await
        .unwrap();
    let names: Vec<_> = sizes.iter().map(|s| (s.name.as_str(), s.width)).collect();
    assert_eq!(names, [("1k", 1024), ("4k", 4096)]);
    s.requests();
}

#[tokio::test]
async fn licenses_with_one_put_then_polls_and_fetches_the_file() {
    let s = GettyStandIn::start().await;
    let bytes = full_size();
    s.on("PUT", &download_path("gen-1", 0), Reply::empty(202));
    script_ready(&s, "gen-1", 0, bytes.clone());
    let got = client(&s, None)
        .license("gen-1/0", "4k", &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(got.bytes, bytes);
    assert_eq!(got.asset_id.as_deref(), Some("ga-777"));
    assert_eq!(got.transaction["generated_asset_id"], "ga-777");
    assert_eq!(got.transaction["size_name"], "4k");
    assert_eq!(got.transaction["generation_request_id"], "gen-1");
    assert!(got.transaction["licensed_at"].is_string());
    assert!(
        !got.transaction.to_string().contains("/files/"),
        "no signed URL kept"
    );
    let puts: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].json(), json!({"size_name": "4k"}));
}

#[tokio::test]
async fn a_download_already_in_progress_is_followed_not_restarted() {
    let s = GettyStandIn::start().await;
    s.on("PUT", &download_path("gen-2", 1), Reply::empty(409));
    script_ready(&s, "gen-2", 1, full_size());
    client(&s, None)
        .license("gen-2/1", "1k", &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(s.count("PUT", &download_path("gen-2", 1)), 1);
}

#[tokio::test]
async fn a_put_that_times_out_is_looked_up_not_repeated() {
    // Getty shows the download as started: carry on with it.
    let s = GettyStandIn::start().await;
    s.on(
        "PUT",
        &download_path("gen-3", 0),
        Reply::empty(202).after(Duration::from_secs(3)),
    );
    s.on("GET", &download_path("gen-3", 0), Reply::empty(202));
    script_ready(&s, "gen-3", 0, full_size());
    client(&s, Some(Duration::from_millis(500)))
        .license("gen-3/0", "4k", &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(s.count("PUT", &download_path("gen-3", 0)), 1);

    // Getty does not know it: the outcome stays unknown, and nothing is sent again.
    let s = GettyStandIn::start().await;
    s.on("PUT", &download_path("gen-4", 0), Reply::error(500, "oops"));
    s.on(
        "GET",
        &download_path("gen-4", 0),
        Reply::error(404, "GenerationRequestIdNotFound"),
    );
    let e = client(&s, None)
        .license("gen-4/0", "4k", &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "outcome_unknown", "{e:?}");
    assert_eq!(s.count("PUT", &download_path("gen-4", 0)), 1);
}

#[tokio::test]
async fn licensing_a_gone_generation_is_final() {
    let s = GettyStandIn::start().await;
    s.on(
        "PUT",
        &download_path("gen-5", 0),
        Reply::error(410, "GenerationRequestGone"),
    );
    let e = client(&s, None)
        .license("gen-5/0", "4k", &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    assert!(e.to_string().contains("gone for good"), "{e}");
    assert_eq!(s.requests().len(), 2, "one token request and one PUT");
}

#[tokio::test]
async fn licence_flow_through_the_engine() {
    let root = tempfile::tempdir().unwrap();
    let s = GettyStandIn::start().await;
    // SAFETY: the only test in this binary that touches the environment.
    unsafe {
        std::env::set_var("EASEL_KEY_STORE", "file");
        std::env::set_var("GETTY_API_KEY", KEY);
        std::env::set_var("GETTY_API_SECRET", SECRET);
        std::env::set_var("GETTY_BASE_URL", s.base_url());
        std::env::set_var("GETTY_AUTH_URL", s.auth_url());
    }
    let engine = Engine::open(AppDirs::under(root.path())).unwrap();
    assert!(engine.is_configured("getty").unwrap());

    // Generate: the engine polls with the real (unscaled) first wait of 2 s.
    let preview_bytes = png_bytes();
    s.on("POST", GENERATE, Reply::pending("gen-e"));
    let done = s.finished("gen-e", 4242, &[(0, Some(preview_bytes.clone()))]);
    s.on("GET", &poll_path("gen-e"), done);
    let mut rx = engine.subscribe();
    let mut params = GenerationParams {
        aspect_ratio: Some("1:1".into()),
        ..Default::default()
    };
    params
        .extra
        .insert("media_type".into(), json!("illustration"));
    let job = engine
        .generate(GenerationRequest {
            provider: "getty".into(),
            model: "generative-ai".into(),
            prompt: "a paper boat".into(),
            params,
        })
        .unwrap();
    let output = loop {
        let ev = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .unwrap()
            .unwrap();
        if ev.job_id == job && ev.stage.is_final() {
            assert_eq!(ev.stage, JobStage::Done, "{ev:?}");
            break ev;
        }
    };
    let preview_id = output.image_ids[0].clone();
    let preview = engine.library().image(&preview_id).unwrap();
    assert_eq!(preview.summary.license_status, LicenseStatus::Preview);
    assert_eq!(preview.asset_id.as_deref(), Some("gen-e/0"));
    assert_eq!(preview.seed, Some(4242));
    assert_eq!(preview.license.terms.id, "getty-generative-ai");
    assert_eq!(
        std::fs::read(engine.library().original_path(&preview_id).unwrap()).unwrap(),
        preview_bytes
    );

    // Sizes, then the licence.
    s.on(
        "GET",
        &sizes_path("gen-e", 0),
        Reply::json(
            200,
            json!({"download_sizes": [{"size_name": "4k", "width": 4096, "height": 4096}]}),
        ),
    );
    let sizes = engine
        .download_sizes(&preview_id, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(sizes[0].name, "4k");
    let full = full_size();
    s.on("PUT", &download_path("gen-e", 0), Reply::empty(202));
    script_ready(&s, "gen-e", 0, full.clone());
    let licensed = engine
        .license_image(&preview_id, "4k", &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_ne!(licensed.summary.id, preview_id);
    assert_eq!(
        licensed.summary.generation_id,
        preview.summary.generation_id
    );
    assert_eq!(licensed.index, 1);
    assert_eq!(licensed.summary.license_status, LicenseStatus::Licensed);
    assert_eq!(licensed.licensed_from.as_deref(), Some(preview_id.as_str()));
    assert_eq!(licensed.asset_id.as_deref(), Some("ga-777"));
    assert_eq!((licensed.summary.width, licensed.summary.height), (8, 6));
    let tx = licensed.license.transaction.clone().unwrap();
    assert_eq!(tx["generated_asset_id"], "ga-777");
    assert_eq!(tx["size_name"], "4k");
    assert_eq!(tx["preview_image_id"], preview_id.as_str());
    assert_eq!(
        std::fs::read(
            engine
                .library()
                .original_path(&licensed.summary.id)
                .unwrap()
        )
        .unwrap(),
        full
    );
    // The record as `show --json` prints it.
    let shown =
        serde_json::to_value(engine.library().image(&licensed.summary.id).unwrap()).unwrap();
    assert_eq!(shown["license_status"], "licensed");
    assert_eq!(shown["license"]["transaction"]["size_name"], "4k");
    assert_eq!(shown["license"]["status"], "licensed");
    assert_eq!(shown["seed"], 4242);
    assert_eq!(shown["filtered"], false);

    // The same size again is refused locally: nothing is sent, nothing billed twice.
    let puts_before = s.count("PUT", &download_path("gen-e", 0));
    let e = engine
        .license_image(&preview_id, "4k", &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(e.to_string().contains(&licensed.summary.id), "{e}");
    assert_eq!(s.count("PUT", &download_path("gen-e", 0)), puts_before);
    // A licensed image is not a preview.
    let e = engine
        .license_image(
            &licensed.summary.id,
            "1k",
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert_eq!(s.count("POST", GENERATE), 1);
}

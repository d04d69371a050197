//! The Stability AI client against a stand-in that follows `stability-v2beta.json`: both
//! answer shapes, filtered images, every documented error with the number of requests the
//! stand-in saw, local refusals, cancellation, hostile provider text, and the path through
//! `Engine` (library record, 60 s lock-out after a 429).
#![allow(clippy::unwrap_used, unsafe_code)]

mod stability_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use easel_core::providers::http::RetryPolicy;
use easel_core::providers::stability::{Accept, StabilityClient, StabilityConfig};
use easel_core::providers::{ProviderAnswer, ProviderProgress};
use easel_core::{Error, GenerationParams, GenerationRequest};
use serde_json::json;
use stability_support::{CORE, Reply, SD3, StandIn, ULTRA, image_bytes};
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk-stability-test-0123456789";

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        max_transient_retries: 2,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(5),
        max_total_wait: Duration::from_secs(90),
        // Waits are slept at 1/100.
        time_scale: 0.01,
    }
}

fn client_with(s: &StandIn, accept: Accept) -> StabilityClient {
    StabilityClient::new(StabilityConfig {
        retry: fast_retry(),
        accept,
        ..StabilityConfig::new(s.base_url(), KEY)
    })
    .unwrap()
}

fn client(s: &StandIn) -> StabilityClient {
    client_with(s, Accept::Image)
}

fn request(model: &str, params: GenerationParams) -> GenerationRequest {
    GenerationRequest {
        provider: "stability".into(),
        model: model.into(),
        prompt: "A lighthouse on a cliff at dusk".into(),
        params,
    }
}

#[derive(Clone, Default)]
struct Progress(Arc<Mutex<Vec<ProviderProgress>>>);

impl Progress {
    fn sink(&self) -> impl Fn(ProviderProgress) + Send + Sync + 'static {
        let events = self.0.clone();
        move |p| events.lock().unwrap().push(p)
    }
    fn events(&self) -> Vec<ProviderProgress> {
        self.0.lock().unwrap().clone()
    }
}

async fn generate(
    c: &StabilityClient,
    req: &GenerationRequest,
) -> (Result<ProviderAnswer, Error>, Progress) {
    let progress = Progress::default();
    let sink = progress.sink();
    let r = c.generate(req, &sink, &CancellationToken::new()).await;
    (r, progress)
}

fn fields(s: &StandIn, i: usize) -> Vec<(String, String)> {
    s.requests()[i].fields()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn ultra_answers_bytes_with_seed_request_id_and_credits() {
    let s = StandIn::start().await;
    let png = image_bytes("png", 10);
    s.script(
        ULTRA,
        Reply::image(png.clone(), "png", "SUCCESS", "343940597", "req-ultra-1"),
    );
    let req = request(
        "stable-image-ultra",
        GenerationParams {
            negative_prompt: Some("people, text".into()),
            aspect_ratio: Some("21:9".into()),
            seed: Some(343940597),
            style: Some("cinematic".into()),
            output_format: Some("png".into()),
            ..Default::default()
        },
    );
    let (r, progress) = generate(&client(&s), &req).await;
    let out = r.unwrap();
    assert_eq!(out.images.len(), 1);
    let image = &out.images[0];
    assert_eq!(image.bytes, png);
    assert_eq!(image.seed, Some(343940597));
    assert!(!image.filtered);
    assert_eq!(
        image.license_status,
        easel_core::providers::LicenseStatus::Included
    );
    assert_eq!(out.request_id.as_deref(), Some("req-ultra-1"));
    assert_eq!(out.usage, Some(json!({"credits": 8.0})));

    let reqs = s.requests();
    assert_eq!(reqs.len(), 1);
    let sent = &reqs[0];
    assert_eq!(sent.path, ULTRA);
    assert_eq!(sent.headers["authorization"], format!("Bearer {KEY}"));
    assert_eq!(sent.headers["accept"], "image/*");
    assert_eq!(sent.headers["stability-client-id"], "Easel");
    assert_eq!(
        sent.headers["stability-client-version"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        sent.fields(),
        pairs(&[
            ("prompt", "A lighthouse on a cliff at dusk"),
            ("negative_prompt", "people, text"),
            ("aspect_ratio", "21:9"),
            ("seed", "343940597"),
            ("style_preset", "cinematic"),
            ("output_format", "png"),
        ])
    );
    assert_eq!(out.params_sent["endpoint"], ULTRA);
    assert_eq!(out.params_sent["form"]["style_preset"], "cinematic");
    assert!(!out.params_sent.to_string().contains(KEY));
    assert_eq!(
        progress.events(),
        vec![
            ProviderProgress::Sending { attempt: 1 },
            ProviderProgress::Receiving
        ]
    );
}

#[tokio::test]
async fn core_answers_json_when_asked_for_json() {
    let s = StandIn::start().await;
    let webp = image_bytes("webp", 20);
    s.script(
        CORE,
        Reply::json_image(&webp, "webp", "SUCCESS", 42, "req-core-1"),
    );
    let req = request(
        "stable-image-core",
        GenerationParams {
            output_format: Some("webp".into()),
            style: Some("photographic".into()),
            ..Default::default()
        },
    );
    let (r, _) = generate(&client_with(&s, Accept::Json), &req).await;
    let out = r.unwrap();
    assert_eq!(out.images[0].bytes, webp);
    assert_eq!(out.images[0].seed, Some(42));
    assert!(!out.images[0].filtered);
    assert_eq!(out.request_id.as_deref(), Some("req-core-1"));
    assert_eq!(out.usage, Some(json!({"credits": 3.0})));
    let reqs = s.requests();
    assert_eq!(reqs[0].headers["accept"], "application/json");
    assert_eq!(
        reqs[0].fields(),
        pairs(&[
            ("prompt", "A lighthouse on a cliff at dusk"),
            ("style_preset", "photographic"),
            ("output_format", "webp"),
        ])
    );
}

#[tokio::test]
async fn sd35_models_send_their_name_in_the_model_field() {
    let s = StandIn::start().await;
    let jpeg = image_bytes("jpeg", 30);
    for (model, credits) in [
        ("sd3.5-large", 6.5),
        ("sd3.5-large-turbo", 4.0),
        ("sd3.5-medium", 3.5),
        ("sd3.5-flash", 2.5),
    ] {
        s.script(
            SD3,
            Reply::image(jpeg.clone(), "jpeg", "SUCCESS", "42", "req-sd3"),
        );
        let req = request(
            model,
            GenerationParams {
                aspect_ratio: Some("16:9".into()),
                negative_prompt: Some("blurry".into()),
                seed: Some(42),
                style: Some("photographic".into()),
                output_format: Some("jpeg".into()),
                ..Default::default()
            },
        );
        let (r, _) = generate(&client(&s), &req).await;
        let out = r.unwrap();
        assert_eq!(out.images[0].bytes, jpeg, "{model}");
        assert_eq!(out.images[0].seed, Some(42));
        assert_eq!(out.usage, Some(json!({"credits": credits})), "{model}");
    }
    let reqs = s.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(
        reqs[0].fields(),
        pairs(&[
            ("prompt", "A lighthouse on a cliff at dusk"),
            ("model", "sd3.5-large"),
            ("negative_prompt", "blurry"),
            ("aspect_ratio", "16:9"),
            ("seed", "42"),
            ("style_preset", "photographic"),
            ("output_format", "jpeg"),
        ])
    );
    let models: Vec<String> = (0..4).map(|i| fields(&s, i)[1].1.clone()).collect();
    assert_eq!(
        models,
        [
            "sd3.5-large",
            "sd3.5-large-turbo",
            "sd3.5-medium",
            "sd3.5-flash"
        ]
    );

    // SD 3.5's own parameter, under the API's name (as `--param cfg_scale=7` sets it).
    s.script(
        SD3,
        Reply::image(jpeg.clone(), "jpeg", "SUCCESS", "9", "req-cfg"),
    );
    let mut params = GenerationParams::default();
    params.extra.insert("cfg_scale".into(), json!(7));
    let (r, _) = generate(&client(&s), &request("sd3.5-medium", params.clone())).await;
    r.unwrap();
    assert_eq!(
        fields(&s, 4),
        pairs(&[
            ("prompt", "A lighthouse on a cliff at dusk"),
            ("model", "sd3.5-medium"),
            ("cfg_scale", "7"),
        ])
    );
    // Ultra takes no cfg_scale: refused before sending.
    let (r, _) = generate(&client(&s), &request("stable-image-ultra", params)).await;
    assert!(r.unwrap_err().to_string().contains("cfg_scale"));
    assert_eq!(s.count(), 5);
}

#[tokio::test]
async fn content_filtered_is_kept_and_marked() {
    let s = StandIn::start().await;
    let blurred = image_bytes("png", 99);
    s.script(
        CORE,
        Reply::image(blurred.clone(), "png", "CONTENT_FILTERED", "7", "req-f"),
    );
    s.script(
        CORE,
        Reply::json_image(&blurred, "png", "CONTENT_FILTERED", 8, "req-g"),
    );
    let req = request("stable-image-core", GenerationParams::default());
    let (r, _) = generate(&client(&s), &req).await;
    let out = r.unwrap();
    assert!(out.images[0].filtered);
    assert_eq!(out.images[0].bytes, blurred);
    assert_eq!(out.images[0].seed, Some(7));
    assert_eq!(
        out.usage,
        Some(json!({"credits": 3.0})),
        "a filtered image is billed"
    );
    let (r, _) = generate(&client_with(&s, Accept::Json), &req).await;
    let out = r.unwrap();
    assert!(out.images[0].filtered);
    assert_eq!(out.images[0].seed, Some(8));
    assert_eq!(s.count(), 2);
}

/// Each documented error: (endpoint, reply, expected code, requests the stand-in saw).
#[tokio::test]
async fn each_error_maps_to_its_code_with_its_request_count() {
    let cases: Vec<(&str, Vec<Reply>, &str, usize)> = vec![
        (
            ULTRA,
            vec![Reply::error(
                ULTRA,
                400,
                "bad_request",
                &["aspect_ratio: must be one of 21:9, 16:9"],
            )],
            "invalid_input",
            1,
        ),
        (
            CORE,
            vec![Reply::undocumented(
                401,
                json!({"id": "9160aa70", "name": "unauthorized", "message": "missing authorization header"}),
            )],
            "auth",
            1,
        ),
        (
            SD3,
            vec![Reply::undocumented(
                402,
                json!({"id": "p1", "name": "payment_required", "errors": ["You lack sufficient credits to make this request."]}),
            )],
            "quota_exhausted",
            1,
        ),
        (
            ULTRA,
            vec![Reply::error(
                ULTRA,
                403,
                "content_moderation",
                &[
                    "Your request was flagged by our content moderation system, as a result your request was denied and you were not charged.",
                ],
            )],
            "rejected_by_safety",
            1,
        ),
        (
            CORE,
            vec![Reply::error(
                CORE,
                403,
                "content_moderation",
                &["Your request was flagged."],
            )],
            "rejected_by_safety",
            1,
        ),
        (
            SD3,
            vec![Reply::error(
                SD3,
                413,
                "payload_too_large",
                &["body: payloads cannot be larger than 10MiB in size"],
            )],
            "invalid_input",
            1,
        ),
        (
            SD3,
            vec![Reply::error(
                SD3,
                422,
                "invalid_language",
                &["English is the only supported language for this service."],
            )],
            "invalid_input",
            1,
        ),
        (
            ULTRA,
            vec![Reply::error(
                ULTRA,
                422,
                "public_figure",
                &["Our system detected the likeness of a public figure in your image."],
            )],
            "rejected_by_safety",
            1,
        ),
        (
            CORE,
            vec![Reply::error(
                CORE,
                429,
                "rate_limit_exceeded",
                &[
                    "You have exceeded the rate limit of 150 requests within a 10 second period, and have been timed out for 60 seconds.",
                ],
            )],
            "rate_limited",
            1,
        ),
        (
            ULTRA,
            (0..3)
                .map(|_| {
                    Reply::error(
                        ULTRA,
                        500,
                        "internal_error",
                        &["An unexpected server error has occurred, please try again later."],
                    )
                })
                .collect(),
            "provider_error",
            3,
        ),
    ];
    for (path, replies, code, requests) in cases {
        let s = StandIn::start().await;
        for r in replies {
            s.script(path, r);
        }
        let model = match path {
            ULTRA => "stable-image-ultra",
            CORE => "stable-image-core",
            _ => "sd3.5-medium",
        };
        let (r, _) = generate(&client(&s), &request(model, GenerationParams::default())).await;
        let err = r.unwrap_err();
        assert_eq!(err.code(), code, "{path}: {err}");
        assert_eq!(s.count(), requests, "{path} {code}");
        if code == "auth" {
            assert!(matches!(&err, Error::Auth { env_var, .. } if env_var == "STABILITY_API_KEY"));
        }
        if let Error::RateLimited { retry_after, .. } = &err {
            assert_eq!(*retry_after, Some(Duration::from_secs(60)));
        }
        assert!(!err.to_string().contains(KEY));
    }
}

#[tokio::test]
async fn provider_text_is_shown_and_a_transient_error_is_retried() {
    let s = StandIn::start().await;
    s.script(
        CORE,
        Reply::error(
            CORE,
            400,
            "bad_request",
            &["seed: must be a number", "style_preset: unknown value"],
        ),
    );
    let (r, _) = generate(
        &client(&s),
        &request("stable-image-core", GenerationParams::default()),
    )
    .await;
    let text = r.unwrap_err().to_string();
    assert!(
        text.contains("seed: must be a number; style_preset: unknown value."),
        "{text}"
    );
    assert!(
        text.contains("a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4"),
        "the error id is shown for support: {text}"
    );

    let png = image_bytes("png", 1);
    s.script(
        CORE,
        Reply::error(
            CORE,
            500,
            "internal_error",
            &["An unexpected server error has occurred, please try again later."],
        ),
    );
    s.script(
        CORE,
        Reply::image(png.clone(), "png", "SUCCESS", "5", "req-2"),
    );
    let (r, progress) = generate(
        &client(&s),
        &request("stable-image-core", GenerationParams::default()),
    )
    .await;
    assert_eq!(r.unwrap().images[0].bytes, png);
    assert_eq!(s.count(), 3);
    assert!(progress.events().iter().any(|p| matches!(p, ProviderProgress::WaitingToRetry { reason, .. } if reason == "provider_error")));
}

#[tokio::test]
async fn hostile_provider_text_stays_plain_text() {
    let s = StandIn::start().await;
    s.script(
        ULTRA,
        Reply::error(ULTRA, 400, "bad_request", &["\u{1b}]8;;https://evil.example\u{7}click\u{1b}]8;;\u{7} \u{1b}[2J<img src=x onerror=alert(1)>"]),
    );
    let (r, _) = generate(
        &client(&s),
        &request("stable-image-ultra", GenerationParams::default()),
    )
    .await;
    let text = r.unwrap_err().to_string();
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(
        text.contains("<img src=x onerror=alert(1)>"),
        "markup stays literal text: {text}"
    );
}

#[tokio::test]
async fn requests_the_api_would_refuse_are_refused_locally() {
    let s = StandIn::start().await;
    let c = client(&s);
    let long = "x".repeat(10_001);
    let cases: Vec<(GenerationRequest, &str)> = vec![
        (
            request(
                "sd3.5-large",
                GenerationParams {
                    aspect_ratio: Some("7:3".into()),
                    ..Default::default()
                },
            ),
            "aspect_ratio",
        ),
        (
            request(
                "stable-image-core",
                GenerationParams {
                    seed: Some(4_294_967_295),
                    ..Default::default()
                },
            ),
            "seed",
        ),
        (
            request(
                "stable-image-ultra",
                GenerationParams {
                    n: Some(2),
                    ..Default::default()
                },
            ),
            "n parameter",
        ),
        (
            request(
                "sd3.5-flash",
                GenerationParams {
                    size: Some("1024x1024".into()),
                    ..Default::default()
                },
            ),
            "size",
        ),
        (
            request(
                "stable-image-core",
                GenerationParams {
                    output_format: Some("gif".into()),
                    ..Default::default()
                },
            ),
            "output_format",
        ),
        (
            request(
                "stable-image-core",
                GenerationParams {
                    style: Some("vivid".into()),
                    ..Default::default()
                },
            ),
            "style",
        ),
        (
            request(
                "sd3.5-medium",
                GenerationParams {
                    negative_prompt: Some(long.clone()),
                    ..Default::default()
                },
            ),
            "negative_prompt",
        ),
        (
            GenerationRequest {
                prompt: long,
                ..request("stable-image-core", GenerationParams::default())
            },
            "prompt",
        ),
        (request("sd3-large", GenerationParams::default()), "Unknown"),
    ];
    for (req, mentions) in cases {
        let (r, _) = generate(&c, &req).await;
        let err = r.unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{err}");
        assert!(err.to_string().contains(mentions), "{mentions}: {err}");
    }
    assert_eq!(s.count(), 0, "nothing doomed is sent");
}

#[tokio::test]
async fn cancelling_mid_request_stops_at_once() {
    let s = StandIn::start().await;
    s.script(
        ULTRA,
        Reply::image(image_bytes("png", 3), "png", "SUCCESS", "1", "req-slow")
            .after(Duration::from_secs(30)),
    );
    let c = client(&s);
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let req = request("stable-image-ultra", GenerationParams::default());
    let r = c.generate(&req, &|_| {}, &cancel).await;
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(s.count(), 1);
}

#[tokio::test]
async fn an_image_cut_off_after_the_200_is_not_requested_again() {
    let s = StandIn::start().await;
    let png = image_bytes("png", 4);
    s.script(
        CORE,
        Reply::image(png.clone(), "png", "SUCCESS", "1", "req-cut").cut_after(10),
    );
    s.script(CORE, Reply::image(png, "png", "SUCCESS", "1", "req-second"));
    let (r, _) = generate(
        &client(&s),
        &request("stable-image-core", GenerationParams::default()),
    )
    .await;
    let err = r.unwrap_err();
    assert_eq!(err.code(), "network", "{err}");
    assert!(err.to_string().contains("may have been billed"), "{err}");
    assert_eq!(s.count(), 1, "a billed generation must not be re-sent");
}

#[tokio::test]
async fn off_contract_answers_are_typed_errors() {
    let s = StandIn::start().await;
    // `ERROR` is the older API's failure reason; the v2beta contract lists only SUCCESS and
    // CONTENT_FILTERED. Failed generations are not billed, so it is retried.
    s.script(
        CORE,
        Reply::off_contract(200, "image/png", image_bytes("png", 5))
            .header("finish-reason", "ERROR"),
    );
    s.script(
        CORE,
        Reply::image(image_bytes("png", 6), "png", "SUCCESS", "2", "req-ok"),
    );
    let (r, _) = generate(
        &client(&s),
        &request("stable-image-core", GenerationParams::default()),
    )
    .await;
    assert_eq!(r.unwrap().images[0].bytes, image_bytes("png", 6));
    assert_eq!(s.count(), 2);

    s.script(
        CORE,
        Reply::off_contract(200, "image/png", b"<html>not an image</html>".to_vec())
            .header("finish-reason", "SUCCESS"),
    );
    let (r, _) = generate(
        &client(&s),
        &request("stable-image-core", GenerationParams::default()),
    )
    .await;
    assert_eq!(r.unwrap_err().code(), "not_an_image");
    s.script(
        CORE,
        Reply::off_contract(200, "application/json", b"{\"images\": []}".to_vec()),
    );
    let (r, _) = generate(
        &client(&s),
        &request("stable-image-core", GenerationParams::default()),
    )
    .await;
    assert_eq!(r.unwrap_err().code(), "bad_response");
}

#[tokio::test]
async fn models_come_from_the_catalogue_without_a_request() {
    use easel_core::providers::ImageProvider;
    let s = StandIn::start().await;
    let models = ImageProvider::list_models(&client(&s), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(
        models,
        [
            "stable-image-ultra",
            "stable-image-core",
            "sd3.5-large",
            "sd3.5-large-turbo",
            "sd3.5-medium",
            "sd3.5-flash",
            "stable-image-edit"
        ]
    );
    assert_eq!(s.count(), 0);
}

mod through_the_engine {
    use super::*;
    use easel_core::app_dirs::AppDirs;
    use easel_core::engine::Engine;
    use easel_core::jobs::{JobEvent, JobStage};
    use tokio::sync::broadcast;

    fn engine(root: &std::path::Path, s: &StandIn) -> Engine {
        // SAFETY: every test in this binary sets the same values.
        unsafe {
            std::env::set_var("EASEL_KEY_STORE", "file");
            std::env::remove_var("STABILITY_API_KEY");
            std::env::remove_var("STABILITY_BASE_URL");
        }
        let engine = Engine::open(AppDirs::under(root)).unwrap();
        let mut settings = engine.settings().unwrap();
        settings
            .providers
            .entry("stability".into())
            .or_default()
            .base_url = Some(s.base_url());
        engine.save_settings(&settings).unwrap();
        engine.set_api_key("stability", KEY).unwrap();
        engine
    }

    async fn until(
        rx: &mut broadcast::Receiver<JobEvent>,
        job: &str,
        stop: impl Fn(&JobEvent) -> bool,
    ) -> Vec<JobEvent> {
        let mut seen = Vec::new();
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(20), rx.recv())
                .await
                .unwrap()
                .unwrap();
            if ev.job_id == job {
                let last = stop(&ev);
                seen.push(ev);
                if last {
                    return seen;
                }
            }
        }
    }

    #[tokio::test]
    async fn a_filtered_image_lands_in_the_library_with_its_seed_and_flag() {
        let dir = tempfile::tempdir().unwrap();
        let s = StandIn::start().await;
        let engine = engine(dir.path(), &s);
        let blurred = image_bytes("png", 77);
        s.script(
            SD3,
            Reply::image(
                blurred.clone(),
                "png",
                "CONTENT_FILTERED",
                "1234567",
                "req-engine",
            ),
        );
        let mut rx = engine.subscribe();
        let req = request(
            "sd3.5-large",
            GenerationParams {
                seed: Some(1234567),
                aspect_ratio: Some("16:9".into()),
                ..Default::default()
            },
        );
        let job = engine.generate(req).unwrap();
        let events = until(&mut rx, &job, |e| e.stage.is_final()).await;
        let done = events.last().unwrap();
        assert_eq!(done.stage, JobStage::Done, "{events:?}");
        let detail = engine.library().image(&done.image_ids[0]).unwrap();
        assert_eq!(std::fs::read(&detail.summary.path).unwrap(), blurred);
        assert_eq!(detail.seed, Some(1234567));
        assert!(detail.summary.filtered);
        assert_eq!(
            detail.summary.license_status,
            easel_core::providers::LicenseStatus::Included
        );
        assert_eq!(detail.request_id.as_deref(), Some("req-engine"));
        assert_eq!(detail.usage, Some(json!({"credits": 6.5})));
        assert_eq!(detail.license.terms.id, "stability-api");
        assert!(detail.license.terms.known);
        assert_eq!(s.count(), 1);
    }

    #[tokio::test]
    async fn a_429_holds_the_next_job_for_the_60_second_lockout() {
        let dir = tempfile::tempdir().unwrap();
        let s = StandIn::start().await;
        let engine = engine(dir.path(), &s);
        s.script(CORE, Reply::error(CORE, 429, "rate_limit_exceeded", &["You have exceeded the rate limit of 150 requests within a 10 second period, and have been timed out for 60 seconds."]));
        let mut rx = engine.subscribe();
        let first = engine
            .generate(request("stable-image-core", GenerationParams::default()))
            .unwrap();
        let events = until(&mut rx, &first, |e| e.stage.is_final()).await;
        let last = events.last().unwrap();
        assert_eq!(last.stage, JobStage::Failed);
        assert_eq!(last.error.as_ref().unwrap().code, "rate_limited");
        assert_eq!(s.count(), 1, "a 429 is not retried");

        let second = engine
            .generate(request("stable-image-core", GenerationParams::default()))
            .unwrap();
        let events = until(&mut rx, &second, |e| e.stage == JobStage::Held).await;
        let held = events.last().unwrap().retry_in_ms.unwrap();
        assert!(held > 55_000 && held <= 60_000, "{held}");
        assert!(engine.cancel(&second));
        let events = until(&mut rx, &second, |e| e.stage.is_final()).await;
        assert_eq!(events.last().unwrap().stage, JobStage::Cancelled);
        assert_eq!(s.count(), 1, "the held job sent nothing");
    }
}

/// The stand-in's own checks bite: answers and requests the contract does not allow are
/// refused, so a passing test means the client followed the contract.
#[test]
fn the_stand_in_refuses_what_the_contract_does_not_document() {
    let refused = |f: fn()| std::panic::catch_unwind(f).is_err();
    // Core documents no 413.
    assert!(refused(|| {
        Reply::error(CORE, 413, "payload_too_large", &["too large"]);
    }));
    // Error bodies need at least one error text.
    assert!(refused(|| {
        Reply::error(ULTRA, 400, "bad_request", &[]);
    }));
    // The 200 answer's finish reason is SUCCESS or CONTENT_FILTERED.
    assert!(refused(|| {
        Reply::image(image_bytes("png", 1), "png", "ERROR", "1", "r");
    }));
    // No gif answers.
    assert!(refused(|| {
        Reply::image(image_bytes("gif", 1), "gif", "SUCCESS", "1", "r");
    }));
    assert!(refused(|| {
        Reply::undocumented(402, json!({"error": "no credits"}));
    }));

    // Requests: a field the endpoint does not take, a seed out of range, no key.
    let sent = |fields: &[(&str, &str)], auth: bool| {
        let boundary = "b0undary";
        let mut body = String::new();
        for (k, v) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let mut headers = std::collections::HashMap::new();
        headers.insert(
            "content-type".to_owned(),
            format!("multipart/form-data; boundary={boundary}"),
        );
        if auth {
            headers.insert("authorization".to_owned(), format!("Bearer {KEY}"));
        }
        stability_support::Recorded {
            method: "POST".into(),
            path: SD3.into(),
            headers,
            body: body.into_bytes(),
            answered: None,
        }
    };
    let check = |r: stability_support::Recorded| {
        std::panic::catch_unwind(move || stability_support::check_request(&r)).is_err()
    };
    assert!(!check(sent(
        &[
            ("prompt", "p"),
            ("model", "sd3.5-medium"),
            ("seed", "4294967294")
        ],
        true
    )));
    assert!(check(sent(&[("prompt", "p"), ("style", "anime")], true)));
    assert!(check(sent(
        &[("prompt", "p"), ("seed", "4294967295")],
        true
    )));
    assert!(check(sent(
        &[("prompt", "p"), ("model", "sd3-turbo")],
        true
    )));
    assert!(check(sent(&[("prompt", "p")], false)));
    assert!(check(sent(&[("negative_prompt", "p")], true)));
}

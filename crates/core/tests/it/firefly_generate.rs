//! The Firefly client against a stand-in held to `adobe-firefly.yaml`: sign-in and token
//! reuse, the async job (202, polls honouring Retry-After, outputs downloaded at once with
//! their seeds), cancellation mid-poll, expired output links, failed jobs, and the error
//! answers with the exact number of requests each one costs.
#![allow(clippy::unwrap_used)]

use crate::firefly_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use easel_core::providers::ImageProvider;
use easel_core::providers::ProviderProgress;
use easel_core::providers::firefly::{FireflyClient, FireflyConfig, PollPolicy};
use easel_core::providers::http::RetryPolicy;
use easel_core::{Error, GenerationParams, GenerationRequest};
use firefly_support::{
    CLIENT_ID, CLIENT_SECRET, Firefly, GENERATE, Reply, TOKEN_PATH, cancel_path, file, png,
    status_path,
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        max_transient_retries: 2,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(5),
        max_total_wait: Duration::from_secs(90),
        // Every wait is slept at 1/100: a Retry-After of 3 s takes 30 ms.
        time_scale: 0.01,
    }
}

/// The default poll interval is long (100 s, slept as 1 s), so a test that finishes
/// quickly shows the client followed the stand-in's Retry-After instead.
fn client(s: &Firefly) -> FireflyClient {
    FireflyClient::new(FireflyConfig {
        retry: fast_retry(),
        poll: PollPolicy {
            interval: Duration::from_secs(100),
            max_interval: Duration::from_secs(120),
            max_wait: Duration::from_secs(600),
            cancel_timeout: Duration::from_secs(2),
        },
        ..FireflyConfig::new(s.base_url(), s.ims_url(), CLIENT_ID, CLIENT_SECRET)
    })
    .unwrap()
}

fn request(model: &str, params: GenerationParams) -> GenerationRequest {
    GenerationRequest {
        provider: "firefly".into(),
        model: model.into(),
        prompt: "a lighthouse at dusk, watercolour".into(),
        params,
    }
}

fn simple() -> GenerationRequest {
    request("image4_standard", GenerationParams::default())
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
    c: &FireflyClient,
    req: &GenerationRequest,
) -> (
    Result<easel_core::providers::ProviderAnswer, Error>,
    Progress,
) {
    let progress = Progress::default();
    let sink = progress.sink();
    let r = c.generate(req, &sink, &CancellationToken::new()).await;
    (r, progress)
}

/// A job that succeeds at once with one output.
fn quick_job(s: &Firefly, job: &str, shade: u8, seed: i64) {
    s.accept(job);
    s.succeeded(job, &[(&format!("{job}-0.png"), seed, file(png(shade)))]);
}

#[tokio::test]
async fn a_job_is_polled_honouring_retry_after_and_its_output_downloaded_with_its_seed() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    s.accept("job-1");
    s.running("job-1", Some("3"));
    s.running("job-1", Some("3"));
    s.succeeded("job-1", &[("out-0.png", 118_725, file(png(7)))]);

    let c = client(&s);
    let started = Instant::now();
    let (r, progress) = generate(
        &c,
        &request(
            "image4_standard",
            GenerationParams {
                size: Some("2304x1792".into()),
                negative_prompt: Some("people".into()),
                style: Some("golden_hour".into()),
                extra: [("content_class".to_owned(), json!("photo"))].into(),
                ..Default::default()
            },
        ),
    )
    .await;
    let answer = r.unwrap();
    let elapsed = started.elapsed();
    // Two waits of Retry-After 3 s, scaled: at least 60 ms, and far from the 1 s default.
    assert!(elapsed >= Duration::from_millis(60), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(900), "{elapsed:?}");

    assert_eq!(answer.images.len(), 1);
    assert_eq!(answer.images[0].bytes, png(7));
    assert_eq!(answer.images[0].seed, Some(118_725));
    assert_eq!(answer.request_id.as_deref(), Some("job-1"));
    assert_eq!(
        answer.usage.as_ref().unwrap()["model_version"],
        "image4_standard"
    );

    assert_eq!(s.count(TOKEN_PATH), 1);
    assert_eq!(s.count(GENERATE), 1);
    assert_eq!(s.count(&status_path("job-1")), 3);
    assert_eq!(s.count(&cancel_path("job-1")), 0);
    let post = s
        .requests()
        .into_iter()
        .find(|r| r.path == GENERATE)
        .unwrap();
    assert_eq!(post.headers["x-model-version"], "image4_standard");
    assert_eq!(
        post.json(),
        json!({
            "prompt": "a lighthouse at dusk, watercolour",
            "negativePrompt": "people",
            "numVariations": 1,
            "size": {"width": 2304, "height": 1792},
            "contentClass": "photo",
            "style": {"presets": ["golden_hour"]},
        })
    );
    assert_eq!(answer.params_sent, post.json());
    let events = progress.events();
    for attempt in 1..=3 {
        assert!(
            events.contains(&ProviderProgress::Polling { attempt }),
            "{events:?}"
        );
    }
    assert!(events.contains(&ProviderProgress::Downloading { index: 0 }));
}

#[tokio::test]
async fn the_token_is_fetched_once_and_reused() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    quick_job(&s, "job-1", 1, 1);
    quick_job(&s, "job-2", 2, 2);
    let c = client(&s);
    generate(&c, &simple()).await.0.unwrap();
    generate(&c, &simple()).await.0.unwrap();
    assert_eq!(s.count(TOKEN_PATH), 1);
    assert_eq!(s.count(GENERATE), 2);
}

/// IMS tokens live 24 h, but Adobe may revoke one sooner: a 401 signs in again once.
#[tokio::test]
async fn an_expired_token_is_renewed_once_on_401() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    s.off_contract(
        GENERATE,
        Reply::off_contract(
            401,
            "application/json",
            r#"{"error_code":"401013","message":"Oauth token is not valid"}"#,
        ),
    );
    s.token("tok-B-000000000002", 86_399);
    quick_job(&s, "job-1", 3, 9);
    let c = client(&s);
    let answer = generate(&c, &simple()).await.0.unwrap();
    assert_eq!(answer.images[0].bytes, png(3));
    assert_eq!(s.count(TOKEN_PATH), 2);
    let posts: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.path == GENERATE)
        .collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(
        posts[0].headers["authorization"],
        "Bearer tok-A-000000000001"
    );
    assert_eq!(
        posts[1].headers["authorization"],
        "Bearer tok-B-000000000002"
    );
    // The polls use the new token too.
    let poll = s
        .requests()
        .into_iter()
        .find(|r| r.path == status_path("job-1"))
        .unwrap();
    assert_eq!(poll.headers["authorization"], "Bearer tok-B-000000000002");
}

#[tokio::test]
async fn a_second_401_is_an_auth_error_naming_the_variables() {
    let s = Firefly::start().await;
    for t in ["tok-A-000000000001", "tok-B-000000000002"] {
        s.token(t, 86_399);
        s.off_contract(
            GENERATE,
            Reply::off_contract(
                401,
                "application/json",
                r#"{"error_code":"401013","message":"Oauth token is not valid"}"#,
            ),
        );
    }
    let err = generate(&client(&s), &simple()).await.0.unwrap_err();
    assert_eq!(err.code(), "auth");
    let text = err.to_string();
    assert!(
        text.contains("FIREFLY_SERVICES_CLIENT_ID")
            && text.contains("FIREFLY_SERVICES_CLIENT_SECRET"),
        "{text}"
    );
    assert!(
        !text.contains("tok-B") && !text.contains(CLIENT_SECRET),
        "{text}"
    );
    assert_eq!(s.count(TOKEN_PATH), 2);
    assert_eq!(s.count(GENERATE), 2);
}

#[tokio::test]
async fn refused_client_credentials_are_an_auth_error_and_nothing_is_sent() {
    let s = Firefly::start().await;
    s.token_refused();
    let err = generate(&client(&s), &simple()).await.0.unwrap_err();
    assert_eq!(err.code(), "auth");
    assert_eq!(s.count(TOKEN_PATH), 1);
    assert_eq!(s.api_count(), 0);
}

#[tokio::test]
async fn two_variations_get_a_seed_each_and_both_are_downloaded() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    s.accept("job-2v");
    s.succeeded(
        "job-2v",
        &[("a.png", 42, file(png(10))), ("b.png", 43, file(png(20)))],
    );
    let answer = generate(
        &client(&s),
        &request(
            "image3",
            GenerationParams {
                n: Some(2),
                seed: Some(42),
                size: Some("1024x1024".into()),
                ..Default::default()
            },
        ),
    )
    .await
    .0
    .unwrap();
    let post = s
        .requests()
        .into_iter()
        .find(|r| r.path == GENERATE)
        .unwrap();
    assert_eq!(post.json()["numVariations"], 2);
    assert_eq!(post.json()["seeds"], json!([42, 43]));
    assert_eq!(post.headers["x-model-version"], "image3");
    let got: Vec<(Vec<u8>, Option<i64>)> = answer
        .images
        .iter()
        .map(|i| (i.bytes.clone(), i.seed))
        .collect();
    assert_eq!(got, vec![(png(10), Some(42)), (png(20), Some(43))]);
    assert_eq!(s.count("/files/a.png"), 1);
    assert_eq!(s.count("/files/b.png"), 1);
}

#[tokio::test]
async fn an_expired_output_link_is_a_typed_error() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    s.accept("job-x");
    // What S3-style storage answers for an expired pre-signed URL.
    s.succeeded(
        "job-x",
        &[(
            "gone.png",
            5,
            Reply::off_contract(
                403,
                "application/xml",
                "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
            ),
        )],
    );
    let err = generate(&client(&s), &simple()).await.0.unwrap_err();
    assert!(matches!(err, Error::Expired { .. }), "{err:?}");
    assert_eq!(err.code(), "expired");
    assert!(err.to_string().contains("one hour"), "{err}");
    assert_eq!(
        s.count("/files/gone.png"),
        1,
        "an expired link is not retried"
    );
}

#[tokio::test]
async fn cancelling_mid_poll_sends_one_cancel_and_returns_at_once() {
    let s = Arc::new(Firefly::start().await);
    s.token("tok-A-000000000001", 86_399);
    s.accept("job-c");
    // Come back in 100 s (1 s scaled): the cancel must not wait for it.
    s.running("job-c", Some("100"));
    s.running("job-c", Some("100"));
    s.cancel_ok("job-c");
    let c = client(&s);
    let cancel = CancellationToken::new();
    let watcher = {
        let (s, cancel) = (s.clone(), cancel.clone());
        tokio::spawn(async move {
            while s
                .server
                .requests()
                .iter()
                .all(|r| r.path != status_path("job-c"))
            {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            cancel.cancel();
            Instant::now()
        })
    };
    let quiet = |_: ProviderProgress| {};
    let r = c.generate(&simple(), &quiet, &cancel).await;
    let cancelled_at = watcher.await.unwrap();
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    assert!(
        cancelled_at.elapsed() < Duration::from_millis(500),
        "{:?}",
        cancelled_at.elapsed()
    );
    assert_eq!(s.count(&status_path("job-c")), 1);
    let cancels: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.path == cancel_path("job-c"))
        .collect();
    assert_eq!(cancels.len(), 1);
    assert_eq!(cancels[0].method, "PUT");
    assert_eq!(cancels[0].headers["x-api-key"], CLIENT_ID);
}

#[tokio::test]
async fn a_failed_job_is_a_typed_error_with_the_providers_reason() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    s.accept("job-f");
    s.status(
        "job-f",
        json!({"jobId": "job-f", "status": "failed", "error_code": "runtime_error", "message": "Model inference failed."}),
        None,
    );
    s.accept("job-v");
    s.status(
        "job-v",
        json!({"jobId": "job-v", "status": "failed", "error_code": "validation_error", "message": "Prompt is not supported."}),
        None,
    );
    let c = client(&s);
    let err = generate(&c, &simple()).await.0.unwrap_err();
    assert!(
        matches!(&err, Error::Provider { message, .. } if message.contains("Model inference failed; error code runtime_error") && message.contains("job-f")),
        "{err:?}"
    );
    let err = generate(&c, &simple()).await.0.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("Prompt is not supported; error code validation_error. Change")),
        "{err:?}"
    );
    // A failed job is final: no second submission, no cancel.
    assert_eq!(s.count(GENERATE), 2);
    assert_eq!(s.count(&status_path("job-f")), 1);
    assert_eq!(s.count(&cancel_path("job-f")), 0);
}

#[tokio::test]
async fn a_job_firefly_timed_out_is_a_timeout() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    s.accept("job-t");
    s.status(
        "job-t",
        json!({"jobId": "job-t", "status": "timeout", "error_code": "timeout_error", "message": "The job timed out."}),
        None,
    );
    let err = generate(&client(&s), &simple()).await.0.unwrap_err();
    assert_eq!(err.code(), "timeout");
}

#[tokio::test]
async fn bad_requests_are_invalid_input_and_sent_once() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    s.generate_error(
        400,
        json!({"error_code": "bad_request", "message": "Unsupported size for image4."}),
        &[],
    );
    s.generate_error(
        422,
        json!({"error_code": "validation_error", "validation_errors": [{
            "ctx": {"enum_values": ["photo", "art"]},
            "loc": ["body", "contentClass"],
            "msg": "value is not a valid enumeration member; permitted: 'photo', 'art'",
            "type": "type_error.enum"
        }]}),
        &[],
    );
    let c = client(&s);
    let err = generate(&c, &simple()).await.0.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("Unsupported size for image4; error code bad_request. Change")),
        "{err:?}"
    );
    let err = generate(&c, &simple()).await.0.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("body.contentClass: value is not a valid enumeration member")),
        "{err:?}"
    );
    assert_eq!(s.count(GENERATE), 2);
}

#[tokio::test]
async fn rate_limits_are_retried_within_budget_honouring_retry_after() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    for _ in 0..4 {
        s.generate_error(
            429,
            json!({"error_code": "rate_limited"}),
            &[("retry-after", "2"), ("x-access-rate-limit-level", "org")],
        );
    }
    let c = client(&s);
    let started = Instant::now();
    let err = generate(&c, &simple()).await.0.unwrap_err();
    assert!(
        matches!(&err, Error::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(2)),
        "{err:?}"
    );
    assert!(err.to_string().contains("org"), "{err}");
    assert_eq!(s.count(GENERATE), 4);
    // Three waits of 2 s, scaled.
    assert!(started.elapsed() >= Duration::from_millis(60));

    // One 429, then accepted: the job goes on.
    s.generate_error(
        429,
        json!({"error_code": "rate_limited"}),
        &[("retry-after", "1")],
    );
    quick_job(&s, "job-r", 4, 4);
    let answer = generate(&c, &simple()).await.0.unwrap();
    assert_eq!(answer.images[0].bytes, png(4));
    assert_eq!(s.count(GENERATE), 6);
}

#[tokio::test]
async fn server_errors_are_retried_twice_then_reported() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    for _ in 0..3 {
        s.generate_error(
            500,
            json!({"error_code": "runtime_error", "message": "Internal failure."}),
            &[],
        );
    }
    let err = generate(&client(&s), &simple()).await.0.unwrap_err();
    assert!(
        matches!(&err, Error::Provider { status: 500, message } if message.contains("Internal failure; error code runtime_error")),
        "{err:?}"
    );
    assert_eq!(s.count(GENERATE), 3);
}

#[tokio::test]
async fn a_used_up_quota_is_not_retried() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    s.generate_error(
        403,
        json!({"error_code": "access_error"}),
        &[("x-access-error", "quota_exhausted")],
    );
    s.generate_error(
        403,
        json!({"error_code": "access_error"}),
        &[("x-access-error", "user_non_entitled")],
    );
    let c = client(&s);
    assert_eq!(
        generate(&c, &simple()).await.0.unwrap_err().code(),
        "quota_exhausted"
    );
    let err = generate(&c, &simple()).await.0.unwrap_err();
    assert_eq!(err.code(), "auth");
    assert!(err.to_string().contains("not entitled"), "{err}");
    assert_eq!(s.count(GENERATE), 2);
}

#[tokio::test]
async fn a_size_the_model_does_not_take_is_refused_before_anything_is_sent() {
    let s = Firefly::start().await;
    let c = client(&s);
    // 1024x1024 is an image3 size, not an image4 one.
    let err = generate(
        &c,
        &request(
            "image4_ultra",
            GenerationParams {
                size: Some("1024x1024".into()),
                ..Default::default()
            },
        ),
    )
    .await
    .0
    .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("1024x1024") && m.contains("2048x2048")),
        "{err:?}"
    );
    for params in [
        GenerationParams {
            n: Some(5),
            ..Default::default()
        },
        GenerationParams {
            quality: Some("high".into()),
            ..Default::default()
        },
        GenerationParams {
            style: Some("no_such_preset".into()),
            ..Default::default()
        },
    ] {
        let err = generate(&c, &request("image3", params))
            .await
            .0
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{err}");
    }
    assert!(s.requests().is_empty());
}

#[tokio::test]
async fn hostile_text_in_provider_messages_stays_plain_text() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    let hostile = format!(
        "\u{1b}]8;;https://evil.example\u{7}click\u{1b}]8;;\u{7} \u{1b}[2J<script>alert(1)</script> {CLIENT_SECRET}"
    );
    s.generate_error(
        400,
        json!({"error_code": "bad_request", "message": hostile}),
        &[],
    );
    let err = generate(&client(&s), &simple()).await.0.unwrap_err();
    let text = err.to_string();
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(text.contains("<script>alert(1)</script>"), "{text}");
    assert!(!text.contains(CLIENT_SECRET), "{text}");
    assert!(text.contains("<redacted>"), "{text}");
}

#[tokio::test]
async fn models_come_from_the_catalogue_without_a_request() {
    let s = Firefly::start().await;
    let models = client(&s)
        .list_models(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(models, vec!["image4_standard", "image4_ultra", "image3"]);
    assert!(s.requests().is_empty());
}

#[tokio::test]
async fn a_job_that_outlasts_the_wait_budget_is_cancelled_and_reported() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    s.accept("job-slow");
    s.running("job-slow", Some("10"));
    s.running("job-slow", Some("10"));
    s.cancel_ok("job-slow");
    let c = FireflyClient::new(FireflyConfig {
        retry: fast_retry(),
        poll: PollPolicy {
            max_wait: Duration::from_secs(15),
            ..PollPolicy::default()
        },
        ..FireflyConfig::new(s.base_url(), s.ims_url(), CLIENT_ID, CLIENT_SECRET)
    })
    .unwrap();
    let err = generate(&c, &simple()).await.0.unwrap_err();
    assert_eq!(err.code(), "timeout", "{err}");
    // Waited 10 s (scaled) once; another 10 s would pass the 15 s budget.
    assert_eq!(s.count(&status_path("job-slow")), 2);
    assert_eq!(s.count(&cancel_path("job-slow")), 1);
}

/// The token goes only to Firefly: a status URL on a foreign host is replaced by the
/// documented `/v3/status/{jobId}` on the configured base URL.
#[tokio::test]
async fn job_urls_on_a_foreign_host_are_not_followed() {
    let s = Firefly::start().await;
    s.token("tok-A-000000000001", 86_399);
    s.accept_naming(
        "urn:ff:jobs:abc",
        "https://collector.example/v3/status/urn:ff:jobs:abc",
        "https://collector.example/v3/cancel/urn:ff:jobs:abc",
    );
    s.succeeded("urn:ff:jobs:abc", &[("z.png", 3, file(png(30)))]);
    let answer = generate(&client(&s), &simple()).await.0.unwrap();
    assert_eq!(answer.images[0].bytes, png(30));
    assert_eq!(s.count(&status_path("urn:ff:jobs:abc")), 1);
}

//! The OpenAI client against the stand-in server: answers, downloads, error mapping with
//! the exact number of requests the stand-in saw, local refusals, cancellation and caps.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use easel_core::providers::openai::{
    ImageSource, OpenAiClient, OpenAiConfig, ProviderProgress, ResponseLimits, RetryPolicy,
};
use easel_core::{Error, GenerationParams, GenerationRequest};
use serde_json::json;
use support::stand_in::{GENERATIONS, MODELS, Reply, StandIn};
use support::{b64, png_bytes};
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk-test-0123456789abcdef";

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        max_transient_retries: 2,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(5),
        max_total_wait: Duration::from_secs(90),
        // Waits are slept at 1/100: a 200 ms backoff takes 2 ms.
        time_scale: 0.01,
    }
}

fn config(s: &StandIn) -> OpenAiConfig {
    OpenAiConfig {
        retry: fast_retry(),
        ..OpenAiConfig::new(s.base_url(), KEY)
    }
}

fn client(s: &StandIn) -> OpenAiClient {
    OpenAiClient::new(config(s)).unwrap()
}

fn request(model: &str, params: GenerationParams) -> GenerationRequest {
    GenerationRequest {
        provider: "openai".into(),
        model: model.into(),
        prompt: "A cute baby sea otter".into(),
        params,
    }
}

/// Collects progress events for later assertions.
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
    c: &OpenAiClient,
    req: &GenerationRequest,
) -> (
    Result<easel_core::providers::openai::GeneratedImages, Error>,
    Progress,
) {
    let progress = Progress::default();
    let sink = progress.sink();
    let r = c.generate(req, &sink, &CancellationToken::new()).await;
    (r, progress)
}

fn usage() -> serde_json::Value {
    json!({"total_tokens": 100, "input_tokens": 50, "output_tokens": 50,
           "input_tokens_details": {"text_tokens": 10, "image_tokens": 40}})
}

fn one_image_answer() -> Reply {
    Reply::images(json!({"created": 1713833628, "data": [{"b64_json": b64(&png_bytes())}]}))
}

#[tokio::test]
async fn b64_answer_is_decoded_and_request_follows_the_contract() {
    let s = StandIn::start().await;
    s.generations(
        Reply::images(json!({
            "created": 1713833628,
            "data": [{"b64_json": b64(&png_bytes())}],
            "background": "opaque", "output_format": "png", "size": "1024x1024", "quality": "high",
            "usage": usage()
        }))
        .header("x-request-id", "req_abc123"),
    );
    let req = request(
        "gpt-image-1.5",
        GenerationParams {
            n: Some(1),
            size: Some("1024x1024".into()),
            quality: Some("high".into()),
            background: Some("opaque".into()),
            output_format: Some("png".into()),
            moderation: Some("low".into()),
            user: Some("user-1234".into()),
            ..Default::default()
        },
    );
    let (r, progress) = generate(&client(&s), &req).await;
    let out = r.unwrap();
    assert_eq!(out.images.len(), 1);
    assert_eq!(out.images[0].bytes, png_bytes());
    assert_eq!(out.images[0].source, ImageSource::B64);
    assert_eq!(out.images[0].revised_prompt, None);
    assert_eq!(out.request_id.as_deref(), Some("req_abc123"));
    assert_eq!(out.usage, Some(usage()));
    assert_eq!(out.created, Some(1713833628));

    let reqs = s.requests();
    assert_eq!(reqs.len(), 1);
    let sent = &reqs[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", GENERATIONS)
    );
    assert_eq!(sent.headers["authorization"], format!("Bearer {KEY}"));
    assert!(sent.headers["content-type"].starts_with("application/json"));
    assert_eq!(sent.json(), out.params_sent);
    assert_eq!(
        out.params_sent,
        json!({"model": "gpt-image-1.5", "prompt": "A cute baby sea otter", "n": 1, "size": "1024x1024",
               "quality": "high", "background": "opaque", "output_format": "png", "moderation": "low",
               "user": "user-1234"})
    );
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
async fn url_answer_is_downloaded_at_once_without_the_key() {
    let s = StandIn::start().await;
    let url = s.file("img-1.png", Reply::file(png_bytes(), "image/png"));
    s.generations(Reply::images(json!({
        "created": 1589478378,
        "data": [{"url": url, "revised_prompt": "A fluffy baby sea otter floating on its back"}]
    })));
    let req = request(
        "dall-e-3",
        GenerationParams {
            size: Some("1792x1024".into()),
            quality: Some("hd".into()),
            style: Some("natural".into()),
            ..Default::default()
        },
    );
    let (r, progress) = generate(&client(&s), &req).await;
    let out = r.unwrap();
    assert_eq!(out.images[0].bytes, png_bytes());
    assert_eq!(out.images[0].source, ImageSource::Url);
    assert_eq!(
        out.images[0].revised_prompt.as_deref(),
        Some("A fluffy baby sea otter floating on its back")
    );
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        (reqs[1].method.as_str(), reqs[1].path.as_str()),
        ("GET", "/files/img-1.png")
    );
    assert!(
        !reqs[1].headers.contains_key("authorization"),
        "the key must not go to file storage"
    );
    assert!(
        progress
            .events()
            .contains(&ProviderProgress::Downloading { index: 0 })
    );
}

#[tokio::test]
async fn several_images_in_one_answer() {
    let s = StandIn::start().await;
    let imgs: Vec<Vec<u8>> = (0..3u8)
        .map(|i| {
            let img =
                image::RgbaImage::from_pixel(1 + u32::from(i), 1, image::Rgba([i, 0, 0, 255]));
            let mut out = std::io::Cursor::new(Vec::new());
            img.write_to(&mut out, image::ImageFormat::Png).unwrap();
            out.into_inner()
        })
        .collect();
    s.generations(Reply::images(json!({
        "created": 1,
        "data": imgs.iter().map(|b| json!({"b64_json": b64(b)})).collect::<Vec<_>>(),
        "usage": usage()
    })));
    let req = request(
        "gpt-image-1-mini",
        GenerationParams {
            n: Some(3),
            ..Default::default()
        },
    );
    let out = generate(&client(&s), &req).await.0.unwrap();
    let got: Vec<Vec<u8>> = out.images.into_iter().map(|i| i.bytes).collect();
    assert_eq!(got, imgs);
    assert_eq!(s.requests()[0].json()["n"], 3);
}

/// Scripts `reply` (and nothing after it), runs one request, and returns the error and how
/// many requests the stand-in received.
async fn fails_with(replies: Vec<Reply>) -> (Error, usize) {
    let s = StandIn::start().await;
    for r in replies {
        s.generations(r);
    }
    let err = generate(
        &client(&s),
        &request("gpt-image-1", GenerationParams::default()),
    )
    .await
    .0
    .unwrap_err();
    (err, s.count(GENERATIONS))
}

#[tokio::test]
async fn bad_key_is_auth_and_not_retried() {
    let (e, n) = fails_with(vec![Reply::error(
        401,
        "invalid_request_error",
        Some("invalid_api_key"),
        "Incorrect API key provided: sk-test-****cdef.",
    )])
    .await;
    assert!(
        matches!(&e, Error::Auth { env_var, .. } if env_var == "OPENAI_API_KEY"),
        "{e:?}"
    );
    assert_eq!(n, 1);
    assert!(!e.to_string().contains(KEY));
    // Even an answer that echoes the whole key does not carry it into the error.
    let (e, _) = fails_with(vec![Reply::error(
        401,
        "invalid_request_error",
        None,
        &format!("Incorrect API key provided: {KEY}."),
    )])
    .await;
    assert!(!e.to_string().contains(KEY), "{e}");
}

#[tokio::test]
async fn insufficient_quota_is_not_a_rate_limit() {
    let (e, n) = fails_with(vec![
        Reply::error(
            429,
            "insufficient_quota",
            Some("insufficient_quota"),
            "You exceeded your current quota, please check your plan and billing details.",
        )
        .header("retry-after-ms", "10"),
    ])
    .await;
    assert_eq!((e.code(), n), ("quota_exhausted", 1));
}

#[tokio::test]
async fn billing_hard_limit_is_quota() {
    let (e, n) = fails_with(vec![Reply::error(
        400,
        "invalid_request_error",
        Some("billing_hard_limit_reached"),
        "Billing hard limit has been reached.",
    )])
    .await;
    assert_eq!((e.code(), n), ("quota_exhausted", 1));
}

#[tokio::test]
async fn safety_refusals_are_not_retried() {
    let (e, n) = fails_with(vec![Reply::error(
        400,
        "image_generation_user_error",
        Some("content_policy_violation"),
        "Your request was rejected as a result of our safety system.",
    )])
    .await;
    assert_eq!((e.code(), n), ("rejected_by_safety", 1));
    assert!(
        e.to_string()
            .contains("rejected as a result of our safety system")
    );
    let (e, n) = fails_with(vec![Reply::error(
        400,
        "moderation_blocked",
        None,
        "Your request was rejected by the safety system.",
    )])
    .await;
    assert_eq!((e.code(), n), ("rejected_by_safety", 1));
}

#[tokio::test]
async fn other_400_and_unknown_model_are_invalid_input_with_the_providers_message() {
    let (e, n) = fails_with(vec![Reply::error(
        400,
        "invalid_request_error",
        Some("invalid_value"),
        "Invalid value: 'xl'. Supported values are: 'low', 'medium', 'high', and 'auto'.",
    )])
    .await;
    assert_eq!(n, 1);
    assert!(
        matches!(&e, Error::InvalidInput(m) if m.contains("Invalid value: 'xl'")),
        "{e:?}"
    );
    let (e, n) = fails_with(vec![Reply::error(
        404,
        "invalid_request_error",
        Some("model_not_found"),
        "The model `gpt-image-1` does not exist or you do not have access to it.",
    )])
    .await;
    assert_eq!((e.code(), n), ("invalid_input", 1));
}

fn rate_limited() -> Reply {
    Reply::error(
        429,
        "requests",
        Some("rate_limit_exceeded"),
        "Rate limit reached for gpt-image-1 on images per minute (IPM): Limit 5, Used 5, Requested 1.",
    )
}

#[tokio::test]
async fn rate_limit_honours_retry_after_ms_then_succeeds() {
    let s = StandIn::start().await;
    s.generations(
        rate_limited()
            .header("retry-after-ms", "1500")
            .header("x-ratelimit-reset-requests", "12s"),
    );
    s.generations(one_image_answer());
    let (r, progress) = generate(
        &client(&s),
        &request("gpt-image-1", GenerationParams::default()),
    )
    .await;
    assert_eq!(r.unwrap().images.len(), 1);
    assert_eq!(s.count(GENERATIONS), 2);
    assert_eq!(
        progress.events(),
        vec![
            ProviderProgress::Sending { attempt: 1 },
            // 1500 ms from the header (not 12 s, not our own backoff), slept at 1/100.
            ProviderProgress::WaitingToRetry {
                attempt: 1,
                delay: Duration::from_millis(15),
                reason: "rate_limited".into()
            },
            ProviderProgress::Sending { attempt: 2 },
            ProviderProgress::Receiving,
        ]
    );
}

#[tokio::test]
async fn rate_limit_reset_header_is_used_when_nothing_else_is_sent() {
    let s = StandIn::start().await;
    s.generations(
        rate_limited()
            .header("x-ratelimit-reset-requests", "2s")
            .header("x-ratelimit-reset-tokens", "20ms"),
    );
    s.generations(one_image_answer());
    let (r, progress) = generate(
        &client(&s),
        &request("gpt-image-1", GenerationParams::default()),
    )
    .await;
    r.unwrap();
    assert!(
        progress
            .events()
            .contains(&ProviderProgress::WaitingToRetry {
                attempt: 1,
                delay: Duration::from_millis(20),
                reason: "rate_limited".into()
            })
    );
}

#[tokio::test]
async fn rate_limit_exhausted_after_max_attempts() {
    let replies = (0..6)
        .map(|_| rate_limited().header("retry-after", "1"))
        .collect();
    let (e, n) = fails_with(replies).await;
    assert_eq!(n, 4, "max_attempts requests, then give up");
    assert!(
        matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(1)),
        "{e:?}"
    );
}

#[tokio::test]
async fn rate_limit_gives_up_when_the_wait_exceeds_the_budget() {
    // The provider asks for 10 minutes; the budget is 90 s: fail at once, keep the hint.
    let (e, n) = fails_with(vec![rate_limited().header("retry-after", "600")]).await;
    assert_eq!(n, 1);
    assert!(
        matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(600))
    );
}

#[tokio::test]
async fn server_error_then_success() {
    let s = StandIn::start().await;
    s.generations(Reply::error(
        500,
        "server_error",
        None,
        "The server had an error while processing your request.",
    ));
    s.generations(one_image_answer());
    let (r, progress) = generate(
        &client(&s),
        &request("gpt-image-1", GenerationParams::default()),
    )
    .await;
    r.unwrap();
    assert_eq!(s.count(GENERATIONS), 2);
    assert!(progress.events().iter().any(
        |p| matches!(p, ProviderProgress::WaitingToRetry { reason, .. } if reason == "provider_error")
    ));
}

#[tokio::test]
async fn server_errors_exhaust_the_transient_retries() {
    let replies = (0..5)
        .map(|_| {
            Reply::error(
                503,
                "server_error",
                None,
                "The engine is currently overloaded.",
            )
        })
        .collect();
    let (e, n) = fails_with(replies).await;
    assert_eq!(n, 3, "one request and two retries");
    assert!(matches!(e, Error::Provider { status: 503, .. }), "{e:?}");
}

#[tokio::test]
async fn dropped_connection_mid_body_then_success() {
    let s = StandIn::start().await;
    s.generations(one_image_answer().cut_after(20));
    s.generations(one_image_answer());
    let (r, _) = generate(
        &client(&s),
        &request("gpt-image-1", GenerationParams::default()),
    )
    .await;
    assert_eq!(r.unwrap().images[0].bytes, png_bytes());
    assert_eq!(s.count(GENERATIONS), 2);
}

#[tokio::test]
async fn connection_refused_is_network_after_retries() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cfg = OpenAiConfig {
        retry: fast_retry(),
        ..OpenAiConfig::new(format!("http://127.0.0.1:{port}/v1"), KEY)
    };
    let (r, progress) = generate(
        &OpenAiClient::new(cfg).unwrap(),
        &request("gpt-image-1", GenerationParams::default()),
    )
    .await;
    assert_eq!(r.unwrap_err().code(), "network");
    let sends = progress
        .events()
        .iter()
        .filter(|p| matches!(p, ProviderProgress::Sending { .. }))
        .count();
    assert_eq!(sends, 3);
}

#[tokio::test]
async fn slow_provider_times_out_without_retrying() {
    let s = StandIn::start().await;
    s.generations(one_image_answer().after(Duration::from_secs(5)));
    let mut cfg = config(&s);
    cfg.timeouts.total = Duration::from_millis(300);
    let (r, _) = generate(
        &OpenAiClient::new(cfg).unwrap(),
        &request("gpt-image-1", GenerationParams::default()),
    )
    .await;
    assert_eq!(r.unwrap_err().code(), "timeout");
    assert_eq!(s.count(GENERATIONS), 1);
}

#[tokio::test]
async fn invalid_requests_are_refused_locally_and_nothing_is_sent() {
    let s = StandIn::start().await;
    let c = client(&s);
    let cases = [
        request(
            "dall-e-3",
            GenerationParams {
                n: Some(2),
                ..Default::default()
            },
        ),
        request(
            "gpt-image-1",
            GenerationParams {
                style: Some("vivid".into()),
                ..Default::default()
            },
        ),
        request(
            "gpt-image-2",
            GenerationParams {
                size: Some("1000x1000".into()),
                ..Default::default()
            },
        ),
        request(
            "gpt-image-1",
            GenerationParams {
                n: Some(11),
                ..Default::default()
            },
        ),
        request(
            "gpt-image-1",
            GenerationParams {
                quality: Some("ultra".into()),
                ..Default::default()
            },
        ),
        request(
            "dall-e-2",
            GenerationParams {
                size: Some("1024x1536".into()),
                ..Default::default()
            },
        ),
        request("gpt-image-9", GenerationParams::default()),
        GenerationRequest {
            prompt: "  ".into(),
            ..request("gpt-image-1", GenerationParams::default())
        },
        GenerationRequest {
            prompt: "x".repeat(1001),
            ..request("dall-e-2", GenerationParams::default())
        },
        GenerationRequest {
            provider: "other".into(),
            ..request("gpt-image-1", GenerationParams::default())
        },
    ];
    for req in &cases {
        let (r, progress) = generate(&c, req).await;
        let e = r.unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{req:?}: {e:?}");
        assert!(progress.events().is_empty());
    }
    assert_eq!(s.requests().len(), 0);
    let (r, _) = generate(&c, &cases[0]).await;
    assert_eq!(
        r.unwrap_err().to_string(),
        "dall-e-3 makes one image per request (n=1); 2 was asked for."
    );
}

#[tokio::test]
async fn cancel_during_a_slow_response() {
    let s = StandIn::start().await;
    s.generations(one_image_answer().after(Duration::from_secs(20)));
    let c = client(&s);
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let r = c
        .generate(
            &request("gpt-image-1", GenerationParams::default()),
            &|_| {},
            &cancel,
        )
        .await;
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn cancel_during_a_backoff_wait() {
    let s = StandIn::start().await;
    s.generations(rate_limited().header("retry-after", "30"));
    s.generations(one_image_answer());
    let mut cfg = config(&s);
    cfg.retry.time_scale = 1.0; // really wait the 30 s the provider asks for
    let c = OpenAiClient::new(cfg).unwrap();
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        trigger.cancel();
    });
    let progress = Progress::default();
    let sink = progress.sink();
    let started = Instant::now();
    let r = c
        .generate(
            &request("gpt-image-1", GenerationParams::default()),
            &sink,
            &cancel,
        )
        .await;
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        progress
            .events()
            .contains(&ProviderProgress::WaitingToRetry {
                attempt: 1,
                delay: Duration::from_secs(30),
                reason: "rate_limited".into()
            })
    );
    assert_eq!(s.count(GENERATIONS), 1);
}

#[tokio::test]
async fn cancel_during_a_download() {
    let s = StandIn::start().await;
    let url = s.file(
        "slow.png",
        Reply::file(png_bytes(), "image/png").after(Duration::from_secs(20)),
    );
    s.generations(Reply::images(json!({"created": 1, "data": [{"url": url}]})));
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let progress = move |p: ProviderProgress| {
        if matches!(p, ProviderProgress::Downloading { .. }) {
            let trigger = trigger.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                trigger.cancel();
            });
        }
    };
    let started = Instant::now();
    let r = client(&s)
        .generate(
            &request("dall-e-2", GenerationParams::default()),
            &progress,
            &cancel,
        )
        .await;
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(s.count("/files/slow.png"), 1);
}

#[tokio::test]
async fn cancelled_before_start_sends_nothing() {
    let s = StandIn::start().await;
    let cancel = CancellationToken::new();
    cancel.cancel();
    let r = client(&s)
        .generate(
            &request("gpt-image-1", GenerationParams::default()),
            &|_| {},
            &cancel,
        )
        .await;
    assert!(matches!(r, Err(Error::Cancelled)));
    assert_eq!(s.requests().len(), 0);
}

#[tokio::test]
async fn bad_base64_is_a_bad_response() {
    let s = StandIn::start().await;
    s.generations(Reply::images(
        json!({"created": 1, "data": [{"b64_json": "iVBORw0KGgo***not base64***"}]}),
    ));
    let (r, _) = generate(
        &client(&s),
        &request("gpt-image-1", GenerationParams::default()),
    )
    .await;
    let e = r.unwrap_err();
    assert_eq!(e.code(), "bad_response", "{e:?}");
    assert_eq!(s.count(GENERATIONS), 1);
}

#[tokio::test]
async fn answers_not_in_the_documented_shape_are_bad_responses() {
    for reply in [
        Reply::off_contract(200, "application/json", r#"{"images": [{"png": "..."}]}"#),
        Reply::off_contract(
            200,
            "text/html",
            "<html><body>Welcome to the captive portal</body></html>",
        ),
        Reply::off_contract(
            200,
            "application/json",
            r#"{"created": 1, "data": [{"revised_prompt": "no image"}]}"#,
        ),
        // Within the contract but useless: no images at all.
        Reply::images(json!({"created": 1, "data": []})),
        Reply::images(json!({"created": 1})),
    ] {
        let s = StandIn::start().await;
        s.generations(reply);
        let (r, _) = generate(
            &client(&s),
            &request("gpt-image-1", GenerationParams::default()),
        )
        .await;
        assert_eq!(r.unwrap_err().code(), "bad_response");
        assert_eq!(s.count(GENERATIONS), 1);
    }
}

#[tokio::test]
async fn bytes_that_are_not_an_image_are_refused() {
    let s = StandIn::start().await;
    s.generations(Reply::images(
        json!({"created": 1, "data": [{"b64_json": b64(b"hello, not an image")}]}),
    ));
    let (r, _) = generate(
        &client(&s),
        &request("gpt-image-1", GenerationParams::default()),
    )
    .await;
    assert_eq!(r.unwrap_err().code(), "not_an_image");

    let s = StandIn::start().await;
    let url = s.file(
        "expired.png",
        Reply::file(
            b"<Error><Code>AuthenticationFailed</Code></Error>".to_vec(),
            "application/xml",
        ),
    );
    s.generations(Reply::images(json!({"created": 1, "data": [{"url": url}]})));
    let (r, _) = generate(
        &client(&s),
        &request("dall-e-2", GenerationParams::default()),
    )
    .await;
    assert_eq!(r.unwrap_err().code(), "not_an_image");
}

#[tokio::test]
async fn oversized_downloads_and_answers_are_refused() {
    let s = StandIn::start().await;
    let mut big = png_bytes();
    big.resize(64 * 1024, 0);
    let url = s.file("big.png", Reply::file(big.clone(), "image/png"));
    s.generations(Reply::images(json!({"created": 1, "data": [{"url": url}]})));
    let mut cfg = config(&s);
    cfg.limits = ResponseLimits {
        max_json_bytes: 1024 * 1024,
        max_image_bytes: 16 * 1024,
    };
    let c = OpenAiClient::new(cfg.clone()).unwrap();
    let (r, _) = generate(&c, &request("dall-e-2", GenerationParams::default())).await;
    let e = r.unwrap_err();
    assert_eq!(e.code(), "bad_response", "{e:?}");
    assert!(e.to_string().contains("16384 bytes"), "{e}");

    // A download that does not announce its length is stopped once it passes the cap.
    let url = s.file(
        "stream.png",
        Reply::file(big.clone(), "image/png").unannounced_length(),
    );
    s.generations(Reply::images(json!({"created": 1, "data": [{"url": url}]})));
    let (r, _) = generate(&c, &request("dall-e-2", GenerationParams::default())).await;
    assert_eq!(r.unwrap_err().code(), "bad_response");
    // Under the cap, the same unannounced download is fine.
    let url = s.file(
        "small.png",
        Reply::file(png_bytes(), "image/png").unannounced_length(),
    );
    s.generations(Reply::images(json!({"created": 1, "data": [{"url": url}]})));
    let (r, _) = generate(&c, &request("dall-e-2", GenerationParams::default())).await;
    assert_eq!(r.unwrap().images[0].bytes, png_bytes());

    // The same image as base64 is held to the same cap.
    s.generations(Reply::images(
        json!({"created": 1, "data": [{"b64_json": b64(&big)}]}),
    ));
    let (r, _) = generate(&c, &request("gpt-image-1", GenerationParams::default())).await;
    assert_eq!(r.unwrap_err().code(), "bad_response");

    // And a JSON answer over its own cap is not read to the end.
    cfg.limits.max_json_bytes = 1024;
    s.generations(Reply::images(json!({"created": 1, "data": [{"b64_json": b64(&png_bytes()), "revised_prompt": "x".repeat(4096)}]})));
    let (r, _) = generate(
        &OpenAiClient::new(cfg).unwrap(),
        &request("gpt-image-1", GenerationParams::default()),
    )
    .await;
    assert_eq!(r.unwrap_err().code(), "bad_response");
}

#[tokio::test]
async fn lists_image_models_known_and_new() {
    let s = StandIn::start().await;
    s.script(
        MODELS,
        Reply::models(json!({"object": "list", "data": [
            {"id": "gpt-4o", "object": "model", "created": 1686935002, "owned_by": "system"},
            {"id": "dall-e-3", "object": "model", "created": 1686935002, "owned_by": "system", "shutdown_date": null},
            {"id": "whisper-1", "object": "model", "created": 1686935002, "owned_by": "openai-internal"},
            {"id": "gpt-image-3-preview", "object": "model", "created": 1686935002, "owned_by": "system"},
            {"id": "gpt-image-1", "object": "model", "created": 1686935002, "owned_by": "system", "shutdown_date": "2026-10-23"}
        ]})),
    );
    let ids = client(&s)
        .list_image_models(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(ids, ["gpt-image-1", "dall-e-3", "gpt-image-3-preview"]);
    let reqs = s.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("GET", MODELS)
    );
    assert_eq!(reqs[0].headers["authorization"], format!("Bearer {KEY}"));

    s.script(
        MODELS,
        Reply::error(
            401,
            "invalid_request_error",
            Some("invalid_api_key"),
            "Incorrect API key provided.",
        ),
    );
    let e = client(&s)
        .list_image_models(&CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "auth");
}

/// Each catalogued model with as many parameters set as it takes: what the client sends
/// must follow the contract (checked by the stand-in when the requests are read).
#[tokio::test]
async fn every_model_with_every_parameter_sends_a_contract_body() {
    let s = StandIn::start().await;
    let c = client(&s);
    let openai = easel_core::catalog::provider("openai").unwrap();
    for m in &openai.models {
        let has = |list: &[String], v: &str| list.iter().any(|x| x == v);
        let format = ["webp", "png"]
            .into_iter()
            .find(|f| has(&m.output_formats, f));
        let params = GenerationParams {
            n: Some(m.n.max),
            size: m.sizes.last().cloned(),
            quality: m.qualities.last().cloned(),
            style: m.styles.first().cloned(),
            background: m.backgrounds.iter().find(|b| *b == "transparent").cloned(),
            output_format: format.map(Into::into),
            output_compression: format
                .filter(|f| has(&m.compression_formats, f))
                .map(|_| 80),
            moderation: m.moderations.last().cloned(),
            response_format: m
                .response_formats
                .iter()
                .find(|r| *r == "b64_json")
                .cloned(),
            user: Some("user-1234".into()),
            ..GenerationParams::default()
        };
        s.generations(one_image_answer());
        let out = generate(&c, &request(&m.id, params.clone()))
            .await
            .0
            .unwrap_or_else(|e| panic!("{}: {e}", m.id));
        let sent = &out.params_sent;
        assert_eq!(sent["model"], m.id.as_str());
        assert_eq!(sent["n"], m.n.max);
        if params.style.is_some() {
            assert_eq!(sent["style"], params.style.as_deref().unwrap());
        }
    }
    assert_eq!(s.count(GENERATIONS), openai.models.len());
}

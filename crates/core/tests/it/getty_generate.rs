//! The Getty Images client against a stand-in that follows Getty's contract: sign-in and
//! token reuse, refresh once on 401, generate → 202 → polls → previews, blocked results,
//! 410, the rule that a paid POST is never sent twice, cancellation mid-poll, hostile text.
#![allow(clippy::unwrap_used)]

use crate::getty_support;
use crate::support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use easel_core::providers::getty::{GettyClient, GettyConfig};
use easel_core::providers::http::RetryPolicy;
use easel_core::providers::{LicenseStatus, ProviderProgress};
use easel_core::{Error, GenerationParams, GenerationRequest};
use getty_support::{GENERATE, GettyStandIn, HISTORY, KEY, Reply, SECRET, TOKEN_PATH, poll_path};
use serde_json::json;
use support::png_bytes;
use tokio_util::sync::CancellationToken;

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        max_transient_retries: 2,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(5),
        max_total_wait: Duration::from_secs(90),
        // Waits (backoff and polling) are slept at 1/100.
        time_scale: 0.01,
    }
}

fn config(s: &GettyStandIn) -> GettyConfig {
    GettyConfig {
        retry: fast_retry(),
        ..GettyConfig::new(s.base_url(), s.auth_url(), KEY, SECRET)
    }
}

fn client(s: &GettyStandIn) -> GettyClient {
    GettyClient::new(config(s)).unwrap()
}

fn request(prompt: &str) -> GenerationRequest {
    let mut params = GenerationParams {
        aspect_ratio: Some("16:9".into()),
        ..Default::default()
    };
    params
        .extra
        .insert("media_type".into(), json!("photography"));
    params.extra.insert("mood".into(), json!("warm"));
    GenerationRequest {
        provider: "getty".into(),
        model: "generative-ai".into(),
        prompt: prompt.into(),
        params,
    }
}

#[derive(Default, Clone)]
struct Seen(Arc<Mutex<Vec<ProviderProgress>>>);

impl Seen {
    fn sink(&self) -> impl Fn(ProviderProgress) + Send + Sync + use<> {
        let inner = self.0.clone();
        move |p| inner.lock().unwrap().push(p)
    }

    fn polls(&self) -> Vec<u32> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|p| match p {
                ProviderProgress::Polling { attempt } => Some(*attempt),
                _ => None,
            })
            .collect()
    }
}

/// Scripts a whole successful generation `id` with one preview per byte string.
fn script_generation(s: &GettyStandIn, id: &str, previews: &[(u32, Option<Vec<u8>>)]) {
    s.on("POST", GENERATE, Reply::pending(id));
    s.on("GET", &poll_path(id), Reply::pending(id));
    let done = s.finished(id, 1234, previews);
    s.on("GET", &poll_path(id), done);
}

#[tokio::test]
async fn generates_previews_after_polling_and_keeps_their_bytes_and_ids() {
    let s = GettyStandIn::start().await;
    let png = png_bytes();
    let mut other = png.clone();
    other.extend_from_slice(b"trailing bytes stay");
    s.on("POST", GENERATE, Reply::pending("gen-1"));
    s.on("GET", &poll_path("gen-1"), Reply::pending("gen-1"));
    s.on("GET", &poll_path("gen-1"), Reply::pending("gen-1"));
    let done = s.finished(
        "gen-1",
        987,
        &[(0, Some(png.clone())), (1, Some(other.clone()))],
    );
    s.on("GET", &poll_path("gen-1"), done);

    let seen = Seen::default();
    let sink = seen.sink();
    let answer = client(&s)
        .generate(
            &request("a lighthouse at dawn"),
            &sink,
            &CancellationToken::new(),
        )
        .await
        .unwrap();

    assert_eq!(answer.request_id.as_deref(), Some("gen-1"));
    assert_eq!(answer.images.len(), 2);
    assert_eq!(answer.images[0].bytes, png);
    assert_eq!(answer.images[1].bytes, other);
    for (i, image) in answer.images.iter().enumerate() {
        assert_eq!(image.license_status, LicenseStatus::Preview);
        assert_eq!(
            image.asset_id.as_deref(),
            Some(format!("gen-1/{i}").as_str())
        );
        assert_eq!(image.seed, Some(987));
        assert!(!image.filtered);
    }
    assert_eq!(seen.polls(), [1, 2, 3]);
    assert_eq!(
        answer.params_sent,
        json!({"prompt": "a lighthouse at dawn", "aspect_ratio": "16:9", "media_type": "photography", "mood": "warm"})
    );
    let posts: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == GENERATE)
        .collect();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].json(), answer.params_sent);
}

#[tokio::test]
async fn one_token_serves_two_generations() {
    let s = GettyStandIn::start().await;
    script_generation(&s, "gen-a", &[(0, Some(png_bytes()))]);
    script_generation(&s, "gen-b", &[(0, Some(png_bytes()))]);
    let c = client(&s);
    let quiet = |_: ProviderProgress| {};
    let cancel = CancellationToken::new();
    c.generate(&request("one"), &quiet, &cancel).await.unwrap();
    c.generate(&request("two"), &quiet, &cancel).await.unwrap();
    assert_eq!(s.count("POST", TOKEN_PATH), 1);
    assert_eq!(s.count("POST", GENERATE), 2);
    assert!(
        s.requests()
            .iter()
            .filter(|r| r.path.starts_with("/v3/"))
            .all(|r| r.headers["authorization"] == "Bearer token-1")
    );
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_on_401() {
    let s = GettyStandIn::start().await;
    s.on("POST", GENERATE, Reply::error(401, "token expired"));
    script_generation(&s, "gen-r", &[(0, Some(png_bytes()))]);
    let answer = client(&s)
        .generate(&request("renew"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(answer.images.len(), 1);
    let posts: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.path == GENERATE)
        .collect();
    assert_eq!(
        posts.len(),
        2,
        "a 401 is a refusal, so the POST is sent again once"
    );
    assert_eq!(posts[0].headers["authorization"], "Bearer token-1");
    assert_eq!(posts[1].headers["authorization"], "Bearer token-2");
    assert_eq!(s.count("POST", TOKEN_PATH), 2);
}

#[tokio::test]
async fn a_second_401_is_an_auth_error_without_a_loop() {
    let s = GettyStandIn::start().await;
    s.on("POST", GENERATE, Reply::error(401, "token expired"));
    s.on("POST", GENERATE, Reply::error(401, "still refused"));
    let e = client(&s)
        .generate(&request("refused"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Auth { env_var, .. } if env_var == "GETTY_API_KEY"),
        "{e:?}"
    );
    assert_eq!(s.count("POST", GENERATE), 2);
    assert_eq!(s.count("POST", TOKEN_PATH), 2);
}

#[tokio::test]
async fn refused_client_credentials_are_an_auth_error() {
    let s = GettyStandIn::start().await;
    s.token_reply(Reply::json(401, json!({"error": "invalid_client"})));
    let e = client(&s)
        .generate(&request("no"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "auth");
    assert_eq!(s.count("POST", GENERATE), 0);
}

#[tokio::test]
async fn polling_honours_retry_after() {
    let s = GettyStandIn::start().await;
    s.on("POST", GENERATE, Reply::pending("gen-slow"));
    // 40 s, slept at 1/100: 400 ms, far longer than the default first wait (20 ms).
    s.on(
        "GET",
        &poll_path("gen-slow"),
        Reply::pending("gen-slow").header("retry-after", "40"),
    );
    let done = s.finished("gen-slow", 1, &[(0, Some(png_bytes()))]);
    s.on("GET", &poll_path("gen-slow"), done);
    let seen = Seen::default();
    let sink = seen.sink();
    let started = Instant::now();
    client(&s)
        .generate(&request("slow"), &sink, &CancellationToken::new())
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(390),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(seen.polls(), [1, 2]);
}

#[tokio::test]
async fn polling_gives_up_after_its_budget() {
    let s = GettyStandIn::start().await;
    s.on("POST", GENERATE, Reply::pending("gen-stuck"));
    for _ in 0..40 {
        s.on("GET", &poll_path("gen-stuck"), Reply::pending("gen-stuck"));
    }
    let mut cfg = config(&s);
    cfg.poll.max_total = Duration::from_secs(20);
    let e = GettyClient::new(cfg)
        .unwrap()
        .generate(&request("stuck"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "timeout");
    let polls = s.count("GET", &poll_path("gen-stuck"));
    // 2 + 3 + 4.5 + 6.75 s fit in 20 s; the next wait would not.
    assert_eq!(polls, 4);
}

#[tokio::test]
async fn blocked_results_are_counted_and_all_blocked_is_a_safety_refusal() {
    let s = GettyStandIn::start().await;
    script_generation(&s, "gen-m", &[(0, None), (1, Some(png_bytes()))]);
    let answer = client(&s)
        .generate(&request("mixed"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(answer.images.len(), 1);
    assert_eq!(answer.images[0].asset_id.as_deref(), Some("gen-m/1"));
    assert_eq!(
        answer.usage,
        Some(json!({"results": 2, "blocked_results": 1}))
    );

    script_generation(&s, "gen-x", &[(0, None), (1, None)]);
    let e = client(&s)
        .generate(&request("blocked"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "rejected_by_safety");
}

#[tokio::test]
async fn gone_is_final_and_not_retried() {
    let s = GettyStandIn::start().await;
    s.on("POST", GENERATE, Reply::pending("gen-old"));
    s.on(
        "GET",
        &poll_path("gen-old"),
        Reply::error(410, "GenerationRequestGone"),
    );
    let e = client(&s)
        .generate(&request("old"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    assert!(e.to_string().contains("gone for good"), "{e}");
    assert_eq!(s.count("GET", &poll_path("gen-old")), 1);
}

#[tokio::test]
async fn a_post_that_times_out_is_never_sent_again_and_its_outcome_is_unknown() {
    let s = GettyStandIn::start().await;
    s.on(
        "POST",
        GENERATE,
        Reply::pending("gen-late").after(Duration::from_secs(3)),
    );
    s.on(
        "GET",
        HISTORY,
        Reply::json(200, json!({"generations": [], "result_count": 0})),
    );
    let mut cfg = config(&s);
    cfg.timeouts.total = Duration::from_millis(500);
    let e = GettyClient::new(cfg)
        .unwrap()
        .generate(&request("late"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "outcome_unknown", "{e:?}");
    let text = e.to_string();
    assert!(text.contains("Check your account"), "{text}");
    assert!(text.contains("no generation of this prompt"), "{text}");
    assert_eq!(s.count("POST", GENERATE), 1);
    let history = s
        .requests()
        .into_iter()
        .find(|r| r.path == HISTORY)
        .unwrap();
    assert!(history.query.contains("date_start="), "{}", history.query);
}

#[tokio::test]
async fn after_a_timeout_the_history_finds_the_generation_and_it_is_followed() {
    let s = GettyStandIn::start().await;
    s.on(
        "POST",
        GENERATE,
        Reply::pending("gen-found").after(Duration::from_secs(3)),
    );
    let now = chrono::Utc::now().to_rfc3339();
    s.on(
        "GET",
        HISTORY,
        Reply::json(
            200,
            json!({"generations": [
                {"generation_request_id": "gen-other", "prompt": "another prompt", "generation_date": now, "generation_type": "text_to_image"},
                {"generation_request_id": "gen-found", "prompt": "found", "generation_date": now, "generation_type": "text_to_image"}
            ], "result_count": 2}),
        ),
    );
    let done = s.finished("gen-found", 5, &[(0, Some(png_bytes()))]);
    s.on("GET", &poll_path("gen-found"), done);
    let mut cfg = config(&s);
    cfg.timeouts.total = Duration::from_millis(500);
    let answer = GettyClient::new(cfg)
        .unwrap()
        .generate(&request("found"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(answer.request_id.as_deref(), Some("gen-found"));
    assert_eq!(s.count("POST", GENERATE), 1);
}

#[tokio::test]
async fn a_5xx_on_the_post_is_not_retried_but_a_5xx_on_a_poll_is() {
    let s = GettyStandIn::start().await;
    s.on("POST", GENERATE, Reply::error(502, "bad gateway"));
    s.on(
        "GET",
        HISTORY,
        Reply::json(200, json!({"generations": null, "result_count": 0})),
    );
    let e = client(&s)
        .generate(&request("five"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "outcome_unknown");
    assert!(e.to_string().contains("HTTP 502"), "{e}");
    assert_eq!(s.count("POST", GENERATE), 1);

    let s = GettyStandIn::start().await;
    s.on("POST", GENERATE, Reply::pending("gen-5"));
    s.on("GET", &poll_path("gen-5"), Reply::error(503, "busy"));
    let done = s.finished("gen-5", 5, &[(0, Some(png_bytes()))]);
    s.on("GET", &poll_path("gen-5"), done);
    client(&s)
        .generate(&request("five"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(s.count("GET", &poll_path("gen-5")), 2);
    assert_eq!(s.count("POST", GENERATE), 1);
}

#[tokio::test]
async fn too_many_concurrent_generations_is_a_refusal_and_may_be_asked_again() {
    let s = GettyStandIn::start().await;
    s.on(
        "POST",
        GENERATE,
        Reply::error(429, "TooManyConcurrentGenerations").header("retry-after", "1"),
    );
    script_generation(&s, "gen-429", &[(0, Some(png_bytes()))]);
    let seen = Seen::default();
    let sink = seen.sink();
    client(&s)
        .generate(&request("busy"), &sink, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(s.count("POST", GENERATE), 2);
    assert!(seen.0.lock().unwrap().iter().any(|p| matches!(
        p,
        ProviderProgress::WaitingToRetry { reason, .. } if reason == "rate_limited"
    )));
}

#[tokio::test]
async fn quota_and_bad_requests_are_typed() {
    let s = GettyStandIn::start().await;
    s.on(
        "POST",
        GENERATE,
        Reply::error(403, "Product quota exceeded"),
    );
    let e = client(&s)
        .generate(&request("quota"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "quota_exhausted");
    assert_eq!(s.count("POST", GENERATE), 1);

    s.on(
        "POST",
        GENERATE,
        Reply::error(400, "project_code is required"),
    );
    let e = client(&s)
        .generate(&request("bad"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(e.to_string().contains("project_code is required"), "{e}");
}

#[tokio::test]
async fn cancelling_mid_poll_stops_at_once() {
    let s = GettyStandIn::start().await;
    s.on("POST", GENERATE, Reply::pending("gen-c"));
    // Asks for 50 s (slept at 1/100: 500 ms); the job is cancelled 100 ms in.
    s.on(
        "GET",
        &poll_path("gen-c"),
        Reply::pending("gen-c").header("retry-after", "50"),
    );
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let seen = Seen::default();
    let sink = seen.sink();
    let c = client(&s);
    let started = Instant::now();
    let req = request("cancel me");
    let run = c.generate(&req, &sink, &cancel);
    let (result, ()) = tokio::join!(run, async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        trigger.cancel();
    });
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(seen.polls(), [1]);
    assert_eq!(s.count("GET", &poll_path("gen-c")), 1);
}

#[tokio::test]
async fn hostile_text_in_an_error_stays_plain_text() {
    let s = GettyStandIn::start().await;
    s.on(
        "POST",
        GENERATE,
        Reply::error(
            400,
            "\u{1b}[2J\u{1b}]0;pwned\u{7}<img src=x onerror=alert(1)> bad prompt",
        ),
    );
    let e = client(&s)
        .generate(&request("hostile"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(
        text.contains("<img src=x onerror=alert(1)> bad prompt"),
        "{text}"
    );
}

#[tokio::test]
async fn parameters_outside_the_catalogue_are_refused_before_sending() {
    let s = GettyStandIn::start().await;
    let mut req = request("x");
    req.params.extra.insert("mood".into(), json!("gloomy"));
    let e = client(&s)
        .generate(&req, &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    let mut req = request("x");
    req.params.negative_prompt = Some("people".into());
    let e = client(&s)
        .generate(&req, &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(s.requests().is_empty());
}

#[tokio::test]
async fn variations_of_a_preview_are_a_new_generation_of_previews() {
    let s = GettyStandIn::start().await;
    let path = format!("{GENERATE}/gen-v/images/1/variations");
    s.on("POST", &path, Reply::pending("gen-v2"));
    let done = s.finished(
        "gen-v2",
        8,
        &[(0, Some(png_bytes())), (1, Some(png_bytes()))],
    );
    s.on("GET", &poll_path("gen-v2"), done);
    let answer = client(&s)
        .variations("gen-v/1", &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(answer.request_id.as_deref(), Some("gen-v2"));
    let ids: Vec<_> = answer
        .images
        .iter()
        .map(|i| i.asset_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["gen-v2/0", "gen-v2/1"]);
    assert!(
        answer
            .images
            .iter()
            .all(|i| i.license_status == LicenseStatus::Preview)
    );
    let posts: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .collect();
    assert_eq!(posts.len(), 1);

    // A variation POST that fails with a 5xx is not sent again either.
    s.on("POST", &path, Reply::error(500, "oops"));
    let e = client(&s)
        .variations("gen-v/1", &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "outcome_unknown");
    assert_eq!(s.count("POST", &path), 2);
}

#[tokio::test]
async fn an_answer_cut_off_after_the_post_is_not_followed_by_a_second_post() {
    let s = GettyStandIn::start().await;
    s.on("POST", GENERATE, Reply::pending("gen-cut").cut_after(5));
    s.on(
        "GET",
        HISTORY,
        Reply::json(200, json!({"generations": [], "result_count": 0})),
    );
    let e = client(&s)
        .generate(&request("cut"), &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "outcome_unknown", "{e:?}");
    assert_eq!(s.count("POST", GENERATE), 1);
}

//! GPT Image models streamed (`stream`, `partial_images` 1..3): the request follows
//! `CreateImageRequest`, the stand-in's events follow `ImageGenPartialImageEvent` /
//! `ImageGenCompletedEvent`, partial images arrive as previews in order, the completed
//! image is the one kept; models that cannot stream refuse the parameter before sending.

use std::time::Duration;

use easel_core::providers::openai::{OpenAiClient, OpenAiConfig, ProviderProgress, RetryPolicy};
use easel_core::{GenerationParams, GenerationRequest};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::engines_a1111::Events;
use crate::support::stand_in::{GENERATIONS, Reply, StandIn};
use crate::support::{b64, png_bytes};

fn client(s: &StandIn) -> OpenAiClient {
    OpenAiClient::new(OpenAiConfig {
        retry: RetryPolicy {
            time_scale: 0.01,
            base_delay: Duration::from_millis(100),
            ..RetryPolicy::default()
        },
        ..OpenAiConfig::new(s.base_url(), "sk-test-stream-0123456789")
    })
    .unwrap()
}

fn request(model: &str, partials: u64) -> GenerationRequest {
    let mut params = GenerationParams {
        size: Some("1024x1024".into()),
        ..Default::default()
    };
    params
        .extra
        .insert("partial_images".into(), json!(partials));
    GenerationRequest {
        provider: "openai".into(),
        model: model.into(),
        prompt: "A cute baby sea otter".into(),
        params,
    }
}

fn partial(index: u32, bytes: &[u8]) -> (&'static str, serde_json::Value) {
    (
        "ImageGenPartialImageEvent",
        json!({"type": "image_generation.partial_image", "b64_json": b64(bytes), "created_at": 1620000000,
               "size": "1024x1024", "quality": "high", "background": "opaque", "output_format": "png",
               "partial_image_index": index}),
    )
}

#[tokio::test]
async fn partial_images_arrive_as_previews_and_the_completed_image_is_kept() {
    let s = StandIn::start().await;
    let final_png = png_bytes();
    s.generations(Reply::events(&[
        partial(0, &png_bytes()),
        partial(1, &png_bytes()),
        partial(2, &png_bytes()),
        (
            "ImageGenCompletedEvent",
            json!({"type": "image_generation.completed", "b64_json": b64(&final_png), "created_at": 1620000001,
                   "size": "1024x1024", "quality": "high", "background": "opaque", "output_format": "png",
                   "usage": {"total_tokens": 100, "input_tokens": 50, "output_tokens": 50,
                             "input_tokens_details": {"text_tokens": 10, "image_tokens": 40}}}),
        ),
    ]));
    let events = Events::default();
    let sink = events.sink();
    let answer = client(&s)
        .generate(
            &request("gpt-image-1.5", 3),
            &sink,
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        events.steps(),
        vec![(1, 3, true), (2, 3, true), (3, 3, true)]
    );
    assert_eq!(answer.images.len(), 1);
    assert_eq!(answer.images[0].bytes, final_png);
    assert_eq!(answer.usage.unwrap()["total_tokens"], 100);
    // `requests()` checks every body against CreateImageRequest.
    let sent = s.requests()[0].json();
    assert_eq!(
        (sent["stream"].clone(), sent["partial_images"].clone()),
        (json!(true), json!(3))
    );
    assert!(
        events
            .all()
            .contains(&ProviderProgress::Sending { attempt: 1 })
    );
}

#[tokio::test]
async fn models_that_cannot_stream_refuse_it_before_sending() {
    let s = StandIn::start().await;
    let c = client(&s);
    for (model, n) in [("dall-e-3", 1), ("gpt-image-1", 4)] {
        let mut req = request(model, n);
        if model == "dall-e-3" {
            req.params.size = None;
        }
        let err = c
            .generate(&req, &|_| {}, &CancellationToken::new())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{model}: {err}");
    }
    assert_eq!(s.count(GENERATIONS), 0);
}

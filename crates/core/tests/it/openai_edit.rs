//! OpenAI's `/images/edits` and `/images/variations` against the stand-in: every upload is
//! checked against the contract's `CreateImageEditRequest` / `CreateImageVariationRequest`
//! (fields, images, mask), and local refusals send nothing.

use crate::library_support::{encode, png};
use crate::support;

use easel_core::GenerationParams;
use easel_core::edit::{EditOperation, EditRequest, InputImage};
use easel_core::providers::openai::{OpenAiClient, OpenAiConfig, RetryPolicy};
use image::{Rgba, RgbaImage};
use serde_json::json;
use std::time::Duration;
use support::stand_in::{EDITS, Reply, StandIn, VARIATIONS};
use support::{b64, png_bytes};
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk-test-0123456789abcdef";

fn client(s: &StandIn) -> OpenAiClient {
    OpenAiClient::new(OpenAiConfig {
        retry: RetryPolicy {
            time_scale: 0.01,
            ..RetryPolicy::default()
        },
        ..OpenAiConfig::new(s.base_url(), KEY)
    })
    .unwrap()
}

/// Easel's mask over a `w`x`h` image: the top half painted.
fn mask(w: u32, h: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |_, y| {
        Rgba([255, 255, 255, if y < h / 2 { 255 } else { 0 }])
    });
    encode(
        &image::DynamicImage::ImageRgba8(img),
        image::ImageFormat::Png,
    )
}

fn edit(model: &str, source: Vec<u8>) -> EditRequest {
    EditRequest {
        provider: "openai".into(),
        model: model.into(),
        operation: EditOperation::Edit,
        prompt: "Give the fox a \"red\" scarf\r\n--and a hat".into(),
        source: InputImage {
            bytes: source,
            ..InputImage::default()
        },
        references: Vec::new(),
        mask: None,
        params: GenerationParams::default(),
    }
}

fn answer() -> Reply {
    Reply::images(json!({
        "created": 1_700_000_000,
        "data": [{"b64_json": b64(&png_bytes())}],
        "usage": {"total_tokens": 100, "input_tokens": 50, "output_tokens": 50,
                  "input_tokens_details": {"text_tokens": 10, "image_tokens": 40}}
    }))
}

#[tokio::test]
async fn an_edit_uploads_the_images_the_mask_and_the_options() {
    let s = StandIn::start().await;
    s.script(EDITS, answer());
    let source = png(64, 48, 1);
    let reference = png(20, 20, 2);
    let mut req = edit("gpt-image-1.5", source.clone());
    req.references.push(InputImage {
        bytes: reference.clone(),
        ..InputImage::default()
    });
    req.mask = Some(mask(64, 48));
    req.params.n = Some(2);
    req.params.quality = Some("high".into());
    req.params.output_format = Some("webp".into());
    req.params.output_compression = Some(80);
    req.params
        .extra
        .insert("input_fidelity".into(), json!("high"));
    let got = client(&s)
        .edit(&req, &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(got.images.len(), 1);
    assert_eq!(got.images[0].bytes, png_bytes());

    let sent = s.requests(); // checked against the contract here
    assert_eq!(sent.len(), 1);
    let r = &sent[0];
    let images = r.files("image[]");
    assert_eq!(images.len(), 2, "several images go as image[]");
    assert_eq!(images[0].bytes, source, "the source first, byte for byte");
    assert_eq!(images[1].bytes, reference);
    assert_eq!(images[0].content_type.as_deref(), Some("image/png"));
    let m = r.files("mask");
    assert_eq!(m.len(), 1);
    let m = image::load_from_memory(&m[0].bytes).unwrap().to_rgba8();
    assert_eq!(m.dimensions(), (64, 48));
    assert_eq!(m.get_pixel(0, 0).0[3], 0, "painted = transparent = edited");
    assert_eq!(m.get_pixel(0, 47).0[3], 255);
    assert_eq!(
        r.field("prompt").unwrap(),
        req.prompt,
        "the prompt arrives intact"
    );
    assert_eq!(r.field("model").unwrap(), "gpt-image-1.5");
    assert_eq!(r.field("n").unwrap(), "2");
    assert_eq!(r.field("input_fidelity").unwrap(), "high");
    assert_eq!(r.field("output_compression").unwrap(), "80");
    assert_eq!(got.params_sent["form"]["quality"], "high");
    assert_eq!(got.params_sent["files"].as_array().unwrap().len(), 3);
    assert!(!got.params_sent.to_string().contains(KEY));
}

#[tokio::test]
async fn one_image_goes_as_image_and_variations_take_no_prompt() {
    let s = StandIn::start().await;
    s.script(EDITS, answer());
    client(&s)
        .edit(
            &edit("gpt-image-1", png(32, 32, 1)),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    s.script(
        VARIATIONS,
        Reply::images(json!({"created": 1, "data": [{"b64_json": b64(&png_bytes())}, {"b64_json": b64(&png_bytes())}]})),
    );
    let mut v = edit("dall-e-2", png(64, 64, 3));
    v.operation = EditOperation::Variation;
    v.prompt.clear();
    v.params.n = Some(2);
    v.params.response_format = Some("b64_json".into());
    let got = client(&s)
        .edit(&v, &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(got.images.len(), 2);
    let sent = s.requests();
    assert_eq!(sent[0].files("image").len(), 1);
    assert!(sent[0].files("image[]").is_empty());
    assert_eq!(sent[1].path, VARIATIONS);
    assert_eq!(sent[1].field("prompt"), None);
    assert_eq!(sent[1].field("model").unwrap(), "dall-e-2");
}

#[tokio::test]
async fn refused_edits_send_nothing() {
    let s = StandIn::start().await;
    let c = client(&s);
    let cancel = CancellationToken::new();
    let mut wrong_mask = edit("gpt-image-1.5", png(64, 48, 1));
    wrong_mask.mask = Some(mask(48, 64));
    let mut square_only = edit("dall-e-2", png(64, 48, 1));
    square_only.operation = EditOperation::Variation;
    square_only.prompt.clear();
    let mut no_prompt = edit("gpt-image-1.5", png(8, 8, 1));
    no_prompt.prompt = "  ".into();
    let mut not_image = edit("gpt-image-1.5", b"GIF89a not really".to_vec());
    not_image.prompt = "x".into();
    for req in [wrong_mask, square_only, no_prompt, not_image] {
        let e = c.edit(&req, &|_| {}, &cancel).await.unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{e}");
    }
    assert!(s.requests().is_empty());
}

#[tokio::test]
async fn edit_errors_map_like_generate_errors() {
    let s = StandIn::start().await;
    s.script(
        EDITS,
        Reply::error(
            400,
            "image_generation_user_error",
            Some("moderation_blocked"),
            "Blocked.",
        ),
    );
    let e = client(&s)
        .edit(
            &edit("gpt-image-1.5", png(16, 16, 1)),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "rejected_by_safety");
    assert_eq!(s.requests().len(), 1);
    // A 500 is retried, with the same upload.
    s.script(
        EDITS,
        Reply::error(500, "server_error", None, "oops").after(Duration::ZERO),
    );
    s.script(EDITS, answer());
    client(&s)
        .edit(
            &edit("gpt-image-1.5", png(16, 16, 1)),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let sent = s.requests();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[1].body.len(), sent[2].body.len());
}

/// Every value the edit catalogue offers must be one the contract allows, so that the
/// window never offers a choice the API refuses.
#[test]
fn the_edit_catalogue_offers_only_what_the_contract_allows() {
    use easel_core::catalog::ParamKind;
    let c = support::contract::contract();
    let openai = easel_core::catalog::provider("openai").unwrap();
    let mut checked = 0;
    for m in &openai.models {
        for e in &m.edits {
            let (schema, base) = match e.operation.as_str() {
                "variation" => (
                    "CreateImageVariationRequest",
                    json!({"image": "<png>", "model": m.id}),
                ),
                "edit" => (
                    "CreateImageEditRequest",
                    json!({"image": "<png>", "prompt": "x", "model": m.id}),
                ),
                other => panic!("OpenAI has no {other} endpoint"),
            };
            c.assert_valid(schema, &base);
            for p in &e.parameters {
                let values: Vec<serde_json::Value> = match p.kind {
                    ParamKind::Choice | ParamKind::Size => {
                        p.values.iter().map(|v| json!(v)).collect()
                    }
                    ParamKind::Integer | ParamKind::Decimal => {
                        vec![json!(p.min.unwrap()), json!(p.max.unwrap())]
                    }
                    ParamKind::Text => vec![json!("x")],
                    ParamKind::Bool => vec![json!(true)],
                };
                for v in values {
                    let mut doc = base.clone();
                    doc[&p.name] = v;
                    c.assert_valid(schema, &doc);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 50, "{checked}");
}

/// The Edit panel's options as the window sends them (a `GenerationParams` in JSON, the
/// operation's catalogue parameters at their documented defaults, then with n, size, quality
/// and input fidelity chosen): the catalogue lets them through, and the stand-in receives each
/// as a form field the contract takes.
#[tokio::test]
async fn the_edit_panels_options_pass_the_catalogue_and_reach_the_provider() {
    let defaults = json!({"n": 1, "size": "auto", "quality": "auto", "background": "auto",
                          "output_format": "png", "input_fidelity": "low"});
    let chosen = json!({"n": 3, "size": "1536x1024", "quality": "high", "background": "auto",
                        "output_format": "png", "input_fidelity": "high"});
    for (params, want) in [
        (
            defaults,
            [
                ("n", "1"),
                ("size", "auto"),
                ("quality", "auto"),
                ("input_fidelity", "low"),
            ],
        ),
        (
            chosen,
            [
                ("n", "3"),
                ("size", "1536x1024"),
                ("quality", "high"),
                ("input_fidelity", "high"),
            ],
        ),
    ] {
        let s = StandIn::start().await;
        s.script(EDITS, answer());
        let mut req = edit("gpt-image-1", png(64, 64, 1));
        req.mask = Some(mask(64, 64));
        req.params = serde_json::from_value::<GenerationParams>(params).unwrap();
        easel_core::catalog::model("openai", "gpt-image-1")
            .unwrap()
            .validate_edit(&req)
            .unwrap();
        client(&s)
            .edit(&req, &|_| {}, &CancellationToken::new())
            .await
            .unwrap();
        let sent = s.requests(); // checked against CreateImageEditRequest here
        assert_eq!(sent.len(), 1);
        for (name, value) in want {
            assert_eq!(sent[0].field(name).as_deref(), Some(value), "{name}");
        }
        assert_eq!(sent[0].field("output_format").as_deref(), Some("png"));
        assert_eq!(sent[0].field("background").as_deref(), Some("auto"));
    }
    // The same options for a model without input fidelity are refused before anything is sent.
    let mut mini = edit("gpt-image-1-mini", png(64, 64, 1));
    mini.params = serde_json::from_value(json!({"n": 2, "input_fidelity": "high"})).unwrap();
    let e = easel_core::catalog::model("openai", "gpt-image-1-mini")
        .unwrap()
        .validate_edit(&mini)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(e.to_string().contains("input_fidelity"), "{e}");
}

//! Stability's edit endpoints against the stand-in: every request is checked against its
//! multipart schema in `stability-v2beta.json` (fields, image, mask) when the test reads it.

use crate::library_support::{encode, png};
use crate::stability_support::{
    ERASE, INPAINT, OUTPAINT, REMOVE_BACKGROUND, Reply, SEARCH_AND_REPLACE, StandIn, image_bytes,
};

use easel_core::GenerationParams;
use easel_core::edit::{EditOperation, EditRequest, InputImage};
use easel_core::providers::http::RetryPolicy;
use easel_core::providers::stability::{StabilityClient, StabilityConfig};
use image::{Rgba, RgbaImage};
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk-stability-test-0123456789";

fn client(s: &StandIn) -> StabilityClient {
    StabilityClient::new(StabilityConfig {
        retry: RetryPolicy {
            time_scale: 0.01,
            ..RetryPolicy::default()
        },
        ..StabilityConfig::new(s.base_url(), KEY)
    })
    .unwrap()
}

fn mask(w: u32, h: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |x, _| {
        Rgba([
            255,
            255,
            255,
            if x < w / 4 {
                255
            } else if x < w / 2 {
                100
            } else {
                0
            },
        ])
    });
    encode(
        &image::DynamicImage::ImageRgba8(img),
        image::ImageFormat::Png,
    )
}

fn request(op: EditOperation, prompt: &str) -> EditRequest {
    EditRequest {
        provider: "stability".into(),
        model: "stable-image-edit".into(),
        operation: op,
        prompt: prompt.into(),
        source: InputImage {
            bytes: png(96, 80, 1),
            ..InputImage::default()
        },
        references: Vec::new(),
        mask: None,
        params: GenerationParams::default(),
    }
}

fn ok() -> Reply {
    Reply::image(
        image_bytes("png", 9),
        "png",
        "SUCCESS",
        "343940597",
        "req-1",
    )
}

#[tokio::test]
async fn inpaint_sends_the_image_a_grayscale_mask_and_the_options() {
    let s = StandIn::start().await;
    s.script(INPAINT, ok());
    let mut req = request(EditOperation::Inpaint, "a red door");
    req.mask = Some(mask(96, 80));
    req.params.negative_prompt = Some("blur".into());
    req.params.seed = Some(42);
    req.params.style = Some("photographic".into());
    req.params.extra.insert("grow_mask".into(), 10.into());
    let answer = client(&s)
        .edit(&req, &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(answer.images[0].seed, Some(343_940_597));
    assert_eq!(answer.usage.unwrap()["credits"], 5.0);
    let sent = s.requests(); // checked against the contract
    let r = &sent[0];
    assert_eq!(r.path, INPAINT);
    assert_eq!(r.file("image").unwrap(), req.source.bytes);
    let m = image::load_from_memory(&r.file("mask").unwrap())
        .unwrap()
        .to_luma8();
    assert_eq!(m.get_pixel(0, 0).0[0], 255, "white = change");
    assert_eq!(m.get_pixel(40, 0).0[0], 100, "soft edges stay gray");
    assert_eq!(m.get_pixel(95, 0).0[0], 0);
    let fields: std::collections::HashMap<_, _> = r.fields().into_iter().collect();
    assert_eq!(fields["prompt"], "a red door");
    assert_eq!(fields["style_preset"], "photographic");
    assert_eq!(fields["grow_mask"], "10");
    assert_eq!(fields["seed"], "42");
    assert!(!fields.contains_key("style"));
}

#[tokio::test]
async fn every_edit_service_gets_its_own_fields() {
    let s = StandIn::start().await;
    for path in [OUTPAINT, ERASE, SEARCH_AND_REPLACE, REMOVE_BACKGROUND] {
        s.script(path, ok());
    }
    let c = client(&s);
    let cancel = CancellationToken::new();
    let outpaint = request(
        EditOperation::Outpaint {
            left: 0,
            right: 200,
            up: 30,
            down: 0,
        },
        "",
    );
    let mut erase = request(EditOperation::Erase, "");
    erase.mask = Some(mask(96, 80));
    let sr = request(
        EditOperation::SearchAndReplace {
            search_prompt: "glasses".into(),
        },
        "a monocle",
    );
    let mut rb = request(EditOperation::RemoveBackground, "");
    rb.params.output_format = Some("webp".into());
    for req in [&outpaint, &erase, &sr, &rb] {
        c.edit(req, &|_| {}, &cancel).await.unwrap();
    }
    let sent = s.requests();
    assert_eq!(sent.len(), 4);
    let fields = |i: usize| -> std::collections::HashMap<String, String> {
        sent[i].fields().into_iter().collect()
    };
    let o = fields(0);
    assert_eq!((o["right"].as_str(), o["up"].as_str()), ("200", "30"));
    assert!(!o.contains_key("left") && !o.contains_key("prompt"));
    assert!(fields(1).is_empty(), "erase takes only files here");
    assert!(sent[1].file("mask").is_some());
    assert_eq!(fields(2)["search_prompt"], "glasses");
    assert_eq!(fields(3)["output_format"], "webp");
}

#[tokio::test]
async fn refused_edits_send_nothing_and_errors_map() {
    let s = StandIn::start().await;
    let c = client(&s);
    let cancel = CancellationToken::new();
    let mut bad_mask = request(EditOperation::Inpaint, "x");
    bad_mask.mask = Some(mask(80, 96));
    let mut tiny = request(EditOperation::Inpaint, "x");
    tiny.source.bytes = png(32, 32, 1);
    let wide = {
        let mut r = request(
            EditOperation::Outpaint {
                left: 10,
                right: 0,
                up: 0,
                down: 0,
            },
            "",
        );
        r.source.bytes = png(300, 100, 1);
        r
    };
    let mut wrong_param = request(EditOperation::RemoveBackground, "");
    wrong_param.params.output_format = Some("jpeg".into());
    for req in [bad_mask, tiny, wide, wrong_param] {
        let e = c.edit(&req, &|_| {}, &cancel).await.unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{e}");
    }
    assert_eq!(s.count(), 0);
    s.script(
        INPAINT,
        Reply::error(INPAINT, 403, "content_moderation", &["flagged"]),
    );
    let e = c
        .edit(&request(EditOperation::Inpaint, "x"), &|_| {}, &cancel)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "rejected_by_safety");
    assert_eq!(s.count(), 1);
}

/// Each edit the catalogue offers is an endpoint of the contract, and each parameter (by
/// the API's name) is one of its fields with the same allowed values.
#[test]
fn the_edit_catalogue_follows_the_contract() {
    use easel_core::catalog::ParamKind;
    let c = crate::stability_support::contract::contract();
    let m = easel_core::catalog::model("stability", "stable-image-edit").unwrap();
    assert_eq!(m.edits.len(), 5);
    for e in &m.edits {
        let path = e.endpoint.as_deref().unwrap();
        let schema = c.request_schema(path);
        let props = &schema["properties"];
        assert_eq!(
            props.get("mask").is_some(),
            e.mask != easel_core::catalog::Usage::None,
            "{path}"
        );
        assert_eq!(
            props.get("prompt").is_some(),
            e.prompt != easel_core::catalog::Usage::None,
            "{path}"
        );
        for p in &e.parameters {
            let name = if p.name == "style" {
                "style_preset"
            } else {
                p.name.as_str()
            };
            let field = &props[name];
            assert!(field.is_object(), "{path} has no field {name}");
            if p.kind == ParamKind::Choice {
                let allowed: Vec<String> = field["enum"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect();
                let mut ours = p.values.clone();
                ours.sort();
                let mut theirs = allowed;
                theirs.sort();
                assert_eq!(ours, theirs, "{path} {name}");
            }
            if p.kind == ParamKind::Integer {
                assert_eq!(
                    json_number(&field["maximum"]),
                    p.max.unwrap(),
                    "{path} {name}"
                );
                assert_eq!(
                    json_number(&field["minimum"]),
                    p.min.unwrap(),
                    "{path} {name}"
                );
            }
        }
    }
}

fn json_number(v: &serde_json::Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .unwrap_or_else(|| panic!("not a number: {v}"))
}

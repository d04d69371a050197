//! Getty variations and refine through the edit seam, against the stand-in: the variation
//! body follows `ImageVariationRequest`, refine uploads its mask as a JPEG and sends a
//! `RefineRequest` naming it, and neither paid POST is ever sent twice.

use crate::getty_support::{self, GettyStandIn, KEY, REFINE, Reply, SECRET, UPLOADS, poll_path};
use crate::library_support::{encode, png};
use crate::support::png_bytes;

use easel_core::GenerationParams;
use easel_core::edit::{EditOperation, EditRequest, InputImage};
use easel_core::providers::getty::{GettyClient, GettyConfig};
use easel_core::providers::http::RetryPolicy;
use easel_core::providers::{ImageProvider, LicenseStatus};
use image::{Rgba, RgbaImage};
use serde_json::json;
use tokio_util::sync::CancellationToken;

fn client(s: &GettyStandIn) -> GettyClient {
    GettyClient::new(GettyConfig {
        retry: RetryPolicy {
            time_scale: 0.01,
            ..RetryPolicy::default()
        },
        ..GettyConfig::new(s.base_url(), s.auth_url(), KEY, SECRET)
    })
    .unwrap()
}

fn request(op: EditOperation, prompt: &str) -> EditRequest {
    EditRequest {
        provider: "getty".into(),
        model: "generative-ai".into(),
        operation: op,
        prompt: prompt.into(),
        source: InputImage {
            bytes: png(40, 30, 1),
            library_id: Some("img-1".into()),
            asset_id: Some("gen-a/2".into()),
        },
        references: Vec::new(),
        mask: None,
        params: GenerationParams::default(),
    }
}

#[tokio::test]
async fn variations_send_the_account_fields_and_come_back_as_previews() {
    let s = GettyStandIn::start().await;
    let path = getty_support::variations_path("gen-a", 2);
    s.on("POST", &path, Reply::pending("gen-b"));
    let done = s.finished("gen-b", 3, &[(0, Some(png_bytes())), (1, None)]);
    s.on("GET", &poll_path("gen-b"), done);
    let mut req = request(EditOperation::Variation, "");
    req.params.extra.insert("product_id".into(), json!(7));
    req.params
        .extra
        .insert("notes".into(), json!("for the \"spring\" campaign"));
    let answer = ImageProvider::edit(&client(&s), &req, &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(
        answer.images.len(),
        1,
        "the blocked result is counted, not kept"
    );
    assert_eq!(answer.images[0].asset_id.as_deref(), Some("gen-b/0"));
    assert_eq!(answer.images[0].license_status, LicenseStatus::Preview);
    let posts: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .collect();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].json(),
        json!({"product_id": 7, "notes": "for the \"spring\" campaign"})
    );
}

#[tokio::test]
async fn refine_uploads_the_mask_then_names_it() {
    let s = GettyStandIn::start().await;
    s.on("POST", REFINE, Reply::pending("gen-r"));
    let done = s.finished("gen-r", 4, &[(0, Some(png_bytes()))]);
    s.on("GET", &poll_path("gen-r"), done);
    let mut req = request(EditOperation::Refine, "a blue umbrella");
    let mask = RgbaImage::from_fn(40, 30, |x, _| {
        Rgba([255, 255, 255, if x < 20 { 255 } else { 0 }])
    });
    req.mask = Some(encode(
        &image::DynamicImage::ImageRgba8(mask),
        image::ImageFormat::Png,
    ));
    req.params.negative_prompt = Some("rain".into());
    let answer = ImageProvider::edit(&client(&s), &req, &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(answer.images[0].asset_id.as_deref(), Some("gen-r/0"));
    let sent = s.requests(); // each checked against the contract (and the upload prose)
    let upload = sent.iter().find(|r| r.path.starts_with(UPLOADS)).unwrap();
    let refine: Vec<_> = sent.iter().filter(|r| r.path == REFINE).collect();
    assert_eq!(refine.len(), 1);
    let body = refine[0].json();
    assert_eq!(body["mask_url"], upload.url(&s.base_url()));
    assert_eq!(
        body["reference_generation"],
        json!({"generation_request_id": "gen-a", "index": 2})
    );
    assert_eq!(body["prompt"], "a blue umbrella");
    assert_eq!(body["negative_prompt"], "rain");
    // The mask arrives white where the image is to change.
    let m = image::load_from_memory(&upload.body).unwrap().to_luma8();
    assert_eq!(m.dimensions(), (40, 30));
    assert!(m.get_pixel(2, 2).0[0] > 200 && m.get_pixel(38, 2).0[0] < 50);
    let upload_at = sent
        .iter()
        .position(|r| r.path.starts_with(UPLOADS))
        .unwrap();
    let refine_at = sent.iter().position(|r| r.path == REFINE).unwrap();
    assert!(
        upload_at < refine_at,
        "the mask is uploaded before refine names it"
    );
}

#[tokio::test]
async fn refine_needs_a_getty_image_and_a_mask_and_is_not_sent_twice() {
    let s = GettyStandIn::start().await;
    let c = client(&s);
    let cancel = CancellationToken::new();
    let no_mask = request(EditOperation::Refine, "x");
    let mut not_getty = request(EditOperation::Variation, "");
    not_getty.source.asset_id = None;
    for req in [no_mask, not_getty] {
        let e = ImageProvider::edit(&c, &req, &|_| {}, &cancel)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{e}");
    }
    assert!(s.requests().is_empty());
    s.on("POST", REFINE, Reply::error(500, "oops"));
    let mut req = request(EditOperation::Refine, "x");
    let mask = RgbaImage::from_pixel(40, 30, Rgba([255, 255, 255, 255]));
    req.mask = Some(encode(
        &image::DynamicImage::ImageRgba8(mask),
        image::ImageFormat::Png,
    ));
    let e = ImageProvider::edit(&c, &req, &|_| {}, &cancel)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "outcome_unknown");
    assert_eq!(s.count("POST", REFINE), 1);
}

//! Mask conversion: Easel's mask (alpha = change, soft edges) into what each provider
//! expects, at the image's exact size; and the catalogue's local refusals of edits.

use easel_core::catalog;
use easel_core::edit::{EditOperation, EditRequest, InputImage, Strength};
use easel_core::{GenerationParams, library};
use image::{GenericImageView, Rgba, RgbaImage};

use crate::library_support::{encode, jpeg, png};

/// Easel's mask: `w`x`h`, the left half painted (with a soft column between), the rest kept.
fn easel_mask(w: u32, h: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |x, _| {
        let alpha = if x < w / 2 {
            255
        } else if x == w / 2 {
            128
        } else {
            0
        };
        Rgba([255, 255, 255, alpha])
    });
    encode(
        &image::DynamicImage::ImageRgba8(img),
        image::ImageFormat::Png,
    )
}

fn decode(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).unwrap()
}

#[test]
fn openai_masks_are_transparent_where_the_image_changes() {
    let s = Strength::from_easel_mask(&easel_mask(8, 4)).unwrap();
    let png = s.to_openai_png().unwrap();
    assert_eq!(image::guess_format(&png).unwrap(), image::ImageFormat::Png);
    let img = decode(&png);
    assert_eq!(img.dimensions(), (8, 4));
    assert!(img.color().has_alpha(), "OpenAI needs an alpha channel");
    let rgba = img.to_rgba8();
    assert_eq!(
        rgba.get_pixel(0, 0).0[3],
        0,
        "painted = fully transparent = edited"
    );
    assert_eq!(rgba.get_pixel(7, 3).0[3], 255, "unpainted = opaque = kept");
    // The soft edge stays soft: half transparent.
    assert_eq!(rgba.get_pixel(4, 0).0[3], 127);
}

#[test]
fn stability_and_getty_masks_are_white_where_the_image_changes() {
    let s = Strength::from_easel_mask(&easel_mask(8, 4)).unwrap();
    let gray = decode(&s.to_stability_png().unwrap());
    assert_eq!(gray.dimensions(), (8, 4));
    assert_eq!(gray.color(), image::ColorType::L8);
    let l = gray.to_luma8();
    assert_eq!(l.get_pixel(0, 0).0[0], 255);
    assert_eq!(l.get_pixel(7, 0).0[0], 0);
    assert_eq!(l.get_pixel(4, 0).0[0], 128);
    let jpeg = s.to_getty_jpeg().unwrap();
    assert_eq!(
        image::guess_format(&jpeg).unwrap(),
        image::ImageFormat::Jpeg
    );
    let j = decode(&jpeg).to_luma8();
    assert!(j.get_pixel(0, 0).0[0] > 200 && j.get_pixel(7, 0).0[0] < 50);
}

#[test]
fn masks_without_alpha_are_read_by_brightness_and_invert() {
    let img = image::GrayImage::from_fn(4, 4, |x, _| image::Luma([if x < 2 { 255 } else { 0 }]));
    let bytes = encode(
        &image::DynamicImage::ImageLuma8(img),
        image::ImageFormat::Png,
    );
    let s = Strength::from_easel_mask(&bytes).unwrap();
    assert_eq!(s.values[0], 255);
    assert_eq!(s.values[3], 0);
    let inv = s.inverted();
    assert_eq!((inv.values[0], inv.values[3]), (0, 255));
    assert!(!s.is_empty());
    let blank = RgbaImage::from_pixel(4, 4, Rgba([0, 0, 0, 0]));
    let blank = encode(
        &image::DynamicImage::ImageRgba8(blank),
        image::ImageFormat::Png,
    );
    assert!(Strength::from_easel_mask(&blank).unwrap().is_empty());
    // The round trip through Easel's own form keeps every value.
    let again = Strength::from_easel_mask(&s.to_easel_png().unwrap()).unwrap();
    assert_eq!(again, s);
}

#[test]
fn a_mask_of_another_size_is_refused() {
    let s = Strength::from_easel_mask(&easel_mask(8, 4)).unwrap();
    s.check_size(8, 4).unwrap();
    let e = s.check_size(16, 8).unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(
        e.to_string().contains("8x4") && e.to_string().contains("16x8"),
        "{e}"
    );
    let e = Strength::from_easel_mask(b"not a png").unwrap_err();
    assert_eq!(e.code(), "invalid_input");
}

fn request(model: &str, op: EditOperation, source: Vec<u8>) -> EditRequest {
    EditRequest {
        provider: catalog::providers()
            .iter()
            .find(|p| p.models.iter().any(|m| m.id == model))
            .unwrap()
            .id
            .clone(),
        model: model.into(),
        operation: op,
        prompt: "add a red scarf".into(),
        source: InputImage {
            bytes: source,
            ..InputImage::default()
        },
        references: Vec::new(),
        mask: None,
        params: GenerationParams::default(),
    }
}

fn refused(req: &EditRequest) -> String {
    let model = catalog::model(&req.provider, &req.model).unwrap();
    let e = model.validate_edit(req).unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");
    e.to_string()
}

#[test]
fn the_catalogue_refuses_what_the_provider_would() {
    let ok = request("gpt-image-1.5", EditOperation::Edit, png(64, 64, 1));
    let model = catalog::model("openai", "gpt-image-1.5").unwrap();
    assert_eq!(
        model.validate_edit(&ok).unwrap().endpoint.as_deref(),
        Some("/images/edits")
    );

    // An operation the model does not offer, and a model that edits nothing.
    let m = refused(&request(
        "gpt-image-1.5",
        EditOperation::Variation,
        png(64, 64, 1),
    ));
    assert!(
        m.contains("does not offer variation") && m.contains("edit"),
        "{m}"
    );
    assert!(
        refused(&request("dall-e-3", EditOperation::Edit, png(64, 64, 1)))
            .contains("cannot change")
    );
    // Mask of the wrong size; an empty mask.
    let mut r = ok.clone();
    r.mask = Some(easel_mask(32, 32));
    assert!(refused(&r).contains("32x32"));
    r.mask = Some(encode(
        &image::DynamicImage::ImageRgba8(RgbaImage::new(64, 64)),
        image::ImageFormat::Png,
    ));
    assert!(refused(&r).contains("empty"));
    // DALL·E 2: PNG only, square only, 4 MB.
    let m = refused(&request("dall-e-2", EditOperation::Edit, jpeg(64, 64)));
    assert!(m.contains("JPEG") && m.contains("png"), "{m}");
    let mut oblong = request("dall-e-2", EditOperation::Variation, png(64, 32, 1));
    oblong.prompt.clear();
    assert!(refused(&oblong).contains("square"));
    let mut v = request("dall-e-2", EditOperation::Variation, png(64, 64, 1));
    assert!(refused(&v).contains("no prompt"));
    v.prompt.clear();
    catalog::model("openai", "dall-e-2")
        .unwrap()
        .validate_edit(&v)
        .unwrap();
    // Too many images; a parameter the operation does not take; input_fidelity per model.
    let mut many = ok.clone();
    many.references = (0..16)
        .map(|i| InputImage {
            bytes: png(8, 8, i),
            ..InputImage::default()
        })
        .collect();
    assert!(refused(&many).contains("at most 16"));
    let mut p = ok.clone();
    p.params
        .extra
        .insert("input_fidelity".into(), "high".into());
    model.validate_edit(&p).unwrap();
    let mut mini = p.clone();
    mini.model = "gpt-image-1-mini".into();
    assert!(refused(&mini).contains("input_fidelity"));
    p.params.moderation = Some("low".into());
    assert!(refused(&p).contains("moderation"));
}

#[test]
fn stability_edits_check_sides_prompts_and_sizes() {
    let model = catalog::model("stability", "stable-image-edit").unwrap();
    assert!(!model.generates);
    let out = |l, r, u, d| {
        let mut req = request(
            "stable-image-edit",
            EditOperation::Outpaint {
                left: l,
                right: r,
                up: u,
                down: d,
            },
            png(128, 128, 1),
        );
        req.prompt.clear();
        req
    };
    model.validate_edit(&out(0, 200, 0, 0)).unwrap();
    assert!(refused(&out(0, 0, 0, 0)).contains("at least one side"));
    assert!(refused(&out(2001, 0, 0, 0)).contains("2000"));
    // Every side at least 64 px.
    let mut small = out(10, 0, 0, 0);
    small.source.bytes = png(32, 128, 1);
    assert!(refused(&small).contains("64"));
    // Search and replace needs what to look for; erase takes no prompt.
    let sr = request(
        "stable-image-edit",
        EditOperation::SearchAndReplace {
            search_prompt: " ".into(),
        },
        png(128, 128, 1),
    );
    assert!(refused(&sr).contains("look for"));
    assert!(
        refused(&request(
            "stable-image-edit",
            EditOperation::Erase,
            png(128, 128, 1)
        ))
        .contains("no prompt")
    );
    // Generating with it is refused.
    let e = model
        .validate(&easel_core::GenerationRequest {
            provider: "stability".into(),
            model: "stable-image-edit".into(),
            prompt: "x".into(),
            params: GenerationParams::default(),
        })
        .unwrap_err();
    assert!(e.to_string().contains("only changes"), "{e}");
    // Getty works on its own generations only.
    let g = request("generative-ai", EditOperation::Variation, png(64, 64, 1));
    let mut g = g;
    g.prompt.clear();
    assert!(refused(&g).contains("made itself"));
    g.source.asset_id = Some("gen-1/0".into());
    catalog::model("getty", "generative-ai")
        .unwrap()
        .validate_edit(&g)
        .unwrap();
    assert!(library::probe(&g.source.bytes).is_ok());
}

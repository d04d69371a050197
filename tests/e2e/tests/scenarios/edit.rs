//! Issue 9 in the window: an image generated against the OpenAI stand-in, a mask painted on
//! it with the pointer (real WebDriver pointer actions: down, moves, up), an edit run through
//! `/images/edits`, the upload checked (the parent's own bytes, a mask of its exact size with
//! the painted part transparent), the result stacked under its parent in the Library (badge,
//! then the stack expanded and the version opened from it), and the version tree stepped
//! parent ↔ child. The Edit panel's options (quality, input fidelity)
//! chosen in the window arrive as form fields.

use super::support::stand_in::EDITS;
use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};

use super::*;

const EDIT_PROMPT: &str = "Add a small red sailing boat on the sea below the sun";

/// Where the stroke goes, as fractions of the image: across the sky left of the sun, then
/// down towards the hills. Far from every point of it: the corners.
const STROKE: [(f64, f64); 5] = [
    (0.18, 0.25),
    (0.26, 0.27),
    (0.34, 0.30),
    (0.42, 0.34),
    (0.44, 0.46),
];

/// The edited picture the stand-in hands back: the same scene with a red boat.
fn edited_picture() -> Vec<u8> {
    let base = image::load_from_memory(&picture()).unwrap().to_rgb8();
    let img = image::RgbImage::from_fn(1024, 1024, |x, y| {
        let (fx, fy) = (x as f32 / 1024.0, y as f32 / 1024.0);
        let hull = (0.30..0.46).contains(&fx) && (0.60..0.64).contains(&fy);
        let sail = (0.37..0.39).contains(&fx) && (0.48..0.60).contains(&fy);
        if hull || sail {
            image::Rgb([200, 30, 40])
        } else {
            *base.get_pixel(x, y)
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn original_loaded(c: &Client) {
    wait_js(
        c,
        "the full image",
        "const i = document.querySelector(\"[data-testid='image-original']\");
         return i !== null && i.complete && i.naturalWidth === 1024 && !i.classList.contains('pending');",
        vec![],
    )
    .await;
}

/// Waits until the image view shows the image whose prompt is `prompt`.
async fn showing(c: &Client, prompt: &str) {
    wait_js(
        c,
        &format!("the image view to show {prompt:?}"),
        "const p = document.querySelector(\"[data-testid='image-prompt']\");
         return p !== null && p.textContent === arguments[0];",
        vec![json!(prompt)],
    )
    .await;
    original_loaded(c).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, tauri-driver and the built app: run tests/e2e/run.sh"]
async fn paint_a_mask_run_an_edit_and_step_through_its_versions() {
    let profile = tempfile::tempdir().unwrap();
    let stand_in = StandIn::start().await;
    for _ in 0..20 {
        stand_in.script(MODELS, models_reply());
    }
    let original = picture();
    stand_in.generations(Reply::images(json!({
        "created": 1713833628,
        "data": [{"b64_json": support::b64(&original)}],
        "usage": {"total_tokens": 100, "input_tokens": 50, "output_tokens": 50,
                  "input_tokens_details": {"text_tokens": 10, "image_tokens": 40}}
    })));
    stand_in.script(
        EDITS,
        Reply::images(json!({
            "created": 1713833700,
            "data": [{"b64_json": support::b64(&edited_picture())}],
            "usage": {"total_tokens": 300, "input_tokens": 250, "output_tokens": 50,
                      "input_tokens_details": {"text_tokens": 20, "image_tokens": 230}}
        }))
        .header("x-request-id", "req_e2e_edit"),
    );
    let driver = Driver::start_with(
        profile.path(),
        &stand_in.base_url(),
        &[("OPENAI_API_KEY", KEY.to_owned())],
    );
    let c = driver.session().await;
    window_ready(&c).await;

    // An image to edit.
    click(&c, "nav-generate").await;
    let input = wait_for(&c, "prompt-input").await;
    input.send_keys(PROMPT).await.unwrap();
    click(&c, "generate-button").await;
    wait_js(
        &c,
        "the generation to finish",
        "const j = document.querySelector(\"[data-testid='job-item']\");
         if (j && j.dataset.stage === 'failed') return 'failed: ' + j.textContent;
         return j !== null && j.dataset.stage === 'done' ? 'done' : '';",
        vec![],
    )
    .await;
    click(&c, "nav-library").await;
    gallery_images_loaded(&c).await;
    open_first_image(&c).await;

    // Edit mode: the mask canvas lies over the image.
    click(&c, "edit-button").await;
    wait_for(&c, "edit-panel").await;
    let canvas = wait_for(&c, "mask-canvas").await;
    let model = c
        .execute(
            "return document.querySelector(\"[data-testid='edit-model']\").value",
            vec![],
        )
        .await
        .unwrap();
    shot(&c, "30-edit-mode").await;

    // Paint with the pointer: real WebDriver pointer actions (down, several moves, up) at
    // viewport points computed from where the canvas is on screen.
    let rect = c
        .execute(
            "const c = arguments[0];
             c.scrollIntoView({block: 'center'});
             const r = c.getBoundingClientRect();
             return [r.left, r.top, r.width, r.height];",
            vec![serde_json::to_value(&canvas).unwrap()],
        )
        .await
        .unwrap();
    let rect: Vec<f64> = rect
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let (left, top, width, height) = (rect[0], rect[1], rect[2], rect[3]);
    assert!(
        width > 100.0 && height > 100.0,
        "the mask canvas is {width}x{height}"
    );
    let at = |(fx, fy): (f64, f64)| ((left + fx * width).round(), (top + fy * height).round());
    let (x0, y0) = at(STROKE[0]);
    let mut stroke = MouseActions::new("painter".into())
        .then(PointerAction::MoveTo {
            duration: None,
            x: x0,
            y: y0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        });
    for &p in &STROKE[1..] {
        let (x, y) = at(p);
        stroke = stroke.then(PointerAction::MoveTo {
            duration: Some(Duration::from_millis(120)),
            x,
            y,
        });
    }
    stroke = stroke.then(PointerAction::Up {
        button: MOUSE_BUTTON_LEFT,
    });
    c.perform_actions(stroke).await.unwrap();
    c.release_actions().await.unwrap();
    wait_js(
        &c,
        "the stroke to be kept",
        "const c = document.querySelector(\"[data-testid='mask-canvas']\");
         return c !== null && c.dataset.strokes === '1';",
        vec![],
    )
    .await;

    // The overlay shows the stroke tinted and leaves the rest of the image clear.
    let overlay = c
        .execute(
            "const c = document.querySelector(\"[data-testid='mask-canvas']\");
             const ctx = c.getContext('2d');
             const alpha = ([fx, fy]) => ctx.getImageData(Math.floor(fx * c.width), Math.floor(fy * c.height), 1, 1).data[3];
             return {painted: arguments[0].map(alpha), clear: arguments[1].map(alpha)};",
            vec![
                json!(STROKE.iter().map(|&(x, y)| [x, y]).collect::<Vec<_>>()),
                json!([[0.05, 0.05], [0.95, 0.95], [0.9, 0.1], [0.1, 0.9]]),
            ],
        )
        .await
        .unwrap();
    for a in overlay["painted"].as_array().unwrap() {
        assert!(
            a.as_u64().unwrap() > 0,
            "the overlay does not show the stroke: {overlay}"
        );
    }
    for a in overlay["clear"].as_array().unwrap() {
        assert_eq!(
            a.as_u64().unwrap(),
            0,
            "the overlay tints what was not painted: {overlay}"
        );
    }
    shot(&c, "31-mask-painted").await;

    // Say what should change, and run.
    let prompt = wait_for(&c, "edit-prompt").await;
    prompt.send_keys(EDIT_PROMPT).await.unwrap();
    // Options this model takes for an edit (catalogue data): high quality, high input fidelity.
    for choice in ["param-quality", "param-input_fidelity"] {
        c.find(Locator::Css(&format!(
            "[data-testid='edit-options'] [data-testid='{choice}'] [data-value='high']"
        )))
        .await
        .unwrap_or_else(|e| panic!("the Edit panel offers no {choice}: {e}"))
        .click()
        .await
        .unwrap();
    }
    wait_js(
        &c,
        "the Run button",
        "const b = document.querySelector(\"[data-testid='edit-run']\");
         return b !== null && !b.disabled;",
        vec![],
    )
    .await;
    shot(&c, "32-edit-ready").await;
    click(&c, "edit-run").await;

    // The result arrives in the job list like any generation.
    wait_js(
        &c,
        "the edit to finish",
        "const jobs = [...document.querySelectorAll(\"[data-testid='job-item']\")];
         const j = jobs.find(j => j.textContent.includes(arguments[0]));
         if (j && j.dataset.stage === 'failed') return 'failed: ' + j.textContent;
         return j && j.dataset.stage === 'done'
           && [...j.querySelectorAll(\"[data-testid='job-result'] img\")].some(i => i.complete && i.naturalWidth > 0) ? 'done' : '';",
        vec![json!(EDIT_PROMPT)],
    )
    .await;
    shot(&c, "33-edit-done").await;

    // What was sent follows the contract (`requests` checks every upload against it): the
    // parent's original bytes, and a PNG mask at the image's exact size, transparent where
    // the pointer painted and opaque elsewhere.
    let edits: Vec<_> = stand_in
        .requests()
        .into_iter()
        .filter(|r| r.path == EDITS)
        .collect();
    assert_eq!(edits.len(), 1, "one edit upload");
    let r = &edits[0];
    let images = r.files("image");
    assert_eq!(images.len(), 1, "one image, sent as `image`");
    assert!(
        images[0].bytes == original,
        "the image sent is not the parent's original bytes"
    );
    assert!(r.files("image[]").is_empty());
    assert_eq!(r.field("prompt").as_deref(), Some(EDIT_PROMPT));
    assert_eq!(r.field("model").as_ref().map(|m| json!(m)), Some(model));
    assert_eq!(r.field("quality").as_deref(), Some("high"));
    assert_eq!(r.field("input_fidelity").as_deref(), Some("high"));
    assert_eq!(r.field("n").as_deref(), Some("1"));
    let masks = r.files("mask");
    assert_eq!(masks.len(), 1, "one mask");
    assert_eq!(
        image::guess_format(&masks[0].bytes).unwrap(),
        image::ImageFormat::Png
    );
    let mask = image::load_from_memory(&masks[0].bytes).unwrap().to_rgba8();
    assert_eq!(
        mask.dimensions(),
        (1024, 1024),
        "the mask is the image's size"
    );
    let alpha =
        |(fx, fy): (f64, f64)| mask.get_pixel((fx * 1024.0) as u32, (fy * 1024.0) as u32).0[3];
    for &p in &STROKE {
        assert_eq!(alpha(p), 0, "the painted point {p:?} is not transparent");
    }
    // Halfway along each segment too: the stroke is continuous, not dots.
    for w in STROKE.windows(2) {
        let mid = ((w[0].0 + w[1].0) / 2.0, (w[0].1 + w[1].1) / 2.0);
        assert_eq!(alpha(mid), 0, "the stroke has a gap at {mid:?}");
    }
    for p in [
        (0.05, 0.05),
        (0.95, 0.95),
        (0.9, 0.1),
        (0.1, 0.9),
        (0.7, 0.7),
    ] {
        assert_eq!(alpha(p), 255, "the unpainted point {p:?} is not opaque");
    }
    let transparent = mask.pixels().filter(|p| p.0[3] == 0).count();
    assert!(
        transparent > 1000 && transparent < 1024 * 1024 / 4,
        "{transparent} transparent pixels for one stroke"
    );

    // The Library stacks the result under its parent.
    click(&c, "nav-library").await;
    wait_js(
        &c,
        "two images in the Library",
        "return document.querySelectorAll(\"[data-testid='gallery-item']\").length === 2",
        vec![],
    )
    .await;
    gallery_images_loaded(&c).await;
    let badge = wait_js(
        &c,
        "the stack badge on the parent",
        "const b = document.querySelector(\"[data-testid='tile-stack']\");
         return b === null ? '' : b.textContent.trim();",
        vec![],
    )
    .await;
    assert_eq!(badge, json!("1 version"));
    let parent_title = c
        .execute(
            "return document.querySelector(\"[data-testid='gallery-item']:has([data-testid='tile-stack'])\").getAttribute('title')",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        parent_title.as_str().unwrap_or("").contains(PROMPT),
        "the stack badge is not on the parent: {parent_title}"
    );
    shot(&c, "34-library-stack").await;

    // Expand the stack: select the parent, show its versions, open the one there is.
    c.find(Locator::Css(
        "[data-testid='gallery-item']:has([data-testid='tile-stack'])",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let expand = text_of(&c, "stack-expand").await;
    assert_eq!(expand.trim(), "Show its 1 version");
    click(&c, "stack-expand").await;
    wait_js(
        &c,
        "the expanded stack",
        "const v = [...document.querySelectorAll(\"[data-testid='stack-version']\")];
         return v.length === 1 && v.every(b => { const i = b.querySelector('img');
           return i !== null && i.complete && i.naturalWidth > 0; });",
        vec![],
    )
    .await;
    shot(&c, "35-stack-expanded").await;

    // The result, opened from its stack: its version tree says how it was made, and steps to
    // its parent and back.
    click(&c, "stack-version").await;
    wait_for(&c, "image-view").await;
    showing(&c, EDIT_PROMPT).await;
    let made = text_of(&c, "version-made-by").await;
    assert!(made.starts_with("Edit"), "{made}");
    shot(&c, "36-child-versions").await;
    click(&c, "version-parent").await;
    showing(&c, PROMPT).await;
    wait_for(&c, "version-child").await;
    shot(&c, "37-parent-versions").await;
    click(&c, "version-child").await;
    showing(&c, EDIT_PROMPT).await;
    wait_for(&c, "version-parent").await;
    shot(&c, "38-back-to-child").await;
    c.close().await.unwrap();
    // Gone before the next scenario starts its window, or that launch could reach this
    // instance as the single running one.
    driver.wait_app_exited();
}

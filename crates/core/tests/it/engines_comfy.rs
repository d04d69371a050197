//! The ComfyUI client against the stand-in: checkpoints from object_info, the built-in
//! txt2img workflow, the socket opened before posting with the same client id, preview
//! frames in order, cancelling only our own prompt, imported API-format workflows (JSON and
//! PNG) with their mapping found by node class and corrected, a UI-format workflow refused
//! with how to export, an engine that is down, the seed recorded for a re-run, and a socket
//! whose events never arrive (the job still ends, from its history).

use std::collections::BTreeMap;
use std::time::Duration;

use easel_core::endpoints::{Endpoint, EndpointKind};
use easel_core::providers::local::Access;
use easel_core::providers::local::comfyui::{ComfyClient, InputRef, Workflow, workflow};
use easel_core::providers::{ImageProvider, ProviderProgress};
use easel_core::{Error, GenerationParams, GenerationRequest};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::engines_a1111::Events;
use crate::engines_support::comfy::{CHECKPOINTS, Comfy, Config};
use crate::engines_support::http::closed_port_url;

fn client(url: &str, workflows: Vec<Workflow>) -> ComfyClient {
    let ep = Endpoint {
        name: "studio".into(),
        kind: EndpointKind::Comfyui,
        url: url.into(),
        username: None,
        capabilities: None,
        workflows: workflows.clone(),
    };
    ComfyClient::new(Access::new(&ep, None).unwrap(), workflows)
}

fn request(params: GenerationParams) -> GenerationRequest {
    GenerationRequest {
        provider: "studio".into(),
        model: "sd_xl_base_1.0.safetensors".into(),
        prompt: "a red fox in snow".into(),
        params,
    }
}

fn params(steps: u64) -> GenerationParams {
    let mut p = GenerationParams {
        size: Some("832x1216".into()),
        negative_prompt: Some("watermark".into()),
        ..Default::default()
    };
    p.extra.insert("steps".into(), json!(steps));
    p.extra.insert("cfg_scale".into(), json!(5.5));
    p.extra.insert("sampler".into(), json!("dpmpp_2m"));
    p.extra.insert("scheduler".into(), json!("karras"));
    p
}

#[tokio::test]
async fn lists_checkpoints() {
    let s = Comfy::start(Config::default()).await;
    let models = client(&s.url(), vec![])
        .list_models(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(models, CHECKPOINTS);
}

#[tokio::test]
async fn generates_with_the_built_in_workflow_and_shows_previews_in_order() {
    let s = Comfy::start(Config::default()).await;
    let c = client(&s.url(), vec![]);
    let events = Events::default();
    let sink = events.sink();
    let answer = c
        .generate(&request(params(5)), &sink, &CancellationToken::new())
        .await
        .unwrap();
    let st = s.state.lock().unwrap();
    assert!(
        st.posted_without_socket.is_empty(),
        "the prompt was posted before the socket of its client id was open"
    );
    let posted = &st.prompts[0];
    let graph = &posted["prompt"];
    assert_eq!(graph["6"]["inputs"]["text"], "a red fox in snow");
    assert_eq!(graph["7"]["inputs"]["text"], "watermark");
    assert_eq!(
        graph["4"]["inputs"]["ckpt_name"],
        "sd_xl_base_1.0.safetensors"
    );
    assert_eq!(graph["5"]["inputs"]["width"], 832);
    assert_eq!(graph["3"]["inputs"]["steps"], 5);
    assert_eq!(graph["3"]["inputs"]["sampler_name"], "dpmpp_2m");
    let seed = graph["3"]["inputs"]["seed"].as_u64().unwrap();
    drop(st);
    assert_eq!(answer.images.len(), 1);
    assert_eq!(answer.images[0].seed, Some(seed as i64));
    let used = answer.params_used.unwrap();
    assert_eq!(used.seed, Some(seed));
    assert_eq!(used.size.as_deref(), Some("832x1216"));
    assert_eq!(used.extra["steps"], 5);
    assert_eq!(used.extra["cfg_scale"], 5.5);
    assert_eq!(used.extra["scheduler"], "karras");
    assert_eq!(
        answer.checkpoint.unwrap().name,
        "sd_xl_base_1.0.safetensors"
    );
    // Every step came with its preview frame, in order.
    let with_preview: Vec<u32> = events.steps().iter().filter(|s| s.2).map(|s| s.0).collect();
    assert_eq!(with_preview, vec![1, 2, 3, 4, 5]);
    assert!(events.steps().iter().all(|s| s.1 == 5));
    // After the first steps the time left is estimated from the sampler's pace.
    let etas = events
        .all()
        .iter()
        .filter_map(|p| match p {
            ProviderProgress::Rendering { step, eta, .. } if *step >= 3 => Some(eta.is_some()),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert!(!etas.is_empty() && etas.iter().any(|e| *e), "{etas:?}");
}

#[tokio::test]
async fn re_running_the_recorded_parameters_makes_the_same_image() {
    let s = Comfy::start(Config::default()).await;
    let c = client(&s.url(), vec![]);
    let first = c
        .generate(&request(params(3)), &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    let used = first.params_used.clone().unwrap();
    let again = c
        .generate(&request(used.clone()), &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    let st = s.state.lock().unwrap();
    assert_eq!(st.prompts[0]["prompt"], st.prompts[1]["prompt"]);
    assert_eq!(first.images[0].bytes, again.images[0].bytes);
}

#[tokio::test]
async fn says_when_comfyui_sends_no_previews() {
    let s = Comfy::start(Config {
        previews: false,
        ..Config::default()
    })
    .await;
    let events = Events::default();
    let sink = events.sink();
    client(&s.url(), vec![])
        .generate(&request(params(4)), &sink, &CancellationToken::new())
        .await
        .unwrap();
    assert!(events.all().iter().any(
        |p| matches!(p, ProviderProgress::NoPreviews { reason } if reason.contains("--preview-method"))
    ));
}

#[tokio::test]
async fn a_socket_whose_events_never_arrive_still_ends_the_job_from_its_history() {
    let s = Comfy::start(Config {
        silent_socket: true,
        ..Config::default()
    })
    .await;
    let events = Events::default();
    let sink = events.sink();
    let answer = tokio::time::timeout(
        Duration::from_secs(60),
        client(&s.url(), vec![]).generate(&request(params(4)), &sink, &CancellationToken::new()),
    )
    .await
    .expect("the job waited forever on a silent socket")
    .unwrap();
    assert_eq!(answer.images.len(), 1);
    assert!(
        events.steps().is_empty(),
        "no progress came over the socket"
    );
}

#[tokio::test]
async fn a_job_interrupted_by_someone_else_on_a_silent_socket_says_so_from_its_history() {
    let s = Comfy::start(Config {
        silent_socket: true,
        step_time: Duration::from_millis(100),
        ..Config::default()
    })
    .await;
    let url = s.url();
    let state = s.state.clone();
    tokio::spawn(async move {
        // Someone at ComfyUI's own window presses Cancel while our job runs.
        while state.lock().unwrap().prompts.is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        reqwest::Client::new()
            .post(format!("{url}/interrupt"))
            .send()
            .await
            .unwrap();
    });
    let err = tokio::time::timeout(
        Duration::from_secs(60),
        client(&s.url(), vec![]).generate(
            &request(params(30)),
            &Events::default().sink(),
            &CancellationToken::new(),
        ),
    )
    .await
    .expect("the job waited forever on a silent socket")
    .unwrap_err();
    assert!(err.to_string().contains("interrupted"), "{err}");
}

#[tokio::test]
async fn cancelling_interrupts_our_running_prompt() {
    let s = Comfy::start(Config {
        step_time: Duration::from_millis(50),
        ..Config::default()
    })
    .await;
    let c = client(&s.url(), vec![]);
    let cancel = CancellationToken::new();
    let events = Events::default();
    let (stop, ev) = (cancel.clone(), events.clone());
    tokio::spawn(async move {
        while ev.steps().len() < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        stop.cancel();
    });
    let sink = events.sink();
    let err = c
        .generate(&request(params(40)), &sink, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err:?}");
    let st = s.state.lock().unwrap();
    assert_eq!(st.interrupted, vec![Some("prompt-1".to_owned())]);
    assert!(st.deleted.is_empty());
}

#[tokio::test]
async fn cancelling_while_someone_else_runs_removes_only_our_queued_prompt() {
    let s = Comfy::start(Config {
        step_time: Duration::from_millis(30),
        ..Config::default()
    })
    .await;
    s.queue_foreign(100);
    while s.running().is_none() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let c = client(&s.url(), vec![]);
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(250)).await;
        stop.cancel();
    });
    let events = Events::default();
    let sink = events.sink();
    let err = c
        .generate(&request(params(3)), &sink, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err:?}");
    let st = s.state.lock().unwrap();
    assert!(
        st.interrupted.is_empty(),
        "interrupted someone else's prompt: {:?}",
        st.interrupted
    );
    assert_eq!(st.deleted, vec!["prompt-1".to_owned()]);
    assert!(events.steps().is_empty(), "{:?}", events.steps());
}

#[tokio::test]
async fn a_refused_workflow_and_an_engine_that_is_down() {
    let s = Comfy::start(Config::default()).await;
    let c = client(&s.url(), vec![]);
    let mut req = request(params(2));
    req.model = "not-there.safetensors".into();
    let err = c
        .generate(&req, &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "workflow");
    assert!(err.to_string().contains("not-there.safetensors"), "{err}");

    let down = client(&closed_port_url().await, vec![]);
    let err = down
        .generate(&request(params(2)), &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "engine_unreachable");
    assert!(err.to_string().contains("Start ComfyUI"), "{err}");
}

/// An API-format export of a two-pass graph: KSamplerAdvanced whose positive input goes
/// through ConditioningCombine, a PreviewImage beside the SaveImage.
fn imported_graph() -> Value {
    json!({
        "10": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
        "11": {"class_type": "CLIPTextEncode", "inputs": {"text": "base", "clip": ["10", 1]}, "_meta": {"title": "Positive"}},
        "12": {"class_type": "CLIPTextEncode", "inputs": {"text": "style words", "clip": ["10", 1]}, "_meta": {"title": "Style"}},
        "13": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["11", 0], "conditioning_2": ["12", 0]}},
        "14": {"class_type": "CLIPTextEncode", "inputs": {"text": "bad", "clip": ["10", 1]}, "_meta": {"title": "Negative"}},
        "15": {"class_type": "EmptyLatentImage", "inputs": {"width": 640, "height": 640, "batch_size": 1}},
        "20": {"class_type": "KSamplerAdvanced", "inputs": {
            "model": ["10", 0], "add_noise": "enable", "noise_seed": 1, "steps": 25, "cfg": 6.0,
            "sampler_name": "euler", "scheduler": "normal", "positive": ["13", 0], "negative": ["14", 0],
            "latent_image": ["15", 0], "start_at_step": 0, "end_at_step": 10000,
            "return_with_leftover_noise": "disable"}},
        "21": {"class_type": "VAEDecode", "inputs": {"samples": ["20", 0], "vae": ["10", 2]}},
        "22": {"class_type": "PreviewImage", "inputs": {"images": ["21", 0]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "mine", "images": ["21", 0]}}
    })
}

fn png_with_text(chunks: &[(&str, &str)]) -> Vec<u8> {
    let base = crate::engines_support::http::png_for(1, 2, 2);
    // Insert tEXt chunks right after IHDR (8 + 25 bytes).
    let mut out = base[..33].to_vec();
    for (k, v) in chunks {
        let mut data = k.as_bytes().to_vec();
        data.push(0);
        data.extend_from_slice(v.as_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut typed = b"tEXt".to_vec();
        typed.extend_from_slice(&data);
        out.extend_from_slice(&typed);
        out.extend_from_slice(&crc32(&typed).to_be_bytes());
    }
    out.extend_from_slice(&base[33..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn detects_the_mapping_by_node_class() {
    let wf = workflow::import("two-pass", imported_graph().to_string().as_bytes()).unwrap();
    let m = &wf.mapping;
    let r = |n: &str, i: &str| {
        Some(InputRef {
            node: n.into(),
            input: i.into(),
        })
    };
    assert_eq!(
        m.prompt,
        r("11", "text"),
        "followed through ConditioningCombine"
    );
    assert_eq!(m.negative_prompt, r("14", "text"));
    assert_eq!(m.seed, r("20", "noise_seed"));
    assert_eq!(m.steps, r("20", "steps"));
    assert_eq!(m.cfg, r("20", "cfg"));
    assert_eq!(m.width, r("15", "width"));
    assert_eq!(m.checkpoint, r("10", "ckpt_name"));

    // The same workflow inside a PNG ComfyUI saved (its "prompt" chunk).
    let png = png_with_text(&[
        ("prompt", &imported_graph().to_string()),
        ("workflow", "{\"nodes\":[]}"),
    ]);
    let from_png = workflow::import("from-png", &png).unwrap();
    assert_eq!(from_png.mapping, wf.mapping);
}

#[test]
fn the_mapping_can_be_corrected_and_is_checked() {
    let mut wf = workflow::import("two-pass", imported_graph().to_string().as_bytes()).unwrap();
    let mut fix = BTreeMap::new();
    fix.insert(
        "prompt".to_owned(),
        Some(InputRef {
            node: "12".into(),
            input: "text".into(),
        }),
    );
    fix.insert("negative_prompt".to_owned(), None);
    workflow::correct(&mut wf, &fix).unwrap();
    assert_eq!(wf.mapping.prompt.as_ref().unwrap().node, "12");
    assert!(wf.mapping.negative_prompt.is_none());
    for (param, node, input) in [
        ("prompt", "99", "text"),
        ("prompt", "12", "nope"),
        ("prompt", "13", "conditioning_1"),
        ("colour", "12", "text"),
    ] {
        let mut bad = BTreeMap::new();
        bad.insert(
            param.to_owned(),
            Some(InputRef {
                node: node.into(),
                input: input.into(),
            }),
        );
        assert_eq!(
            workflow::correct(&mut wf, &bad).unwrap_err().code(),
            "invalid_input",
            "{param} {node}.{input}"
        );
    }
}

#[test]
fn a_ui_format_workflow_is_refused_with_how_to_export_the_api_format() {
    let ui = json!({"last_node_id": 9, "last_link_id": 9, "nodes": [{"id": 3, "type": "KSampler"}], "links": [], "version": 0.4});
    let err = workflow::import("ui", ui.to_string().as_bytes()).unwrap_err();
    assert_eq!(err.code(), "workflow");
    assert!(err.to_string().contains("Export (API)"), "{err}");
    let png = png_with_text(&[("workflow", &ui.to_string())]);
    let err = workflow::import("ui-png", &png).unwrap_err();
    assert!(err.to_string().contains("API format"), "{err}");
    assert_eq!(
        workflow::import("x", b"not json").unwrap_err().code(),
        "workflow"
    );
    assert_eq!(
        workflow::import("x", br#"{"1": {"inputs": {}}}"#)
            .unwrap_err()
            .code(),
        "workflow"
    );
}

#[tokio::test]
async fn runs_an_imported_workflow_with_its_mapping() {
    let s = Comfy::start(Config::default()).await;
    let wf = workflow::import("two-pass", imported_graph().to_string().as_bytes()).unwrap();
    let c = client(&s.url(), vec![wf]);
    let mut p = params(4);
    p.size = Some("768x768".into());
    p.extra.insert("workflow".into(), json!("two-pass"));
    let mut req = request(p);
    req.model = "v1-5-pruned-emaonly.safetensors".into();
    let answer = c
        .generate(&req, &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    let g = s.state.lock().unwrap().prompts[0]["prompt"].clone();
    assert_eq!(g["11"]["inputs"]["text"], "a red fox in snow");
    assert_eq!(
        g["12"]["inputs"]["text"], "style words",
        "an unmapped node is left alone"
    );
    assert_eq!(g["14"]["inputs"]["text"], "watermark");
    assert_eq!(g["20"]["inputs"]["steps"], 4);
    assert_eq!(g["15"]["inputs"]["width"], 768);
    let seed = g["20"]["inputs"]["noise_seed"].as_u64().unwrap();
    let used = answer.params_used.unwrap();
    assert_eq!(used.seed, Some(seed));
    assert_eq!(used.extra["workflow"], "two-pass");
    // Only the saved image, not the temporary preview.
    assert_eq!(answer.images.len(), 1);
    let mut unknown = request(params(2));
    unknown
        .params
        .extra
        .insert("workflow".into(), json!("missing"));
    let err = c
        .generate(&unknown, &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("two-pass"), "{err}");
}

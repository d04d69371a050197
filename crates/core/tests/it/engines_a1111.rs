//! The AUTOMATIC1111/Forge client against the stand-in WebUI: models from the server,
//! txt2img with every parameter and Easel's seed, previews in order, interrupting only our
//! own job, the loaded checkpoint left alone unless asked, basic auth, an engine that is
//! down, and one started without --api.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use easel_core::endpoints::{Endpoint, EndpointKind};
use easel_core::providers::local::Access;
use easel_core::providers::local::a1111::A1111Client;
use easel_core::providers::{ImageProvider, ProviderProgress};
use easel_core::secrets::ApiKey;
use easel_core::{Error, GenerationParams, GenerationRequest};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::engines_support::a1111::{A1111, Config, MERGE_TITLE, SD15_TITLE, SDXL_TITLE};
use crate::engines_support::http::closed_port_url;

fn endpoint(url: &str, user: Option<&str>) -> Endpoint {
    Endpoint {
        name: "forge".into(),
        kind: EndpointKind::A1111,
        url: url.into(),
        username: user.map(str::to_owned),
        capabilities: None,
        workflows: Vec::new(),
    }
}

pub fn client(url: &str, auth: Option<(&str, &str)>) -> A1111Client {
    let ep = endpoint(url, auth.map(|a| a.0));
    let pw = auth.map(|a| ApiKey::new(a.1).unwrap());
    A1111Client::new(
        Access::new(&ep, pw)
            .unwrap()
            .with_poll_every(Duration::from_millis(15)),
    )
}

pub fn request(model: &str, params: GenerationParams) -> GenerationRequest {
    GenerationRequest {
        provider: "forge".into(),
        model: model.into(),
        prompt: "a lighthouse at dusk, <b>oil</b> \u{1b}[31m".into(),
        params,
    }
}

#[derive(Clone, Default)]
pub struct Events(pub Arc<Mutex<Vec<ProviderProgress>>>);

impl Events {
    pub fn sink(&self) -> impl Fn(ProviderProgress) + Send + Sync + 'static {
        let e = self.0.clone();
        move |p| e.lock().unwrap().push(p)
    }
    pub fn all(&self) -> Vec<ProviderProgress> {
        self.0.lock().unwrap().clone()
    }
    /// (step, total, has preview) of every rendering event.
    pub fn steps(&self) -> Vec<(u32, u32, bool)> {
        self.all()
            .iter()
            .filter_map(|p| match p {
                ProviderProgress::Rendering {
                    step,
                    total,
                    preview,
                    ..
                } => Some((*step, *total, preview.is_some())),
                _ => None,
            })
            .collect()
    }
}

fn params(steps: u64) -> GenerationParams {
    let mut p = GenerationParams {
        size: Some("512x768".into()),
        negative_prompt: Some("blurry".into()),
        ..Default::default()
    };
    p.extra.insert("steps".into(), json!(steps));
    p.extra.insert("cfg_scale".into(), json!(6.5));
    p.extra.insert("sampler".into(), json!("DPM++ 2M"));
    p.extra.insert("scheduler".into(), json!("Karras"));
    p
}

#[tokio::test]
async fn lists_the_servers_checkpoints_loaded_first() {
    let s = A1111::start(Config::default()).await;
    s.state.lock().unwrap().loaded = SDXL_TITLE.into();
    let c = client(&s.url(), None);
    let models = c.list_models(&CancellationToken::new()).await.unwrap();
    assert_eq!(models, vec![SDXL_TITLE, SD15_TITLE, MERGE_TITLE]);
    assert!(
        c.check_credentials(&CancellationToken::new())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn generates_with_easels_seed_and_records_what_the_engine_used() {
    let s = A1111::start(Config::default()).await;
    let c = client(&s.url(), None);
    let events = Events::default();
    let sink = events.sink();
    let answer = c
        .generate(
            &request(SD15_TITLE, params(6)),
            &sink,
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let sent = s.state.lock().unwrap().txt2img_bodies[0].clone();
    let seed = sent["seed"].as_u64().expect("the seed is always sent");
    assert!(seed <= u64::from(u32::MAX));
    assert_eq!(sent["sampler_name"], "DPM++ 2M");
    assert_eq!(sent["scheduler"], "Karras");
    assert_eq!(
        (sent["width"].clone(), sent["height"].clone()),
        (json!(512), json!(768))
    );
    assert_eq!(sent["steps"], 6);
    assert_eq!(sent["negative_prompt"], "blurry");
    assert!(
        sent["force_task_id"]
            .as_str()
            .unwrap()
            .starts_with("easel-")
    );
    // The loaded checkpoint was asked for: the server's settings stay untouched.
    assert!(sent.get("override_settings").is_none(), "{sent}");
    assert_eq!(answer.images.len(), 1);
    assert_eq!(answer.images[0].seed, Some(seed as i64));
    let used = answer.params_used.unwrap();
    assert_eq!(used.seed, Some(seed));
    assert_eq!(used.size.as_deref(), Some("512x768"));
    assert_eq!(used.extra["steps"], 6);
    assert_eq!(used.extra["cfg_scale"], 6.5);
    assert_eq!(used.extra["sampler"], "DPM++ 2M");
    assert_eq!(used.extra["scheduler"], "Karras");
    let ckpt = answer.checkpoint.unwrap();
    assert_eq!(ckpt.name, "v1-5-pruned-emaonly");
    assert_eq!(ckpt.hash.as_deref(), Some("6ce0161689"));
    // Previews arrived in order, while our job ran.
    let steps = events.steps();
    assert!(steps.iter().any(|(_, _, p)| *p), "{steps:?}");
    assert!(steps.windows(2).all(|w| w[0].0 <= w[1].0), "{steps:?}");
    assert!(steps.iter().all(|(_, total, _)| *total == 6), "{steps:?}");
}

#[tokio::test]
async fn the_same_parameters_make_the_same_image() {
    let s = A1111::start(Config::default()).await;
    let c = client(&s.url(), None);
    let first = c
        .generate(
            &request(SD15_TITLE, params(3)),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let used = first.params_used.clone().unwrap();
    let again = c
        .generate(
            &request(SD15_TITLE, used.clone()),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let bodies = s.state.lock().unwrap().txt2img_bodies.clone();
    for k in [
        "seed",
        "steps",
        "cfg_scale",
        "sampler_name",
        "scheduler",
        "width",
        "height",
    ] {
        assert_eq!(bodies[0][k], bodies[1][k], "{k}");
    }
    assert_eq!(first.images[0].bytes, again.images[0].bytes);
    assert_eq!(again.params_used.unwrap(), used);
}

#[tokio::test]
async fn another_checkpoint_only_when_asked_and_then_as_an_override() {
    let s = A1111::start(Config {
        forge: true,
        ..Config::default()
    })
    .await;
    let c = client(&s.url(), None);
    let err = c
        .generate(
            &request(SDXL_TITLE, params(2)),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(err.to_string().contains("switch_checkpoint=true"), "{err}");
    assert!(s.state.lock().unwrap().txt2img_bodies.is_empty());
    let mut p = params(2);
    p.extra.insert("switch_checkpoint".into(), json!(true));
    let answer = c
        .generate(
            &request("sd_xl_base_1.0", p),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let sent = s.state.lock().unwrap().txt2img_bodies[0].clone();
    assert_eq!(sent["override_settings"]["sd_model_checkpoint"], SDXL_TITLE);
    assert_eq!(
        answer.checkpoint.unwrap().hash.as_deref(),
        Some("31e35c80fc")
    );
    let unknown = c
        .generate(
            &request("nope.safetensors", params(2)),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains(MERGE_TITLE), "{unknown}");
}

#[tokio::test]
async fn cancelling_interrupts_our_own_running_job() {
    for forge in [false, true] {
        let s = A1111::start(Config {
            forge,
            step_time: Duration::from_millis(60),
            ..Config::default()
        })
        .await;
        let c = client(&s.url(), None);
        let cancel = CancellationToken::new();
        let events = Events::default();
        let sink = events.sink();
        let stop = cancel.clone();
        let ev = events.clone();
        tokio::spawn(async move {
            // Once our job is seen running, cancel.
            while ev.steps().is_empty() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            stop.cancel();
        });
        let err = c
            .generate(&request(SD15_TITLE, params(40)), &sink, &cancel)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Cancelled), "{err:?}");
        let st = s.state.lock().unwrap();
        assert_eq!(st.interrupts, 1, "forge={forge}");
        assert!(
            st.interrupted_tasks[0]
                .as_deref()
                .is_some_and(|t| t.starts_with("easel-")),
            "forge={forge}: {:?}",
            st.interrupted_tasks
        );
    }
}

#[tokio::test]
async fn someone_elses_job_is_never_interrupted_nor_shown() {
    for forge in [false, true] {
        let s = A1111::start(Config {
            forge,
            step_time: Duration::from_millis(30),
            ..Config::default()
        })
        .await;
        s.run_foreign_job(80);
        while !s.is_busy() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let c = client(&s.url(), None);
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            stop.cancel();
        });
        let events = Events::default();
        let sink = events.sink();
        let err = c
            .generate(&request(SD15_TITLE, params(5)), &sink, &cancel)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Cancelled), "{err:?}");
        assert_eq!(s.state.lock().unwrap().interrupts, 0, "forge={forge}");
        assert!(
            events.steps().is_empty(),
            "forge={forge}: the foreign job's progress was shown as ours: {:?}",
            events.steps()
        );
    }
}

#[tokio::test]
async fn says_when_the_webui_sends_no_previews() {
    let s = A1111::start(Config {
        previews: false,
        step_time: Duration::from_millis(40),
        ..Config::default()
    })
    .await;
    let c = client(&s.url(), None);
    let events = Events::default();
    let sink = events.sink();
    c.generate(
        &request(SD15_TITLE, params(12)),
        &sink,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    let said = events
        .all()
        .iter()
        .any(|p| matches!(p, ProviderProgress::NoPreviews { reason } if reason.contains("Live previews")));
    assert!(said, "{:?}", events.steps());
    assert!(events.steps().iter().all(|(_, _, p)| !p));
}

#[tokio::test]
async fn basic_auth_is_sent_and_a_wrong_password_is_an_auth_error() {
    let s = A1111::start(Config {
        auth: Some(("ana".into(), "s3cret-pass".into())),
        ..Config::default()
    })
    .await;
    let ok = client(&s.url(), Some(("ana", "s3cret-pass")));
    assert_eq!(
        ok.list_models(&CancellationToken::new())
            .await
            .unwrap()
            .len(),
        3
    );
    ok.generate(
        &request(SD15_TITLE, params(2)),
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    let bad = client(&s.url(), Some(("ana", "wrong-pass")));
    let err = bad
        .list_models(&CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "auth");
    assert!(!err.to_string().contains("wrong-pass"));
    assert!(
        err.to_string().contains("EASEL_ENDPOINT_FORGE_PASSWORD"),
        "{err}"
    );
    let none = client(&s.url(), None);
    assert_eq!(
        none.list_models(&CancellationToken::new())
            .await
            .unwrap_err()
            .code(),
        "auth"
    );
}

#[tokio::test]
async fn an_engine_that_is_down_or_without_api_says_what_to_do() {
    let down = client(&closed_port_url().await, None);
    let err = down
        .generate(
            &request(SD15_TITLE, params(2)),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "engine_unreachable");
    assert!(err.to_string().contains("--api"), "{err}");

    let s = A1111::start(Config {
        api: false,
        ..Config::default()
    })
    .await;
    let c = client(&s.url(), None);
    let err = c.list_models(&CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.code(), "engine_api_off");
    assert!(
        err.to_string().contains("--api") && err.to_string().contains("COMMANDLINE_ARGS"),
        "{err}"
    );
}

#[tokio::test]
async fn refuses_what_the_engine_cannot_take_before_sending() {
    let s = A1111::start(Config::default()).await;
    let c = client(&s.url(), None);
    let mut p = params(2);
    p.quality = Some("hd".into());
    let err = c
        .generate(&request(SD15_TITLE, p), &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert_eq!(s.server.count("POST", "/sdapi/v1/txt2img"), 0);
}

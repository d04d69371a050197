//! The OpenAI-compatible client against stand-in LocalAI, stable-diffusion.cpp and a
//! streaming OpenAI-shaped server: only what the endpoint's capability flags allow is
//! sent, base64 is always asked for where the server takes `response_format`, a URL answer
//! is still accepted, streamed partial images arrive as previews in order.

use easel_core::endpoints::{CompatCapabilities, Endpoint, EndpointKind, compat_preset};
use easel_core::providers::ImageProvider;
use easel_core::providers::local::Access;
use easel_core::providers::local::openai_compat::CompatClient;
use easel_core::secrets::ApiKey;
use easel_core::{GenerationParams, GenerationRequest};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::engines_a1111::Events;
use crate::engines_support::compat::{Compat, Flavour};
use crate::engines_support::http::closed_port_url;

fn client(url: &str, caps: CompatCapabilities, key: Option<&str>) -> CompatClient {
    let ep = Endpoint {
        name: "localai".into(),
        kind: EndpointKind::OpenaiCompatible,
        url: url.into(),
        username: None,
        capabilities: Some(caps.clone()),
        workflows: vec![],
    };
    CompatClient::new(
        Access::new(&ep, key.map(|k| ApiKey::new(k).unwrap())).unwrap(),
        caps,
    )
}

fn request(model: &str, params: GenerationParams) -> GenerationRequest {
    GenerationRequest {
        provider: "localai".into(),
        model: model.into(),
        prompt: "a cabin | in the woods".into(),
        params,
    }
}

#[tokio::test]
async fn localai_gets_base64_asked_and_its_extensions_used() {
    let s = Compat::start(Flavour::LocalAi, None).await;
    let c = client(&s.base_url(), compat_preset("localai").unwrap(), None);
    let mut p = GenerationParams {
        size: Some("768x512".into()),
        negative_prompt: Some("people".into()),
        n: Some(2),
        ..Default::default()
    };
    p.extra.insert("steps".into(), json!(25));
    let answer = c
        .generate(
            &request("stablediffusion", p),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let sent = s.bodies.lock().unwrap()[0].clone();
    assert_eq!(sent["response_format"], "b64_json");
    assert_eq!(sent["step"], 25);
    assert_eq!(sent["size"], "768x512");
    // The user's own '|' cannot move text into the negative prompt.
    assert_eq!(sent["prompt"], "a cabin   in the woods|people");
    assert_eq!(answer.images.len(), 2);
    assert_eq!(
        c.list_models(&CancellationToken::new()).await.unwrap(),
        vec!["stablediffusion", "flux.1-schnell-gguf"]
    );
}

#[tokio::test]
async fn a_url_answer_is_fetched_at_once() {
    let s = Compat::start(Flavour::LocalAi, None).await;
    // A server that does not take response_format answers with its default, a URL.
    let caps = CompatCapabilities {
        response_format: false,
        ..compat_preset("localai").unwrap()
    };
    let c = client(&s.base_url(), caps, None);
    let events = Events::default();
    let sink = events.sink();
    let answer = c
        .generate(
            &request("stablediffusion", GenerationParams::default()),
            &sink,
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert!(s.bodies.lock().unwrap()[0].get("response_format").is_none());
    assert!(answer.images[0].bytes.starts_with(b"\x89PNG"));
    assert!(
        s.server
            .requests()
            .iter()
            .any(|r| r.path.starts_with("/generated-images/"))
    );
}

#[tokio::test]
async fn sd_cpp_gets_only_the_fields_it_takes() {
    let s = Compat::start(Flavour::SdCpp, None).await;
    let c = client(&s.base_url(), compat_preset("sd-cpp").unwrap(), None);
    let p = GenerationParams {
        size: Some("512x512".into()),
        ..Default::default()
    };
    let answer = c
        .generate(
            &request("sd-cpp-local", p),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(answer.images.len(), 1);
    let mut steps = GenerationParams::default();
    steps.extra.insert("steps".into(), json!(20));
    let err = c
        .generate(
            &request("sd-cpp-local", steps),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    let neg = GenerationParams {
        negative_prompt: Some("x".into()),
        ..Default::default()
    };
    assert_eq!(
        c.generate(
            &request("sd-cpp-local", neg),
            &|_| {},
            &CancellationToken::new()
        )
        .await
        .unwrap_err()
        .code(),
        "invalid_input"
    );
    assert_eq!(
        s.bodies.lock().unwrap().len(),
        1,
        "refused requests were sent"
    );
}

#[tokio::test]
async fn streamed_partial_images_arrive_as_previews_in_order() {
    let s = Compat::start(Flavour::Streaming, Some("sk-local-123456")).await;
    let caps = compat_preset("openai-streaming").unwrap();
    assert_eq!(caps.partial_images, 2);
    let c = client(&s.base_url(), caps, Some("sk-local-123456"));
    let events = Events::default();
    let sink = events.sink();
    let answer = c
        .generate(
            &request("gpt-image-1.5", GenerationParams::default()),
            &sink,
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(events.steps(), vec![(1, 2, true), (2, 2, true)]);
    assert_eq!(answer.images.len(), 1);
    let sent = s.bodies.lock().unwrap()[0].clone();
    assert_eq!(
        (sent["stream"].clone(), sent["partial_images"].clone()),
        (json!(true), json!(2))
    );
}

#[tokio::test]
async fn a_wrong_key_and_a_server_that_is_down() {
    let s = Compat::start(Flavour::LocalAi, Some("right-key-123")).await;
    let c = client(
        &s.base_url(),
        compat_preset("localai").unwrap(),
        Some("wrong-key-123"),
    );
    let err = c.list_models(&CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.code(), "auth");
    assert!(!err.to_string().contains("wrong-key-123"));
    let down = client(
        &format!("{}/v1", closed_port_url().await),
        CompatCapabilities::default(),
        None,
    );
    let err = down
        .generate(
            &request("m", GenerationParams::default()),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "engine_unreachable");
    assert!(err.to_string().contains("/v1"), "{err}");
}

//! The contract validator itself: it must accept what the API documents and reject what
//! it does not, or every other contract test proves nothing.
#![allow(clippy::unwrap_used)]

use crate::support;

use serde_json::json;
use support::contract::contract;
use support::stand_in::{GENERATIONS, Reply, StandIn};

#[test]
fn accepts_the_contracts_own_examples() {
    let c = contract();
    c.assert_valid("CreateImageRequest", &json!({"model": "gpt-image-1.5", "prompt": "A cute baby sea otter", "n": 1, "size": "1024x1024"}));
    c.assert_valid("CreateImageRequest", &json!({"model": "gpt-image-2", "prompt": "x", "size": "1536x864", "quality": "high", "background": "transparent", "output_format": "webp", "output_compression": 80, "moderation": "low", "user": "user-1234"}));
    c.assert_valid("CreateImageRequest", &json!({"model": "dall-e-3", "prompt": "x", "style": "natural", "quality": "hd", "response_format": "url"}));
    // nullable members accept null once `nullable: true` has been translated.
    c.assert_valid(
        "CreateImageRequest",
        &json!({"prompt": "x", "n": null, "model": null, "size": null, "quality": null}),
    );
    c.assert_valid("ImagesResponse", &json!({
        "created": 1713833628,
        "data": [{"b64_json": "..."}],
        "background": "transparent", "output_format": "png", "size": "1024x1024", "quality": "high",
        "usage": {"total_tokens": 100, "input_tokens": 50, "output_tokens": 50,
                  "input_tokens_details": {"text_tokens": 10, "image_tokens": 40}}
    }));
    c.assert_valid("ImagesResponse", &json!({"created": 1589478378, "data": [{"url": "https://example.com/a.png", "revised_prompt": "r"}]}));
    c.assert_valid("ErrorResponse", &json!({"error": {"message": "m", "type": "invalid_request_error", "param": null, "code": null}}));
    c.assert_valid("ListModelsResponse", &json!({"object": "list", "data": [
        {"id": "model-id-0", "object": "model", "created": 1686935002, "owned_by": "organization-owner", "shutdown_date": null},
        {"id": "model-id-2", "object": "model", "created": 1686935002, "owned_by": "openai", "shutdown_date": "2026-10-23"}
    ]}));
}

#[test]
fn rejects_documents_the_contract_forbids() {
    let c = contract();
    let bad_requests = [
        json!({"model": "gpt-image-1", "prompt": "x", "n": 11}),
        json!({"model": "gpt-image-1", "prompt": "x", "n": 0}),
        json!({"model": "gpt-image-1", "prompt": "x", "quality": "ultra"}),
        json!({"model": "dall-e-3", "prompt": "x", "style": "noir"}),
        json!({"model": "gpt-image-1", "prompt": "x", "output_format": "gif"}),
        json!({"model": "gpt-image-1", "prompt": "x", "background": "green"}),
        json!({"model": "gpt-image-1", "prompt": 5}),
        json!({"model": "gpt-image-1"}),
    ];
    for doc in bad_requests {
        assert!(
            !c.violations("CreateImageRequest", &doc).is_empty(),
            "accepted {doc}"
        );
    }
    let bad_errors = [
        json!({"error": {"type": "invalid_request_error", "param": null, "code": null}}), // no message
        json!({"error": {"message": "m", "type": "t", "param": null}}),                   // no code
        json!({"message": "m"}),
    ];
    for doc in bad_errors {
        assert!(
            !c.violations("ErrorResponse", &doc).is_empty(),
            "accepted {doc}"
        );
    }
    for doc in [
        json!({"data": [{"b64_json": "x"}]}), // no created
        json!({"created": "yesterday", "data": []}),
        json!({"created": 1, "data": [{"url": "not a uri"}]}),
        json!({"created": 1, "data": [], "size": "1792x1024"}),
    ] {
        assert!(
            !c.violations("ImagesResponse", &doc).is_empty(),
            "accepted {doc}"
        );
    }
    assert!(
        !c.violations("ListModelsResponse", &json!({"object": "list"}))
            .is_empty()
    );
    assert!(
        !c.violations(
            "ListModelsResponse",
            &json!({"object": "list", "data": [{"id": "x"}]})
        )
        .is_empty()
    );
}

#[test]
#[should_panic(expected = "does not follow ImagesResponse")]
fn the_stand_in_refuses_to_answer_off_contract() {
    // No `created`: the stand-in must not be scriptable into this by accident.
    Reply::images(json!({"data": [{"b64_json": "..."}]}));
}

#[tokio::test]
#[should_panic(expected = "does not follow CreateImageRequest")]
async fn recorded_requests_are_checked_against_the_contract() {
    let s = StandIn::start().await;
    s.generations(Reply::error(
        400,
        "invalid_request_error",
        None,
        "n too large",
    ));
    // Bypass the client (which would refuse n=11 locally) to prove the stand-in checks.
    let resp = reqwest::Client::new()
        .post(s.url(GENERATIONS))
        .json(&json!({"model": "gpt-image-1", "prompt": "x", "n": 11}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    s.requests();
}

/// Every value the catalogue offers must be one the contract allows, or the UI would offer
/// choices the API refuses.
#[test]
fn catalogue_offers_only_what_the_contract_allows() {
    let c = contract();
    let openai = easel_core::catalog::provider("openai").unwrap();
    for m in &openai.models {
        let base = || json!({"model": m.id, "prompt": "x"});
        c.assert_valid("CreateImageRequest", &base());
        let with = |key: &str, v: serde_json::Value| {
            let mut doc = base();
            doc[key] = v;
            c.assert_valid("CreateImageRequest", &doc);
        };
        with("n", json!(m.n.min));
        with("n", json!(m.n.max));
        for v in &m.sizes {
            with("size", json!(v));
        }
        for (key, values) in [
            ("quality", &m.qualities),
            ("style", &m.styles),
            ("background", &m.backgrounds),
            ("output_format", &m.output_formats),
            ("moderation", &m.moderations),
            ("response_format", &m.response_formats),
        ] {
            for v in values {
                with(key, json!(v));
            }
        }
    }
    // The contract's list of model names and the catalogue agree.
    let contract_text =
        std::fs::read_to_string(support::contract::contracts_dir().join("openai-images.yaml"))
            .unwrap();
    for m in &openai.models {
        assert!(
            contract_text.contains(&format!("- {}\n", m.id)),
            "{} is not in the contract's model list",
            m.id
        );
    }
}

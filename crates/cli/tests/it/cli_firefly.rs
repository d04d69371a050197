//! `easel-cli` with Adobe Firefly: credentials and URLs from the environment, a stand-in
//! held to `adobe-firefly.yaml`, and a library in a temporary folder.
#![allow(clippy::unwrap_used)]

use crate::firefly_support;

use std::path::Path;
use std::process::Output;

use firefly_support::{CLIENT_ID, CLIENT_SECRET, Firefly, GENERATE, TOKEN_PATH, file, png};
use serde_json::{Value, json};

async fn cli(data: &Path, s: &Firefly, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_easel-cli"));
    cmd.args(args)
        .env("EASEL_DATA_DIR", data)
        .env("EASEL_KEY_STORE", "file")
        .env("FIREFLY_SERVICES_CLIENT_ID", CLIENT_ID)
        .env("FIREFLY_SERVICES_CLIENT_SECRET", CLIENT_SECRET)
        .env("FIREFLY_BASE_URL", s.base_url())
        .env("FIREFLY_IMS_URL", s.ims_url())
        .env_remove("EASEL_CONFIG_DIR");
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[tokio::test]
async fn generate_with_firefly_flags_and_list_its_models() {
    let dir = tempfile::tempdir().unwrap();
    let s = Firefly::start().await;
    s.token("tok-cli-000000001", 86_399);
    s.accept("job-cli");
    s.succeeded(
        "job-cli",
        &[("a.png", 5, file(png(1))), ("b.png", 6, file(png(2)))],
    );

    let out = cli(
        dir.path(),
        &s,
        &[
            "generate",
            "--json",
            "--provider",
            "firefly",
            "--model",
            "image3",
            "--size",
            "1344x768",
            "--n",
            "2",
            "--seed",
            "5",
            "--style",
            "neon",
            "--negative",
            "text",
            "--param",
            "content_class=art",
            "a neon heron",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer = stdout_json(&out);
    let images = answer["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    for (img, shade) in images.iter().zip([1, 2]) {
        assert_eq!(
            std::fs::read(img["path"].as_str().unwrap()).unwrap(),
            png(shade)
        );
    }
    let post = s
        .requests()
        .into_iter()
        .find(|r| r.path == GENERATE)
        .unwrap();
    assert_eq!(
        post.json(),
        json!({
            "prompt": "a neon heron", "negativePrompt": "text", "numVariations": 2,
            "size": {"width": 1344, "height": 768}, "contentClass": "art",
            "style": {"presets": ["neon"]}, "seeds": [5, 6],
        })
    );
    assert_eq!(s.count(TOKEN_PATH), 1);

    // A size image4 does not take is refused locally, with the usual error JSON.
    let out = cli(
        dir.path(),
        &s,
        &[
            "generate",
            "--json",
            "--provider",
            "firefly",
            "--model",
            "image4_ultra",
            "--size",
            "1344x768",
            "x",
        ],
    )
    .await;
    assert!(!out.status.success());
    assert_eq!(stdout_json(&out)["error"]["code"], "invalid_input");
    assert_eq!(s.count(GENERATE), 1);

    let out = cli(
        dir.path(),
        &s,
        &["models", "--json", "--provider", "firefly"],
    )
    .await;
    let models = stdout_json(&out);
    let ids: Vec<&str> = models["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["image4_standard", "image4_ultra", "image3"]);
    assert!(
        models["models"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["available"] == true)
    );
}

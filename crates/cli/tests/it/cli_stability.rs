//! `easel-cli generate --provider stability ...` and `models --provider stability` as a
//! script runs them: a real process against the Stability stand-in (which checks every
//! request against `stability-v2beta.json`), with a library in a temporary folder.
#![allow(clippy::unwrap_used)]

use crate::stability_support;

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use sha2::{Digest, Sha256};
use stability_support::{Reply, SD3, StandIn, image_bytes};

const KEY: &str = "sk-stability-cli-0123456789";

async fn cli(data: &Path, base_url: &str, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_easel-cli"));
    cmd.args(args)
        .env("EASEL_DATA_DIR", data)
        .env("EASEL_KEY_STORE", "file")
        .env("STABILITY_API_KEY", KEY)
        .env("STABILITY_BASE_URL", base_url)
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
async fn generate_with_stability_flags_and_list_its_models() {
    let dir = tempfile::tempdir().unwrap();
    let s = StandIn::start().await;
    let png = image_bytes("png", 42);
    s.script(
        SD3,
        Reply::image(png.clone(), "png", "SUCCESS", "42", "req-cli-stability"),
    );
    let out = cli(
        dir.path(),
        &s.base_url(),
        &[
            "generate",
            "--provider",
            "stability",
            "--model",
            "sd3.5-large",
            "--aspect-ratio",
            "16:9",
            "--negative",
            "people, text",
            "--seed",
            "42",
            "--style",
            "photographic",
            "--param",
            "cfg_scale=5",
            "--json",
            "a lighthouse at dusk",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer = stdout_json(&out);
    let image = &answer["images"][0];
    assert_eq!(
        image["sha256"].as_str().unwrap(),
        hex::encode(Sha256::digest(&png))
    );
    let fields = s.requests()[0].fields();
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("model"), Some("sd3.5-large"));
    assert_eq!(get("aspect_ratio"), Some("16:9"));
    assert_eq!(get("negative_prompt"), Some("people, text"));
    assert_eq!(get("seed"), Some("42"));
    assert_eq!(get("style_preset"), Some("photographic"));
    assert_eq!(get("cfg_scale"), Some("5"));
    assert_eq!(get("prompt"), Some("a lighthouse at dusk"));

    let shown = stdout_json(
        &cli(
            dir.path(),
            &s.base_url(),
            &["show", "--json", image["id"].as_str().unwrap()],
        )
        .await,
    );
    assert_eq!(shown["seed"], 42, "{shown:#}");

    // A bad aspect ratio is refused before anything is sent.
    let out = cli(
        dir.path(),
        &s.base_url(),
        &[
            "generate",
            "--provider",
            "stability",
            "--model",
            "sd3.5-large",
            "--aspect-ratio",
            "7:3",
            "--json",
            "x",
        ],
    )
    .await;
    assert!(!out.status.success());
    assert_eq!(stdout_json(&out)["error"]["code"], "invalid_input");

    let models = stdout_json(
        &cli(
            dir.path(),
            &s.base_url(),
            &["models", "--provider", "stability", "--json"],
        )
        .await,
    );
    let ids: Vec<&str> = models["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"sd3.5-flash") && ids.contains(&"stable-image-ultra"));
    assert!(
        models["models"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["available"] == true)
    );
    assert_eq!(s.count(), 1, "models and the refused request sent nothing");
}

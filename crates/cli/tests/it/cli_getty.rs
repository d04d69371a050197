//! `easel-cli` with Getty Images: generate a preview, see it in `show`, list the sizes
//! (`license` without --size fails with the list), license it, against the contract stand-in.
#![allow(clippy::unwrap_used)]

use crate::support;

use crate::getty_support;

use std::path::Path;
use std::process::Output;

use getty_support::{
    GENERATE, GettyStandIn, KEY, Reply, SECRET, download_path, poll_path, sizes_path,
};
use serde_json::{Value, json};

async fn cli(data: &Path, s: &GettyStandIn, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_easel-cli"));
    cmd.args(args)
        .env("EASEL_DATA_DIR", data)
        .env("EASEL_KEY_STORE", "file")
        .env("GETTY_API_KEY", KEY)
        .env("GETTY_API_SECRET", SECRET)
        .env("GETTY_BASE_URL", s.base_url())
        .env("GETTY_AUTH_URL", s.auth_url())
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
async fn generate_a_preview_and_license_it() {
    let data = tempfile::tempdir().unwrap();
    let s = GettyStandIn::start().await;

    let out = cli(
        data.path(),
        &s,
        &["models", "--provider", "getty", "--json"],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_json(&out)["models"][0]["id"], "generative-ai");

    s.on("POST", GENERATE, Reply::pending("gen-cli"));
    let done = s.finished("gen-cli", 77, &[(0, Some(support::png_bytes()))]);
    s.on("GET", &poll_path("gen-cli"), done);
    let out = cli(
        data.path(),
        &s,
        &[
            "generate",
            "--provider",
            "getty",
            "--aspect-ratio",
            "4:3",
            "--param",
            "mood=vivid",
            "--json",
            "a red kite",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let preview = stdout_json(&out)["images"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let out = cli(data.path(), &s, &["show", &preview, "--json"]).await;
    let shown = stdout_json(&out);
    assert_eq!(shown["license_status"], "preview");
    assert_eq!(shown["license"]["status"], "preview");
    assert_eq!(shown["asset_id"], "gen-cli/0");
    assert_eq!(shown["seed"], 77);
    assert_eq!(shown["filtered"], false);

    s.on(
        "GET",
        &sizes_path("gen-cli", 0),
        Reply::json(
            200,
            json!({"download_sizes": [{"size_name": "1k", "width": 1024, "height": 768}, {"size_name": "4k", "width": 4096, "height": 3072}]}),
        ),
    );
    let out = cli(data.path(), &s, &["license", &preview, "--json"]).await;
    assert_eq!(out.status.code(), Some(2));
    let asked = stdout_json(&out);
    assert_eq!(asked["download_sizes"][1]["name"], "4k");
    assert_eq!(asked["error"]["code"], "invalid_input");
    assert_eq!(s.count("PUT", &download_path("gen-cli", 0)), 0);

    s.on("PUT", &download_path("gen-cli", 0), Reply::empty(202));
    let url = s.file("full.png", Reply::file(support::png_bytes()));
    s.on(
        "GET",
        &download_path("gen-cli", 0),
        Reply::json(200, json!({"url": url, "generated_asset_id": "ga-cli"})),
    );
    let out = cli(
        data.path(),
        &s,
        &["license", &preview, "--size", "4k", "--json"],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let licensed = stdout_json(&out);
    assert_eq!(licensed["license_status"], "licensed");
    assert_eq!(licensed["licensed_from"], preview.as_str());
    assert_eq!(licensed["license"]["transaction"]["size_name"], "4k");
    assert_eq!(licensed["license"]["status"], "licensed");
    assert_eq!(licensed["asset_id"], "ga-cli");
    assert!(Path::new(licensed["path"].as_str().unwrap()).is_file());
    assert_eq!(s.count("PUT", &download_path("gen-cli", 0)), 1);
}

//! `easel-cli endpoint ...`, then `generate`, `models` and `rerun` with `--provider NAME`,
//! as a script runs them: real processes against the stand-in engines.

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use serde_json::Value;

use crate::engines_support::a1111::{self, A1111, SD15_TITLE};
use crate::engines_support::comfy::{self, Comfy};
use crate::engines_support::http::closed_port_url;

async fn cli(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_easel-cli"));
    cmd.args(args)
        .env("EASEL_DATA_DIR", data)
        .env("EASEL_KEY_STORE", "file")
        .env_remove("EASEL_CONFIG_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let input = stdin.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        if let Some(text) = input {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn ok(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_of(out)
}

#[tokio::test]
async fn an_a1111_endpoint_from_add_to_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let s = A1111::start(a1111::Config {
        auth: Some(("ana".into(), "pw-CLI-4242".into())),
        ..a1111::Config::default()
    })
    .await;
    let url = s.url();
    let added = ok(&cli(
        dir.path(),
        &[
            "endpoint",
            "add",
            "forge",
            "--kind",
            "a1111",
            "--url",
            &url,
            "--username",
            "ana",
            "--password-stdin",
            "--json",
        ],
        Some("pw-CLI-4242\n"),
    )
    .await);
    assert_eq!(added["endpoint"]["kind"], "a1111");
    let list = ok(&cli(dir.path(), &["endpoint", "list", "--json"], None).await);
    assert_eq!(list["endpoints"][0]["name"], "forge");
    assert_eq!(list["endpoints"][0]["password_set"], true);
    assert!(!list.to_string().contains("pw-CLI-4242"));
    let test = ok(&cli(dir.path(), &["endpoint", "test", "forge", "--json"], None).await);
    assert_eq!(test["models"][0], SD15_TITLE);
    let models = ok(&cli(
        dir.path(),
        &["models", "--provider", "forge", "--json"],
        None,
    )
    .await);
    assert_eq!(models["models"].as_array().unwrap().len(), 3);

    let made = ok(&cli(
        dir.path(),
        &[
            "generate",
            "--provider",
            "forge",
            "--negative",
            "fog",
            "--size",
            "512x512",
            "--param",
            "steps=3",
            "--param",
            "sampler=Euler a",
            "--json",
            "a pier",
        ],
        None,
    )
    .await);
    let gid = made["generation_id"].as_str().unwrap().to_owned();
    let sha = made["images"][0]["sha256"].as_str().unwrap().to_owned();
    let shown = ok(&cli(
        dir.path(),
        &["show", made["images"][0]["id"].as_str().unwrap(), "--json"],
        None,
    )
    .await);
    assert_eq!(shown["license"]["id"], "creativeml-openrail-m");

    let again = ok(&cli(dir.path(), &["rerun", &gid, "--json"], None).await);
    assert_eq!(
        again["images"][0]["sha256"],
        sha.as_str(),
        "re-run made another image"
    );
    let bodies = s.state.lock().unwrap().txt2img_bodies.clone();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["seed"], bodies[1]["seed"]);

    ok(&cli(dir.path(), &["endpoint", "remove", "forge", "--json"], None).await);
    let gone = cli(
        dir.path(),
        &[
            "generate",
            "--provider",
            "forge",
            "--model",
            "x",
            "--json",
            "p",
        ],
        None,
    )
    .await;
    assert!(!gone.status.success());
}

#[tokio::test]
async fn a_comfyui_endpoint_with_an_imported_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let s = Comfy::start(comfy::Config::default()).await;
    let url = s.url();
    ok(&cli(
        dir.path(),
        &[
            "endpoint", "add", "studio", "--kind", "comfyui", "--url", &url, "--json",
        ],
        None,
    )
    .await);

    let ui = dir.path().join("ui-workflow.json");
    std::fs::write(
        &ui,
        r#"{"last_node_id": 9, "nodes": [{"id": 3, "type": "KSampler"}], "links": []}"#,
    )
    .unwrap();
    let refused = cli(
        dir.path(),
        &[
            "endpoint",
            "workflow",
            "studio",
            "ui",
            "--file",
            ui.to_str().unwrap(),
            "--json",
        ],
        None,
    )
    .await;
    assert!(!refused.status.success());
    let err = json_of(&refused);
    assert_eq!(err["error"]["code"], "workflow");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Export (API)")
    );

    let api = dir.path().join("api.json");
    std::fs::write(
        &api,
        include_str!("../../../core/data/engines/comfyui-txt2img.json"),
    )
    .unwrap();
    let imported = ok(&cli(
        dir.path(),
        &[
            "endpoint",
            "workflow",
            "studio",
            "mine",
            "--file",
            api.to_str().unwrap(),
            "--json",
        ],
        None,
    )
    .await);
    assert_eq!(imported["mapping"]["prompt"]["node"], "6");
    let corrected = ok(&cli(
        dir.path(),
        &[
            "endpoint",
            "workflow",
            "studio",
            "mine",
            "--map",
            "negative_prompt=none",
            "--json",
        ],
        None,
    )
    .await);
    assert!(corrected["mapping"]["negative_prompt"].is_null());
    // The human view names nodes by class, escape sequences made harmless.
    let shown = cli(
        dir.path(),
        &["endpoint", "workflow", "studio", "mine"],
        None,
    )
    .await;
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("CLIPTextEncode") && !text.contains('\u{1b}'),
        "{text}"
    );

    let made = ok(&cli(
        dir.path(),
        &[
            "generate",
            "--provider",
            "studio",
            "--model",
            "flux1-dev-fp8.safetensors",
            "--param",
            "workflow=mine",
            "--param",
            "steps=2",
            "--json",
            "a kite",
        ],
        None,
    )
    .await);
    let shown = ok(&cli(
        dir.path(),
        &["show", made["images"][0]["id"].as_str().unwrap(), "--json"],
        None,
    )
    .await);
    assert_eq!(shown["license"]["id"], "flux1-dev-non-commercial");
    let models = ok(&cli(
        dir.path(),
        &["models", "--provider", "studio", "--json"],
        None,
    )
    .await);
    assert_eq!(models["models"][0], comfy::CHECKPOINTS[0]);
}

#[tokio::test]
async fn an_engine_that_is_down_is_named_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let url = closed_port_url().await;
    ok(&cli(
        dir.path(),
        &[
            "endpoint", "add", "dead", "--kind", "a1111", "--url", &url, "--json",
        ],
        None,
    )
    .await);
    let out = cli(
        dir.path(),
        &[
            "generate",
            "--provider",
            "dead",
            "--model",
            "x",
            "--json",
            "p",
        ],
        None,
    )
    .await;
    assert!(!out.status.success());
    let err = json_of(&out);
    assert_eq!(err["error"]["code"], "engine_unreachable");
    assert!(err["error"]["message"].as_str().unwrap().contains("--api"));
    let bad_kind = cli(
        dir.path(),
        &[
            "endpoint",
            "add",
            "x",
            "--kind",
            "midjourney",
            "--url",
            &url,
            "--json",
        ],
        None,
    )
    .await;
    assert_eq!(json_of(&bad_kind)["error"]["code"], "invalid_input");
}

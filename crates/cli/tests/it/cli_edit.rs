//! `easel-cli edit` and `vary` against the OpenAI stand-in: uploads checked against the
//! contract, results stored with their lineage (`show --json`: parents, operation,
//! versions) and their parents' terms, and local refusals that send nothing.

use crate::support;

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};
use support::b64;
use support::stand_in::{EDITS, GENERATIONS, Reply, StandIn, VARIATIONS};

const KEY: &str = "sk-test-cli-edit-0123456789";

async fn cli(data: &Path, base_url: &str, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_easel-cli"));
    cmd.args(args)
        .env("EASEL_DATA_DIR", data)
        .env("EASEL_KEY_STORE", "file")
        .env("OPENAI_API_KEY", KEY)
        .env("OPENAI_BASE_URL", base_url)
        .env_remove("EASEL_CONFIG_DIR");
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
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

fn png(w: u32, h: u32, seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, seed])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn mask(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, _| {
        image::Rgba([255, 255, 255, if x < w / 2 { 255 } else { 0 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn answer(images: &[Vec<u8>]) -> Reply {
    let data: Vec<Value> = images
        .iter()
        .map(|b| json!({ "b64_json": b64(b) }))
        .collect();
    Reply::images(json!({ "created": 1713833628, "data": data }))
}

#[tokio::test]
async fn edit_and_vary_stack_under_their_parent() {
    let dir = tempfile::tempdir().unwrap();
    let s = StandIn::start().await;
    let base = s.base_url();
    s.generations(answer(&[png(64, 64, 1), png(64, 64, 2)]));
    let out = cli(
        dir.path(),
        &base,
        &[
            "generate",
            "--model",
            "gpt-image-1.5",
            "-n",
            "2",
            "--json",
            "a fox",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let generated = json_of(&out);
    let parent = generated["images"][0]["id"].as_str().unwrap().to_owned();
    let other = generated["images"][1]["id"].as_str().unwrap().to_owned();

    let mask_path = dir.path().join("mask.png");
    std::fs::write(&mask_path, mask(64, 64)).unwrap();
    let outside = dir.path().join("outside.png");
    std::fs::write(&outside, png(16, 16, 7)).unwrap();
    s.script(EDITS, answer(&[png(64, 64, 3)]));
    let out = cli(
        dir.path(),
        &base,
        &[
            "edit",
            &parent,
            "--mask",
            mask_path.to_str().unwrap(),
            "--reference",
            &other,
            "--reference",
            outside.to_str().unwrap(),
            "--param",
            "input_fidelity=high",
            "--json",
            "give it a scarf",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let child = json_of(&out)["images"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent = s.requests(); // the upload is checked against the contract here
    let edit = sent.iter().find(|r| r.path == EDITS).unwrap();
    assert_eq!(edit.files("image[]").len(), 3);
    assert_eq!(edit.field("input_fidelity").unwrap(), "high");
    assert_eq!(edit.field("prompt").unwrap(), "give it a scarf");

    let show = json_of(&cli(dir.path(), &base, &["show", &child, "--json"]).await);
    assert_eq!(show["operation"], json!({"kind": "edit"}));
    let parents = show["parents"].as_array().unwrap();
    assert_eq!(parents.len(), 3);
    assert_eq!(parents[0]["image_id"], parent.as_str());
    assert_eq!(parents[0]["role"], "source");
    assert_eq!(parents[1]["image_id"], other.as_str());
    assert_eq!(parents[2]["image_id"], Value::Null, "a file from outside");
    assert!(show["mask_sha256"].is_string());
    assert_eq!(show["versions"]["parent"], parent.as_str());
    // A file of unknown terms leaves the edit's commercial use unknown, and says why.
    assert_eq!(show["license"]["commercial_use"], "unknown");
    assert_eq!(show["license"]["inherited"]["limited_by"], "file");

    // Variations: GPT Image has none, so DALL·E 2's are used for the image.
    s.script(VARIATIONS, answer(&[png(64, 64, 4), png(64, 64, 5)]));
    let out = cli(dir.path(), &base, &["vary", &parent, "-n", "2", "--json"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_of(&out)["images"].as_array().unwrap().len(), 2);
    let v = s
        .requests()
        .into_iter()
        .find(|r| r.path == VARIATIONS)
        .unwrap();
    assert_eq!(v.field("model").unwrap(), "dall-e-2");
    assert_eq!(v.field("n").unwrap(), "2");

    let show = json_of(&cli(dir.path(), &base, &["show", &parent, "--json"]).await);
    assert_eq!(show["parents"], json!([]));
    assert_eq!(show["operation"], Value::Null);
    assert_eq!(show["versions"]["children"].as_array().unwrap().len(), 3);
    assert_eq!(s.count(GENERATIONS), 1);
}

#[tokio::test]
async fn refused_edits_send_nothing_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let s = StandIn::start().await;
    let base = s.base_url();
    s.generations(answer(&[png(64, 48, 1)]));
    let out = cli(
        dir.path(),
        &base,
        &["generate", "--model", "gpt-image-1.5", "--json", "a fox"],
    )
    .await;
    let id = json_of(&out)["images"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong = dir.path().join("wrong.png");
    std::fs::write(&wrong, mask(32, 32)).unwrap();
    let out = cli(
        dir.path(),
        &base,
        &[
            "edit",
            &id,
            "--mask",
            wrong.to_str().unwrap(),
            "--json",
            "x",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let e = json_of(&out);
    assert_eq!(e["error"]["code"], "invalid_input");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("32x32"),
        "{e}"
    );
    // Not square: DALL·E 2 variations refuse it.
    let out = cli(dir.path(), &base, &["vary", &id, "--json"]).await;
    assert_eq!(json_of(&out)["error"]["code"], "invalid_input");
    let out = cli(dir.path(), &base, &["edit", "no-such-image", "--json", "x"]).await;
    assert_eq!(json_of(&out)["error"]["code"], "not_found");
    assert_eq!(s.count(EDITS) + s.count(VARIATIONS), 0);
}

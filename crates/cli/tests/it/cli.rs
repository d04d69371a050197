//! `easel-cli` as scripts use it: a real process, a stand-in OpenAI server on 127.0.0.1 that
//! follows the published contract, and a library in a temporary folder.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::b64;
use support::stand_in::{GENERATIONS, Reply, StandIn};

const KEY: &str = "sk-test-cli-0123456789";

/// Runs easel-cli with an isolated profile; `base_url` None means no provider is reachable.
async fn cli(data: &Path, base_url: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_easel-cli"));
    cmd.args(args)
        .env("EASEL_DATA_DIR", data)
        .env("EASEL_KEY_STORE", "file")
        .env("OPENAI_API_KEY", KEY)
        // Port 9 (discard) on loopback: nothing listens, so any network use fails fast.
        .env(
            "OPENAI_BASE_URL",
            base_url.unwrap_or("http://127.0.0.1:9/v1"),
        )
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

fn png(w: u32, h: u32, seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, seed])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn images_response(images: &[Vec<u8>]) -> Reply {
    let data: Vec<Value> = images
        .iter()
        .map(|b| json!({ "b64_json": b64(b) }))
        .collect();
    Reply::images(json!({
        "created": 1713833628,
        "data": data,
        "background": "opaque",
        "output_format": "png",
        "size": "1024x1024",
        "quality": "low",
        "usage": { "total_tokens": 100, "input_tokens": 50, "output_tokens": 50,
                   "input_tokens_details": { "text_tokens": 10, "image_tokens": 40 } }
    }))
    .header("x-request-id", "req_cli_123")
}

#[tokio::test]
async fn generate_then_browse_offline() {
    let dir = tempfile::tempdir().unwrap();
    let stand_in = StandIn::start().await;
    let sent = [png(64, 48, 1), png(64, 48, 2)];
    stand_in.generations(images_response(&sent));

    let out = cli(
        dir.path(),
        Some(&stand_in.base_url()),
        &[
            "generate",
            "--model",
            "gpt-image-1",
            "-n",
            "2",
            "--quality",
            "low",
            "--size",
            "1024x1024",
            "--json",
            "A lighthouse <b>at dusk</b>, watercolour",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer = stdout_json(&out);
    let images = answer["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    assert!(answer["generation_id"].is_string());
    for (img, bytes) in images.iter().zip(&sent) {
        let path = img["path"].as_str().unwrap();
        let stored = std::fs::read(path).unwrap();
        assert_eq!(
            &stored, bytes,
            "the original must be the provider's bytes exactly"
        );
        assert_eq!(
            img["sha256"].as_str().unwrap(),
            hex::encode(Sha256::digest(&stored))
        );
        assert_eq!(
            (img["width"].as_u64(), img["height"].as_u64()),
            (Some(64), Some(48))
        );
    }
    // What the client sent follows the contract, and carries what was asked for.
    let requests = stand_in.requests();
    assert_eq!(requests.len(), 1);
    let body = requests[0].json();
    assert_eq!(
        (body["model"].as_str(), body["n"].as_u64()),
        (Some("gpt-image-1"), Some(2))
    );
    assert_eq!(
        requests[0].headers["authorization"],
        format!("Bearer {KEY}")
    );
    drop(stand_in);

    // The network is gone from here on.
    let list = stdout_json(&cli(dir.path(), None, &["list", "--json"]).await);
    assert_eq!(list["images"].as_array().unwrap().len(), 2);
    assert!(list["next"].is_null());
    let first = &list["images"][0];
    for field in ["id", "prompt", "provider", "model", "created_at", "path"] {
        assert!(!first[field].is_null(), "list item lacks {field}: {first}");
    }
    assert_eq!(first["prompt"], "A lighthouse <b>at dusk</b>, watercolour");

    let page1 = stdout_json(&cli(dir.path(), None, &["list", "--json", "--limit", "1"]).await);
    let cursor = page1["next"].as_str().unwrap().to_owned();
    let page2 = stdout_json(
        &cli(
            dir.path(),
            None,
            &["list", "--json", "--limit", "1", "--before", &cursor],
        )
        .await,
    );
    assert_eq!(page2["images"].as_array().unwrap().len(), 1);
    assert_ne!(page1["images"][0]["id"], page2["images"][0]["id"]);
    assert!(page2["next"].is_null());
    // Entered at a position: the second image, newest first and oldest first.
    let at = |args: &'static [&'static str]| {
        let mut all = vec!["list", "--json", "--limit", "1"];
        all.extend_from_slice(args);
        all
    };
    let second = stdout_json(&cli(dir.path(), None, &at(&["--from", "1"])).await);
    assert_eq!(second["images"][0]["id"], page2["images"][0]["id"]);
    let oldest = stdout_json(&cli(dir.path(), None, &at(&["--from", "0", "--oldest"])).await);
    assert_eq!(oldest["images"][0]["id"], page2["images"][0]["id"]);
    let past = cli(dir.path(), None, &at(&["--from", "3"])).await;
    assert!(!past.status.success());
    assert_eq!(stdout_json(&past)["error"]["code"], "not_found", "{past:?}");
    // Words alone are entered at a position too; words with a filter are read from the start.
    let searched = stdout_json(&cli(dir.path(), None, &at(&["lighthouse", "--from", "1"])).await);
    assert_eq!(searched["images"][0]["id"], page2["images"][0]["id"]);
    let filtered = cli(
        dir.path(),
        None,
        &at(&["lighthouse is:favorite", "--from", "1"]),
    )
    .await;
    assert_eq!(stdout_json(&filtered)["error"]["code"], "invalid_input");

    let found = stdout_json(&cli(dir.path(), None, &["search", "--json", "lighthouse"]).await);
    assert_eq!(found["images"].as_array().unwrap().len(), 2);
    let none = stdout_json(&cli(dir.path(), None, &["search", "--json", "submarine"]).await);
    assert!(none["images"].as_array().unwrap().is_empty());

    let id = first["id"].as_str().unwrap();
    let show = stdout_json(&cli(dir.path(), None, &["show", "--json", id]).await);
    assert_eq!(show["params"]["quality"], "low");
    assert_eq!(show["params"]["n"], 2);
    assert_eq!(show["request_id"], "req_cli_123");
    assert_eq!(show["usage"]["total_tokens"], 100);
    assert!(
        show["license"]["terms_url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert!(!show["license"]["commercial_use"].is_null());

    let fav = cli(dir.path(), None, &["favorite", id, "--json"]).await;
    assert!(fav.status.success());
    let favs = stdout_json(&cli(dir.path(), None, &["list", "--json", "--favorites"]).await);
    assert_eq!(favs["images"].as_array().unwrap().len(), 1);

    // Human output is short and says what it shows.
    let human = cli(dir.path(), None, &["show", id]).await;
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("Licence terms"), "{text}");
}

#[tokio::test]
async fn url_answers_are_downloaded_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let stand_in = StandIn::start().await;
    let bytes = png(32, 32, 9);
    let url = stand_in.file("img-1.png", Reply::file(bytes.clone(), "image/png"));
    stand_in.generations(Reply::images(json!({
        "created": 1713833628,
        "data": [{ "url": url, "revised_prompt": "A calm lighthouse at dusk, painted in watercolour." }]
    })));
    let out = cli(
        dir.path(),
        Some(&stand_in.base_url()),
        &["generate", "--model", "dall-e-3", "--json", "lighthouse"],
    )
    .await;
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer = stdout_json(&out);
    assert_eq!(
        std::fs::read(answer["images"][0]["path"].as_str().unwrap()).unwrap(),
        bytes
    );
    let id = answer["images"][0]["id"].as_str().unwrap();
    drop(stand_in);
    let show = stdout_json(&cli(dir.path(), None, &["show", "--json", id]).await);
    assert_eq!(
        show["revised_prompt"],
        "A calm lighthouse at dusk, painted in watercolour."
    );
    // The revised prompt is searchable too.
    let found = stdout_json(&cli(dir.path(), None, &["search", "--json", "calm"]).await);
    assert_eq!(found["images"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn failures_are_typed_json_with_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let stand_in = StandIn::start().await;
    stand_in.generations(Reply::error(
        429,
        "insufficient_quota",
        Some("insufficient_quota"),
        "You exceeded your current quota, please check your plan and billing details.",
    ));
    let out = cli(
        dir.path(),
        Some(&stand_in.base_url()),
        &["generate", "--model", "gpt-image-1", "--json", "otter"],
    )
    .await;
    assert!(!out.status.success());
    let err = stdout_json(&out);
    assert_eq!(err["error"]["code"], "quota_exhausted");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("billing")
    );
    assert_eq!(
        stand_in.count(GENERATIONS),
        1,
        "quota errors are never retried"
    );

    // Refused locally: nothing is sent.
    let out = cli(
        dir.path(),
        Some(&stand_in.base_url()),
        &[
            "generate", "--model", "dall-e-3", "-n", "2", "--json", "otter",
        ],
    )
    .await;
    assert!(!out.status.success());
    assert_eq!(stdout_json(&out)["error"]["code"], "invalid_input");
    assert_eq!(stand_in.count(GENERATIONS), 1);

    // No images were stored by either.
    let list = stdout_json(&cli(dir.path(), None, &["list", "--json"]).await);
    assert!(list["images"].as_array().unwrap().is_empty());

    // Unknown id.
    let out = cli(
        dir.path(),
        None,
        &["show", "--json", "0190b6a2-0000-7000-8000-000000000000"],
    )
    .await;
    assert!(!out.status.success());
    assert_eq!(stdout_json(&out)["error"]["code"], "not_found");

    // No network: a clear network error, not a hang or a panic.
    let out = cli(
        dir.path(),
        None,
        &["generate", "--model", "gpt-image-1", "--json", "otter"],
    )
    .await;
    assert!(!out.status.success());
    assert_eq!(stdout_json(&out)["error"]["code"], "network");
}

#[tokio::test]
async fn without_a_key_generation_asks_for_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::task::spawn_blocking({
        let data = dir.path().to_path_buf();
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_easel-cli"))
                .args(["generate", "--json", "otter"])
                .env("EASEL_DATA_DIR", data)
                .env("EASEL_KEY_STORE", "file")
                .env_remove("OPENAI_API_KEY")
                .env("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(!out.status.success());
    let err = stdout_json(&out);
    assert_eq!(err["error"]["code"], "auth");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("OPENAI_API_KEY")
    );
}

fn exiftool(path: &str) -> Value {
    let out = std::process::Command::new("exiftool")
        .args(["-j", "-G1", "-a", path])
        .output()
        .expect("exiftool is needed (Debian package libimage-exiftool-perl); scripts/setup.sh --test installs it");
    assert!(out.status.success());
    serde_json::from_slice::<Value>(&out.stdout).unwrap()[0].clone()
}

#[tokio::test]
async fn export_writes_sized_files_with_the_licence_inside() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("exports");
    let stand_in = StandIn::start().await;
    stand_in.generations(images_response(&[png(300, 200, 3), png(300, 200, 4)]));
    let out = cli(
        dir.path(),
        Some(&stand_in.base_url()),
        &[
            "generate",
            "--model",
            "gpt-image-1",
            "-n",
            "2",
            "--json",
            "harbour at dawn",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer = stdout_json(&out);
    let id = answer["images"][0]["id"].as_str().unwrap().to_owned();
    drop(stand_in);

    let out_s = out_dir.to_str().unwrap();
    let out = cli(
        dir.path(),
        None,
        &[
            "export",
            &id,
            "--out",
            out_s,
            "--preset",
            "document",
            "--license-note",
            "--with-prompt",
            "--json",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = stdout_json(&out);
    let file = &report["files"][0];
    assert_eq!(
        (file["width"].as_u64(), file["dpi"].as_u64()),
        (Some(1950), Some(300))
    );
    let path = file["path"].as_str().unwrap();
    assert!(std::path::Path::new(&file["license_note"].as_str().unwrap()).exists());
    let meta = exiftool(path);
    assert_eq!(
        meta["XMP-iptcExt:DigitalSourceType"],
        "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    );
    assert!(meta["XMP-xmpMM:DocumentID"].as_str().unwrap().contains(&id));
    assert!(
        meta["XMP-iptcExt:AIPromptInformation"]
            .as_str()
            .unwrap()
            .contains("harbour at dawn")
    );
    assert!(
        meta["XMP-xmpRights:WebStatement"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert_eq!(
        meta["PNG-pHYs:PixelsPerUnitX"].as_f64().map(|v| v.round()),
        Some(11811.0)
    ); // 300 dpi
    let text = serde_json::to_string(&meta).unwrap();
    assert!(
        !text.contains(KEY),
        "the API key must never reach an exported file"
    );

    // A search result as a batch: every match, one licences.csv.
    let out = cli(
        dir.path(),
        None,
        &[
            "export",
            "--search",
            "harbour",
            "--out",
            out_s,
            "--format",
            "jpeg",
            "--long-edge",
            "120",
            "--json",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = stdout_json(&out);
    assert_eq!(report["files"].as_array().unwrap().len(), 2);
    let csv = std::fs::read_to_string(report["licenses_csv"].as_str().unwrap()).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    let meta = exiftool(report["files"][0]["path"].as_str().unwrap());
    assert_eq!(meta["File:ImageWidth"], 120);
    assert!(
        meta.get("XMP-iptcExt:AIPromptInformation").is_none(),
        "prompt only when allowed"
    );

    // Unknown id: a typed error and no file.
    let before = std::fs::read_dir(&out_dir).unwrap().count();
    let out = cli(
        dir.path(),
        None,
        &[
            "export",
            "0190b6a2-0000-7000-8000-000000000000",
            "--out",
            out_s,
            "--json",
        ],
    )
    .await;
    assert!(!out.status.success());
    assert_eq!(stdout_json(&out)["error"]["code"], "not_found");
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), before);
}

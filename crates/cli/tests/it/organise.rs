//! `easel-cli board`, `tag`, `rate`, `note`, `saved`, `duplicates`, and `list`/`search` with
//! the search language, as scripts use them.
#![allow(clippy::unwrap_used)]

use crate::library_support;

use std::path::Path;
use std::process::{Command, Output};

use easel_core::library::Library;
use serde_json::Value;

fn run(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_easel-cli"))
        .args(args)
        .env("EASEL_DATA_DIR", data)
        .env("EASEL_KEY_STORE", "file")
        .env("EASEL_CONFIG_DIR", data.join("config"))
        .env_remove("OPENAI_API_KEY")
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn ok(data: &Path, args: &[&str]) -> Value {
    let out = run(data, args);
    assert!(
        out.status.success(),
        "{args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out)
}

fn seeded(data: &Path, prompts: &[&str]) -> Vec<String> {
    let lib = Library::open(data).unwrap();
    prompts
        .iter()
        .enumerate()
        .map(|(i, p)| library_support::store(&lib, p, &library_support::png(20, 20, i as u32)))
        .collect()
}

fn ids(page: &Value) -> Vec<String> {
    page["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn boards_tags_ratings_and_notes_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let img = seeded(data, &["misty harbour", "red fox", "misty hills"]);

    let board = ok(data, &["board", "create", "Campaign", "--json"]);
    assert_eq!(board["name"], "Campaign");
    let added = ok(
        data,
        &["board", "add", "campaign", &img[0], &img[1], "--json"],
    );
    assert_eq!(added["added"], 2);
    assert_eq!(added["board"]["image_count"], 2);
    let list = ok(data, &["board", "list", "--json"]);
    assert_eq!(list["boards"][0]["image_count"], 2);
    let removed = ok(data, &["board", "remove", "Campaign", &img[1], "--json"]);
    assert_eq!(removed["board"]["image_count"], 1);

    // Every result of a search, at once.
    let tagged = ok(
        data,
        &["tag", "add", "Coast", "--search", "misty", "--json"],
    );
    assert_eq!(tagged["added"], 2);
    let tags = ok(data, &["tag", "list", "co", "--json"]);
    assert_eq!(tags["tags"][0]["name"], "Coast");
    assert_eq!(tags["tags"][0]["count"], 2);
    ok(data, &["tag", "remove", "coast", &img[2], "--json"]);
    let renamed = ok(data, &["tag", "rename", "COAST", "Seaside", "--json"]);
    assert_eq!(renamed["tag"]["name"], "Seaside");

    ok(data, &["rate", &img[0], "5", "--json"]);
    let note = ok(data, &["note", &img[0], "print at A2\u{1b}[31m", "--json"]);
    assert_eq!(note["note"], "print at A2\u{1b}[31m");

    let shown = ok(data, &["show", &img[0], "--json"]);
    assert_eq!(shown["rating"], 5);
    assert_eq!(shown["note"], "print at A2\u{1b}[31m");
    assert_eq!(shown["tags"], serde_json::json!(["Seaside"]));
    assert_eq!(shown["boards"][0]["name"], "Campaign");

    // The human form shows the note with its escape made visible, not acted on.
    let human = run(data, &["show", &img[0]]);
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("Seaside") && text.contains("5/5"), "{text}");

    let found = ok(
        data,
        &["search", "tag:seaside board:campaign rating:>=4", "--json"],
    );
    assert_eq!(ids(&found), [img[0].clone()]);
    assert_eq!(found["count"]["count"], 1);
    // Words alone can be entered at any position; with a filter beside them, they cannot.
    let listed = ok(data, &["list", "misty", "--json"]);
    assert_eq!(ids(&listed), [img[2].clone(), img[0].clone()]);
    assert_eq!(
        listed["count"],
        serde_json::json!({"count": 2, "exact": true, "any_position": true})
    );
    let filtered = ok(data, &["list", "misty rating:>=4", "--json"]);
    assert_eq!(ids(&filtered), [img[0].clone()]);
    assert_eq!(filtered["count"]["any_position"], false);
    let all = ok(data, &["list", "--json"]);
    assert_eq!(all["count"]["count"], 3);
    assert_eq!(all["count"]["any_position"], true);

    let rate_bad = run(data, &["rate", &img[0], "6", "--json"]);
    assert_eq!(rate_bad.status.code(), Some(2));
    assert_eq!(json(&rate_bad)["error"]["code"], "invalid_input");

    ok(data, &["board", "delete", "campaign", "--json"]);
    assert_eq!(
        ok(data, &["list", "--json"])["count"]["count"],
        3,
        "images stay"
    );
    let gone = run(data, &["board", "add", "campaign", &img[0], "--json"]);
    assert_eq!(json(&gone)["error"]["code"], "not_found");
}

#[test]
fn a_bad_search_says_where_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    seeded(dir.path(), &["fox"]);
    let out = run(dir.path(), &["search", "fox colour:red", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let doc = json(&out);
    assert_eq!(doc["error"]["code"], "invalid_input");
    assert_eq!(
        (doc["error"]["start"].as_u64(), doc["error"]["end"].as_u64()),
        (Some(4), Some(14))
    );
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"colour:\" is not a search key"),
        "{doc}"
    );
    let human = run(dir.path(), &["list", "rating:lots"]);
    assert_eq!(human.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&human.stderr).contains("not a number"));
}

#[test]
fn saved_searches_run_by_name_and_stay_live() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let img = seeded(data, &["misty harbour", "misty hills"]);
    ok(
        data,
        &["saved", "save", "Mist", "misty is:favorite", "--json"],
    );
    assert!(ids(&ok(data, &["search", "--saved", "mist", "--json"])).is_empty());
    ok(data, &["favorite", &img[1], "--json"]);
    assert_eq!(
        ids(&ok(data, &["search", "--saved", "MIST", "--json"])),
        [img[1].clone()]
    );
    let list = ok(data, &["saved", "list", "--json"]);
    assert_eq!(list["saved_searches"][0]["query"], "misty is:favorite");
    let bad = run(data, &["saved", "save", "Bad", "is:archived", "--json"]);
    assert_eq!(json(&bad)["error"]["code"], "invalid_input");
    ok(data, &["saved", "delete", "mist", "--json"]);
    let gone = run(data, &["search", "--saved", "mist", "--json"]);
    assert_eq!(json(&gone)["error"]["code"], "not_found");
}

#[test]
fn duplicates_lists_groups_of_look_alikes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (a, b) = {
        let lib = Library::open(data).unwrap();
        let picture = |seed: f64| {
            image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(96, 96, |x, y| {
                let v = 128.0
                    + 90.0 * (f64::from(x) / 9.0 + seed).sin()
                    + 30.0 * (f64::from(y) / 7.0).cos();
                image::Rgb([v.clamp(0.0, 255.0) as u8, 80, 200])
            }))
        };
        let a = library_support::store(
            &lib,
            "a",
            &library_support::encode(&picture(0.0), image::ImageFormat::Png),
        );
        let b = library_support::store(
            &lib,
            "b",
            &library_support::encode(&picture(0.0), image::ImageFormat::Jpeg),
        );
        library_support::store(
            &lib,
            "c",
            &library_support::encode(&picture(2.0), image::ImageFormat::Png),
        );
        (a, b)
    };
    let doc = ok(data, &["duplicates", "--json"]);
    let groups = doc["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{doc}");
    let mut got: Vec<String> = groups[0]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    got.sort();
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(got, expected);
    let formats: Vec<&str> = groups[0]["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats.len(), 2);
    assert!(
        formats.contains(&"png") && formats.contains(&"jpeg"),
        "{doc}"
    );
    // The text lists each image with its size and format, to choose which to keep.
    let out = run(data, &["duplicates"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("{a}  96x96 png")), "{text}");
    assert!(text.contains(&format!("{b}  96x96 jpg")), "{text}");
}

//! `easel-cli import` as scripts and people use it: the summary on stdout (JSON with
//! --json), progress on stderr, the exit code, and hostile metadata shown safely.

use crate::import_support as fx;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn run(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_easel-cli"))
        .args(args)
        .env("EASEL_DATA_DIR", data.join("lib"))
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

#[test]
fn a_folder_imports_with_a_summary_and_reruns_skip_it() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("from-a1111");
    std::fs::create_dir_all(folder.join("sub")).unwrap();
    std::fs::write(folder.join("a.png"), fx::a1111_png(1)).unwrap();
    std::fs::write(folder.join("b.png"), fx::comfy_png(2)).unwrap();
    std::fs::write(folder.join("bad.png"), b"not a png at all").unwrap();
    std::fs::write(folder.join("sub/c.webp"), fx::xmp_webp(3)).unwrap();
    let folder_arg = folder.to_str().unwrap();

    let out = run(dir.path(), &["import", folder_arg, "--recursive", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out);
    assert_eq!(doc["counts"]["imported"], 3, "{doc:#}");
    assert_eq!(doc["counts"]["unreadable"], 1);
    assert_eq!(doc["unreadable"][0]["code"], "not_an_image");
    // Progress went to stderr.
    assert!(String::from_utf8_lossy(&out.stderr).contains("4/4 files"));

    let again = run(dir.path(), &["import", folder_arg, "-r", "--json"]);
    assert!(again.status.success());
    let doc = json(&again);
    assert_eq!(doc["counts"]["imported"], 0);
    assert_eq!(doc["counts"]["duplicates"], 3);

    // For people: one line per file and a total.
    let people = run(dir.path(), &["import", folder_arg, "-r"]);
    assert!(people.status.success());
    let text = String::from_utf8_lossy(&people.stdout);
    assert!(
        text.contains("Imported 0, skipped 3 duplicates, 1 unreadable"),
        "{text}"
    );
}

#[test]
fn hostile_metadata_is_kept_as_text_and_printed_safely() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.png");
    std::fs::write(&file, fx::a1111_png(4)).unwrap();
    let doc = json(&run(
        dir.path(),
        &["import", file.to_str().unwrap(), "--json"],
    ));
    let id = doc["imported"][0]["image_id"].as_str().unwrap().to_owned();

    let shown = json(&run(dir.path(), &["show", &id, "--json"]));
    assert_eq!(shown["prompt"], fx::A1111_PROMPT);
    assert_eq!(shown["provider"], "a1111");
    assert_eq!(shown["imported"]["tool"], "a1111");
    assert!(
        shown["imported"]["unmapped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["key"] == "Version")
    );

    let people = run(dir.path(), &["show", &id]);
    assert!(people.status.success());
    let text = String::from_utf8(people.stdout).unwrap();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(
        text.contains("<b>oil</b>"),
        "markup is shown as text: {text}"
    );
    assert!(text.contains("\\u{1b}]0;pwned"), "{text}");
}

#[test]
fn nothing_importable_is_a_failure_and_duplicates_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.jpg");
    std::fs::write(&junk, b"\xff\xd8\xff garbage").unwrap();
    let out = run(dir.path(), &["import", junk.to_str().unwrap(), "--json"]);
    assert!(!out.status.success());
    let doc = json(&out);
    assert_eq!(doc["counts"]["imported"], 0);
    assert_eq!(doc["unreadable"][0]["path"], junk.to_str().unwrap());

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = run(dir.path(), &["import", empty.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing_imported"));

    let good = dir.path().join("good.png");
    std::fs::write(&good, fx::plain_png(5)).unwrap();
    assert!(
        run(dir.path(), &["import", good.to_str().unwrap()])
            .status
            .success()
    );
    assert!(
        run(dir.path(), &["import", good.to_str().unwrap()])
            .status
            .success()
    );
}

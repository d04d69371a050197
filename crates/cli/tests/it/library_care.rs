//! Keeping a library: damaged originals are detected wherever they are read, `check` finds
//! what is wrong and `--repair` fixes what can be fixed, and a backup taken while the library
//! is in use restores to an identical, verified library.
#![allow(clippy::unwrap_used)]

use crate::library_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use easel_core::library::{Library, NewImage};
use easel_core::license::snapshot_for;
use serde_json::Value;

fn run(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_easel-cli"))
        .args(args)
        .env("EASEL_DATA_DIR", data)
        .env("EASEL_KEY_STORE", "file")
        .env_remove("EASEL_CONFIG_DIR")
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

fn store(lib: &Library, prompt: &str, seed: u32) -> String {
    let req = library_support::request(prompt);
    let generation = lib.create_generation(&req).unwrap();
    let record = lib
        .store_image(NewImage {
            generation_id: &generation,
            index: 0,
            bytes: &library_support::png(48, 32, seed),
            revised_prompt: None,
            seed: None,
            license: snapshot_for(&req.provider, &req.model),
            facts: Default::default(),
        })
        .unwrap();
    lib.finish_generation(&generation, &Default::default())
        .unwrap();
    record.summary.id
}

fn seeded(data: &Path, prompts: &[&str]) -> Vec<String> {
    let lib = Library::open(data).unwrap();
    prompts
        .iter()
        .enumerate()
        .map(|(i, p)| store(&lib, p, i as u32 + 1))
        .collect()
}

fn original_path(data: &Path, id: &str) -> PathBuf {
    PathBuf::from(
        json(&run(data, &["show", "--json", id]))["path"]
            .as_str()
            .unwrap(),
    )
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_damaged_original_is_reported_and_never_exported() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lib");
    let ids = seeded(&data, &["truncated", "overwritten"]);
    let truncated = original_path(&data, &ids[0]);
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() - 40]).unwrap();
    // Same length, one byte changed: only the sha256 can tell.
    let overwritten = original_path(&data, &ids[1]);
    let mut bytes = std::fs::read(&overwritten).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(&overwritten, &bytes).unwrap();

    for id in &ids {
        for format in ["original", "png"] {
            let out_dir = dir.path().join(format!("out-{format}"));
            let out = run(
                &data,
                &[
                    "export",
                    "--format",
                    format,
                    "--out",
                    out_dir.to_str().unwrap(),
                    "--json",
                    id,
                ],
            );
            assert!(
                !out.status.success(),
                "{format}: a damaged image was exported"
            );
            let report = json(&out);
            assert_eq!(report["failed"][0]["error"]["code"], "damaged", "{report}");
            assert!(
                files_in(&out_dir).is_empty(),
                "{format}: wrote {:?}",
                files_in(&out_dir)
            );
        }
        let show = run(&data, &["show", "--json", id]);
        assert_eq!(show.status.code(), Some(1));
        let detail = json(&show);
        assert_eq!(detail["original"]["status"], "damaged", "{detail}");
        assert_eq!(detail["original"]["error"]["code"], "damaged");
    }
    let human = run(&data, &["show", &ids[0]]);
    assert!(String::from_utf8_lossy(&human.stderr).contains("damaged"));
}

#[test]
fn check_finds_every_kind_of_problem_and_repair_fixes_what_it_can() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lib");
    let ids = seeded(&data, &["kestrel", "heron", "plover"]);
    let clean = run(&data, &["check", "--json"]);
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );
    assert_eq!(json(&clean)["images_checked"], 3);

    // Damage: a truncated original, a deleted and an unreadable thumbnail, a stray file,
    // and an image missing from the search index.
    let damaged = original_path(&data, &ids[0]);
    let bytes = std::fs::read(&damaged).unwrap();
    std::fs::write(&damaged, &bytes[..10]).unwrap();
    let sha1 = json(&run(&data, &["show", "--json", &ids[1]]))["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let thumb_small = data.join(format!("thumbs/256/{}/{sha1}.jpg", &sha1[..2]));
    let thumb_large = data.join(format!("thumbs/768/{}/{sha1}.jpg", &sha1[..2]));
    std::fs::remove_file(&thumb_small).unwrap();
    std::fs::write(&thumb_large, b"not a jpeg").unwrap();
    let stray = data.join("originals/ff/ff/ffff-stray.png");
    std::fs::create_dir_all(stray.parent().unwrap()).unwrap();
    std::fs::write(&stray, b"someone's file").unwrap();
    {
        let conn = rusqlite::Connection::open(data.join("easel.sqlite3")).unwrap();
        let seq: i64 = conn
            .query_row("SELECT seq FROM images WHERE id = ?1", [&ids[2]], |r| {
                r.get(0)
            })
            .unwrap();
        conn.execute("DELETE FROM images_fts WHERE rowid = ?1", [seq])
            .unwrap();
    }
    let search = json(&run(&data, &["search", "plover", "--json"]));
    assert!(search["images"].as_array().unwrap().is_empty());

    let out = run(&data, &["check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["damaged_originals"][0]["image_id"], ids[0].as_str());
    assert_eq!(report["missing_thumbnails"], 1);
    assert_eq!(report["stale_thumbnails"].as_array().unwrap().len(), 1);
    assert_eq!(
        report["unreferenced_files"][0].as_str().unwrap(),
        stray.canonicalize().unwrap().to_str().unwrap()
    );
    assert_eq!(report["search_index_missing"], 1);
    assert!(report["repaired"].is_null());
    // A check alone changes nothing.
    assert!(stray.exists());

    let out = run(&data, &["check", "--repair", "--json"]);
    let report = json(&out);
    // Only a backup can bring back the damaged original: still not a clean exit.
    assert_eq!(out.status.code(), Some(1), "{report}");
    let repaired = &report["repaired"];
    assert_eq!(repaired["search_index_rebuilt"], true);
    assert_eq!(repaired["files_set_aside"], 1);
    assert_eq!(repaired["images_marked_damaged"], 1);
    assert!(repaired["thumbnails_rebuilt"].as_u64().unwrap() >= 1);
    assert!(!stray.exists());
    let set_aside = PathBuf::from(repaired["set_aside"].as_str().unwrap());
    assert_eq!(
        std::fs::read(set_aside.join("originals/ff/ff/ffff-stray.png")).unwrap(),
        b"someone's file",
        "moved aside, not deleted"
    );
    assert!(image::open(&thumb_small).is_ok());
    assert!(image::open(&thumb_large).is_ok());
    let search = json(&run(&data, &["search", "plover", "--json"]));
    assert_eq!(search["images"][0]["id"], ids[2].as_str());
    let list = json(&run(&data, &["list", "--json"]));
    for img in list["images"].as_array().unwrap() {
        assert_eq!(img["damaged"], img["id"] == ids[0].as_str(), "{img}");
    }
    // What is left is exactly the damaged original.
    let again = json(&run(&data, &["check", "--json"]));
    assert_eq!(again["damaged_originals"].as_array().unwrap().len(), 1);
    assert!(again["unreferenced_files"].as_array().unwrap().is_empty());
    assert_eq!(again["missing_thumbnails"], 0);
    assert_eq!(again["search_index_missing"], 0);

    // The original comes back (from a backup, say): the next repair clears the mark.
    std::fs::write(&damaged, &bytes).unwrap();
    let out = run(&data, &["check", "--repair", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(json(&out)["repaired"]["images_unmarked"], 1);
}

#[test]
fn a_backup_taken_while_the_library_is_written_restores_verified() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lib");
    seeded(&data, &["first", "second", "third"]);
    // The "app": this process keeps the library open and stores images during the backup.
    let lib = Library::open(&data).unwrap();
    let backup_file = dir.path().join("backups/easel.tar");
    let writer = std::thread::scope(|scope| {
        let writing = scope.spawn(|| {
            (0..15)
                .map(|i| store(&lib, &format!("during {i}"), 100 + i))
                .count()
        });
        let out = run(
            &data,
            &["backup", "--out", backup_file.to_str().unwrap(), "--json"],
        );
        (writing.join().unwrap(), out)
    });
    let (written, out) = writer;
    assert_eq!(written, 15);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let backed_up = report["images"].as_u64().unwrap();
    assert!((3..=18).contains(&backed_up), "{report}");
    assert_eq!(report["originals"].as_u64().unwrap(), backed_up);

    let restored = dir.path().join("restored");
    let out = run(
        &data,
        &[
            "restore",
            backup_file.to_str().unwrap(),
            "--into",
            restored.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["images"].as_u64().unwrap(), backed_up);
    // The restored library is complete and sound, thumbnails included.
    let check = run(&restored, &["check", "--json"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let list = json(&run(&restored, &["list", "--json", "--limit", "100"]));
    for img in list["images"].as_array().unwrap() {
        let here = std::fs::read(img["path"].as_str().unwrap()).unwrap();
        let there = std::fs::read(original_path(&data, img["id"].as_str().unwrap())).unwrap();
        assert_eq!(here, there);
    }

    // A backup with a changed byte is refused, and nothing is put in place.
    let mut tar = std::fs::read(&backup_file).unwrap();
    // A byte inside the first original (PNG data), not in tar padding.
    let png_at = tar.windows(4).position(|w| w == b"\x89PNG").unwrap();
    tar[png_at + 60] ^= 0xff;
    let tampered = dir.path().join("tampered.tar");
    std::fs::write(&tampered, &tar).unwrap();
    let into = dir.path().join("from-tampered");
    let out = run(
        &data,
        &[
            "restore",
            tampered.to_str().unwrap(),
            "--into",
            into.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(!out.status.success());
    let err = json(&out);
    assert_eq!(err["error"]["code"], "invalid_input", "{err}");
    assert!(!into.exists());
    let leftovers: Vec<_> = files_in(dir.path())
        .into_iter()
        .filter(|n| n.starts_with(".easel-restore-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Restoring over a library is refused.
    let out = run(
        &data,
        &[
            "restore",
            backup_file.to_str().unwrap(),
            "--into",
            data.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(json(&out)["error"]["code"], "invalid_input");
}

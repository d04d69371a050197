//! The faults a hostile run found, each reproduced: a closed stdout, terminal escapes in
//! prompts, debris of a killed export, a read-only library, a full disk, a partly stored
//! answer, more (or less) than one JSON document under --json, and a permissive umask.
#![allow(clippy::unwrap_used)]

use crate::library_support;
use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use easel_core::library::{Library, NewImage};
use easel_core::license::snapshot_for;
use serde_json::{Value, json};
use support::b64;
use support::stand_in::{Reply, StandIn};

const KEY: &str = "sk-test-cli-0123456789";

fn command(data: &Path, base_url: Option<&str>, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_easel-cli"));
    cmd.args(args)
        .env("EASEL_DATA_DIR", data)
        .env("EASEL_KEY_STORE", "file")
        .env("OPENAI_API_KEY", KEY)
        .env(
            "OPENAI_BASE_URL",
            base_url.unwrap_or("http://127.0.0.1:9/v1"),
        )
        .env_remove("EASEL_CONFIG_DIR");
    cmd
}

fn run(data: &Path, args: &[&str]) -> Output {
    command(data, None, args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exactly one JSON document on stdout.
fn one_json(out: &Output) -> Value {
    let mut docs = serde_json::Deserializer::from_slice(&out.stdout).into_iter::<Value>();
    let first = docs
        .next()
        .unwrap_or_else(|| panic!("no JSON on stdout; stderr:\n{}", text(&out.stderr)))
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", text(&out.stdout)));
    assert!(
        docs.next().is_none(),
        "more than one JSON document on stdout:\n{}",
        text(&out.stdout)
    );
    first
}

/// A library with images stored under `prompts`; returns their ids.
fn seeded(data: &Path, prompts: &[(&str, Option<&str>)]) -> Vec<String> {
    let lib = Library::open(data).unwrap();
    let mut ids = Vec::new();
    for (i, (prompt, revised)) in prompts.iter().enumerate() {
        let req = library_support::request(prompt);
        let generation = lib.create_generation(&req).unwrap();
        let record = lib
            .store_image(NewImage {
                generation_id: &generation,
                index: 0,
                bytes: &library_support::png(40, 30, i as u32 + 1),
                revised_prompt: revised.map(str::to_owned),
                seed: None,
                license: snapshot_for(&req.provider, &req.model),
                facts: Default::default(),
            })
            .unwrap();
        lib.finish_generation(&generation, &Default::default())
            .unwrap();
        ids.push(record.summary.id);
    }
    ids
}

/// Runs the command with a stdout whose reading end is already closed, like `| head -1`
/// after its line (or `| true`).
fn with_closed_stdout(mut cmd: Command) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    cmd.stdout(writer).stderr(Stdio::piped());
    cmd.output().unwrap()
}

fn assert_quiet_success(out: &Output, what: &str) {
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{what}: {stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "{what}: {stderr}");
}

#[test]
fn a_closed_stdout_ends_reading_commands_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seeded(dir.path(), &[("one", None), ("two", None), ("three", None)]);
    for args in [
        vec!["list"],
        vec!["list", "--json"],
        vec!["search", "two"],
        vec!["show", ids[0].as_str()],
        vec!["models", "--offline"],
        vec!["--help"],
    ] {
        let out = with_closed_stdout(command(dir.path(), None, &args));
        assert_quiet_success(&out, &args.join(" "));
    }
}

fn images_reply(images: &[Vec<u8>]) -> Reply {
    let data: Vec<Value> = images
        .iter()
        .map(|b| json!({ "b64_json": b64(b) }))
        .collect();
    Reply::images(json!({
        "created": 1713833628,
        "data": data,
        "output_format": "png",
        "size": "1024x1024",
        "quality": "low",
    }))
}

#[tokio::test]
async fn a_closed_stdout_does_not_hide_that_generated_images_were_stored() {
    let dir = tempfile::tempdir().unwrap();
    let stand_in = StandIn::start().await;
    stand_in.generations(images_reply(&[
        library_support::png(32, 32, 1),
        library_support::png(32, 32, 2),
    ]));
    let cmd = command(
        dir.path(),
        Some(&stand_in.base_url()),
        &["generate", "--model", "gpt-image-1", "-n", "2", "a fox"],
    );
    let out = tokio::task::spawn_blocking(move || with_closed_stdout(cmd))
        .await
        .unwrap();
    assert_quiet_success(&out, "generate");
    let list = one_json(&run(dir.path(), &["list", "--json"]));
    assert_eq!(list["images"].as_array().unwrap().len(), 2);
}

#[test]
fn terminal_escapes_in_prompts_are_shown_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    let prompt = "owl\x1b]0;pwned title\x07 at night\x1b[2J\x1b[H";
    let revised = "owl \x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ \u{9b}31m";
    let ids = seeded(dir.path(), &[(prompt, Some(revised))]);
    for args in [
        vec!["list"],
        vec!["search", "owl"],
        vec!["show", ids[0].as_str()],
    ] {
        let out = run(dir.path(), &args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let shown = text(&out.stdout);
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{}: control characters reached the terminal: {shown:?}",
            args[0]
        );
        assert!(shown.contains("owl"), "{shown}");
    }
    // JSON stays exact.
    let detail = one_json(&run(dir.path(), &["show", "--json", &ids[0]]));
    assert_eq!(detail["prompt"], prompt);
    assert_eq!(detail["revised_prompt"], revised);
}

#[test]
fn a_killed_exports_partial_files_are_removed_by_the_next_export() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seeded(dir.path(), &[("harbour", None)]);
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    // What a killed export leaves: a part file whose writer is gone (no such pid) ...
    let debris = out_dir.join(".easel-export-4000000000-x1Yz.part");
    std::fs::write(&debris, b"half a png").unwrap();
    // ... while a part file of an export still running (this test process) stays.
    let live = out_dir.join(format!(".easel-export-{}-aBcD.part", std::process::id()));
    std::fs::write(&live, b"being written").unwrap();
    let out = run(
        dir.path(),
        &[
            "export",
            "--out",
            out_dir.to_str().unwrap(),
            "--json",
            &ids[0],
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !debris.exists(),
        "the killed export's part file is still there"
    );
    assert!(live.exists(), "a running export's part file was removed");

    // And a real kill: the export is stopped by SIGKILL while writing, then the next export
    // cleans up whatever it left.
    let many: Vec<String> = seeded(
        &dir.path().join("big"),
        &(0..12).map(|_| ("dune", None)).collect::<Vec<_>>(),
    );
    let killed_out = dir.path().join("killed");
    let mut args = vec![
        "export",
        "--out",
        killed_out.to_str().unwrap(),
        "--format",
        "png",
    ];
    args.extend(many.iter().map(String::as_str));
    let mut child = command(&dir.path().join("big"), None, &args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(150));
    let _ = child.kill();
    let _ = child.wait();
    let mut again = vec!["export", "--out", killed_out.to_str().unwrap(), "--json"];
    again.push(&many[0]);
    let out = run(&dir.path().join("big"), &again);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let parts: Vec<String> = std::fs::read_dir(&killed_out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(parts.is_empty(), "left behind: {parts:?}");
}

#[test]
fn with_json_stdout_is_exactly_one_document() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seeded(dir.path(), &[("cliff", None), ("cove", None)]);
    // Every image fails (their originals were truncated): one report, no second document.
    for id in &ids {
        let detail = one_json(&run(dir.path(), &["show", "--json", id]));
        let path = detail["path"].as_str().unwrap();
        let bytes = std::fs::read(path).unwrap();
        std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
    }
    let out_dir = dir.path().join("out");
    let out = run(
        dir.path(),
        &[
            "export",
            "--out",
            out_dir.to_str().unwrap(),
            "--json",
            &ids[0],
            &ids[1],
        ],
    );
    assert!(!out.status.success());
    let report = one_json(&out);
    assert_eq!(report["failed"].as_array().unwrap().len(), 2);

    // Argument errors are JSON too, with the usage exit code.
    for args in [
        vec!["generate", "-n", "abc", "--json", "x"],
        vec!["list", "--limit", "99999999999", "--json"],
        vec!["list", "--json", "--no-such-flag"],
    ] {
        let out = run(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = one_json(&out);
        assert_eq!(err["error"]["code"], "invalid_input", "{args:?}");
        assert!(
            !err["error"]["message"].as_str().unwrap().is_empty(),
            "{args:?}"
        );
    }
    // Without --json, clap's usual text on stderr and nothing on stdout.
    let out = run(dir.path(), &["list", "--limit", "abc"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("--limit"));
}

#[tokio::test]
async fn a_partly_stored_answer_says_what_was_kept_and_what_was_lost() {
    let dir = tempfile::tempdir().unwrap();
    let stand_in = StandIn::start().await;
    // Three images were returned (and paid for); the second cannot be stored.
    stand_in.generations(images_reply(&[
        library_support::png(32, 32, 1),
        b"\x89PNG\r\n\x1a\n but cut short".to_vec(),
        library_support::png(32, 32, 3),
    ]));
    let cmd = command(
        dir.path(),
        Some(&stand_in.base_url()),
        &[
            "generate",
            "--model",
            "gpt-image-1",
            "-n",
            "3",
            "--json",
            "gulls",
        ],
    );
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = cmd;
        cmd.output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let doc = one_json(&out);
    let kept = doc["images"].as_array().unwrap();
    assert_eq!(kept.len(), 2, "{doc}");
    assert_eq!(doc["not_stored"]["code"], "partly_stored");
    let message = doc["not_stored"]["message"].as_str().unwrap();
    assert!(message.contains("2 of the 3"), "{message}");

    // On record: succeeded, with the loss next to it.
    let lib = Library::open(dir.path()).unwrap();
    let generation = lib
        .generation(doc["generation_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(generation.status.as_str(), "succeeded");
    assert_eq!(generation.error_code.as_deref(), Some("partly_stored"));
    assert!(
        generation
            .error_message
            .as_deref()
            .unwrap()
            .contains("2 of the 3")
    );
    drop(lib);

    // Without --json: the kept images on stdout, the loss on stderr, the same exit code.
    stand_in.generations(images_reply(&[
        library_support::png(32, 32, 4),
        b"\x89PNG\r\n\x1a\n and then nothing".to_vec(),
    ]));
    let cmd = command(
        dir.path(),
        Some(&stand_in.base_url()),
        &["generate", "--model", "gpt-image-1", "-n", "2", "terns"],
    );
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = cmd;
        cmd.output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("1 image(s)"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("1 of the 2"),
        "{}",
        text(&out.stderr)
    );
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn folders_and_files_are_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("profile");
    let umask_script = "umask 000; exec \"$0\" \"$@\"";
    let out = Command::new("sh")
        .arg("-c")
        .arg(umask_script)
        .arg(env!("CARGO_BIN_EXE_easel-cli"))
        .args(["list", "--json"])
        .env("EASEL_DATA_DIR", &data)
        .env("EASEL_KEY_STORE", "file")
        .env_remove("EASEL_CONFIG_DIR")
        .env_remove("OPENAI_API_KEY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A key set under the same umask.
    let mut key = Command::new("sh")
        .arg("-c")
        .arg(umask_script)
        .arg(env!("CARGO_BIN_EXE_easel-cli"))
        .args(["key", "set", "openai"])
        .env("EASEL_DATA_DIR", &data)
        .env("EASEL_KEY_STORE", "file")
        .env_remove("EASEL_CONFIG_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    key.stdin.take().unwrap().write_all(KEY.as_bytes()).unwrap();
    assert!(key.wait().unwrap().success());

    for folder in [
        data.clone(),
        data.join("config"),
        data.join("originals"),
        data.join("thumbs"),
    ] {
        assert_eq!(mode(&folder), 0o700, "{}", folder.display());
    }
    for file in [
        data.join("easel.sqlite3"),
        data.join("easel.lock"),
        data.join("config/keys.json"),
    ] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

#[test]
fn settings_or_key_files_others_can_write_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o700)).unwrap();
    let settings = config.join("settings.json");
    std::fs::write(
        &settings,
        br#"{"providers":{"openai":{"base_url":"http://attacker.example/v1"}}}"#,
    )
    .unwrap();
    std::fs::set_permissions(&settings, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = run(dir.path(), &["list", "--json"]);
    assert!(!out.status.success());
    let err = one_json(&out);
    assert_eq!(err["error"]["code"], "insecure_permissions");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("settings.json")
    );
    std::fs::set_permissions(&settings, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(run(dir.path(), &["list", "--json"]).status.success());

    let keys = config.join("keys.json");
    std::fs::write(&keys, br#"{"openai":"sk-planted-by-someone-else-000"}"#).unwrap();
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o622)).unwrap();
    let out = command(dir.path(), None, &["key", "status"])
        .env_remove("OPENAI_API_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("insecure_permissions"),
        "{}",
        text(&out.stderr)
    );
}

fn is_root() -> bool {
    current_uid() == 0
}

fn current_uid() -> u32 {
    // `id -u` keeps this test crate free of a libc dependency.
    let out = Command::new("id").arg("-u").output().unwrap();
    text(&out.stdout).trim().parse().unwrap()
}

/// `cmd` run as an unprivileged user when the tests run as root (root can write anything,
/// so a read-only library can only be seen through another user's eyes).
fn as_other_user(data: &Path, args: &[&str]) -> Output {
    if is_root() {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_easel-cli"))
            .args(args)
            .env("EASEL_DATA_DIR", data)
            .env("EASEL_KEY_STORE", "file")
            .env("HOME", data)
            .env_remove("EASEL_CONFIG_DIR");
        cmd.output().unwrap()
    } else {
        run(data, args)
    }
}

fn chmod_tree(root: &Path, dir_mode: u32, file_mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let mut stack: Vec<PathBuf> = vec![root.to_owned()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(dir_mode)).unwrap();
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        } else {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(file_mode)).unwrap();
        }
    }
}

#[test]
fn a_read_only_library_can_be_browsed_and_refuses_changes_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lib");
    let ids = seeded(&data, &[("a quiet bay", None)]);
    // Readable by everyone, writable by no one (but root, who is not the one asking).
    chmod_tree(&data, 0o555, 0o444);
    chmod_tree(dir.path(), 0o755, 0o444);
    chmod_tree(&data, 0o555, 0o444);

    let list = as_other_user(&data, &["list", "--json"]);
    assert!(list.status.success(), "{}", text(&list.stdout));
    assert_eq!(one_json(&list)["images"].as_array().unwrap().len(), 1);
    let show = as_other_user(&data, &["show", "--json", &ids[0]]);
    assert!(show.status.success(), "{}", text(&show.stdout));

    let fav = as_other_user(&data, &["favorite", "--json", &ids[0]]);
    assert!(!fav.status.success());
    let err = one_json(&fav);
    assert_eq!(err["error"]["code"], "read_only", "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("read-only")
    );
    chmod_tree(&data, 0o755, 0o644);
}

/// A read-only library that this Easel cannot read as it is (it needs an update, or a newer
/// Easel wrote it) says that, not which file could not be written.
#[test]
fn a_read_only_library_that_needs_an_update_or_is_newer_says_so() {
    for (version, code, words) in [
        (13, "read_only", "needs an update for this version of Easel"),
        (999, "database_too_new", "newer version of Easel"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("lib");
        seeded(&data, &[("a quiet bay", None)]);
        let db = rusqlite::Connection::open(data.join("easel.sqlite3")).unwrap();
        db.pragma_update(None, "user_version", version).unwrap();
        drop(db);
        chmod_tree(dir.path(), 0o755, 0o444);
        chmod_tree(&data, 0o555, 0o444);

        let list = as_other_user(&data, &["list", "--json"]);
        assert!(!list.status.success());
        let err = one_json(&list);
        assert_eq!(err["error"]["code"], code, "{err}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{message}");
        assert!(!message.contains("easel.lock"), "{message}");
        chmod_tree(&data, 0o755, 0o644);
        let db = rusqlite::Connection::open(data.join("easel.sqlite3")).unwrap();
        let kept: i64 = db
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, version, "the library was changed");
    }
}

/// A small RAM disk mounted for the test, unmounted on drop. Needs root.
struct RamDisk(PathBuf);

impl RamDisk {
    fn mount(at: &Path, kib: u32) -> Option<RamDisk> {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| RamDisk(at.to_owned()))
    }
}

impl Drop for RamDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn fill(disk: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(disk.join("filler")).unwrap();
    let block = vec![0u8; 4096];
    while f.write_all(&block).is_ok() {}
    let _ = f.sync_all();
}

/// A library that needs an update on a full disk: the disk is named, not a read-only
/// folder, and the library is as it was.
#[test]
fn a_library_that_needs_an_update_on_a_full_disk_names_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = RamDisk::mount(&dir.path().join("disk"), 4096) else {
        assert!(!is_root(), "as root, mounting a small RAM disk must work");
        eprintln!("skipped: mounting a RAM disk needs root");
        return;
    };
    let data = disk.0.join("lib");
    seeded(&data, &[("low tide", None)]);
    // As a library from before the counts per stretch of time was (schema 12).
    let db = rusqlite::Connection::open(data.join("easel.sqlite3")).unwrap();
    library_support::drop_time_span_counts(&db);
    db.pragma_update(None, "user_version", 12).unwrap();
    drop(db);
    fill(&disk.0);

    let list = run(&data, &["list", "--json"]);
    assert!(!list.status.success());
    let err = one_json(&list);
    assert_eq!(err["error"]["code"], "disk_full", "{err}");
    assert!(
        !err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("read-only"),
        "{err}"
    );
    // Reading the version needs room for SQLite's shared memory file.
    std::fs::remove_file(disk.0.join("filler")).unwrap();
    let db = rusqlite::Connection::open(data.join("easel.sqlite3")).unwrap();
    let kept: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 12, "the library was changed");
}

#[test]
fn a_full_disk_is_named_and_reading_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = RamDisk::mount(&dir.path().join("disk"), 4096) else {
        assert!(!is_root(), "as root, mounting a small RAM disk must work");
        eprintln!("skipped: mounting a RAM disk needs root");
        return;
    };
    let data = disk.0.join("lib");
    let ids = seeded(&data, &[("low tide", None), ("high tide", None)]);
    fill(&disk.0);

    let list = run(&data, &["list", "--json"]);
    assert!(list.status.success(), "{}", text(&list.stdout));
    assert_eq!(one_json(&list)["images"].as_array().unwrap().len(), 2);
    let show = run(&data, &["show", &ids[0]]);
    assert!(show.status.success(), "{}", text(&show.stderr));

    let fav = run(&data, &["favorite", "--json", &ids[0]]);
    assert!(!fav.status.success());
    let err = one_json(&fav);
    assert_eq!(err["error"]["code"], "disk_full", "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("full"));
}

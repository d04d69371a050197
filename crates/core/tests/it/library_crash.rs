//! Kills a process that is ingesting images at random moments, then checks the library.
#![allow(clippy::unwrap_used)]

use crate::library_support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use easel_core::library::{DB_FILE, GenerationStatus, Library, NewImage};
use easel_core::license::snapshot_for;
use library_support::{files_under, png, request, sha256_file};

const CHILD_DIR: &str = "EASEL_TEST_CRASH_CHILD_DIR";

/// Child mode only (the parent test sets the variable): ingest forever until killed.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let lib = Library::open(Path::new(&dir)).unwrap();
    let pid = std::process::id();
    let mut n: u32 = 0;
    loop {
        n += 1;
        let generation = lib
            .create_generation(&request(&format!("crash round {pid} {n}")))
            .unwrap();
        for index in 0..2u32 {
            // Big enough (~0.5-1 MB) that the kill often lands in a write; some repeats to
            // exercise dedupe.
            let seed = if n.is_multiple_of(5) {
                1
            } else {
                pid ^ (n * 2 + index)
            };
            let bytes = png(400 + (n % 7) * 40, 300 + index * 50, seed);
            let license = snapshot_for("openai", "gpt-image-1");
            lib.store_image(NewImage {
                generation_id: &generation,
                index,
                bytes: &bytes,
                revised_prompt: None,
                seed: None,
                license,
                facts: Default::default(),
            })
            .unwrap();
        }
        lib.finish_generation(&generation, &Default::default())
            .unwrap();
        if n.is_multiple_of(4) {
            let page = lib.list(&Default::default()).unwrap();
            if let Some(last) = page.images.last() {
                lib.delete_images(std::slice::from_ref(&last.id)).unwrap();
                lib.purge_deleted(Duration::ZERO).unwrap();
            }
        }
    }
}

fn pseudo_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn killing_an_ingest_at_random_moments_leaves_a_sound_library() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut interrupted_seen = 0;
    let (mut temps, mut orphans) = (0, 0);
    let rounds = 10;
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "library_crash::crash_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Early rounds kill soon (during open/first ingest), later ones after more work.
        let delay = 100 + pseudo_random(&mut rng) % (400 + 150 * round);
        if round == rounds - 1 {
            // However slow the machine, the last round kills only after something was stored.
            wait_for_an_image(dir.path());
        }
        std::thread::sleep(Duration::from_millis(delay));
        assert!(
            child.try_wait().unwrap().is_none(),
            "child ended on its own (round {round})"
        );
        child.kill().unwrap();
        child.wait().unwrap();

        let lib = Library::open(dir.path()).unwrap();
        lib.check_integrity().unwrap();
        interrupted_seen += lib.sweep_report().generations_interrupted;
        temps += lib.sweep_report().temp_files_removed;
        orphans += lib.sweep_report().orphan_blobs_removed;
        check_files(dir.path());
        drop(lib);
    }
    // The checks above must have had something to check.
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    let images: i64 = conn
        .query_row("SELECT count(*) FROM images", [], |r| r.get(0))
        .unwrap();
    assert!(images > 0, "no image was ever stored");
    assert!(
        interrupted_seen > 0,
        "no kill ever interrupted a generation"
    );
    let running: i64 = conn
        .query_row(
            "SELECT count(*) FROM generations WHERE status = 'running'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(running, 0);
    eprintln!(
        "{images} images after {rounds} kills: {interrupted_seen} generations interrupted, \
         {temps} temp files and {orphans} orphan blobs swept"
    );
}

fn wait_for_an_image(root: &Path) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        let count = rusqlite::Connection::open(root.join(DB_FILE))
            .and_then(|c| c.query_row("SELECT count(*) FROM images", [], |r| r.get::<_, i64>(0)));
        if matches!(count, Ok(n) if n > 0) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every row's files exist with the right content, and no file exists without a row.
fn check_files(root: &Path) {
    let started = Instant::now();
    let conn = rusqlite::Connection::open(root.join(DB_FILE)).unwrap();
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT DISTINCT sha256, format FROM images")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let pending: i64 = conn
        .query_row("SELECT count(*) FROM blob_journal", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pending, 0, "journal not cleared by the sweep");
    let statuses: Vec<String> = conn
        .prepare("SELECT DISTINCT status FROM generations")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        !statuses
            .iter()
            .any(|s| s == GenerationStatus::Running.as_str())
    );

    let mut expected = std::collections::HashSet::new();
    for (sha, format) in &rows {
        let ext = if format == "jpeg" {
            "jpg"
        } else {
            format.as_str()
        };
        let original = root
            .join("originals")
            .join(&sha[0..2])
            .join(&sha[2..4])
            .join(format!("{sha}.{ext}"));
        assert!(
            original.is_file(),
            "row points at missing {}",
            original.display()
        );
        assert_eq!(
            &sha256_file(&original),
            sha,
            "{} is not its bytes",
            original.display()
        );
        expected.insert(original);
        for edge in ["256", "768"] {
            let thumb = root
                .join("thumbs")
                .join(edge)
                .join(&sha[0..2])
                .join(format!("{sha}.jpg"));
            assert!(thumb.is_file(), "missing thumbnail {}", thumb.display());
            image::open(&thumb).unwrap();
            expected.insert(thumb);
        }
    }
    let mut on_disk: Vec<_> = files_under(&root.join("originals"));
    on_disk.extend(files_under(&root.join("thumbs")));
    for file in on_disk {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.starts_with(".tmp-"),
            "temp file left: {}",
            file.display()
        );
        assert!(expected.contains(&file), "orphan file: {}", file.display());
    }
    assert!(started.elapsed() < Duration::from_secs(30));
}

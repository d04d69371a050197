//! Library figures. Run in release mode:
//! `cargo run --release -p easel-core --example bench_library`
//!
//! 1. Ingest of one 1024x1024 PNG (probe + decode + sha256 + atomic write + two thumbnails +
//!    row), median of N.
//! 2. With 100,000 realistic rows: open, first page, a page deep in the list via cursor, FTS
//!    search, FTS + filters.
//! 3. If ImageMagick's `convert` is installed: a 256 px JPEG thumbnail, Easel vs `convert`.

use std::io::Cursor as IoCursor;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use easel_core::library::{
    Cursor, DB_FILE, Library, ListQuery, NewImage, SortOrder, ThumbSize, render_thumbnail,
};
use easel_core::license::snapshot_for;
use easel_core::{GenerationParams, GenerationRequest};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

const WORDS: &[&str] = &[
    "red",
    "fox",
    "lighthouse",
    "cliff",
    "storm",
    "watercolour",
    "portrait",
    "of",
    "an",
    "old",
    "sailor",
    "cat",
    "wearing",
    "a",
    "hat",
    "neon",
    "city",
    "at",
    "night",
    "rain",
    "reflections",
    "mountain",
    "lake",
    "sunrise",
    "mist",
    "forest",
    "cabin",
    "snow",
    "winter",
    "summer",
    "beach",
    "palm",
    "trees",
    "isometric",
    "pixel",
    "art",
    "castle",
    "dragon",
    "knight",
    "robot",
    "garden",
    "flowers",
    "bouquet",
    "still",
    "life",
    "oil",
    "painting",
    "charcoal",
    "sketch",
    "cyberpunk",
    "street",
    "market",
    "spices",
    "lanterns",
    "festival",
    "astronaut",
    "moon",
    "desert",
    "camel",
    "caravan",
    "ocean",
    "whale",
    "coral",
    "reef",
    "submarine",
    "library",
    "books",
    "candle",
    "wizard",
    "owl",
    "feather",
    "ink",
    "logo",
    "minimal",
    "geometric",
    "blue",
    "golden",
    "hour",
    "cinematic",
    "lighting",
    "macro",
    "photo",
    "bee",
    "honey",
    "bread",
    "bakery",
    "coffee",
    "cup",
    "steam",
    "vintage",
    "poster",
    "travel",
    "train",
    "station",
    "bridge",
    "river",
    "boat",
    "sunset",
    "children's",
    "book",
    "illustration",
    "bear",
    "picnic",
    "kite",
    "clouds",
    "aurora",
    "northern",
    "lights",
    "glacier",
    "penguin",
    "volcano",
    "eruption",
    "lava",
    "jungle",
    "tiger",
    "parrot",
    "waterfall",
    "temple",
    "ruins",
    "samurai",
    "cherry",
    "blossom",
    "kimono",
    "tea",
    "ceremony",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// A 1024x1024 PNG with smooth gradients and some noise, roughly like a generated image
/// (a few MB as PNG).
fn sample_png(seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    let img = image::RgbImage::from_fn(1024, 1024, |x, y| {
        let n = (rng.next() & 0x0f) as u32;
        image::Rgb([
            ((x / 4 + n) % 256) as u8,
            ((y / 4 + n) % 256) as u8,
            (((x + y) / 8 + seed as u32) % 256) as u8,
        ])
    });
    let mut out = IoCursor::new(Vec::new());
    let _ = image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}

fn request(prompt: String, model: &str) -> GenerationRequest {
    GenerationRequest {
        provider: "openai".into(),
        model: model.into(),
        prompt,
        params: GenerationParams {
            n: Some(1),
            size: Some("1024x1024".into()),
            quality: Some("high".into()),
            ..Default::default()
        },
    }
}

fn bench_ingest(dir: &Path) -> BoxResult<()> {
    const N: usize = 15;
    let lib = Library::open(dir)?;
    let samples: Vec<Vec<u8>> = (0..N as u64).map(|i| sample_png(i + 1)).collect();
    let mut times = Vec::new();
    for (i, bytes) in samples.iter().enumerate() {
        let req = request(format!("bench image {i}"), "gpt-image-1");
        let generation = lib.create_generation(&req)?;
        let started = Instant::now();
        lib.store_image(NewImage {
            generation_id: &generation,
            index: 0,
            bytes,
            revised_prompt: None,
            seed: None,
            license: snapshot_for("openai", "gpt-image-1"),
            facts: Default::default(),
        })?;
        times.push(started.elapsed());
    }
    let size = samples.iter().map(Vec::len).sum::<usize>() / N;
    println!(
        "ingest 1024x1024 PNG ({:.1} MB): median {} of {N} (min {}, max {})",
        size as f64 / 1e6,
        ms(median(times.clone())),
        ms(*times.iter().min().unwrap_or(&Duration::ZERO)),
        ms(*times.iter().max().unwrap_or(&Duration::ZERO)),
    );

    // What the disk alone costs: the same bytes written and fsynced, plus the folder fsync.
    let probe = dir.join("fsync-probe");
    let fsync_times: Vec<Duration> = (0..7)
        .map(|_| {
            let t = Instant::now();
            let _ = std::fs::write(&probe, &samples[0])
                .and_then(|()| std::fs::File::open(&probe)?.sync_all())
                .and_then(|()| std::fs::File::open(dir)?.sync_all());
            t.elapsed()
        })
        .collect();
    let _ = std::fs::remove_file(&probe);
    println!(
        "  of which the disk: one {:.1} MB write + fsync + folder fsync takes {} here (ingest does 3 files)",
        samples[0].len() as f64 / 1e6,
        ms(median(fsync_times))
    );

    let thumb_times: Vec<Duration> = samples
        .iter()
        .take(7)
        .map(|b| {
            let t = Instant::now();
            let _ = render_thumbnail(b, ThumbSize::Small);
            t.elapsed()
        })
        .collect();
    let ours = median(thumb_times);
    println!(
        "  of which one 256 px thumbnail (decode + resize + JPEG): {}",
        ms(ours)
    );

    let input = dir.join("convert-in.png");
    std::fs::write(&input, &samples[0])?;
    let output = dir.join("convert-out.jpg");
    let run = || {
        Command::new("convert")
            .arg(&input)
            .args(["-resize", "256x256", "-quality", "85"])
            .arg(&output)
            .status()
    };
    match run() {
        Ok(status) if status.success() => {
            let times: Vec<Duration> = (0..7)
                .map(|_| {
                    let t = Instant::now();
                    let _ = run();
                    t.elapsed()
                })
                .collect();
            let theirs = median(times);
            println!(
                "  ImageMagick `convert in.png -resize 256x256 out.jpg`: {} (process included); Easel is {:.1}x {}",
                ms(theirs),
                if ours < theirs {
                    theirs.as_secs_f64() / ours.as_secs_f64()
                } else {
                    ours.as_secs_f64() / theirs.as_secs_f64()
                },
                if ours < theirs { "faster" } else { "slower" }
            );
        }
        _ => println!("  (ImageMagick `convert` not available: no comparison)"),
    }
    Ok(())
}

fn fill(dir: &Path, rows: usize) -> BoxResult<()> {
    // One real image gives the rows a blob that exists; the rows are written directly.
    let (sha, license) = {
        let lib = Library::open(dir)?;
        let req = request("seed image".into(), "gpt-image-1");
        let generation = lib.create_generation(&req)?;
        let rec = lib.store_image(NewImage {
            generation_id: &generation,
            index: 0,
            bytes: &sample_png(99),
            revised_prompt: None,
            seed: None,
            license: snapshot_for("openai", "gpt-image-1"),
            facts: Default::default(),
        })?;
        lib.finish_generation(&generation, &Default::default())?;
        (rec.sha256, rec.license.snapshot_at)
    };
    let mut conn = rusqlite::Connection::open(dir.join(DB_FILE))?;
    let tx = conn.transaction()?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let models = ["gpt-image-1", "gpt-image-1", "dall-e-3", "dall-e-2"];
    let now = chrono::Utc::now().timestamp_millis();
    let two_years = 2 * 365 * 24 * 3600 * 1000u64;
    let mut times: Vec<i64> = (0..rows)
        .map(|_| now - rng.below(two_years) as i64)
        .collect();
    times.sort();
    {
        let mut gen_stmt = tx.prepare(
            "INSERT INTO generations (id, provider, model, prompt, params, status, created_at, finished_at) \
             VALUES (?1, 'openai', ?2, ?3, '{\"n\":1,\"size\":\"1024x1024\"}', 'succeeded', ?4, ?4)",
        )?;
        let mut img_stmt = tx.prepare(
            "INSERT INTO images (id, generation_id, idx, sha256, width, height, format, byte_size, \
             revised_prompt, favorite, license_id, license_at, commercial_use, created_at, deleted_at, \
             provider, model) \
             VALUES (?1, ?2, 0, ?3, 1024, 1024, 'png', 2000000, ?4, ?5, \
             (SELECT min(id) FROM license_terms), ?6, 'conditional', ?7, ?8, 'openai', ?9)",
        )?;
        let mut fts_stmt = tx.prepare(
            "INSERT INTO images_fts (rowid, prompt, revised_prompt) VALUES (?1, ?2, ?3)",
        )?;
        for created_at in times {
            let len = 6 + rng.below(14) as usize;
            let prompt: Vec<&str> = (0..len)
                .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
                .collect();
            let prompt = prompt.join(" ");
            let model = models[rng.below(models.len() as u64) as usize];
            let generation = uuid::Uuid::now_v7().to_string();
            gen_stmt.execute(rusqlite::params![generation, model, prompt, created_at])?;
            let revised = (model == "dall-e-3").then(|| format!("A detailed image of {prompt}"));
            let favorite = rng.below(20) == 0;
            let deleted = (rng.below(100) == 0).then_some(created_at + 1000);
            img_stmt.execute(rusqlite::params![
                uuid::Uuid::now_v7().to_string(),
                generation,
                sha,
                revised,
                favorite,
                license,
                created_at,
                deleted,
                model
            ])?;
            fts_stmt.execute(rusqlite::params![tx.last_insert_rowid(), prompt, revised])?;
        }
    }
    tx.commit()?;
    conn.execute_batch("ANALYZE")?;
    Ok(())
}

fn time_query(lib: &Library, label: &str, q: &ListQuery) -> BoxResult<()> {
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..9 {
        let t = Instant::now();
        let page = lib.list(q)?;
        times.push(t.elapsed());
        count = page.images.len();
    }
    println!("  {label}: {} ({count} rows)", ms(median(times)));
    Ok(())
}

fn bench_queries(dir: &Path, rows: usize) -> BoxResult<()> {
    let t = Instant::now();
    fill(dir, rows)?;
    println!(
        "\n{rows} rows inserted in one transaction in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let lib = Library::open(dir)?;
    println!("  open (migrate check + sweep): {}", ms(t.elapsed()));

    let page = ListQuery {
        limit: 100,
        ..Default::default()
    };
    time_query(&lib, "first page, newest first, 100", &page)?;
    time_query(
        &lib,
        "first page, oldest first, 100",
        &ListQuery {
            order: SortOrder::OldestFirst,
            ..page.clone()
        },
    )?;
    // Position ~90% into the list (located with OFFSET here only, to build the cursor).
    let conn = rusqlite::Connection::open(dir.join(DB_FILE))?;
    let (created_at, id): (i64, String) = conn.query_row(
        "SELECT created_at, id FROM images WHERE deleted_at IS NULL \
         ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?1",
        [rows as i64 * 9 / 10],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let deep = ListQuery {
        cursor: Some(Cursor { created_at, id }.encode()),
        ..page.clone()
    };
    time_query(&lib, "page at row 90,000 via cursor", &deep)?;
    time_query(
        &lib,
        "FTS 'lighthouse', newest 100",
        &ListQuery {
            text: Some("lighthouse".into()),
            ..page.clone()
        },
    )?;
    time_query(
        &lib,
        "FTS 'red fox cinem' (AND + prefix)",
        &ListQuery {
            text: Some("red fox cinem".into()),
            ..page.clone()
        },
    )?;
    time_query(
        &lib,
        "FTS 'penguin' + model dall-e-3 + favorites + commercial",
        &ListQuery {
            text: Some("penguin".into()),
            model: Some("dall-e-3".into()),
            favorites_only: true,
            commercial_only: true,
            ..page.clone()
        },
    )?;
    time_query(
        &lib,
        "FTS 'lighthouse' page at row 90,000 via cursor",
        &ListQuery {
            text: Some("lighthouse".into()),
            ..deep.clone()
        },
    )?;
    time_query(
        &lib,
        "model dall-e-2 + favorites, no text",
        &ListQuery {
            model: Some("dall-e-2".into()),
            favorites_only: true,
            ..page.clone()
        },
    )?;
    time_query(
        &lib,
        "since/until one month",
        &ListQuery {
            since: Some("2026-01-01T00:00:00Z".into()),
            until: Some("2026-02-01T00:00:00Z".into()),
            ..page.clone()
        },
    )?;
    Ok(())
}

fn main() -> BoxResult<()> {
    // EASEL_BENCH_DIR keeps the databases for inspection; by default a temp dir is used.
    let temp = tempfile::tempdir()?;
    let dir = std::env::var_os("EASEL_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| temp.path().to_path_buf());
    bench_ingest(&dir.join("ingest"))?;
    bench_queries(&dir.join("rows"), 100_000)?;
    Ok(())
}

//! Query figures at library scale. Run in release mode:
//! `cargo run --release -p easel-core --example library_scale -- 100000`
//! (any number of images; 1000000 for a million). Optional second argument: a folder to
//! build the library in (kept, and reused when it already holds that many images).
//!
//! Builds a synthetic library (rows written straight into the database, times in order as a
//! library grows, a vocabulary of 6,000 made-up words with Zipf frequencies, 5 % favourites,
//! ratings, tags, boards, 1 % in the trash), then prints median and p95 of each query shape
//! the Library runs: first page, a page deep down, a common word (about 10 % of images), a
//! rare word, a phrase, a word plus filters, a tag, a board, a saved search, lists entered at
//! a position (the library, a board, a tag, words), and the match counts for the header.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use easel_core::GenerationParams;
use easel_core::GenerationRequest;
use easel_core::library::{Cursor, DB_FILE, Library, ListQuery, NewImage, SortOrder};
use easel_core::license::snapshot_for;

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

const VOCABULARY: usize = 6_000;
const RUNS: usize = 41;

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
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Pronounceable made-up words, distinct, so frequencies are exactly the Zipf draw's.
fn vocabulary() -> Vec<String> {
    const ONSETS: &[&str] = &[
        "b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "pr", "r",
        "s", "st", "t", "tr", "v", "w", "z",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ou"];
    const CODAS: &[&str] = &["", "n", "r", "s", "l", "m", "th", "x"];
    let mut out = Vec::with_capacity(VOCABULARY);
    'outer: for a in ONSETS {
        for b in VOWELS {
            for c in ONSETS {
                for d in VOWELS {
                    for e in CODAS {
                        out.push(format!("{a}{b}{c}{d}{e}"));
                        if out.len() == VOCABULARY {
                            break 'outer;
                        }
                    }
                }
            }
        }
    }
    out
}

/// Cumulative Zipf (s = 1) weights over ranks.
fn zipf_table(n: usize) -> Vec<f64> {
    let mut acc = 0.0;
    let mut out = Vec::with_capacity(n);
    for r in 1..=n {
        acc += 1.0 / r as f64;
        out.push(acc);
    }
    out
}

fn draw(table: &[f64], rng: &mut Rng) -> usize {
    let x = rng.unit() * table[table.len() - 1];
    table.partition_point(|&c| c < x).min(table.len() - 1)
}

fn request(prompt: &str) -> GenerationRequest {
    GenerationRequest {
        provider: "openai".into(),
        model: "gpt-image-1".into(),
        prompt: prompt.into(),
        params: GenerationParams {
            n: Some(1),
            ..Default::default()
        },
    }
}

fn tiny_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([x as u8 * 16, y as u8 * 16, 9]));
    let mut out = std::io::Cursor::new(Vec::new());
    let _ = image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}

fn fill(dir: &Path, rows: usize, words: &[String]) -> BoxResult<()> {
    let sha = {
        let lib = Library::open(dir)?;
        let generation = lib.create_generation(&request("seed image"))?;
        let rec = lib.store_image(NewImage {
            generation_id: &generation,
            index: 0,
            bytes: &tiny_png(),
            revised_prompt: None,
            seed: None,
            license: snapshot_for("openai", "gpt-image-1"),
            facts: Default::default(),
        })?;
        lib.finish_generation(&generation, &Default::default())?;
        for b in ["Campaign", "Print", "Archive"] {
            lib.create_board(b)?;
        }
        rec.sha256
    };
    let mut conn = rusqlite::Connection::open(dir.join(DB_FILE))?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;")?;
    let table = zipf_table(words.len());
    let tag_table = zipf_table(200);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let models = ["gpt-image-1", "gpt-image-1", "dall-e-3", "dall-e-2"];
    let start = chrono::Utc::now().timestamp_millis() - 2 * 365 * 86_400_000;
    let step = (2 * 365 * 86_400_000) / rows.max(1) as i64;
    let board_ids: Vec<i64> = conn
        .prepare("SELECT id FROM boards ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let tx = conn.transaction()?;
    {
        for name in (0..200).map(|i| format!("tag{i}")) {
            tx.execute("INSERT INTO tags (name, name_key) VALUES (?1, ?1)", [&name])?;
        }
        let tag_ids: Vec<i64> = tx
            .prepare("SELECT id FROM tags ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut gen_stmt = tx.prepare(
            "INSERT INTO generations (id, provider, model, prompt, params, status, created_at, finished_at) \
             VALUES (?1, 'openai', ?2, ?3, '{\"n\":1}', 'succeeded', ?4, ?4)",
        )?;
        let mut img_stmt = tx.prepare(
            "INSERT INTO images (id, generation_id, idx, sha256, width, height, format, byte_size, \
             favorite, rating, license_id, license_at, commercial_use, created_at, deleted_at, dhash, \
             provider, model) \
             VALUES (?1, ?2, 0, ?3, ?4, ?4, 'png', 2000000, ?5, ?6, \
             (SELECT min(id) FROM license_terms), '2026-01-01T00:00:00Z', 'conditional', ?7, ?8, ?9, \
             'openai', ?10)",
        )?;
        let mut fts_stmt = tx.prepare(
            "INSERT INTO images_fts (rowid, prompt, revised_prompt) VALUES (?1, ?2, NULL)",
        )?;
        let mut tag_stmt = tx.prepare(
            "INSERT OR IGNORE INTO image_tags (tag_id, image_seq, created_at, image_id) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut board_stmt = tx.prepare(
            "INSERT OR IGNORE INTO board_images (board_id, image_seq, created_at, image_id, added_at) \
             VALUES (?1, ?2, ?3, ?4, ?3)",
        )?;
        for n in 0..rows {
            let created_at = start + n as i64 * step + rng.below(step.max(1) as u64) as i64;
            let len = 6 + rng.below(14) as usize;
            let prompt: Vec<&str> = (0..len)
                .map(|_| words[draw(&table, &mut rng)].as_str())
                .collect();
            let prompt = prompt.join(" ");
            let model = models[rng.below(models.len() as u64) as usize];
            let generation = uuid::Uuid::now_v7().to_string();
            gen_stmt.execute(rusqlite::params![generation, model, prompt, created_at])?;
            let id = uuid::Uuid::now_v7().to_string();
            let deleted = (rng.below(100) == 0).then_some(created_at + 1000);
            img_stmt.execute(rusqlite::params![
                id,
                generation,
                sha,
                [1024, 1024, 2048, 4096][rng.below(4) as usize],
                rng.below(20) == 0,
                [0, 0, 0, 1, 2, 3, 3, 4, 5][rng.below(9) as usize],
                created_at,
                deleted,
                rng.next() as i64,
                model,
            ])?;
            let seq = tx.last_insert_rowid();
            if deleted.is_none() {
                // The index holds live images only, as the library keeps it.
                fts_stmt.execute(rusqlite::params![seq, prompt])?;
            }
            if rng.below(10) == 0 {
                let tag = tag_ids[draw(&tag_table, &mut rng)];
                tag_stmt.execute(rusqlite::params![tag, seq, created_at, id])?;
            }
            // Boards of about 10 %, 1 % and 0.1 % of the library.
            for (board, one_in) in board_ids.iter().zip([10, 100, 1000]) {
                if rng.below(one_in) == 0 {
                    board_stmt.execute(rusqlite::params![board, seq, created_at, id])?;
                }
            }
        }
    }
    tx.commit()?;
    conn.execute_batch("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}

fn pct(v: &[Duration], p: f64) -> Duration {
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:7.2} ms", d.as_secs_f64() * 1000.0)
}

fn time(label: &str, mut run: impl FnMut() -> BoxResult<String>) -> BoxResult<()> {
    run()?; // warm
    time_after_change(label, || Ok(()), run)
}

/// As `time`, with `change` run (untimed) before each run: what a search costs the first
/// time after the library changed, when nothing it remembers holds.
fn time_after_change(
    label: &str,
    mut change: impl FnMut() -> BoxResult<()>,
    mut run: impl FnMut() -> BoxResult<String>,
) -> BoxResult<()> {
    let mut times = Vec::with_capacity(RUNS);
    let mut what = String::new();
    for _ in 0..RUNS {
        change()?;
        let t = Instant::now();
        what = run()?;
        times.push(t.elapsed());
    }
    report(label, times, &format!("  ({what})"));
    Ok(())
}

/// Prints the median and p95 of `times`, then `tail`.
fn report(label: &str, mut times: Vec<Duration>, tail: &str) {
    times.sort();
    println!(
        "  {label:<44} median {}  p95 {}{tail}",
        ms(pct(&times, 0.5)),
        ms(pct(&times, 0.95))
    );
}

/// Times entering `q` at `at` (0.0 the start, 1.0 its last page) and reading that page.
fn time_entered(lib: &Library, label: &str, q: &ListQuery, at: f64) -> BoxResult<()> {
    let n = lib.count(q)?.count;
    let position = ((n as f64 * at) as u64).min(n.saturating_sub(100));
    time(label, || {
        let cursor = lib.cursor_at(q, position)?;
        page(
            lib,
            &ListQuery {
                cursor,
                ..q.clone()
            },
        )
    })
}

fn page(lib: &Library, q: &ListQuery) -> BoxResult<String> {
    let p = lib.list(q)?;
    Ok(format!("{} rows", p.images.len()))
}

fn text(s: &str) -> ListQuery {
    ListQuery {
        text: Some(s.into()),
        limit: 100,
        ..Default::default()
    }
}

fn main() -> BoxResult<()> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let (dir, _temp): (PathBuf, Option<tempfile::TempDir>) = match args.next() {
        Some(d) => (PathBuf::from(d), None),
        None => {
            let t = tempfile::tempdir()?;
            (t.path().to_path_buf(), Some(t))
        }
    };
    let words = vocabulary();
    let existing = Library::open(&dir)?.stats()?.generations as usize;
    if existing < rows {
        let t = Instant::now();
        fill(&dir, rows, &words)?;
        println!(
            "{rows} images written in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let t = Instant::now();
    let lib = Library::open(&dir)?;
    println!("open: {}", ms(t.elapsed()));
    // As the app's housekeeping does after start.
    let t = Instant::now();
    let steps = lib.merge_search_index()?;
    println!(
        "search index merged in {steps} steps, {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let conn = rusqlite::Connection::open(dir.join(DB_FILE))?;
    let df = |w: &str| -> BoxResult<i64> {
        Ok(conn.query_row(
            "SELECT count(*) FROM images_fts WHERE images_fts MATCH ?1",
            [format!("\"{w}\"")],
            |r| r.get(0),
        )?)
    };
    // The word nearest to 10 % of images, and one in about 0.05 %.
    let mut common = (words[0].clone(), 0i64);
    for w in words.iter().take(60) {
        let n = df(w)?;
        if (n - rows as i64 / 10).abs() < (common.1 - rows as i64 / 10).abs() {
            common = (w.clone(), n);
        }
    }
    let rare = words[words.len() / 2].clone();
    let rare_n = df(&rare)?;
    let first_prompt: String = conn.query_row(
        "SELECT g.prompt FROM images i JOIN generations g ON g.id = i.generation_id \
         WHERE i.deleted_at IS NULL ORDER BY i.created_at DESC LIMIT 1 OFFSET ?1",
        [rows as i64 / 3],
        |r| r.get(0),
    )?;
    let phrase: Vec<&str> = first_prompt.split(' ').take(2).collect();
    let phrase = format!("\"{}\"", phrase.join(" "));
    let (deep_at, deep_id): (i64, String) = conn.query_row(
        "SELECT created_at, id FROM images WHERE deleted_at IS NULL \
         ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?1",
        [rows as i64 * 9 / 10],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let deep_cursor = Cursor {
        created_at: deep_at,
        id: deep_id.clone(),
    }
    .encode();
    let saved = lib.save_search("Good ones", &format!("{} rating:>=3", common.0))?;
    println!(
        "{rows} images; common word \"{}\" in {} ({:.1} %), rare word \"{rare}\" in {rare_n}, phrase {phrase}\n",
        common.0,
        common.1,
        common.1 as f64 * 100.0 / rows as f64
    );
    let first = ListQuery {
        limit: 100,
        ..Default::default()
    };
    time("first page (100, newest first)", || page(&lib, &first))?;
    let deep = ListQuery {
        cursor: Some(deep_cursor.clone()),
        ..first.clone()
    };
    time("a page 90 % deep (by cursor)", || page(&lib, &deep))?;
    // The scrollbar dragged, or End pressed: the list entered at a position, then its page.
    let live = lib.count(&ListQuery::default())?.count;
    for (label, position) in [
        ("entered at the middle (position), its page", live / 2),
        (
            "entered at the last page (End), its page",
            live.saturating_sub(100),
        ),
    ] {
        time(label, || {
            let cursor = lib.cursor_at(&first, position)?;
            page(
                &lib,
                &ListQuery {
                    cursor,
                    ..first.clone()
                },
            )
        })?;
    }
    let oldest = ListQuery {
        order: SortOrder::OldestFirst,
        ..first.clone()
    };
    time("entered at 90 % oldest first, its page", || {
        let cursor = lib.cursor_at(&oldest, live * 9 / 10)?;
        page(
            &lib,
            &ListQuery {
                cursor,
                ..oldest.clone()
            },
        )
    })?;
    let c = text(&common.0);
    time("common word", || page(&lib, &c))?;
    let c_deep = ListQuery {
        cursor: Some(deep_cursor.clone()),
        ..c.clone()
    };
    time("common word, 90 % deep", || page(&lib, &c_deep))?;
    let c_old = ListQuery {
        order: SortOrder::OldestFirst,
        ..c.clone()
    };
    time("common word, oldest first", || page(&lib, &c_old))?;
    let r = text(&rare);
    time("rare word", || page(&lib, &r))?;
    let p = text(&phrase);
    time("phrase", || page(&lib, &p))?;
    let prefix = text(&common.0[..3]);
    // Words alone are entered at a position too (the scroll bar of a search dragged, End).
    for (label, q, at) in [
        ("common word entered at its middle, its page", &c, 0.5),
        (
            "common word entered at its last page (End), its page",
            &c,
            1.0,
        ),
        (
            "common word entered at 90 %, oldest first, its page",
            &c_old,
            0.9,
        ),
        ("rare word entered at its last page, its page", &r, 1.0),
        ("phrase entered at its middle, its page", &p, 0.5),
        (
            "3-letter prefix entered at its middle, its page",
            &prefix,
            0.5,
        ),
    ] {
        time_entered(&lib, label, q, at)?;
    }
    let wf = text(&format!("{} model:dall-e-3 is:favorite", common.0));
    time("common word + model + favourite", || page(&lib, &wf))?;
    // A note written before each run: the search starts from nothing remembered.
    let mut notes = 0;
    let mut change = || -> BoxResult<()> {
        notes += 1;
        Ok(lib.set_note(&deep_id, &format!("note {notes}"))?)
    };
    time_after_change("  the same, just after a change", &mut change, || {
        page(&lib, &wf)
    })?;
    time_after_change("common word, just after a change", &mut change, || {
        page(&lib, &c)
    })?;
    time("3-letter prefix (search as you type)", || {
        page(&lib, &prefix)
    })?;
    let tag = text("tag:tag5");
    time("a tag", || page(&lib, &tag))?;
    let board = text("board:print");
    time("a board (1 %)", || page(&lib, &board))?;
    // A board or a tag on its own is entered at a position too (its scroll bar dragged, End).
    let campaign = text("board:campaign");
    for (label, q, at) in [
        (
            "a board (10 %) entered at its middle, its page",
            &campaign,
            0.5,
        ),
        ("a tag entered at its last page (End), its page", &tag, 1.0),
    ] {
        time_entered(&lib, label, q, at)?;
    }
    let board_word = text(&format!("board:campaign {}", common.0));
    time("a board (10 %) + common word", || page(&lib, &board_word))?;
    time("a saved search (common word rating:>=3)", || {
        let s = lib.saved_search(&saved.name)?;
        page(&lib, &text(&s.query))
    })?;
    let count = |q: &ListQuery| -> BoxResult<String> {
        let n = lib.count(q)?;
        Ok(format!("{}{}", n.count, if n.exact { "" } else { "+" }))
    };
    time("count: whole library", || count(&first))?;
    time("count: common word", || count(&c))?;
    time("count: common word + filters", || count(&wf))?;
    let broad = text(&format!("{} model:gpt-image-1", common.0));
    time("count: common word + a model of half", || count(&broad))?;
    let fav = text(&format!("{} is:favorite", common.0));
    time("count: common word + favourite", || count(&fav))?;
    time("count: a board", || count(&board))?;
    time("count: 2-letter prefix", || count(&text(&common.0[..2])))?;
    // The window asks for a search's count and its first page together: the page must not
    // wait for the count.
    time_page_beside_count(&lib, "a page asked as its count runs (word + fav.)", &fav)?;
    time_page_beside_count(
        &lib,
        "a page asked as its count runs (2 letters)",
        &text(&common.0[..2]),
    )?;
    Ok(())
}

/// Times `list(q)` asked 1 ms after `count(q)` began on another thread.
fn time_page_beside_count(lib: &Library, label: &str, q: &ListQuery) -> BoxResult<()> {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = std::sync::Barrier::new(2);
        let took = std::thread::scope(|s| -> BoxResult<Duration> {
            let counting = s.spawn(|| {
                started.wait();
                lib.count(q).map(|_| ())
            });
            started.wait();
            std::thread::sleep(Duration::from_millis(1));
            let t = Instant::now();
            lib.list(q)?;
            let took = t.elapsed();
            counting.join().map_err(|_| "the count panicked")??;
            Ok(took)
        })?;
        times.push(took);
    }
    report(label, times, "");
    Ok(())
}

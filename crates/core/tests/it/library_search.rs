//! The search language wired into lists: every key filters as it says, errors say where,
//! text searches read recent windows first yet return exactly what a plain query would,
//! and no query shape scans the library.
#![allow(clippy::unwrap_used)]

use crate::library_support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use easel_core::library::{
    Cursor, DB_FILE, Library, ListQuery, MatchCount, PURGE_STEP, SCHEMA_VERSION, Selection,
    SortOrder, migration_sql,
};
use rusqlite::{Connection, params};

const WORDS: &[&str] = &[
    "harbour",
    "lighthouse",
    "misty",
    "morning",
    "fox",
    "red",
    "city",
    "lights",
    "portrait",
    "neon",
    "forest",
    "river",
    "mountain",
    "golden",
    "hour",
    "storm",
];

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// `rows` images written straight into the database (no files): Zipf-like words, times that
/// mostly rise with the rowid but jump back now and then (a clock set back, an import), a
/// few favourites, ratings, trashed rows, two models.
fn fill(dir: &Path, rows: usize) {
    fill_with(dir, rows, |rng, t| {
        if rng.below(50) == 0 {
            t - rng.below(30 * 86_400_000) as i64 // out of order
        } else {
            t
        }
    });
}

/// As `fill`; `created` picks each row's time from the library's clock so far.
fn fill_with(dir: &Path, rows: usize, mut created: impl FnMut(&mut Rng, i64) -> i64) {
    {
        let lib = Library::open(dir).unwrap();
        library_support::store(&lib, "seed image", &library_support::png(8, 8, 1));
    }
    let mut conn = Connection::open(dir.join(DB_FILE)).unwrap();
    let tx = conn.transaction().unwrap();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut t: i64 = 1_700_000_000_000;
    for n in 0..rows {
        t += rng.below(60_000) as i64;
        let created = created(&mut rng, t);
        let words: Vec<&str> = (0..6)
            .map(|_| {
                // Skewed: the first words far more often than the last.
                let u = rng.below(1000);
                WORDS[(u * u * WORDS.len() as u64 / 1_000_000) as usize]
            })
            .collect();
        let prompt = words.join(" ");
        let model = if n % 3 == 0 {
            "dall-e-3"
        } else {
            "gpt-image-1"
        };
        let generation = uuid::Uuid::now_v7().to_string();
        let trashed = (rng.below(40) == 0).then_some(created + 1);
        tx.execute(
            "INSERT INTO generations (id, provider, model, prompt, params, status, created_at) \
             VALUES (?1, 'openai', ?2, ?3, '{}', 'succeeded', ?4)",
            params![generation, model, prompt, created],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO images (id, generation_id, idx, sha256, width, height, format, byte_size, \
             favorite, rating, license_id, license_at, commercial_use, created_at, deleted_at, \
             provider, model) \
             VALUES (?1, ?2, 0, ?9, ?3, 1024, 'png', 1, ?4, ?5, (SELECT min(id) FROM license_terms), \
             '2026-01-01T00:00:00Z', 'conditional', ?6, ?7, 'openai', ?8)",
            params![
                uuid::Uuid::now_v7().to_string(),
                generation,
                if n % 4 == 0 { 2048 } else { 1024 },
                rng.below(10) == 0,
                rng.below(6),
                created,
                trashed,
                model,
                "ab".repeat(32)
            ],
        )
        .unwrap();
        let seq = tx.last_insert_rowid();
        // The index holds live images only, as the library keeps it.
        if trashed.is_none() {
            tx.execute(
                "INSERT INTO images_fts (rowid, prompt, revised_prompt) VALUES (?1, ?2, NULL)",
                params![seq, prompt],
            )
            .unwrap();
        }
    }
    tx.commit().unwrap();
}

fn every_page(lib: &Library, text: &str, order: SortOrder, limit: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = lib
            .list(&ListQuery {
                text: Some(text.into()),
                order,
                cursor,
                limit,
                ..Default::default()
            })
            .unwrap();
        out.extend(page.images.into_iter().map(|i| i.id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => return out,
        }
    }
}

/// The header's count for `text`.
fn count_of(lib: &Library, text: &str) -> MatchCount {
    lib.count(&ListQuery {
        text: Some(text.into()),
        ..Default::default()
    })
    .unwrap()
}

/// The header's count for `text` is `matches`, or the cap when counting stopped there.
fn assert_counts(lib: &Library, text: &str, matches: usize) {
    let count = count_of(lib, text);
    if count.exact {
        assert_eq!(count.count as usize, matches, "{text}");
    } else {
        assert!(count.count == 10_000 && matches > 10_000, "{text}");
    }
}

/// The same search done the plain way: every match, sorted.
fn brute_force(dir: &Path, fts: &str, extra: &str, order: SortOrder) -> Vec<String> {
    let conn = Connection::open(dir.join(DB_FILE)).unwrap();
    let dir_sql = match order {
        SortOrder::NewestFirst => "DESC",
        SortOrder::OldestFirst => "ASC",
    };
    conn.prepare(&format!(
        "SELECT i.id FROM images i JOIN generations g ON g.id = i.generation_id \
         WHERE i.deleted_at IS NULL AND i.seq IN \
         (SELECT rowid FROM images_fts WHERE images_fts MATCH ?1) {extra} \
         ORDER BY i.created_at {dir_sql}, i.id {dir_sql}"
    ))
    .unwrap()
    .query_map([fts], |r| r.get(0))
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn windowed_text_search_returns_exactly_the_plain_answer_in_order() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 30_000);
    let lib = Library::open(dir.path()).unwrap();
    for (text, fts, extra) in [
        ("harbour", "\"harbour\"*", ""),
        // A prefix that stands for several words, and one in the middle of the text.
        ("ligh", "\"ligh\"*", ""),
        ("ligh* misty", "\"ligh\"* \"misty\"*", ""),
        ("LightHouse", "\"lighthouse\"*", ""),
        ("storm", "\"storm\"*", ""),
        ("\"misty morning\"", "\"misty morning\"", ""),
        ("fox is:favorite", "\"fox\"*", "AND i.favorite = 1"),
        (
            "lighthouse model:dall-e-3 rating:>=4",
            "\"lighthouse\"*",
            "AND g.model = 'dall-e-3' AND i.rating >= 4",
        ),
        ("river -storm", "(\"river\"*) NOT \"storm\"", ""),
        (
            "golden size:>=2048",
            "\"golden\"*",
            "AND max(i.width, i.height) >= 2048",
        ),
    ] {
        for order in [SortOrder::NewestFirst, SortOrder::OldestFirst] {
            let expected = brute_force(dir.path(), fts, extra, order);
            assert!(!expected.is_empty(), "{text}: the test needs matches");
            let got = every_page(&lib, text, order, 250);
            assert_eq!(got.len(), expected.len(), "{text} {order:?}");
            assert!(got == expected, "{text} {order:?}: order differs");
            assert_counts(&lib, text, expected.len());
        }
    }
}

#[test]
fn an_import_of_old_pictures_is_read_last_yet_every_page_is_exact() {
    // Times rise with the rowid except for an import in the middle: 5,000 pictures (more
    // than a block) taken at any time of the library's life. Their blocks span the whole
    // library, so the search reads them last, bounded by the page found without them.
    let dir = tempfile::tempdir().unwrap();
    let start = 1_700_000_000_000;
    let mut n = 0;
    fill_with(dir.path(), 20_000, |rng, t| {
        n += 1;
        if (9_000..14_000).contains(&n) {
            start + rng.below(20_000 * 30_000) as i64
        } else {
            t
        }
    });
    let lib = Library::open(dir.path()).unwrap();
    for (text, fts, extra) in [
        ("harbour", "\"harbour\"*", ""),
        ("storm", "\"storm\"*", ""),
        ("ligh", "\"ligh\"*", ""),
        ("fox is:favorite", "\"fox\"*", "AND i.favorite = 1"),
        (
            "misty model:dall-e-3 rating:>=4",
            "\"misty\"*",
            "AND g.model = 'dall-e-3' AND i.rating >= 4",
        ),
    ] {
        for order in [SortOrder::NewestFirst, SortOrder::OldestFirst] {
            let expected = brute_force(dir.path(), fts, extra, order);
            assert!(!expected.is_empty(), "{text}: the test needs matches");
            // Small pages for the rarer texts only: a page of 7 over 16,000 matches is slow.
            let limits: &[u32] = if expected.len() < 5_000 {
                &[7, 100, 500]
            } else {
                &[100, 500]
            };
            for &limit in limits {
                let got = every_page(&lib, text, order, limit);
                assert_eq!(got.len(), expected.len(), "{text} {order:?} {limit}");
                assert!(got == expected, "{text} {order:?} {limit}: order differs");
            }
            assert_counts(&lib, text, expected.len());
        }
    }
}

#[test]
fn a_word_asked_before_finds_what_was_stored_and_trashed_since() {
    // What a prefix word stands for is remembered between searches; a commit must end that.
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 200);
    let lib = Library::open(dir.path()).unwrap();
    let found = |text: &str| {
        let q = ListQuery {
            text: Some(text.into()),
            ..Default::default()
        };
        let ids: Vec<String> = lib
            .list(&q)
            .unwrap()
            .images
            .into_iter()
            .map(|i| i.id)
            .collect();
        (lib.count(&q).unwrap().count, ids)
    };
    assert_eq!(found("harbourside"), (0, Vec::new()));
    let harbours = found("harbour").0;
    let id = library_support::store(&lib, "harbourside at dusk", &library_support::png(8, 8, 2));
    assert_eq!(found("harbourside"), (1, vec![id.clone()]));
    assert_eq!(
        found("harbour").0,
        harbours + 1,
        "a new term under a prefix asked before"
    );
    lib.delete_images(std::slice::from_ref(&id)).unwrap();
    assert_eq!(found("harbourside"), (0, Vec::new()));
    lib.restore_images(std::slice::from_ref(&id)).unwrap();
    assert_eq!(found("harbourside").0, 1);
}

#[test]
fn pages_and_counts_stay_exact_as_images_are_trashed_and_restored() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 12_000);
    let lib = Library::open(dir.path()).unwrap();
    let check = |when: &str| {
        for (text, fts, extra) in [
            ("harbour", "\"harbour\"*", ""),
            ("ligh", "\"ligh\"*", ""),
            ("misty ligh", "\"misty\" \"ligh\"*", ""),
            ("fox is:favorite", "\"fox\"*", "AND i.favorite = 1"),
        ] {
            for order in [SortOrder::NewestFirst, SortOrder::OldestFirst] {
                let expected = brute_force(dir.path(), fts, extra, order);
                let got = every_page(&lib, text, order, 97);
                assert!(got == expected, "{when}: {text} {order:?}");
            }
            let count = count_of(&lib, text);
            let n = brute_force(dir.path(), fts, extra, SortOrder::NewestFirst).len();
            assert_eq!(
                (count.count as usize, count.exact),
                (n, true),
                "{when}: {text}"
            );
        }
    };
    check("as filled");
    // Trash every third match of "harbour" among the newest, then a few old ones.
    let newest = every_page(&lib, "harbour", SortOrder::NewestFirst, 500);
    let gone: Vec<String> = newest
        .iter()
        .take(900)
        .step_by(3)
        .chain(newest.iter().rev().take(5))
        .cloned()
        .collect();
    lib.delete_images(&gone).unwrap();
    check("after trashing");
    lib.restore_images(&gone[..100]).unwrap();
    check("after restoring some");
    // A prefix no word of the index has matches nothing, and says so.
    let none = ListQuery {
        text: Some("harbourzz".into()),
        ..Default::default()
    };
    assert!(lib.list(&none).unwrap().images.is_empty());
    assert_eq!(lib.count(&none).unwrap().count, 0);
}

#[test]
fn every_key_filters_as_it_says() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let small = library_support::store(
        &lib,
        "a misty harbour at dawn",
        &library_support::png(40, 30, 1),
    );
    let big = library_support::store(&lib, "red fox in snow", &library_support::png(300, 90, 2));
    lib.set_favorite(&big, true).unwrap();
    lib.set_rating(&Selection::one(&big), 4).unwrap();
    lib.add_tags(&Selection::one(&small), &["Coast".into()])
        .unwrap();
    let board = lib.create_board("Print").unwrap();
    lib.add_to_board(board.id, &Selection::one(&big)).unwrap();
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let before_tomorrow = format!("before:{tomorrow}");
    let before_today = format!("before:{today}");
    let after_today = format!("after:{today}");
    let after_tomorrow = format!("after:{tomorrow}");
    for (text, expected) in [
        ("misty", vec![&small]),
        ("\"misty harbour\"", vec![&small]),
        ("\"harbour misty\"", vec![]),
        ("-fox", vec![&small]),
        ("ha", vec![&small]),
        ("tag:coast", vec![&small]),
        ("board:print", vec![&big]),
        ("model:gpt-image-1", vec![&big, &small]),
        ("model:dall-e-3", vec![]),
        ("provider:OpenAI", vec![&big, &small]),
        ("rating:>=4", vec![&big]),
        ("rating:<4", vec![&small]),
        ("is:favorite", vec![&big]),
        ("license:commercial", vec![&big, &small]),
        ("license:preview", vec![]),
        ("size:>=300", vec![&big]),
        ("size:<100", vec![&small]),
        (before_tomorrow.as_str(), vec![&big, &small]),
        (before_today.as_str(), vec![]),
        (after_today.as_str(), vec![&big, &small]),
        (after_tomorrow.as_str(), vec![]),
        (
            "fox is:favorite rating:4 board:print size:>=300",
            vec![&big],
        ),
    ] {
        let got = every_page(&lib, text, SortOrder::NewestFirst, 10);
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(got, expected, "{text}");
        let count = count_of(&lib, text);
        assert_eq!(
            (count.count, count.exact),
            (expected.len() as u64, true),
            "{text}"
        );
    }
}

#[test]
fn a_bad_search_is_an_error_that_points_at_it_never_an_empty_page() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    library_support::store(&lib, "fox", &library_support::png(8, 8, 1));
    for (text, span) in [
        ("fox colour:red", (4, 14)),
        ("rating:>=9", (0, 10)),
        ("\"open", (0, 5)),
    ] {
        let q = ListQuery {
            text: Some(text.into()),
            ..Default::default()
        };
        for e in [lib.list(&q).unwrap_err(), lib.count(&q).unwrap_err()] {
            assert_eq!(e.code(), "invalid_input", "{text}");
            match e {
                easel_core::Error::InvalidSearch { start, end, .. } => {
                    assert_eq!((start, end), span, "{text}")
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }
    let bad_cursor = ListQuery {
        text: Some("fox".into()),
        cursor: Some("junk".into()),
        ..Default::default()
    };
    assert_eq!(lib.list(&bad_cursor).unwrap_err().code(), "invalid_input");
}

/// A plan line that reads a whole table: `SCAN x` not through an index.
fn full_scans(plan: &[String]) -> Vec<&String> {
    plan.iter()
        .filter(|l| {
            l.starts_with("SCAN ")
                && !l.contains("USING INDEX")
                && !l.contains("USING COVERING INDEX")
                && !l.contains("VIRTUAL TABLE")
                && !l.contains("CONSTANT ROW")
                && !l.starts_with("SCAN (subquery")
                // One row per 18.6 hours of the library's history (941 rows at 1M images):
                // entering the whole list at a position reads it whole by design.
                && *l != "SCAN live_images_by_time"
                // One row per 4,096 images (245 at 1M): entering words at a position reads
                // the blocks' times whole by design, as a search does.
                && *l != "SCAN search_time_blocks"
        })
        .collect()
}

#[test]
fn no_query_shape_scans_the_library() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 3_000);
    let lib = Library::open(dir.path()).unwrap();
    let some = lib.list(&ListQuery::default()).unwrap().images;
    let board = lib.create_board("Print").unwrap();
    lib.add_to_board(board.id, &Selection::one(&some[0].id))
        .unwrap();
    lib.add_tags(
        &Selection::one(&some[1].id),
        &["coast".into(), "sea".into()],
    )
    .unwrap();
    let shapes = [
        "",
        "harbour",
        "misty harbour",
        // Prefixes that become one term, several terms, or none of the index's.
        "harb",
        "ligh",
        "ligh* misty",
        "ligh fox is:favorite",
        "harbourzz",
        "\"misty morning\"",
        "harbour -storm",
        "-storm",
        "tag:coast",
        "tag:coast tag:sea",
        "board:print",
        "board:print fox",
        "tag:coast harbour",
        "model:dall-e-3",
        "provider:openai",
        "rating:>=4",
        "rating:0",
        "is:favorite",
        "license:commercial",
        "license:preview",
        "before:2030-01-01",
        "after:2020-01-01",
        "size:>=2048",
        "fox model:dall-e-3 is:favorite",
        "fox rating:>=3 size:>=2048 after:2020-01-01",
        "credentials:none",
        "credentials:intact",
        "credentials:any",
        "credentials:unread",
        "credentials:intact fox",
        "credentials:any is:favorite",
        "credentials:trusted model:dall-e-3",
    ];
    for text in shapes {
        for order in [SortOrder::NewestFirst, SortOrder::OldestFirst] {
            let q = ListQuery {
                text: Some(text.into()),
                order,
                ..Default::default()
            };
            for (sql, plan) in lib.query_plans(&q).unwrap() {
                let scans = full_scans(&plan);
                assert!(
                    scans.is_empty(),
                    "\"{text}\" {order:?} scans {scans:?}\n{sql}\n{plan:#?}"
                );
            }
        }
    }
}

/// The statistics `ANALYZE` wrote for a library of a million images (measured on one): with
/// them SQLite plans as it would for a user whose library is that large.
const MILLION_IMAGE_STATS: &[(&str, &str, &str)] = &[
    ("search_time_blocks", "", "245"),
    ("library_totals", "", "1"),
    ("boards", "sqlite_autoindex_boards_1", "3 1"),
    ("images_fts_config", "images_fts_config", "1 1"),
    ("images_fts_docsize", "", "990109"),
    ("images_fts_idx", "images_fts_idx", "5517 425 1"),
    ("board_images", "board_images_of_image", "111042 1"),
    ("board_images", "board_images_order", "111042 37014 1 1"),
    ("board_images", "board_images", "111042 37014 1"),
    ("images_fts_data", "", "20281"),
    ("generations", "generations_model", "1000001 1000001 333334"),
    ("generations", "generations_status", "0 0"),
    ("generations", "sqlite_autoindex_generations_1", "1000001 1"),
    ("license_terms", "sqlite_autoindex_license_terms_1", "1 1"),
    ("image_tags", "image_tags_of_image", "100080 1"),
    ("image_tags", "image_tags_order", "100080 501 1 1"),
    ("image_tags", "image_tags", "100080 501 1"),
    ("tags", "sqlite_autoindex_tags_1", "200 1"),
    ("images", "images_unhashed", "0 0"),
    ("images", "images_provider_order", "990109 990109 1 1"),
    ("images", "images_model_order", "990109 330037 1 1"),
    ("images", "images_rated_order", "660135 1 1"),
    ("images", "images_licensed_from", "0 0"),
    ("images", "images_deleted", "9892 1"),
    ("images", "images_sha", "1000001 1000001"),
    ("images", "images_live_order", "990109 1 1"),
    ("images", "sqlite_autoindex_images_2", "1000001 1 1"),
    ("images", "sqlite_autoindex_images_1", "1000001 1"),
];

#[test]
fn a_stack_count_never_reads_the_library_even_when_sqlite_thinks_it_is_huge() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 300);
    {
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.execute_batch("ANALYZE; DELETE FROM sqlite_stat1;")
            .unwrap();
        for (table, index, stat) in MILLION_IMAGE_STATS {
            conn.execute(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?1, ?2, ?3)",
                [table, index, stat],
            )
            .unwrap();
        }
    }
    let lib = Library::open(dir.path()).unwrap();
    let plan = lib.stack_count_plan().unwrap();
    let scans: Vec<&String> = plan.iter().filter(|l| l.starts_with("SCAN i")).collect();
    assert!(scans.is_empty(), "{plan:#?}");
    // And it still counts: nothing descends from a plain generation.
    let some = lib.list(&ListQuery::default()).unwrap().images;
    assert!(lib.stack_counts(&[some[0].id.clone()]).unwrap().is_empty());
}

#[test]
fn a_version_3_library_opens_and_upgrades() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        for v in 1..=3 {
            conn.execute_batch(migration_sql(v).unwrap()).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute_batch(
            "INSERT INTO generations (id, provider, model, prompt, params, status, created_at) \
             VALUES ('g1', 'openai', 'gpt-image-1', 'old misty harbour', '{}', 'succeeded', 1000);
             INSERT INTO license_terms (sha256, json) VALUES ('t', '{}');
             INSERT INTO images (seq, id, generation_id, idx, sha256, width, height, format, \
             byte_size, license_id, license_at, commercial_use, created_at) \
             VALUES (1, 'img-old', 'g1', 0, 's', 10, 10, 'png', 1, 1, 'x', 'yes', 1000);
             INSERT INTO images (seq, id, generation_id, idx, sha256, width, height, format, \
             byte_size, license_id, license_at, commercial_use, created_at, deleted_at) \
             VALUES (2, 'img-trashed', 'g1', 1, 's', 10, 10, 'png', 1, 1, 'x', 'yes', 2000, 3000);
             INSERT INTO images_fts (rowid, prompt, revised_prompt) VALUES (1, 'old misty harbour', NULL);
             INSERT INTO images_fts (rowid, prompt, revised_prompt) VALUES (2, 'old misty harbour', NULL);",
        )
        .unwrap();
    }
    let lib = Library::open(dir.path()).unwrap();
    let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    assert_eq!(lib.count(&ListQuery::default()).unwrap().count, 1);
    let found = every_page(&lib, "misty", SortOrder::NewestFirst, 10);
    assert_eq!(found, ["img-old"]);
    let o = lib.organisation("img-old").unwrap();
    assert_eq!((o.rating, o.note, o.tags.len()), (0, None, 0));
    lib.add_tags(&Selection::one("img-old"), &["kept".into()])
        .unwrap();
    assert_eq!(
        every_page(&lib, "tag:kept harbour", SortOrder::NewestFirst, 10),
        ["img-old"]
    );
    // A cursor from before the upgrade still pages.
    let cursor = Cursor {
        created_at: 5000,
        id: "z".into(),
    }
    .encode();
    let page = lib
        .list(&ListQuery {
            text: Some("misty".into()),
            cursor: Some(cursor),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.images.len(), 1);
}

#[test]
fn the_purge_works_in_steps_while_lists_are_served() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 12_000);
    let lib = Arc::new(Library::open(dir.path()).unwrap());
    let trashed: i64 = Connection::open(dir.path().join(DB_FILE))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM images WHERE deleted_at IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        trashed as usize > PURGE_STEP,
        "{trashed}: more than one step"
    );
    let live = lib.count(&ListQuery::default()).unwrap().count;
    let storm = count_of(&lib, "storm").count;
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (lib, done) = (Arc::clone(&lib), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut pages = 0;
            while !done.load(Ordering::Relaxed) || pages == 0 {
                let page = lib
                    .list(&ListQuery {
                        text: Some("harbour".into()),
                        ..Default::default()
                    })
                    .unwrap();
                assert!(!page.images.is_empty());
                pages += 1;
            }
            pages
        })
    };
    let removed = lib.purge_deleted(Duration::from_secs(86_400)).unwrap();
    done.store(true, Ordering::Relaxed);
    assert_eq!(removed as i64, trashed);
    assert!(reader.join().unwrap() > 0);
    assert_eq!(lib.count(&ListQuery::default()).unwrap().count, live);
    assert_eq!(count_of(&lib, "storm").count, storm);
    assert_eq!(lib.stats().unwrap().deleted, 0);
}

/// The live images counted per stretch of time, in the whole library and in each board and
/// tag, are what the images and their links say.
fn assert_time_spans_agree(dir: &Path, when: &str) {
    let conn = Connection::open(dir.join(DB_FILE)).unwrap();
    let rows = |sql: &str| -> Vec<(i64, i64, i64)> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        rows("SELECT 0, span, live FROM live_images_by_time WHERE live != 0 ORDER BY span"),
        rows(
            "SELECT 0, created_at >> 26, count(*) FROM images WHERE deleted_at IS NULL \
             GROUP BY 2 ORDER BY 2"
        ),
        "{when}: the whole library"
    );
    for (table, column) in [("board_images", "board_id"), ("image_tags", "tag_id")] {
        assert_eq!(
            rows(&format!(
                "SELECT {column}, span, live FROM {table}_by_time WHERE live != 0 ORDER BY 1, 2"
            )),
            rows(&format!(
                "SELECT l.{column}, i.created_at >> 26, count(*) FROM {table} l \
                 JOIN images i ON i.seq = l.image_seq WHERE i.deleted_at IS NULL \
                 GROUP BY 1, 2 ORDER BY 1, 2"
            )),
            "{when}: {table}"
        );
    }
}

/// Entered at any position, in either order, the list of `text` (empty: the whole library)
/// begins with the image that paging from the top finds there; one past the end is
/// `not_found`.
fn assert_entered_exactly(lib: &Library, text: &str, when: &str) {
    for order in [SortOrder::NewestFirst, SortOrder::OldestFirst] {
        let all = every_page(lib, text, order, 500);
        let n = all.len();
        assert!(n > 2, "{when}: {text} lists {n}");
        let list = ListQuery {
            text: Some(text.into()),
            order,
            ..Default::default()
        };
        let count = lib.count(&list).unwrap();
        assert!(count.any_position, "{when}: {text}");
        assert_eq!(count.count as usize, n, "{when}: {text}");
        let mut positions = vec![0, 1, 199, 200, 201, n / 2, n - 2, n - 1, n];
        positions.extend((0..40).map(|k| k * n / 40 + k % 7));
        for p in positions.into_iter().filter(|&p| p <= n) {
            let cursor = lib.cursor_at(&list, p as u64).unwrap();
            assert_eq!(cursor.is_none(), p == 0, "{when}: {text} {order:?} at {p}");
            let page = lib
                .list(&ListQuery {
                    cursor,
                    limit: 3,
                    ..list.clone()
                })
                .unwrap();
            let got: Vec<&String> = page.images.iter().map(|i| &i.id).collect();
            let want: Vec<&String> = all[p..(p + 3).min(n)].iter().collect();
            assert_eq!(got, want, "{when}: {text} {order:?} at {p} of {n}");
        }
        let past = lib.cursor_at(&list, n as u64 + 1).unwrap_err();
        assert_eq!(past.code(), "not_found", "{when}: {text} {order:?}");
    }
}

/// The whole library, the board "Picks", the tag "kept", and words alone (a common word, a
/// phrase, a prefix, two words) are entered exactly.
fn assert_lists_entered_exactly(lib: &Library, dir: &Path, when: &str) {
    assert_time_spans_agree(dir, when);
    for text in [
        "",
        "board:Picks",
        "tag:kept",
        "harbour",
        "\"misty morning\"",
        "lig",
        "storm fox",
        "harbour -storm",
    ] {
        assert_entered_exactly(lib, text, when);
    }
}

#[test]
fn the_library_a_board_a_tag_and_words_can_be_entered_at_any_position() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 12_000);
    let lib = Library::open(dir.path()).unwrap();
    let all = every_page(&lib, "", SortOrder::NewestFirst, 500);
    let board = lib.create_board("Picks").unwrap();
    let picks = |step: usize, skip: usize| Selection::Ids {
        ids: every_page(&lib, "", SortOrder::NewestFirst, 500)
            .into_iter()
            .skip(skip)
            .step_by(step)
            .collect(),
    };
    lib.add_to_board(board.id, &picks(3, 0)).unwrap();
    lib.add_tags(&picks(5, 1), &["kept".into(), "other".into()])
        .unwrap();
    assert_lists_entered_exactly(&lib, dir.path(), "as filled");

    // Trash a spread of images, bring some back, store a new one; links come and go.
    let gone: Vec<String> = all.iter().step_by(13).cloned().collect();
    lib.delete_images(&gone).unwrap();
    lib.restore_images(&gone[..gone.len() / 3]).unwrap();
    let new = library_support::store(&lib, "new misty harbour", &library_support::png(8, 8, 2));
    lib.add_to_board(board.id, &Selection::one(&new)).unwrap();
    lib.add_tags(&Selection::one(&new), &["kept".into()])
        .unwrap();
    lib.remove_from_board(board.id, &picks(7, 0)).unwrap();
    lib.remove_tags(&picks(11, 1), &["kept".into()]).unwrap();
    assert_lists_entered_exactly(&lib, dir.path(), "after trash, restore, a new image, links");

    // Times moved: live images, trashed ones, and one trashed and moved at once.
    {
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.execute_batch(
            "UPDATE images SET created_at = created_at - 40 * 86400000 WHERE seq % 97 = 0;
             UPDATE images SET created_at = created_at + 86400000, deleted_at = 1 \
              WHERE seq % 101 = 0 AND deleted_at IS NULL;
             UPDATE images SET created_at = created_at + 3 * 86400000, deleted_at = NULL \
              WHERE seq % 103 = 0 AND deleted_at IS NOT NULL;",
        )
        .unwrap();
    }
    assert_lists_entered_exactly(&lib, dir.path(), "after times moved");

    // The trash emptied for good; a tag renamed into another (merged); a board deleted.
    assert!(lib.purge_deleted(Duration::from_secs(1)).unwrap() > 0);
    lib.rename_tag("other", "kept").unwrap();
    assert_lists_entered_exactly(&lib, dir.path(), "after the purge and a merge");
    let doomed = lib.create_board("Doomed").unwrap();
    lib.add_to_board(doomed.id, &picks(2, 0)).unwrap();
    lib.delete_board(doomed.id).unwrap();
    assert_time_spans_agree(dir.path(), "after a board was deleted");

    // Searches with filters or excluded words are read from their start.
    for q in [
        ListQuery {
            text: Some("-storm".into()),
            ..Default::default()
        },
        ListQuery {
            text: Some("harbour".into()),
            model: Some("gpt-image-1".into()),
            ..Default::default()
        },
        ListQuery {
            text: Some("board:Picks is:favorite".into()),
            ..Default::default()
        },
        ListQuery {
            text: Some("tag:kept".into()),
            favorites_only: true,
            ..Default::default()
        },
    ] {
        assert!(!lib.count(&q).unwrap().any_position);
        assert_eq!(lib.cursor_at(&q, 10).unwrap_err().code(), "invalid_input");
    }
}

/// Words alone are entered exactly in a library whose rows follow each other in time (each
/// block of rows its own run), and after images are stored out of order (runs joined).
#[test]
fn words_are_entered_at_any_position_whether_times_are_in_order_or_not() {
    let dir = tempfile::tempdir().unwrap();
    fill_with(dir.path(), 14_000, |_, t| t);
    let lib = Library::open(dir.path()).unwrap();
    for text in ["harbour", "lig", "\"misty morning\""] {
        assert_entered_exactly(&lib, text, "in order");
    }
    for n in 0..5 {
        let new = library_support::store(
            &lib,
            &format!("harbour {n} out of order"),
            &library_support::png(8, 8, n + 3),
        );
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.execute(
            "UPDATE images SET created_at = 1700000000000 + ?1 * 20000000 WHERE id = ?2",
            params![n, new],
        )
        .unwrap();
    }
    for text in ["harbour", "lig"] {
        assert_entered_exactly(&lib, text, "with images stored out of order");
    }
}

/// A library made before the counts per stretch of time gets them when it opens.
#[test]
fn an_upgraded_library_counts_its_images_per_stretch_of_time() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 3_000);
    {
        let lib = Library::open(dir.path()).unwrap();
        let all = every_page(&lib, "", SortOrder::NewestFirst, 500);
        let board = lib.create_board("Picks").unwrap();
        let some = Selection::Ids {
            ids: all.iter().step_by(3).cloned().collect(),
        };
        lib.add_to_board(board.id, &some).unwrap();
        lib.add_tags(&some, &["kept".into()]).unwrap();
    }
    let version = SCHEMA_VERSION;
    let tables = [
        "live_images_by_time",
        "board_images_by_time",
        "image_tags_by_time",
    ];
    let added = format!(
        "{}{}",
        migration_sql(version - 1).unwrap(),
        migration_sql(version).unwrap()
    );
    for table in tables {
        assert!(added.contains(table), "the last migrations add {table}");
    }
    {
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        library_support::drop_time_span_counts(&conn);
        conn.pragma_update(None, "user_version", version - 2)
            .unwrap();
    }
    let lib = Library::open(dir.path()).unwrap();
    assert_lists_entered_exactly(&lib, dir.path(), "after the upgrade");
}

#[test]
fn the_credentials_filter_walks_its_own_index() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 200);
    let lib = Library::open(dir.path()).unwrap();
    for text in [
        "credentials:none",
        "credentials:unread",
        "credentials:intact",
    ] {
        let q = ListQuery {
            text: Some(text.into()),
            ..Default::default()
        };
        let plans = lib.query_plans(&q).unwrap();
        let (sql, plan) = &plans[0];
        assert!(
            plan.iter().any(|l| l.contains("images_credentials_order")),
            "{text}: {sql}\n{plan:#?}"
        );
    }
}

#[test]
fn merging_the_search_index_in_steps_keeps_every_answer() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 4_000);
    let lib = Library::open(dir.path()).unwrap();
    // Each stored image is its own transaction: a segment of its own in the index.
    let mut stored = Vec::new();
    for n in 0..3u32 {
        stored.push(library_support::store(
            &lib,
            &format!("harbour lighthouse number{n}"),
            &library_support::png(8, 8, n),
        ));
    }
    let texts = [
        "harbour",
        "ligh",
        "\"misty morning\"",
        "fox is:favorite",
        "number1",
    ];
    let answers = |lib: &Library| -> Vec<Vec<String>> {
        texts
            .iter()
            .map(|t| every_page(lib, t, SortOrder::NewestFirst, 200))
            .collect()
    };
    let before = answers(&lib);
    assert_eq!(before[4], [stored[1].clone()]);
    assert!(lib.merge_search_index().unwrap() >= 1, "segments to merge");
    assert_eq!(
        lib.merge_search_index().unwrap(),
        0,
        "nothing left to merge"
    );
    assert_eq!(answers(&lib), before);
    // Trashing after the merge still takes images out of the answers.
    lib.delete_images(&stored[1..2]).unwrap();
    assert!(every_page(&lib, "number1", SortOrder::NewestFirst, 10).is_empty());
}

#![allow(clippy::unwrap_used)]

use crate::library_support;

use easel_core::library::{DB_FILE, Library, SCHEMA_VERSION, SchemaUpgrade, migration_sql};
use rusqlite::Connection;

fn user_version(conn: &Connection) -> i64 {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn fresh_folder_is_migrated_to_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("data");
    let lib = Library::open(&data).unwrap();
    assert_eq!(lib.data_dir(), data.canonicalize().unwrap());
    assert!(data.join("originals").is_dir() && data.join("thumbs").is_dir());
    lib.check_integrity().unwrap();
    drop(lib);

    let conn = Connection::open(data.join(DB_FILE)).unwrap();
    assert_eq!(user_version(&conn), SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for t in ["generations", "images", "images_fts", "blob_journal"] {
        assert!(tables.iter().any(|x| x == t), "{t} missing from {tables:?}");
    }
    // FTS5 really is compiled in and usable.
    conn.execute(
        "INSERT INTO images_fts (rowid, prompt, revised_prompt) VALUES (1, 'a red fox', NULL)",
        [],
    )
    .unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM images_fts WHERE images_fts MATCH 'fo*'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn reopening_keeps_data_and_does_not_migrate_again() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let lib = Library::open(dir.path()).unwrap();
        library_support::store(
            &lib,
            "a lighthouse at dusk",
            &library_support::png(64, 48, 1),
        )
    };
    let lib = Library::open(dir.path()).unwrap();
    assert_eq!(
        lib.image(&id).unwrap().summary.prompt,
        "a lighthouse at dusk"
    );
    drop(lib);
    let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
    assert_eq!(user_version(&conn), SCHEMA_VERSION);
}

#[test]
fn an_upgrade_is_announced_before_it_runs_and_only_then() {
    let dir = tempfile::tempdir().unwrap();
    let mut told = Vec::new();
    // A new library is created, not upgraded.
    drop(Library::open_announcing(dir.path(), &mut |u| told.push(u)).unwrap());
    assert_eq!(told, []);
    // Nor is one already at this version.
    drop(Library::open_announcing(dir.path(), &mut |u| told.push(u)).unwrap());
    assert_eq!(told, []);

    // A library at version 3: when the front end is told, nothing has changed yet.
    let old = tempfile::tempdir().unwrap();
    let db = old.path().join(DB_FILE);
    {
        let conn = Connection::open(&db).unwrap();
        for v in 1..=3 {
            conn.execute_batch(migration_sql(v).unwrap()).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
    }
    let mut version_when_told = None;
    let lib = Library::open_announcing(old.path(), &mut |u| {
        told.push(u);
        let conn = Connection::open(&db).unwrap();
        version_when_told = Some(user_version(&conn));
    })
    .unwrap();
    assert_eq!(
        told,
        [SchemaUpgrade {
            from: 3,
            to: SCHEMA_VERSION as u32
        }]
    );
    assert_eq!(version_when_told, Some(3));
    drop(lib);
    assert_eq!(
        user_version(&Connection::open(&db).unwrap()),
        SCHEMA_VERSION
    );
}

#[test]
fn newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    drop(Library::open(dir.path()).unwrap());
    let db = dir.path().join(DB_FILE);
    {
        let conn = Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 7)
            .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let err = Library::open(dir.path()).unwrap_err();
    assert_eq!(err.code(), "database_too_new");
    match err {
        easel_core::Error::DatabaseTooNew { found, supported } => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 7, SCHEMA_VERSION));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database file changed"
    );
    let conn = Connection::open(&db).unwrap();
    assert_eq!(user_version(&conn), SCHEMA_VERSION + 7);
}

#[test]
fn a_file_that_is_not_a_database_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(DB_FILE), vec![0x42u8; 8192]).unwrap();
    let err = Library::open(dir.path()).unwrap_err();
    assert_eq!(err.code(), "database");
}

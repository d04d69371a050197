//! The database file: connection settings and forward-only migrations versioned by
//! `PRAGMA user_version`.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::{Error, Result};

/// Each entry moves the schema one version up; entry `i` produces version `i + 1`.
/// Never edit a released entry: add a new one.
const MIGRATIONS: &[&str] = &[
    V1,
    V2,
    V3,
    ADD_RATINGS_NOTES_BOARDS_TAGS_SAVED_SEARCHES,
    ADD_SEARCH_TIME_BLOCKS,
    SEARCH_INDEX_HOLDS_LIVE_IMAGES_ONLY,
    ADD_IMAGE_MODEL_AND_PROVIDER_ORDER,
    ADD_PERCEPTUAL_HASH,
    LINEAGE,
    CONTENT_CREDENTIALS,
    IMPORTS,
    ADD_SEARCH_TERMS,
    ADD_LIVE_IMAGES_BY_TIME,
    ADD_LINKED_IMAGES_BY_TIME,
];

/// The newest schema this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const V1: &str = r#"
CREATE TABLE generations (
    id            TEXT PRIMARY KEY NOT NULL,
    provider      TEXT NOT NULL,
    model         TEXT NOT NULL,
    prompt        TEXT NOT NULL,
    params        TEXT NOT NULL,          -- JSON: every parameter as sent
    status        TEXT NOT NULL CHECK (status IN ('running','succeeded','failed','interrupted','cancelled')),
    error_code    TEXT,
    error_message TEXT,
    request_id    TEXT,
    usage         TEXT,                   -- JSON
    created_at    INTEGER NOT NULL,       -- unix ms
    finished_at   INTEGER
);
CREATE INDEX generations_status ON generations(status) WHERE status = 'running';

-- Licence terms as they were when images were stored. Rows are immutable and shared by
-- every image stored under identical terms (keyed by the sha256 of the JSON), so a snapshot
-- costs a few bytes per image instead of kilobytes.
CREATE TABLE license_terms (
    id     INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    json   TEXT NOT NULL                  -- JSON LicenseTerms
);

CREATE TABLE images (
    seq             INTEGER PRIMARY KEY,  -- stable rowid for the FTS index
    id              TEXT NOT NULL UNIQUE,
    generation_id   TEXT NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
    idx             INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    width           INTEGER NOT NULL,
    height          INTEGER NOT NULL,
    format          TEXT NOT NULL CHECK (format IN ('png','jpeg','webp')),
    byte_size       INTEGER NOT NULL,
    seed            INTEGER,
    favorite        INTEGER NOT NULL DEFAULT 0 CHECK (favorite IN (0,1)),
    commercial_use  TEXT NOT NULL,        -- copy of the licence's commercial_use, for filtering
    created_at      INTEGER NOT NULL,     -- unix ms
    deleted_at      INTEGER,
    license_id      INTEGER NOT NULL REFERENCES license_terms(id),
    license_at      TEXT NOT NULL,        -- the snapshot's snapshot_at, verbatim
    revised_prompt  TEXT,                 -- last: long text stays out of the way of the rest
    UNIQUE (generation_id, idx)
);
-- The list order, over live images only; the filters ride on it.
CREATE INDEX images_live_order ON images(created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX images_favorite_order ON images(created_at, id) WHERE deleted_at IS NULL AND favorite = 1;
CREATE INDEX images_sha ON images(sha256);
CREATE INDEX images_deleted ON images(deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX generations_model ON generations(provider, model);

-- Search over prompt + revised prompt, keyed by images.seq. Contentless: the text lives in
-- the tables above; rows are written by the library code in the image's own transaction.
CREATE VIRTUAL TABLE images_fts USING fts5(
    prompt, revised_prompt,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Blobs being written or removed. A row here at open means a crash interrupted that work:
-- the sweep removes the temp files and, if no image refers to the sha, the files themselves.
CREATE TABLE blob_journal (
    sha256     TEXT PRIMARY KEY NOT NULL,
    ext        TEXT NOT NULL,
    started_at INTEGER NOT NULL
);
"#;

/// Providers beyond OpenAI: what each answer says about an image (moderation, the
/// provider's asset id), whether it must still be licensed, and how a licensed full-size
/// file came from its preview. Old rows read as before: included terms, not filtered.
const V2: &str = r#"
ALTER TABLE images ADD COLUMN filtered INTEGER NOT NULL DEFAULT 0 CHECK (filtered IN (0,1));
ALTER TABLE images ADD COLUMN asset_id TEXT;
ALTER TABLE images ADD COLUMN license_status TEXT NOT NULL DEFAULT 'included'
    CHECK (license_status IN ('included','preview','licensed'));
ALTER TABLE images ADD COLUMN license_transaction TEXT;   -- JSON, when licensed
ALTER TABLE images ADD COLUMN licensed_from TEXT;          -- id of the preview it licenses
CREATE INDEX images_licensed_from ON images(licensed_from) WHERE licensed_from IS NOT NULL;
"#;

/// When `check --repair` found an image's original damaged (bytes no longer match their
/// sha256); cleared when a later check finds it sound again (restored from a backup).
const V3: &str = "ALTER TABLE images ADD COLUMN damaged_at INTEGER;";

/// Organising: a rating 0-5 and a note per image, boards and tags (many to many), saved
/// searches, and the live-image total for the Library header. Link rows copy the image's
/// `(created_at, id)` so a board or tag pages by its own index, in list order; counts of
/// live images are kept by triggers so reading them costs one row.
const ADD_RATINGS_NOTES_BOARDS_TAGS_SAVED_SEARCHES: &str = r#"
ALTER TABLE images ADD COLUMN rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5);
CREATE INDEX images_rated_order ON images(created_at, id) WHERE deleted_at IS NULL AND rating > 0;

CREATE TABLE image_notes (
    image_seq  INTEGER PRIMARY KEY REFERENCES images(seq) ON DELETE CASCADE,
    note       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE boards (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,      -- lower-cased name: names are unique ignoring case
    cover_seq   INTEGER REFERENCES images(seq) ON DELETE SET NULL,
    image_count INTEGER NOT NULL DEFAULT 0, -- live images; kept by triggers
    created_at  INTEGER NOT NULL
);
CREATE TABLE board_images (
    board_id   INTEGER NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    image_seq  INTEGER NOT NULL REFERENCES images(seq) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,           -- the image's, for paging in list order
    image_id   TEXT NOT NULL,              -- the image's
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (board_id, image_seq)
) WITHOUT ROWID;
CREATE INDEX board_images_order ON board_images(board_id, created_at, image_id);
CREATE INDEX board_images_of_image ON board_images(image_seq);

CREATE TABLE tags (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,      -- lower-cased: tags compare ignoring case
    image_count INTEGER NOT NULL DEFAULT 0  -- live images; kept by triggers
);
CREATE TABLE image_tags (
    tag_id     INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    image_seq  INTEGER NOT NULL REFERENCES images(seq) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    image_id   TEXT NOT NULL,
    PRIMARY KEY (tag_id, image_seq)
) WITHOUT ROWID;
CREATE INDEX image_tags_order ON image_tags(tag_id, created_at, image_id);
CREATE INDEX image_tags_of_image ON image_tags(image_seq);

CREATE TABLE saved_searches (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    query      TEXT NOT NULL,              -- search-language text, run afresh each time
    created_at INTEGER NOT NULL
);

CREATE TABLE library_totals (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    live_images INTEGER NOT NULL
);
INSERT INTO library_totals (id, live_images)
    SELECT 1, count(*) FROM images WHERE deleted_at IS NULL;

CREATE TRIGGER board_link_added AFTER INSERT ON board_images
WHEN (SELECT deleted_at IS NULL FROM images WHERE seq = NEW.image_seq)
BEGIN UPDATE boards SET image_count = image_count + 1 WHERE id = NEW.board_id; END;
CREATE TRIGGER board_link_removed AFTER DELETE ON board_images
WHEN (SELECT deleted_at IS NULL FROM images WHERE seq = OLD.image_seq)
BEGIN UPDATE boards SET image_count = image_count - 1 WHERE id = OLD.board_id; END;

CREATE TRIGGER tag_link_added AFTER INSERT ON image_tags
WHEN (SELECT deleted_at IS NULL FROM images WHERE seq = NEW.image_seq)
BEGIN UPDATE tags SET image_count = image_count + 1 WHERE id = NEW.tag_id; END;
CREATE TRIGGER tag_link_removed AFTER DELETE ON image_tags
WHEN (SELECT deleted_at IS NULL FROM images WHERE seq = OLD.image_seq)
BEGIN UPDATE tags SET image_count = image_count - 1 WHERE id = OLD.tag_id; END;

CREATE TRIGGER image_added_to_totals AFTER INSERT ON images WHEN NEW.deleted_at IS NULL
BEGIN UPDATE library_totals SET live_images = live_images + 1; END;
CREATE TRIGGER image_removed_from_totals AFTER DELETE ON images WHEN OLD.deleted_at IS NULL
BEGIN UPDATE library_totals SET live_images = live_images - 1; END;

-- Trash and restore move an image out of (or back into) every count it is part of.
CREATE TRIGGER image_trash_state AFTER UPDATE OF deleted_at ON images
WHEN (OLD.deleted_at IS NULL) != (NEW.deleted_at IS NULL)
BEGIN
    UPDATE library_totals
       SET live_images = live_images + (CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END);
    UPDATE boards
       SET image_count = image_count + (CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END)
     WHERE id IN (SELECT board_id FROM board_images WHERE image_seq = NEW.seq);
    UPDATE tags
       SET image_count = image_count + (CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END)
     WHERE id IN (SELECT tag_id FROM image_tags WHERE image_seq = NEW.seq);
END;

-- Link rows carry the image's time; should it ever change, they follow.
CREATE TRIGGER image_time_to_links AFTER UPDATE OF created_at ON images
BEGIN
    UPDATE board_images SET created_at = NEW.created_at WHERE image_seq = NEW.seq;
    UPDATE image_tags SET created_at = NEW.created_at WHERE image_seq = NEW.seq;
END;
"#;

/// Full-text search sorted by time reads the most recent stretch of the library first:
/// FTS5 narrows to a range of rowids (`images.seq`) cheaply, and this table says which
/// times each block of 4096 rowids holds, so a search knows when no older block can
/// change its page. Kept by triggers; blocks only ever widen (safe: a wider range only
/// means looking further).
const ADD_SEARCH_TIME_BLOCKS: &str = r#"
CREATE TABLE search_time_blocks (
    block          INTEGER PRIMARY KEY,    -- images.seq >> 12
    min_created_at INTEGER NOT NULL,
    max_created_at INTEGER NOT NULL
);
INSERT INTO search_time_blocks (block, min_created_at, max_created_at)
    SELECT seq >> 12, min(created_at), max(created_at) FROM images GROUP BY seq >> 12;
CREATE TRIGGER image_time_block_added AFTER INSERT ON images
BEGIN
    INSERT INTO search_time_blocks (block, min_created_at, max_created_at)
    VALUES (NEW.seq >> 12, NEW.created_at, NEW.created_at)
    ON CONFLICT (block) DO UPDATE SET
        min_created_at = min(min_created_at, excluded.min_created_at),
        max_created_at = max(max_created_at, excluded.max_created_at);
END;
CREATE TRIGGER image_time_block_moved AFTER UPDATE OF created_at ON images
BEGIN
    INSERT INTO search_time_blocks (block, min_created_at, max_created_at)
    VALUES (NEW.seq >> 12, NEW.created_at, NEW.created_at)
    ON CONFLICT (block) DO UPDATE SET
        min_created_at = min(min_created_at, excluded.min_created_at),
        max_created_at = max(max_created_at, excluded.max_created_at);
END;
"#;

/// The search index holds live images only: trashing an image takes it out, restoring puts
/// it back (its text is still in the tables). Searches then never meet the trash, and the
/// number of matches of a text is the index's own count.
const SEARCH_INDEX_HOLDS_LIVE_IMAGES_ONLY: &str = r#"
DELETE FROM images_fts WHERE rowid IN (SELECT seq FROM images WHERE deleted_at IS NOT NULL);
CREATE TRIGGER image_trashed_leaves_search AFTER UPDATE OF deleted_at ON images
WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
BEGIN
    DELETE FROM images_fts WHERE rowid = NEW.seq;
END;
CREATE TRIGGER image_restored_joins_search AFTER UPDATE OF deleted_at ON images
WHEN OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL
BEGIN
    INSERT INTO images_fts (rowid, prompt, revised_prompt)
    SELECT NEW.seq, g.prompt, NEW.revised_prompt FROM generations g WHERE g.id = NEW.generation_id;
END;
"#;

/// Each image carries its generation's provider and model (copied; a generation's never
/// change), so `model:` and `provider:` walk their own index in list order instead of
/// testing every image's generation.
const ADD_IMAGE_MODEL_AND_PROVIDER_ORDER: &str = r#"
ALTER TABLE images ADD COLUMN provider TEXT NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN model TEXT NOT NULL DEFAULT '';
UPDATE images SET
    provider = (SELECT g.provider FROM generations g WHERE g.id = images.generation_id),
    model = (SELECT g.model FROM generations g WHERE g.id = images.generation_id);
CREATE INDEX images_model_order ON images(model, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX images_provider_order ON images(provider, created_at, id) WHERE deleted_at IS NULL;
"#;

/// A 64-bit difference hash of each image's pixels (see `perceptual.rs`), for finding
/// near-duplicates; NULL until computed (images stored before this version are hashed in
/// steps, later).
const ADD_PERCEPTUAL_HASH: &str = r#"
ALTER TABLE images ADD COLUMN dhash INTEGER;
CREATE INDEX images_unhashed ON images(seq) WHERE dhash IS NULL AND deleted_at IS NULL;
"#;

/// The SQL that moves a library from `version - 1` to `version`; for tests that build a
/// library as an older Easel left it.
pub fn migration_sql(version: i64) -> Option<&'static str> {
    let i = usize::try_from(version.checked_sub(1)?).ok()?;
    MIGRATIONS.get(i).copied()
}

/// Lineage of edits and variations: what each derived generation was made from (the image
/// changed, reference images, the mask) and by which operation, so that its images know
/// their parents and an edit can be re-run. Inputs are kept content-addressed under
/// `inputs/` (rows point at them by sha256), apart from originals, so that deleting a
/// parent never loses what an edit was made from.
const LINEAGE: &str = r#"
CREATE TABLE derivations (
    generation_id TEXT PRIMARY KEY NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
    operation     TEXT NOT NULL,          -- JSON EditOperation, e.g. {"kind":"inpaint"}
    mask_sha256   TEXT                    -- Easel's mask (alpha = change), inputs/<sha>.png
);
CREATE TABLE derivation_inputs (
    generation_id TEXT NOT NULL REFERENCES derivations(generation_id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,       -- 0: the image changed; then references in order
    parent_id     TEXT,                   -- the library image it was, if it came from there
    sha256        TEXT NOT NULL,
    format        TEXT NOT NULL CHECK (format IN ('png','jpeg','webp')),
    PRIMARY KEY (generation_id, position)
);
CREATE INDEX derivation_inputs_parent ON derivation_inputs(parent_id) WHERE parent_id IS NOT NULL;
"#;

/// Content Credentials (C2PA) read from each original, keyed by the original's sha256 (the
/// same bytes carry the same credentials); each image copies the state, so `credentials:`
/// walks its own index in list order. Images stored before this version are `unread` until
/// read on demand (`easel-cli provenance`).
const CONTENT_CREDENTIALS: &str = r#"
CREATE TABLE content_credentials (
    sha256  TEXT PRIMARY KEY NOT NULL,
    state   TEXT NOT NULL CHECK (state IN ('trusted','valid','invalid','none')),
    summary TEXT NOT NULL,                 -- JSON provenance::Credentials
    read_at INTEGER NOT NULL
);
ALTER TABLE images ADD COLUMN credentials TEXT NOT NULL DEFAULT 'unread'
    CHECK (credentials IN ('unread','trusted','valid','invalid','none'));
CREATE INDEX images_credentials_order ON images(credentials, created_at, id)
    WHERE deleted_at IS NULL;
"#;

/// Imports: what each imported image's file said (tool, declared rights, what could not be
/// mapped, provenance as read) and which source files were done, so that importing a folder
/// again skips them without reading them.
const IMPORTS: &str = r#"
CREATE TABLE image_imports (
    image_seq INTEGER PRIMARY KEY REFERENCES images(seq) ON DELETE CASCADE,
    tool      TEXT NOT NULL,              -- a1111, comfyui, invokeai, import
    origin    TEXT NOT NULL               -- JSON ImportOrigin
);
CREATE TABLE import_sources (
    path        TEXT PRIMARY KEY NOT NULL,
    byte_size   INTEGER NOT NULL,
    modified_ns INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    seen_at     INTEGER NOT NULL
);
"#;

/// The search index's own list of terms (a view over it, no data of its own). Search as you
/// type matches the last word as a prefix; FTS5 answers a prefix longer than its prefix
/// index by merging the whole doclist of every term with it on each query, so the search
/// reads the terms here once and asks for them by name, which FTS5 can seek in by rowid.
const ADD_SEARCH_TERMS: &str = r#"
CREATE VIRTUAL TABLE images_fts_terms USING fts5vocab(images_fts, 'row');
"#;

pub fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

/// For browsing a library that cannot be written. Without write access SQLite cannot make
/// the WAL index; when no write-ahead log holds data, the file alone is the whole database,
/// so it is opened as immutable (no WAL index needed).
pub fn connect_read_only(path: &Path) -> rusqlite::Result<Connection> {
    use rusqlite::OpenFlags;
    let wal = std::path::PathBuf::from(format!("{}-wal", path.display()));
    let wal_has_data = std::fs::metadata(&wal)
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = if wal_has_data {
        Connection::open_with_flags(path, flags)?
    } else {
        let mut url = String::from("file:");
        for b in path.to_string_lossy().bytes() {
            match b {
                b'?' | b'#' | b'%' => url.push_str(&format!("%{b:02X}")),
                _ => url.push(char::from(b)),
            }
        }
        url.push_str("?immutable=1");
        Connection::open_with_flags(url, flags)?
    };
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch("PRAGMA query_only = ON;")?;
    Ok(conn)
}

/// Refuses a database from a newer build before anything is written to it.
pub fn check_version(conn: &Connection) -> Result<i64> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(Error::DatabaseTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

/// Connection settings; only called once the version check passed (WAL writes to the file).
pub fn configure(conn: &Connection) -> Result<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!("database journal mode is {mode}, not WAL");
    }
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA cache_size = -32768;",
    )?;
    Ok(())
}

/// How many live images each stretch of time holds (`created_at >> 26`: about 18.6 hours),
/// so the whole library's list can be entered at any position (a scrollbar dragged to the
/// middle of a million, the End key) by summing a few hundred rows and stepping within one
/// stretch, instead of counting every image before it. Kept by triggers, as the totals are.
const ADD_LIVE_IMAGES_BY_TIME: &str = r#"
CREATE TABLE live_images_by_time (
    span INTEGER PRIMARY KEY,              -- created_at >> 26
    live INTEGER NOT NULL
);
INSERT INTO live_images_by_time (span, live)
    SELECT created_at >> 26, count(*) FROM images WHERE deleted_at IS NULL GROUP BY 1;
CREATE TRIGGER image_added_to_time_spans AFTER INSERT ON images WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO live_images_by_time (span, live) VALUES (NEW.created_at >> 26, 1)
    ON CONFLICT (span) DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER image_removed_from_time_spans AFTER DELETE ON images WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE live_images_by_time SET live = live - 1 WHERE span = OLD.created_at >> 26;
END;
CREATE TRIGGER image_trash_state_in_time_spans AFTER UPDATE OF deleted_at ON images
WHEN (OLD.deleted_at IS NULL) != (NEW.deleted_at IS NULL)
BEGIN
    -- Leaving, it leaves the span it was counted in; coming back, it joins its span now.
    INSERT INTO live_images_by_time (span, live)
    VALUES (CASE WHEN NEW.deleted_at IS NULL THEN NEW.created_at ELSE OLD.created_at END >> 26,
            CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END)
    ON CONFLICT (span) DO UPDATE SET live = live + excluded.live;
END;
CREATE TRIGGER image_moved_in_time_spans AFTER UPDATE OF created_at ON images
WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NULL
BEGIN
    UPDATE live_images_by_time SET live = live - 1 WHERE span = OLD.created_at >> 26;
    INSERT INTO live_images_by_time (span, live) VALUES (NEW.created_at >> 26, 1)
    ON CONFLICT (span) DO UPDATE SET live = live + 1;
END;
"#;

/// The same counts per stretch of time for each board and each tag, so that a board (or a
/// tag) on its own can be entered at any position too. An image's trash state and time move
/// its counts in every board and tag it is in, as they move the boards' and tags' totals.
const ADD_LINKED_IMAGES_BY_TIME: &str = r#"
CREATE TABLE board_images_by_time (
    board_id  INTEGER NOT NULL,
    span   INTEGER NOT NULL,               -- the image's created_at >> 26
    live   INTEGER NOT NULL,
    PRIMARY KEY (board_id, span)
) WITHOUT ROWID;
INSERT INTO board_images_by_time (board_id, span, live)
    SELECT l.board_id, i.created_at >> 26, count(*)
      FROM board_images l JOIN images i ON i.seq = l.image_seq
     WHERE i.deleted_at IS NULL GROUP BY 1, 2;
CREATE TRIGGER board_images_link_added_to_time_spans AFTER INSERT ON board_images
WHEN (SELECT deleted_at IS NULL FROM images WHERE seq = NEW.image_seq)
BEGIN
    INSERT INTO board_images_by_time (board_id, span, live)
    SELECT NEW.board_id, created_at >> 26, 1 FROM images WHERE seq = NEW.image_seq
    ON CONFLICT (board_id, span) DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER board_images_link_removed_from_time_spans AFTER DELETE ON board_images
WHEN (SELECT deleted_at IS NULL FROM images WHERE seq = OLD.image_seq)
BEGIN
    UPDATE board_images_by_time SET live = live - 1
     WHERE board_id = OLD.board_id
       AND span = (SELECT created_at >> 26 FROM images WHERE seq = OLD.image_seq);
END;
CREATE TRIGGER board_deleted_from_time_spans AFTER DELETE ON boards
BEGIN
    DELETE FROM board_images_by_time WHERE board_id = OLD.id;
END;
CREATE TABLE image_tags_by_time (
    tag_id  INTEGER NOT NULL,
    span   INTEGER NOT NULL,               -- the image's created_at >> 26
    live   INTEGER NOT NULL,
    PRIMARY KEY (tag_id, span)
) WITHOUT ROWID;
INSERT INTO image_tags_by_time (tag_id, span, live)
    SELECT l.tag_id, i.created_at >> 26, count(*)
      FROM image_tags l JOIN images i ON i.seq = l.image_seq
     WHERE i.deleted_at IS NULL GROUP BY 1, 2;
CREATE TRIGGER image_tags_link_added_to_time_spans AFTER INSERT ON image_tags
WHEN (SELECT deleted_at IS NULL FROM images WHERE seq = NEW.image_seq)
BEGIN
    INSERT INTO image_tags_by_time (tag_id, span, live)
    SELECT NEW.tag_id, created_at >> 26, 1 FROM images WHERE seq = NEW.image_seq
    ON CONFLICT (tag_id, span) DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER image_tags_link_removed_from_time_spans AFTER DELETE ON image_tags
WHEN (SELECT deleted_at IS NULL FROM images WHERE seq = OLD.image_seq)
BEGIN
    UPDATE image_tags_by_time SET live = live - 1
     WHERE tag_id = OLD.tag_id
       AND span = (SELECT created_at >> 26 FROM images WHERE seq = OLD.image_seq);
END;
CREATE TRIGGER tag_deleted_from_time_spans AFTER DELETE ON tags
BEGIN
    DELETE FROM image_tags_by_time WHERE tag_id = OLD.id;
END;
CREATE TRIGGER image_trash_state_in_link_time_spans AFTER UPDATE OF deleted_at ON images
WHEN (OLD.deleted_at IS NULL) != (NEW.deleted_at IS NULL)
BEGIN
    INSERT INTO board_images_by_time (board_id, span, live)
    SELECT board_id,
           CASE WHEN NEW.deleted_at IS NULL THEN NEW.created_at ELSE OLD.created_at END >> 26,
           CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END
      FROM board_images WHERE image_seq = NEW.seq
    ON CONFLICT (board_id, span) DO UPDATE SET live = live + excluded.live;
    INSERT INTO image_tags_by_time (tag_id, span, live)
    SELECT tag_id,
           CASE WHEN NEW.deleted_at IS NULL THEN NEW.created_at ELSE OLD.created_at END >> 26,
           CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END
      FROM image_tags WHERE image_seq = NEW.seq
    ON CONFLICT (tag_id, span) DO UPDATE SET live = live + excluded.live;
END;
CREATE TRIGGER image_moved_in_link_time_spans AFTER UPDATE OF created_at ON images
WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NULL
 AND (OLD.created_at >> 26) != (NEW.created_at >> 26)
BEGIN
    UPDATE board_images_by_time SET live = live - 1
     WHERE span = OLD.created_at >> 26
       AND board_id IN (SELECT board_id FROM board_images WHERE image_seq = NEW.seq);
    INSERT INTO board_images_by_time (board_id, span, live)
    SELECT board_id, NEW.created_at >> 26, 1 FROM board_images WHERE image_seq = NEW.seq
    ON CONFLICT (board_id, span) DO UPDATE SET live = live + 1;
    UPDATE image_tags_by_time SET live = live - 1
     WHERE span = OLD.created_at >> 26
       AND tag_id IN (SELECT tag_id FROM image_tags WHERE image_seq = NEW.seq);
    INSERT INTO image_tags_by_time (tag_id, span, live)
    SELECT tag_id, NEW.created_at >> 26, 1 FROM image_tags WHERE image_seq = NEW.seq
    ON CONFLICT (tag_id, span) DO UPDATE SET live = live + 1;
END;
"#;

/// Settings of the second, read-only connection a writable library lists and searches
/// with (the database is already in WAL mode by then).
pub fn configure_reader(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "PRAGMA query_only = ON;
         PRAGMA cache_size = -32768;",
    )?;
    Ok(())
}

/// Applies the migrations after `from`, each with its version bump in one transaction.
pub fn migrate(conn: &mut Connection, from: i64) -> Result<()> {
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(from.max(0) as usize) {
        let version = i as i64 + 1;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated between our check and this lock.
        let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now >= version {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

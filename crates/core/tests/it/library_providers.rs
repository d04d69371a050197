//! What providers beyond OpenAI add to a stored image: moderation, the provider's asset id,
//! previews that must be licensed, licensed full-size files linked to their preview; and
//! that a library written before these existed reads exactly as before.
#![allow(clippy::unwrap_used)]

use crate::library_support;

use easel_core::export::{ExportItem, FlagKind, preflight};
use easel_core::library::{ImageFacts, Library, ListQuery, NewImage};
use easel_core::license::{LicenseSnapshot, snapshot_for};
use easel_core::providers::LicenseStatus;
use library_support::{png, request, store};
use rusqlite::Connection;
use serde_json::json;

fn store_with(
    lib: &Library,
    prompt: &str,
    seed: u32,
    license: LicenseSnapshot,
    facts: ImageFacts,
) -> String {
    let req = request(prompt);
    let generation = lib.create_generation(&req).unwrap();
    let record = lib
        .store_image(NewImage {
            generation_id: &generation,
            index: 0,
            bytes: &png(64, 48, seed),
            revised_prompt: None,
            seed: Some(i64::from(seed) + 4_000_000_000),
            license,
            facts,
        })
        .unwrap();
    lib.finish_generation(&generation, &Default::default())
        .unwrap();
    record.summary.id
}

fn preview_license() -> LicenseSnapshot {
    LicenseSnapshot {
        status: LicenseStatus::Preview,
        ..snapshot_for("openai", "gpt-image-1")
    }
}

#[test]
fn previews_filtered_and_licensed_images_read_back_with_their_facts() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let preview = store_with(
        &lib,
        "harbour preview",
        1,
        preview_license(),
        ImageFacts {
            asset_id: Some("gen-asset-123".into()),
            ..Default::default()
        },
    );
    let filtered = store_with(
        &lib,
        "harbour blurred",
        2,
        snapshot_for("openai", "gpt-image-1"),
        ImageFacts {
            filtered: true,
            ..Default::default()
        },
    );
    let transaction =
        json!({"reference": "tx-9", "size": "4k", "licensed_at": "2026-12-02T10:00:00Z"});
    let licensed = store_with(
        &lib,
        "harbour licensed",
        3,
        LicenseSnapshot {
            status: LicenseStatus::Licensed,
            transaction: Some(transaction.clone()),
            ..snapshot_for("openai", "gpt-image-1")
        },
        ImageFacts {
            asset_id: Some("gen-asset-123".into()),
            licensed_from: Some(preview.clone()),
            ..Default::default()
        },
    );

    let p = lib.image(&preview).unwrap();
    assert_eq!(p.summary.license_status, LicenseStatus::Preview);
    assert_eq!(p.license.status, LicenseStatus::Preview);
    assert_eq!(p.asset_id.as_deref(), Some("gen-asset-123"));
    assert_eq!(p.seed, Some(4_000_000_001), "seeds above i32 are kept");
    assert!(!p.summary.filtered);

    let f = lib.image(&filtered).unwrap();
    assert!(f.summary.filtered);
    assert_eq!(f.license.status, LicenseStatus::Included);

    let l = lib.image(&licensed).unwrap();
    assert_eq!(l.license.status, LicenseStatus::Licensed);
    assert_eq!(l.license.transaction, Some(transaction));
    assert_eq!(l.licensed_from.as_deref(), Some(preview.as_str()));

    // JSON as `show --json` prints it: license.status and license.transaction.
    let v = serde_json::to_value(&l).unwrap();
    assert_eq!(v["license"]["status"], "licensed");
    assert_eq!(v["license"]["transaction"]["reference"], "tx-9");
    assert_eq!(v["filtered"], false);
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["license"]["status"], "preview");
    assert!(v["license"].get("transaction").is_none());

    // "Commercial use allowed" never lists a preview.
    let page = lib
        .list(&ListQuery {
            commercial_only: true,
            ..Default::default()
        })
        .unwrap();
    let ids: Vec<&str> = page.images.iter().map(|i| i.id.as_str()).collect();
    assert!(!ids.contains(&preview.as_str()), "{ids:?}");
    assert!(ids.contains(&licensed.as_str()) && ids.contains(&filtered.as_str()));
}

fn export_item(lib: &Library, id: &str) -> ExportItem {
    let d = lib.image(id).unwrap();
    ExportItem {
        original_path: lib.original_path(id).unwrap(),
        image_id: d.summary.id.clone(),
        provider: d.summary.provider.clone(),
        model: d.summary.model.clone(),
        created_at: d.summary.created_at.clone(),
        prompt: d.summary.prompt.clone(),
        revised_prompt: d.revised_prompt.clone(),
        filtered: d.summary.filtered,
        sha256: Some(d.sha256.clone()),
        license: d.license,
    }
}

#[test]
fn export_flags_unlicensed_previews_and_filtered_images() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let preview = store_with(&lib, "p", 1, preview_license(), ImageFacts::default());
    let filtered = store_with(
        &lib,
        "f",
        2,
        snapshot_for("openai", "gpt-image-1"),
        ImageFacts {
            filtered: true,
            ..Default::default()
        },
    );
    let flags = preflight(&[export_item(&lib, &preview)]);
    let kinds: Vec<FlagKind> = flags.iter().map(|f| f.kind).collect();
    // The generation terms do not apply to a preview: only the preview flag.
    assert_eq!(kinds, vec![FlagKind::UnlicensedPreview]);
    assert!(
        flags[0].message.contains("license it"),
        "{}",
        flags[0].message
    );

    let flags = preflight(&[export_item(&lib, &filtered)]);
    let kinds: Vec<FlagKind> = flags.iter().map(|f| f.kind).collect();
    // OpenAI's terms are conditional, and the image was blurred: both are said.
    assert_eq!(kinds, vec![FlagKind::Conditional, FlagKind::Filtered]);
}

/// A library from before schema 2: the columns of schemas 2 and 3 (and the lineage tables of
/// the next one) are taken away again and
/// the version set back, as an older Easel left it; opening migrates it and every image reads
/// as before.
#[test]
fn a_version_1_library_opens_and_its_images_read_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let (id, before) = {
        let lib = Library::open(dir.path()).unwrap();
        let id = store(&lib, "an old lighthouse", &png(80, 60, 7));
        (id.clone(), lib.image(&id).unwrap())
    };
    {
        let conn = Connection::open(dir.path().join(easel_core::library::DB_FILE)).unwrap();
        crate::library_support::downgrade_to_v3(&conn);
        conn.execute_batch(
            "DROP INDEX images_licensed_from;
             ALTER TABLE images DROP COLUMN filtered;
             ALTER TABLE images DROP COLUMN asset_id;
             ALTER TABLE images DROP COLUMN license_status;
             ALTER TABLE images DROP COLUMN license_transaction;
             ALTER TABLE images DROP COLUMN licensed_from;
             ALTER TABLE images DROP COLUMN damaged_at;
             DROP TABLE derivation_inputs;
             DROP TABLE derivations;
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let lib = Library::open(dir.path()).unwrap();
    let after = lib.image(&id).unwrap();
    assert_eq!(after, before);
    assert_eq!(after.license.status, LicenseStatus::Included);
    assert!(!after.summary.filtered);
    let found = lib
        .list(&ListQuery {
            text: Some("lighthouse".into()),
            commercial_only: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.images.len(), 1);
}

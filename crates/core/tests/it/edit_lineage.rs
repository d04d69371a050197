//! Lineage in the library (parents, inputs kept content-addressed, the version tree, stack
//! counts), licence inheritance, and the upgrade of a version-3 library.

use easel_core::edit::EditOperation;
use easel_core::library::{
    DB_FILE, ImageFormat, Library, NewDerivation, NewImage, NewInput, SCHEMA_VERSION,
};
use easel_core::license::{CommercialUse, LicenseSnapshot, snapshot_for};
use easel_core::license_inheritance::{ParentTerms, inherit};
use easel_core::providers::LicenseStatus;
use rusqlite::Connection;

use crate::library_support::{png, request, store};

/// Stores one derived image of `parent` made by `op`, as the engine does.
fn derive(
    lib: &Library,
    parent: &str,
    op: &EditOperation,
    seed: u32,
    mask: Option<&[u8]>,
) -> String {
    let generation = lib.create_generation(&request("edited")).unwrap();
    let parent_bytes = lib.read_original(parent).unwrap();
    lib.record_derivation(&NewDerivation {
        generation_id: &generation,
        operation: op,
        inputs: vec![NewInput {
            parent_id: Some(parent),
            bytes: &parent_bytes,
        }],
        mask,
    })
    .unwrap();
    let parent_license = lib.image(parent).unwrap().license;
    let license = inherit(
        snapshot_for("openai", "gpt-image-1"),
        vec![ParentTerms::of_image(parent, &parent_license)],
    );
    lib.store_image(NewImage {
        generation_id: &generation,
        index: 0,
        bytes: &png(32, 32, seed),
        revised_prompt: None,
        seed: None,
        license,
        facts: Default::default(),
    })
    .unwrap()
    .summary
    .id
}

#[test]
fn derived_images_know_their_parents_siblings_and_children() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let root = store(&lib, "a fox in the snow", &png(32, 32, 1));
    let mask = png(32, 32, 9);
    let a = derive(&lib, &root, &EditOperation::Inpaint, 2, Some(&mask));
    let b = derive(&lib, &root, &EditOperation::Variation, 3, None);
    let c = derive(
        &lib,
        &a,
        &EditOperation::Outpaint {
            left: 0,
            right: 64,
            up: 0,
            down: 0,
        },
        4,
        None,
    );

    let tree = lib.version_tree(&a).unwrap();
    assert_eq!(tree.parent.as_deref(), Some(root.as_str()));
    assert_eq!(tree.siblings, vec![b.clone()]);
    assert_eq!(tree.children, vec![c.clone()]);
    let d = tree.derivation.unwrap();
    assert_eq!(d.operation, EditOperation::Inpaint);
    assert_eq!(d.inputs.len(), 1);
    assert_eq!(d.inputs[0].image_id.as_deref(), Some(root.as_str()));
    assert_eq!(d.inputs[0].role, "source");
    // The inputs are kept, content-addressed, so the edit can be re-run even if the parent goes.
    let parent_bytes = lib.read_original(&root).unwrap();
    assert_eq!(
        lib.read_input(&d.inputs[0].sha256, ImageFormat::Png)
            .unwrap(),
        parent_bytes
    );
    let mask_sha = d.mask_sha256.unwrap();
    assert_eq!(lib.read_input(&mask_sha, ImageFormat::Png).unwrap(), mask);

    let root_tree = lib.version_tree(&root).unwrap();
    assert!(root_tree.derivation.is_none() && root_tree.parent.is_none());
    assert_eq!(root_tree.children, vec![a.clone(), b.clone()]);
    let c_tree = lib.version_tree(&c).unwrap();
    assert_eq!(
        c_tree.derivation.unwrap().operation,
        EditOperation::Outpaint {
            left: 0,
            right: 64,
            up: 0,
            down: 0
        }
    );

    // Stacks count every descendant; deleted ones drop out.
    let counts = lib
        .stack_counts(&[root.clone(), a.clone(), c.clone()])
        .unwrap();
    assert_eq!(counts, vec![(root.clone(), 3), (a.clone(), 1)]);
    lib.delete_images(std::slice::from_ref(&c)).unwrap();
    assert_eq!(
        lib.stack_counts(std::slice::from_ref(&root)).unwrap(),
        vec![(root.clone(), 2)]
    );
    assert!(lib.version_tree(&a).unwrap().children.is_empty());
    // A deleted parent leaves the tree without a parent, but the input is still there.
    lib.delete_images(std::slice::from_ref(&root)).unwrap();
    let tree = lib.version_tree(&a).unwrap();
    assert_eq!(tree.parent, None);
    let d = tree.derivation.unwrap();
    assert_eq!(
        lib.read_input(&d.inputs[0].sha256, ImageFormat::Png)
            .unwrap(),
        parent_bytes
    );
}

#[test]
fn a_derivation_without_inputs_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let generation = lib.create_generation(&request("x")).unwrap();
    let e = lib
        .record_derivation(&NewDerivation {
            generation_id: &generation,
            operation: &EditOperation::Edit,
            inputs: Vec::new(),
            mask: None,
        })
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
}

fn with(commercial: CommercialUse, status: LicenseStatus) -> LicenseSnapshot {
    let mut s = snapshot_for("openai", "gpt-image-1");
    s.terms.commercial_use = commercial;
    s.terms.commercial_condition =
        (commercial == CommercialUse::Conditional).then(|| "under 1,000 employees".to_owned());
    s.status = status;
    s
}

#[test]
fn the_strictest_commercial_use_wins_and_names_its_parent() {
    let mut own = snapshot_for("getty", "generative-ai");
    own.terms.commercial_use = CommercialUse::Yes;
    // No parents: unchanged.
    assert_eq!(inherit(own.clone(), Vec::new()), own);

    let yes = ParentTerms::of_image("p-yes", &with(CommercialUse::Yes, LicenseStatus::Included));
    let cond = ParentTerms::of_image(
        "p-cond",
        &with(CommercialUse::Conditional, LicenseStatus::Included),
    );
    let no = ParentTerms::of_image("p-no", &with(CommercialUse::No, LicenseStatus::Included));

    let r = inherit(own.clone(), vec![yes.clone()]);
    assert_eq!(r.terms.commercial_use, CommercialUse::Yes);
    let i = r.terms.inherited.as_ref().unwrap();
    assert_eq!(
        (i.own_commercial_use, i.limited_by.as_deref()),
        (CommercialUse::Yes, None)
    );

    let r = inherit(own.clone(), vec![yes.clone(), cond.clone()]);
    assert_eq!(r.terms.commercial_use, CommercialUse::Conditional);
    assert!(
        r.terms
            .commercial_condition
            .as_deref()
            .unwrap()
            .contains("under 1,000 employees")
    );
    assert_eq!(
        r.terms.inherited.as_ref().unwrap().limited_by.as_deref(),
        Some("p-cond")
    );
    assert!(
        r.terms.restrictions[0].contains("p-cond"),
        "{:?}",
        r.terms.restrictions
    );

    let r = inherit(own.clone(), vec![cond.clone(), no.clone(), yes.clone()]);
    assert_eq!(r.terms.commercial_use, CommercialUse::No);
    assert_eq!(r.terms.commercial_condition, None);
    assert_eq!(
        r.terms.inherited.as_ref().unwrap().limited_by.as_deref(),
        Some("p-no")
    );
    assert_eq!(r.terms.inherited.as_ref().unwrap().parents.len(), 3);

    // Unknown stays unknown: a file from outside, or a parent with unknown terms.
    let r = inherit(own.clone(), vec![yes.clone(), ParentTerms::unknown_file()]);
    assert_eq!(r.terms.commercial_use, CommercialUse::Unknown);
    assert_eq!(
        r.terms.inherited.as_ref().unwrap().limited_by.as_deref(),
        Some("file")
    );
    assert!(!r.terms.indemnified);
    let unknown = ParentTerms::of_image("p-unknown", &snapshot_for("acme", "x"));
    assert_eq!(
        inherit(own.clone(), vec![unknown]).terms.commercial_use,
        CommercialUse::Unknown
    );
    // "No" is stricter than unknown.
    let r = inherit(own.clone(), vec![ParentTerms::unknown_file(), no]);
    assert_eq!(r.terms.commercial_use, CommercialUse::No);

    // An unlicensed preview parent makes the result conditional on licensing it.
    let preview = ParentTerms::of_image(
        "p-preview",
        &with(CommercialUse::Yes, LicenseStatus::Preview),
    );
    let r = inherit(own.clone(), vec![preview]);
    assert_eq!(r.terms.commercial_use, CommercialUse::Conditional);
    assert!(
        r.terms
            .commercial_condition
            .unwrap()
            .contains("license it first")
    );

    // The image's own terms stay the floor: an unknown provider stays unknown.
    let r = inherit(snapshot_for("acme", "x"), vec![yes]);
    assert_eq!(r.terms.commercial_use, CommercialUse::Unknown);
    assert_eq!(r.terms.inherited.unwrap().limited_by, None);
}

#[test]
fn inherited_terms_are_stored_and_read_back_with_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let root = store(&lib, "a heron", &png(32, 32, 1));
    let child = derive(&lib, &root, &EditOperation::Edit, 2, None);
    let detail = lib.image(&child).unwrap();
    let inherited = detail.license.terms.inherited.unwrap();
    assert_eq!(
        inherited.parents[0].image_id.as_deref(),
        Some(root.as_str())
    );
    assert_eq!(
        detail.summary.commercial_use,
        detail.license.terms.commercial_use
    );
}

#[test]
fn a_library_from_before_lineage_opens_and_gains_it() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let lib = Library::open(dir.path()).unwrap();
        store(&lib, "an old image", &png(16, 16, 1))
    };
    {
        // Back to the version before lineage (migration 9): its tables, and those of the
        // migrations after it (Content Credentials, imports), did not exist.
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        crate::library_support::drop_time_span_counts(&conn);
        conn.execute_batch(
            "DROP TABLE images_fts_terms; DROP TABLE image_imports; DROP TABLE import_sources; \
             DROP INDEX images_credentials_order; ALTER TABLE images DROP COLUMN credentials; \
             DROP TABLE content_credentials; \
             DROP TABLE derivation_inputs; DROP TABLE derivations; PRAGMA user_version = 8;",
        )
        .unwrap();
    }
    let lib = Library::open(dir.path()).unwrap();
    assert_eq!(lib.image(&id).unwrap().summary.prompt, "an old image");
    let child = derive(&lib, &id, &EditOperation::Variation, 5, None);
    assert_eq!(
        lib.version_tree(&child).unwrap().parent.as_deref(),
        Some(id.as_str())
    );
    drop(lib);
    let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
}

#[test]
fn a_backup_keeps_what_edits_were_made_from() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(&dir.path().join("lib")).unwrap();
    let root = store(&lib, "a kingfisher", &png(32, 32, 1));
    let mask = png(32, 32, 9);
    let child = derive(&lib, &root, &EditOperation::Inpaint, 2, Some(&mask));
    let archive = dir.path().join("backup.tar");
    lib.backup_to(&archive).unwrap();
    drop(lib);
    let restored_dir = dir.path().join("restored");
    easel_core::library::restore(&archive, &restored_dir).unwrap();
    let restored = Library::open(&restored_dir).unwrap();
    let d = restored.version_tree(&child).unwrap().derivation.unwrap();
    assert_eq!(d.inputs[0].image_id.as_deref(), Some(root.as_str()));
    let parent_bytes = restored.read_original(&root).unwrap();
    assert_eq!(
        restored
            .read_input(&d.inputs[0].sha256, ImageFormat::Png)
            .unwrap(),
        parent_bytes
    );
    assert_eq!(
        restored
            .read_input(&d.mask_sha256.unwrap(), ImageFormat::Png)
            .unwrap(),
        mask
    );
}

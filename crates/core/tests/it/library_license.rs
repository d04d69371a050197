#![allow(clippy::unwrap_used)]

use crate::library_support;

use easel_core::library::{Library, NewImage};
use easel_core::license::{CommercialUse, LicenseSnapshot, snapshot_for, terms_for};
use library_support::{png, request};

#[test]
fn openai_models_have_known_terms() {
    for model in ["gpt-image-1", "gpt-image-1-mini", "dall-e-3", "dall-e-2"] {
        let t = terms_for("openai", model);
        assert!(t.known, "{model}");
        assert_eq!(t.id, "openai-images");
        assert_eq!(t.terms_url, "https://openai.com/policies/terms-of-use/");
        assert_eq!(t.commercial_use, CommercialUse::Conditional);
        assert!(t.commercial_condition.is_some());
        assert!(!t.attribution_required);
        assert_eq!(
            t.credit_line,
            format!("Image generated with OpenAI {model}")
        );
        assert_eq!(t.checked_on, "2026-11-25");
        assert!(t.disclaimer.contains("not legal advice"));
        for point in [
            "output_ownership",
            "indemnity",
            "commercial_use",
            "training_data",
            "creators_compensated",
        ] {
            assert!(
                t.sources.iter().any(|s| s.point == point),
                "no source for {point}"
            );
        }
        assert!(t.creators_compensated.contains("Shutterstock"));
    }
}

#[test]
fn unknown_models_and_providers_are_explicitly_unknown() {
    for (provider, model) in [("openai", "sora-2"), ("stability", "sd3"), ("", "")] {
        let t = terms_for(provider, model);
        assert!(!t.known, "{provider}/{model}");
        assert_eq!(t.id, "unknown");
        assert_eq!(t.commercial_use, CommercialUse::Unknown);
        assert_eq!(t.provider, provider);
        assert!(t.summary.contains("unknown"), "{}", t.summary);
        assert!(t.summary.contains(model));
    }
}

#[test]
fn the_snapshot_stored_with_an_image_is_what_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let generation = lib.create_generation(&request("terms")).unwrap();
    // A snapshot that differs from today's catalogue, as if the catalogue changed since.
    let mut old: LicenseSnapshot = snapshot_for("openai", "dall-e-3");
    old.terms.summary = "The terms as they were back then.".into();
    old.terms.commercial_use = CommercialUse::Yes;
    old.terms.commercial_condition = None;
    old.snapshot_at = "2024-01-02T03:04:05.000Z".into();
    let id = lib
        .store_image(NewImage {
            generation_id: &generation,
            index: 0,
            bytes: &png(8, 8, 1),
            revised_prompt: None,
            seed: None,
            license: old.clone(),
            facts: Default::default(),
        })
        .unwrap()
        .summary
        .id;
    drop(lib);
    let lib = Library::open(dir.path()).unwrap();
    let detail = lib.image(&id).unwrap();
    assert_eq!(detail.license, old);
    assert_ne!(detail.license.terms, terms_for("openai", "dall-e-3"));
    assert_eq!(
        detail.summary.commercial_use,
        CommercialUse::Yes,
        "filter column follows the snapshot"
    );

    // What is stored is exactly that snapshot.
    let conn = rusqlite::Connection::open(dir.path().join(easel_core::library::DB_FILE)).unwrap();
    let (json, at): (String, String) = conn
        .query_row(
            "SELECT l.json, i.license_at FROM images i JOIN license_terms l ON l.id = i.license_id WHERE i.id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        serde_json::from_str::<easel_core::license::LicenseTerms>(&json).unwrap(),
        old.terms
    );
    assert_eq!(at, old.snapshot_at);

    // Unknown terms are not "commercial".
    let g2 = lib.create_generation(&request("unknown terms")).unwrap();
    lib.store_image(NewImage {
        generation_id: &g2,
        index: 0,
        bytes: &png(8, 8, 2),
        revised_prompt: None,
        seed: None,
        license: snapshot_for("acme", "x"),
        facts: Default::default(),
    })
    .unwrap();
    let commercial = lib
        .list(&easel_core::library::ListQuery {
            commercial_only: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        commercial
            .images
            .iter()
            .map(|i| i.id.clone())
            .collect::<Vec<_>>(),
        vec![id]
    );
}

//! Licences of local checkpoints: matched by name or hash from the catalogue, declared by
//! the user for others, and "terms unknown" (never a silent default) for the rest.

use std::collections::BTreeMap;

use easel_core::license::{
    Checkpoint, CommercialUse, DeclaredLicense, checkpoint_catalogue, snapshot_for_checkpoint,
    terms_for_checkpoint,
};

fn named(name: &str) -> Checkpoint {
    Checkpoint::named(name)
}

#[test]
fn common_checkpoints_are_matched_by_name() {
    let none = BTreeMap::new();
    for (name, id, commercial) in [
        (
            "v1-5-pruned-emaonly.safetensors",
            "creativeml-openrail-m",
            CommercialUse::Conditional,
        ),
        (
            "sd_xl_base_1.0.safetensors",
            "creativeml-openrail-plus-plus-m",
            CommercialUse::Conditional,
        ),
        (
            "sd3.5_large.safetensors",
            "stability-community-license",
            CommercialUse::Conditional,
        ),
        (
            "SD3_Medium_incl_clips.safetensors",
            "stability-community-license",
            CommercialUse::Conditional,
        ),
        (
            "flux1-schnell.safetensors",
            "flux1-schnell-apache-2.0",
            CommercialUse::Yes,
        ),
        (
            "flux1-dev-fp8.safetensors",
            "flux1-dev-non-commercial",
            CommercialUse::Conditional,
        ),
        (
            "checkpoints/FLUX1-DEV.safetensors",
            "flux1-dev-non-commercial",
            CommercialUse::Conditional,
        ),
    ] {
        let t = terms_for_checkpoint("studio", &named(name), &none);
        assert_eq!(t.id, id, "{name}");
        assert!(t.known, "{name}");
        assert_eq!(t.commercial_use, commercial, "{name}");
        assert_eq!(t.provider, "studio");
    }
    let sd3 = terms_for_checkpoint("studio", &named("sd3.5_medium.safetensors"), &none);
    assert!(sd3.commercial_condition.unwrap().contains("1,000,000"));
    let dev = terms_for_checkpoint("studio", &named("flux1-dev.safetensors"), &none);
    assert!(dev.summary.contains("non-commercial"));
    for t in checkpoint_catalogue() {
        assert!(
            !t.sources.is_empty() && t.checked_on.len() == 10,
            "{}",
            t.id
        );
    }
}

#[test]
fn hashes_match_whatever_the_file_is_called() {
    let none = BTreeMap::new();
    let renamed = Checkpoint {
        name: "my-favourite".into(),
        title: Some("my-favourite.safetensors [6ce0161689]".into()),
        hash: Some("6ce0161689".into()),
        sha256: None,
    };
    assert_eq!(
        terms_for_checkpoint("forge", &renamed, &none).id,
        "creativeml-openrail-m"
    );
    let by_sha = Checkpoint {
        sha256: Some("31e35c80fcAAAA".into()),
        ..named("renamed")
    };
    assert_eq!(
        terms_for_checkpoint("forge", &by_sha, &none).id,
        "creativeml-openrail-plus-plus-m"
    );
}

#[test]
fn others_are_terms_unknown_until_declared() {
    let mut declared = BTreeMap::new();
    let merge = named("dreamyMerge_v7.safetensors");
    let t = terms_for_checkpoint("studio", &merge, &declared);
    assert!(!t.known);
    assert_eq!(t.commercial_use, CommercialUse::Unknown);
    assert!(t.summary.contains("dreamyMerge_v7"), "{}", t.summary);
    assert!(t.not_commercially_safe_because().is_some());

    declared.insert(
        "dreamymerge_v7.safetensors".to_owned(),
        DeclaredLicense {
            license: "CreativeML OpenRAIL-M + merge author's terms".into(),
            commercial_use: CommercialUse::No,
            terms_url: "https://example.org/dreamy".into(),
            note: "no selling <b>images</b>".into(),
        },
    );
    let t = terms_for_checkpoint("studio", &merge, &declared);
    assert!(t.known);
    assert_eq!(t.commercial_use, CommercialUse::No);
    assert!(t.id.starts_with("declared:"));
    assert!(t.disclaimer.contains("Declared by you"));
    // Declaring a catalogue entry's id takes that entry's terms.
    declared.insert(
        "dreamymerge_v7.safetensors".to_owned(),
        DeclaredLicense {
            license: "creativeml-openrail-m".into(),
            commercial_use: CommercialUse::Conditional,
            terms_url: String::new(),
            note: String::new(),
        },
    );
    let snap = snapshot_for_checkpoint("studio", &merge, &declared);
    assert_eq!(snap.terms.id, "creativeml-openrail-m");
    assert!(snap.terms.summary.starts_with("Declared by you"));
}

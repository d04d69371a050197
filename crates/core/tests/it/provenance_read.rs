//! Reading Content Credentials: c2pa-rs's own fixtures (signed, tampered, none), the trust
//! list deciding "trusted", hostile manifest text, and what the library records on ingest.
#![allow(clippy::unwrap_used)]

use crate::c2pa_support::*;
use crate::library_support;

use easel_core::library::{Library, ListQuery};
use easel_core::provenance::{self, CredentialsState, MAX_TEXT, TrustList};

#[test]
fn a_signed_fixture_is_valid_from_an_unknown_signer() {
    let c = provenance::read(&fixture_bytes("C.jpg"));
    assert_eq!(c.state, CredentialsState::Valid, "{c:#?}");
    assert!(c.problems.is_empty());
    assert!(c.claim_generator.is_some(), "{c:#?}");
    assert!(c.signer.is_some(), "{c:#?}");
    assert!(
        c.trust_list.starts_with("C2PA Trust List (20"),
        "{}",
        c.trust_list
    );
    let sentence = provenance::sentence(&c);
    assert!(
        sentence.contains("intact, from a signer not on the C2PA trust list"),
        "{sentence}"
    );
}

#[test]
fn the_trust_list_decides_trusted() {
    let c = provenance::read_with(&fixture_bytes("C.jpg"), &test_roots());
    assert_eq!(c.state, CredentialsState::Trusted, "{c:#?}");
    assert!(provenance::sentence(&c).ends_with(", intact."));
    // The shipped list plus extra roots also trusts it.
    let pem = std::fs::read_to_string(fixture("certs/test_cert_root_bundle.pem")).unwrap();
    let both = TrustList::shipped().with_extra_roots(&pem, "test roots");
    assert_eq!(
        provenance::read_with(&fixture_bytes("C.jpg"), &both).state,
        CredentialsState::Trusted
    );
}

#[test]
fn tampered_fixtures_are_invalid_with_reasons() {
    for name in ["E-sig-CA.jpg", "XCA.jpg"] {
        let c = provenance::read(&fixture_bytes(name));
        assert_eq!(c.state, CredentialsState::Invalid, "{name}: {c:#?}");
        assert!(!c.problems.is_empty(), "{name}");
        assert!(
            provenance::sentence(&c).contains("not intact ("),
            "{name}: {}",
            provenance::sentence(&c)
        );
    }
}

#[test]
fn files_without_credentials_read_as_none() {
    for name in ["no_manifest.jpg", "libpng-test.png", "test.webp"] {
        let c = provenance::read(&fixture_bytes(name));
        assert_eq!(c.state, CredentialsState::None, "{name}: {c:#?}");
        assert_eq!(provenance::sentence(&c), "No Content Credentials.");
    }
    // Not an image at all, and a truncated signed file, never panic.
    assert_eq!(provenance::read(b"hello").state, CredentialsState::None);
    let signed = fixture_bytes("C.jpg");
    let cut = provenance::read(&signed[..signed.len() / 3]);
    assert_ne!(cut.state, CredentialsState::Valid);
}

#[test]
fn hostile_manifest_text_is_kept_as_capped_text() {
    let identity = organisation_identity();
    let hostile = format!(
        "\u{1b}]0;owned\u{7}<script>alert(1)</script>\u{202e}{}",
        "A".repeat(20_000)
    );
    let png = library_support::png(32, 32, 7);
    let edit = provenance::ExportEdit {
        resized: false,
        converted: true,
        made_with: hostile.clone(),
        title: hostile.clone(),
    };
    let signed = provenance::sign_export(&png, &png, &edit, &identity).unwrap();
    let c = provenance::read(&signed.bytes);
    assert!(c.state.is_intact(), "{c:#?}");
    let title = c.title.unwrap();
    assert!(
        title.starts_with("\u{1b}]0;owned\u{7}<script>"),
        "kept as text"
    );
    assert_eq!(
        title.chars().count(),
        MAX_TEXT + 1,
        "capped, with an ellipsis"
    );
    assert!(title.ends_with('…'));
}

#[test]
fn ingest_records_credentials_and_the_filter_finds_them() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let plain = library_support::store(&lib, "plain harbour", &library_support::png(24, 24, 1));
    let signed_bytes = fixture_bytes("C.jpg");
    let signed = library_support::store(&lib, "signed harbour", &signed_bytes);
    let broken = library_support::store(&lib, "broken harbour", &fixture_bytes("XCA.jpg"));

    assert_eq!(
        lib.credentials(&plain).unwrap().unwrap().state,
        CredentialsState::None
    );
    let c = lib.credentials(&signed).unwrap().unwrap();
    assert_eq!(c.state, CredentialsState::Valid);
    assert_eq!(
        lib.credentials(&broken).unwrap().unwrap().state,
        CredentialsState::Invalid
    );

    let ids = |text: &str| -> Vec<String> {
        let mut v: Vec<String> = lib
            .list(&ListQuery {
                text: Some(text.into()),
                ..Default::default()
            })
            .unwrap()
            .images
            .into_iter()
            .map(|i| i.id)
            .collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(ids("credentials:none"), vec![plain.clone()]);
    assert_eq!(ids("credentials:intact"), vec![signed.clone()]);
    assert_eq!(ids("credentials:invalid"), vec![broken.clone()]);
    assert_eq!(
        ids("credentials:any"),
        sorted(vec![signed.clone(), broken.clone()])
    );
    assert_eq!(ids("credentials:any harbour"), ids("credentials:any"));
    assert!(ids("credentials:unread").is_empty());
    // The list filter does the same as the search key.
    let listed = lib
        .list(&ListQuery {
            credentials: Some(easel_core::library::search_language::CredentialsFilter::None),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(listed.images.len(), 1);
    assert_eq!(
        lib.count(&ListQuery {
            text: Some("credentials:any".into()),
            ..Default::default()
        })
        .unwrap()
        .count,
        2
    );

    // Read again on demand (e.g. against a newer list): same answer, recorded.
    assert_eq!(lib.read_credentials(&signed).unwrap(), c);
}

#[test]
fn images_from_before_credentials_are_unread_until_read() {
    let dir = tempfile::tempdir().unwrap();
    let id;
    {
        let lib = Library::open(dir.path()).unwrap();
        id = library_support::store(&lib, "old", &fixture_bytes("C.jpg"));
    }
    // As an older Easel left it: no reading recorded.
    {
        let conn =
            rusqlite::Connection::open(dir.path().join(easel_core::library::DB_FILE)).unwrap();
        conn.execute_batch(
            "DELETE FROM content_credentials; UPDATE images SET credentials = 'unread';",
        )
        .unwrap();
    }
    let lib = Library::open(dir.path()).unwrap();
    assert_eq!(lib.credentials(&id).unwrap(), None);
    let unread = lib
        .list(&ListQuery {
            text: Some("credentials:unread".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(unread.images.len(), 1);
    let step = lib.read_unread_credentials(None).unwrap();
    assert_eq!((step.read, step.skipped, step.next), (1, 0, None));
    assert_eq!(
        lib.credentials(&id).unwrap().unwrap().state,
        CredentialsState::Valid
    );
}

//! Signing exports: PNG, JPEG and WebP get an Easel manifest (original as `parentOf`,
//! opened/resized/converted; `created` with trainedAlgorithmicMedia for an original without
//! credentials), read back by Easel and by an independent reader (c2pa-python); a file
//! changed after signing reads as invalid; "Original" stays byte-identical.
#![allow(clippy::unwrap_used)]

use crate::c2pa_support::*;
use crate::export_support::*;

use easel_core::export::{ExportFormat, ExportOptions, ExportSize, export_one};
use easel_core::provenance::{
    self, CredentialsState, SignerKind, SigningStore, TRAINED_ALGORITHMIC_MEDIA,
};
use easel_core::secrets::KeyStore;

fn signed_options(format: ExportFormat, identity: provenance::SigningIdentity) -> ExportOptions {
    ExportOptions {
        format,
        size: ExportSize::LongEdge { px: 48 },
        signing: Some(identity),
        ..Default::default()
    }
}

fn actions(c: &provenance::Credentials) -> Vec<String> {
    c.actions.iter().map(|a| a.action.clone()).collect()
}

/// Changes one byte of image data well away from the manifest.
fn tamper(bytes: &mut [u8]) {
    let at = bytes.len() - 40;
    bytes[at] ^= 0x5a;
}

#[test]
fn exports_are_signed_and_read_back_by_both_readers() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("o.png");
    write_png_rgba(&src, 64, 64);
    let it = item("sig", src.clone(), "a lighthouse", commercial_license());
    let identity = installation_identity();
    for format in [ExportFormat::Png, ExportFormat::Jpeg, ExportFormat::Webp] {
        let out = dir.path().join(format!("{format:?}"));
        let f = export_one(&it, &signed_options(format, identity.clone()), &out).unwrap();
        let cc = f.content_credentials.clone().expect("signed");
        assert_eq!(cc.signer, SignerKind::Installation);
        assert!(
            cc.what_others_see
                .contains("valid, from a signer they don't know")
        );

        let bytes = std::fs::read(&f.path).unwrap();
        let c = provenance::read(&bytes);
        assert_eq!(c.state, CredentialsState::Valid, "{format:?}: {c:#?}");
        assert!(c.claim_generator.as_deref().unwrap().starts_with("Easel "));
        assert_eq!(c.signer.as_deref(), Some("Easel installation"));
        let a = actions(&c);
        assert_eq!(a[0], "c2pa.opened", "{format:?}: {a:?}");
        assert!(a.contains(&"c2pa.resized".to_owned()), "{a:?}");
        assert!(a.contains(&"c2pa.converted".to_owned()), "{a:?}");
        assert_eq!(c.ingredients.len(), 1);
        assert_eq!(c.ingredients[0].relationship.as_deref(), Some("parentOf"));
        // The original had no credentials: Easel declared it made with generative AI in
        // the parent's own manifest.
        assert!(c.ingredients[0].has_credentials);

        // Easel's XMP is inside the signed file, under the signature.
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("trainedAlgorithmicMedia"), "{format:?}");

        // An independent reader agrees.
        if let Some(doc) = read_with_c2pa_python(&f.path) {
            assert!(doc.get("error").is_none(), "{format:?}: {doc}");
            let state = doc["validation_state"].as_str().unwrap_or_default();
            assert!(
                state.contains("Valid") || state.contains("VALID"),
                "{format:?}: {state} {}",
                doc["validation_results"]
            );
            let active = doc["active_manifest"].as_str().unwrap();
            let m = &doc["manifests"][active];
            let ingredients = m["ingredients"].as_array().unwrap();
            assert!(
                ingredients.iter().any(|i| i["relationship"] == "parentOf"),
                "{format:?}: {m}"
            );
            let listed = m["assertions"].to_string();
            for action in ["c2pa.opened", "c2pa.resized", "c2pa.converted"] {
                assert!(listed.contains(action), "{format:?}: {action} in {listed}");
            }
            let parent = ingredients[0]["active_manifest"].as_str().unwrap();
            let parent_actions = doc["manifests"][parent]["assertions"].to_string();
            assert!(parent_actions.contains("c2pa.created"), "{parent_actions}");
            assert!(parent_actions.contains(TRAINED_ALGORITHMIC_MEDIA));
        }

        // Changed after signing: invalid, for both readers.
        let mut changed = bytes.clone();
        tamper(&mut changed);
        let c = provenance::read(&changed);
        assert_eq!(c.state, CredentialsState::Invalid, "{format:?}: {c:#?}");
        assert!(!c.problems.is_empty());
        let tampered = out.join("tampered");
        std::fs::write(&tampered, &changed).unwrap();
        if let Some(doc) = read_with_c2pa_python(&tampered) {
            let state = doc["validation_state"].as_str().unwrap_or_default();
            assert!(
                doc.get("error").is_some()
                    || state.contains("Invalid")
                    || state.contains("INVALID"),
                "{format:?}: {doc}"
            );
        }
    }
}

#[test]
fn an_original_with_credentials_is_the_parent_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let it = item("cjpg", fixture("C.jpg"), "x", commercial_license());
    let f = export_one(
        &it,
        &signed_options(ExportFormat::Png, organisation_identity()),
        dir.path(),
    )
    .unwrap();
    assert_eq!(
        f.content_credentials.unwrap().signer,
        SignerKind::Organisation
    );
    let c = provenance::read_with(&std::fs::read(&f.path).unwrap(), &test_roots());
    // Signed by a certificate the (test) trust list knows: trusted.
    assert_eq!(c.state, CredentialsState::Trusted, "{c:#?}");
    assert!(c.ingredients[0].has_credentials);
    assert_eq!(c.ingredients[0].relationship.as_deref(), Some("parentOf"));
}

#[test]
fn original_export_stays_byte_identical_and_unsigned() {
    let dir = tempfile::tempdir().unwrap();
    let it = item("orig", fixture("C.jpg"), "x", commercial_license());
    let opts = ExportOptions {
        format: ExportFormat::Original,
        signing: Some(installation_identity()),
        ..Default::default()
    };
    let f = export_one(&it, &opts, &dir.path().join("o")).unwrap();
    assert_eq!(std::fs::read(&f.path).unwrap(), fixture_bytes("C.jpg"));
    assert!(f.content_credentials.is_none());
}

#[test]
fn signing_off_writes_no_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("o.png");
    write_png_rgba(&src, 32, 32);
    let it = item("off", src, "x", commercial_license());
    let opts = ExportOptions {
        sign: false,
        ..signed_options(ExportFormat::Png, installation_identity())
    };
    let f = export_one(&it, &opts, &dir.path().join("o")).unwrap();
    assert!(f.content_credentials.is_none());
    assert_eq!(
        provenance::read(&std::fs::read(&f.path).unwrap()).state,
        CredentialsState::None
    );
}

#[test]
fn the_installation_chain_is_made_once_and_its_key_stays_in_the_key_store() {
    let config = tempfile::tempdir().unwrap();
    let keys = KeyStore::file_only(config.path());
    let store = SigningStore::new(config.path(), &keys);
    assert_eq!(store.status(true).unwrap().subject, None);
    let first = store.identity().unwrap();
    assert_eq!(first.kind, SignerKind::Installation);
    let again = store.identity().unwrap();
    assert_eq!(first, again, "made once, then reused");
    let status = store.status(true).unwrap();
    assert!(status.subject.unwrap().contains("Easel installation"));
    // The key is in the key store's file (0600), not next to the certificate.
    let keys_file = std::fs::read_to_string(config.path().join("keys.json")).unwrap();
    assert!(keys_file.contains("c2pa-installation-signing"));
    let chain =
        std::fs::read_to_string(config.path().join("signing/installation-chain.pem")).unwrap();
    assert!(!chain.contains("PRIVATE KEY"));
    let debug = format!("{first:?}");
    assert!(!debug.contains("PRIVATE"), "{debug}");

    // An exported file carries no private key material.
    let secret: serde_json::Value = serde_json::from_str(&keys_file).unwrap();
    let secret = secret["c2pa-installation-signing"]
        .as_str()
        .unwrap()
        .to_owned();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("o.png");
    write_png_rgba(&src, 32, 32);
    let f = export_one(
        &item("k", src, "x", commercial_license()),
        &signed_options(ExportFormat::Png, first),
        &dir.path().join("o"),
    )
    .unwrap();
    let bytes = std::fs::read(&f.path).unwrap();
    let needle = &secret.as_bytes()[..24];
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
}

#[test]
fn an_organisation_certificate_replaces_the_installation_one_and_bad_ones_are_refused() {
    let config = tempfile::tempdir().unwrap();
    let keys = KeyStore::file_only(config.path());
    let store = SigningStore::new(config.path(), &keys);
    let chain = std::fs::read_to_string(fixture("certs/es256.pub")).unwrap();
    let key = std::fs::read_to_string(fixture("certs/es256.pem")).unwrap();
    let id = store.set_organisation(&chain, &key).unwrap();
    assert_eq!(id.kind, SignerKind::Organisation);
    assert_eq!(store.identity().unwrap().kind, SignerKind::Organisation);
    store.clear_organisation().unwrap();
    assert_eq!(store.identity().unwrap().kind, SignerKind::Installation);

    // A key that does not belong to the certificate.
    let (_, other_key) = provenance::signing_identity::create_installation_chain("x").unwrap();
    let e = store.set_organisation(&chain, &other_key).unwrap_err();
    assert_eq!(e.code(), "signing", "{e}");
    // A CA certificate as the signer.
    let ca_first: String = chain
        .split_inclusive("-----END CERTIFICATE-----\n")
        .skip(1)
        .collect();
    let e = store.set_organisation(&ca_first, &key).unwrap_err();
    assert_eq!(e.code(), "signing", "{e}");
    assert!(store.set_organisation("not a pem", &key).is_err());
    assert!(store.set_organisation(&chain, "not a key").is_err());
}

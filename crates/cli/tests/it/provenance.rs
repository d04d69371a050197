//! `easel-cli provenance`, `show --json`'s credentials, the `credentials:` filter, signed
//! exports and `signing`: as scripts use them. Manifest text is data: shown escaped.
#![allow(clippy::unwrap_used)]

use crate::library_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use easel_core::library::Library;
use easel_core::provenance::{self, SignerKind, SigningIdentity};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/c2pa")
        .join(name)
}

fn run(dirs: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_easel-cli"))
        .args(args)
        .env("EASEL_DATA_DIR", dirs.join("data"))
        .env("EASEL_CONFIG_DIR", dirs.join("config"))
        .env("EASEL_KEY_STORE", "file")
        .env_remove("OPENAI_API_KEY")
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn organisation() -> SigningIdentity {
    SigningIdentity::from_pem(
        SignerKind::Organisation,
        &std::fs::read_to_string(fixture("certs/es256.pub")).unwrap(),
        &std::fs::read_to_string(fixture("certs/es256.pem")).unwrap(),
    )
    .unwrap()
}

#[test]
fn credentials_are_shown_filtered_and_hostile_text_stays_text() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "\u{1b}]0;owned\u{7}<b>Evil\u{1b}[2J</b>";
    let (plain, signed, evil) = {
        let lib = Library::open(&dir.path().join("data")).unwrap();
        let plain = library_support::store(&lib, "plain", &library_support::png(16, 16, 1));
        let signed =
            library_support::store(&lib, "signed", &std::fs::read(fixture("C.jpg")).unwrap());
        let png = library_support::png(16, 16, 2);
        let edit = provenance::ExportEdit {
            resized: false,
            converted: true,
            made_with: hostile.into(),
            title: hostile.into(),
        };
        let bytes = provenance::sign_export(&png, &png, &edit, &organisation())
            .unwrap()
            .bytes;
        let evil = library_support::store(&lib, "evil", &bytes);
        (plain, signed, evil)
    };

    let doc = json(&run(dir.path(), &["show", &signed, "--json"]));
    assert_eq!(doc["credentials"]["state"], "valid", "{doc}");
    let sentence = doc["credentials"]["sentence"].as_str().unwrap();
    assert!(sentence.contains("intact"), "{sentence}");
    let doc = json(&run(dir.path(), &["show", &plain, "--json"]));
    assert_eq!(doc["credentials"]["state"], "none");

    // JSON carries the text as it is (JSON escapes it); people see it escaped.
    let doc = json(&run(dir.path(), &["provenance", &evil, "--json"]));
    assert_eq!(doc["title"], hostile);
    let out = run(dir.path(), &["provenance", &evil]);
    assert!(out.status.success());
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("\\u{1b}]0;owned\\u{7}<b>Evil"), "{shown}");
    let out = run(dir.path(), &["show", &evil]);
    assert!(!out.stdout.contains(&0x1b), "show is escape-safe too");

    let count =
        |q: &str| json(&run(dir.path(), &["search", q, "--json"]))["count"]["count"].clone();
    assert_eq!(count("credentials:any"), 2);
    assert_eq!(count("credentials:intact"), 2);
    assert_eq!(count("credentials:none"), 1);
    let listed = json(&run(
        dir.path(),
        &["list", "--credentials", "none", "--json"],
    ));
    assert_eq!(listed["images"][0]["id"], plain.as_str());
    let bad = run(dir.path(), &["search", "credentials:maybe", "--json"]);
    assert!(!bad.status.success());

    let done = json(&run(dir.path(), &["provenance", "--all", "--json"]));
    assert_eq!(done["read"], 0, "everything was read on ingest");
}

#[test]
fn exports_are_signed_unless_turned_off_and_an_organisation_certificate_can_sign() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let lib = Library::open(&dir.path().join("data")).unwrap();
        library_support::store(&lib, "harbour", &library_support::png(40, 30, 3))
    };
    let export = |out: &str, extra: &[&str]| {
        let target = dir.path().join(out);
        let mut args = vec![
            "export",
            id.as_str(),
            "--format",
            "jpeg",
            "--out",
            target.to_str().unwrap(),
            "--json",
        ];
        args.extend_from_slice(extra);
        let doc = json(&run(dir.path(), &args));
        let file = doc["files"][0].clone();
        let path = PathBuf::from(file["path"].as_str().unwrap());
        (file, provenance::read(&std::fs::read(path).unwrap()))
    };

    let status = json(&run(dir.path(), &["signing", "show", "--json"]));
    assert_eq!(status["enabled"], true);
    assert_eq!(status["subject"], Value::Null, "made on first use only");

    let (file, read) = export("a", &[]);
    let cc = &file["content_credentials"];
    assert_eq!(cc["signer"], "installation");
    assert!(
        cc["what_others_see"]
            .as_str()
            .unwrap()
            .contains("valid, from a signer they don't know")
    );
    assert_eq!(read.state, provenance::CredentialsState::Valid);
    let human = run(
        dir.path(),
        &[
            "export",
            &id,
            "--out",
            dir.path().join("h").to_str().unwrap(),
        ],
    );
    assert!(String::from_utf8_lossy(&human.stdout).contains("signer they don't know"));

    let (file, read) = export("b", &["--no-sign"]);
    assert_eq!(file["content_credentials"], Value::Null);
    assert_eq!(read.state, provenance::CredentialsState::None);

    json(&run(dir.path(), &["signing", "off", "--json"]));
    let (file, _) = export("c", &[]);
    assert_eq!(file["content_credentials"], Value::Null);
    json(&run(dir.path(), &["signing", "on", "--json"]));

    let status = json(&run(
        dir.path(),
        &[
            "signing",
            "set",
            "--cert",
            fixture("certs/es256.pub").to_str().unwrap(),
            "--key",
            fixture("certs/es256.pem").to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(status["kind"], "organisation");
    // The key went to the key store, not into settings or the certificate file.
    let config = dir.path().join("config");
    let settings = std::fs::read_to_string(config.join("settings.json")).unwrap_or_default();
    assert!(!settings.contains("PRIVATE"));
    let (file, read) = export("d", &[]);
    assert_eq!(file["content_credentials"]["signer"], "organisation");
    assert_eq!(read.state, provenance::CredentialsState::Valid);

    let wrong = run(
        dir.path(),
        &[
            "signing",
            "set",
            "--cert",
            fixture("certs/es256.pub").to_str().unwrap(),
            "--key",
            fixture("C.jpg").to_str().unwrap(),
            "--json",
        ],
    );
    assert!(!wrong.status.success());
    let err: Value = serde_json::from_slice(&wrong.stdout).unwrap();
    assert_eq!(err["error"]["code"], "signing");
    let back = json(&run(dir.path(), &["signing", "reset", "--json"]));
    assert_eq!(back["kind"], "installation");
}

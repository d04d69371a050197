//! Shared by the provenance tests: the c2pa-rs fixtures, signing identities, and the
//! independent reader (c2pa-python).
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use easel_core::provenance::{SignerKind, SigningIdentity, TrustList, signing_identity};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/c2pa")
        .join(name)
}

pub fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// The roots of c2pa-rs's test certificates, as a trust list.
pub fn test_roots() -> TrustList {
    let pem = std::fs::read_to_string(fixture("certs/test_cert_root_bundle.pem")).unwrap();
    TrustList::only(&pem, "c2pa-rs test roots")
}

/// c2pa-rs's test ES256 chain and key, standing in for an organisation's certificate.
pub fn organisation_identity() -> SigningIdentity {
    SigningIdentity::from_pem(
        SignerKind::Organisation,
        &std::fs::read_to_string(fixture("certs/es256.pub")).unwrap(),
        &std::fs::read_to_string(fixture("certs/es256.pem")).unwrap(),
    )
    .unwrap()
}

/// A fresh installation chain (as made on first use).
pub fn installation_identity() -> SigningIdentity {
    let (chain, key) = signing_identity::create_installation_chain("test").unwrap();
    SigningIdentity::from_pem(SignerKind::Installation, &chain, &key).unwrap()
}

/// The Python of the venv `scripts/setup.sh --test` makes with c2pa-python in it.
pub fn c2pa_python() -> Option<PathBuf> {
    if std::env::var("EASEL_SKIP_C2PA_PYTHON").as_deref() == Ok("1") {
        return None;
    }
    let python = match std::env::var_os("EASEL_C2PA_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => dirs_home()
            .join(".cache/easel-test/c2pa-venv/bin/python")
            .to_owned(),
    };
    let ok = Command::new(&python)
        .args(["-c", "import c2pa"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "c2pa-python is needed to check signed files with an independent reader: run \
         `bash scripts/setup.sh --test` (or set EASEL_C2PA_PYTHON to a Python with \
         `pip install c2pa-python`; EASEL_SKIP_C2PA_PYTHON=1 skips these checks)."
    );
    Some(python)
}

fn dirs_home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from)
}

/// What c2pa-python says about a file: its reader's JSON (with `validation_state`), or
/// `{"error": ...}` when it finds no manifest. `None` only when skipped on purpose.
pub fn read_with_c2pa_python(path: &Path) -> Option<serde_json::Value> {
    let python = c2pa_python()?;
    let script = r#"
import json, sys
import c2pa
path = sys.argv[1]
try:
    with c2pa.Reader(path) as reader:
        doc = json.loads(reader.json())
        try:
            doc["validation_state"] = str(reader.get_validation_state())
        except Exception:
            pass
        print(json.dumps(doc))
except Exception as e:
    print(json.dumps({"error": type(e).__name__, "message": str(e)}))
"#;
    let out = Command::new(python)
        .args(["-c", script])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "c2pa-python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

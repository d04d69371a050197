//! Reading the manifest store of an image's bytes with the c2pa crate, offline, into the
//! typed summary Easel records.

use std::io::Cursor;

use serde_json::Value;

use super::credentials::{
    CredentialAction, CredentialIngredient, CredentialProblem, Credentials, CredentialsState,
    MAX_ITEMS, capped,
};
use super::detect::may_carry_manifest;
use super::trust::TrustList;

/// The MIME type c2pa needs for these bytes, from their signature (never the file name).
pub(crate) fn mime_of(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Reads the Content Credentials of `bytes` against the trust list shipped with Easel.
pub fn read(bytes: &[u8]) -> Credentials {
    read_with(bytes, TrustList::shipped_shared())
}

/// Reads the Content Credentials of `bytes` against `trust`. Never fails: a file without
/// credentials is `none`; one whose credentials cannot be parsed or verified is `invalid`,
/// with the reason.
pub fn read_with(bytes: &[u8], trust: &TrustList) -> Credentials {
    let label = trust.label().to_owned();
    let Some(mime) = mime_of(bytes) else {
        return Credentials::none(label);
    };
    if !may_carry_manifest(bytes, mime) {
        return Credentials::none(label);
    }
    let context = match trust.context() {
        Ok(c) => c,
        Err(e) => return broken(label, "easel.trustList.unreadable", &e.to_string()),
    };
    let reader =
        match c2pa::Reader::from_shared_context(context).with_stream(mime, Cursor::new(bytes)) {
            Ok(reader) => reader,
            Err(c2pa::Error::JumbfNotFound | c2pa::Error::ProvenanceMissing) => {
                return Credentials::none(label);
            }
            Err(e) => return broken(label, "manifest.unreadable", &e.to_string()),
        };
    let state = match reader.validation_state() {
        c2pa::ValidationState::Trusted => CredentialsState::Trusted,
        c2pa::ValidationState::Valid => CredentialsState::Valid,
        c2pa::ValidationState::Invalid => CredentialsState::Invalid,
    };
    let json: Value = serde_json::from_str(&reader.json()).unwrap_or(Value::Null);
    summarise(&json, state, label)
}

fn broken(trust_list: String, code: &str, explanation: &str) -> Credentials {
    Credentials {
        state: CredentialsState::Invalid,
        problems: vec![CredentialProblem {
            code: code.to_owned(),
            explanation: capped(explanation),
        }],
        ..Credentials::none(trust_list)
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).and_then(capped)
}

/// The summary from c2pa's JSON report of the store (its stable, documented shape).
fn summarise(json: &Value, state: CredentialsState, trust_list: String) -> Credentials {
    let active = json
        .get("active_manifest")
        .and_then(Value::as_str)
        .and_then(|label| json.get("manifests")?.get(label))
        .unwrap_or(&Value::Null);
    let signature = active.get("signature_info").unwrap_or(&Value::Null);
    let actions = actions_of(active);
    let digital_source_type = actions
        .iter()
        .find_map(|a| a.digital_source_type.clone())
        .or_else(|| text(active, "digitalSourceType"));
    let ingredients = active
        .get("ingredients")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .take(MAX_ITEMS)
                .map(|i| CredentialIngredient {
                    title: text(i, "title"),
                    relationship: text(i, "relationship"),
                    format: text(i, "format"),
                    has_credentials: i.get("active_manifest").is_some()
                        || i.get("manifest_data").is_some(),
                })
                .collect()
        })
        .unwrap_or_default();
    let problems = if state == CredentialsState::Invalid {
        problems_of(json)
    } else {
        Vec::new()
    };
    Credentials {
        state,
        problems,
        claim_generator: claim_generator_of(active),
        signer: text(signature, "issuer").or_else(|| text(signature, "common_name")),
        signed_at: text(signature, "time"),
        digital_source_type,
        actions,
        ingredients,
        title: text(active, "title"),
        trust_list,
    }
}

/// `claim_generator_info`'s first name (and version), else the v1 `claim_generator` text.
fn claim_generator_of(active: &Value) -> Option<String> {
    let info = active
        .get("claim_generator_info")
        .and_then(Value::as_array)
        .and_then(|list| list.first());
    if let Some(name) = info.and_then(|i| text(i, "name")) {
        return match info.and_then(|i| text(i, "version")) {
            Some(version) => capped(&format!("{name} {version}")),
            None => Some(name),
        };
    }
    text(active, "claim_generator")
}

fn actions_of(active: &Value) -> Vec<CredentialAction> {
    let mut out = Vec::new();
    let assertions = active
        .get("assertions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for assertion in assertions {
        let label = assertion.get("label").and_then(Value::as_str).unwrap_or("");
        if !label.starts_with("c2pa.actions") {
            continue;
        }
        let list = assertion
            .get("data")
            .and_then(|d| d.get("actions"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for a in list {
            if out.len() >= MAX_ITEMS {
                return out;
            }
            let Some(action) = text(a, "action") else {
                continue;
            };
            let software_agent = match a.get("softwareAgent") {
                Some(Value::String(s)) => capped(s),
                Some(agent) => text(agent, "name"),
                None => None,
            };
            out.push(CredentialAction {
                action,
                digital_source_type: text(a, "digitalSourceType"),
                software_agent,
                when: text(a, "when"),
            });
        }
    }
    out
}

fn add_problems(out: &mut Vec<CredentialProblem>, list: Option<&Value>) {
    for status in list
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let Some(code) = text(status, "code") else {
            continue;
        };
        if out.len() < MAX_ITEMS && !out.iter().any(|p| p.code == code) {
            out.push(CredentialProblem {
                code,
                explanation: text(status, "explanation"),
            });
        }
    }
}

/// The failure codes c2pa reported (active manifest and ingredients), without repeats.
fn problems_of(json: &Value) -> Vec<CredentialProblem> {
    let mut out: Vec<CredentialProblem> = Vec::new();
    let results = json.get("validation_results");
    add_problems(
        &mut out,
        results
            .and_then(|r| r.get("activeManifest"))
            .and_then(|m| m.get("failure")),
    );
    if let Some(deltas) = results
        .and_then(|r| r.get("ingredientDeltas"))
        .and_then(Value::as_array)
    {
        for d in deltas {
            add_problems(
                &mut out,
                d.get("validationDeltas").and_then(|v| v.get("failure")),
            );
        }
    }
    if out.is_empty() {
        // Older reports (and stores that fail before validation) list statuses flat.
        add_problems(&mut out, json.get("validation_status"));
    }
    if out.is_empty() {
        out.push(CredentialProblem {
            code: "manifest.invalid".to_owned(),
            explanation: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/c2pa");
        std::fs::read(dir.join(name)).unwrap()
    }

    #[test]
    fn files_without_a_manifest_take_the_fast_path_to_none() {
        for name in ["no_manifest.jpg", "libpng-test.png", "test.webp"] {
            let bytes = fixture(name);
            let mime = mime_of(&bytes).unwrap();
            assert!(!may_carry_manifest(&bytes, mime), "{name}");
            let c = read(&bytes);
            assert_eq!(c.state, CredentialsState::None, "{name}");
            assert!(c.trust_list.starts_with("C2PA Trust List ("), "{name}");
        }
    }

    #[test]
    fn files_with_a_manifest_are_still_read_fully() {
        for (name, state) in [
            ("C.jpg", CredentialsState::Valid),
            ("XCA.jpg", CredentialsState::Invalid),
        ] {
            let bytes = fixture(name);
            assert!(may_carry_manifest(&bytes, "image/jpeg"), "{name}");
            // Twice: the second read shares the context the first one built.
            for _ in 0..2 {
                let c = read(&bytes);
                assert_eq!(c.state, state, "{name}: {c:#?}");
                assert!(c.claim_generator.is_some(), "{name}: {c:#?}");
                assert!(c.signer.is_some(), "{name}: {c:#?}");
            }
        }
        // A list of its own builds its own context and judges by its roots.
        let roots = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/c2pa/certs/test_cert_root_bundle.pem"),
        )
        .unwrap();
        let own = TrustList::only(&roots, "test roots");
        assert_eq!(
            read_with(&fixture("C.jpg"), &own).state,
            CredentialsState::Trusted
        );
        assert_eq!(read(&fixture("C.jpg")).state, CredentialsState::Valid);
    }

    #[test]
    fn the_shared_context_crosses_threads() {
        fn shareable<T: Send + Sync>(_: &T) {}
        shareable(TrustList::shipped_shared());
        let bytes = fixture("C.jpg");
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..2).map(|_| s.spawn(|| read(&bytes).state)).collect();
            for h in handles {
                assert_eq!(h.join().unwrap(), CredentialsState::Valid);
            }
        });
    }
}

//! `stability-v2beta.json` as validators: each generate endpoint's multipart request schema,
//! its documented response statuses and their body schemas, and the 200 answer's headers.
//! `$ref`s (`#/components/schemas/X`, `#/x-shared/X`) are inlined; `example`, `x-*` and
//! description-only keys are dropped before compiling.

use std::path::PathBuf;
use std::sync::OnceLock;

use jsonschema::{Draft, Validator};
use serde_json::{Map, Value, json};

pub struct Contract {
    doc: Value,
}

/// `$EASEL_CONTRACTS_DIR`, else `<repo root>/../shared/contracts`.
pub fn contracts_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("EASEL_CONTRACTS_DIR") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/contracts")
}

pub fn contract() -> &'static Contract {
    static C: OnceLock<Contract> = OnceLock::new();
    C.get_or_init(|| {
        let path = contracts_dir().join("stability-v2beta.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "The Stability contract is needed for these tests but could not be read at {} ({e}). \
                 Set EASEL_CONTRACTS_DIR to the folder holding stability-v2beta.json.",
                path.display()
            )
        });
        Contract {
            doc: serde_json::from_str(&text).expect("stability-v2beta.json is JSON"),
        }
    })
}

impl Contract {
    fn operation(&self, path: &str) -> &Value {
        let op = &self.doc["paths"][path]["post"];
        assert!(op.is_object(), "the contract has no POST {path}");
        op
    }

    /// The multipart request schema of `path`, refs inlined.
    pub fn request_schema(&self, path: &str) -> Value {
        let schema =
            &self.operation(path)["requestBody"]["content"]["multipart/form-data"]["schema"];
        assert!(schema.is_object(), "{path} has no multipart schema");
        self.resolve(schema.clone())
    }

    /// The statuses `path` documents.
    pub fn statuses(&self, path: &str) -> Vec<u16> {
        self.operation(path)["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.parse().unwrap())
            .collect()
    }

    /// The body schema the contract gives for `status` on `path`, if it gives one.
    pub fn error_schema(&self, path: &str, status: u16) -> Option<Value> {
        let resp = self.resolve(self.operation(path)["responses"][status.to_string()].clone());
        let schema = resp
            .get("schema")
            .or_else(|| resp.pointer("/content/application~1json/schema"))?;
        Some(schema.clone())
    }

    /// The 200 answer object shared by the generate endpoints.
    pub fn image_response(&self) -> Value {
        self.resolve(json!({"$ref": "#/x-shared/ImageResponse200"}))
    }

    /// Schema of a header parameter every generate endpoint takes (from /generate/ultra,
    /// which the others refer to as "same six header parameters").
    pub fn request_header(&self, name: &str) -> Value {
        let params = self.operation("/v2beta/stable-image/generate/ultra")["parameters"]
            .as_array()
            .unwrap();
        let p = params
            .iter()
            .find(|p| p["name"] == name && p["in"] == "header")
            .unwrap_or_else(|| panic!("no header parameter {name}"));
        self.resolve(p["schema"].clone())
    }

    /// A named schema (`components/schemas/X` or `x-shared/X`).
    pub fn schema(&self, reference: &str) -> Value {
        self.resolve(json!({ "$ref": reference }))
    }

    /// Inlines every `$ref` into this document.
    fn resolve(&self, v: Value) -> Value {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let pointer = r.strip_prefix('#').expect("local refs only");
                    let target = self
                        .doc
                        .pointer(pointer)
                        .unwrap_or_else(|| panic!("dangling ref {r}"))
                        .clone();
                    return self.resolve(target);
                }
                Value::Object(map.into_iter().map(|(k, v)| (k, self.resolve(v))).collect())
            }
            Value::Array(a) => Value::Array(a.into_iter().map(|v| self.resolve(v)).collect()),
            other => other,
        }
    }
}

/// Every way `doc` breaks `schema`; empty when it follows it.
pub fn violations(schema: &Value, doc: &Value) -> Vec<String> {
    let mut root = clean(schema.clone(), false);
    if let Value::Object(m) = &mut root {
        m.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
    }
    let v: Validator = jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .should_ignore_unknown_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema does not compile: {e}\n{root:#}"));
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

pub fn assert_valid(what: &str, schema: &Value, doc: &Value) {
    let v = violations(schema, doc);
    assert!(
        v.is_empty(),
        "{what} does not follow the contract: {v:#?}\n{doc:#}"
    );
}

/// Drops keys that are documentation, not validation (`example`, `examples`, `x-*`).
fn clean(v: Value, in_properties: bool) -> Value {
    match v {
        Value::Object(map) if in_properties => {
            Value::Object(map.into_iter().map(|(k, v)| (k, clean(v, false))).collect())
        }
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if k.starts_with("x-") || k == "example" || k == "examples" {
                    continue;
                }
                let v = clean(v, k == "properties");
                out.insert(k, v);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(|v| clean(v, false)).collect()),
        other => other,
    }
}

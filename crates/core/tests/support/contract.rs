//! OpenAI's own API description (`openai-images.yaml`) turned into JSON Schema validators.
//! The file is OpenAPI 3.1 with 3.0 habits: `nullable: true` is rewritten into a "null"
//! type/enum member, `#/components/schemas/X` refs point into `$defs`, and `x-*` /
//! `example` keys are dropped.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use jsonschema::{Draft, Validator};
use serde_json::{Map, Value, json};

pub struct Contract {
    schemas: Map<String, Value>,
    validators: std::sync::Mutex<HashMap<String, std::sync::Arc<Validator>>>,
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
        let path = contracts_dir().join("openai-images.yaml");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "The OpenAI contract is needed for these tests but could not be read at {} ({e}). \
                 Set EASEL_CONTRACTS_DIR to the folder holding openai-images.yaml.",
                path.display()
            )
        });
        Contract::from_yaml(&text)
    })
}

impl Contract {
    pub fn from_yaml(text: &str) -> Contract {
        let doc: Value = serde_norway::from_str(text).expect("openai-images.yaml is YAML");
        let raw = doc["components"]["schemas"]
            .as_object()
            .expect("the contract has components.schemas")
            .clone();
        let schemas = raw
            .into_iter()
            .map(|(k, v)| (k, normalize(v, false)))
            .collect();
        Contract {
            schemas,
            validators: Default::default(),
        }
    }

    fn validator(&self, name: &str) -> std::sync::Arc<Validator> {
        let mut cache = self.validators.lock().unwrap();
        if let Some(v) = cache.get(name) {
            return v.clone();
        }
        assert!(
            self.schemas.contains_key(name),
            "the contract has no schema {name}"
        );
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": Value::Object(self.schemas.clone()),
            "$ref": format!("#/$defs/{name}"),
        });
        let v = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .should_ignore_unknown_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("schema {name} does not compile: {e}"));
        let v = std::sync::Arc::new(v);
        cache.insert(name.to_owned(), v.clone());
        v
    }

    /// The `properties` of schema `name`, as normalised.
    pub fn properties(&self, name: &str) -> Map<String, Value> {
        self.schemas[name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{name} has no properties"))
            .clone()
    }

    /// Every way `doc` breaks schema `name`; empty when it follows it.
    pub fn violations(&self, name: &str, doc: &Value) -> Vec<String> {
        self.validator(name)
            .iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    pub fn assert_valid(&self, name: &str, doc: &Value) {
        let v = self.violations(name, doc);
        assert!(
            v.is_empty(),
            "document does not follow {name}: {v:#?}\n{doc:#}"
        );
    }
}

/// Rewrites one OpenAPI schema node into plain JSON Schema 2020-12. `in_properties` is true
/// for the map under `properties`, whose keys are property names, not keywords.
fn normalize(v: Value, in_properties: bool) -> Value {
    match v {
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|i| normalize(i, false)).collect())
        }
        Value::Object(map) if in_properties => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, normalize(v, false)))
                .collect(),
        ),
        Value::Object(map) => {
            let nullable = map.get("nullable") == Some(&Value::Bool(true));
            let mut out = Map::new();
            for (k, v) in map {
                if k.starts_with("x-") || k == "example" || k == "nullable" || k == "discriminator"
                {
                    continue;
                }
                let v = match k.as_str() {
                    "$ref" => match v
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        Some(name) => Value::from(format!("#/$defs/{name}")),
                        None => v,
                    },
                    "properties" | "patternProperties" | "$defs" => normalize(v, true),
                    _ => normalize(v, false),
                };
                out.insert(k, v);
            }
            if nullable {
                make_nullable(&mut out);
            }
            Value::Object(out)
        }
        other => other,
    }
}

fn make_nullable(schema: &mut Map<String, Value>) {
    if let Some(t) = schema.get_mut("type") {
        match t {
            Value::String(s) => *t = json!([s.clone(), "null"]),
            Value::Array(a) if !a.contains(&json!("null")) => a.push(json!("null")),
            _ => {}
        }
        if let Some(Value::Array(e)) = schema.get_mut("enum")
            && !e.contains(&Value::Null)
        {
            e.push(Value::Null);
        }
    } else if let Some(Value::Array(any)) = schema.get_mut("anyOf") {
        any.push(json!({"type": "null"}));
    } else if let Some(Value::Array(one)) = schema.get_mut("oneOf") {
        one.push(json!({"type": "null"}));
    } else if let Some(r) = schema.remove("$ref") {
        schema.insert("anyOf".into(), json!([{"$ref": r}, {"type": "null"}]));
    }
}

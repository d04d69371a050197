//! Getty's contract files as a table of operations: which method and path exist, which
//! statuses each documents, and the request/response schemas to validate against. The
//! newest shapes (`getty-genai-current-core.yaml`) win; `getty-genai.yaml` adds the
//! generation history.

use std::sync::OnceLock;

use serde_json::Value;

use crate::support::contract::{Contract, contracts_dir};

pub struct GettyContract {
    /// (document, its schemas), newest first.
    docs: Vec<(Value, Contract)>,
}

pub fn getty() -> &'static GettyContract {
    static C: OnceLock<GettyContract> = OnceLock::new();
    C.get_or_init(|| {
        let docs = ["getty-genai-current-core.yaml", "getty-genai.yaml"]
            .iter()
            .map(|name| {
                let path = contracts_dir().join(name);
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                    panic!(
                        "The Getty contract {} is needed for these tests ({e}). Set EASEL_CONTRACTS_DIR.",
                        path.display()
                    )
                });
                let doc: Value = serde_norway::from_str(&text).unwrap();
                (doc, Contract::from_yaml(&text))
            })
            .collect();
        GettyContract { docs }
    })
}

/// Does `path` (no query) fit `template` ("/v3/ai/image-generations/{generationRequestId}")?
fn fits(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}

fn schema_ref(content: &Value) -> Option<String> {
    content["application/json"]["schema"]["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(str::to_owned)
}

impl GettyContract {
    /// The documented operation for `method` on `path`, and the schemas of its document.
    fn operation(&self, method: &str, path: &str) -> (&Value, &Contract, String) {
        for (doc, schemas) in &self.docs {
            let paths = doc["paths"].as_object().unwrap();
            for (template, item) in paths {
                let op = &item[method.to_ascii_lowercase()];
                if fits(template, path) && op.is_object() {
                    return (op, schemas, template.clone());
                }
            }
        }
        panic!("the Getty contract documents no {method} {path}");
    }

    /// Checks a request the client sent: a documented operation, and a body that follows
    /// its request schema (or no body where it takes none).
    pub fn check_request(&self, method: &str, path: &str, query: &str, body: &[u8]) {
        let (op, schemas, template) = self.operation(method, path);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let name = pair.split('=').next().unwrap_or("");
            let documented = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["in"] == "query" && p["name"] == name);
            assert!(
                documented,
                "{method} {template} has no query parameter {name}"
            );
        }
        match schema_ref(&op["requestBody"]["content"]) {
            Some(name) => {
                let doc: Value = serde_json::from_slice(body)
                    .unwrap_or_else(|e| panic!("{method} {template}: body is not JSON ({e})"));
                schemas.assert_valid(&name, &doc);
            }
            None => assert!(body.is_empty(), "{method} {template} takes no body"),
        }
    }

    /// Checks an answer the stand-in is about to give. 401 (the security schemes) and 5xx
    /// (any server) are allowed everywhere though not listed; every other status must be
    /// documented for the operation, and a body must follow its schema.
    pub fn check_reply(&self, method: &str, path: &str, status: u16, body: &[u8]) {
        let (op, schemas, template) = self.operation(method, path);
        if status == 401 || status >= 500 {
            return;
        }
        let response = &op["responses"][status.to_string()];
        assert!(
            response.is_object(),
            "the contract documents no {status} for {method} {template}"
        );
        match schema_ref(&response["content"]) {
            Some(name) => {
                let doc: Value = serde_json::from_slice(body)
                    .unwrap_or_else(|e| panic!("{method} {template} {status} must be JSON ({e})"));
                schemas.assert_valid(&name, &doc);
            }
            // Error statuses document no body; any short text is allowed then.
            None if status >= 400 => {}
            None => assert!(
                body.is_empty(),
                "{method} {template} {status} documents no payload"
            ),
        }
    }
}

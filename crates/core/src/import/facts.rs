//! What one file says about itself, mapped to Easel's fields, whichever tool wrote it.

use serde_json::Value;

use super::embedded::Embedded;
use super::{a1111, comfyui, invokeai, xmp};
use crate::library::{DeclaredRights, RawEntry};
use crate::request::GenerationParams;

/// The provider of an image whose file names no tool Easel recognises.
pub const UNKNOWN_TOOL: &str = "import";
/// The model when the file names none.
pub const UNKNOWN_MODEL: &str = "unknown";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileFacts {
    /// "a1111", "comfyui", "invokeai", or `UNKNOWN_TOOL`.
    pub tool: String,
    pub model: Option<String>,
    pub prompt: Option<String>,
    /// Negative prompt, seed, size and the rest by Easel's parameter names.
    pub params: GenerationParams,
    pub digital_source_type: Option<String>,
    pub declared: DeclaredRights,
    pub unmapped: Vec<RawEntry>,
}

impl FileFacts {
    pub fn keep(&mut self, source: &str, key: &str, value: impl Into<String>) {
        let value = value.into();
        if !value.trim().is_empty() {
            self.unmapped.push(RawEntry {
                source: source.to_owned(),
                key: key.to_owned(),
                value,
            });
        }
    }

    pub fn set_param(&mut self, name: &str, value: Value) {
        self.params.extra.insert(name.to_owned(), value);
    }

    fn claim(&mut self, tool: &str) {
        if self.tool.is_empty() || self.tool == UNKNOWN_TOOL {
            self.tool = tool.to_owned();
        }
    }
}

/// A number written as text, as JSON: an integer when it is one, else a float; else the text.
pub fn number_or_text(text: &str) -> Value {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Value::from(i);
    }
    match t.parse::<f64>() {
        Ok(f) if f.is_finite() => Value::from(f),
        _ => Value::from(t),
    }
}

/// Maps everything `embedded` holds. Tool metadata wins over XMP for prompt and model
/// (XMP is often added later, by an editor); rights come from XMP and EXIF only.
pub fn map(embedded: &Embedded) -> FileFacts {
    let mut facts = FileFacts::default();
    for (keyword, text) in &embedded.texts {
        let source = if keyword == "comment" { "jpeg" } else { "png" };
        match keyword.as_str() {
            "parameters" | "comment"
                if a1111::read(text, &format!("{source}:{keyword}"), &mut facts) =>
            {
                facts.claim("a1111");
            }
            "prompt" if comfyui::read_prompt(text, &mut facts) => facts.claim("comfyui"),
            "workflow" => {
                facts.keep("comfyui", "workflow", text.clone());
                facts.claim("comfyui");
            }
            "invokeai_metadata" | "sd-metadata" if invokeai::read(text, &mut facts) => {
                facts.claim("invokeai");
            }
            "invokeai_graph" => {
                facts.keep("invokeai", "graph", text.clone());
                facts.claim("invokeai");
            }
            _ => facts.keep(source, keyword, text.clone()),
        }
    }
    for (name, value) in &embedded.exif {
        match name.as_str() {
            "UserComment" if a1111::read(value, "exif:UserComment", &mut facts) => {
                facts.claim("a1111");
            }
            "Copyright" => {
                facts.declared.rights = facts.declared.rights.take().or(Some(value.clone()))
            }
            "Artist" => {
                facts.declared.creator = facts.declared.creator.take().or(Some(value.clone()));
            }
            _ => facts.keep("exif", name, value.clone()),
        }
    }
    if let Some(packet) = &embedded.xmp {
        let (properties, problem) = xmp::properties(packet);
        for (name, value) in properties {
            map_xmp(&mut facts, &name, value);
        }
        if let Some(problem) = problem {
            facts.keep("import", "xmp", problem);
        }
    }
    for problem in &embedded.problems {
        facts.keep("import", "unreadable metadata", problem.clone());
    }
    if facts.tool.is_empty() {
        facts.tool = UNKNOWN_TOOL.to_owned();
    }
    facts
}

fn map_xmp(facts: &mut FileFacts, name: &str, value: String) {
    let d = &mut facts.declared;
    match name {
        "Iptc4xmpExt:DigitalSourceType" => facts.digital_source_type = Some(value),
        "xmpRights:UsageTerms" => d.usage_terms = Some(value),
        "dc:rights" => d.rights = Some(value),
        "photoshop:Credit" | "Iptc4xmpCore:CreditLine" => {
            d.credit = d.credit.take().or(Some(value));
        }
        "xmpRights:WebStatement" => d.web_statement = Some(value),
        "dc:creator" => d.creator = Some(value),
        "Iptc4xmpExt:AIPromptInformation" if facts.prompt.is_none() => facts.prompt = Some(value),
        "Iptc4xmpExt:AISystemUsed" if facts.model.is_none() => facts.model = Some(value),
        _ => facts.keep("xmp", name, value),
    }
}

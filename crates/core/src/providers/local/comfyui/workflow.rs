//! ComfyUI workflows: the built-in txt2img one, importing a user's API-format workflow (a
//! JSON file, or a PNG ComfyUI saved with the workflow inside), finding the inputs Easel
//! sets (prompt, negative prompt, seed, size, steps, checkpoint ...) by node class, letting
//! the user correct that mapping, and filling a copy of the graph for one generation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The workflow used when the request names none.
pub const BUILT_IN: &str = "txt2img";
const BUILT_IN_JSON: &str = include_str!("../../../../data/engines/comfyui-txt2img.json");

/// Where one parameter goes: an input of a node of the graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct InputRef {
    pub node: String,
    pub input: String,
}

/// Which input each parameter Easel sets goes to. Shown to the user, who may correct it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct WorkflowMapping {
    pub prompt: Option<InputRef>,
    pub negative_prompt: Option<InputRef>,
    pub seed: Option<InputRef>,
    pub width: Option<InputRef>,
    pub height: Option<InputRef>,
    pub batch_size: Option<InputRef>,
    pub steps: Option<InputRef>,
    pub cfg: Option<InputRef>,
    pub sampler: Option<InputRef>,
    pub scheduler: Option<InputRef>,
    pub checkpoint: Option<InputRef>,
}

/// The parameter names of a mapping, in display order.
pub const MAPPED: &[&str] = &[
    "prompt",
    "negative_prompt",
    "seed",
    "width",
    "height",
    "batch_size",
    "steps",
    "cfg",
    "sampler",
    "scheduler",
    "checkpoint",
];

impl WorkflowMapping {
    pub fn get(&self, param: &str) -> Option<&InputRef> {
        self.slot(param).and_then(|s| s.as_ref())
    }

    fn slot(&self, param: &str) -> Option<&Option<InputRef>> {
        Some(match param {
            "prompt" => &self.prompt,
            "negative_prompt" => &self.negative_prompt,
            "seed" => &self.seed,
            "width" => &self.width,
            "height" => &self.height,
            "batch_size" => &self.batch_size,
            "steps" => &self.steps,
            "cfg" => &self.cfg,
            "sampler" => &self.sampler,
            "scheduler" => &self.scheduler,
            "checkpoint" => &self.checkpoint,
            _ => return None,
        })
    }

    fn slot_mut(&mut self, param: &str) -> Option<&mut Option<InputRef>> {
        Some(match param {
            "prompt" => &mut self.prompt,
            "negative_prompt" => &mut self.negative_prompt,
            "seed" => &mut self.seed,
            "width" => &mut self.width,
            "height" => &mut self.height,
            "batch_size" => &mut self.batch_size,
            "steps" => &mut self.steps,
            "cfg" => &mut self.cfg,
            "sampler" => &mut self.sampler,
            "scheduler" => &mut self.scheduler,
            "checkpoint" => &mut self.checkpoint,
            _ => return None,
        })
    }
}

/// An API-format workflow with its mapping, as kept with the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Workflow {
    pub name: String,
    /// node id -> {class_type, inputs, _meta}; links are [node_id, output_index].
    pub graph: Value,
    pub mapping: WorkflowMapping,
}

/// The built-in txt2img workflow (CheckpointLoaderSimple, EmptyLatentImage, two
/// CLIPTextEncode, KSampler, VAEDecode, SaveImage).
pub fn built_in() -> Result<Workflow> {
    let graph: Value = serde_json::from_str(BUILT_IN_JSON).map_err(|e| Error::Workflow {
        message: format!("the built-in workflow does not parse: {e}"),
    })?;
    let mapping = detect(&graph)?;
    Ok(Workflow {
        name: BUILT_IN.to_owned(),
        graph,
        mapping,
    })
}

fn ui_format_error(source: &str) -> Error {
    Error::Workflow {
        message: format!(
            "{source} holds a ComfyUI workflow in the UI format (nodes and links, as ComfyUI saves it for its canvas), which ComfyUI's API does not run. Export it in the API format and import that file instead: in ComfyUI choose Workflow → Export (API) (in older versions, turn on \"Enable Dev mode Options\" in the settings and use \"Save (API Format)\")."
        ),
    }
}

/// Reads an API-format workflow from a JSON file's bytes or from a PNG ComfyUI saved (its
/// `prompt` text chunk), and finds its mapping. A UI-format workflow is refused with how to
/// export the API format.
pub fn import(name: &str, bytes: &[u8]) -> Result<Workflow> {
    let name = name.trim();
    if name.is_empty() || name.len() > 80 || name.chars().any(char::is_control) {
        return Err(Error::InvalidInput(
            "A workflow needs a name of 1-80 printable characters.".into(),
        ));
    }
    let graph = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let chunks = png_text_chunks(bytes)?;
        match (chunks.get("prompt"), chunks.get("workflow")) {
            (Some(api), _) => {
                parse_json(api.as_str().unwrap_or("").as_bytes(), "The PNG's workflow")?
            }
            (None, Some(_)) => return Err(ui_format_error("The PNG")),
            (None, None) => {
                return Err(Error::Workflow {
                    message: "The PNG carries no ComfyUI workflow (no \"prompt\" text chunk). Use a PNG saved by ComfyUI's Save Image node, or an API-format JSON file.".into(),
                });
            }
        }
    } else {
        parse_json(bytes, "The file")?
    };
    // A saved `/prompt` body: {"prompt": {...}, "client_id": ...}.
    let graph = match graph.get("prompt") {
        Some(inner @ Value::Object(_)) if graph.get("class_type").is_none() => inner.clone(),
        _ => graph,
    };
    if graph.get("nodes").is_some_and(Value::is_array) {
        return Err(ui_format_error("The file"));
    }
    check_api_format(&graph)?;
    let mapping = detect(&graph)?;
    Ok(Workflow {
        name: name.to_owned(),
        graph,
        mapping,
    })
}

fn parse_json(bytes: &[u8], what: &str) -> Result<Value> {
    serde_json::from_slice(bytes).map_err(|e| Error::Workflow {
        message: format!("{what} is not a ComfyUI workflow (not JSON: {e})."),
    })
}

fn check_api_format(graph: &Value) -> Result<()> {
    let Some(nodes) = graph.as_object().filter(|o| !o.is_empty()) else {
        return Err(Error::Workflow {
            message: "The workflow is not in ComfyUI's API format (an object of nodes by id, each with class_type and inputs).".into(),
        });
    };
    for (id, node) in nodes {
        let ok = node.get("class_type").is_some_and(Value::is_string)
            && node.get("inputs").is_some_and(Value::is_object);
        if !ok {
            return Err(Error::Workflow {
                message: format!(
                    "Node {id:?} of the workflow has no class_type and inputs: this is not ComfyUI's API format."
                ),
            });
        }
    }
    Ok(())
}

fn nodes(graph: &Value) -> Vec<(&String, &Value)> {
    let mut v: Vec<_> = graph
        .as_object()
        .map(|o| o.iter().collect())
        .unwrap_or_default();
    // Numeric ids in numeric order, so "the first sampler" is stable.
    v.sort_by_key(|(id, _)| (id.parse::<u64>().unwrap_or(u64::MAX), (*id).clone()));
    v
}

fn class(node: &Value) -> &str {
    node.get("class_type").and_then(Value::as_str).unwrap_or("")
}

fn input<'g>(node: &'g Value, name: &str) -> Option<&'g Value> {
    node.get("inputs").and_then(|i| i.get(name))
}

fn is_link(v: &Value) -> bool {
    v.as_array()
        .is_some_and(|a| a.len() == 2 && a[0].is_string() && a[1].is_number())
}

fn link_target(v: &Value) -> Option<&str> {
    if is_link(v) {
        v.as_array().and_then(|a| a[0].as_str())
    } else {
        None
    }
}

fn value_input(node_id: &str, node: &Value, names: &[&str]) -> Option<InputRef> {
    names.iter().find_map(|n| {
        input(node, n).filter(|v| !is_link(v)).map(|_| InputRef {
            node: node_id.to_owned(),
            input: (*n).to_owned(),
        })
    })
}

/// Follows conditioning links back to the node holding the text (through guidance,
/// ControlNet and combine nodes).
fn text_source(graph: &Value, from: &Value, depth: u32) -> Option<InputRef> {
    let id = link_target(from)?;
    let node = graph.get(id)?;
    if let Some(r) = value_input(id, node, &["text", "text_g", "prompt"]) {
        return Some(r);
    }
    if depth >= 8 {
        return None;
    }
    let inputs = node.get("inputs")?.as_object()?;
    [
        "conditioning",
        "conditioning_1",
        "positive",
        "base_conditioning",
    ]
    .iter()
    .filter_map(|n| inputs.get(*n))
    .chain(inputs.values())
    .find_map(|v| text_source(graph, v, depth + 1))
}

const SAMPLERS: &[&str] = &[
    "KSampler",
    "KSamplerAdvanced",
    "SamplerCustom",
    "SamplerCustomAdvanced",
];

fn title(n: &Value) -> String {
    n.get("_meta")
        .and_then(|t| t.get("title"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Finds the inputs Easel sets, by node class: the sampler's seed, steps, CFG, sampler and
/// scheduler; the text nodes its positive and negative inputs lead to; the latent image's
/// size and batch; the checkpoint loader's file.
pub fn detect(graph: &Value) -> Result<WorkflowMapping> {
    check_api_format(graph)?;
    let all = nodes(graph);
    let mut m = WorkflowMapping::default();
    let sampler = SAMPLERS
        .iter()
        .find_map(|c| all.iter().find(|(_, n)| class(n) == *c));
    if let Some((id, node)) = sampler {
        m.seed = value_input(id, node, &["seed", "noise_seed"]);
        m.steps = value_input(id, node, &["steps"]);
        m.cfg = value_input(id, node, &["cfg"]);
        m.sampler = value_input(id, node, &["sampler_name"]);
        m.scheduler = value_input(id, node, &["scheduler"]);
        m.prompt = input(node, "positive").and_then(|v| text_source(graph, v, 0));
        m.negative_prompt = input(node, "negative").and_then(|v| text_source(graph, v, 0));
        if let Some(latent) = input(node, "latent_image").and_then(link_target)
            && let Some(l) = graph.get(latent)
        {
            m.width = value_input(latent, l, &["width"]);
            m.height = value_input(latent, l, &["height"]);
            m.batch_size = value_input(latent, l, &["batch_size"]);
        }
    }
    // Custom-sampler graphs keep these in nodes of their own.
    for (id, node) in &all {
        let c = class(node);
        if m.seed.is_none() && c == "RandomNoise" {
            m.seed = value_input(id, node, &["noise_seed"]);
        }
        if m.steps.is_none() && c == "BasicScheduler" {
            m.steps = value_input(id, node, &["steps"]);
            m.scheduler = m
                .scheduler
                .take()
                .or_else(|| value_input(id, node, &["scheduler"]));
        }
        if m.sampler.is_none() && c == "KSamplerSelect" {
            m.sampler = value_input(id, node, &["sampler_name"]);
        }
        if m.cfg.is_none() && c == "CFGGuider" {
            m.cfg = value_input(id, node, &["cfg"]);
        }
        if m.width.is_none() && c.starts_with("Empty") && c.contains("Latent") {
            m.width = value_input(id, node, &["width"]);
            m.height = value_input(id, node, &["height"]);
            m.batch_size = value_input(id, node, &["batch_size"]);
        }
        if m.checkpoint.is_none() {
            m.checkpoint = match c {
                "CheckpointLoaderSimple" | "CheckpointLoader" | "ImageOnlyCheckpointLoader" => {
                    value_input(id, node, &["ckpt_name"])
                }
                "UNETLoader" => value_input(id, node, &["unet_name"]),
                _ => None,
            };
        }
    }
    // Without a sampler linking them, the text nodes by title.
    if m.prompt.is_none() {
        let texts: Vec<_> = all
            .iter()
            .filter(|(_, n)| class(n).starts_with("CLIPTextEncode"))
            .collect();
        for (id, n) in texts {
            let r = value_input(id, n, &["text", "text_g"]);
            if title(n).contains("neg") {
                m.negative_prompt = m.negative_prompt.take().or(r);
            } else if m.prompt.is_none() {
                m.prompt = r;
            }
        }
    }
    if m.prompt.is_none() {
        return Err(Error::Workflow {
            message: "Easel found no prompt input in the workflow (no CLIPTextEncode or similar text node linked to a sampler). Correct the mapping: name the node and input that take the prompt.".into(),
        });
    }
    Ok(m)
}

/// Applies the user's corrections (`param` -> node id and input name), each checked
/// against the graph; "none" as the node removes a mapping.
pub fn correct(
    workflow: &mut Workflow,
    corrections: &BTreeMap<String, Option<InputRef>>,
) -> Result<()> {
    for (param, target) in corrections {
        let slot = workflow.mapping.slot_mut(param).ok_or_else(|| {
            Error::InvalidInput(format!(
                "\"{param}\" is not a mapped parameter; use {}.",
                MAPPED.join(", ")
            ))
        })?;
        if let Some(t) = target {
            let node = workflow.graph.get(&t.node).ok_or_else(|| {
                Error::InvalidInput(format!("The workflow has no node {:?}.", t.node))
            })?;
            match input(node, &t.input) {
                Some(v) if !is_link(v) => {}
                Some(_) => {
                    return Err(Error::InvalidInput(format!(
                        "Input {:?} of node {:?} is linked to another node, not a value Easel can set.",
                        t.input, t.node
                    )));
                }
                None => {
                    return Err(Error::InvalidInput(format!(
                        "Node {:?} ({}) has no input {:?}.",
                        t.node,
                        class(node),
                        t.input
                    )));
                }
            }
        }
        *slot = target.clone();
    }
    if workflow.mapping.prompt.is_none() {
        return Err(Error::InvalidInput(
            "The prompt must be mapped to an input.".into(),
        ));
    }
    Ok(())
}

/// What one generation sets in a copy of the graph.
#[derive(Debug, Default)]
pub struct Fill<'a> {
    pub prompt: &'a str,
    pub negative_prompt: Option<&'a str>,
    pub seed: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub batch_size: u32,
    pub steps: Option<u32>,
    pub cfg: Option<f64>,
    pub sampler: Option<&'a str>,
    pub scheduler: Option<&'a str>,
    pub checkpoint: &'a str,
}

/// The graph with the request's values set. A value the workflow has no input for is
/// refused, so nothing is silently ignored.
pub fn fill(workflow: &Workflow, f: &Fill<'_>) -> Result<Value> {
    let mut graph = workflow.graph.clone();
    let m = &workflow.mapping;
    let mut set = |param: &str, value: Option<Value>, required: bool| -> Result<()> {
        let Some(value) = value else { return Ok(()) };
        let Some(r) = m.get(param) else {
            if required {
                return Err(Error::InvalidInput(format!(
                    "The workflow \"{}\" has no input for {param}; leave it out or correct the workflow's mapping.",
                    workflow.name
                )));
            }
            return Ok(());
        };
        let inputs = graph
            .get_mut(&r.node)
            .and_then(|n| n.get_mut("inputs"))
            .and_then(Value::as_object_mut)
            .ok_or_else(|| Error::Workflow {
                message: format!(
                    "The mapping of {param} names node {:?}, which the workflow does not have.",
                    r.node
                ),
            })?;
        inputs.insert(r.input.clone(), value);
        Ok(())
    };
    set("prompt", Some(Value::from(f.prompt)), true)?;
    set("negative_prompt", f.negative_prompt.map(Value::from), true)?;
    // The seed is always Easel's: where the workflow has none, nothing is random for us.
    set("seed", Some(Value::from(f.seed)), false)?;
    set("width", f.width.map(Value::from), true)?;
    set("height", f.height.map(Value::from), true)?;
    set(
        "batch_size",
        (f.batch_size > 1).then_some(Value::from(f.batch_size)),
        true,
    )?;
    set("steps", f.steps.map(Value::from), true)?;
    set("cfg", f.cfg.map(Value::from), true)?;
    set("sampler", f.sampler.map(Value::from), true)?;
    set("scheduler", f.scheduler.map(Value::from), true)?;
    set("checkpoint", Some(Value::from(f.checkpoint)), false)?;
    Ok(graph)
}

/// The value the filled graph has at a mapped input (to record what was used).
pub fn value_at<'g>(graph: &'g Value, m: &WorkflowMapping, param: &str) -> Option<&'g Value> {
    let r = m.get(param)?;
    graph.get(&r.node).and_then(|n| input(n, &r.input))
}

/// The text chunks of a PNG (tEXt, and uncompressed iTXt), by keyword.
fn png_text_chunks(bytes: &[u8]) -> Result<Map<String, Value>> {
    let bad = || Error::Workflow {
        message: "The PNG is damaged; its text chunks could not be read.".into(),
    };
    let mut out = Map::new();
    let mut at = 8usize;
    while at + 12 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().map_err(|_| bad())?) as usize;
        let kind = &bytes[at + 4..at + 8];
        let start = at + 8;
        let end = start
            .checked_add(len)
            .filter(|e| *e + 4 <= bytes.len())
            .ok_or_else(bad)?;
        let data = &bytes[start..end];
        match kind {
            b"tEXt" => {
                if let Some(z) = data.iter().position(|b| *b == 0) {
                    let key = String::from_utf8_lossy(&data[..z]).into_owned();
                    // Latin-1, as the PNG spec says.
                    let text: String = data[z + 1..].iter().map(|b| char::from(*b)).collect();
                    out.insert(key, Value::from(text));
                }
            }
            b"iTXt" => {
                if let Some(z) = data.iter().position(|b| *b == 0) {
                    let key = String::from_utf8_lossy(&data[..z]).into_owned();
                    let rest = &data[z + 1..];
                    if rest.len() >= 2 && rest[0] == 0 {
                        // Skip compression method, language tag and translated keyword.
                        let mut r = &rest[2..];
                        for _ in 0..2 {
                            match r.iter().position(|b| *b == 0) {
                                Some(p) => r = &r[p + 1..],
                                None => r = &[],
                            }
                        }
                        out.insert(key, Value::from(String::from_utf8_lossy(r).into_owned()));
                    }
                }
            }
            b"IEND" => break,
            _ => {}
        }
        at = end + 4;
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn built_in_mapping_is_complete() {
        let w = built_in().unwrap();
        let m = &w.mapping;
        let r = |n: &str, i: &str| {
            Some(InputRef {
                node: n.into(),
                input: i.into(),
            })
        };
        assert_eq!(m.prompt, r("6", "text"));
        assert_eq!(m.negative_prompt, r("7", "text"));
        assert_eq!(m.seed, r("3", "seed"));
        assert_eq!(m.width, r("5", "width"));
        assert_eq!(m.batch_size, r("5", "batch_size"));
        assert_eq!(m.checkpoint, r("4", "ckpt_name"));
        assert_eq!(m.scheduler, r("3", "scheduler"));
    }
}

//! ComfyUI's `prompt` PNG chunk: the API-format graph `{node id: {class_type, inputs}}`,
//! where an input is a value or a link `[node id, output index]`. The sampler node is found
//! by class; prompts, seed, size, steps and checkpoint are found by following its links.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::facts::FileFacts;

/// How far a link is followed (a hostile graph may loop or nest deeply).
const MAX_DEPTH: usize = 32;

type Graph = Map<String, Value>;

fn node<'a>(graph: &'a Graph, id: &str) -> Option<&'a Map<String, Value>> {
    graph.get(id)?.as_object()
}

fn class(n: &Map<String, Value>) -> &str {
    n.get("class_type").and_then(Value::as_str).unwrap_or("")
}

fn inputs(n: &Map<String, Value>) -> Option<&Map<String, Value>> {
    n.get("inputs")?.as_object()
}

/// The node id a link input points at.
fn link(v: &Value) -> Option<String> {
    let arr = v.as_array()?;
    if arr.len() != 2 || !arr[1].is_u64() {
        return None;
    }
    match &arr[0] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An input's value, following links to primitive nodes (which hold it in `value`, `seed`,
/// `text`, `string`, `int` …).
fn value_of(graph: &Graph, v: &Value, depth: usize) -> Option<Value> {
    match link(v) {
        None => Some(v.clone()),
        Some(id) if depth < MAX_DEPTH => {
            let ins = inputs(node(graph, &id)?)?;
            [
                "value",
                "seed",
                "noise_seed",
                "text",
                "string",
                "int",
                "float",
                "number",
            ]
            .iter()
            .find_map(|k| ins.get(*k).and_then(|v| value_of(graph, v, depth + 1)))
        }
        Some(_) => None,
    }
}

/// The text a conditioning input was encoded from, following combiners and guidance nodes.
fn text_of(graph: &Graph, v: &Value, depth: usize, seen: &mut BTreeSet<String>) -> Option<String> {
    let id = link(v)?;
    if depth >= MAX_DEPTH || !seen.insert(id.clone()) {
        return None;
    }
    let ins = inputs(node(graph, &id)?)?;
    let mut texts = Vec::new();
    for key in ["text", "text_g", "text_l", "prompt", "string"] {
        if let Some(t) = ins.get(key).and_then(|v| value_of(graph, v, depth + 1))
            && let Some(t) = t.as_str()
            && !t.trim().is_empty()
            && !texts.iter().any(|x: &String| x == t)
        {
            texts.push(t.to_owned());
        }
    }
    if !texts.is_empty() {
        return Some(texts.join("\n"));
    }
    [
        "conditioning",
        "conditioning_1",
        "conditioning_to",
        "conditioning_from",
        "positive",
    ]
    .iter()
    .find_map(|k| ins.get(*k).and_then(|v| text_of(graph, v, depth + 1, seen)))
}

/// Sampler classes, most specific first.
fn is_sampler(class: &str) -> bool {
    class.contains("Sampler") && !class.contains("Select")
}

/// Reads the API graph in `text` into `facts`; false when it is not one.
pub fn read_prompt(text: &str, facts: &mut FileFacts) -> bool {
    let Ok(Value::Object(graph)) = serde_json::from_str::<Value>(text) else {
        return false;
    };
    if !graph.values().any(|n| n.get("class_type").is_some()) {
        return false;
    }
    facts.keep("comfyui", "prompt", text.to_owned());
    let Some((_, sampler)) = graph
        .iter()
        .filter_map(|(id, n)| Some((id, n.as_object()?)))
        .filter(|(_, n)| is_sampler(class(n)) && inputs(n).is_some())
        .min_by_key(|(id, n)| {
            (
                class(n) != "KSampler",
                id.parse::<u64>().unwrap_or(u64::MAX),
            )
        })
    else {
        return true;
    };
    let Some(ins) = inputs(sampler) else {
        return true;
    };
    facts.set_param("sampler_node", Value::from(class(sampler)));
    // SamplerCustomAdvanced keeps its settings on linked nodes: guider, noise, sigmas, sampler.
    let guider = ins
        .get("guider")
        .and_then(link)
        .and_then(|id| node(&graph, &id))
        .and_then(inputs);
    let positive = ins
        .get("positive")
        .or_else(|| guider.and_then(|g| g.get("positive").or_else(|| g.get("conditioning"))));
    let negative = ins
        .get("negative")
        .or_else(|| guider.and_then(|g| g.get("negative")));
    if let Some(p) = positive.and_then(|v| text_of(&graph, v, 0, &mut BTreeSet::new())) {
        facts.prompt = Some(p);
    }
    if let Some(n) = negative.and_then(|v| text_of(&graph, v, 0, &mut BTreeSet::new())) {
        facts.params.negative_prompt = Some(n);
    }
    // Settings: on the sampler or any node it links to, nearest first.
    let mut queue = vec![(ins.clone(), 0usize)];
    let mut visited = BTreeSet::new();
    let mut checkpoint: Option<String> = None;
    let mut loras = Vec::new();
    let (mut width, mut height) = (None, None);
    while let Some((ins, depth)) = (!queue.is_empty()).then(|| queue.remove(0)) {
        for (key, v) in &ins {
            if let Some(id) = link(v) {
                if depth < MAX_DEPTH
                    && visited.insert(id.clone())
                    && let Some(n) = node(&graph, &id).and_then(inputs)
                {
                    queue.push((n.clone(), depth + 1));
                }
                if !matches!(key.as_str(), "seed" | "noise_seed" | "steps" | "cfg") {
                    continue;
                }
            }
            let Some(value) = value_of(&graph, v, 0) else {
                continue;
            };
            match key.as_str() {
                "seed" | "noise_seed" if facts.params.seed.is_none() => {
                    facts.params.seed = value.as_u64();
                }
                "steps" | "cfg" | "sampler_name" | "scheduler" | "denoise" | "guidance" => {
                    let name = match key.as_str() {
                        "cfg" => "cfg_scale",
                        "sampler_name" => "sampler",
                        other => other,
                    };
                    if !facts.params.extra.contains_key(name) {
                        facts.set_param(name, value);
                    }
                }
                "ckpt_name" | "unet_name" if checkpoint.is_none() => {
                    checkpoint = value.as_str().map(str::to_owned);
                }
                "lora_name" => {
                    if let Some(l) = value.as_str() {
                        loras.push(Value::from(l));
                    }
                }
                "width" if width.is_none() => width = value.as_u64(),
                "height" if height.is_none() => height = value.as_u64(),
                _ => {}
            }
        }
    }
    if let (Some(w), Some(h)) = (width, height) {
        facts.params.size = Some(format!("{w}x{h}"));
    }
    if !loras.is_empty() {
        facts.set_param("loras", Value::Array(loras));
    }
    if let Some(c) = checkpoint {
        facts.set_param("checkpoint", Value::from(c.clone()));
        facts.model = Some(c);
    }
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_flux_graph_with_sampler_custom_advanced_is_followed_through_its_nodes() {
        let graph = json!({
            "13": {"class_type": "SamplerCustomAdvanced", "inputs": {"noise": ["25", 0],
                "guider": ["22", 0], "sampler": ["16", 0], "sigmas": ["17", 0],
                "latent_image": ["5", 0]}},
            "25": {"class_type": "RandomNoise", "inputs": {"noise_seed": 7}},
            "22": {"class_type": "BasicGuider", "inputs": {"model": ["12", 0], "conditioning": ["26", 0]}},
            "26": {"class_type": "FluxGuidance", "inputs": {"guidance": 3.5, "conditioning": ["6", 0]}},
            "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["11", 0]}},
            "16": {"class_type": "KSamplerSelect", "inputs": {"sampler_name": "euler"}},
            "17": {"class_type": "BasicScheduler", "inputs": {"scheduler": "simple", "steps": 20,
                "denoise": 1.0, "model": ["12", 0]}},
            "12": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors"}},
            "5": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1024, "height": 768, "batch_size": 1}}
        });
        let mut facts = FileFacts::default();
        assert!(read_prompt(&graph.to_string(), &mut facts));
        assert_eq!(facts.prompt.as_deref(), Some("a cat"));
        assert_eq!(facts.params.negative_prompt, None);
        assert_eq!(facts.params.seed, Some(7));
        assert_eq!(facts.params.size.as_deref(), Some("1024x768"));
        assert_eq!(facts.model.as_deref(), Some("flux1-dev.safetensors"));
        assert_eq!(facts.params.extra["steps"], json!(20));
        assert_eq!(facts.params.extra["sampler"], json!("euler"));
        assert_eq!(facts.params.extra["scheduler"], json!("simple"));
        assert_eq!(facts.params.extra["guidance"], json!(3.5));
    }

    #[test]
    fn a_looping_or_foreign_graph_does_not_hang_or_claim() {
        let looping = json!({
            "1": {"class_type": "KSampler", "inputs": {"positive": ["2", 0], "seed": ["2", 0]}},
            "2": {"class_type": "Loop", "inputs": {"conditioning": ["1", 0], "value": ["2", 0]}}
        });
        let mut facts = FileFacts::default();
        assert!(read_prompt(&looping.to_string(), &mut facts));
        assert_eq!(facts.prompt, None);
        assert!(!read_prompt("{\"a\": 1}", &mut FileFacts::default()));
        assert!(!read_prompt("a plain prompt", &mut FileFacts::default()));
    }
}

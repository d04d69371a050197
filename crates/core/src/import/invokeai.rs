//! InvokeAI's metadata: the `invokeai_metadata` PNG chunk (version 3 and later: a flat JSON
//! object), or `sd-metadata` of version 2 (`{model_weights, image: {prompt, seed, …}}`).

use serde_json::{Map, Value};

use super::facts::FileFacts;

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Reads InvokeAI's JSON in `json` into `facts`; false when it is not an object.
pub fn read(json: &str, facts: &mut FileFacts) -> bool {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(json) else {
        return false;
    };
    if let Some(Value::Object(image)) = map.get("image") {
        read_v2(&map, image, facts);
    } else {
        read_v3(map, facts);
    }
    true
}

fn read_v3(map: Map<String, Value>, facts: &mut FileFacts) {
    let (mut width, mut height) = (None, None);
    for (key, v) in map {
        match key.as_str() {
            "positive_prompt" => facts.prompt = Some(text(&v)),
            "negative_prompt" => facts.params.negative_prompt = Some(text(&v)),
            "seed" => match v.as_u64() {
                Some(seed) => facts.params.seed = Some(seed),
                None => facts.keep("invokeai", &key, text(&v)),
            },
            "width" => width = v.as_u64(),
            "height" => height = v.as_u64(),
            "steps" => facts.set_param("steps", v),
            "cfg_scale" => facts.set_param("cfg_scale", v),
            "scheduler" => facts.set_param("sampler", v),
            "model" => {
                let name = v
                    .get("name")
                    .or_else(|| v.get("model_name"))
                    .map(text)
                    .unwrap_or_else(|| text(&v));
                facts.set_param("checkpoint", Value::from(name.clone()));
                if let Some(hash) = v.get("hash") {
                    facts.set_param("checkpoint_hash", hash.clone());
                }
                if let Some(base) = v.get("base").or_else(|| v.get("base_model")) {
                    facts.set_param("base_model", base.clone());
                }
                facts.model = Some(name);
            }
            "loras" if v.as_array().is_some_and(|a| !a.is_empty()) => facts.set_param("loras", v),
            _ => facts.keep("invokeai", &key, text(&v)),
        }
    }
    if let (Some(w), Some(h)) = (width, height) {
        facts.params.size = Some(format!("{w}x{h}"));
    }
}

fn read_v2(map: &Map<String, Value>, image: &Map<String, Value>, facts: &mut FileFacts) {
    if let Some(model) = map.get("model_weights").map(text) {
        facts.set_param("checkpoint", Value::from(model.clone()));
        facts.model = Some(model);
    }
    for (key, v) in image {
        match key.as_str() {
            // `[{prompt, weight}]`; the `[negative]` part is InvokeAI 2's negative syntax.
            "prompt" => {
                let joined = match v {
                    Value::Array(parts) => parts
                        .iter()
                        .filter_map(|p| p.get("prompt").map(text))
                        .collect::<Vec<_>>()
                        .join(" "),
                    other => text(other),
                };
                facts.prompt = Some(joined);
            }
            "seed" => facts.params.seed = v.as_u64(),
            "steps" | "cfg_scale" | "sampler" => facts.set_param(key, v.clone()),
            "width" | "height" => {}
            _ => facts.keep("invokeai", key, text(v)),
        }
    }
    if let (Some(w), Some(h)) = (
        image.get("width").and_then(Value::as_u64),
        image.get("height").and_then(Value::as_u64),
    ) {
        facts.params.size = Some(format!("{w}x{h}"));
    }
}

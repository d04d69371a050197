//! AUTOMATIC1111 / Forge "infotext": the `parameters` PNG text chunk, or EXIF UserComment in
//! JPEG and WebP. The prompt, then `Negative prompt: …` (both may span lines), then one line
//! of `Key: value` pairs starting with `Steps:`.

use serde_json::Value;

use super::facts::{FileFacts, number_or_text};
use crate::providers::local::a1111::infotext_fields;

/// Reads `text` as an infotext into `facts`; false when it is not one (then nothing is set).
pub fn read(text: &str, source: &str, facts: &mut FileFacts) -> bool {
    let text = text.trim_end_matches(['\0', '\n', '\r', ' ']);
    let lines: Vec<&str> = text.lines().collect();
    let Some(last) = lines.last() else {
        return false;
    };
    let fields = infotext_fields(last);
    // A1111 itself counts a last line with fewer than three pairs as part of the prompt.
    if !last.trim_start().starts_with("Steps:") && fields.len() < 3 {
        return false;
    }
    if !fields.contains_key("Steps") && !fields.contains_key("Seed") {
        return false;
    }
    let body = &lines[..lines.len() - 1];
    let mut prompt = Vec::new();
    let mut negative: Option<Vec<&str>> = None;
    for line in body {
        match (&mut negative, line.strip_prefix("Negative prompt:")) {
            (None, Some(rest)) => negative = Some(vec![rest.trim_start()]),
            (Some(neg), _) => neg.push(line),
            (None, None) => prompt.push(*line),
        }
    }
    let prompt = prompt.join("\n").trim().to_owned();
    if !prompt.is_empty() {
        facts.prompt = Some(prompt);
    }
    if let Some(neg) = negative {
        let neg = neg.join("\n").trim().to_owned();
        if !neg.is_empty() {
            facts.params.negative_prompt = Some(neg);
        }
    }
    for (key, value) in fields {
        match key.as_str() {
            "Seed" => match value.trim().parse::<u64>() {
                Ok(seed) => facts.params.seed = Some(seed),
                Err(_) => facts.keep(source, &key, value),
            },
            "Size" => facts.params.size = Some(value.trim().to_owned()),
            "Model" => {
                facts.set_param("checkpoint", Value::from(value.trim()));
                facts.model = Some(value.trim().to_owned());
            }
            "Model hash" => facts.set_param("checkpoint_hash", Value::from(value.trim())),
            "Steps" => facts.set_param("steps", number_or_text(&value)),
            "CFG scale" => facts.set_param("cfg_scale", number_or_text(&value)),
            "Sampler" => facts.set_param("sampler", Value::from(value.trim())),
            "Schedule type" => facts.set_param("scheduler", Value::from(value.trim())),
            "Denoising strength" => facts.set_param("denoise", number_or_text(&value)),
            _ => facts.keep(source, &key, value),
        }
    }
    if facts.model.is_none()
        && let Some(Value::String(hash)) = facts.params.extra.get("checkpoint_hash")
    {
        facts.model = Some(hash.clone());
    }
    true
}

//! The parameters local engines take, checked before anything is sent, and the seed Easel
//! picks so that a generation can be made again.

use serde_json::Value;

use crate::catalog::parse_size;
use crate::endpoints::EndpointKind;
use crate::error::{Error, Result};
use crate::request::{GenerationParams, GenerationRequest};

/// What the engine should do, read from a request's parameters. `None` means "the engine's
/// (or the workflow's) own value".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineParams {
    pub negative_prompt: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Images in one batch.
    pub n: u32,
    pub steps: Option<u32>,
    pub cfg_scale: Option<f64>,
    pub sampler: Option<String>,
    pub scheduler: Option<String>,
    pub seed: Option<u64>,
    /// ComfyUI: the imported workflow to run instead of the built-in txt2img one.
    pub workflow: Option<String>,
    /// A1111/Forge: the user asked to load another checkpoint on the server (which changes
    /// it for everyone using that server; Forge keeps it changed).
    pub switch_checkpoint: bool,
}

/// Parameter names each kind takes, besides the prompt and model.
fn accepted(kind: EndpointKind) -> &'static [&'static str] {
    match kind {
        EndpointKind::A1111 => &[
            "n",
            "negative_prompt",
            "seed",
            "size",
            "steps",
            "cfg_scale",
            "sampler",
            "scheduler",
            "switch_checkpoint",
        ],
        EndpointKind::Comfyui => &[
            "n",
            "negative_prompt",
            "seed",
            "size",
            "steps",
            "cfg_scale",
            "sampler",
            "scheduler",
            "workflow",
        ],
        EndpointKind::OpenaiCompatible => &["n", "negative_prompt", "size", "steps"],
    }
}

/// Refuses, with what is allowed, a request the engine cannot take; returns the typed view.
pub fn check_request(kind: EndpointKind, req: &GenerationRequest) -> Result<EngineParams> {
    if req.prompt.trim().is_empty() {
        return Err(invalid("The prompt is empty.".into()));
    }
    if req.model.trim().is_empty() {
        return Err(invalid(format!(
            "Name the {} model (checkpoint) to use; `easel-cli models --provider {}` lists them.",
            kind.label(),
            req.provider
        )));
    }
    let allowed = accepted(kind);
    for (name, _) in req.params.to_map() {
        if !allowed.contains(&name.as_str()) {
            return Err(invalid(format!(
                "{} endpoints do not take the {name} parameter; they take {}.",
                kind.label(),
                allowed.join(", ")
            )));
        }
    }
    let p = &req.params;
    let mut out = EngineParams {
        negative_prompt: p.negative_prompt.clone().filter(|s| !s.trim().is_empty()),
        n: p.n.unwrap_or(1),
        seed: p.seed,
        ..EngineParams::default()
    };
    if !(1..=16).contains(&out.n) {
        return Err(invalid(format!(
            "n must be from 1 to 16 for a local engine; {} was asked for.",
            out.n
        )));
    }
    if let Some(size) = &p.size {
        let (w, h) = parse_size(size).ok_or_else(|| {
            invalid(format!(
                "size {size:?} is not WIDTHxHEIGHT (e.g. 1024x1024)."
            ))
        })?;
        let edge_ok = |e: u32| (64..=8192).contains(&e) && e.is_multiple_of(8);
        if !edge_ok(w) || !edge_ok(h) {
            return Err(invalid(format!(
                "size {size} is not usable: width and height must be multiples of 8 from 64 to 8192."
            )));
        }
        out.width = Some(w);
        out.height = Some(h);
    }
    out.steps = integer(p, "steps", 1, 1000)?;
    if let Some(v) = p.extra.get("cfg_scale") {
        let cfg = v
            .as_f64()
            .ok_or_else(|| invalid(format!("cfg_scale must be a number; got {v}.")))?;
        if !(0.0..=100.0).contains(&cfg) {
            return Err(invalid(format!(
                "cfg_scale must be from 0 to 100; {cfg} was asked for."
            )));
        }
        out.cfg_scale = Some(cfg);
    }
    out.sampler = text(p, "sampler")?;
    out.scheduler = text(p, "scheduler")?;
    out.workflow = text(p, "workflow")?;
    out.switch_checkpoint = match p.extra.get("switch_checkpoint") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(v) => {
            return Err(invalid(format!(
                "switch_checkpoint must be true or false; got {v}."
            )));
        }
    };
    if let Some(seed) = out.seed
        && kind == EndpointKind::A1111
        && seed > u64::from(u32::MAX)
    {
        return Err(invalid(format!(
            "AUTOMATIC1111/Forge seeds go up to {}; {seed} was asked for.",
            u32::MAX
        )));
    }
    Ok(out)
}

fn integer(p: &GenerationParams, name: &str, min: u32, max: u32) -> Result<Option<u32>> {
    let Some(v) = p.extra.get(name) else {
        return Ok(None);
    };
    match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
        Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(invalid(format!(
            "{name} must be a whole number from {min} to {max}; got {v}."
        ))),
    }
}

fn text(p: &GenerationParams, name: &str) -> Result<Option<String>> {
    match p.extra.get(name) {
        None => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 200 => {
            Ok(Some(s.trim().to_owned()))
        }
        Some(v) => Err(invalid(format!(
            "{name} must be a name of at most 200 characters; got {v}."
        ))),
    }
}

fn invalid(message: String) -> Error {
    Error::InvalidInput(message)
}

/// A seed for an engine that would otherwise pick one at random and not always say which:
/// Easel picks it, sends it and records it, so the image can be made again. Within 32 bits,
/// the range every engine (and A1111's seed field) takes.
pub fn choose_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish() & u64::from(u32::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(params: GenerationParams) -> GenerationRequest {
        GenerationRequest {
            provider: "studio".into(),
            model: "sd_xl_base_1.0.safetensors".into(),
            prompt: "a lighthouse".into(),
            params,
        }
    }

    #[test]
    fn reads_and_refuses_parameters() {
        let mut p = GenerationParams {
            size: Some("832x1216".into()),
            seed: Some(42),
            ..Default::default()
        };
        p.extra.insert("steps".into(), json!(28));
        p.extra.insert("cfg_scale".into(), json!(6.5));
        p.extra.insert("sampler".into(), json!("DPM++ 2M"));
        let e = check_request(EndpointKind::A1111, &req(p.clone())).unwrap();
        assert_eq!(
            (e.width, e.height, e.steps),
            (Some(832), Some(1216), Some(28))
        );
        assert_eq!(e.cfg_scale, Some(6.5));
        assert_eq!(e.sampler.as_deref(), Some("DPM++ 2M"));
        let mut bad = p.clone();
        bad.quality = Some("hd".into());
        let err = check_request(EndpointKind::A1111, &req(bad)).unwrap_err();
        assert!(err.to_string().contains("quality"), "{err}");
        let mut bad = p.clone();
        bad.size = Some("1000x7".into());
        assert!(check_request(EndpointKind::Comfyui, &req(bad)).is_err());
        let mut bad = p;
        bad.extra.insert("workflow".into(), json!("mine"));
        assert!(check_request(EndpointKind::A1111, &req(bad)).is_err());
        let big = GenerationParams {
            seed: Some(u64::from(u32::MAX) + 1),
            ..Default::default()
        };
        assert!(check_request(EndpointKind::A1111, &req(big.clone())).is_err());
        assert!(check_request(EndpointKind::Comfyui, &req(big)).is_ok());
    }

    #[test]
    fn seeds_fit_in_32_bits() {
        for _ in 0..100 {
            assert!(choose_seed() <= u64::from(u32::MAX));
        }
    }
}

//! Local and LAN engines the user added by name (a ComfyUI on the studio PC, a Forge on the
//! laptop, a LocalAI): kept as data in the settings file, each with its kind and URL. The
//! basic-auth password lives in the key store under the endpoint's account, never here.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::providers::local::comfyui::Workflow;

/// Which client speaks to the engine (`providers::connect_endpoint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum EndpointKind {
    /// ComfyUI: API-format workflows over HTTP, progress and previews over a WebSocket.
    Comfyui,
    /// AUTOMATIC1111 and Forge (and the stable-diffusion.cpp server's sdapi mode).
    A1111,
    /// `/v1/images/generations` servers: LocalAI, stable-diffusion.cpp, Ollama and the like.
    OpenaiCompatible,
}

impl EndpointKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointKind::Comfyui => "comfyui",
            EndpointKind::A1111 => "a1111",
            EndpointKind::OpenaiCompatible => "openai-compatible",
        }
    }

    pub fn parse(s: &str) -> Result<EndpointKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "comfyui" => Ok(EndpointKind::Comfyui),
            "a1111" | "forge" | "automatic1111" => Ok(EndpointKind::A1111),
            "openai-compatible" | "openai_compatible" => Ok(EndpointKind::OpenaiCompatible),
            other => Err(Error::InvalidInput(format!(
                "Unknown engine kind \"{other}\": use comfyui, a1111 (also Forge) or openai-compatible."
            ))),
        }
    }

    /// How the engine is named in messages.
    pub fn label(self) -> &'static str {
        match self {
            EndpointKind::Comfyui => "ComfyUI",
            EndpointKind::A1111 => "AUTOMATIC1111/Forge",
            EndpointKind::OpenaiCompatible => "OpenAI-compatible server",
        }
    }

    /// An example URL for messages.
    pub fn example_url(self) -> &'static str {
        match self {
            EndpointKind::Comfyui => "http://127.0.0.1:8188",
            EndpointKind::A1111 => "http://127.0.0.1:7860",
            EndpointKind::OpenaiCompatible => "http://127.0.0.1:8080/v1",
        }
    }
}

/// What an "OpenAI-compatible" server really supports: each implements a different subset
/// (see `data/engines/openai-compatible.json` for the presets), so Easel sends only what the
/// endpoint says it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CompatCapabilities {
    /// The preset these flags came from ("localai", "sd-cpp", "ollama", "generic"), for display.
    #[serde(default)]
    pub preset: String,
    /// `GET /models` lists the image models.
    #[serde(default)]
    pub models_listing: bool,
    /// Takes `response_format` (then Easel always asks for `b64_json`).
    #[serde(default)]
    pub response_format: bool,
    /// Takes `n` above 1.
    #[serde(default)]
    pub n: bool,
    /// Takes `size` as `WIDTHxHEIGHT`.
    #[serde(default)]
    pub size: bool,
    /// Reads a negative prompt after a `|` in the prompt (LocalAI).
    #[serde(default)]
    pub negative_prompt_after_bar: bool,
    /// Takes LocalAI's `step` field for the sampler steps.
    #[serde(default)]
    pub step: bool,
    /// Streams partial images (`stream`, `partial_images` 1..3), as GPT Image models do.
    #[serde(default)]
    pub partial_images: u8,
}

impl Default for CompatCapabilities {
    fn default() -> Self {
        compat_preset("generic").unwrap_or(CompatCapabilities {
            preset: "generic".into(),
            models_listing: true,
            response_format: true,
            n: true,
            size: true,
            negative_prompt_after_bar: false,
            step: false,
            partial_images: 0,
        })
    }
}

const COMPAT_PRESETS: &str = include_str!("../data/engines/openai-compatible.json");

#[derive(Deserialize)]
struct Presets {
    presets: Vec<CompatCapabilities>,
}

/// The shipped capability flags of a known server ("localai", "sd-cpp", "ollama", "generic").
pub fn compat_preset(name: &str) -> Result<CompatCapabilities> {
    let presets: Presets = serde_json::from_str(COMPAT_PRESETS)
        .map_err(|e| Error::InvalidInput(format!("data/engines/openai-compatible.json: {e}")))?;
    let known: Vec<String> = presets.presets.iter().map(|p| p.preset.clone()).collect();
    presets
        .presets
        .into_iter()
        .find(|p| p.preset.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "Unknown OpenAI-compatible preset \"{name}\": use {}.",
                known.join(", ")
            ))
        })
}

const PARAMETERS: &str = include_str!("../data/engines/parameters.json");

#[derive(Deserialize)]
struct EngineParameters {
    kinds: std::collections::BTreeMap<String, Vec<crate::catalog::ParamSpec>>,
}

/// What a generation on `endpoint` takes, as the window's Generate view shows it: the data for
/// its kind, less what an OpenAI-compatible server's flags say it does not take, with a
/// ComfyUI endpoint's workflows as the workflow choices.
pub fn parameters(endpoint: &Endpoint) -> Result<Vec<crate::catalog::ParamSpec>> {
    let all: EngineParameters = serde_json::from_str(PARAMETERS)
        .map_err(|e| Error::InvalidInput(format!("data/engines/parameters.json: {e}")))?;
    let mut specs = all
        .kinds
        .get(endpoint.kind.as_str())
        .cloned()
        .unwrap_or_default();
    if let Some(caps) = &endpoint.capabilities {
        specs.retain(|p| match p.name.as_str() {
            "n" => caps.n,
            "size" => caps.size,
            "steps" => caps.step,
            "negative_prompt" => caps.negative_prompt_after_bar,
            _ => true,
        });
    }
    if let Some(w) = specs.iter_mut().find(|p| p.name == "workflow") {
        w.values = std::iter::once(crate::providers::local::comfyui::workflow::BUILT_IN.to_owned())
            .chain(endpoint.workflows.iter().map(|wf| wf.name.clone()))
            .collect();
    }
    Ok(specs)
}

/// One engine the user added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Endpoint {
    /// The user's name for it; used like a provider id (`generate --provider NAME`).
    pub name: String,
    pub kind: EndpointKind,
    /// e.g. "http://127.0.0.1:8188"; no credentials in it.
    pub url: String,
    /// HTTP basic auth user (A1111's `--api-auth`, a reverse proxy); the password is in the
    /// key store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// OpenAI-compatible servers: what this one takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<CompatCapabilities>,
    /// ComfyUI: workflows imported by the user (the built-in txt2img one is always there).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workflows: Vec<Workflow>,
}

impl Endpoint {
    /// The key-store account of the endpoint's password.
    pub fn password_account(&self) -> String {
        password_account(&self.name)
    }

    /// The environment variable that overrides the stored password.
    pub fn password_env(&self) -> String {
        password_env(&self.name)
    }
}

pub fn password_account(name: &str) -> String {
    format!("endpoint:{name}")
}

pub fn password_env(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("EASEL_ENDPOINT_{upper}_PASSWORD")
}

/// Refuses names that could be confused with a catalogue provider or break a command line.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if !ok {
        return Err(Error::InvalidInput(format!(
            "The endpoint name {name:?} must be 1-40 letters, digits, '-' or '_', starting with a letter or digit (e.g. studio-comfy)."
        )));
    }
    if crate::catalog::providers()
        .iter()
        .any(|p| p.id.eq_ignore_ascii_case(name))
    {
        return Err(Error::InvalidInput(format!(
            "\"{name}\" is the name of a hosted provider; choose another name for the endpoint."
        )));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_parameters_as_data() {
        let endpoint = |kind, capabilities| Endpoint {
            name: "e".into(),
            kind,
            url: "http://127.0.0.1:1".into(),
            username: None,
            capabilities,
            workflows: Vec::new(),
        };
        let names = |e: &Endpoint| -> Vec<String> {
            parameters(e).unwrap().into_iter().map(|p| p.name).collect()
        };
        let a1111 = names(&endpoint(EndpointKind::A1111, None));
        assert!(a1111.contains(&"seed".to_owned()) && a1111.contains(&"sampler".to_owned()));
        assert!(!a1111.contains(&"workflow".to_owned()));
        let comfy = parameters(&endpoint(EndpointKind::Comfyui, None)).unwrap();
        let wf = comfy.iter().find(|p| p.name == "workflow").unwrap();
        assert_eq!(wf.values, vec!["txt2img".to_owned()]);
        // CFG is a decimal for both kinds that take it, checked as the engines check it.
        for kind in [EndpointKind::A1111, EndpointKind::Comfyui] {
            let specs = parameters(&endpoint(kind, None)).unwrap();
            let cfg = specs.iter().find(|p| p.name == "cfg_scale").unwrap();
            assert_eq!(cfg.kind, crate::catalog::ParamKind::Decimal);
            assert_eq!(cfg.step, Some(0.5));
            cfg.check("m", &serde_json::json!(7.5)).unwrap();
            cfg.check("m", &serde_json::json!(7)).unwrap();
            assert!(cfg.check("m", &serde_json::json!(101.0)).is_err());
            assert!(cfg.check("m", &serde_json::json!("7.5")).is_err());
        }
        // Only what the server's flags say it takes.
        let generic = names(&endpoint(
            EndpointKind::OpenaiCompatible,
            Some(compat_preset("generic").unwrap()),
        ));
        assert!(generic.contains(&"size".to_owned()));
        assert!(!generic.contains(&"negative_prompt".to_owned()));
        let localai = names(&endpoint(
            EndpointKind::OpenaiCompatible,
            Some(compat_preset("localai").unwrap()),
        ));
        assert!(localai.contains(&"negative_prompt".to_owned()));
        // Every name is one the engines' request check accepts.
        for kind in [
            EndpointKind::A1111,
            EndpointKind::Comfyui,
            EndpointKind::OpenaiCompatible,
        ] {
            for p in parameters(&endpoint(kind, None)).unwrap() {
                let mut request = crate::GenerationRequest {
                    provider: "e".into(),
                    model: "m".into(),
                    prompt: "p".into(),
                    params: Default::default(),
                };
                let value = match p.kind {
                    crate::catalog::ParamKind::Integer => serde_json::json!(1),
                    crate::catalog::ParamKind::Decimal => serde_json::json!(7.5),
                    crate::catalog::ParamKind::Size => serde_json::json!("512x512"),
                    _ => serde_json::json!("x"),
                };
                request.params =
                    serde_json::from_value(serde_json::json!({ p.name.clone(): value })).unwrap();
                crate::providers::local::check_request(kind, &request)
                    .unwrap_or_else(|e| panic!("{kind:?} {}: {e}", p.name));
            }
        }
    }

    #[test]
    fn presets_parse_and_names_are_checked() {
        for p in ["localai", "sd-cpp", "ollama", "generic"] {
            assert_eq!(compat_preset(p).unwrap().preset, p);
        }
        assert!(compat_preset("localai").unwrap().negative_prompt_after_bar);
        assert!(!compat_preset("sd-cpp").unwrap().response_format);
        assert!(compat_preset("nope").is_err());
        assert!(check_name("studio-comfy").is_ok());
        for bad in ["", "-x", "a b", "openai", "x\u{1b}[31m", &"a".repeat(41)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            password_env("studio-comfy"),
            "EASEL_ENDPOINT_STUDIO_COMFY_PASSWORD"
        );
        assert_eq!(
            EndpointKind::parse("openai-compatible").unwrap(),
            EndpointKind::OpenaiCompatible
        );
        assert_eq!(
            serde_json::to_value(EndpointKind::OpenaiCompatible).unwrap(),
            "openai-compatible"
        );
    }
}

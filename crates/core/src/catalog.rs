//! The model catalogue: which providers and models exist and what each model accepts.
//! It is data (`data/models.json`) so a new model is a JSON edit, not a code change; the
//! UI renders its controls from these types and `ModelSpec::validate` refuses locally
//! whatever the provider would refuse, so nothing doomed is ever sent (or billed).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::request::GenerationRequest;

const MODELS_JSON: &str = include_str!("../data/models.json");

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Catalog {
    pub providers: Vec<ProviderSpec>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderSpec {
    pub id: String,
    pub name: String,
    /// Environment variable the API key may come from.
    pub api_key_env: String,
    pub default_base_url: String,
    pub default_model: String,
    /// Model ids starting with one of these are image models even if the catalogue does
    /// not know them yet (the provider ships new ones every few months).
    pub model_prefixes: Vec<String>,
    pub models: Vec<ModelSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelStatus {
    Current,
    /// Still served, but superseded; the UI may tuck it away.
    Legacy,
    /// No longer served; kept so old images still show what made them.
    Retired,
}

/// How the provider hands images back when the request does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    Url,
    B64Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountRange {
    pub min: u32,
    pub max: u32,
}

/// Free-form `WIDTHxHEIGHT` sizes some models accept besides their fixed list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomSizeRule {
    pub multiple_of: u32,
    /// Long side divided by short side, at most.
    pub max_aspect_ratio: f64,
    pub max_edge: u32,
    pub max_pixels: u64,
    pub min_pixels: u64,
    /// Above this many pixels the provider calls results experimental (UI hint only).
    pub experimental_above_pixels: Option<u64>,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    pub id: String,
    pub label: String,
    /// e.g. "gpt-image", "dall-e"; licence terms are keyed by family.
    pub family: String,
    pub status: ModelStatus,
    /// For dated snapshots: the model id it pins.
    pub snapshot_of: Option<String>,
    pub notes: String,
    pub prompt_max_chars: u32,
    /// Allowed fixed sizes, including "auto" where the model sizes itself.
    pub sizes: Vec<String>,
    pub default_size: String,
    pub custom_size: Option<CustomSizeRule>,
    pub n: CountRange,
    pub qualities: Vec<String>,
    pub default_quality: String,
    pub styles: Vec<String>,
    pub backgrounds: Vec<String>,
    /// Output formats that can carry a transparent background.
    pub transparent_background_formats: Vec<String>,
    pub output_formats: Vec<String>,
    pub default_output_format: Option<String>,
    /// Output formats for which `output_compression` (0-100) applies.
    pub compression_formats: Vec<String>,
    pub moderations: Vec<String>,
    /// Values of `response_format` the model takes; empty where it always answers base64.
    pub response_formats: Vec<String>,
    /// How images come back when `response_format` is not set.
    pub default_answer: AnswerKind,
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // The file is compiled in and checked by the tests below, so a parse failure is a
        // build defect, not something input can cause.
        #[allow(clippy::expect_used)]
        serde_json::from_str(MODELS_JSON).expect("data/models.json is valid")
    })
}

pub fn providers() -> &'static [ProviderSpec] {
    &catalog().providers
}

pub fn provider(id: &str) -> Result<&'static ProviderSpec> {
    providers().iter().find(|p| p.id == id).ok_or_else(|| {
        let known: Vec<&str> = providers().iter().map(|p| p.id.as_str()).collect();
        Error::InvalidInput(format!(
            "Unknown provider \"{id}\". Known providers: {}.",
            known.join(", ")
        ))
    })
}

pub fn model(provider_id: &str, model_id: &str) -> Result<&'static ModelSpec> {
    let p = provider(provider_id)?;
    p.models.iter().find(|m| m.id == model_id).ok_or_else(|| {
        let known: Vec<&str> = p.models.iter().map(|m| m.id.as_str()).collect();
        Error::InvalidInput(format!(
            "Unknown {} model \"{model_id}\". Known models: {}.",
            p.name,
            known.join(", ")
        ))
    })
}

impl ProviderSpec {
    /// True for ids that name an image model of this provider, known or not yet catalogued.
    pub fn is_image_model(&self, id: &str) -> bool {
        self.models.iter().any(|m| m.id == id)
            || self
                .model_prefixes
                .iter()
                .any(|p| id.starts_with(p.as_str()))
    }
}

fn invalid(msg: String) -> Error {
    Error::InvalidInput(msg)
}

impl ModelSpec {
    pub fn is_gpt_image(&self) -> bool {
        self.family == "gpt-image"
    }

    /// How the provider will hand back images for these parameters: a URL to download at
    /// once, or base64 in the answer.
    pub fn answer_for(&self, params: &crate::request::GenerationParams) -> AnswerKind {
        match params.response_format.as_deref() {
            Some("url") => AnswerKind::Url,
            Some("b64_json") => AnswerKind::B64Json,
            _ => self.default_answer,
        }
    }

    /// Refuses, with a message saying what is allowed, anything the provider would refuse.
    pub fn validate(&self, req: &GenerationRequest) -> Result<()> {
        if req.model != self.id {
            return Err(invalid(format!(
                "The request is for model \"{}\" but was checked against \"{}\".",
                req.model, self.id
            )));
        }
        self.check_prompt(&req.prompt)?;
        let p = &req.params;
        if let Some(n) = p.n {
            self.check_n(n)?;
        }
        if let Some(size) = &p.size {
            self.check_size(size)?;
        }
        self.check_choice("quality", p.quality.as_deref(), &self.qualities)?;
        self.check_choice("style", p.style.as_deref(), &self.styles)?;
        self.check_choice("background", p.background.as_deref(), &self.backgrounds)?;
        self.check_choice(
            "output_format",
            p.output_format.as_deref(),
            &self.output_formats,
        )?;
        self.check_choice("moderation", p.moderation.as_deref(), &self.moderations)?;
        self.check_choice(
            "response_format",
            p.response_format.as_deref(),
            &self.response_formats,
        )?;
        let format = p
            .output_format
            .as_deref()
            .or(self.default_output_format.as_deref());
        if p.background.as_deref() == Some("transparent") {
            let ok =
                format.is_some_and(|f| self.transparent_background_formats.iter().any(|t| t == f));
            if !ok {
                return Err(invalid(format!(
                    "A transparent background needs output format {} (not {}).",
                    or_list(&self.transparent_background_formats),
                    format.unwrap_or("the default")
                )));
            }
        }
        if let Some(c) = p.output_compression {
            self.check_compression(c, format)?;
        }
        if let Some(user) = &p.user
            && user.trim().is_empty()
        {
            return Err(invalid(
                "The end-user id is empty; leave it out or give an id.".to_owned(),
            ));
        }
        Ok(())
    }

    fn check_prompt(&self, prompt: &str) -> Result<()> {
        if prompt.trim().is_empty() {
            return Err(invalid(
                "The prompt is empty: describe the image you want.".to_owned(),
            ));
        }
        // The limit is in characters, not bytes: count chars so non-ASCII prompts are fair.
        let chars = prompt.chars().count();
        if chars > self.prompt_max_chars as usize {
            return Err(invalid(format!(
                "The prompt is {chars} characters long; {} takes at most {}. Shorten it.",
                self.id, self.prompt_max_chars
            )));
        }
        Ok(())
    }

    fn check_n(&self, n: u32) -> Result<()> {
        let CountRange { min, max } = self.n;
        if (min..=max).contains(&n) {
            return Ok(());
        }
        Err(invalid(if min == max {
            format!(
                "{} makes {} per request (n={min}); {n} was asked for.",
                self.id,
                if min == 1 {
                    "one image".to_owned()
                } else {
                    format!("{min} images")
                }
            )
        } else {
            format!(
                "{} makes {min} to {max} images per request (n={min}..{max}); {n} was asked for.",
                self.id
            )
        }))
    }

    fn check_size(&self, size: &str) -> Result<()> {
        if self.sizes.iter().any(|s| s == size) {
            return Ok(());
        }
        let listed = or_list(&self.sizes);
        let Some(rule) = &self.custom_size else {
            return Err(invalid(format!(
                "Size {size} is not allowed for {}: use {listed}.",
                self.id
            )));
        };
        let Some((w, h)) = parse_size(size) else {
            return Err(invalid(format!(
                "Size \"{size}\" is not a size: write WIDTHxHEIGHT (e.g. 1536x864) or use {listed}."
            )));
        };
        let why = rule.violation(w, h);
        match why {
            None => Ok(()),
            Some(why) => Err(invalid(format!(
                "Size {size} is not allowed for {}: {why} (or use {listed}).",
                self.id
            ))),
        }
    }

    fn check_choice(&self, param: &str, value: Option<&str>, allowed: &[String]) -> Result<()> {
        let Some(value) = value else { return Ok(()) };
        if allowed.is_empty() {
            return Err(invalid(format!(
                "{} does not take the {param} parameter; leave it out.",
                self.id
            )));
        }
        if allowed.iter().any(|a| a == value) {
            return Ok(());
        }
        Err(invalid(format!(
            "{param} \"{value}\" is not allowed for {}: use {}.",
            self.id,
            or_list(allowed)
        )))
    }

    fn check_compression(&self, c: u8, format: Option<&str>) -> Result<()> {
        if self.compression_formats.is_empty() {
            return Err(invalid(format!(
                "{} does not take the output_compression parameter; leave it out.",
                self.id
            )));
        }
        if c > 100 {
            return Err(invalid(format!(
                "Output compression is a percentage from 0 to 100; {c} was asked for."
            )));
        }
        if !format.is_some_and(|f| self.compression_formats.iter().any(|x| x == f)) {
            return Err(invalid(format!(
                "Output compression applies only to output format {} (not {}).",
                or_list(&self.compression_formats),
                format.unwrap_or("the default")
            )));
        }
        Ok(())
    }
}

impl CustomSizeRule {
    /// Why `w`x`h` breaks the rule, or None when it is allowed.
    pub fn violation(&self, w: u32, h: u32) -> Option<String> {
        let m = self.multiple_of;
        if w == 0 || h == 0 || !w.is_multiple_of(m) || !h.is_multiple_of(m) {
            return Some(format!("width and height must be multiples of {m}"));
        }
        let (long, short) = (w.max(h), w.min(h));
        if long > self.max_edge {
            return Some(format!(
                "each side must be at most {} pixels",
                self.max_edge
            ));
        }
        if f64::from(long) > f64::from(short) * self.max_aspect_ratio {
            return Some(format!(
                "the long side must be at most {} times the short side (aspect 1:{r}..{r}:1)",
                self.max_aspect_ratio,
                r = self.max_aspect_ratio
            ));
        }
        let pixels = u64::from(w) * u64::from(h);
        if pixels > self.max_pixels {
            return Some(format!(
                "at most {} pixels in all (e.g. 3840x2160); this is {pixels}",
                self.max_pixels
            ));
        }
        if pixels < self.min_pixels {
            return Some(format!(
                "at least {} pixels in all (e.g. 1024x640); this is {pixels}",
                self.min_pixels
            ));
        }
        None
    }
}

/// Parses "WIDTHxHEIGHT" with plain decimal digits only (no signs, spaces or leading zeros
/// tricks the provider might read differently).
pub fn parse_size(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.split_once('x')?;
    let num = |t: &str| -> Option<u32> {
        if t.is_empty()
            || t.len() > 5
            || !t.bytes().all(|b| b.is_ascii_digit())
            || t.starts_with('0')
        {
            return None;
        }
        t.parse().ok()
    };
    Some((num(w)?, num(h)?))
}

fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::request::GenerationParams;

    fn req(model: &str, params: GenerationParams) -> GenerationRequest {
        GenerationRequest {
            provider: "openai".into(),
            model: model.into(),
            prompt: "A cute baby sea otter".into(),
            params,
        }
    }

    fn check(model_id: &str, params: GenerationParams) -> Result<()> {
        model("openai", model_id)
            .unwrap()
            .validate(&req(model_id, params))
    }

    fn refused(model_id: &str, params: GenerationParams) -> String {
        match check(model_id, params) {
            Err(Error::InvalidInput(m)) => m,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn catalogue_parses_and_is_consistent() {
        let ps = providers();
        assert_eq!(ps.len(), 1);
        let openai = &ps[0];
        assert_eq!(openai.api_key_env, "OPENAI_API_KEY");
        let ids: Vec<&str> = openai.models.iter().map(|m| m.id.as_str()).collect();
        for id in [
            "gpt-image-2",
            "gpt-image-2-2026-04-21",
            "gpt-image-1.5",
            "gpt-image-1",
            "gpt-image-1-mini",
            "dall-e-3",
            "dall-e-2",
        ] {
            assert!(ids.contains(&id), "{id} missing");
        }
        assert!(ids.contains(&openai.default_model.as_str()));
        for m in &openai.models {
            assert!(m.sizes.contains(&m.default_size), "{}", m.id);
            assert!(m.qualities.contains(&m.default_quality), "{}", m.id);
            assert!(m.n.min >= 1 && m.n.min <= m.n.max, "{}", m.id);
            if let Some(f) = &m.default_output_format {
                assert!(m.output_formats.contains(f), "{}", m.id);
            }
            if let Some(rule) = &m.custom_size {
                // The fixed sizes are also inside the free-form rule.
                for s in m.sizes.iter().filter(|s| *s != "auto") {
                    let (w, h) = parse_size(s).unwrap();
                    assert_eq!(rule.violation(w, h), None, "{}: {s}", m.id);
                }
            }
            for f in m
                .compression_formats
                .iter()
                .chain(&m.transparent_background_formats)
            {
                assert!(m.output_formats.contains(f), "{}: {f}", m.id);
            }
        }
    }

    #[test]
    fn unknown_provider_and_model_list_known_ones() {
        let Err(Error::InvalidInput(m)) = model("openai", "gpt-9") else {
            panic!()
        };
        assert!(m.contains("gpt-image-1.5") && m.contains("dall-e-2"), "{m}");
        let Err(Error::InvalidInput(m)) = model("midjourney", "x") else {
            panic!()
        };
        assert!(m.contains("openai"), "{m}");
    }

    #[test]
    fn prompt_rules_count_characters() {
        let spec = model("openai", "dall-e-2").unwrap();
        let mut r = req("dall-e-2", GenerationParams::default());
        r.prompt = "   ".into();
        assert!(matches!(spec.validate(&r), Err(Error::InvalidInput(m)) if m.contains("empty")));
        // 1000 two-byte characters fit even though they are 2000 bytes.
        r.prompt = "é".repeat(1000);
        spec.validate(&r).unwrap();
        r.prompt = "é".repeat(1001);
        assert!(
            matches!(spec.validate(&r), Err(Error::InvalidInput(m)) if m.contains("1001") && m.contains("1000"))
        );
        let gpt = model("openai", "gpt-image-1").unwrap();
        let mut r = req("gpt-image-1", GenerationParams::default());
        r.prompt = "a".repeat(32000);
        gpt.validate(&r).unwrap();
        r.prompt.push('a');
        assert!(gpt.validate(&r).is_err());
    }

    #[test]
    fn n_rules() {
        let m = refused(
            "dall-e-3",
            GenerationParams {
                n: Some(2),
                ..Default::default()
            },
        );
        assert!(
            m.contains("dall-e-3 makes one image per request (n=1)"),
            "{m}"
        );
        check(
            "dall-e-3",
            GenerationParams {
                n: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
        check(
            "gpt-image-1",
            GenerationParams {
                n: Some(10),
                ..Default::default()
            },
        )
        .unwrap();
        let m = refused(
            "gpt-image-1",
            GenerationParams {
                n: Some(11),
                ..Default::default()
            },
        );
        assert!(m.contains("1 to 10"), "{m}");
        refused(
            "dall-e-2",
            GenerationParams {
                n: Some(0),
                ..Default::default()
            },
        );
    }

    fn size(s: &str) -> GenerationParams {
        GenerationParams {
            size: Some(s.into()),
            ..Default::default()
        }
    }

    #[test]
    fn fixed_sizes() {
        check("dall-e-2", size("256x256")).unwrap();
        let m = refused("dall-e-2", size("1792x1024"));
        assert!(m.contains("256x256, 512x512 or 1024x1024"), "{m}");
        check("dall-e-3", size("1792x1024")).unwrap();
        refused("dall-e-3", size("auto"));
        check("gpt-image-1.5", size("auto")).unwrap();
        check("gpt-image-1-mini", size("1536x1024")).unwrap();
        // Free-form sizes are gpt-image-2 only.
        refused("gpt-image-1", size("1536x864"));
    }

    #[test]
    fn custom_sizes_for_gpt_image_2() {
        for ok in [
            "1536x864",
            "3840x2160",
            "2160x3840",
            "1024x640",
            "2400x800",
            "auto",
            "1024x1024",
        ] {
            check("gpt-image-2", size(ok)).unwrap_or_else(|e| panic!("{ok}: {e}"));
            check("gpt-image-2-2026-04-21", size(ok)).unwrap();
        }
        let m = refused("gpt-image-2", size("1000x1000"));
        assert!(m.starts_with("Size 1000x1000 is not allowed for gpt-image-2: width and height must be multiples of 16"), "{m}");
        assert!(refused("gpt-image-2", size("3856x1296")).contains("at most 3840"));
        assert!(refused("gpt-image-2", size("2448x800")).contains("3 times"));
        assert!(refused("gpt-image-2", size("3840x2176")).contains("8294400"));
        assert!(refused("gpt-image-2", size("512x512")).contains("at least 655360"));
        for bad in [
            "",
            "x",
            "1024",
            "1024x",
            "-16x32",
            "+1024x1024",
            "1024 x1024",
            "01024x1024",
            "1024X1024",
        ] {
            refused("gpt-image-2", size(bad));
        }
    }

    #[test]
    fn parameters_that_do_not_apply_are_refused() {
        let m = refused(
            "gpt-image-1",
            GenerationParams {
                style: Some("vivid".into()),
                ..Default::default()
            },
        );
        assert_eq!(
            m,
            "gpt-image-1 does not take the style parameter; leave it out."
        );
        check(
            "dall-e-3",
            GenerationParams {
                style: Some("natural".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let m = refused(
            "dall-e-3",
            GenerationParams {
                style: Some("noir".into()),
                ..Default::default()
            },
        );
        assert!(m.contains("vivid or natural"), "{m}");
        refused(
            "dall-e-3",
            GenerationParams {
                background: Some("opaque".into()),
                ..Default::default()
            },
        );
        refused(
            "dall-e-2",
            GenerationParams {
                output_format: Some("png".into()),
                ..Default::default()
            },
        );
        refused(
            "dall-e-2",
            GenerationParams {
                moderation: Some("low".into()),
                ..Default::default()
            },
        );
        refused(
            "gpt-image-1",
            GenerationParams {
                response_format: Some("url".into()),
                ..Default::default()
            },
        );
        check(
            "dall-e-2",
            GenerationParams {
                response_format: Some("b64_json".into()),
                ..Default::default()
            },
        )
        .unwrap();
        refused(
            "dall-e-2",
            GenerationParams {
                quality: Some("hd".into()),
                ..Default::default()
            },
        );
        check(
            "dall-e-3",
            GenerationParams {
                quality: Some("hd".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let m = refused(
            "gpt-image-1",
            GenerationParams {
                quality: Some("hd".into()),
                ..Default::default()
            },
        );
        assert!(m.contains("auto, low, medium or high"), "{m}");
        refused(
            "gpt-image-1",
            GenerationParams {
                user: Some(" ".into()),
                ..Default::default()
            },
        );
    }

    #[test]
    fn background_and_compression_rules() {
        let transparent = |fmt: Option<&str>| GenerationParams {
            background: Some("transparent".into()),
            output_format: fmt.map(Into::into),
            ..Default::default()
        };
        check("gpt-image-1", transparent(None)).unwrap(); // png by default
        check("gpt-image-1", transparent(Some("webp"))).unwrap();
        let m = refused("gpt-image-1", transparent(Some("jpeg")));
        assert!(m.contains("png or webp"), "{m}");
        let comp = |c: u8, fmt: Option<&str>| GenerationParams {
            output_compression: Some(c),
            output_format: fmt.map(Into::into),
            ..Default::default()
        };
        check("gpt-image-1.5", comp(50, Some("jpeg"))).unwrap();
        check("gpt-image-1.5", comp(100, Some("webp"))).unwrap();
        assert!(refused("gpt-image-1.5", comp(101, Some("jpeg"))).contains("0 to 100"));
        assert!(refused("gpt-image-1.5", comp(50, None)).contains("jpeg or webp"));
        refused("dall-e-3", comp(50, None));
    }

    #[test]
    fn mismatched_model_is_refused() {
        let spec = model("openai", "dall-e-2").unwrap();
        assert!(
            spec.validate(&req("dall-e-3", GenerationParams::default()))
                .is_err()
        );
    }

    #[test]
    fn catalogue_serializes_for_the_ui() {
        let v = serde_json::to_value(providers()).unwrap();
        assert_eq!(v[0]["models"][0]["default_answer"], "b64_json");
        let d3 = model("openai", "dall-e-3").unwrap();
        assert_eq!(d3.answer_for(&GenerationParams::default()), AnswerKind::Url);
        let b64 = GenerationParams {
            response_format: Some("b64_json".into()),
            ..Default::default()
        };
        assert_eq!(d3.answer_for(&b64), AnswerKind::B64Json);
        assert!(providers()[0].is_image_model("gpt-image-3"));
        assert!(!providers()[0].is_image_model("gpt-4o"));
    }
}

//! `ModelSpec::validate`: refuse locally, with a message that says what is allowed,
//! whatever the provider would refuse.

use super::{CountRange, ModelSpec, parse_size};
use crate::error::{Error, Result};
use crate::request::GenerationRequest;

fn invalid(msg: String) -> Error {
    Error::InvalidInput(msg)
}

impl ModelSpec {
    /// Refuses, with a message saying what is allowed, anything the provider would refuse.
    pub fn validate(&self, req: &GenerationRequest) -> Result<()> {
        if req.model != self.id {
            return Err(invalid(format!(
                "The request is for model \"{}\" but was checked against \"{}\".",
                req.model, self.id
            )));
        }
        if !self.generates {
            return Err(invalid(format!(
                "{} only changes existing images; choose a model that generates.",
                self.label
            )));
        }
        self.check_prompt(&req.prompt)?;
        if !self.parameters.is_empty() {
            return self.check_listed_parameters(req);
        }
        let p = &req.params;
        for (name, set) in [
            ("negative_prompt", p.negative_prompt.is_some()),
            ("aspect_ratio", p.aspect_ratio.is_some()),
            ("seed", p.seed.is_some()),
        ] {
            if set {
                return Err(invalid(format!(
                    "{} does not take the {name} parameter; leave it out.",
                    self.id
                )));
            }
        }
        for (name, value) in &p.extra {
            if name == "partial_images" && self.max_partial_images > 0 {
                let max = self.max_partial_images;
                match value.as_u64() {
                    Some(n) if n <= u64::from(max) => continue,
                    _ => {
                        return Err(invalid(format!(
                            "partial_images must be a whole number from 0 to {max} for {}; got {value}.",
                            self.id
                        )));
                    }
                }
            }
            return Err(invalid(format!(
                "{} does not take the {name} parameter; leave it out.",
                self.id
            )));
        }
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
pub(super) fn or_list(items: &[String]) -> String {
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
    use crate::catalog::model;
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
}

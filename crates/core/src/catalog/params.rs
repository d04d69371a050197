//! Parameters as data: what each model accepts, one entry per parameter, so that local
//! validation, the CLI's flags and the window's controls all come from one description.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ModelSpec, or_list};
use crate::error::{Error, Result};
use crate::request::GenerationRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ParamKind {
    /// One of `values`.
    Choice,
    /// A whole number within `min`..=`max`.
    Integer,
    /// A number within `min`..=`max` that may have a fraction (CFG scale, 7.5), offered in
    /// steps of `step`.
    Decimal,
    /// Free text of at most `max_chars` characters.
    Text,
    /// "WxH" from `values`.
    Size,
    Bool,
}

/// One parameter a model takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ParamSpec {
    /// The name in `GenerationParams` (and the request JSON), e.g. "aspect_ratio".
    pub name: String,
    pub label: String,
    pub kind: ParamKind,
    #[serde(default)]
    pub values: Vec<String>,
    /// What the provider uses when the parameter is left out.
    #[serde(default)]
    pub default: Option<Value>,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    #[serde(default)]
    pub max_chars: Option<u32>,
    /// Decimals: the increment the window's control moves by (0.5). It does not restrict
    /// the value: engines take any number within the bounds.
    #[serde(default)]
    pub step: Option<f64>,
    /// One line for a tooltip or `--help`.
    #[serde(default)]
    pub help: String,
}

fn invalid(msg: String) -> Error {
    Error::InvalidInput(msg)
}

impl ParamSpec {
    /// A number outside `min..=max`, for either number kind.
    fn out_of_range(&self, model: &str, asked: &str) -> Error {
        let bound = |b: Option<i64>| b.map_or("any".to_owned(), |v| v.to_string());
        invalid(format!(
            "{} must be from {} to {} for {model}; {asked} was asked for.",
            self.name,
            bound(self.min),
            bound(self.max)
        ))
    }

    /// Refuses `value` with a message that says what is allowed.
    pub fn check(&self, model: &str, value: &Value) -> Result<()> {
        let name = &self.name;
        match self.kind {
            ParamKind::Choice | ParamKind::Size => {
                let Some(s) = value.as_str() else {
                    return Err(invalid(format!(
                        "{name} must be one of {}; got {value}.",
                        or_list(&self.values)
                    )));
                };
                if self.values.iter().any(|v| v == s) {
                    Ok(())
                } else {
                    Err(invalid(format!(
                        "{name} \"{s}\" is not allowed for {model}: use {}.",
                        or_list(&self.values)
                    )))
                }
            }
            ParamKind::Integer => {
                let Some(n) = value.as_i64() else {
                    return Err(invalid(format!(
                        "{name} must be a whole number; got {value}."
                    )));
                };
                let (lo, hi) = (self.min.unwrap_or(i64::MIN), self.max.unwrap_or(i64::MAX));
                if (lo..=hi).contains(&n) {
                    Ok(())
                } else {
                    Err(self.out_of_range(model, &n.to_string()))
                }
            }
            ParamKind::Decimal => {
                let Some(n) = value.as_f64().filter(|n| n.is_finite()) else {
                    return Err(invalid(format!("{name} must be a number; got {value}.")));
                };
                let lo = self.min.map_or(f64::NEG_INFINITY, |v| v as f64);
                let hi = self.max.map_or(f64::INFINITY, |v| v as f64);
                if (lo..=hi).contains(&n) {
                    Ok(())
                } else {
                    Err(self.out_of_range(model, &n.to_string()))
                }
            }
            ParamKind::Text => {
                let Some(s) = value.as_str() else {
                    return Err(invalid(format!("{name} must be text; got {value}.")));
                };
                let chars = s.chars().count();
                match self.max_chars {
                    Some(max) if chars > max as usize => Err(invalid(format!(
                        "{name} is {chars} characters long; {model} takes at most {max}. Shorten it."
                    ))),
                    _ => Ok(()),
                }
            }
            ParamKind::Bool => {
                if value.is_boolean() {
                    Ok(())
                } else {
                    Err(invalid(format!(
                        "{name} must be true or false; got {value}."
                    )))
                }
            }
        }
    }
}

impl ModelSpec {
    /// The parameters this model takes. Models described the OpenAI way (fixed lists of
    /// sizes, qualities, ...) get theirs from those lists, so every model has one.
    pub fn parameters(&self) -> Vec<ParamSpec> {
        if !self.parameters.is_empty() {
            return self.parameters.clone();
        }
        let mut out = Vec::new();
        let choice =
            |name: &str, label: &str, values: &[String], default: Option<&str>| ParamSpec {
                name: name.to_owned(),
                label: label.to_owned(),
                kind: ParamKind::Choice,
                values: values.to_vec(),
                default: default.map(Value::from),
                min: None,
                max: None,
                max_chars: None,
                step: None,
                help: String::new(),
            };
        if self.n.max > 1 {
            out.push(ParamSpec {
                kind: ParamKind::Integer,
                min: Some(i64::from(self.n.min)),
                max: Some(i64::from(self.n.max)),
                default: Some(Value::from(self.n.min)),
                ..choice("n", "Images", &[], None)
            });
        }
        if !self.sizes.is_empty() {
            out.push(ParamSpec {
                kind: ParamKind::Size,
                ..choice("size", "Size", &self.sizes, Some(&self.default_size))
            });
        }
        if !self.qualities.is_empty() {
            out.push(choice(
                "quality",
                "Quality",
                &self.qualities,
                Some(&self.default_quality),
            ));
        }
        if !self.styles.is_empty() {
            out.push(choice("style", "Style", &self.styles, None));
        }
        if !self.backgrounds.is_empty() {
            out.push(choice("background", "Background", &self.backgrounds, None));
        }
        if !self.output_formats.is_empty() {
            out.push(choice(
                "output_format",
                "Format",
                &self.output_formats,
                self.default_output_format.as_deref(),
            ));
        }
        if !self.compression_formats.is_empty() {
            out.push(ParamSpec {
                kind: ParamKind::Integer,
                min: Some(0),
                max: Some(100),
                ..choice("output_compression", "Compression", &[], None)
            });
        }
        if !self.moderations.is_empty() {
            out.push(choice("moderation", "Moderation", &self.moderations, None));
        }
        if self.max_partial_images > 0 {
            out.push(ParamSpec {
                kind: ParamKind::Integer,
                min: Some(0),
                max: Some(i64::from(self.max_partial_images)),
                default: Some(Value::from(0)),
                help: "Stream this many partial images while the image renders, shown as previews (not stored).".to_owned(),
                ..choice("partial_images", "Live previews", &[], None)
            });
        }
        out
    }

    /// Validation for models whose catalogue entry lists its parameters: every parameter set
    /// must be one the model takes, with a value it allows.
    pub(super) fn check_listed_parameters(&self, req: &GenerationRequest) -> Result<()> {
        for (name, value) in req.params.to_map() {
            let Some(spec) = self.parameters.iter().find(|p| p.name == name) else {
                let known: Vec<String> = self.parameters.iter().map(|p| p.name.clone()).collect();
                return Err(invalid(format!(
                    "{} does not take the {name} parameter; leave it out (it takes {}).",
                    self.id,
                    or_list(&known)
                )));
            };
            spec.check(&self.id, &value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decimal() -> ParamSpec {
        ParamSpec {
            name: "cfg_scale".into(),
            label: "CFG scale".into(),
            kind: ParamKind::Decimal,
            values: Vec::new(),
            default: None,
            min: Some(1),
            max: Some(30),
            max_chars: None,
            step: Some(0.5),
            help: String::new(),
        }
    }

    #[test]
    fn a_decimal_takes_fractions_within_its_bounds_and_nothing_else() {
        let spec = decimal();
        for ok in [json!(1), json!(7.5), json!(7.25), json!(30.0)] {
            spec.check("sdxl", &ok).unwrap();
        }
        for (bad, says) in [
            (json!(0.5), "from 1 to 30"),
            (json!(30.5), "from 1 to 30"),
            (json!("7.5"), "must be a number"),
            (json!(null), "must be a number"),
            (json!(true), "must be a number"),
        ] {
            let e = spec.check("sdxl", &bad).unwrap_err();
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn a_decimal_reads_from_data_with_its_step_and_round_trips() {
        let spec: ParamSpec = serde_json::from_value(json!({
            "name": "cfg_scale", "label": "CFG scale", "kind": "decimal",
            "min": 1, "max": 30, "step": 0.5
        }))
        .unwrap();
        assert_eq!(spec, decimal());
        let back: ParamSpec = serde_json::from_value(serde_json::to_value(&spec).unwrap()).unwrap();
        assert_eq!(back, spec);
    }
}

//! `easel-cli providers`: what a user needs to choose a provider — whether it is set up (and
//! where each credential comes from, never its value), its terms in a line, its limits.

use easel_core::catalog::{self, ProviderSpec};
use easel_core::engine::Engine;
use easel_core::license::{self, CommercialUse};
use easel_core::providers::credentials::FieldStatus;
use easel_core::secrets::KeySource;
use serde_json::json;

use crate::commands::Failure;
use crate::human;

pub fn run(engine: &Engine, as_json: bool) -> Result<(), Failure> {
    let mut rows = Vec::new();
    for spec in catalog::providers() {
        let fields = engine.credential_status(&spec.id)?;
        rows.push((spec, fields));
    }
    if as_json {
        let list: Vec<_> = rows
            .iter()
            .map(|(spec, fields)| view(spec, fields))
            .collect();
        crate::output::json(&json!({ "providers": list }));
    } else {
        for (spec, fields) in &rows {
            print_one(spec, fields);
        }
    }
    Ok(())
}

fn configured(fields: &[FieldStatus]) -> bool {
    fields.iter().all(|f| f.present)
}

fn view(spec: &ProviderSpec, fields: &[FieldStatus]) -> serde_json::Value {
    let terms = license::terms_for(&spec.id, &spec.default_model);
    let credentials: Vec<_> = spec
        .credentials
        .iter()
        .map(|c| {
            let status = fields.iter().find(|f| f.field == c.id);
            json!({
                "field": c.id,
                "label": c.label,
                "env_var": c.env_var,
                "present": status.is_some_and(|s| s.present),
                "source": status.and_then(|s| s.source),
            })
        })
        .collect();
    json!({
        "id": spec.id,
        "name": spec.name,
        "configured": configured(fields),
        "credentials": credentials,
        "base_url_env": spec.base_url_env,
        "default_model": spec.default_model,
        "models": spec.models.iter().map(|m| &m.id).collect::<Vec<_>>(),
        "limits": spec.limits,
        "terms": {
            "id": terms.id,
            "known": terms.known,
            "commercial_use": terms.commercial_use,
            "indemnified": terms.indemnified,
            "commercially_safe": terms.not_commercially_safe_because().is_none(),
            "terms_url": terms.terms_url,
        },
    })
}

fn print_one(spec: &ProviderSpec, fields: &[FieldStatus]) {
    let state = if configured(fields) {
        "set up"
    } else {
        "not set up"
    };
    outln!("{} ({}) — {state}", spec.name, spec.id);
    for c in &spec.credentials {
        let source = fields
            .iter()
            .find(|f| f.field == c.id)
            .and_then(|f| f.source);
        let how = match source {
            Some(KeySource::Env) => format!("from {}", c.env_var),
            Some(s) => human::key_source(s, &c.env_var),
            None => format!(
                "missing: `easel-cli key set {} --field {}` or {}",
                spec.id, c.id, c.env_var
            ),
        };
        outln!("  {:<16} {how}", c.label);
    }
    let terms = license::terms_for(&spec.id, &spec.default_model);
    let commercial = match terms.commercial_use {
        CommercialUse::Yes => "commercial use allowed",
        CommercialUse::Conditional => "commercial use allowed, with conditions",
        CommercialUse::No => "no commercial use",
        CommercialUse::Unknown => "terms unknown",
    };
    let indemnity = if terms.indemnified {
        "indemnity offered"
    } else {
        "no indemnity"
    };
    outln!("  {:<16} {commercial}; {indemnity}", "Terms");
    let mut limits = format!("{} jobs at once", spec.limits.concurrent_jobs);
    if let Some(w) = spec.limits.requests {
        limits.push_str(&format!(
            ", {} requests per {} s",
            w.count,
            w.window_ms as f64 / 1000.0
        ));
    }
    if let Some(ms) = spec.limits.lockout_after_rate_limit_ms {
        limits.push_str(&format!(", locked out {} s after a rate limit", ms / 1000));
    }
    outln!("  {:<16} {limits}", "Limits");
}

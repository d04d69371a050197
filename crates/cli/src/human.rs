//! Output for people: short, aligned, one progress line while a generation runs.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use easel_core::catalog::{ParamKind, ParamSpec, ProviderSpec};
use easel_core::jobs::{JobEvent, JobStage};
use easel_core::library::{ImageDetail, ImagePage};
use easel_core::license::CommercialUse;
use easel_core::providers::LicenseStatus;
use easel_core::secrets::KeySource;

pub struct Progress {
    enabled: bool,
    redraw: bool,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        Progress {
            enabled,
            redraw: std::io::stderr().is_terminal(),
        }
    }

    /// On a terminal the line is redrawn in place; elsewhere each stage is one line.
    pub fn show(&self, ev: &JobEvent, elapsed: Duration) {
        if !self.enabled || ev.stage.is_final() {
            return;
        }
        let what = match ev.stage {
            JobStage::Queued => "queued".to_owned(),
            JobStage::Held => format!(
                "held by the provider's rate limit, {:.0} s",
                ev.retry_in_ms.unwrap_or(0) as f64 / 1000.0
            ),
            JobStage::Processing => "the provider is working on it".to_owned(),
            JobStage::Sending => match ev.attempt {
                Some(n) if n > 1 => format!("sending (attempt {n})"),
                _ => "sending".to_owned(),
            },
            JobStage::WaitingToRetry => {
                format!(
                    "waiting to retry in {:.1} s",
                    ev.retry_in_ms.unwrap_or(0) as f64 / 1000.0
                )
            }
            JobStage::Rendering => match (&ev.note, ev.step, ev.total_steps) {
                (Some(note), _, _) => truncate(note, 120),
                (None, Some(step), Some(total)) if total > 0 => {
                    let left = ev
                        .eta_ms
                        .map(|ms| format!(", {:.0} s left", ms as f64 / 1000.0))
                        .unwrap_or_default();
                    format!("rendering step {step}/{total}{left}")
                }
                _ => "rendering".to_owned(),
            },
            JobStage::Receiving => "receiving".to_owned(),
            JobStage::Storing => "storing".to_owned(),
            JobStage::Done | JobStage::Failed | JobStage::Cancelled => return,
        };
        let line = format!("{what:<32} {:>6.1} s", elapsed.as_secs_f64());
        let mut err = std::io::stderr().lock();
        let _ = if self.redraw {
            write!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }

    pub fn finish(&self) {
        if self.enabled && self.redraw {
            eprint!("\r\x1b[2K");
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn short_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_owned())
}

pub fn print_page(page: &ImagePage) {
    if page.images.is_empty() {
        outln!("No images.");
        return;
    }
    for img in &page.images {
        outln!(
            "{}  {}  {:<16} {:>9}  {}  {}",
            img.id,
            short_time(&img.created_at),
            truncate(&img.model, 16),
            format!("{}x{}", img.width, img.height),
            if img.favorite { "★" } else { " " },
            truncate(&img.prompt, 60)
        );
    }
    if let Some(next) = &page.next {
        outln!("More: --before {next}");
    }
}

pub fn print_generated(images: &[ImageDetail], elapsed: Duration) {
    outln!(
        "{} image(s) in {:.1} s:",
        images.len(),
        elapsed.as_secs_f64()
    );
    for d in images {
        outln!(
            "{}  {}x{}  {}",
            d.summary.id,
            d.summary.width,
            d.summary.height,
            d.summary.path
        );
    }
}

fn commercial(c: CommercialUse) -> &'static str {
    match c {
        CommercialUse::Yes => "allowed",
        CommercialUse::No => "not allowed",
        CommercialUse::Conditional => "allowed, with conditions",
        CommercialUse::Unknown => "unknown — check the terms",
    }
}

pub fn print_detail(d: &ImageDetail) {
    let s = &d.summary;
    let rows: Vec<(&str, String)> = vec![
        ("Image", s.id.clone()),
        ("Created", short_time(&s.created_at)),
        ("Provider", format!("{} / {}", s.provider, s.model)),
        (
            "Size",
            format!(
                "{}x{} {} ({} bytes)",
                s.width,
                s.height,
                s.format.as_str(),
                d.byte_size
            ),
        ),
        (
            "Favourite",
            if s.favorite {
                "yes".into()
            } else {
                "no".into()
            },
        ),
        ("File", s.path.clone()),
        ("SHA-256", d.sha256.clone()),
        ("Prompt", s.prompt.clone()),
    ];
    for (k, v) in rows {
        outln!("{k:<12} {v}");
    }
    if let Some(rp) = &d.revised_prompt {
        outln!("{:<12} {rp}", "Revised");
    }
    if let Ok(serde_json::Value::Object(params)) = serde_json::to_value(&d.params) {
        for (k, v) in params {
            outln!(
                "{:<12} {k} = {}",
                "Parameter",
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            );
        }
    }
    if let Some(seed) = d.seed {
        outln!("{:<12} {seed}", "Seed");
    }
    if s.filtered {
        outln!(
            "{:<12} the provider's content filter blurred this image",
            "Filtered"
        );
    }
    if let Some(id) = &d.request_id {
        outln!("{:<12} {id}", "Request id");
    }
    if let Some(usage) = &d.usage {
        outln!("{:<12} {usage}", "Usage");
    }
    let status = match s.license_status {
        LicenseStatus::Included => "included with generation".to_owned(),
        LicenseStatus::Preview => {
            "PREVIEW: license it before use (easel-cli license ID)".to_owned()
        }
        LicenseStatus::Licensed => format!(
            "licensed{}",
            d.licensed_from
                .as_deref()
                .map(|p| format!(" (from preview {p})"))
                .unwrap_or_default()
        ),
    };
    outln!("{:<12} {status}", "Licence");
    if let Some(tx) = &d.license.transaction {
        outln!("{:<12} {tx}", "Transaction");
    }
    let l = &d.license.terms;
    outln!();
    outln!(
        "Licence terms (as of {}, checked {}):",
        short_time(&d.license.snapshot_at),
        l.checked_on
    );
    if !l.known {
        outln!(
            "  ! The terms for this provider/model are unknown. Check them before using the image."
        );
    }
    let cond = l
        .commercial_condition
        .as_deref()
        .map(|c| format!(" — {c}"))
        .unwrap_or_default();
    outln!("  {:<14} {}", "Ownership", l.output_ownership);
    outln!(
        "  {:<14} {}{cond}",
        "Commercial use",
        commercial(l.commercial_use)
    );
    outln!("  {:<14} {}", "Credit line", l.credit_line);
    outln!("  {:<14} {}", "Terms", l.terms_url);
    outln!("  {}", l.disclaimer);
}

pub fn print_models(provider: &ProviderSpec, available: Option<&[String]>) {
    outln!("{} models:", provider.name);
    for m in &provider.models {
        let mark = match available {
            None => " ",
            Some(a) if a.contains(&m.id) => "✓",
            Some(_) => "✗",
        };
        let cost = m
            .credits_per_image
            .map(|c| format!(" — {c} credits per image"))
            .unwrap_or_default();
        outln!("  {mark} {:<24} {}{cost}", m.id, m.label);
        for p in m.parameters() {
            outln!("        {:<20} {}", param_flag(&p.name), param_values(&p));
        }
    }
    if let Some(a) = available {
        for id in a
            .iter()
            .filter(|id| provider.models.iter().all(|m| &m.id != *id))
        {
            outln!("  ✓ {id:<24} (not in Easel's catalogue yet)");
        }
        outln!("✓ usable with your key, ✗ not available to it.");
    }
}

/// The flag that sets a parameter: the common ones have their own, the rest `--param`.
fn param_flag(name: &str) -> String {
    match name {
        "n" => "-n".to_owned(),
        "negative_prompt" => "--negative".to_owned(),
        "aspect_ratio" => "--aspect-ratio".to_owned(),
        "output_format" => "--format".to_owned(),
        "output_compression" => "--compression".to_owned(),
        "size" | "quality" | "style" | "seed" | "background" | "moderation" => {
            format!("--{name}")
        }
        other => format!("--param {other}="),
    }
}

fn param_values(p: &ParamSpec) -> String {
    let range = |lo: Option<i64>, hi: Option<i64>| match (lo, hi) {
        (Some(lo), Some(hi)) => format!("{lo}..{hi}"),
        (Some(lo), None) => format!("{lo} or more"),
        (None, Some(hi)) => format!("up to {hi}"),
        (None, None) => "a whole number".to_owned(),
    };
    let mut text = match p.kind {
        ParamKind::Choice | ParamKind::Size => p.values.join(", "),
        ParamKind::Integer => range(p.min, p.max),
        ParamKind::Decimal => match (p.min, p.max, p.step) {
            (Some(lo), Some(hi), Some(step)) => format!("{lo}..{hi}, in steps of {step}"),
            _ => range(p.min, p.max).replace("a whole number", "a number"),
        },
        ParamKind::Text => match p.max_chars {
            Some(n) => format!("text, up to {n} characters"),
            None => "text".to_owned(),
        },
        ParamKind::Bool => "true or false".to_owned(),
    };
    if let Some(d) = &p.default {
        let d = d.as_str().map_or_else(|| d.to_string(), str::to_owned);
        text.push_str(&format!(" (default {d})"));
    }
    text
}

pub fn key_source(source: KeySource, env: &str) -> String {
    match source {
        KeySource::Env => format!("from {env}"),
        KeySource::Keychain => "in the system keychain".into(),
        KeySource::File => "in Easel's private key file".into(),
    }
}

/// "312 matches", "10000+ matches".
pub fn print_count(count: easel_core::library::MatchCount) {
    outln!(
        "{}{} image(s) in all",
        count.count,
        if count.exact { "" } else { "+" }
    );
}

pub fn print_organisation(o: &easel_core::library::ImageOrganisation) {
    let boards: Vec<&str> = o.boards.iter().map(|b| b.name.as_str()).collect();
    let rows = [
        ("Rating", format!("{}/5", o.rating)),
        ("Tags", o.tags.join(", ")),
        ("Boards", boards.join(", ")),
        ("Note", o.note.clone().unwrap_or_default()),
    ];
    for (k, v) in rows {
        outln!("{k:<12} {v}");
    }
}

/// Where an imported image came from and what its file said (all of it as text).
pub fn print_import_origin(o: &easel_core::library::ImportOrigin) {
    outln!("{:<12} {} (from {})", "Imported", o.file_name, o.tool);
    if let Some(t) = &o.digital_source_type {
        outln!("{:<12} {t}", "Source type");
    }
    let d = &o.declared;
    for (k, v) in [
        ("Usage terms", &d.usage_terms),
        ("Rights", &d.rights),
        ("Credit", &d.credit),
        ("Licence URL", &d.web_statement),
        ("Creator", &d.creator),
    ] {
        if let Some(v) = v {
            outln!("{k:<12} {v} (declared by the file)");
        }
    }
    if !o.unmapped.is_empty() {
        outln!("Also in the file:");
        for e in &o.unmapped {
            // Graphs and workflows are long JSON: a line of them is enough here.
            let value: String = e.value.chars().take(200).collect();
            let cut = if value.len() < e.value.len() {
                "…"
            } else {
                ""
            };
            outln!("  {} {}: {value}{cut}", e.source, e.key);
        }
    }
}

//! Turning an error answer into an `Error`, following the contract's documented statuses
//! and error names, and deciding whether another attempt can help.

use std::time::Duration;

use super::wire::ErrorBody;
use crate::error::Error;
use crate::providers::http::{Failure, RetryClass};

/// How long Stability locks a caller out after a 429 (the contract's 429 text).
pub(super) const LOCKOUT: Duration = Duration::from_secs(60);

/// Error names that mean the content itself was refused (not the request's form).
const SAFETY_NAMES: [&str; 2] = ["content_moderation", "public_figure"];

/// Maps a non-2xx answer. `secret` (the API key) is scrubbed from the provider's text in
/// case an answer echoes it; the text is reduced to printable characters.
pub(super) fn from_status(status: u16, body: &[u8], env_var: &str, secret: &str) -> Failure {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let name = parsed.name.as_deref().unwrap_or("");
    let mut message = provider_text(&parsed).unwrap_or_else(|| fallback_message(status, body));
    if secret.len() >= 8 {
        message = message.replace(secret, "<redacted>");
    }
    let with_id = |m: &str| match parsed.id.as_deref().map(printable) {
        Some(id) if !id.is_empty() => format!("{m} (error id {id})"),
        _ => m.to_owned(),
    };
    let never = |error| Failure {
        error,
        class: RetryClass::Never,
    };
    match status {
        403 | 422 if SAFETY_NAMES.contains(&name) => never(Error::RejectedBySafety {
            message: with_id(&message),
        }),
        401 | 403 => never(Error::Auth {
            message: format!("Stability AI refused the API key (HTTP {status}): {message}"),
            env_var: env_var.to_owned(),
        }),
        402 => never(Error::QuotaExhausted {
            message: format!(
                "{message} Buy credits at https://platform.stability.ai/account/credits."
            ),
        }),
        400 | 422 => never(Error::InvalidInput(format!(
            "Stability AI refused the request: {} Change the settings and try again.",
            with_id(&message)
        ))),
        413 => never(Error::InvalidInput(format!(
            "Stability AI refused the request as too large (over 10 MiB): {message}"
        ))),
        // Not retried: the caller is locked out for 60 s, and the job queue does the waiting.
        429 => never(Error::RateLimited {
            message: format!(
                "{message} Easel holds further Stability AI jobs until that 60-second lock-out has passed."
            ),
            retry_after: Some(LOCKOUT),
        }),
        500..=599 => Failure {
            error: Error::Provider {
                status,
                message: with_id(&message),
            },
            class: RetryClass::Transient { hint: None },
        },
        _ => never(Error::Provider {
            status,
            message: with_id(&message),
        }),
    }
}

/// The provider's own explanation: `errors[]` joined, or `message` (older paths).
fn provider_text(body: &ErrorBody) -> Option<String> {
    let joined = match &body.errors {
        Some(errors) if !errors.is_empty() => errors
            .iter()
            .map(|e| printable(e))
            .filter(|e| !e.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        _ => printable(body.message.as_deref().unwrap_or("")),
    };
    if joined.is_empty() {
        return None;
    }
    Some(if joined.ends_with(['.', '!', '?']) {
        joined
    } else {
        format!("{joined}.")
    })
}

/// Provider text as plain, printable text, bounded: no control characters (so no terminal
/// escape sequences), at most 500 characters. Markup stays as literal text.
fn printable(s: &str) -> String {
    let cleaned: String = s.chars().filter(|c| !c.is_control()).take(500).collect();
    cleaned.trim().to_owned()
}

/// For bodies that are not an error body (a proxy's HTML page, say): a short excerpt.
fn fallback_message(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let excerpt: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    let excerpt = excerpt.trim();
    if excerpt.is_empty() {
        format!("HTTP {status} with no explanation.")
    } else {
        format!("HTTP {status}: {excerpt}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn map(status: u16, name: &str, errors: &[&str]) -> Failure {
        let body = serde_json::json!({"id": "e1", "name": name, "errors": errors});
        from_status(
            status,
            body.to_string().as_bytes(),
            "STABILITY_API_KEY",
            "sk-stability-secret",
        )
    }

    #[test]
    fn statuses_and_names_map_to_codes() {
        let cases = [
            (400, "bad_request", "invalid_input"),
            (401, "unauthorized", "auth"),
            (402, "payment_required", "quota_exhausted"),
            (403, "content_moderation", "rejected_by_safety"),
            (403, "forbidden", "auth"),
            (413, "payload_too_large", "invalid_input"),
            (422, "invalid_language", "invalid_input"),
            (422, "public_figure", "rejected_by_safety"),
            (429, "rate_limit_exceeded", "rate_limited"),
            (500, "internal_error", "provider_error"),
            (418, "teapot", "provider_error"),
        ];
        for (status, name, code) in cases {
            let f = map(status, name, &["something: went wrong"]);
            assert_eq!(f.error.code(), code, "{status} {name}");
            let retried = matches!(f.class, RetryClass::Transient { .. });
            assert_eq!(retried, status == 500, "{status}");
        }
    }

    #[test]
    fn errors_and_legacy_message_are_shown_plainly() {
        let f = map(
            400,
            "bad_request",
            &["prompt: is required", "seed: too large"],
        );
        let text = f.error.to_string();
        assert!(
            text.contains("prompt: is required; seed: too large."),
            "{text}"
        );
        assert!(text.contains("error id e1"), "{text}");
        let legacy = br#"{"id": "9160aa70", "name": "unauthorized", "message": "missing authorization header"}"#;
        let f = from_status(401, legacy, "STABILITY_API_KEY", "");
        assert!(f.error.to_string().contains("missing authorization header"));
        let f = map(401, "unauthorized", &["bad key sk-stability-secret"]);
        assert!(!f.error.to_string().contains("sk-stability-secret"));
        let f = from_status(502, b"<html>Bad \x1b[31mGateway</html>", "X", "");
        let text = f.error.to_string();
        assert!(
            text.contains("<html>Bad [31mGateway</html>") && !text.contains('\x1b'),
            "{text}"
        );
    }
}

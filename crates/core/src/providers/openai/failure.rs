//! Turning a failed attempt into an `Error`, and deciding whether another attempt can help.

use reqwest::header::HeaderMap;

use super::wire::ErrorResponse;
use crate::error::Error;
use crate::providers::http::{Failure, RetryClass, server_hint};

const SAFETY_CODES: [&str; 2] = ["content_policy_violation", "moderation_blocked"];

/// Maps a non-2xx answer from the API to an error, following the API's documented codes.
/// `secret` (the API key) is scrubbed from the provider's text in case an answer echoes it.
pub(super) fn from_status(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    env_var: &str,
    secret: &str,
) -> Failure {
    let parsed: Option<ErrorResponse> = serde_json::from_slice(body).ok();
    let err = parsed.map(|r| r.error).unwrap_or_default();
    let code = err.code.as_deref().unwrap_or("");
    let kind = err.kind.as_deref().unwrap_or("");
    let mut message = err
        .message
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| fallback_message(status, body));
    if let Some(param) = err.param.as_deref().filter(|p| !p.is_empty())
        && !message.contains(param)
    {
        message = format!("{message} (parameter: {param})");
    }
    if secret.len() >= 8 {
        message = message.replace(secret, "<redacted>");
    }
    let is = |c: &str| code == c || kind == c;

    let (error, class) = match status {
        401 | 403 => (
            Error::Auth {
                message: format!("OpenAI refused access (HTTP {status}): {message}"),
                env_var: env_var.to_owned(),
            },
            RetryClass::Never,
        ),
        429 if is("insufficient_quota") => (Error::QuotaExhausted { message }, RetryClass::Never),
        429 => {
            let hint = server_hint(headers);
            (
                Error::RateLimited {
                    message,
                    retry_after: hint,
                },
                RetryClass::RateLimit { hint },
            )
        }
        400 if is("billing_hard_limit_reached") || is("insufficient_quota") => {
            (Error::QuotaExhausted { message }, RetryClass::Never)
        }
        400 if SAFETY_CODES.iter().any(|c| is(c)) => {
            (Error::RejectedBySafety { message }, RetryClass::Never)
        }
        400 | 422 => (
            Error::InvalidInput(format!(
                "OpenAI refused the request: {message} Change the settings and try again."
            )),
            RetryClass::Never,
        ),
        404 if is("model_not_found") => (
            Error::InvalidInput(format!(
                "OpenAI does not offer this model to your account: {message} Pick another model."
            )),
            RetryClass::Never,
        ),
        // Timeouts and conflicts on the provider's side are worth another go, like 5xx.
        408 | 409 | 500..=599 => (
            Error::Provider {
                status,
                message: with_request_id(message, headers),
            },
            RetryClass::Transient {
                hint: server_hint(headers),
            },
        ),
        _ => (
            Error::Provider {
                status,
                message: with_request_id(message, headers),
            },
            RetryClass::Never,
        ),
    };
    Failure { error, class }
}

/// The provider's own errors are theirs to look into; their request id is what support asks for.
fn with_request_id(message: String, headers: &HeaderMap) -> String {
    match headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
        Some(id) => format!("{message} (request id {id})"),
        None => message,
    }
}

/// For bodies that are not an `ErrorResponse` (a proxy's HTML page, say): a short, printable excerpt.
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

    fn map(status: u16, body: &str) -> Failure {
        from_status(
            status,
            &HeaderMap::new(),
            body.as_bytes(),
            "OPENAI_API_KEY",
            "sk-secret-key",
        )
    }

    fn body(kind: &str, code: Option<&str>, message: &str) -> String {
        serde_json::json!({"error": {"message": message, "type": kind, "param": null, "code": code}}).to_string()
    }

    #[test]
    fn status_and_code_mapping() {
        let f = map(
            401,
            &body(
                "invalid_request_error",
                Some("invalid_api_key"),
                "Incorrect API key provided.",
            ),
        );
        assert!(matches!(&f.error, Error::Auth { env_var, .. } if env_var == "OPENAI_API_KEY"));
        assert_eq!(f.class, RetryClass::Never);
        assert_eq!(map(403, "").error.code(), "auth");
        let f = map(
            429,
            &body(
                "insufficient_quota",
                Some("insufficient_quota"),
                "You exceeded your current quota.",
            ),
        );
        assert_eq!(
            (f.error.code(), f.class),
            ("quota_exhausted", RetryClass::Never)
        );
        let f = map(
            429,
            &body(
                "requests",
                Some("rate_limit_exceeded"),
                "Rate limit reached.",
            ),
        );
        assert_eq!(f.error.code(), "rate_limited");
        assert!(matches!(f.class, RetryClass::RateLimit { .. }));
        assert_eq!(
            map(
                400,
                &body(
                    "invalid_request_error",
                    Some("billing_hard_limit_reached"),
                    "Billing hard limit has been reached."
                )
            )
            .error
            .code(),
            "quota_exhausted"
        );
        assert_eq!(
            map(
                400,
                &body(
                    "image_generation_user_error",
                    Some("content_policy_violation"),
                    "Blocked."
                )
            )
            .error
            .code(),
            "rejected_by_safety"
        );
        assert_eq!(
            map(400, &body("moderation_blocked", None, "Blocked."))
                .error
                .code(),
            "rejected_by_safety"
        );
        let f = map(
            400,
            &body(
                "invalid_request_error",
                Some("invalid_value"),
                "Invalid size.",
            ),
        );
        assert!(matches!(&f.error, Error::InvalidInput(m) if m.contains("Invalid size.")));
        assert_eq!(
            map(
                404,
                &body(
                    "invalid_request_error",
                    Some("model_not_found"),
                    "No such model."
                )
            )
            .error
            .code(),
            "invalid_input"
        );
        let f = map(503, "<html>Service Unavailable</html>");
        assert!(
            matches!(&f.error, Error::Provider { status: 503, message } if message.contains("Service Unavailable"))
        );
        assert!(matches!(f.class, RetryClass::Transient { .. }));
        assert_eq!(map(418, "").class, RetryClass::Never);
        let f = map(
            401,
            &body(
                "invalid_request_error",
                None,
                "Incorrect API key provided: sk-secret-key.",
            ),
        );
        assert!(
            !f.error.to_string().contains("sk-secret-key"),
            "{}",
            f.error
        );
        let mut h = HeaderMap::new();
        h.insert("x-request-id", "req_42".parse().unwrap());
        let f = from_status(500, &h, b"", "OPENAI_API_KEY", "sk-secret-key");
        assert!(
            f.error.to_string().contains("request id req_42"),
            "{}",
            f.error
        );
    }
}

//! Firefly's errors as typed `Error`s: an HTTP error answer, and a job that ended badly.
//! Provider text is kept as plain text (control characters dropped, length capped) and
//! scrubbed of secrets, so that it is safe to print in a terminal or show in the window.

use reqwest::header::HeaderMap;

use super::wire::{ApiError, JobStatus, code_text, validation_text};
use crate::error::Error;
use crate::providers::http::{Failure, RetryClass, header, server_hint};

/// Both variables, since either may be the wrong one.
pub const CREDENTIAL_ENV_VARS: &str =
    "FIREFLY_SERVICES_CLIENT_ID and FIREFLY_SERVICES_CLIENT_SECRET";
const MAX_MESSAGE_CHARS: usize = 500;

/// Maps a non-2xx answer of a Firefly API call (401 is handled before: it renews the token).
pub(super) fn from_status(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[&str],
) -> Failure {
    let err: ApiError = serde_json::from_slice(body).unwrap_or_default();
    let code = code_text(err.error_code.as_ref());
    let mut message = describe(
        &code,
        err.message.as_deref(),
        &validation_text(&err.validation_errors),
    );
    if message.is_empty() {
        message = fallback(status, body);
    }
    // The texts below add their own full stop.
    let message = plain(&message, secrets).trim_end_matches('.').to_owned();

    let (error, class) = match status {
        400 | 422 => (
            Error::InvalidInput(format!(
                "Firefly refused the request: {message}. Change the settings and try again."
            )),
            RetryClass::Never,
        ),
        401 => (
            auth(format!(
                "Firefly did not accept the sign-in token (HTTP 401): {message}."
            )),
            RetryClass::Never,
        ),
        403 => forbidden(headers, &message),
        408 => (
            Error::Timeout {
                message: format!("Firefly timed out handling the request: {message}"),
            },
            RetryClass::Transient {
                hint: server_hint(headers),
            },
        ),
        413 => (
            Error::InvalidInput("Firefly says the request is too large.".to_owned()),
            RetryClass::Never,
        ),
        404 => (
            Error::NotFound {
                what: format!("The Firefly job or API path ({message}; check FIREFLY_BASE_URL)"),
            },
            RetryClass::Never,
        ),
        429 => {
            let hint = server_hint(headers);
            let level = header(headers, "x-access-rate-limit-level")
                .map(|l| format!(" (limit applied to your {})", plain(&l, secrets)))
                .unwrap_or_default();
            (
                Error::RateLimited {
                    message: format!("{message}{level}."),
                    retry_after: hint,
                },
                RetryClass::RateLimit { hint },
            )
        }
        500..=599 => (
            Error::Provider { status, message },
            RetryClass::Transient {
                hint: server_hint(headers),
            },
        ),
        _ => (Error::Provider { status, message }, RetryClass::Never),
    };
    Failure { error, class }
}

/// 403: `x-access-error` says why; only `quota_exhausted` is not about the credentials.
fn forbidden(headers: &HeaderMap, message: &str) -> (Error, RetryClass) {
    let reason = header(headers, "x-access-error").unwrap_or_default();
    let why = match reason.as_str() {
        "quota_exhausted" => {
            return (
                Error::QuotaExhausted {
                    message: format!(
                        "Firefly says the organisation's generative credits are used up ({message})."
                    ),
                },
                RetryClass::Never,
            );
        }
        "user_non_entitled" => "the organisation is not entitled to Firefly Services",
        "user_profile_denied" => "Adobe denied the technical account's profile",
        "invalid_ims_scope" => {
            "the credential lacks the Firefly scopes (firefly_api, ff_apis); add the Firefly API to the project in Adobe Developer Console"
        }
        _ => "access was refused",
    };
    (
        auth(format!(
            "Firefly refused access (HTTP 403): {why} ({message})."
        )),
        RetryClass::Never,
    )
}

pub(super) fn auth(message: String) -> Error {
    Error::Auth {
        message,
        env_var: CREDENTIAL_ENV_VARS.to_owned(),
    }
}

/// A job whose status is `failed` or `timeout`: the typed error for its `error_code`.
pub(super) fn from_job(job_id: &str, status: &str, answer: &JobStatus, secrets: &[&str]) -> Error {
    let code = code_text(answer.error_code.as_ref());
    let detail = describe(
        &code,
        answer.message.as_deref(),
        &validation_text(&answer.validation_errors),
    );
    let detail = plain(
        if detail.is_empty() {
            "no reason given"
        } else {
            &detail
        },
        secrets,
    )
    .trim_end_matches('.')
    .to_owned();
    let job = plain(job_id, secrets);
    if status == "timeout" || code == "timeout_error" {
        return Error::Timeout {
            message: format!("Firefly gave up on job {job}: {detail}"),
        };
    }
    match code.as_str() {
        "validation_error" | "bad_request" | "empty_input_body" | "invalid_content_type" => {
            Error::InvalidInput(format!(
                "Firefly refused the request (job {job}): {detail}. Change the settings and try again."
            ))
        }
        "access_error" => auth(format!("Firefly refused access for job {job}: {detail}.")),
        "rate_limited" => Error::RateLimited {
            message: format!("job {job} failed: {detail}."),
            retry_after: None,
        },
        // `runtime_error` is what the contract documents for its 500s: a failure on
        // Firefly's side, whatever the status code of the poll that reported it.
        _ => Error::Provider {
            status: 500,
            message: format!("job {job} failed: {detail}"),
        },
    }
}

fn describe(code: &str, message: Option<&str>, validation: &str) -> String {
    let mut parts = Vec::new();
    if let Some(m) = message
        .map(|m| m.trim().trim_end_matches('.'))
        .filter(|m| !m.is_empty())
    {
        parts.push(m.to_owned());
    }
    if !validation.is_empty() {
        parts.push(validation.to_owned());
    }
    if !code.is_empty() {
        parts.push(format!("error code {code}"));
    }
    parts.join("; ")
}

/// For bodies that are not JSON (the contract's 413 is an HTML page): a short excerpt.
fn fallback(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let excerpt = text.trim();
    if excerpt.is_empty() {
        format!("HTTP {status} with no explanation")
    } else {
        format!("HTTP {status}: {excerpt}")
    }
}

/// Provider text made safe to show: secrets replaced, control characters (terminal escape
/// sequences, bidi tricks stay visible as text) dropped, length capped. Markup is left as
/// the literal text it is; front ends never interpret it.
pub(super) fn plain(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for s in secrets.iter().filter(|s| s.len() >= 8) {
        out = out.replace(s, "<redacted>");
    }
    let mut cleaned: String = out
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .filter(|c| !is_bidi_control(*c))
        .take(MAX_MESSAGE_CHARS)
        .collect();
    if out.chars().count() > MAX_MESSAGE_CHARS {
        cleaned.push('…');
    }
    cleaned.trim().to_owned()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn map(status: u16, headers: &[(&'static str, &str)], body: &str) -> Failure {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        from_status(status, &h, body.as_bytes(), &["s3cret-value-123"])
    }

    #[test]
    fn statuses_map_to_typed_errors() {
        let f = map(
            422,
            &[],
            r#"{"error_code":"validation_error","validation_errors":[{"loc":["body","contentClass"],"msg":"bad enum","type":"type_error.enum"}]}"#,
        );
        assert!(
            matches!(&f.error, Error::InvalidInput(m) if m.contains("body.contentClass: bad enum")),
            "{:?}",
            f.error
        );
        assert_eq!(f.class, RetryClass::Never);
        let f = map(
            403,
            &[("x-access-error", "quota_exhausted")],
            r#"{"error_code":"access_error"}"#,
        );
        assert_eq!(f.error.code(), "quota_exhausted");
        let f = map(
            403,
            &[("x-access-error", "invalid_ims_scope")],
            r#"{"error_code":"access_error"}"#,
        );
        assert!(f.error.to_string().contains("firefly_api"), "{}", f.error);
        assert_eq!(f.error.code(), "auth");
        let f = map(
            429,
            &[("retry-after", "7")],
            r#"{"error_code":"rate_limited"}"#,
        );
        assert_eq!(
            f.class,
            RetryClass::RateLimit {
                hint: Some(std::time::Duration::from_secs(7))
            }
        );
        assert!(matches!(
            map(500, &[], r#"{"error_code":"runtime_error"}"#).class,
            RetryClass::Transient { .. }
        ));
        assert!(matches!(
            map(408, &[], r#"{"error_code":"timeout_error"}"#).error,
            Error::Timeout { .. }
        ));
        let f = map(413, &[], "<html>too big</html>");
        assert_eq!(f.error.code(), "invalid_input");
    }

    #[test]
    fn provider_text_is_plain_and_scrubbed() {
        let shown = plain(
            "\u{1b}[31mred\u{1b}[0m <b>bold</b> s3cret-value-123 \u{202E}txt",
            &["s3cret-value-123"],
        );
        assert_eq!(shown, "[31mred [0m <b>bold</b> <redacted> txt");
    }
}

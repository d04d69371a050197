//! Turning Getty's error answers into typed errors. The contract documents the statuses of
//! each operation (with names such as `TooManyConcurrentGenerations`) but no error body, so
//! the body is read leniently for a message and otherwise left out.

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::error::Error;
use crate::providers::http::{Failure, RetryClass, server_hint};

/// Which call failed: the same status means different things on different paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Generate,
    Poll,
    Variations,
    DownloadSizes,
    DownloadStart,
    DownloadPoll,
    History,
    /// PUT of a refine mask to Getty's upload area (free; the same URL just overwrites).
    MaskUpload,
    Refine,
}

impl Operation {
    /// Each operation has one method in the contract.
    pub fn method(self) -> reqwest::Method {
        match self {
            Operation::Generate | Operation::Variations | Operation::Refine => {
                reqwest::Method::POST
            }
            Operation::DownloadStart | Operation::MaskUpload => reqwest::Method::PUT,
            Operation::Poll
            | Operation::DownloadSizes
            | Operation::DownloadPoll
            | Operation::History => reqwest::Method::GET,
        }
    }

    /// POST and PUT calls may cost money and have no idempotency key.
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            Operation::Generate
                | Operation::Variations
                | Operation::Refine
                | Operation::DownloadStart
        )
    }
}

/// What went wrong, told so that a person can act on it. `secrets` (key, secret, token)
/// are scrubbed from the provider's text in case it echoes them.
pub fn from_status(
    op: Operation,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    env_var: &str,
    secrets: &[&str],
) -> Failure {
    let said = scrub(provider_text(body), secrets);
    let said = if said.is_empty() {
        String::new()
    } else {
        format!(" Getty said: {said}")
    };
    let never = |error| Failure {
        error,
        class: RetryClass::Never,
    };
    match status {
        400 => never(Error::InvalidInput(format!(
            "Getty Images refused the request (HTTP 400: invalid request or product).{said} Check the parameters, and the product id or project code your Getty agreement needs."
        ))),
        401 => never(Error::Auth {
            message: format!("Getty Images refused the sign-in (HTTP 401).{said}"),
            env_var: env_var.to_owned(),
        }),
        403 if matches!(
            op,
            Operation::Generate | Operation::Variations | Operation::Refine
        ) =>
        {
            never(Error::QuotaExhausted {
                message: format!(
                    "HTTP 403: the Getty product's quota is used up or the product is not active.{said}"
                ),
            })
        }
        403 => never(Error::Auth {
            message: format!(
                "Getty Images says this account may not do that (HTTP 403: not authorised or no AI generation product).{said}"
            ),
            env_var: env_var.to_owned(),
        }),
        404 => never(Error::NotFound {
            what: format!(
                "The Getty generation or image (HTTP 404; it may still be pending or the index may be wrong){}",
                said.trim_end_matches('.')
            ),
        }),
        410 => never(Error::NotFound {
            what: format!(
                "The Getty generation is gone for good (HTTP 410: Getty keeps generations for six months); it can no longer be fetched, varied or licensed, and it{}",
                if said.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", said.trim())
                }
            ),
        }),
        429 if matches!(
            op,
            Operation::DownloadSizes | Operation::DownloadStart | Operation::DownloadPoll
        ) =>
        {
            never(Error::QuotaExhausted {
                message: format!(
                    "HTTP 429: Getty's daily request limit for downloads is reached.{said} Try again tomorrow."
                ),
            })
        }
        // TooManyConcurrentGenerations: refused before any work, so asking again later is safe.
        429 => {
            let hint = server_hint(headers);
            Failure {
                error: Error::RateLimited {
                    message: format!(
                        "too many generations are running on this Getty account (HTTP 429).{said}"
                    ),
                    retry_after: hint,
                },
                class: RetryClass::RateLimit { hint },
            }
        }
        // ConcurrencyConflict. On a read, asking again is harmless; on a paid call it is an
        // answer (nothing was done), but not one to repeat on our own.
        409 if !op.is_paid() => Failure {
            error: Error::Provider {
                status,
                message: format!("Getty reported a concurrency conflict.{said}"),
            },
            class: RetryClass::Transient {
                hint: server_hint(headers),
            },
        },
        409 => never(Error::Provider {
            status,
            message: format!(
                "Getty reported a concurrency conflict and did not take the request.{said} Try again in a moment."
            ),
        }),
        500..=599 if op.is_paid() => never(Error::OutcomeUnknown {
            message: format!(
                "Getty Images answered HTTP {status} to a request that may cost money.{said}"
            ),
        }),
        500..=599 => Failure {
            error: Error::Provider {
                status,
                message: format!("Getty Images had a server error.{said}"),
            },
            class: RetryClass::Transient {
                hint: server_hint(headers),
            },
        },
        _ => never(Error::Provider {
            status,
            message: format!("Getty Images answered with an unexpected status.{said}"),
        }),
    }
}

/// A short, printable message from an error body: a JSON `message`-like field when there is
/// one (Getty's API gateway sends several spellings), else the start of the text. Control
/// characters (terminal escapes) are dropped; markup stays as the literal text it is.
fn provider_text(body: &[u8]) -> String {
    let from_json = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
        [
            "message",
            "ErrorMessage",
            "error_description",
            "error",
            "Message",
        ]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_owned))
    });
    let text = from_json.unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let printable: String = text.chars().filter(|c| !c.is_control()).take(300).collect();
    printable.trim().to_owned()
}

fn scrub(mut text: String, secrets: &[&str]) -> String {
    for s in secrets.iter().filter(|s| s.len() >= 8) {
        text = text.replace(s, "<redacted>");
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn map(op: Operation, status: u16, body: &str) -> Failure {
        from_status(
            op,
            status,
            &HeaderMap::new(),
            body.as_bytes(),
            "GETTY_API_KEY",
            &["key-0123456789", "secret-0123456789"],
        )
    }

    #[test]
    fn statuses_by_operation() {
        use Operation::*;
        assert_eq!(map(Generate, 400, "").error.code(), "invalid_input");
        assert_eq!(map(Generate, 403, "").error.code(), "quota_exhausted");
        assert_eq!(map(Poll, 403, "").error.code(), "auth");
        assert_eq!(map(Poll, 404, "").error.code(), "not_found");
        let gone = map(Poll, 410, "");
        assert_eq!(
            (gone.error.code(), gone.class),
            ("not_found", RetryClass::Never)
        );
        assert!(
            gone.error.to_string().contains("gone for good"),
            "{}",
            gone.error
        );
        assert!(matches!(
            map(Generate, 429, "").class,
            RetryClass::RateLimit { .. }
        ));
        assert_eq!(map(DownloadStart, 429, "").error.code(), "quota_exhausted");
        let f = map(Generate, 502, "");
        assert_eq!(
            (f.error.code(), f.class),
            ("outcome_unknown", RetryClass::Never)
        );
        let f = map(DownloadStart, 500, "");
        assert_eq!(f.error.code(), "outcome_unknown");
        assert!(matches!(
            map(Poll, 503, "").class,
            RetryClass::Transient { .. }
        ));
        assert!(matches!(
            map(Poll, 409, "").class,
            RetryClass::Transient { .. }
        ));
        assert_eq!(map(Generate, 409, "").class, RetryClass::Never);
    }

    #[test]
    fn provider_text_is_plain_and_scrubbed() {
        let f = map(
            Operation::Generate,
            400,
            r#"{"message": "bad \u001b[31mkey-0123456789\u001b[0m <script>x</script>"}"#,
        );
        let text = f.error.to_string();
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(!text.contains("key-0123456789"), "{text}");
        assert!(text.contains("<script>x</script>"), "{text}");
    }
}

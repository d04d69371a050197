//! A failed attempt at an HTTP call: the error it means, and whether another attempt can help.

use super::retry::RetryClass;
use crate::error::Error;

#[derive(Debug)]
pub struct Failure {
    pub error: Error,
    pub class: RetryClass,
}

impl Failure {
    pub fn final_(error: Error) -> Self {
        Failure {
            error,
            class: RetryClass::Never,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::final_(error)
    }
}

/// Maps a transport failure. The URL is left out of the message: download URLs carry
/// signed query strings that should not end up in logs.
pub fn from_transport(e: reqwest::Error, during: &str) -> Failure {
    let mut message = format!("{during} failed");
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    if e.is_timeout() {
        return Failure::final_(Error::Timeout { message });
    }
    // The variants' texts go on after the message ("... Check your network connection.").
    if !message.ends_with('.') {
        message.push('.');
    }
    if e.is_builder() || e.is_redirect() {
        return Failure::final_(Error::Network { message });
    }
    // Refused, reset, or cut off mid-body: the next attempt may well get through.
    Failure {
        error: Error::Network { message },
        class: RetryClass::Transient { hint: None },
    }
}

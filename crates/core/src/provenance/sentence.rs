//! One plain sentence for an image's Content Credentials, so the CLI and the window say the
//! same thing: "Made by OpenAI with generative AI, signed by OpenAI, intact."

use super::credentials::{Credentials, CredentialsState};

/// How the IPTC digital source type reads in a sentence (`None` for types with no plain
/// phrase; the details still name them).
fn source_phrase(uri: &str) -> Option<&'static str> {
    let term = uri.rsplit('/').next().unwrap_or(uri);
    Some(match term {
        "trainedAlgorithmicMedia" => "with generative AI",
        "compositeWithTrainedAlgorithmicMedia" => "partly with generative AI",
        "algorithmicMedia" => "by an algorithm",
        "algorithmicallyEnhanced" => "with algorithmic enhancement",
        "digitalCapture" | "computationalCapture" => "from a camera capture",
        "negativeFilm" | "positiveFilm" | "print" => "from a scan",
        "digitalCreation" | "humanEdits" | "minorHumanEdits" => "by a person with digital tools",
        "compositeCapture" | "composite" | "compositeSynthetic" => "as a composite",
        "screenCapture" => "from a screen capture",
        _ => return None,
    })
}

/// An image's credentials as front ends show them: the plain sentence, details one click
/// away. `credentials` is `None` while they were never read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CredentialsReport {
    pub sentence: String,
    pub credentials: Option<Credentials>,
}

impl CredentialsReport {
    pub fn new(credentials: Option<Credentials>) -> CredentialsReport {
        CredentialsReport {
            sentence: match &credentials {
                Some(c) => sentence(c),
                None => "Content Credentials not read yet.".to_owned(),
            },
            credentials,
        }
    }
}

pub fn sentence(c: &Credentials) -> String {
    if c.state == CredentialsState::None {
        return "No Content Credentials.".to_owned();
    }
    let mut parts: Vec<String> = Vec::new();
    let made = match (
        &c.claim_generator,
        c.digital_source_type.as_deref().and_then(source_phrase),
    ) {
        (Some(generator), Some(how)) => format!("Made by {generator} {how}"),
        (Some(generator), None) => format!("Made by {generator}"),
        (None, Some(how)) => format!("Made {how}"),
        (None, None) => "Content Credentials".to_owned(),
    };
    parts.push(made);
    if let Some(signer) = &c.signer {
        parts.push(format!("signed by {signer}"));
    }
    parts.push(match c.state {
        CredentialsState::Trusted => "intact".to_owned(),
        CredentialsState::Valid => "intact, from a signer not on the C2PA trust list".to_owned(),
        CredentialsState::Invalid => match c.problems.first() {
            Some(p) => format!("not intact ({})", p.code),
            None => "not intact".to_owned(),
        },
        CredentialsState::None => String::new(),
    });
    format!("{}.", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provenance::CredentialProblem;

    fn base(state: CredentialsState) -> Credentials {
        Credentials {
            state,
            claim_generator: Some("OpenAI".into()),
            signer: Some("OpenAI".into()),
            digital_source_type: Some(
                "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia".into(),
            ),
            ..Credentials::none("test".into())
        }
    }

    #[test]
    fn says_who_how_and_whether_intact() {
        assert_eq!(
            sentence(&base(CredentialsState::Trusted)),
            "Made by OpenAI with generative AI, signed by OpenAI, intact."
        );
        assert_eq!(
            sentence(&base(CredentialsState::Valid)),
            "Made by OpenAI with generative AI, signed by OpenAI, intact, from a signer not on the C2PA trust list."
        );
        let mut broken = base(CredentialsState::Invalid);
        broken.problems.push(CredentialProblem {
            code: "assertion.dataHash.mismatch".into(),
            explanation: None,
        });
        assert_eq!(
            sentence(&broken),
            "Made by OpenAI with generative AI, signed by OpenAI, not intact (assertion.dataHash.mismatch)."
        );
        assert_eq!(
            sentence(&Credentials::none("x".into())),
            "No Content Credentials."
        );
    }
}

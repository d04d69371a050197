//! `multipart/form-data` (RFC 7578), written by hand: text fields and image files are all
//! the image APIs take, and this keeps reqwest's multipart feature (and its MIME-guessing
//! dependency) out of the build.

/// An encoded form: the body and the `content-type` header that goes with it.
#[derive(Debug, Clone)]
pub struct Form {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// One part of a form.
#[derive(Clone, PartialEq, Eq)]
pub enum Part {
    Text {
        name: String,
        value: String,
    },
    File {
        name: String,
        filename: String,
        content_type: String,
        bytes: Vec<u8>,
    },
}

impl std::fmt::Debug for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Part::Text { name, value } => write!(f, "{name}={value:?}"),
            Part::File {
                name,
                filename,
                content_type,
                bytes,
            } => write!(
                f,
                "{name}=<{filename}, {content_type}, {} bytes>",
                bytes.len()
            ),
        }
    }
}

impl Part {
    pub fn text(name: &str, value: impl Into<String>) -> Part {
        Part::Text {
            name: name.to_owned(),
            value: value.into(),
        }
    }

    pub fn file(name: &str, filename: &str, content_type: &str, bytes: Vec<u8>) -> Part {
        Part::File {
            name: name.to_owned(),
            filename: filename.to_owned(),
            content_type: content_type.to_owned(),
            bytes,
        }
    }

    fn contains(&self, needle: &[u8]) -> bool {
        let hay: &[u8] = match self {
            Part::Text { value, .. } => value.as_bytes(),
            Part::File { bytes, .. } => bytes,
        };
        !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
    }
}

/// Encodes text `fields` (name, value) in order.
pub fn encode(fields: &[(String, String)]) -> Form {
    let parts: Vec<Part> = fields
        .iter()
        .map(|(name, value)| Part::text(name, value.clone()))
        .collect();
    encode_parts(&parts)
}

/// Encodes `parts` in order. Names are the API's fixed ASCII field names; text values are
/// any UTF-8 text (a prompt may hold quotes, newlines, anything); files any bytes.
pub fn encode_parts(parts: &[Part]) -> Form {
    let boundary = boundary_for(parts);
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Text { name, value } => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                        escape(name)
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(value.as_bytes());
            }
            Part::File {
                name,
                filename,
                content_type,
                bytes,
            } => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {content_type}\r\n\r\n",
                        escape(name),
                        escape(filename)
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Form {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        body,
    }
}

/// A random boundary that occurs in no part (a prompt or an image could, in theory, hold one).
fn boundary_for(parts: &[Part]) -> String {
    loop {
        let candidate = format!("easel-{}", uuid::Uuid::now_v7().simple());
        if !parts.iter().any(|p| p.contains(candidate.as_bytes())) {
            return candidate;
        }
    }
}

/// Names go inside a quoted string; RFC 7578 asks for percent-encoding of `"`, CR, LF.
fn escape(name: &str) -> String {
    name.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_framed_by_the_boundary() {
        let form = encode(&[
            ("prompt".into(), "a \"quoted\"\r\nprompt".into()),
            ("seed".into(), "42".into()),
        ]);
        let boundary = form
            .content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let text = String::from_utf8(form.body).unwrap();
        assert_eq!(
            text,
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\na \"quoted\"\r\nprompt\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"seed\"\r\n\r\n42\r\n--{boundary}--\r\n"
            )
        );
    }

    #[test]
    fn files_carry_their_name_type_and_exact_bytes() {
        let bytes = vec![0u8, 255, b'\r', b'\n', b'-', b'-'];
        let form = encode_parts(&[
            Part::file("image[]", "a\".png", "image/png", bytes.clone()),
            Part::text("prompt", "x"),
        ]);
        let boundary = form
            .content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap()
            .to_owned();
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"image[]\"; filename=\"a%22.png\"\r\nContent-Type: image/png\r\n\r\n"
        );
        assert!(form.body.starts_with(head.as_bytes()));
        let rest = &form.body[head.len()..];
        assert!(rest.starts_with(&bytes));
        assert!(rest[bytes.len()..].starts_with(b"\r\n--"));
    }
}

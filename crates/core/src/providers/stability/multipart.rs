//! `multipart/form-data` for text fields (RFC 7578), written by hand: the generate endpoints
//! take only text fields, and this keeps reqwest's multipart feature (and its MIME-guessing
//! dependency) out of the build.

/// An encoded form: the body and the `content-type` header that goes with it.
#[derive(Debug, Clone)]
pub(super) struct Form {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// Encodes `fields` (name, value) in order. Names are the API's fixed ASCII field names;
/// values are any UTF-8 text (a prompt may hold quotes, newlines, anything).
pub(super) fn encode(fields: &[(String, String)]) -> Form {
    let boundary = boundary_for(fields);
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                escape_name(name)
            )
            .as_bytes(),
        );
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Form {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        body,
    }
}

/// A random boundary that occurs in no value (a prompt could, in theory, quote one).
fn boundary_for(fields: &[(String, String)]) -> String {
    loop {
        let candidate = format!("easel-{}", uuid::Uuid::now_v7().simple());
        if !fields.iter().any(|(_, v)| v.contains(&candidate)) {
            return candidate;
        }
    }
}

/// Field names go inside a quoted string; RFC 7578 asks for percent-encoding of `"`, CR, LF.
fn escape_name(name: &str) -> String {
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
}

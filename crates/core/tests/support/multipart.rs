//! A strict reader of `multipart/form-data` bodies (RFC 7578) for the stand-ins: text fields
//! and files, bytes exact. Panics on anything malformed, so a broken body fails the test.

#[derive(Clone, Debug)]
pub struct FormPart {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl FormPart {
    pub fn text(&self) -> String {
        assert!(
            self.filename.is_none(),
            "{} is a file, not a text field",
            self.name
        );
        String::from_utf8(self.bytes.clone()).expect("text fields are UTF-8")
    }
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> &str {
    content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("content-type is not multipart/form-data: {content_type}"))
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

pub fn parse(body: &[u8], boundary: &str) -> Vec<FormPart> {
    let first = format!("--{boundary}\r\n");
    assert!(
        body.starts_with(first.as_bytes()),
        "body starts with the boundary"
    );
    let closing = format!("\r\n--{boundary}--\r\n");
    assert!(
        body.ends_with(closing.as_bytes()),
        "multipart body does not end with the closing delimiter"
    );
    let delimiter = format!("\r\n--{boundary}\r\n");
    let end = body.len() - closing.len();
    let mut parts = Vec::new();
    let mut at = first.len();
    loop {
        let next = find(&body[..end], delimiter.as_bytes(), at).unwrap_or(end);
        let part = &body[at..next];
        let head_end = find(part, b"\r\n\r\n", 0).expect("part has headers");
        let head = std::str::from_utf8(&part[..head_end]).expect("part headers are text");
        let mut name = None;
        let mut filename = None;
        let mut content_type = None;
        for line in head.split("\r\n") {
            if let Some(rest) = line.strip_prefix("Content-Disposition: form-data; name=\"") {
                let (n, rest) = rest.split_once('"').expect("quoted name");
                name = Some(n.to_owned());
                if let Some(f) = rest.strip_prefix("; filename=\"") {
                    filename = Some(f.strip_suffix('"').expect("quoted filename").to_owned());
                }
            } else if let Some(t) = line.strip_prefix("Content-Type: ") {
                content_type = Some(t.to_owned());
            } else {
                panic!("unexpected part header {line:?}");
            }
        }
        parts.push(FormPart {
            name: name.expect("Content-Disposition: form-data"),
            filename,
            content_type,
            bytes: part[head_end + 4..].to_vec(),
        });
        if next == end {
            break;
        }
        at = next + delimiter.len();
    }
    parts
}

//! ComfyUI's binary WebSocket frames (`protocol.py`, `server.py`): a big-endian u32 event
//! type, then the event's data.

/// What a binary frame carries.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// `PREVIEW_IMAGE` (1): u32 image type (1 JPEG, 2 PNG), then the image.
    /// `PREVIEW_IMAGE_WITH_METADATA` (4): u32 metadata length, metadata JSON, then the image.
    Preview {
        image: &'a [u8],
        /// From the metadata of a type-4 frame, when it names one.
        prompt_id: Option<String>,
    },
    /// Text (3), unencoded previews (2) and event types newer than this client.
    Other(u32),
}

pub fn parse(data: &[u8]) -> Option<Frame<'_>> {
    let event = u32::from_be_bytes(data.get(..4)?.try_into().ok()?);
    let rest = &data[4..];
    match event {
        1 => Some(Frame::Preview {
            image: rest.get(4..)?,
            prompt_id: None,
        }),
        4 => {
            let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
            let meta = rest.get(4..4usize.checked_add(len)?)?;
            let image = rest.get(4 + len..)?;
            let prompt_id = serde_json::from_slice::<serde_json::Value>(meta)
                .ok()
                .and_then(|m| m.get("prompt_id")?.as_str().map(str::to_owned));
            Some(Frame::Preview { image, prompt_id })
        }
        other => Some(Frame::Other(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_preview_layouts() {
        let mut f = vec![0, 0, 0, 1, 0, 0, 0, 1];
        f.extend_from_slice(&[0xFF, 0xD8, 0xFF]);
        assert_eq!(
            parse(&f),
            Some(Frame::Preview {
                image: &[0xFF, 0xD8, 0xFF],
                prompt_id: None
            })
        );
        let meta = br#"{"prompt_id":"p1","node_id":"3"}"#;
        let mut f = vec![0, 0, 0, 4];
        f.extend_from_slice(&(meta.len() as u32).to_be_bytes());
        f.extend_from_slice(meta);
        f.extend_from_slice(b"\x89PNG");
        assert_eq!(
            parse(&f),
            Some(Frame::Preview {
                image: b"\x89PNG",
                prompt_id: Some("p1".into())
            })
        );
        assert_eq!(parse(&[0, 0, 0, 3, 1]), Some(Frame::Other(3)));
        assert_eq!(parse(&[0, 0]), None);
        assert_eq!(parse(&[0, 0, 0, 4, 0, 0, 0, 99]), None);
    }
}

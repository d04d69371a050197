//! Reading answers off the wire with a size cap, and a first look at image bytes.

use super::failure::{Failure, from_transport};
use crate::error::Error;

/// Reads a whole body, refusing it as soon as it is known to be larger than `cap` bytes
/// (from Content-Length, or while streaming when the length was not announced or lied).
pub async fn read_capped(
    mut resp: reqwest::Response,
    cap: u64,
    what: &str,
) -> Result<Vec<u8>, Failure> {
    let too_large = || {
        Failure::final_(Error::BadResponse {
            message: format!("{what} is larger than the {} limit.", human_bytes(cap)),
        })
    };
    if resp.content_length().is_some_and(|n| n > cap) {
        return Err(too_large());
    }
    let mut buf = Vec::with_capacity(resp.content_length().unwrap_or(0).min(cap) as usize);
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| from_transport(e, &format!("Reading {what}")))?
    {
        if buf.len() as u64 + chunk.len() as u64 > cap {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

pub fn human_bytes(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else {
        format!("{n} bytes")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    Png,
    Jpeg,
    Webp,
    Gif,
}

/// The format the leading bytes announce, if they announce one the app can read. This is
/// only a first check; the library decodes fully (and bounded) before keeping anything.
pub fn looks_like_image(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageKind::Webp)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(ImageKind::Gif)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(
            looks_like_image(b"\x89PNG\r\n\x1a\n...."),
            Some(ImageKind::Png)
        );
        assert_eq!(
            looks_like_image(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            looks_like_image(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        assert_eq!(looks_like_image(b"GIF89a"), Some(ImageKind::Gif));
        assert_eq!(looks_like_image(b"<html>"), None);
        assert_eq!(looks_like_image(b"RIFF"), None);
        assert_eq!(looks_like_image(b""), None);
    }
}

//! WebP RIFF chunks: turning a simple (VP8/VP8L) file into the extended format with
//! `VP8X`, `EXIF` and `XMP ` chunks, and reading chunks back.

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiffChunk {
    pub fourcc: [u8; 4],
    pub data: Vec<u8>,
}

pub const FLAG_ICC: u8 = 0x20;
pub const FLAG_ALPHA: u8 = 0x10;
pub const FLAG_EXIF: u8 = 0x08;
pub const FLAG_XMP: u8 = 0x04;
pub const FLAG_ANIMATION: u8 = 0x02;

fn malformed(why: &str) -> Error {
    Error::Export {
        message: format!("The encoded WebP is malformed ({why})."),
    }
}

pub fn read_chunks(webp: &[u8]) -> Result<Vec<RiffChunk>> {
    if webp.get(..4) != Some(b"RIFF") || webp.get(8..12) != Some(b"WEBP") {
        return Err(malformed("no RIFF/WEBP header"));
    }
    let riff_len = u32::from_le_bytes([webp[4], webp[5], webp[6], webp[7]]) as usize;
    if riff_len + 8 != webp.len() {
        return Err(malformed("RIFF size does not match the file size"));
    }
    let mut at = 12;
    let mut chunks = Vec::new();
    while at < webp.len() {
        let header = webp
            .get(at..at + 8)
            .ok_or_else(|| malformed("truncated chunk header"))?;
        let fourcc = [header[0], header[1], header[2], header[3]];
        let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let data = webp
            .get(at + 8..at + 8 + len)
            .ok_or_else(|| malformed("truncated chunk"))?;
        chunks.push(RiffChunk {
            fourcc,
            data: data.to_vec(),
        });
        at += 8 + len + len % 2;
    }
    Ok(chunks)
}

fn write_chunk(out: &mut Vec<u8>, fourcc: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
}

fn u24(v: u32) -> [u8; 3] {
    let b = v.to_le_bytes();
    [b[0], b[1], b[2]]
}

/// Rewrite a still WebP as extended format carrying `exif` (TIFF, no `Exif\0\0`) and `xmp`.
pub fn embed(
    webp: &[u8],
    width: u32,
    height: u32,
    has_alpha: bool,
    exif: &[u8],
    xmp: &[u8],
) -> Result<Vec<u8>> {
    if width == 0 || height == 0 || width > 1 << 24 || height > 1 << 24 {
        return Err(malformed("canvas size out of range"));
    }
    let chunks = read_chunks(webp)?;
    // Image data: VP8 or VP8L (plus ALPH before VP8); anything else is ours to replace.
    let image: Vec<&RiffChunk> = chunks
        .iter()
        .filter(|c| matches!(&c.fourcc, b"VP8 " | b"VP8L" | b"ALPH"))
        .collect();
    if image.is_empty() {
        return Err(malformed("no image data"));
    }
    let mut flags = 0u8;
    if has_alpha {
        flags |= FLAG_ALPHA;
    }
    if !exif.is_empty() {
        flags |= FLAG_EXIF;
    }
    if !xmp.is_empty() {
        flags |= FLAG_XMP;
    }
    let mut vp8x = vec![flags, 0, 0, 0];
    vp8x.extend_from_slice(&u24(width - 1));
    vp8x.extend_from_slice(&u24(height - 1));

    let mut body = b"WEBP".to_vec();
    write_chunk(&mut body, b"VP8X", &vp8x);
    for c in image {
        write_chunk(&mut body, &c.fourcc, &c.data);
    }
    if !exif.is_empty() {
        write_chunk(&mut body, b"EXIF", exif);
    }
    if !xmp.is_empty() {
        write_chunk(&mut body, b"XMP ", xmp);
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// VP8X: (flags, canvas width, canvas height).
pub fn vp8x(chunks: &[RiffChunk]) -> Option<(u8, u32, u32)> {
    let c = chunks.iter().find(|c| &c.fourcc == b"VP8X")?;
    let d = &c.data;
    if d.len() < 10 {
        return None;
    }
    let w = u32::from_le_bytes([d[4], d[5], d[6], 0]) + 1;
    let h = u32::from_le_bytes([d[7], d[8], d[9], 0]) + 1;
    Some((d[0], w, h))
}

//! A cheap look for a manifest store before the c2pa crate is asked to read one: most files
//! (every import from a tool that does not sign) carry none, and walking the container's
//! chunk headers costs microseconds where a full c2pa read parses the whole file.
//!
//! Conservative by design: anything the walk does not understand (a truncated or odd
//! container) answers "may carry one", so c2pa decides exactly as before.

/// Where c2pa looks for a store, per container: PNG `caBX` chunk, JPEG APP11 (JUMBF)
/// segments before the first scan, WebP `C2PA` chunk; and, in all three, an XMP packet whose
/// `dcterms:provenance` points at a remote store (c2pa reports those as unreadable offline,
/// and that answer is kept).
pub(crate) fn may_carry_manifest(bytes: &[u8], mime: &str) -> bool {
    let walked = match mime {
        "image/png" => png(bytes),
        "image/jpeg" => jpeg(bytes),
        "image/webp" => webp(bytes),
        _ => None,
    };
    walked.unwrap_or(true)
}

const PROVENANCE: &[u8] = b"dcterms:provenance";

/// Whether an XMP packet's `dcterms:provenance` may name a remote store (an http(s) URL, or
/// anything escaped); the usual `self#jumbf=…` points inside the file and needs no look.
fn mentions_remote_store(data: &[u8]) -> bool {
    let mut rest = data;
    while let Some(at) = rest.windows(PROVENANCE.len()).position(|w| w == PROVENANCE) {
        rest = &rest[at + PROVENANCE.len()..];
        let value: Vec<u8> = rest
            .iter()
            .skip_while(|b| b.is_ascii_whitespace() || matches!(b, b'=' | b'"' | b'\'' | b'>'))
            .take(5)
            .map(u8::to_ascii_lowercase)
            .collect();
        if value.starts_with(b"http") || value.starts_with(b"&") {
            return true;
        }
    }
    false
}

fn be_u32(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

/// `Some(found)` when the chunk list was walked to `IEND`; `None` when it could not be.
fn png(bytes: &[u8]) -> Option<bool> {
    let mut at = 8;
    loop {
        let len = be_u32(bytes, at)?;
        let kind = bytes.get(at + 4..at + 8)?;
        let data = bytes.get(at + 8..(at + 8).checked_add(len)?)?;
        match kind {
            b"caBX" => return Some(true),
            b"iTXt" | b"tEXt" if mentions_remote_store(data) => return Some(true),
            b"IEND" => return Some(false),
            _ => {}
        }
        at = (at + 8).checked_add(len)?.checked_add(4)?;
    }
}

/// Segments up to the first SOS, as c2pa's JPEG reader (img-parts) parses them.
fn jpeg(bytes: &[u8]) -> Option<bool> {
    const APP1: u8 = 0xE1;
    const APP11: u8 = 0xEB;
    const SOS: u8 = 0xDA;
    const EOI: u8 = 0xD9;
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let mut marker = *bytes.get(at + 1)?;
        while marker == 0xFF {
            // Fill bytes before a marker.
            at += 1;
            marker = *bytes.get(at + 1)?;
        }
        at += 2;
        match marker {
            EOI => return Some(false),
            0x01 | 0xD0..=0xD8 => continue, // Markers without a length.
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
        if len < 2 {
            return None;
        }
        let data = bytes.get(at + 2..at + len)?;
        match marker {
            APP11 => return Some(true),
            APP1 if mentions_remote_store(data) => return Some(true),
            SOS => return Some(false),
            _ => {}
        }
        at += len;
    }
}

/// The RIFF chunks of a WebP file.
fn webp(bytes: &[u8]) -> Option<bool> {
    let le_u32 = |at: usize| -> Option<usize> {
        let b = bytes.get(at..at + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let end = le_u32(4)?.checked_add(8)?.min(bytes.len());
    let mut at = 12;
    while at + 8 <= end {
        let kind = bytes.get(at..at + 4)?;
        let len = le_u32(at + 4)?;
        let data = bytes.get(at + 8..(at + 8).checked_add(len)?)?;
        match kind {
            b"C2PA" => return Some(true),
            b"XMP " if mentions_remote_store(data) => return Some(true),
            _ => {}
        }
        // Chunks are padded to an even length.
        at = (at + 8).checked_add(len)?.checked_add(len & 1)?;
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_with(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        for (kind, data) in chunks {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            out.extend_from_slice(*kind);
            out.extend_from_slice(data);
            out.extend_from_slice(&[0; 4]);
        }
        out
    }

    #[test]
    fn png_chunks_are_walked_to_the_end() {
        let plain = png_with(&[(b"IHDR", &[0; 13]), (b"IDAT", b"xx"), (b"IEND", b"")]);
        assert!(!may_carry_manifest(&plain, "image/png"));
        let signed = png_with(&[(b"IHDR", &[0; 13]), (b"caBX", b"jumb"), (b"IEND", b"")]);
        assert!(may_carry_manifest(&signed, "image/png"));
        let remote = png_with(&[
            (b"IHDR", &[0; 13]),
            (
                b"iTXt",
                b"XML:com.adobe.xmp\0<dcterms:provenance>https://x/m.c2pa<",
            ),
            (b"IEND", b""),
        ]);
        assert!(may_carry_manifest(&remote, "image/png"));
        let inside = png_with(&[
            (b"IHDR", &[0; 13]),
            (
                b"iTXt",
                b"XML:com.adobe.xmp\0<x dcterms:provenance=\"self#jumbf=/c2pa\"/>",
            ),
            (b"IEND", b""),
        ]);
        assert!(!may_carry_manifest(&inside, "image/png"));
        // Cut short: c2pa decides.
        assert!(may_carry_manifest(&plain[..20], "image/png"));
    }

    #[test]
    fn jpeg_segments_are_walked_to_the_first_scan() {
        let seg = |marker: u8, data: &[u8]| {
            let mut s = vec![0xFF, marker];
            s.extend_from_slice(&((data.len() + 2) as u16).to_be_bytes());
            s.extend_from_slice(data);
            s
        };
        let mut plain = vec![0xFF, 0xD8];
        plain.extend(seg(0xE0, b"JFIF\0"));
        plain.extend(seg(0xDA, &[0; 4]));
        plain.extend_from_slice(&[1, 2, 3, 0xFF, 0xEB, 0, 4]);
        assert!(!may_carry_manifest(&plain, "image/jpeg"));
        let mut signed = vec![0xFF, 0xD8];
        signed.extend(seg(0xE0, b"JFIF\0"));
        signed.extend(seg(0xEB, b"JP\0\0jumb"));
        signed.extend(seg(0xDA, &[0; 4]));
        assert!(may_carry_manifest(&signed, "image/jpeg"));
        assert!(may_carry_manifest(&[0xFF, 0xD8, 0x00], "image/jpeg"));
    }

    #[test]
    fn webp_chunks_are_walked() {
        let riff = |chunks: &[(&[u8; 4], &[u8])]| {
            let mut body = b"WEBP".to_vec();
            for (kind, data) in chunks {
                body.extend_from_slice(*kind);
                body.extend_from_slice(&(data.len() as u32).to_le_bytes());
                body.extend_from_slice(data);
                if data.len() % 2 == 1 {
                    body.push(0);
                }
            }
            let mut out = b"RIFF".to_vec();
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
            out.extend(body);
            out
        };
        assert!(!may_carry_manifest(
            &riff(&[(b"VP8X", &[0; 10]), (b"VP8L", b"abc")]),
            "image/webp"
        ));
        assert!(may_carry_manifest(
            &riff(&[(b"VP8L", b"abc"), (b"C2PA", b"jumb")]),
            "image/webp"
        ));
    }
}

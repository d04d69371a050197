//! JPEG marker segments: reading the header segments back, and inserting APP1 (EXIF, XMP).

use crate::{Error, Result};

pub const APP0: u8 = 0xE0;
pub const APP1: u8 = 0xE1;
pub const APP2: u8 = 0xE2;
const SOI: u8 = 0xD8;
const SOS: u8 = 0xDA;

/// The most a segment's payload may hold (its 16-bit length counts itself).
pub const MAX_PAYLOAD: usize = 65_533;

pub const XMP_HEADER: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub marker: u8,
    /// Payload without the length field.
    pub data: Vec<u8>,
}

fn malformed(why: &str) -> Error {
    Error::Export {
        message: format!("The encoded JPEG is malformed ({why})."),
    }
}

/// Segments from SOI up to (not including) SOS, and the offset where SOS starts.
pub fn read_segments(jpeg: &[u8]) -> Result<(Vec<Segment>, usize)> {
    if jpeg.get(..2) != Some(&[0xFF, SOI]) {
        return Err(malformed("no SOI marker"));
    }
    let mut at = 2;
    let mut segments = Vec::new();
    loop {
        if jpeg.get(at) != Some(&0xFF) {
            return Err(malformed("expected a marker"));
        }
        let mut marker_at = at + 1;
        while jpeg.get(marker_at) == Some(&0xFF) {
            marker_at += 1; // fill bytes
        }
        let marker = *jpeg
            .get(marker_at)
            .ok_or_else(|| malformed("truncated marker"))?;
        if marker == SOS {
            return Ok((segments, at));
        }
        let len_bytes = jpeg
            .get(marker_at + 1..marker_at + 3)
            .ok_or_else(|| malformed("truncated length"))?;
        let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        if len < 2 {
            return Err(malformed("bad segment length"));
        }
        let data = jpeg
            .get(marker_at + 3..marker_at + 1 + len)
            .ok_or_else(|| malformed("truncated segment"))?;
        segments.push(Segment {
            marker,
            data: data.to_vec(),
        });
        at = marker_at + 1 + len;
    }
}

fn write_segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) -> Result<()> {
    if payload.len() > MAX_PAYLOAD {
        return Err(Error::Export {
            message: format!(
                "Metadata of {} bytes does not fit in a JPEG segment (at most {MAX_PAYLOAD}).",
                payload.len()
            ),
        });
    }
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

/// Insert `app1` payloads right after the JFIF APP0 (or SOI), dropping any APP1/APP2 the
/// encoder wrote (we own EXIF and XMP, and drop ICC profiles: output is sRGB).
pub fn embed(jpeg: &[u8], app1: &[Vec<u8>]) -> Result<Vec<u8>> {
    let (segments, sos_at) = read_segments(jpeg)?;
    let mut out = Vec::with_capacity(jpeg.len() + app1.iter().map(|p| p.len() + 4).sum::<usize>());
    out.extend_from_slice(&[0xFF, SOI]);
    let jfif_first = segments.first().is_some_and(|s| s.marker == APP0);
    let mut rest = segments.iter();
    if jfif_first && let Some(app0) = rest.next() {
        write_segment(&mut out, APP0, &app0.data)?;
    }
    for payload in app1 {
        write_segment(&mut out, APP1, payload)?;
    }
    for s in rest.filter(|s| s.marker != APP1 && s.marker != APP2) {
        write_segment(&mut out, s.marker, &s.data)?;
    }
    out.extend_from_slice(&jpeg[sos_at..]);
    Ok(out)
}

/// JFIF density from APP0: (units, x, y); units 1 = dots per inch.
pub fn jfif_density(segments: &[Segment]) -> Option<(u8, u16, u16)> {
    let app0 = segments
        .iter()
        .find(|s| s.marker == APP0 && s.data.starts_with(b"JFIF\0"))?;
    let d = &app0.data;
    Some((
        *d.get(7)?,
        u16::from_be_bytes([*d.get(8)?, *d.get(9)?]),
        u16::from_be_bytes([*d.get(10)?, *d.get(11)?]),
    ))
}

pub fn xmp_payload(packet: &str) -> Vec<u8> {
    let mut out = XMP_HEADER.to_vec();
    out.extend_from_slice(packet.as_bytes());
    out
}

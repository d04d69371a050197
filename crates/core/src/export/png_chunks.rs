//! PNG chunk reading and writing: pHYs, sRGB, iTXt XMP, tEXt/iTXt parameters, eXIf.

use crate::{Error, Result};

pub const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub kind: [u8; 4],
    pub data: Vec<u8>,
}

impl Chunk {
    pub fn new(kind: &[u8; 4], data: Vec<u8>) -> Chunk {
        Chunk { kind: *kind, data }
    }
}

fn malformed(why: &str) -> Error {
    Error::Export {
        message: format!("The encoded PNG is malformed ({why})."),
    }
}

/// All chunks, with CRCs checked.
pub fn read_chunks(png: &[u8]) -> Result<Vec<Chunk>> {
    let rest = png
        .strip_prefix(SIGNATURE.as_slice())
        .ok_or_else(|| malformed("no PNG signature"))?;
    let mut chunks = Vec::new();
    let mut at = 0usize;
    while at < rest.len() {
        let header = rest
            .get(at..at + 8)
            .ok_or_else(|| malformed("truncated chunk header"))?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = [header[4], header[5], header[6], header[7]];
        let data = rest
            .get(at + 8..at + 8 + len)
            .ok_or_else(|| malformed("truncated chunk"))?;
        let crc = rest
            .get(at + 8 + len..at + 12 + len)
            .ok_or_else(|| malformed("missing CRC"))?;
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&kind);
        hasher.update(data);
        if hasher.finalize().to_be_bytes() != crc {
            return Err(malformed("CRC mismatch"));
        }
        chunks.push(Chunk {
            kind,
            data: data.to_vec(),
        });
        at += 12 + len;
        if &kind == b"IEND" {
            break;
        }
    }
    Ok(chunks)
}

pub fn write_chunk(out: &mut Vec<u8>, chunk: &Chunk) {
    out.extend_from_slice(&(chunk.data.len() as u32).to_be_bytes());
    out.extend_from_slice(&chunk.kind);
    out.extend_from_slice(&chunk.data);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&chunk.kind);
    hasher.update(&chunk.data);
    out.extend_from_slice(&hasher.finalize().to_be_bytes());
}

/// Chunks this module owns; any the encoder wrote are replaced, not duplicated.
const REPLACED: [&[u8; 4]; 8] = [
    b"pHYs", b"sRGB", b"gAMA", b"cHRM", b"iCCP", b"iTXt", b"tEXt", b"eXIf",
];

/// Put `extra` right after IHDR (so all of it precedes IDAT, where readers look).
pub fn embed(png: &[u8], extra: &[Chunk]) -> Result<Vec<u8>> {
    let chunks = read_chunks(png)?;
    if chunks.first().map(|c| &c.kind) != Some(b"IHDR") {
        return Err(malformed("IHDR is not first"));
    }
    let mut out =
        Vec::with_capacity(png.len() + extra.iter().map(|c| c.data.len() + 12).sum::<usize>());
    out.extend_from_slice(SIGNATURE);
    for (i, chunk) in chunks.iter().enumerate() {
        if REPLACED.contains(&&chunk.kind) {
            continue;
        }
        write_chunk(&mut out, chunk);
        if i == 0 {
            for e in extra {
                write_chunk(&mut out, e);
            }
        }
    }
    Ok(out)
}

pub fn phys(pixels_per_metre: u32) -> Chunk {
    let mut data = pixels_per_metre.to_be_bytes().to_vec();
    data.extend_from_slice(&pixels_per_metre.to_be_bytes());
    data.push(1); // unit: metre
    Chunk::new(b"pHYs", data)
}

/// sRGB, perceptual intent; plus the gAMA the PNG spec recommends alongside it for old readers.
pub fn srgb() -> [Chunk; 2] {
    [
        Chunk::new(b"sRGB", vec![0]),
        Chunk::new(b"gAMA", 45_455u32.to_be_bytes().to_vec()),
    ]
}

/// Uncompressed international text (UTF-8).
pub fn itxt(keyword: &str, text: &str) -> Chunk {
    let mut data = keyword.as_bytes().to_vec();
    data.extend_from_slice(&[0, 0, 0]); // NUL, compression flag, method
    data.push(0); // empty language tag
    data.push(0); // empty translated keyword
    data.extend_from_slice(text.as_bytes());
    Chunk::new(b"iTXt", data)
}

/// tEXt when the text is Latin-1 (what most readers expect for `parameters`), iTXt otherwise.
pub fn text(keyword: &str, text: &str) -> Chunk {
    let latin1: Option<Vec<u8>> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok().filter(|b| *b != 0))
        .collect();
    match latin1 {
        Some(bytes) => {
            let mut data = keyword.as_bytes().to_vec();
            data.push(0);
            data.extend_from_slice(&bytes);
            Chunk::new(b"tEXt", data)
        }
        None => itxt(keyword, text),
    }
}

/// Text of the tEXt or iTXt (uncompressed) chunk with `keyword`, for reading back.
pub fn find_text(chunks: &[Chunk], keyword: &str) -> Option<String> {
    chunks.iter().find_map(|c| {
        let nul = c.data.iter().position(|b| *b == 0)?;
        if &c.data[..nul] != keyword.as_bytes() {
            return None;
        }
        let rest = &c.data[nul + 1..];
        match &c.kind {
            b"tEXt" => Some(rest.iter().map(|b| char::from(*b)).collect()),
            b"iTXt" => {
                let (flag, rest) = rest.split_first()?;
                if *flag != 0 {
                    return None;
                }
                let rest = rest.get(1..)?; // method
                let lang_end = rest.iter().position(|b| *b == 0)?;
                let rest = &rest[lang_end + 1..];
                let tk_end = rest.iter().position(|b| *b == 0)?;
                String::from_utf8(rest[tk_end + 1..].to_vec()).ok()
            }
            _ => None,
        }
    })
}

pub fn exif(tiff: Vec<u8>) -> Chunk {
    Chunk::new(b"eXIf", tiff)
}

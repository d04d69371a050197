//! A minimal little-endian TIFF/EXIF block: caption, software, resolution, date, sRGB.
//! Written by hand because it is a few dozen bytes and a crate would pull in far more.

use super::provenance::Provenance;

const ASCII: u16 = 2;
const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;
const UNDEFINED: u16 = 7;

struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    data: Vec<u8>,
}

fn ascii(tag: u16, s: &str) -> Entry {
    // EXIF strings are NUL-terminated; interior NULs would cut them short.
    let mut data: Vec<u8> = s.bytes().filter(|b| *b != 0).collect();
    data.push(0);
    Entry {
        tag,
        kind: ASCII,
        count: data.len() as u32,
        data,
    }
}

fn short(tag: u16, v: u16) -> Entry {
    Entry {
        tag,
        kind: SHORT,
        count: 1,
        data: v.to_le_bytes().to_vec(),
    }
}

fn rational(tag: u16, num: u32, den: u32) -> Entry {
    let mut data = num.to_le_bytes().to_vec();
    data.extend_from_slice(&den.to_le_bytes());
    Entry {
        tag,
        kind: RATIONAL,
        count: 1,
        data,
    }
}

fn long(tag: u16, v: u32) -> Entry {
    Entry {
        tag,
        kind: LONG,
        count: 1,
        data: v.to_le_bytes().to_vec(),
    }
}

fn undefined(tag: u16, data: &[u8]) -> Entry {
    Entry {
        tag,
        kind: UNDEFINED,
        count: data.len() as u32,
        data: data.to_vec(),
    }
}

fn ifd_len(entries: &[Entry]) -> usize {
    let out_of_line: usize = entries
        .iter()
        .filter(|e| e.data.len() > 4)
        .map(|e| e.data.len() + e.data.len() % 2)
        .sum();
    2 + entries.len() * 12 + 4 + out_of_line
}

/// Serialise one IFD that starts at `start` (offset from the TIFF header).
fn write_ifd(out: &mut Vec<u8>, entries: &mut [Entry], start: usize) {
    entries.sort_by_key(|e| e.tag);
    let mut data_at = start + 2 + entries.len() * 12 + 4;
    let mut data = Vec::new();
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for e in entries.iter() {
        out.extend_from_slice(&e.tag.to_le_bytes());
        out.extend_from_slice(&e.kind.to_le_bytes());
        out.extend_from_slice(&e.count.to_le_bytes());
        if e.data.len() <= 4 {
            let mut inline = [0u8; 4];
            inline[..e.data.len()].copy_from_slice(&e.data);
            out.extend_from_slice(&inline);
        } else {
            out.extend_from_slice(&(data_at as u32).to_le_bytes());
            data.extend_from_slice(&e.data);
            if e.data.len() % 2 == 1 {
                data.push(0);
            }
            data_at += e.data.len() + e.data.len() % 2;
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    out.extend_from_slice(&data);
}

const TAG_EXIF_IFD: u16 = 0x8769;
const MAX_DESCRIPTION: usize = 4_000;

fn truncate(s: &str, max_bytes: usize) -> &str {
    let mut cut = s.len().min(max_bytes);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

/// Which container the block goes in: JPEG requires a few more tags (EXIF 2.32 §4.6.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Jpeg,
    Other,
}

/// The TIFF structure (starting `II*\0`), as WebP's `EXIF` chunk and PNG's `eXIf` want it.
/// JPEG needs the `Exif\0\0` prefix in front: see [`jpeg_app1_payload`].
pub fn tiff(p: &Provenance, dpi: u32, size: (u32, u32), container: Container) -> Vec<u8> {
    let mut ifd0 = vec![
        rational(0x011A, dpi, 1),
        rational(0x011B, dpi, 1),
        short(0x0128, 2), // inches
        ascii(0x0131, &p.creator_tool),
        long(TAG_EXIF_IFD, 0), // patched below
    ];
    if let Some(caption) = &p.caption {
        // XMP carries the full caption; EXIF must stay well inside JPEG's 64 KiB segment.
        ifd0.push(ascii(0x010E, truncate(caption, MAX_DESCRIPTION)));
    }
    let mut exif_ifd = vec![
        undefined(0x9000, b"0232"),
        undefined(0xA000, b"0100"), // FlashpixVersion
        short(0xA001, 1),           // ColorSpace: sRGB
        long(0xA002, size.0),
        long(0xA003, size.1),
    ];
    if container == Container::Jpeg {
        ifd0.push(short(0x0213, 1)); // YCbCrPositioning: centred
        exif_ifd.push(undefined(0x9101, &[1, 2, 3, 0])); // ComponentsConfiguration: Y Cb Cr
    }
    if let Some(created) = p.created {
        exif_ifd.push(ascii(
            0x9003,
            &created.format("%Y:%m:%d %H:%M:%S").to_string(),
        ));
        exif_ifd.push(ascii(0x9011, &created.format("%:z").to_string()));
    }

    let ifd0_start = 8;
    let exif_start = ifd0_start + ifd_len(&ifd0);
    if let Some(ptr) = ifd0.iter_mut().find(|e| e.tag == TAG_EXIF_IFD) {
        ptr.data = (exif_start as u32).to_le_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(exif_start + ifd_len(&exif_ifd));
    out.extend_from_slice(b"II*\0");
    out.extend_from_slice(&8u32.to_le_bytes());
    write_ifd(&mut out, &mut ifd0, ifd0_start);
    write_ifd(&mut out, &mut exif_ifd, exif_start);
    out
}

pub const JPEG_EXIF_HEADER: &[u8] = b"Exif\0\0";

pub fn jpeg_app1_payload(tiff: &[u8]) -> Vec<u8> {
    let mut out = JPEG_EXIF_HEADER.to_vec();
    out.extend_from_slice(tiff);
    out
}

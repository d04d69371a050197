//! The metadata a PNG, JPEG or WebP file carries besides its pixels: PNG text chunks
//! (tEXt, zTXt, iTXt), EXIF (A1111 writes its parameters into UserComment in JPEG and WebP),
//! XMP, and JPEG comments. Read leniently and bounded: metadata that cannot be read is a
//! note, never a reason to lose the image.

use crate::export::{jpeg_segments, png_chunks, webp_chunks};
use crate::library::ImageFormat;

/// The most text one compressed chunk may inflate to (a zip bomb in a zTXt is refused).
const MAX_INFLATED: usize = 16 * 1024 * 1024;
/// The most text kept from one entry; the rest is cut with a note.
pub const MAX_TEXT: usize = 1024 * 1024;

const XMP_KEYWORD: &str = "XML:com.adobe.xmp";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Embedded {
    /// PNG text chunks (keyword, text) and JPEG comments (`comment`), in file order.
    pub texts: Vec<(String, String)>,
    /// EXIF fields as text (tag name, value), UserComment decoded from its charset.
    pub exif: Vec<(String, String)>,
    pub xmp: Option<String>,
    /// What could not be read, for the record.
    pub problems: Vec<String>,
}

impl Embedded {
    pub fn text(&self, keyword: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(k, _)| k == keyword)
            .map(|(_, v)| v.as_str())
    }

    pub fn exif_field(&self, name: &str) -> Option<&str> {
        self.exif
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Everything readable from `bytes`, whose container is `format`.
pub fn read(bytes: &[u8], format: ImageFormat) -> Embedded {
    let mut out = Embedded::default();
    match format {
        ImageFormat::Png => read_png(bytes, &mut out),
        ImageFormat::Jpeg => read_jpeg(bytes, &mut out),
        ImageFormat::Webp => read_webp(bytes, &mut out),
    }
    out
}

fn read_png(bytes: &[u8], out: &mut Embedded) {
    let chunks = match png_chunks::read_chunks(bytes) {
        Ok(chunks) => chunks,
        Err(e) => {
            out.problems.push(format!("PNG chunks: {e}"));
            return;
        }
    };
    for chunk in chunks {
        let found = match &chunk.kind {
            b"tEXt" => text_chunk(&chunk.data),
            b"zTXt" => ztxt_chunk(&chunk.data),
            b"iTXt" => itxt_chunk(&chunk.data),
            b"eXIf" => {
                read_exif(chunk.data, out);
                continue;
            }
            _ => continue,
        };
        match found {
            Ok((keyword, text)) if keyword == XMP_KEYWORD => out.xmp = Some(text),
            Ok((keyword, text)) => {
                let text = capped(text, out);
                out.texts.push((keyword, text));
            }
            Err(why) => out.problems.push(format!(
                "{} chunk: {why}",
                String::from_utf8_lossy(&chunk.kind)
            )),
        }
    }
}

fn read_jpeg(bytes: &[u8], out: &mut Embedded) {
    let segments = match jpeg_segments::read_segments(bytes) {
        Ok((segments, _)) => segments,
        Err(e) => {
            out.problems.push(format!("JPEG segments: {e}"));
            return;
        }
    };
    let mut extended_xmp = false;
    for segment in segments {
        match segment.marker {
            jpeg_segments::APP1 => {
                if let Some(tiff) = segment.data.strip_prefix(b"Exif\0\0".as_slice()) {
                    read_exif(tiff.to_vec(), out);
                } else if let Some(xmp) = segment.data.strip_prefix(jpeg_segments::XMP_HEADER) {
                    out.xmp = Some(String::from_utf8_lossy(xmp).into_owned());
                } else if segment
                    .data
                    .starts_with(b"http://ns.adobe.com/xmp/extension/\0")
                {
                    extended_xmp = true;
                }
            }
            0xFE => {
                let text = String::from_utf8_lossy(&segment.data).into_owned();
                let text = capped(text, out);
                out.texts.push(("comment".to_owned(), text));
            }
            _ => {}
        }
    }
    if extended_xmp {
        out.problems
            .push("extended XMP (split over several segments) was not read".to_owned());
    }
}

fn read_webp(bytes: &[u8], out: &mut Embedded) {
    let chunks = match webp_chunks::read_chunks(bytes) {
        Ok(chunks) => chunks,
        Err(e) => {
            out.problems.push(format!("WebP chunks: {e}"));
            return;
        }
    };
    for chunk in chunks {
        match &chunk.fourcc {
            b"EXIF" => {
                // Some writers keep JPEG's `Exif\0\0` prefix in the chunk.
                let tiff = match chunk.data.strip_prefix(b"Exif\0\0".as_slice()) {
                    Some(t) => t.to_vec(),
                    None => chunk.data,
                };
                read_exif(tiff, out);
            }
            b"XMP " => out.xmp = Some(String::from_utf8_lossy(&chunk.data).into_owned()),
            _ => {}
        }
    }
}

fn capped(mut text: String, out: &mut Embedded) -> String {
    if text.len() > MAX_TEXT {
        let mut end = MAX_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        out.problems
            .push(format!("a text of more than {MAX_TEXT} bytes was cut"));
    }
    text
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|b| char::from(*b)).collect()
}

fn split_keyword(data: &[u8]) -> Result<(String, &[u8]), String> {
    let nul = data
        .iter()
        .position(|b| *b == 0)
        .ok_or("no keyword terminator")?;
    Ok((latin1(&data[..nul]), &data[nul + 1..]))
}

fn text_chunk(data: &[u8]) -> Result<(String, String), String> {
    let (keyword, text) = split_keyword(data)?;
    Ok((keyword, latin1(text)))
}

fn inflate(data: &[u8]) -> Result<Vec<u8>, String> {
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, MAX_INFLATED).map_err(|e| match e
        .status
    {
        miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
            format!("it inflates to more than {MAX_INFLATED} bytes; not read")
        }
        other => format!("it does not inflate ({other:?})"),
    })
}

fn ztxt_chunk(data: &[u8]) -> Result<(String, String), String> {
    let (keyword, rest) = split_keyword(data)?;
    let (method, compressed) = rest.split_first().ok_or("no compression method")?;
    if *method != 0 {
        return Err(format!("unknown compression method {method}"));
    }
    Ok((keyword, latin1(&inflate(compressed)?)))
}

fn itxt_chunk(data: &[u8]) -> Result<(String, String), String> {
    let (keyword, rest) = split_keyword(data)?;
    let [flag, method, rest @ ..] = rest else {
        return Err("truncated header".to_owned());
    };
    let lang_end = rest.iter().position(|b| *b == 0).ok_or("no language tag")?;
    let rest = &rest[lang_end + 1..];
    let tk_end = rest
        .iter()
        .position(|b| *b == 0)
        .ok_or("no translated keyword")?;
    let text = &rest[tk_end + 1..];
    let text = match (flag, method) {
        (0, _) => text.to_vec(),
        (1, 0) => inflate(text)?,
        _ => return Err(format!("unknown compression method {method}")),
    };
    Ok((keyword, String::from_utf8_lossy(&text).into_owned()))
}

/// EXIF fields worth keeping from a TIFF block: text fields as text, UserComment decoded.
fn read_exif(tiff: Vec<u8>, out: &mut Embedded) {
    let exif = match exif::Reader::new().read_raw(tiff) {
        Ok(exif) => exif,
        Err(e) => {
            out.problems.push(format!("EXIF: {e}"));
            return;
        }
    };
    for field in exif.fields() {
        if field.ifd_num != exif::In::PRIMARY {
            continue;
        }
        let name = match field.tag {
            exif::Tag::UserComment => {
                if let exif::Value::Undefined(bytes, _) = &field.value
                    && let Some(text) = user_comment(bytes)
                {
                    let text = capped(text, out);
                    out.exif.push(("UserComment".to_owned(), text));
                }
                continue;
            }
            exif::Tag::ImageDescription => "ImageDescription",
            exif::Tag::Software => "Software",
            exif::Tag::Artist => "Artist",
            exif::Tag::Copyright => "Copyright",
            exif::Tag::Make => "Make",
            exif::Tag::Model => "Model",
            exif::Tag::DateTimeOriginal => "DateTimeOriginal",
            exif::Tag::DateTime => "DateTime",
            _ => continue,
        };
        if let exif::Value::Ascii(parts) = &field.value {
            let text = parts
                .iter()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect::<Vec<_>>()
                .join(" ");
            let text = text.trim_end_matches('\0').trim().to_owned();
            if !text.is_empty() {
                out.exif.push((name.to_owned(), text));
            }
        }
    }
}

/// UserComment: an 8-byte charset id, then the text. A1111 (through piexif) writes
/// `UNICODE\0` and UTF-16 big-endian; some writers use the file's byte order instead, so
/// the order is told from where the zero bytes of ASCII text fall.
fn user_comment(bytes: &[u8]) -> Option<String> {
    let (charset, text) = (bytes.get(..8)?, bytes.get(8..)?);
    let text = match charset {
        b"UNICODE\0" => {
            let even_zeros = text.iter().step_by(2).filter(|b| **b == 0).count();
            let odd_zeros = text.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
            let units = text.chunks_exact(2).map(|p| {
                if odd_zeros > even_zeros {
                    u16::from_le_bytes([p[0], p[1]])
                } else {
                    u16::from_be_bytes([p[0], p[1]])
                }
            });
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect::<String>()
        }
        b"ASCII\0\0\0" | b"\0\0\0\0\0\0\0\0" => String::from_utf8_lossy(text).into_owned(),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    };
    let text = text.trim_end_matches('\0').to_owned();
    (!text.trim().is_empty()).then_some(text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn user_comment_reads_both_utf16_orders_and_ascii() {
        let mut be = b"UNICODE\0".to_vec();
        be.extend("Steps: 20 ★".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(user_comment(&be).unwrap(), "Steps: 20 ★");
        let mut le = b"UNICODE\0".to_vec();
        le.extend("Steps: 20".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(user_comment(&le).unwrap(), "Steps: 20");
        let mut ascii = b"ASCII\0\0\0".to_vec();
        ascii.extend_from_slice(b"hello\0");
        assert_eq!(user_comment(&ascii).unwrap(), "hello");
        assert_eq!(user_comment(b"UNICODE\0"), None);
    }

    #[test]
    fn a_ztxt_bomb_is_refused_not_inflated() {
        let big = vec![b'a'; MAX_INFLATED + 10];
        let mut data = b"parameters\0\0".to_vec();
        data.extend(miniz_oxide::deflate::compress_to_vec_zlib(&big, 6));
        assert!(ztxt_chunk(&data).unwrap_err().contains("more than"));
    }
}

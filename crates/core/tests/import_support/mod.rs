//! Files as other tools write them, made here from each tool's documented format: A1111's
//! infotext (PNG `parameters` tEXt; JPEG EXIF UserComment as piexif writes it, `UNICODE\0`
//! then UTF-16BE), ComfyUI's API-format `prompt` graph and `workflow`, InvokeAI's
//! `invokeai_metadata`, and an XMP packet with IPTC rights, usage terms, credit and digital
//! source type. Plus broken files: corrupt, truncated, a giant header, a non-image.
#![allow(dead_code, clippy::unwrap_used)]

use easel_core::export::{jpeg_segments, png_chunks, webp_chunks};
use image::{ImageFormat, Rgb, RgbImage};
use serde_json::json;

/// Pixels that differ with `seed`, so files differ.
pub fn pixels(width: u32, height: u32, seed: u32) -> image::DynamicImage {
    image::DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        let v = x.wrapping_mul(31) ^ y.wrapping_mul(17) ^ seed.wrapping_mul(2_654_435_761);
        Rgb([
            (v & 0xff) as u8,
            (x * 3 % 256) as u8,
            ((y + seed) % 256) as u8,
        ])
    }))
}

pub fn encoded(width: u32, height: u32, seed: u32, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    pixels(width, height, seed)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

pub fn plain_png(seed: u32) -> Vec<u8> {
    encoded(64, 48, seed, ImageFormat::Png)
}

/// A PNG carrying text chunks (tEXt when Latin-1, iTXt otherwise), as PIL's PngInfo writes.
pub fn png_with_texts(seed: u32, texts: &[(&str, &str)]) -> Vec<u8> {
    let chunks: Vec<_> = texts.iter().map(|(k, v)| png_chunks::text(k, v)).collect();
    png_chunks::embed(&plain_png(seed), &chunks).unwrap()
}

pub const A1111_PROMPT: &str =
    "a lighthouse at dusk, <b>oil</b> painting\n\u{1b}]0;pwned\u{7}\u{1b}[2J second line";

pub fn a1111_infotext() -> String {
    format!(
        "{A1111_PROMPT}\nNegative prompt: blurry, lowres\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1234567890, Size: 64x48, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: \"detail: 0123abcd\", Version: v1.10.1"
    )
}

pub fn a1111_png(seed: u32) -> Vec<u8> {
    png_with_texts(seed, &[("parameters", &a1111_infotext())])
}

/// TIFF (little-endian) with IFD0 -> Exif IFD -> UserComment, as piexif dumps it.
pub fn exif_user_comment(text: &str) -> Vec<u8> {
    let mut comment = b"UNICODE\0".to_vec();
    comment.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes());
    // IFD0: one entry, ExifIFD pointer (0x8769, LONG) -> offset 26.
    t.extend_from_slice(&1u16.to_le_bytes());
    t.extend_from_slice(&0x8769u16.to_le_bytes());
    t.extend_from_slice(&4u16.to_le_bytes());
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(&26u32.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    // Exif IFD at 26: UserComment (0x9286, UNDEFINED), data at 44.
    t.extend_from_slice(&1u16.to_le_bytes());
    t.extend_from_slice(&0x9286u16.to_le_bytes());
    t.extend_from_slice(&7u16.to_le_bytes());
    t.extend_from_slice(&(comment.len() as u32).to_le_bytes());
    t.extend_from_slice(&44u32.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(t.len(), 44);
    t.extend_from_slice(&comment);
    t
}

pub fn a1111_jpeg(seed: u32) -> Vec<u8> {
    let jpeg = encoded(64, 48, seed, ImageFormat::Jpeg);
    let tiff = exif_user_comment(&a1111_infotext());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    jpeg_segments::embed(&jpeg, &[app1]).unwrap()
}

/// ComfyUI's API-format graph (what the `prompt` chunk holds): the default txt2img graph.
pub fn comfy_graph() -> serde_json::Value {
    json!({
        "3": {"class_type": "KSampler", "inputs": {
            "seed": 156680208700286u64, "steps": 25, "cfg": 6.5, "sampler_name": "euler",
            "scheduler": "normal", "denoise": 1.0,
            "model": ["10", 0], "positive": ["6", 0], "negative": ["7", 0],
            "latent_image": ["5", 0]}},
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
        "10": {"class_type": "LoraLoader", "inputs": {"lora_name": "detail.safetensors",
            "strength_model": 0.8, "strength_clip": 0.8, "model": ["4", 0], "clip": ["4", 1]}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 48, "batch_size": 1}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": ["12", 0], "clip": ["10", 1]}},
        "12": {"class_type": "PrimitiveString", "inputs": {"value": "a glass teapot on a table"}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["10", 1]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}}
    })
}

pub fn comfy_png(seed: u32) -> Vec<u8> {
    let workflow =
        json!({"last_node_id": 12, "nodes": [{"id": 3, "type": "KSampler"}], "version": 0.4});
    png_with_texts(
        seed,
        &[
            ("prompt", &comfy_graph().to_string()),
            ("workflow", &workflow.to_string()),
        ],
    )
}

/// InvokeAI 4's `invokeai_metadata`.
pub fn invoke_png(seed: u32) -> Vec<u8> {
    let meta = json!({
        "generation_mode": "txt2img", "positive_prompt": "a red fox in snow",
        "negative_prompt": "cartoon", "width": 64, "height": 48, "seed": 4242,
        "rand_device": "cpu", "cfg_scale": 7.5, "cfg_rescale_multiplier": 0, "steps": 30,
        "scheduler": "dpmpp_2m", "model": {"key": "abc", "hash": "blake3:ffee", "name": "juggernautXL",
        "base": "sdxl", "type": "main"}, "app_version": "4.2.9"
    });
    png_with_texts(seed, &[("invokeai_metadata", &meta.to_string())])
}

pub const USAGE_TERMS: &str = "Licensed under CC BY 4.0; <script>alert(1)</script>";

/// An XMP packet with IPTC/XMP rights fields, as photo tools write it.
pub fn xmp_packet() -> String {
    format!(
        r#"<?xpacket begin="﻿" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    photoshop:Credit="Jane Doe / Studio"
    xmpRights:WebStatement="https://creativecommons.org/licenses/by/4.0/">
   <Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType>
   <dc:rights><rdf:Alt><rdf:li xml:lang="x-default">© 2026 Jane Doe</rdf:li></rdf:Alt></dc:rights>
   <xmpRights:UsageTerms><rdf:Alt><rdf:li xml:lang="x-default">{}</rdf:li></rdf:Alt></xmpRights:UsageTerms>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Harbour</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#,
        USAGE_TERMS
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    )
}

/// A WebP (lossless, as the `image` crate writes) with the XMP packet in its `XMP ` chunk.
pub fn xmp_webp(seed: u32) -> Vec<u8> {
    let webp = encoded(64, 48, seed, ImageFormat::WebP);
    webp_chunks::embed(&webp, 64, 48, false, &[], xmp_packet().as_bytes()).unwrap()
}

/// A PNG with the XMP packet in iTXt `XML:com.adobe.xmp`.
pub fn xmp_png(seed: u32) -> Vec<u8> {
    png_chunks::embed(
        &plain_png(seed),
        &[png_chunks::itxt("XML:com.adobe.xmp", &xmp_packet())],
    )
    .unwrap()
}

/// A PNG whose IHDR claims `width` x `height` (valid CRCs, tiny IDAT).
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut img = plain_png(1);
    img[16..20].copy_from_slice(&width.to_be_bytes());
    img[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32fast_hash(&img[12..29]);
    img[29..33].copy_from_slice(&crc.to_be_bytes());
    img
}

fn crc32fast_hash(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG cut in half.
pub fn truncated_png(seed: u32) -> Vec<u8> {
    let mut png = plain_png(seed);
    png.truncate(png.len() / 2);
    png
}

/// A PNG whose image data was overwritten with noise (header intact).
pub fn corrupt_png(seed: u32) -> Vec<u8> {
    let mut png = plain_png(seed);
    let len = png.len();
    for (i, b) in png[60..len - 20].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(97) ^ 0x5a;
    }
    png
}

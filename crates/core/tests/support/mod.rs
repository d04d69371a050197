//! Shared test support: the OpenAI contract as JSON Schema validators, and a scripted
//! stand-in HTTP server on 127.0.0.1 that checks its own answers against that contract.
#![allow(dead_code, clippy::unwrap_used)]

pub mod contract;
pub mod stand_in;

/// A real, tiny PNG (what a provider would send), made with the image crate.
pub fn png_bytes() -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(2, 2, image::Rgba([200, 30, 60, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

//! Shared by the library_* integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Cursor;
use std::path::Path;

use easel_core::GenerationRequest;
use easel_core::library::{Library, NewImage};
use easel_core::license::snapshot_for;
use image::{ImageFormat, Rgba, RgbaImage};

/// A PNG whose pixels depend on `seed`, so different seeds give different bytes.
pub fn png(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(width, height, |x, y| {
        let v = x.wrapping_mul(31) ^ y.wrapping_mul(17) ^ seed.wrapping_mul(2_654_435_761);
        Rgba([
            (v & 0xff) as u8,
            (x % 256) as u8,
            (y % 256) as u8,
            if x < width / 2 { 255 } else { 96 },
        ])
    });
    encode(&image::DynamicImage::ImageRgba8(img), ImageFormat::Png)
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    encode(&image::DynamicImage::ImageRgb8(img), ImageFormat::Jpeg)
}

pub fn encode(img: &image::DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

pub fn request(prompt: &str) -> GenerationRequest {
    GenerationRequest {
        provider: "openai".into(),
        model: "gpt-image-1".into(),
        prompt: prompt.into(),
        params: easel_core::GenerationParams {
            n: Some(1),
            size: Some("1024x1024".into()),
            quality: Some("high".into()),
            ..Default::default()
        },
    }
}

/// Creates a generation for `prompt` and stores `bytes` as its image 0; returns the image id.
pub fn store(lib: &Library, prompt: &str, bytes: &[u8]) -> String {
    let req = request(prompt);
    let generation = lib.create_generation(&req).unwrap();
    let record = lib
        .store_image(NewImage {
            generation_id: &generation,
            index: 0,
            bytes,
            revised_prompt: Some(format!("revised: {prompt}")),
            seed: None,
            license: snapshot_for(&req.provider, &req.model),
            facts: Default::default(),
        })
        .unwrap();
    lib.finish_generation(&generation, &Default::default())
        .unwrap();
    record.summary.id
}

pub fn crc32(data: &[u8]) -> u32 {
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

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A well-formed PNG (valid CRCs) whose IHDR claims `width` x `height` RGBA pixels, with a
/// tiny IDAT: a decoder that trusted the header would try to allocate width*height*4 bytes.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // zlib stream of one stored empty block.
    chunk(
        &mut out,
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
        ],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

pub fn sha256_file(path: &Path) -> String {
    easel_core::library::sha256_hex(&std::fs::read(path).unwrap())
}

/// Takes a current library's database back to schema version 3 (as Easel left it before
/// boards, tags, ratings and the rest), keeping its images.
/// Takes away the live images counted per stretch of time (the whole library's, each
/// board's and each tag's) with their triggers, as a library from before them was.
pub fn drop_time_span_counts(conn: &rusqlite::Connection) {
    conn.execute_batch(
        "DROP TRIGGER image_added_to_time_spans;
         DROP TRIGGER image_removed_from_time_spans;
         DROP TRIGGER image_trash_state_in_time_spans;
         DROP TRIGGER image_moved_in_time_spans;
         DROP TRIGGER board_images_link_added_to_time_spans;
         DROP TRIGGER board_images_link_removed_from_time_spans;
         DROP TRIGGER board_deleted_from_time_spans;
         DROP TRIGGER image_tags_link_added_to_time_spans;
         DROP TRIGGER image_tags_link_removed_from_time_spans;
         DROP TRIGGER tag_deleted_from_time_spans;
         DROP TRIGGER image_trash_state_in_link_time_spans;
         DROP TRIGGER image_moved_in_link_time_spans;
         DROP TABLE live_images_by_time;
         DROP TABLE board_images_by_time;
         DROP TABLE image_tags_by_time;",
    )
    .unwrap();
}

pub fn downgrade_to_v3(conn: &rusqlite::Connection) {
    drop_time_span_counts(conn);
    conn.execute_batch(
        "DROP TABLE images_fts_terms;
         DROP INDEX images_credentials_order;
         ALTER TABLE images DROP COLUMN credentials;
         DROP TABLE content_credentials;
         DROP TABLE image_imports;
         DROP TABLE import_sources;
         DROP TRIGGER image_added_to_totals;
         DROP TRIGGER image_removed_from_totals;
         DROP TRIGGER image_trash_state;
         DROP TRIGGER image_time_to_links;
         DROP TRIGGER image_time_block_added;
         DROP TRIGGER image_time_block_moved;
         DROP TRIGGER image_trashed_leaves_search;
         DROP TRIGGER image_restored_joins_search;
         DROP TABLE image_notes;
         DROP TABLE board_images;
         DROP TABLE boards;
         DROP TABLE image_tags;
         DROP TABLE tags;
         DROP TABLE saved_searches;
         DROP TABLE library_totals;
         DROP TABLE search_time_blocks;
         DROP INDEX images_rated_order;
         DROP INDEX images_model_order;
         DROP INDEX images_provider_order;
         DROP INDEX images_unhashed;
         ALTER TABLE images DROP COLUMN rating;
         ALTER TABLE images DROP COLUMN provider;
         ALTER TABLE images DROP COLUMN model;
         ALTER TABLE images DROP COLUMN dhash;
         PRAGMA user_version = 3;",
    )
    .unwrap();
}

//! Near-duplicates: a perceptual hash at ingest (and, for older images, in steps later)
//! groups re-encoded, resized and lightly edited copies of a picture, and nothing else.
#![allow(clippy::unwrap_used)]

use crate::library_support;

use easel_core::library::{DB_FILE, Library};
use image::{DynamicImage, ImageFormat, RgbImage};

/// A smooth picture whose shapes depend on `seed`.
fn picture(seed: f64, size: u32) -> DynamicImage {
    let scale = 256.0 / f64::from(size);
    DynamicImage::ImageRgb8(RgbImage::from_fn(size, size, |x, y| {
        let (x, y) = (f64::from(x) * scale, f64::from(y) * scale);
        let v = 128.0 + 90.0 * (x / 23.0 + seed).sin() + 30.0 * (y / 17.0 + 2.0 * seed).cos();
        let v = v.clamp(0.0, 255.0) as u8;
        image::Rgb([v, v / 2 + 40, 255 - v])
    }))
}

fn brighter(img: &DynamicImage, by: u8) -> DynamicImage {
    let mut rgb = img.to_rgb8();
    for p in rgb.pixels_mut() {
        for c in &mut p.0 {
            *c = c.saturating_add(by);
        }
    }
    DynamicImage::ImageRgb8(rgb)
}

#[test]
fn copies_of_a_picture_group_together_and_different_pictures_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let base = picture(0.0, 256);
    let store = |name: &str, img: &DynamicImage, format: ImageFormat| {
        library_support::store(&lib, name, &library_support::encode(img, format))
    };
    let original = store("original", &base, ImageFormat::Png);
    let as_jpeg = store("jpeg copy", &base, ImageFormat::Jpeg);
    let smaller = store("resized", &picture(0.0, 180), ImageFormat::Png);
    let edited = store("brighter", &brighter(&base, 12), ImageFormat::Png);
    let other = store("other", &picture(2.5, 256), ImageFormat::Png);
    let third = store("third", &picture(4.0, 256), ImageFormat::Png);
    let other_copy = store("other again", &picture(2.5, 200), ImageFormat::Jpeg);

    let groups = lib
        .near_duplicates(easel_core::library::DEFAULT_MAX_DISTANCE)
        .unwrap();
    // Each group carries what tells its images apart, in the order of its ids.
    for g in &groups {
        let ids: Vec<&String> = g.images.iter().map(|i| &i.id).collect();
        assert_eq!(ids, g.ids.iter().collect::<Vec<_>>());
    }
    let resized = groups
        .iter()
        .flat_map(|g| &g.images)
        .find(|i| i.id == smaller)
        .unwrap();
    assert_eq!((resized.width, resized.height), (180, 180));
    let copy = groups
        .iter()
        .flat_map(|g| &g.images)
        .find(|i| i.id == as_jpeg)
        .unwrap();
    assert_eq!(copy.format, easel_core::library::ImageFormat::Jpeg);
    let mut found: Vec<Vec<String>> = groups
        .into_iter()
        .map(|g| {
            let mut ids = g.ids;
            ids.sort();
            ids
        })
        .collect();
    found.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let mut first = vec![original.clone(), as_jpeg.clone(), smaller.clone(), edited];
    first.sort();
    let mut second = vec![other, other_copy];
    second.sort();
    assert_eq!(found, vec![first, second], "third ({third}) stands alone");

    // Trashed images are not offered for review.
    lib.delete_images(std::slice::from_ref(&original)).unwrap();
    let groups = lib.near_duplicates(5).unwrap();
    assert_eq!(groups[0].ids.len(), 3);
}

#[test]
fn images_stored_before_hashes_are_hashed_in_steps() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let a = library_support::store(
        &lib,
        "a",
        &library_support::encode(&picture(1.0, 128), ImageFormat::Png),
    );
    let b = library_support::store(
        &lib,
        "b",
        &library_support::encode(&picture(1.0, 128), ImageFormat::Jpeg),
    );
    library_support::store(
        &lib,
        "c",
        &library_support::encode(&picture(3.0, 128), ImageFormat::Png),
    );
    // As an older version left them: no hashes.
    rusqlite::Connection::open(dir.path().join(DB_FILE))
        .unwrap()
        .execute("UPDATE images SET dhash = NULL", [])
        .unwrap();
    assert!(lib.near_duplicates(5).unwrap().is_empty());
    let mut after = 0;
    let mut steps = 0;
    while let Some(next) = lib.hash_unhashed_images(after, 1).unwrap().next_after {
        after = next;
        steps += 1;
    }
    assert_eq!(steps, 3, "one image per step");
    let groups = lib.near_duplicates(5).unwrap();
    assert_eq!(groups.len(), 1);
    let mut ids = groups[0].ids.clone();
    ids.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(ids, expected);
}

#![allow(clippy::unwrap_used)]

use crate::library_support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use easel_core::Error;
use easel_core::library::{
    GenerationDone, GenerationStatus, ImageFormat, Library, ListQuery, NewImage, SortOrder,
    ThumbSize,
};
use easel_core::license::{CommercialUse, snapshot_for};
use library_support::{files_under, jpeg, png, png_claiming, request, store};

fn all_ids(lib: &Library, q: &ListQuery) -> Vec<String> {
    let mut q = q.clone();
    let mut out = Vec::new();
    loop {
        let page = lib.list(&q).unwrap();
        let limit = if q.limit == 0 { 100 } else { q.limit.min(500) };
        assert!(page.images.len() <= limit as usize);
        out.extend(page.images.into_iter().map(|i| i.id));
        match page.next {
            Some(next) => q.cursor = Some(next),
            None => return out,
        }
    }
}

fn text(s: &str) -> ListQuery {
    ListQuery {
        text: Some(s.into()),
        limit: 50,
        ..Default::default()
    }
}

#[test]
fn store_list_show_search_favorite_delete_restore() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let req = request("A watercolour fox, in the snow — \"winter\" edition");
    let generation = lib.create_generation(&req).unwrap();
    assert_eq!(
        lib.generation(&generation).unwrap().status,
        GenerationStatus::Running
    );
    let bytes = png(300, 200, 7);
    let stored = lib
        .store_image(NewImage {
            generation_id: &generation,
            index: 0,
            bytes: &bytes,
            revised_prompt: Some("A soft watercolour painting of a red fox".into()),
            seed: Some(42),
            license: snapshot_for("openai", "gpt-image-1"),
            facts: Default::default(),
        })
        .unwrap();
    lib.finish_generation(
        &generation,
        &GenerationDone {
            request_id: Some("req_123".into()),
            usage: Some(serde_json::json!({"total_tokens": 10})),
        },
    )
    .unwrap();
    let other = store(&lib, "a lighthouse on a cliff", &jpeg(64, 64));

    // list
    let page = lib.list(&ListQuery::default()).unwrap();
    assert_eq!(page.images.len(), 2);
    assert!(page.next.is_none());
    assert_eq!(page.images[0].id, other, "newest first");
    let s = &page.images[1];
    assert_eq!((s.width, s.height, s.format), (300, 200, ImageFormat::Png));
    assert_eq!(s.commercial_use, CommercialUse::Conditional);
    assert_eq!(
        std::fs::read(&s.path).unwrap(),
        bytes,
        "original is exactly the input"
    );

    // detail
    let d = lib.image(&stored.summary.id).unwrap();
    assert_eq!(d, stored.clone().with_status(GenerationStatus::Succeeded));
    assert_eq!(d.seed, Some(42));
    assert_eq!(d.request_id.as_deref(), Some("req_123"));
    assert_eq!(d.params.size.as_deref(), Some("1024x1024"));
    assert_eq!(d.sha256, easel_core::library::sha256_hex(&bytes));
    assert_eq!(d.byte_size, bytes.len() as u64);
    assert_eq!(d.usage, Some(serde_json::json!({"total_tokens": 10})));
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["generation_status"], "succeeded");
    assert_eq!(json["commercial_use"], "conditional");
    assert_eq!(json["license"]["id"], "openai-images");
    let g = lib.generation(&generation).unwrap();
    assert_eq!(g.image_ids, vec![d.summary.id.clone()]);
    assert!(g.finished_at.is_some());

    // search: prompt, revised prompt, prefix, and hostile input
    let fox = d.summary.id.clone();
    assert_eq!(all_ids(&lib, &text("fox")), vec![fox.clone()]);
    assert_eq!(
        all_ids(&lib, &text("painting")),
        vec![fox.clone()],
        "revised prompt is searched"
    );
    assert_eq!(
        all_ids(&lib, &text("waterc")),
        vec![fox.clone()],
        "last term is a prefix"
    );
    assert_eq!(
        all_ids(&lib, &text("w")),
        Vec::<String>::new(),
        "one letter is matched whole, not as a prefix"
    );
    assert_eq!(all_ids(&lib, &text("wa")), vec![fox.clone()]);
    assert_eq!(
        all_ids(&lib, &text("w*")),
        vec![fox.clone()],
        "unless starred"
    );
    assert_eq!(all_ids(&lib, &text("cliff a")), vec![other.clone()]);
    assert_eq!(all_ids(&lib, &text("light* cliff")), vec![other.clone()]);
    assert_eq!(
        all_ids(&lib, &text("fox lighthouse")),
        Vec::<String>::new(),
        "terms are ANDed"
    );
    assert_eq!(all_ids(&lib, &text("LIGHTHOUSE")), vec![other.clone()]);
    for hostile in [
        "\"",
        "fox\"",
        "\"winter\"",
        "a AND (",
        "NEAR(fox",
        "col:fox",
        "-fox",
        "*",
        "fox OR",
        "'; DROP TABLE images; --",
        "^fox",
        "ünïcödé",
    ] {
        // Any text is safe: a page, or (unclosed quote, unknown key) an error that says
        // where, never a database error.
        if let Err(e) = lib.list(&text(hostile)) {
            assert_eq!(e.code(), "invalid_input", "{hostile:?}: {e}");
        }
    }
    assert_eq!(all_ids(&lib, &text("\"winter\"")), vec![fox.clone()]);

    // filters
    let q = ListQuery {
        model: Some("gpt-image-1".into()),
        commercial_only: true,
        ..Default::default()
    };
    assert_eq!(all_ids(&lib, &q).len(), 2);
    let q = ListQuery {
        model: Some("dall-e-3".into()),
        ..Default::default()
    };
    assert!(all_ids(&lib, &q).is_empty());
    let q = ListQuery {
        since: Some("2999-01-01T00:00:00Z".into()),
        ..Default::default()
    };
    assert!(all_ids(&lib, &q).is_empty());
    let q = ListQuery {
        until: Some("2999-01-01T00:00:00+02:00".into()),
        ..Default::default()
    };
    assert_eq!(all_ids(&lib, &q).len(), 2);
    let q = ListQuery {
        since: Some("yesterday".into()),
        ..Default::default()
    };
    assert_eq!(lib.list(&q).unwrap_err().code(), "invalid_input");
    let q = ListQuery {
        cursor: Some("not a cursor".into()),
        ..Default::default()
    };
    assert_eq!(lib.list(&q).unwrap_err().code(), "invalid_input");

    // favourite
    lib.set_favorite(&fox, true).unwrap();
    assert!(lib.image(&fox).unwrap().summary.favorite);
    let favs = ListQuery {
        favorites_only: true,
        ..Default::default()
    };
    assert_eq!(all_ids(&lib, &favs), vec![fox.clone()]);
    assert_eq!(
        lib.set_favorite("nope", true).unwrap_err().code(),
        "not_found"
    );

    // delete / restore
    lib.delete_images(std::slice::from_ref(&fox)).unwrap();
    assert_eq!(lib.image(&fox).unwrap_err().code(), "not_found");
    assert_eq!(lib.original_path(&fox).unwrap_err().code(), "not_found");
    assert_eq!(all_ids(&lib, &ListQuery::default()), vec![other.clone()]);
    assert!(all_ids(&lib, &text("fox")).is_empty());
    assert_eq!(
        lib.delete_images(&[other.clone(), "missing".into()])
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        all_ids(&lib, &ListQuery::default()),
        vec![other.clone()],
        "all or nothing"
    );
    lib.restore_images(&[fox.clone(), fox.clone()]).unwrap();
    assert!(lib.image(&fox).unwrap().summary.favorite);
    assert_eq!(all_ids(&lib, &text("fox")), vec![fox.clone()]);
}

trait WithStatus {
    fn with_status(self, s: GenerationStatus) -> Self;
}
impl WithStatus for easel_core::library::ImageDetail {
    fn with_status(mut self, s: GenerationStatus) -> Self {
        self.generation_status = s;
        self.request_id = Some("req_123".into());
        self.usage = Some(serde_json::json!({"total_tokens": 10}));
        self
    }
}

#[test]
fn paging_returns_every_row_once_in_order_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let tiny = png(4, 4, 0);
    let mut stored = Vec::new();
    for i in 0..23 {
        let word = if i % 2 == 0 { "even" } else { "odd" };
        stored.push(store(&lib, &format!("picture {i} {word}"), &tiny));
    }
    // uuid v7 ids within one process are increasing, and created_at never goes backwards,
    // so store order is the list order.
    for limit in [1, 5, 7, 23, 500] {
        let newest = all_ids(
            &lib,
            &ListQuery {
                limit,
                ..Default::default()
            },
        );
        let mut expected = stored.clone();
        expected.reverse();
        assert_eq!(newest, expected, "limit {limit}");
        let oldest = all_ids(
            &lib,
            &ListQuery {
                limit,
                order: SortOrder::OldestFirst,
                ..Default::default()
            },
        );
        assert_eq!(oldest, stored, "limit {limit}");
    }
    let even: Vec<String> = stored.iter().step_by(2).cloned().collect();
    let q = ListQuery {
        text: Some("even".into()),
        limit: 4,
        order: SortOrder::OldestFirst,
        ..Default::default()
    };
    assert_eq!(all_ids(&lib, &q), even);
    let unique: HashSet<_> = stored.iter().collect();
    assert_eq!(unique.len(), 23);
    // limit is clamped, never unbounded
    let page = lib
        .list(&ListQuery {
            limit: 100_000,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.images.len(), 23);
}

#[test]
fn identical_bytes_share_one_file_and_thumbnails_are_right() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let bytes = png(1000, 400, 3);
    let a = store(&lib, "first", &bytes);
    let b = store(&lib, "second", &bytes);
    assert_ne!(a, b);
    let (pa, pb) = (
        lib.original_path(&a).unwrap(),
        lib.original_path(&b).unwrap(),
    );
    assert_eq!(pa, pb);
    let sha = easel_core::library::sha256_hex(&bytes);
    assert_eq!(
        pa,
        dir.path()
            .canonicalize()
            .unwrap()
            .join("originals")
            .join(&sha[0..2])
            .join(&sha[2..4])
            .join(format!("{sha}.png"))
    );
    assert_eq!(files_under(&dir.path().join("originals")).len(), 1);
    assert_eq!(std::fs::read(&pa).unwrap(), bytes);

    for (size, expected) in [
        (ThumbSize::Small, (256, 102)),
        (ThumbSize::Large, (768, 307)),
    ] {
        let path = lib.thumbnail_path(&a, size).unwrap();
        let thumb = image::open(&path).unwrap();
        assert_eq!((thumb.width(), thumb.height()), expected, "{size:?}");
        assert_eq!(
            image::guess_format(&std::fs::read(&path).unwrap()).unwrap(),
            image::ImageFormat::Jpeg
        );
    }
    // Smaller originals are not upscaled.
    let small = store(&lib, "small", &jpeg(100, 300));
    for size in [ThumbSize::Small, ThumbSize::Large] {
        let thumb = image::open(lib.thumbnail_path(&small, size).unwrap()).unwrap();
        let expected = if size == ThumbSize::Small {
            (85, 256)
        } else {
            (100, 300)
        };
        assert_eq!((thumb.width(), thumb.height()), expected);
    }

    // Thumbnails come back after being deleted: on request, and by rebuild.
    let thumbs_dir = dir.path().join("thumbs");
    let before = files_under(&thumbs_dir).len();
    assert_eq!(before, 4);
    std::fs::remove_dir_all(&thumbs_dir).unwrap();
    let p = lib.thumbnail_path(&b, ThumbSize::Large).unwrap();
    assert!(p.is_file());
    assert_eq!(lib.rebuild_thumbnails().unwrap(), 2);
    assert_eq!(files_under(&thumbs_dir).len(), 4);
    for f in files_under(&thumbs_dir) {
        image::open(&f).unwrap();
    }
}

#[test]
fn transparent_pixels_do_not_bleed_into_thumbnails() {
    // Fully transparent red next to opaque green: with premultiplied resizing no red may
    // appear; the transparent half shows the neutral grey background.
    let img = image::RgbaImage::from_fn(1024, 1024, |x, _| {
        if x < 512 {
            image::Rgba([255, 0, 0, 0])
        } else {
            image::Rgba([0, 200, 0, 255])
        }
    });
    let bytes = library_support::encode(
        &image::DynamicImage::ImageRgba8(img),
        image::ImageFormat::Png,
    );
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let id = store(&lib, "half transparent", &bytes);
    let thumb = image::open(lib.thumbnail_path(&id, ThumbSize::Small).unwrap())
        .unwrap()
        .to_rgb8();
    let left = thumb.get_pixel(10, 128).0;
    let edge = thumb.get_pixel(127, 128).0;
    assert!(
        left.iter().all(|c| (120..=136).contains(c)),
        "background grey, got {left:?}"
    );
    assert!(edge[0] < 150, "red bled into the edge: {edge:?}");
}

#[test]
fn huge_header_is_refused_fast_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let generation = lib.create_generation(&request("huge")).unwrap();
    let license = snapshot_for("openai", "gpt-image-1");
    for (w, h) in [(200_000, 200_000), (100_000, 10), (16_384, 16_384)] {
        let bytes = png_claiming(w, h);
        let started = Instant::now();
        let err = lib
            .store_image(NewImage {
                generation_id: &generation,
                index: 0,
                bytes: &bytes,
                revised_prompt: None,
                seed: None,
                license: license.clone(),
                facts: Default::default(),
            })
            .unwrap_err();
        assert!(
            started.elapsed() < Duration::from_millis(200),
            "took {:?}",
            started.elapsed()
        );
        match err {
            Error::ImageTooLarge { width, height, .. } => {
                assert_eq!((width, height), (w as u64, h as u64))
            }
            other => panic!("{w}x{h}: {other:?}"),
        }
    }
    for junk in [
        &b""[..],
        b"hello, I am not an image",
        &[0u8; 4096],
        b"\x89PNG\r\n\x1a\n garbage after the magic",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    ] {
        let err = lib
            .store_image(NewImage {
                generation_id: &generation,
                index: 0,
                bytes: junk,
                revised_prompt: None,
                seed: None,
                license: license.clone(),
                facts: Default::default(),
            })
            .unwrap_err();
        assert_eq!(err.code(), "not_an_image", "{junk:?}: {err}");
    }
    // A real image with a lying extension is still stored by what it is.
    let jpg = jpeg(32, 32);
    let rec = lib
        .store_image(NewImage {
            generation_id: &generation,
            index: 0,
            bytes: &jpg,
            revised_prompt: None,
            seed: None,
            license: license.clone(),
            facts: Default::default(),
        })
        .unwrap();
    assert_eq!(rec.summary.format, ImageFormat::Jpeg);
    assert!(rec.summary.path.ends_with(".jpg"));
    assert_eq!(
        files_under(&dir.path().join("originals")).len(),
        1,
        "only the real image was written"
    );
    // Same index twice is refused, not duplicated.
    let again = lib
        .store_image(NewImage {
            generation_id: &generation,
            index: 0,
            bytes: &jpg,
            revised_prompt: None,
            seed: None,
            license,
            facts: Default::default(),
        })
        .unwrap_err();
    assert_eq!(again.code(), "invalid_input");
}

#[test]
fn generation_lifecycle_and_unknown_ids() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let a = lib.create_generation(&request("a")).unwrap();
    lib.fail_generation(&a, &Error::Cancelled).unwrap();
    let g = lib.generation(&a).unwrap();
    assert_eq!(g.status, GenerationStatus::Cancelled);
    assert_eq!(g.error_code.as_deref(), Some("cancelled"));
    assert_eq!(
        lib.finish_generation(&a, &Default::default())
            .unwrap_err()
            .code(),
        "invalid_input"
    );

    let b = lib.create_generation(&request("b")).unwrap();
    lib.fail_generation(
        &b,
        &Error::RejectedBySafety {
            message: "no".into(),
        },
    )
    .unwrap();
    let g = lib.generation(&b).unwrap();
    assert_eq!(
        (g.status, g.error_code.as_deref()),
        (GenerationStatus::Failed, Some("rejected_by_safety"))
    );
    assert!(g.error_message.unwrap().contains("Rephrase"));

    assert_eq!(lib.generation("nope").unwrap_err().code(), "not_found");
    assert_eq!(lib.image("nope").unwrap_err().code(), "not_found");
    assert_eq!(
        lib.finish_generation(&"nope".to_string(), &Default::default())
            .unwrap_err()
            .code(),
        "not_found"
    );
    let err = lib
        .store_image(NewImage {
            generation_id: "nope",
            index: 0,
            bytes: &png(8, 8, 1),
            revised_prompt: None,
            seed: None,
            license: snapshot_for("openai", "dall-e-3"),
            facts: Default::default(),
        })
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    assert!(files_under(&dir.path().join("originals")).is_empty());

    // Still running at open: interrupted, not re-sent.
    let c = lib.create_generation(&request("c")).unwrap();
    drop(lib);
    let lib = Library::open(dir.path()).unwrap();
    assert_eq!(lib.sweep_report().generations_interrupted, 1);
    assert_eq!(
        lib.generation(&c).unwrap().status,
        GenerationStatus::Interrupted
    );
}

#[test]
fn purge_removes_old_deleted_rows_and_unshared_files() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let shared = png(40, 40, 1);
    let a = store(&lib, "shared one", &shared);
    let b = store(&lib, "shared two", &shared);
    let c = store(&lib, "alone", &png(40, 40, 2));
    let path_a = lib.original_path(&a).unwrap();
    let path_c = lib.original_path(&c).unwrap();
    lib.delete_images(&[a.clone(), c.clone()]).unwrap();
    assert_eq!(
        lib.purge_deleted(Duration::from_secs(3600)).unwrap(),
        0,
        "too recent"
    );
    assert_eq!(lib.purge_deleted(Duration::ZERO).unwrap(), 2);
    assert!(path_a.is_file(), "still used by b");
    assert!(!path_c.exists());
    assert_eq!(files_under(&dir.path().join("thumbs")).len(), 2);
    assert_eq!(
        lib.restore_images(std::slice::from_ref(&a))
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(all_ids(&lib, &text("alone")), Vec::<String>::new());
    assert_eq!(all_ids(&lib, &ListQuery::default()), vec![b]);
    let stats = lib.stats().unwrap();
    assert_eq!(
        (
            stats.images,
            stats.deleted,
            stats.favorites,
            stats.generations
        ),
        (1, 0, 0, 3)
    );
    assert_eq!(stats.original_bytes, shared.len() as u64);
    lib.check_integrity().unwrap();
}

#[test]
fn a_second_process_style_open_shares_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let first = Library::open(dir.path()).unwrap();
    let running = first.create_generation(&request("in flight")).unwrap();
    // Another open while the first is live must not treat its work as crash debris.
    let second = Library::open(dir.path()).unwrap();
    assert_eq!(second.sweep_report().generations_interrupted, 0);
    assert_eq!(
        second.generation(&running).unwrap().status,
        GenerationStatus::Running
    );
    let id = store(&second, "from the second", &png(16, 16, 9));
    assert_eq!(first.image(&id).unwrap().summary.prompt, "from the second");
}

#[test]
fn search_paging_is_exact_with_many_and_few_matches() {
    // Over 500 matches the search walks the time index instead of looking matches up; both
    // ways must page identically.
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let tiny = png(4, 4, 0);
    let mut stored = Vec::new();
    for i in 0..540 {
        let extra = if i % 3 == 0 { "rare" } else { "plain" };
        stored.push(store(&lib, &format!("common picture {i} {extra}"), &tiny));
    }
    let rare: Vec<String> = stored.iter().step_by(3).cloned().collect();
    for (term, expected) in [("common", &stored), ("rare", &rare), ("comm", &stored)] {
        for order in [SortOrder::NewestFirst, SortOrder::OldestFirst] {
            let q = ListQuery {
                text: Some(term.into()),
                limit: 37,
                order,
                ..Default::default()
            };
            let mut want = expected.clone();
            if order == SortOrder::NewestFirst {
                want.reverse();
            }
            assert_eq!(all_ids(&lib, &q), want, "{term} {order:?}");
        }
    }
    // Deleted rows drop out of both plans.
    lib.delete_images(&stored[..3]).unwrap();
    let q = ListQuery {
        text: Some("common".into()),
        limit: 500,
        ..Default::default()
    };
    assert_eq!(all_ids(&lib, &q).len(), 537);
    let q = ListQuery {
        text: Some("rare".into()),
        limit: 500,
        ..Default::default()
    };
    assert_eq!(all_ids(&lib, &q).len(), 179);
}

#[test]
fn webp_and_jpeg_are_kept_as_they_are_and_damaged_copies_are_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let img = image::DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
        50,
        20,
        image::Rgba([10, 20, 30, 128]),
    ));
    let webp = library_support::encode(&img, image::ImageFormat::WebP);
    let id = store(&lib, "webp", &webp);
    let d = lib.image(&id).unwrap();
    assert_eq!(
        (d.summary.format, d.summary.width, d.summary.height),
        (ImageFormat::Webp, 50, 20)
    );
    assert!(d.summary.path.ends_with(".webp"));
    assert_eq!(std::fs::read(&d.summary.path).unwrap(), webp);

    // Damage the stored copy (same length); storing the same bytes again repairs it.
    let mut damaged = webp.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 0xff;
    std::fs::write(&d.summary.path, &damaged).unwrap();
    store(&lib, "webp again", &webp);
    assert_eq!(std::fs::read(&d.summary.path).unwrap(), webp);
}

#[test]
fn concurrent_stores_from_many_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Library>();
    let dir = tempfile::tempdir().unwrap();
    let lib = std::sync::Arc::new(Library::open(dir.path()).unwrap());
    let threads: Vec<_> = (0..4u32)
        .map(|t| {
            let lib = lib.clone();
            std::thread::spawn(move || {
                (0..6u32)
                    .map(|i| store(&lib, &format!("thread {t} image {i}"), &png(24, 24, i % 3)))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    ids.sort();
    let mut listed = all_ids(
        &lib,
        &ListQuery {
            limit: 7,
            ..Default::default()
        },
    );
    listed.sort();
    assert_eq!(listed, ids);
    assert_eq!(
        files_under(&dir.path().join("originals")).len(),
        3,
        "three distinct images"
    );
    for id in &ids {
        assert!(lib.original_path(id).unwrap().is_file());
        assert!(lib.thumbnail_path(id, ThumbSize::Small).unwrap().is_file());
    }
}

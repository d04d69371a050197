//! Import benchmark: makes COUNT (default 1,000) realistic 1024x1024 PNGs (smooth gradients,
//! shapes and grain, so they compress like generated images: about 1.5-2 MB each), imports
//! the folder into a fresh library, and times libvips' `vipsthumbnail` (Debian's
//! libvips-tools) making the same two thumbnail sizes (256 and 768 px JPEG, quality 85) of
//! the same files, one process per size running side by side (both cores, as import uses).
//! Prints the figures and the ratio. The machine's speed drifts: compare within one run.
//!
//!     cargo run --release -p easel-core --example import_bench -- [COUNT] [WORK_DIR]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use easel_core::import::{ImportRequest, run};
use easel_core::library::Library;
use tokio_util::sync::CancellationToken;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: u32 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1000);
    let work = match args.next() {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir().join("easel-import-bench"),
    };
    let sources = work.join("sources");
    std::fs::create_dir_all(&sources)?;
    let made = Instant::now();
    let bytes = make_sources(&sources, count)?;
    println!(
        "sources: {count} PNGs, 1024x1024, {:.2} MB average (made or reused in {:.1} s)",
        bytes as f64 / f64::from(count) / 1e6,
        made.elapsed().as_secs_f64()
    );

    let library_dir = work.join("library");
    let _ = std::fs::remove_dir_all(&library_dir);
    let library = Library::open(&library_dir)?;
    let started = Instant::now();
    let summary = run(
        &library,
        &ImportRequest {
            paths: vec![sources.clone()],
            recursive: false,
        },
        &|_| {},
        &CancellationToken::new(),
    )?;
    let easel = started.elapsed().as_secs_f64();
    assert_eq!(
        summary.imported.len() as u32,
        count,
        "{:?}",
        summary.unreadable
    );
    println!(
        "easel import: {easel:.2} s, {:.1} ms per image (decode, 256 + 768 px thumbnails, sha256, \
         metadata, original + thumbnails written atomically, one row each)",
        easel * 1000.0 / f64::from(count)
    );
    let rerun = Instant::now();
    let again = run(
        &library,
        &ImportRequest {
            paths: vec![sources.clone()],
            recursive: false,
        },
        &|_| {},
        &CancellationToken::new(),
    )?;
    println!(
        "easel re-run (all already imported): {:.2} s for {} files",
        rerun.elapsed().as_secs_f64(),
        again.duplicates.len()
    );

    let thumbs = work.join("vips");
    let _ = std::fs::remove_dir_all(&thumbs);
    std::fs::create_dir_all(&thumbs)?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&sources)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let started = Instant::now();
    let children: Vec<_> = [256, 768]
        .iter()
        .map(|size| {
            Command::new("vipsthumbnail")
                .arg("--size")
                .arg(size.to_string())
                .arg("-o")
                .arg(thumbs.join(format!("%s_{size}.jpg[Q=85]")))
                .args(&files)
                .spawn()
        })
        .collect::<Result<_, _>>()
        .map_err(|e| format!("vipsthumbnail could not run ({e}): apt-get install libvips-tools"))?;
    for child in children {
        let status = child.wait_with_output()?.status;
        if !status.success() {
            return Err(format!("vipsthumbnail failed: {status}").into());
        }
    }
    let vips = started.elapsed().as_secs_f64();
    println!(
        "vipsthumbnail, 256 and 768 px side by side: {vips:.2} s, {:.1} ms per image",
        vips * 1000.0 / f64::from(count)
    );
    println!("ratio easel / vipsthumbnail: {:.2}", easel / vips);
    stages(&files[..files.len().min(20)], &work)?;
    Ok(())
}

/// Where one image's import time goes, each part timed alone on one thread (the import runs
/// them on every core at once, so its wall time per image is below their sum).
fn stages(files: &[PathBuf], work: &Path) -> Result<(), Box<dyn std::error::Error>> {
    use easel_core::library::{ThumbSize, decode_image, render_thumbnail, sha256_hex};
    let mut totals = [0f64; 10];
    let probe_file = work.join("fsync-probe.bin");
    for path in files {
        let bytes = std::fs::read(path)?;
        let mut time = |slot: usize, f: &mut dyn FnMut()| {
            let t = Instant::now();
            f();
            totals[slot] += t.elapsed().as_secs_f64() * 1000.0;
        };
        time(0, &mut || {
            let _ = decode_image(&bytes);
        });
        time(1, &mut || {
            let _ = render_thumbnail(&bytes, ThumbSize::Small);
        });
        time(2, &mut || {
            let _ = render_thumbnail(&bytes, ThumbSize::Large);
        });
        time(3, &mut || {
            let _ = sha256_hex(&bytes);
        });
        time(4, &mut || {
            let _ = easel_core::provenance::read(&bytes);
        });
        time(5, &mut || {
            let _ =
                easel_core::import::embedded::read(&bytes, easel_core::library::ImageFormat::Png);
        });
        if let Ok((_, image)) = decode_image(&bytes) {
            time(7, &mut || {
                let _ = easel_core::library::dhash(&image);
            });
            // The thumbnails' JPEG encoder against the `image` crate's, on the same 768 px pixels.
            let rgb = image
                .resize_exact(768, 768, image::imageops::FilterType::Triangle)
                .to_rgb8();
            time(8, &mut || {
                let mut out = Vec::new();
                let _ = jpeg_encoder::Encoder::new(&mut out, 85).encode(
                    rgb.as_raw(),
                    768,
                    768,
                    jpeg_encoder::ColorType::Rgb,
                );
            });
            time(9, &mut || {
                let mut out = Vec::new();
                let _ = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
                    .encode_image(&rgb);
            });
        }
        time(6, &mut || {
            use std::io::Write;
            if let Ok(mut f) = std::fs::File::create(&probe_file) {
                let _ = f.write_all(&bytes);
                let _ = f.sync_all();
            }
        });
    }
    let _ = std::fs::remove_file(&probe_file);
    let n = files.len() as f64;
    let decode = totals[0] / n;
    println!(
        "where the time goes, per image over {} files, one thread:",
        files.len()
    );
    println!("  decode (PNG): {decode:.1} ms");
    println!(
        "  256 px thumbnail (resize + JPEG), after decode: {:.1} ms",
        totals[1] / n - decode
    );
    println!(
        "  768 px thumbnail (resize + JPEG), after decode: {:.1} ms",
        totals[2] / n - decode
    );
    println!("  sha256: {:.1} ms", totals[3] / n);
    println!("  Content Credentials read: {:.2} ms", totals[4] / n);
    println!("  embedded metadata read: {:.2} ms", totals[5] / n);
    println!("  perceptual hash: {:.1} ms", totals[7] / n);
    println!(
        "  768 px JPEG encode alone: jpeg-encoder {:.1} ms, image crate {:.1} ms",
        totals[8] / n,
        totals[9] / n
    );
    println!("  original written + fsync: {:.1} ms", totals[6] / n);
    Ok(())
}

/// Writes the sources unless a previous run left them; returns their total size.
fn make_sources(dir: &Path, count: u32) -> Result<u64, Box<dyn std::error::Error>> {
    let next = std::sync::atomic::AtomicU32::new(0);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= count {
                        return;
                    }
                    let path = dir.join(format!("{i:05}.png"));
                    if path.is_file() {
                        continue;
                    }
                    let mut out = std::io::Cursor::new(Vec::new());
                    if picture(i)
                        .write_to(&mut out, image::ImageFormat::Png)
                        .is_ok()
                    {
                        let _ = std::fs::write(&path, out.into_inner());
                    }
                }
            });
        }
    });
    let mut total = 0;
    for i in 0..count {
        total += std::fs::metadata(dir.join(format!("{i:05}.png")))?.len();
    }
    Ok(total)
}

/// A smooth scene (gradient sky, a sun, rolling hills) with film grain: like a generated
/// image, it neither compresses to nothing nor is pure noise.
fn picture(seed: u32) -> image::DynamicImage {
    let mut state = seed.wrapping_mul(2_654_435_761) | 1;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state % 13) as i32 - 6
    };
    let f = seed as f32 * 0.37;
    let (sun_x, sun_y) = (200.0 + (seed % 600) as f32, 150.0 + (seed % 200) as f32);
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(1024, 1024, |x, y| {
        let (xf, yf) = (x as f32, y as f32);
        let hill = 600.0 + 80.0 * ((xf / 170.0 + f).sin() + 0.5 * (xf / 61.0 - f).cos());
        let base = if yf > hill {
            let d = (yf - hill) / 424.0;
            [40.0 + 60.0 * d, 90.0 + 50.0 * (xf / 90.0).sin().abs(), 40.0]
        } else {
            let t = yf / hill;
            [30.0 + 180.0 * t, 60.0 + 120.0 * t, 160.0 + 60.0 * (1.0 - t)]
        };
        let sun = ((xf - sun_x).powi(2) + (yf - sun_y).powi(2)).sqrt();
        let glow = (1.0 - sun / 140.0).max(0.0) * 200.0;
        let mut px = |c: f32| (c + glow + noise() as f32).clamp(0.0, 255.0) as u8;
        image::Rgb([px(base[0]), px(base[1]), px(base[2] * 0.8)])
    }))
}

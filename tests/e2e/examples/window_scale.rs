//! The real window over a big library: start-up to the first thumbnails, scrolling frame
//! times, and the memory of the app and its web view while the grid is scrolled from the top
//! to the end. Prints figures; asserts nothing about time.
//!
//! Needs what `tests/e2e/run.sh` needs (a display, tauri-driver, the app built with the UI
//! embedded) and a library, e.g. one made by core's `library_scale` example:
//!
//! ```text
//! cargo run --release -p easel-core --example library_scale -- 1000000 /tmp/lib1m
//! xvfb-run -a -s "-screen 0 1440x960x24" dbus-run-session -- \
//!   cargo run -p easel-e2e --example window_scale -- /tmp/lib1m [--launches 5] [--scroll-limit-s 900]
//! ```
//! `EASEL_E2E_APP` picks the app binary (default `target/debug/easel`). The library is opened
//! in place (the app may upgrade it and runs its housekeeping).
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/common/window.rs"]
mod window;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::{Value, json};
use window::{Driver, click, wait_js, window_ready};

struct Options {
    library: PathBuf,
    launches: usize,
    scroll_limit: Duration,
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let mut o = Options {
        library: PathBuf::new(),
        launches: 5,
        scroll_limit: Duration::from_secs(900),
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--launches" => o.launches = args.next().and_then(|v| v.parse().ok()).unwrap_or(5),
            "--scroll-limit-s" => {
                o.scroll_limit =
                    Duration::from_secs(args.next().and_then(|v| v.parse().ok()).unwrap_or(900));
            }
            _ => o.library = PathBuf::from(a),
        }
    }
    assert!(
        o.library.join("easel.sqlite3").is_file(),
        "usage: window_scale LIBRARY_DIR [--launches N] [--scroll-limit-s S]"
    );
    o
}

/// Resident memory of the app and of its web view (WebKit's web process), in MiB.
fn memory(driver: &Driver) -> (f64, f64) {
    let (mut app, mut web) = (0u64, 0u64);
    for p in driver.group() {
        let name = p
            .exe
            .as_deref()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let rss = std::fs::read_to_string(format!("/proc/{}/status", p.pid))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            })
            .unwrap_or(0);
        if name == "easel" {
            app += rss;
        } else if name.starts_with("WebKitWebProcess") {
            web += rss;
        }
    }
    (app as f64 / 1024.0, web as f64 / 1024.0)
}

/// Asks the kernel to forget cached file pages, so that a launch reads the library from disk;
/// false where that is not allowed (a container).
fn drop_page_cache() -> bool {
    // `sync` first, so that dirty pages can be dropped too.
    let _ = std::process::Command::new("sync").status();
    std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
}

struct Launch {
    ready: Duration,
    first_thumb_after_click: Duration,
    screen_after_click: Duration,
    first_thumb_from_launch: Duration,
    count: String,
}

/// Notes, on the page's own clock, when the grid's first thumbnail loads and when every tile
/// in view has its thumbnail: from the images' own load events, so the figures do not
/// depend on how often the benchmark asks.
const WATCH_THUMBS: &str = "window.__thumbs = { first: 0, screen: 0 };
    document.addEventListener('load', (e) => {
      const t = e.target;
      if (!(t instanceof HTMLImageElement) || t.closest(\"[data-testid='gallery-item']\") === null) return;
      const now = performance.now();
      if (!window.__thumbs.first) window.__thumbs.first = now;
      const imgs = [...document.querySelectorAll(\"[data-testid='gallery-item'] img\")];
      if (!window.__thumbs.screen && imgs.every(i => i.complete && i.naturalWidth > 0)) window.__thumbs.screen = now;
    }, true);";
/// The first thumbnail of the grid has loaded; its time on the page's own clock.
const FIRST_THUMB: &str = "return window.__thumbs.first;";
/// Every tile in view has its thumbnail.
const SCREEN_LOADED: &str = "return window.__thumbs.screen;";

async fn launch(library: &Path, profile: &Path) -> (Driver, Client, Launch) {
    let driver = Driver::start_with(
        profile,
        "http://127.0.0.1:9",
        &[("EASEL_DATA_DIR", library.display().to_string())],
    );
    let started = Instant::now();
    let c = driver.session().await;
    window_ready(&c).await;
    let ready = started.elapsed();
    c.execute(WATCH_THUMBS, vec![]).await.unwrap();
    let clicked_at: f64 = c
        .execute("return performance.now()", vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    let clicked = started.elapsed();
    click(&c, "nav-library").await;
    let first: f64 = wait_js(&c, "the first thumbnail", FIRST_THUMB, vec![])
        .await
        .as_f64()
        .unwrap();
    let screen: f64 = wait_js(&c, "a screen of thumbnails", SCREEN_LOADED, vec![])
        .await
        .as_f64()
        .unwrap();
    let count = wait_js(
        &c,
        "the match count",
        "const e = document.querySelector(\"[data-testid='library-count']\");
         return e && /\\d/.test(e.textContent) ? e.textContent.trim() : '';",
        vec![],
    )
    .await
    .as_str()
    .unwrap_or("")
    .to_owned();
    let ms = |v: f64| Duration::from_secs_f64((v.max(0.0)) / 1000.0);
    // The click came once the window was seen ready (asked every 100 ms), so this includes
    // up to that much waiting.
    let first_thumb_from_launch = clicked + ms(first - clicked_at);
    let l = Launch {
        ready,
        first_thumb_after_click: ms(first - clicked_at),
        screen_after_click: ms(screen - clicked_at),
        first_thumb_from_launch,
        count,
    };
    (driver, c, l)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Scrolls the grid by `step` px a frame for `seconds`; frame intervals in ms.
async fn scroll_frames(c: &Client, step: u32, seconds: f64) -> Value {
    c.execute_async(
        "const [step, seconds, done] = arguments;
         const el = document.querySelector(\"[data-testid='gallery']\");
         const times = [];
         const end = performance.now() + seconds * 1000;
         function frame(t) {
           times.push(t);
           el.scrollTop += step;
           if (t < end) requestAnimationFrame(frame);
           else {
             const gaps = times.slice(1).map((x, i) => x - times[i]).sort((a, b) => a - b);
             const at = (q) => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))];
             done({frames: gaps.length, median: at(0.5), p95: at(0.95), max: gaps[gaps.length - 1],
                   over20: gaps.filter((g) => g > 20).length, scrolled: el.scrollTop});
           }
         }
         requestAnimationFrame(frame);",
        vec![json!(step), json!(seconds)],
    )
    .await
    .unwrap()
}

/// How far down the list the grid shows (the highest position of a rendered tile), and how
/// many summaries the web view holds.
async fn position(c: &Client) -> (u64, u64) {
    let v = c
        .execute(
            "const g = document.querySelector(\"[data-testid='gallery']\");
             const idx = [...g.querySelectorAll('[data-index]')].map((e) => +e.dataset.index);
             return [idx.length ? Math.max(...idx) : 0, +(g.dataset.loaded || 0)];",
            vec![],
        )
        .await
        .unwrap();
    (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0))
}

#[tokio::main]
async fn main() {
    let o = options();
    let profile = tempfile::tempdir().unwrap();
    let mut launches = Vec::new();
    for n in 0..o.launches {
        let cold = n == 0 && drop_page_cache();
        let (driver, c, l) = launch(&o.library, profile.path()).await;
        println!(
            "launch {}{}: window ready {:.0} ms; Library click → first thumbnail {:.0} ms, screen of thumbnails {:.0} ms; launch → first thumbnail {:.0} ms; header \"{}\"",
            n + 1,
            if cold { " (page cache dropped)" } else { "" },
            l.ready.as_secs_f64() * 1000.0,
            l.first_thumb_after_click.as_secs_f64() * 1000.0,
            l.screen_after_click.as_secs_f64() * 1000.0,
            l.first_thumb_from_launch.as_secs_f64() * 1000.0,
            l.count
        );
        launches.push(l);
        c.close().await.unwrap();
        driver.wait_app_exited();
    }
    let ms = |f: fn(&Launch) -> Duration| {
        median(
            launches
                .iter()
                .map(|l| f(l).as_secs_f64() * 1000.0)
                .collect(),
        )
    };
    println!(
        "BENCHMARK start-up, {} launches, median: window ready {:.0} ms; Library click → first thumbnail {:.0} ms, → screen of thumbnails {:.0} ms; launch → first thumbnail {:.0} ms",
        launches.len(),
        ms(|l| l.ready),
        ms(|l| l.first_thumb_after_click),
        ms(|l| l.screen_after_click),
        ms(|l| l.first_thumb_from_launch),
    );

    let (driver, c, _) = launch(&o.library, profile.path()).await;
    let (app, web) = memory(&driver);
    println!("memory at the top: app {app:.0} MiB, web view {web:.0} MiB");
    // The reference: the same window standing still, which shows what the display itself
    // allows (under Xvfb WebKit paints in software).
    for (step, what) in [
        (0, "reference: standing still"),
        (40, "wheel, 40 px a frame"),
        (400, "fling, 400 px a frame"),
    ] {
        let f = scroll_frames(&c, step, 5.0).await;
        println!(
            "BENCHMARK frames ({what}) for 5 s: {} frames, interval median {:.1} ms, p95 {:.1} ms, max {:.0} ms, {} over 20 ms",
            f["frames"],
            f["median"].as_f64().unwrap_or(f64::NAN),
            f["p95"].as_f64().unwrap_or(f64::NAN),
            f["max"].as_f64().unwrap_or(f64::NAN),
            f["over20"]
        );
    }

    // To the end: jump to the bottom of what the grid can scroll, again and again, so it
    // loads page after page as a user dragging down would.
    let started = Instant::now();
    let mut next_report = 0u64;
    let mut peak = (0f64, 0f64);
    let mut last = (0u64, Instant::now());
    loop {
        c.execute(
            "const g = document.querySelector(\"[data-testid='gallery']\"); g.scrollTop = g.scrollHeight;",
            vec![],
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        let (at, loaded) = position(&c).await;
        let (app, web) = memory(&driver);
        peak = (peak.0.max(app), peak.1.max(web));
        if at >= next_report {
            println!(
                "scrolled to image {at} after {:.0} s: {loaded} summaries held; app {app:.0} MiB, web view {web:.0} MiB",
                started.elapsed().as_secs_f64()
            );
            next_report = at + 50_000;
        }
        if at > last.0 {
            last = (at, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(20) {
            println!("the end: image {at} (no further for 20 s)");
            break;
        }
        if started.elapsed() > o.scroll_limit {
            println!("stopped at the time limit");
            break;
        }
    }
    let (at, loaded) = position(&c).await;
    let (app, web) = memory(&driver);
    println!(
        "BENCHMARK scrolled to image {at} in {:.0} s: {loaded} summaries held at the end; memory at the end app {app:.0} MiB, web view {web:.0} MiB; peak app {:.0} MiB, web view {:.0} MiB",
        started.elapsed().as_secs_f64(),
        peak.0,
        peak.1
    );
    c.close().await.unwrap();
}

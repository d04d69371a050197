//! The real window over a big library: start-up to the first thumbnails, scrolling frame
//! times, and, with the scroll bar dragged from the top to the end in even steps, how soon
//! each step's thumbnails show and the memory of the app and its web view. Prints figures;
//! asserts nothing about time.
//!
//! Needs what `tests/e2e/run.sh` needs (a display, tauri-driver, the app built with the UI
//! embedded) and a library, e.g. one made by core's `library_scale` example:
//!
//! ```text
//! cargo run --release -p easel-core --example library_scale -- 1000000 /tmp/lib1m
//! xvfb-run -a -s "-screen 0 1440x960x24" dbus-run-session -- \
//!   cargo run -p easel-e2e --example window_scale -- /tmp/lib1m [--launches 5] [--scroll-limit-s 900] [--drag-steps 200]
//! ```
//! `EASEL_E2E_APP` picks the app binary (default `target/debug/easel`). The library is opened
//! in place (the app may upgrade it and runs its housekeeping). `--launches N` starts the
//! window N + 1 times: once on Generate in a new profile (then the Library is clicked), then
//! N times reopening on the Library, where the first launch left it.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/common/window.rs"]
mod window;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::Client;
use serde_json::{Value, json};
use window::{Driver, click, wait_js, window_ready};

struct Options {
    library: PathBuf,
    launches: usize,
    /// Further launches, and bare windows, each after dropping the OS page cache.
    cold_launches: usize,
    scroll_limit: Duration,
    /// Positions of the scroll bar on its way from top to bottom.
    drag_steps: usize,
    /// Where to save screenshots of the window at the middle and at the end, if anywhere.
    shots: Option<PathBuf>,
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let mut o = Options {
        library: PathBuf::new(),
        launches: 5,
        cold_launches: 0,
        scroll_limit: Duration::from_secs(900),
        drag_steps: 200,
        shots: None,
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--launches" => o.launches = args.next().and_then(|v| v.parse().ok()).unwrap_or(5),
            "--cold-launches" => {
                o.cold_launches = args.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            }
            "--scroll-limit-s" => {
                o.scroll_limit =
                    Duration::from_secs(args.next().and_then(|v| v.parse().ok()).unwrap_or(900));
            }
            "--drag-steps" => {
                o.drag_steps = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(200)
                    .max(1);
            }
            "--shots" => o.shots = args.next().map(PathBuf::from),
            _ => o.library = PathBuf::from(a),
        }
    }
    assert!(
        o.library.join("easel.sqlite3").is_file(),
        "usage: window_scale LIBRARY_DIR [--launches N] [--cold-launches N] [--scroll-limit-s S] [--drag-steps N] [--shots DIR]"
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

/// The bare web view (`webview_floor`, built beside this example) with `args`: its last line
/// of output (the accessibility bus may print its own lines first), and when it was started.
fn run_floor(args: &[&str]) -> Option<(String, f64)> {
    let exe = std::env::current_exe()
        .ok()?
        .with_file_name("webview_floor");
    let launched = epoch_ms();
    let out = std::process::Command::new(exe).args(args).output().ok()?;
    let last = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next_back()?
        .to_owned();
    Some((last, launched))
}

/// ms from the bare web view's launch until its one image had loaded, less the time it spent
/// making the image; None when it is not built or could not start.
fn floor() -> Option<f64> {
    let (last, launched) = run_floor(&[])?;
    let (making, loaded) = last.trim().split_once(' ')?;
    let (making, loaded): (f64, f64) = (making.parse().ok()?, loaded.parse().ok()?);
    Some(loaded - launched - making)
}

/// When the app's process started, in ms since the Unix epoch (to the kernel's 10 ms tick):
/// the app is started by WebKitWebDriver, whose own start-up is not the app's.
fn app_started_epoch_ms(driver: &Driver) -> Option<f64> {
    let app = window::app_binary();
    let pid = driver
        .group()
        .into_iter()
        .find(|p| p.exe.as_deref() == Some(app.as_path()))?
        .pid;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) in parentheses; start time is the 22nd.
    let ticks: f64 = stat
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    // USER_HZ: 100 ticks a second in Linux's user-space ABI.
    Some(epoch_ms() - (uptime - ticks / 100.0) * 1000.0)
}

struct Launch {
    ready: Duration,
    /// From the app's process start: the page asked for, the bundle run, the Library's first
    /// page answered (the stages before the first thumbnail, from the page's own clock).
    stages: Stages,
    /// Set when the launch opened on Generate and the benchmark clicked the Library.
    click: Option<ClickFigures>,
    first_thumb_from_launch: Duration,
    count: String,
}

#[derive(Clone, Copy)]
struct Stages {
    page: f64,
    script: f64,
    first_page: f64,
}

struct ClickFigures {
    first_thumb: Duration,
    screen: Duration,
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
/// When the grid's first thumbnail loaded, in ms since the Unix epoch: the app's own mark,
/// set even before the benchmark could reach the page.
const FIRST_THUMB_MARK: &str = "const m = performance.getEntriesByName('easel:first-thumbnail')[0];
    return m ? performance.timeOrigin + m.startTime : 0;";
/// The start-up stages before it, in ms since the Unix epoch: the page asked for (the
/// navigation's start), the bundle run, and the Library's first page answered.
const STAGE_MARKS: &str = "const at = (n) => { const m = performance.getEntriesByName(n)[0];
      return m ? performance.timeOrigin + m.startTime : 0; };
    return [performance.timeOrigin, at('easel:script'), at('easel:first-page')];";

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Starts the app on `library`. A window that opens on Generate is sent to the Library; one
/// that reopens on the Library (where the last launch left it) is only watched.
async fn launch(library: &Path, profile: &Path) -> (Driver, Client, Launch) {
    let driver = Driver::start_with(
        profile,
        "http://127.0.0.1:9",
        &[("EASEL_DATA_DIR", library.display().to_string())],
    );
    let c = driver.session().await;
    let launched_at = app_started_epoch_ms(&driver).unwrap_or(f64::NAN);
    window_ready(&c).await;
    let ready = Duration::from_secs_f64((epoch_ms() - launched_at).max(0.0) / 1000.0);
    let on_library: bool = c
        .execute(
            "return document.querySelector(\"[data-testid='nav-library']\").getAttribute('aria-current') === 'page'",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap_or(false);
    let ms = |v: f64| Duration::from_secs_f64((v.max(0.0)) / 1000.0);
    let click = if on_library {
        None
    } else {
        c.execute(WATCH_THUMBS, vec![]).await.unwrap();
        let clicked_at: f64 = c
            .execute("return performance.now()", vec![])
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        click(&c, "nav-library").await;
        let first: f64 = wait_js(&c, "the first thumbnail", FIRST_THUMB, vec![])
            .await
            .as_f64()
            .unwrap();
        let screen: f64 = wait_js(&c, "a screen of thumbnails", SCREEN_LOADED, vec![])
            .await
            .as_f64()
            .unwrap();
        // The webview stores the page to reopen on within a second or so; a window closed
        // sooner would open on Generate again.
        tokio::time::sleep(Duration::from_secs(2)).await;
        Some(ClickFigures {
            first_thumb: ms(first - clicked_at),
            screen: ms(screen - clicked_at),
        })
    };
    let first_thumb_at: f64 = wait_js(&c, "the first thumbnail's mark", FIRST_THUMB_MARK, vec![])
        .await
        .as_f64()
        .unwrap();
    let stages: Vec<f64> = c
        .execute(STAGE_MARKS, vec![])
        .await
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let stage = |i: usize| {
        stages
            .get(i)
            .filter(|&&t| t > 0.0)
            .map_or(f64::NAN, |t| t - launched_at)
    };
    let stages = Stages {
        page: stage(0),
        script: stage(1),
        first_page: stage(2),
    };
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
    let l = Launch {
        ready,
        stages,
        click,
        // From the app's process start. Where the Library had to be clicked, this includes
        // waiting for the window to be seen ready (asked every 100 ms).
        first_thumb_from_launch: ms(first_thumb_at - launched_at),
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

/// Sets the grid's scroll bar at `fraction` of its length, then waits (up to 20 s) until
/// every tile in view shows its loaded thumbnail: how long that took, what is in view.
async fn drag_to(c: &Client, fraction: f64) -> Value {
    c.execute_async(
        "const [fraction, done] = arguments;
         const g = document.querySelector(\"[data-testid='gallery']\");
         const t0 = performance.now();
         g.scrollTop = Math.round((g.scrollHeight - g.clientHeight) * fraction);
         function check() {
           const box = g.getBoundingClientRect();
           const tiles = [...g.querySelectorAll('[data-index], [data-placeholder-index]')].filter((t) => {
             const r = t.getBoundingClientRect();
             return r.bottom > box.top + 1 && r.top < box.bottom - 1;
           });
           const idx = tiles.map((t) => +(t.dataset.index ?? t.dataset.placeholderIndex));
           const ready = tiles.length > 0 && tiles.every((t) => t.dataset.index !== undefined &&
             [...t.querySelectorAll('img')].every((i) => i.complete && i.naturalWidth > 0));
           const ms = performance.now() - t0;
           if (ready || ms > 20000) {
             done({ready, ms, first: Math.min(...idx), last: Math.max(...idx),
                   loaded: +(g.dataset.loaded || 0), total: +(g.dataset.total || 0)});
           } else requestAnimationFrame(check);
         }
         requestAnimationFrame(check);",
        vec![json!(fraction)],
    )
    .await
    .unwrap()
}

#[tokio::main]
async fn main() {
    let o = options();
    let profile = tempfile::tempdir().unwrap();
    // The floor: a bare WebKitGTK window showing one image, cold then warm.
    let floor_cold: Vec<f64> = (0..o.cold_launches.max(1))
        .filter_map(|_| drop_page_cache().then(floor).flatten())
        .collect();
    let floor_warm: Vec<f64> = (0..o.launches).filter_map(|_| floor()).collect();
    if floor_warm.is_empty() {
        println!(
            "(no reference: build it with `cargo build -p easel-e2e --example webview_floor`)"
        );
    } else {
        println!(
            "reference (a bare WebKitGTK window showing one image): launch → image loaded {:.0} ms warm (median of {}){}",
            median(floor_warm.clone()),
            floor_warm.len(),
            if floor_cold.is_empty() {
                String::new()
            } else {
                format!(
                    ", {:.0} ms with the page cache dropped (median of {})",
                    median(floor_cold.clone()),
                    floor_cold.len()
                )
            }
        );
    }

    // The first launch opens on Generate (a new profile) and is sent to the Library; the
    // others reopen there. The first of each kind, and `--cold-launches` more, start with the
    // OS page cache dropped.
    let mut reopened = Vec::new();
    let mut reopened_cold = Vec::new();
    let plan = (0..=o.launches)
        .map(|n| n <= 1)
        .chain(std::iter::repeat_n(true, o.cold_launches));
    for (n, want_cold) in plan.enumerate() {
        let cold = want_cold && drop_page_cache();
        let (driver, c, l) = launch(&o.library, profile.path()).await;
        let how = match &l.click {
            Some(f) => format!(
                "opened on Generate; Library click → first thumbnail {:.0} ms, screen of thumbnails {:.0} ms",
                f.first_thumb.as_secs_f64() * 1000.0,
                f.screen.as_secs_f64() * 1000.0
            ),
            None => "reopened on the Library".to_owned(),
        };
        println!(
            "launch {}{}: window ready {:.0} ms; {how}; launch → page asked for {:.0} ms, bundle run {:.0} ms, first page answered {:.0} ms, first thumbnail {:.0} ms; header \"{}\"",
            n + 1,
            if cold { " (page cache dropped)" } else { "" },
            l.ready.as_secs_f64() * 1000.0,
            l.stages.page,
            l.stages.script,
            l.stages.first_page,
            l.first_thumb_from_launch.as_secs_f64() * 1000.0,
            l.count
        );
        // The clicked launch's figures are in its line above; the summaries are of reopening.
        if l.click.is_none() {
            if cold {
                reopened_cold.push(l.first_thumb_from_launch.as_secs_f64() * 1000.0);
            } else {
                reopened.push(l);
            }
        }
        c.close().await.unwrap();
        driver.wait_app_exited();
    }
    let ms = |v: &[Launch], f: fn(&Launch) -> Duration| {
        median(v.iter().map(|l| f(l).as_secs_f64() * 1000.0).collect())
    };
    if !reopened.is_empty() {
        let stage = |f: fn(&Stages) -> f64| median(reopened.iter().map(|l| f(&l.stages)).collect());
        println!(
            "BENCHMARK start-up, reopening on the Library with the OS caches warm, median of {}: window ready {:.0} ms; launch → page asked for {:.0} ms, bundle run {:.0} ms, first page answered {:.0} ms, first thumbnail {:.0} ms",
            reopened.len(),
            ms(&reopened, |l| l.ready),
            stage(|s| s.page),
            stage(|s| s.script),
            stage(|s| s.first_page),
            ms(&reopened, |l| l.first_thumb_from_launch),
        );
    }
    if !reopened_cold.is_empty() {
        let app = median(reopened_cold.clone());
        println!(
            "BENCHMARK start-up, reopening on the Library with the OS page cache dropped, median of {}: launch → first thumbnail {app:.0} ms (max {:.0}){}",
            reopened_cold.len(),
            reopened_cold.iter().copied().fold(0.0, f64::max),
            if floor_cold.is_empty() {
                String::new()
            } else {
                let bare = median(floor_cold.clone());
                format!(
                    "; the bare WebKitGTK window {bare:.0} ms ({:.2}×)",
                    app / bare
                )
            }
        );
    }
    if !floor_warm.is_empty() && !reopened.is_empty() {
        let app = ms(&reopened, |l| l.first_thumb_from_launch);
        let bare = median(floor_warm.clone());
        println!(
            "BENCHMARK start-up against the bare WebKitGTK window, warm: {app:.0} ms / {bare:.0} ms = {:.2}×; Easel's own part {:.0} ms",
            app / bare,
            app - bare
        );
    }
    if reopened.is_empty() && reopened_cold.is_empty() {
        println!("(the window did not reopen on the Library: is the view remembered?)");
    }

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

    // The same scrolling in the bare web view, over a static page of image tiles.
    match run_floor(&["--scroll"]).and_then(|(last, _)| serde_json::from_str::<Value>(&last).ok()) {
        Some(Value::Array(runs)) => {
            for f in runs {
                println!(
                    "BENCHMARK reference frames (bare WebKitGTK, static grid of 2,000 image tiles, {} px a frame) for 5 s: {} frames, interval median {:.1} ms, p95 {:.1} ms, max {:.0} ms",
                    f["step"],
                    f["frames"],
                    f["median"].as_f64().unwrap_or(f64::NAN),
                    f["p95"].as_f64().unwrap_or(f64::NAN),
                    f["max"].as_f64().unwrap_or(f64::NAN),
                );
            }
        }
        _ => println!("(no reference frames: build webview_floor)"),
    }

    // End to end by the scroll bar: dragged down in even steps (each a jump, as a drag's
    // positions are), waiting at each for the thumbnails in view; memory sampled throughout.
    let started = Instant::now();
    let mut settle_ms = Vec::new();
    let mut peak = (0f64, 0f64);
    let mut plateau = (f64::INFINITY, 0f64);
    let mut last = Value::Null;
    for step in 0..=o.drag_steps {
        let v = drag_to(&c, step as f64 / o.drag_steps as f64).await;
        let (app, web) = memory(&driver);
        peak = (peak.0.max(app), peak.1.max(web));
        if step >= o.drag_steps / 10 {
            plateau = (plateau.0.min(web), plateau.1.max(web));
        }
        if let Some(ms) = v["ms"].as_f64() {
            settle_ms.push(ms);
        }
        if step % (o.drag_steps / 10).max(1) == 0 {
            println!(
                "bar at {:>3.0} %: images {}–{} in view after {:.0} ms{}; {} summaries held; app {app:.0} MiB, web view {web:.0} MiB",
                step as f64 * 100.0 / o.drag_steps as f64,
                v["first"],
                v["last"],
                v["ms"].as_f64().unwrap_or(f64::NAN),
                if v["ready"] == json!(true) {
                    ""
                } else {
                    " (NOT READY)"
                },
                v["loaded"]
            );
        }
        if let Some(dir) = &o.shots
            && (step * 2 == o.drag_steps || step == o.drag_steps)
        {
            let name = if step == o.drag_steps {
                "end"
            } else {
                "middle"
            };
            // Loaded is not yet painted (thumbnails decode off the main thread).
            tokio::time::sleep(Duration::from_millis(500)).await;
            let png = c.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("window-scale-{name}.png")), png).unwrap();
        }
        last = v;
        if started.elapsed() > o.scroll_limit {
            println!("stopped at the time limit");
            break;
        }
    }
    let total = last["total"].as_u64().unwrap_or(0);
    let mut sorted = settle_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let p95 = sorted
        .get(((sorted.len() as f64 * 0.95) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(f64::NAN);
    println!(
        "BENCHMARK scroll bar dragged end to end in {} steps, {:.0} s: a step's thumbnails in view loaded after median {:.0} ms, p95 {p95:.0} ms, max {:.0} ms; last image in view {} of {total} ({}); memory web view {:.0}–{:.0} MiB past the first tenth, peak app {:.0} MiB, web view {:.0} MiB",
        o.drag_steps,
        started.elapsed().as_secs_f64(),
        median(settle_ms.clone()),
        sorted.last().copied().unwrap_or(f64::NAN),
        last["last"],
        if last["last"].as_u64() == total.checked_sub(1) {
            "the end"
        } else {
            "SHORT OF THE END"
        },
        plateau.0,
        plateau.1,
        peak.0,
        peak.1
    );
    c.close().await.unwrap();
}

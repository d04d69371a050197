//! The floor under Easel's window: a bare WebKitGTK window (the web view Tauri uses on Linux,
//! with no Tauri, no app and no library). `window_scale` runs it beside the app; on its own:
//!
//! ```text
//! xvfb-run -a cargo run -p easel-e2e --example webview_floor            # start-up
//! xvfb-run -a cargo run -p easel-e2e --example webview_floor -- --scroll
//! ```
//! Start-up: shows one thumbnail-sized image, prints the ms it spent making that image (not
//! part of a web view's start-up) and the Unix time in ms at which the page, image included,
//! had loaded, and exits. `--scroll`: a static page of 2,000 image tiles laid
//! out as Easel's grid lays them out in a 1280×800 window, scrolled 5 s standing still, 5 s at
//! 40 px a frame and 5 s at 400 px a frame; prints the frame intervals as JSON and exits.
#![allow(clippy::print_stdout)]

use std::cell::Cell;
use std::io::Cursor;
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use gtk::prelude::*;
use webkit2gtk::{LoadEvent, WebView, WebViewExt};

/// A 256-pixel JPEG (Easel's small thumbnail) as a data URL; `n` varies the picture.
fn thumbnail(n: u32) -> String {
    let img = image::RgbImage::from_fn(256, 256, |x, y| {
        image::Rgb([(x + n * 37) as u8, (y + n * 11) as u8, (n * 53) as u8])
    });
    let mut jpeg = Cursor::new(Vec::new());
    if let Err(e) =
        image::DynamicImage::ImageRgb8(img).write_to(&mut jpeg, image::ImageFormat::Jpeg)
    {
        eprintln!("the test image could not be made: {e}");
        std::process::exit(1);
    }
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg.into_inner())
    )
}

/// One image, for the start-up floor.
fn one_image_page() -> String {
    format!(
        "<!doctype html><title>floor</title><body style='margin:0'>\
         <img src='{}' width=256 height=256></body>",
        thumbnail(0)
    )
}

/// 2,000 tiles of 40 distinct pictures in Easel's grid geometry (5 columns of 203 px, gaps of
/// 8) with a caption each; on load it scrolls and puts the figures in the title.
fn scrolling_page() -> String {
    let pictures: Vec<String> = (0..40).map(thumbnail).collect();
    let mut tiles = String::new();
    for i in 0..2000 {
        tiles.push_str(&format!(
            "<div class=t><img src='{}'><span>image {i}, a made-up prompt of a few words</span></div>",
            pictures[i % pictures.len()]
        ));
    }
    format!(
        "<!doctype html><title>floor</title>
<style>
 html, body {{ margin: 0; height: 100%; }}
 #s {{ height: 100%; overflow-y: auto; padding: 16px 16px 16px 216px; box-sizing: border-box; }}
 #g {{ display: grid; grid-template-columns: repeat(5, 203px); gap: 8px; }}
 .t {{ position: relative; height: 203px; padding: 6px; border: 1px solid #ccc; border-radius: 8px; overflow: hidden; box-sizing: border-box; }}
 .t img {{ width: 100%; height: 100%; object-fit: contain; display: block; }}
 .t span {{ position: absolute; left: 6px; right: 6px; bottom: 6px; padding: 18px 8px 6px; color: #fff;
   background: linear-gradient(transparent, rgb(0 0 0 / 72%)); font: 12px sans-serif; white-space: nowrap; overflow: hidden; }}
</style>
<div id=s><div id=g>{tiles}</div></div>
<script>
const el = document.getElementById('s');
async function run(step, seconds) {{
  return new Promise((done) => {{
    const times = [];
    const end = performance.now() + seconds * 1000;
    function frame(t) {{
      times.push(t);
      el.scrollTop += step;
      if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) el.scrollTop = 0;
      if (t < end) requestAnimationFrame(frame);
      else {{
        const gaps = times.slice(1).map((x, i) => x - times[i]).sort((a, b) => a - b);
        const at = (q) => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))];
        done({{step, frames: gaps.length, median: at(0.5), p95: at(0.95), max: gaps[gaps.length - 1]}});
      }}
    }}
    requestAnimationFrame(frame);
  }});
}}
window.addEventListener('load', async () => {{
  const out = [];
  for (const step of [0, 40, 400]) out.push(await run(step, 5));
  document.title = JSON.stringify(out);
}});
</script>",
    )
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn main() {
    let scroll = std::env::args().any(|a| a == "--scroll");
    let making = epoch_ms();
    let page = if scroll {
        scrolling_page()
    } else {
        one_image_page()
    };
    let making = epoch_ms() - making;
    if let Err(e) = gtk::init() {
        eprintln!("GTK could not start (is there a display?): {e}");
        std::process::exit(1);
    }
    let window = gtk::Window::new(gtk::WindowType::Toplevel);
    window.set_default_size(1280, 800);
    let webview = WebView::new();
    window.add(&webview);
    if scroll {
        webview.connect_title_notify(|w| {
            if let Some(title) = w.title().filter(|t| t.starts_with('[')) {
                println!("{title}");
                gtk::main_quit();
            }
        });
    } else {
        let done = Rc::new(Cell::new(false));
        webview.connect_load_changed(move |_, event| {
            if event == LoadEvent::Finished && !done.replace(true) {
                println!("{making:.1} {:.1}", epoch_ms());
                gtk::main_quit();
            }
        });
    }
    webview.load_html(&page, None);
    window.show_all();
    gtk::main();
}

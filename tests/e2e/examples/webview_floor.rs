//! The floor under Easel's start-up: a bare WebKitGTK window (the web view Tauri uses on
//! Linux, with no Tauri, no app and no library) that shows one thumbnail-sized image.
//! `window_scale` runs it beside the app; on its own:
//!
//! ```text
//! xvfb-run -a cargo run -p easel-e2e --example webview_floor
//! ```
//! Prints the Unix time in ms at which the page, image included, had loaded, then exits.
#![allow(clippy::print_stdout)]

use std::io::Cursor;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use gtk::prelude::*;
use webkit2gtk::{LoadEvent, WebView, WebViewExt};

fn thumbnail_png() -> String {
    let img = image::RgbImage::from_fn(256, 256, |x, y| image::Rgb([x as u8, y as u8, 128]));
    let mut png = Cursor::new(Vec::new());
    if let Err(e) = image::DynamicImage::ImageRgb8(img).write_to(&mut png, image::ImageFormat::Png)
    {
        eprintln!("the test image could not be made: {e}");
        std::process::exit(1);
    }
    base64::engine::general_purpose::STANDARD.encode(png.into_inner())
}

fn main() {
    if let Err(e) = gtk::init() {
        eprintln!("GTK could not start (is there a display?): {e}");
        std::process::exit(1);
    }
    let page = format!(
        "<!doctype html><title>floor</title><body style='margin:0'>\
         <img src='data:image/png;base64,{}' width=256 height=256></body>",
        thumbnail_png()
    );
    let window = gtk::Window::new(gtk::WindowType::Toplevel);
    window.set_default_size(1280, 800);
    let webview = WebView::new();
    window.add(&webview);
    webview.connect_load_changed(|_, event| {
        if event == LoadEvent::Finished {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
            println!("{now:.1}");
            gtk::main_quit();
        }
    });
    webview.load_html(&page, None);
    window.show_all();
    gtk::main();
}

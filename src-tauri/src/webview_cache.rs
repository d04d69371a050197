//! How much the web view keeps in memory.

/// WebKitGTK sizes its cache of decoded images by the machine's memory, for a browser that
/// goes back to pages: hundreds of MiB on a big machine, filled by scrolling a large library.
/// Easel's grid shows only the rows in view and reloads a thumbnail from its own scheme in
/// well under a millisecond, so a document viewer's cache is enough.
#[cfg(target_os = "linux")]
pub fn keep_small(window: &tauri::WebviewWindow) {
    use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
    let set = window.with_webview(|webview| {
        if let Some(context) = webview.inner().context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
    });
    if let Err(e) = set {
        log::warn!("the web view's cache could not be bounded: {e}");
    }
}

/// Other platforms' web views keep their own, smaller caches.
#[cfg(not(target_os = "linux"))]
pub fn keep_small(_window: &tauri::WebviewWindow) {}

//! Easel's desktop window: a thin Tauri shell over `easel-core`. Commands unpack their
//! arguments, call the core `Engine` and turn its errors into `{code, message}`; images reach
//! the webview through the `easel://` scheme, never over IPC.

mod catalog_view;
mod commands;
mod engine_state;
mod events;
mod export_view;
mod open_failure;
mod open_gate;
mod open_stage;
mod progress;
mod protocol;
mod throttle;
mod views;
mod webview_cache;

pub use catalog_view::{
    CredentialFieldView, CredentialsView, CustomSizeInfo, LicenseSummary, ModelInfo, ProviderInfo,
};
pub use engine_state::EngineState;
pub use events::LibraryChanged;
pub use export_view::{ExportFailureView, ExportPlanView, ExportReportView, ExportedFileView};
pub use open_failure::OpenFailure;
pub use open_stage::OpenStage;
pub use protocol::{ImageRoute, ImageVariant};
pub use throttle::Throttle;
pub use views::{ProviderSettingsView, SettingsView};

use std::sync::Arc;

use easel_core::app_dirs::AppDirs;
use easel_core::engine::Engine;
use open_gate::OpenGate;
use open_stage::LibraryOpening;
use tauri::Manager;

/// Where the generated TypeScript bindings live, relative to this crate.
pub const BINDINGS_PATH: &str = "../ui/src/lib/ipc/bindings.ts";

/// Every command and event the UI can use; also the source of the TypeScript bindings.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(commands::all())
        .events(tauri_specta::collect_events![LibraryChanged])
        .error_handling(tauri_specta::ErrorHandlingMode::Throw)
}

/// The TypeScript flavour the bindings are written in.
pub fn typescript() -> specta_typescript::Typescript {
    specta_typescript::Typescript::default()
        .header("// @ts-nocheck\n/* eslint-disable */")
        // Sizes, byte counts and milliseconds all fit a JS number comfortably.
        .bigint(specta_typescript::BigIntExportBehavior::Number)
}

/// Renders the bindings as they should be committed.
pub fn render_bindings() -> Result<String, specta_typescript::ExportError> {
    specta_builder().export_str(typescript())
}

pub fn run() {
    let specta = specta_builder();
    let gate = OpenGate::new(specta.invoke_handler());
    let app = tauri::Builder::default()
        // First, so that a second launch only focuses the running window.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(
            tauri_plugin_log::Builder::new()
                .level(log::LevelFilter::Info)
                .build(),
        )
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_opener::init())
        .register_asynchronous_uri_scheme_protocol(protocol::SCHEME, protocol::handle)
        .invoke_handler({
            let gate = Arc::clone(&gate);
            move |invoke| gate.pass(invoke)
        })
        .manage(commands::import::ImportRun::default())
        .manage(LibraryOpening::default())
        .setup(move |app| {
            specta.mount_events(app);
            if let Some(window) = app.get_webview_window("main") {
                webview_cache::keep_small(&window);
            }
            open_in_background(app.handle().clone(), gate);
            Ok(())
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event
                && let Some(state) = handle.try_state::<EngineState>()
            {
                // Requests in flight are recorded as interrupted on the next start.
                state.engine().cancel_all();
            }
        }),
        Err(e) => {
            eprintln!("Easel could not start: {e}");
            std::process::exit(1);
        }
    }
}

/// Opens the library off the main thread, so that the window paints and answers while an
/// upgrade runs (2.3 s at a million images); commands wait at the gate meanwhile. A library
/// that cannot be opened still gets its window, which says why.
fn open_in_background(app: tauri::AppHandle, gate: Arc<OpenGate<tauri::Wry>>) {
    let (on_thread, on_gate) = (app.clone(), Arc::clone(&gate));
    if let Err(e) = std::thread::Builder::new()
        .name("library-open".into())
        .spawn(move || open_and_announce(&on_thread, &on_gate))
    {
        // Should no thread be had, the library opens here, on the main thread, as it used to.
        log::warn!("no thread to open the library on ({e}); opening it on the main thread");
        open_and_announce(&app, &gate);
    }
}

/// Opens the library, manages its state (or the failure) and lets the held commands pass.
fn open_and_announce(app: &tauri::AppHandle, gate: &Arc<OpenGate<tauri::Wry>>) {
    let opening = app.state::<LibraryOpening>();
    match open_library(&opening) {
        Ok(engine) => {
            log::info!("library opened in {}", engine.dirs().data.display());
            start_housekeeping(&engine);
            app.manage(EngineState::new(engine));
            opening.reach(OpenStage::Open);
            gate.opened(app, None);
        }
        Err(failure) => {
            app.manage(failure.clone());
            opening.reach(OpenStage::Failed);
            gate.opened(app, Some(&failure));
        }
    }
}

/// Purges old deletions, hashes older images and merges the search index, in small steps
/// beside browsing.
fn start_housekeeping(engine: &Arc<Engine>) {
    let housekeeping = Arc::clone(engine);
    tauri::async_runtime::spawn_blocking(move || {
        if let Err(e) = housekeeping.purge_old_deletions() {
            log::warn!("purging old deletions failed ({}): {e}", e.code());
        }
        if let Err(e) = housekeeping.hash_older_images() {
            log::warn!("hashing older images failed ({}): {e}", e.code());
        }
        if let Err(e) = housekeeping.merge_search_index() {
            log::warn!("merging the search index failed ({}): {e}", e.code());
        }
    });
}

/// Opens the library where the environment or the platform puts it (upgrading it if needed).
fn open_library(opening: &LibraryOpening) -> Result<Arc<Engine>, OpenFailure> {
    let dirs = AppDirs::from_env().map_err(|e| OpenFailure::new(&e, None))?;
    let folder = dirs.data.clone();
    let engine = Engine::open_announcing(dirs, &mut |upgrade| {
        log::info!(
            "upgrading the library from schema {} to {}",
            upgrade.from,
            upgrade.to
        );
        opening.reach(upgrade.into());
    })
    .map_err(|e| OpenFailure::new(&e, Some(&folder)))?;
    Ok(Arc::new(engine))
}

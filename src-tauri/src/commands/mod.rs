//! The IPC commands. Each unpacks its arguments, calls the core and maps errors into
//! `{code, message}`; blocking core calls run on the blocking pool.

pub mod desktop;
pub mod editing;
pub mod endpoints;
pub mod export;
pub mod generation;
pub mod import;
pub mod library;
pub mod licensing;
pub mod organising;
pub mod provenance;
pub mod settings;
pub mod startup;

use easel_core::ErrorPayload;

/// Every command, for the invoke handler and the TypeScript bindings.
pub fn all() -> tauri_specta::Commands<tauri::Wry> {
    tauri_specta::collect_commands![
        startup::library_open_stage,
        startup::library_open_failure::<tauri::Wry>,
        startup::quit_app::<tauri::Wry>,
        settings::get_catalog,
        settings::get_settings,
        settings::save_provider_settings,
        settings::save_preferences,
        settings::set_api_key,
        settings::delete_api_key,
        settings::set_credential,
        settings::delete_credentials,
        settings::credential_status,
        settings::test_provider,
        endpoints::list_endpoints,
        endpoints::save_endpoint,
        endpoints::remove_endpoint,
        endpoints::test_endpoint,
        endpoints::endpoint_models,
        endpoints::declare_checkpoint_license,
        // Issue 8/9 UI: workflows and declared licences in Settings.
        endpoints::declared_checkpoint_licenses,
        endpoints::checkpoint_terms,
        endpoints::import_workflow,
        endpoints::correct_workflow_mapping,
        endpoints::remove_workflow,
        endpoints::endpoint_catalog,
        generation::start_generation,
        generation::cancel_job,
        editing::start_edit,
        editing::start_variations,
        editing::version_tree,
        editing::stack_counts,
        library::list_images,
        library::cursor_at,
        library::get_image,
        library::set_favorite,
        library::delete_images,
        library::restore_images,
        library::back_up_library,
        library::move_library,
        library::previous_library,
        library::remove_previous_library,
        library::restart_app,
        licensing::download_sizes,
        licensing::license_image,
        desktop::copy_image,
        desktop::reveal_image,
        desktop::copy_credit_line,
        desktop::choose_export_folder,
        export::export_presets,
        export::plan_export,
        export::export_images,
        // Organising (issue 11): boards, tags, ratings, notes, saved searches, bulk actions.
        organising::search_keys,
        organising::check_search,
        organising::count_images,
        organising::list_boards,
        organising::create_board,
        organising::rename_board,
        organising::delete_board,
        organising::set_board_cover,
        organising::add_to_board,
        organising::remove_from_board,
        organising::list_tags,
        organising::add_tags,
        organising::remove_tags,
        organising::rename_tag,
        organising::set_rating,
        organising::set_note,
        organising::image_organisation,
        organising::list_saved_searches,
        organising::save_search,
        organising::delete_saved_search,
        organising::near_duplicates,
        organising::selection_ids,
        organising::set_favorites,
        organising::delete_selection,
        organising::undo_delete,
        provenance::image_credentials,
        provenance::read_image_credentials,
        provenance::signing_status,
        provenance::set_signing_enabled,
        provenance::choose_signing_file,
        provenance::set_organisation_signing,
        provenance::clear_organisation_signing,
        import::import_images::<tauri::Wry>,
        import::cancel_import,
        import::choose_import_folder,
        import::choose_import_files,
        import::import_origin,
    ]
}

pub type CommandResult<T> = Result<T, ErrorPayload>;

/// Runs blocking core work off the async workers.
pub async fn blocking<T, F>(work: F) -> CommandResult<T>
where
    F: FnOnce() -> easel_core::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match tauri::async_runtime::spawn_blocking(work).await {
        Ok(result) => result.map_err(payload),
        Err(e) => {
            log::error!("a command's work stopped: {e}");
            Err(ErrorPayload {
                code: "internal".to_owned(),
                message: "Easel hit an internal error. Try again; if it persists, restart Easel."
                    .to_owned(),
            })
        }
    }
}

/// The error as the UI sees it. Core messages never carry keys, so they may be logged.
pub fn payload(e: easel_core::Error) -> ErrorPayload {
    log::warn!("{}: {e}", e.code());
    ErrorPayload::from(&e)
}

#[cfg(test)]
mod tests;

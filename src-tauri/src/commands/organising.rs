//! Organising the library: boards, tags, ratings, notes, saved searches, near-duplicates,
//! the search language's help and checks, and bulk actions over a selection (some images, or
//! every image a search matches).

use easel_core::library::search_language::{self, SearchSyntaxError};
use easel_core::library::{
    Board, DEFAULT_MAX_DISTANCE, DuplicateGroup, ImageOrganisation, ListQuery, MatchCount,
    SavedSearch, Selection, TagCount, TrashBatch,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use super::{CommandResult, blocking};
use crate::engine_state::EngineState;
use crate::events::LibraryChanged;

/// One key of the search language and what it takes, for autocomplete and the help popover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SearchKey {
    pub key: String,
    pub help: String,
}

/// Tells the UI what changed: the ids when the selection names them, else none (it
/// re-queries what it shows either way).
fn announce(app: &AppHandle, selection: &Selection) {
    let ids = match selection {
        Selection::Ids { ids } => ids.clone(),
        Selection::Search { .. } => Vec::new(),
    };
    if let Err(e) = (LibraryChanged { ids }).emit(app) {
        log::warn!("library-changed not sent: {e}");
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

// --- The search language ---

#[tauri::command]
#[specta::specta]
pub fn search_keys() -> Vec<SearchKey> {
    search_language::KEYS
        .iter()
        .map(|(key, help)| SearchKey {
            key: (*key).to_owned(),
            help: (*help).to_owned(),
        })
        .collect()
}

/// Where the text is not valid search language (to underline as the user types); `None`
/// when it is.
#[tauri::command]
#[specta::specta]
pub fn check_search(text: String) -> Option<SearchSyntaxError> {
    search_language::parse(&text).err()
}

/// How many images a search matches (cursor and limit are ignored).
#[tauri::command]
#[specta::specta]
pub async fn count_images(
    state: State<'_, EngineState>,
    query: ListQuery,
) -> CommandResult<MatchCount> {
    let library = state.engine().library().clone();
    blocking(move || library.count(&query)).await
}

// --- Boards ---

#[tauri::command]
#[specta::specta]
pub async fn list_boards(state: State<'_, EngineState>) -> CommandResult<Vec<Board>> {
    let library = state.engine().library().clone();
    blocking(move || library.boards()).await
}

#[tauri::command]
#[specta::specta]
pub async fn create_board(state: State<'_, EngineState>, name: String) -> CommandResult<Board> {
    let library = state.engine().library().clone();
    blocking(move || library.create_board(&name)).await
}

#[tauri::command]
#[specta::specta]
pub async fn rename_board(
    state: State<'_, EngineState>,
    id: i64,
    name: String,
) -> CommandResult<Board> {
    let library = state.engine().library().clone();
    blocking(move || library.rename_board(id, &name)).await
}

/// The board goes; its images stay in the library.
#[tauri::command]
#[specta::specta]
pub async fn delete_board(state: State<'_, EngineState>, id: i64) -> CommandResult<()> {
    let library = state.engine().library().clone();
    blocking(move || library.delete_board(id)).await
}

/// `None` goes back to the board's newest image.
#[tauri::command]
#[specta::specta]
pub async fn set_board_cover(
    state: State<'_, EngineState>,
    id: i64,
    image: Option<String>,
) -> CommandResult<Board> {
    let library = state.engine().library().clone();
    blocking(move || library.set_board_cover(id, image.as_deref())).await
}

/// Returns how many images were new on the board.
#[tauri::command]
#[specta::specta]
pub async fn add_to_board(
    app: AppHandle,
    state: State<'_, EngineState>,
    id: i64,
    selection: Selection,
) -> CommandResult<u32> {
    let library = state.engine().library().clone();
    let changed = selection.clone();
    let n = blocking(move || library.add_to_board(id, &selection)).await?;
    announce(&app, &changed);
    Ok(count(n))
}

#[tauri::command]
#[specta::specta]
pub async fn remove_from_board(
    app: AppHandle,
    state: State<'_, EngineState>,
    id: i64,
    selection: Selection,
) -> CommandResult<u32> {
    let library = state.engine().library().clone();
    let changed = selection.clone();
    let n = blocking(move || library.remove_from_board(id, &selection)).await?;
    announce(&app, &changed);
    Ok(count(n))
}

// --- Tags, ratings, notes ---

/// Tags in use starting with `prefix` (ignoring case), most used first.
#[tauri::command]
#[specta::specta]
pub async fn list_tags(
    state: State<'_, EngineState>,
    prefix: String,
    limit: u32,
) -> CommandResult<Vec<TagCount>> {
    let library = state.engine().library().clone();
    blocking(move || library.tags(&prefix, limit)).await
}

#[tauri::command]
#[specta::specta]
pub async fn add_tags(
    app: AppHandle,
    state: State<'_, EngineState>,
    selection: Selection,
    names: Vec<String>,
) -> CommandResult<u32> {
    let library = state.engine().library().clone();
    let changed = selection.clone();
    let n = blocking(move || library.add_tags(&selection, &names)).await?;
    announce(&app, &changed);
    Ok(count(n))
}

#[tauri::command]
#[specta::specta]
pub async fn remove_tags(
    app: AppHandle,
    state: State<'_, EngineState>,
    selection: Selection,
    names: Vec<String>,
) -> CommandResult<u32> {
    let library = state.engine().library().clone();
    let changed = selection.clone();
    let n = blocking(move || library.remove_tags(&selection, &names)).await?;
    announce(&app, &changed);
    Ok(count(n))
}

/// Renames a tag everywhere; merges it into `to` when that tag exists.
#[tauri::command]
#[specta::specta]
pub async fn rename_tag(
    state: State<'_, EngineState>,
    from: String,
    to: String,
) -> CommandResult<TagCount> {
    let library = state.engine().library().clone();
    blocking(move || library.rename_tag(&from, &to)).await
}

/// 0 clears the rating.
#[tauri::command]
#[specta::specta]
pub async fn set_rating(
    app: AppHandle,
    state: State<'_, EngineState>,
    selection: Selection,
    rating: u8,
) -> CommandResult<u32> {
    let library = state.engine().library().clone();
    let changed = selection.clone();
    let n = blocking(move || library.set_rating(&selection, rating)).await?;
    announce(&app, &changed);
    Ok(count(n))
}

/// A blank note removes it.
#[tauri::command]
#[specta::specta]
pub async fn set_note(
    state: State<'_, EngineState>,
    id: String,
    note: String,
) -> CommandResult<()> {
    let library = state.engine().library().clone();
    blocking(move || library.set_note(&id, &note)).await
}

/// Rating, note, boards and tags of one image.
#[tauri::command]
#[specta::specta]
pub async fn image_organisation(
    state: State<'_, EngineState>,
    id: String,
) -> CommandResult<ImageOrganisation> {
    let library = state.engine().library().clone();
    blocking(move || library.organisation(&id)).await
}

// --- Saved searches ---

#[tauri::command]
#[specta::specta]
pub async fn list_saved_searches(state: State<'_, EngineState>) -> CommandResult<Vec<SavedSearch>> {
    let library = state.engine().library().clone();
    blocking(move || library.saved_searches()).await
}

/// Saves (or replaces) a search under a name; the query is checked first.
#[tauri::command]
#[specta::specta]
pub async fn save_search(
    state: State<'_, EngineState>,
    name: String,
    query: String,
) -> CommandResult<SavedSearch> {
    let library = state.engine().library().clone();
    blocking(move || library.save_search(&name, &query)).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_saved_search(state: State<'_, EngineState>, name: String) -> CommandResult<()> {
    let library = state.engine().library().clone();
    blocking(move || library.delete_saved_search(&name)).await
}

// --- Near-duplicates ---

/// Groups of look-alike images, largest first; `max_distance` defaults to core's.
#[tauri::command]
#[specta::specta]
pub async fn near_duplicates(
    state: State<'_, EngineState>,
    max_distance: Option<u32>,
) -> CommandResult<Vec<DuplicateGroup>> {
    let library = state.engine().library().clone();
    blocking(move || library.near_duplicates(max_distance.unwrap_or(DEFAULT_MAX_DISTANCE))).await
}

// --- Bulk actions ---

/// The ids of a selection in list order (to export "all N results").
#[tauri::command]
#[specta::specta]
pub async fn selection_ids(
    state: State<'_, EngineState>,
    selection: Selection,
) -> CommandResult<Vec<String>> {
    let library = state.engine().library().clone();
    blocking(move || library.selection_ids(&selection)).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_favorites(
    app: AppHandle,
    state: State<'_, EngineState>,
    selection: Selection,
    favorite: bool,
) -> CommandResult<u32> {
    let library = state.engine().library().clone();
    let changed = selection.clone();
    let n = blocking(move || library.set_favorites(&selection, favorite)).await?;
    announce(&app, &changed);
    Ok(count(n))
}

/// Moves the selection to the trash as one batch; `undo_delete` brings it back.
#[tauri::command]
#[specta::specta]
pub async fn delete_selection(
    app: AppHandle,
    state: State<'_, EngineState>,
    selection: Selection,
) -> CommandResult<TrashBatch> {
    let library = state.engine().library().clone();
    let changed = selection.clone();
    let batch = blocking(move || library.delete_selection(&selection)).await?;
    announce(&app, &changed);
    Ok(batch)
}

#[tauri::command]
#[specta::specta]
pub async fn undo_delete(
    app: AppHandle,
    state: State<'_, EngineState>,
    batch: TrashBatch,
) -> CommandResult<u32> {
    let library = state.engine().library().clone();
    let n = blocking(move || library.undo_delete(batch)).await?;
    if let Err(e) = (LibraryChanged { ids: Vec::new() }).emit(&app) {
        log::warn!("library-changed not sent: {e}");
    }
    Ok(count(n))
}

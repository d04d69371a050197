//! Commands through Tauri's IPC layer on a mock runtime, over a real engine in a temp folder.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use easel_core::app_dirs::AppDirs;
use easel_core::engine::Engine;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

use crate::engine_state::EngineState;

struct Fixture {
    _dir: tempfile::TempDir,
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(AppDirs::under(dir.path())).unwrap();
    let app = mock_builder()
        .manage(EngineState::new(Arc::new(engine)))
        .manage(super::import::ImportRun::default())
        .invoke_handler(tauri::generate_handler![
            super::startup::library_open_failure,
            super::settings::get_catalog,
            super::settings::get_settings,
            super::settings::save_provider_settings,
            super::settings::set_api_key,
            super::settings::set_credential,
            super::settings::delete_credentials,
            super::settings::credential_status,
            super::settings::test_provider,
            super::library::list_images,
            super::library::cursor_at,
            super::library::get_image,
            // Organising (issue 11).
            super::organising::search_keys,
            super::organising::check_search,
            super::organising::count_images,
            super::organising::list_boards,
            super::organising::create_board,
            super::organising::rename_board,
            super::organising::delete_board,
            super::organising::list_saved_searches,
            super::organising::save_search,
            super::organising::delete_saved_search,
            super::organising::list_tags,
            // Import (issue 10).
            super::import::import_images,
            super::import::cancel_import,
            super::import::import_origin,
        ])
        .build(mock_context(noop_assets()))
        .unwrap();
    // Commands that announce changes ("library-changed") need the events mounted.
    tauri_specta::Builder::<MockRuntime>::new()
        .events(tauri_specta::collect_events![crate::events::LibraryChanged])
        .mount_events(&app);
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Fixture {
        _dir: dir,
        _app: app,
        window,
    }
}

fn invoke(f: &Fixture, cmd: &str, args: Value) -> Result<Value, Value> {
    invoke_on(&f.window, cmd, args)
}

fn invoke_on(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    tauri::test::get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

/// A window over a library that could not be opened: no engine, only the failure.
fn failed_window(failure: crate::OpenFailure) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = mock_builder()
        .manage(failure)
        .invoke_handler(tauri::generate_handler![
            super::startup::library_open_failure,
            super::settings::get_catalog,
        ])
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    (app, window)
}

/// A window whose commands pass the open gate, with the library not yet open.
fn gated_window() -> (
    App<MockRuntime>,
    WebviewWindow<MockRuntime>,
    Arc<crate::open_gate::OpenGate<MockRuntime>>,
) {
    let gate = crate::open_gate::OpenGate::new(tauri::generate_handler![
        super::startup::library_open_stage,
        super::startup::library_open_failure,
        super::library::list_images,
    ]);
    let app = mock_builder()
        .manage(crate::open_stage::LibraryOpening::default())
        .invoke_handler({
            let gate = Arc::clone(&gate);
            move |invoke| gate.pass(invoke)
        })
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    (app, window, gate)
}

/// Asks in a thread of its own, since the answer may be held.
fn ask_later(
    window: &WebviewWindow<MockRuntime>,
    cmd: &'static str,
    args: Value,
) -> std::thread::JoinHandle<Result<Value, Value>> {
    let window = window.clone();
    std::thread::spawn(move || invoke_on(&window, cmd, args))
}

#[test]
fn commands_wait_while_the_library_opens_and_then_run() {
    let (app, window, gate) = gated_window();
    let list = ask_later(&window, "list_images", json!({"query": {"limit": 5}}));
    let failure = ask_later(&window, "library_open_failure", json!({}));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        !list.is_finished() && !failure.is_finished(),
        "answered before the library was open"
    );

    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(AppDirs::under(dir.path())).unwrap();
    tauri::Manager::manage(&app, EngineState::new(Arc::new(engine)));
    gate.opened(app.handle(), None);
    let page = list.join().unwrap().unwrap();
    assert_eq!(page["images"], json!([]));
    assert_eq!(failure.join().unwrap(), Ok(Value::Null));
    // Once open, commands run at once.
    assert!(invoke_on(&window, "list_images", json!({"query": {"limit": 5}})).is_ok());
}

#[test]
fn the_window_hears_at_once_that_an_older_library_is_being_upgraded() {
    use crate::open_stage::{LibraryOpening, OpenStage};
    let (app, window, gate) = gated_window();
    let stage = || invoke_on(&window, "library_open_stage", json!({})).unwrap();
    assert_eq!(stage(), json!({"stage": "opening"}));
    let list = ask_later(&window, "list_images", json!({"query": {"limit": 5}}));

    // A library at schema 3, opened as the shell opens it.
    let dir = tempfile::tempdir().unwrap();
    let dirs = AppDirs::under(dir.path());
    std::fs::create_dir_all(&dirs.data).unwrap();
    {
        let db = rusqlite::Connection::open(dirs.data.join(easel_core::library::DB_FILE)).unwrap();
        for v in 1..=3 {
            db.execute_batch(easel_core::library::migration_sql(v).unwrap())
                .unwrap();
        }
        db.pragma_update(None, "user_version", 3).unwrap();
    }
    let opening = tauri::Manager::state::<LibraryOpening>(&app);
    let mut during_upgrade = None;
    let engine = Engine::open_announcing(dirs, &mut |upgrade| {
        opening.reach(upgrade.into());
        // Asked while the upgrade runs: answered at once, while other commands still wait.
        during_upgrade = Some((stage(), list.is_finished()));
    })
    .unwrap();
    let to = easel_core::library::SCHEMA_VERSION;
    assert_eq!(
        during_upgrade,
        Some((json!({"stage": "upgrading", "from": 3, "to": to}), false))
    );
    tauri::Manager::manage(&app, EngineState::new(Arc::new(engine)));
    opening.reach(OpenStage::Open);
    gate.opened(app.handle(), None);
    assert_eq!(list.join().unwrap().unwrap()["images"], json!([]));
    assert_eq!(stage(), json!({"stage": "open"}));
}

#[test]
fn when_the_library_cannot_be_opened_held_commands_fail_with_the_reason() {
    let (app, window, gate) = gated_window();
    let list = ask_later(&window, "list_images", json!({"query": {"limit": 5}}));
    let failure = ask_later(&window, "library_open_failure", json!({}));
    std::thread::sleep(std::time::Duration::from_millis(100));

    let e = easel_core::Error::DatabaseTooNew {
        found: 999,
        supported: 14,
    };
    let open_failure = crate::OpenFailure::new(&e, Some(std::path::Path::new("/data/easel")));
    tauri::Manager::manage(&app, open_failure.clone());
    gate.opened(app.handle(), Some(&open_failure));
    let refused = list.join().unwrap().unwrap_err();
    assert_eq!(refused["code"], "database_too_new");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("newer version of Easel")
    );
    let reported = failure.join().unwrap().unwrap();
    assert_eq!(reported["code"], "database_too_new");
    assert_eq!(reported["folder"], "/data/easel");
    // Later commands are refused at once; the failure screen's own still run.
    let later = invoke_on(&window, "list_images", json!({"query": {"limit": 5}}));
    assert_eq!(later.unwrap_err()["code"], "database_too_new");
    assert!(invoke_on(&window, "library_open_failure", json!({})).is_ok());
    assert!(invoke_on(&window, "library_open_stage", json!({})).is_ok());
}

#[test]
fn an_open_library_reports_no_failure() {
    let f = fixture();
    assert_eq!(
        invoke(&f, "library_open_failure", json!({})),
        Ok(Value::Null)
    );
}

#[test]
fn a_library_from_a_newer_easel_is_reported_to_the_window_with_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    drop(Engine::open(AppDirs::under(dir.path())).unwrap());
    let db = rusqlite::Connection::open(dir.path().join(easel_core::library::DB_FILE)).unwrap();
    db.pragma_update(None, "user_version", 999).unwrap();
    drop(db);
    let Err(e) = Engine::open(AppDirs::under(dir.path())) else {
        panic!("a library from a newer Easel opened");
    };
    let (_app, window) = failed_window(crate::OpenFailure::new(&e, Some(dir.path())));
    let ask = |cmd: &str| invoke_on(&window, cmd, json!({}));
    let failure = ask("library_open_failure").unwrap();
    assert_eq!(failure["code"], "database_too_new");
    let message = failure["message"].as_str().unwrap();
    assert!(
        message.contains("schema 999") && message.contains("Update Easel"),
        "{message}"
    );
    assert_eq!(failure["folder"], dir.path().display().to_string());
    // Commands that need the library fail rather than crash the window.
    assert!(ask("get_catalog").is_err());
    // Nothing was changed.
    let db = rusqlite::Connection::open(dir.path().join(easel_core::library::DB_FILE)).unwrap();
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 999);
}

#[test]
fn catalogue_and_settings_reach_the_ui() {
    let f = fixture();
    let catalog = invoke(&f, "get_catalog", json!({})).unwrap();
    assert_eq!(catalog[0]["id"], json!("openai"));
    assert!(catalog[0]["models"].as_array().unwrap().len() > 1);
    // Each provider says whether it is set up, field by field, and each model what it takes
    // and what its terms allow.
    for p in catalog.as_array().unwrap() {
        assert!(p["configured"].is_boolean());
        assert!(!p["credentials"].as_array().unwrap().is_empty());
        assert!(p["limits"]["concurrent_jobs"].as_u64().unwrap() >= 1);
        for m in p["models"].as_array().unwrap() {
            assert!(m["parameters"].is_array(), "{}", m["id"]);
            assert!(m["license"]["commercially_safe"].is_boolean());
        }
    }
    let settings = invoke(&f, "get_settings", json!({})).unwrap();
    assert_eq!(settings["providers"][0]["id"], json!("openai"));
    assert_eq!(settings["embed_prompt_in_exports"], json!(false));
}

#[test]
fn errors_cross_as_code_and_message() {
    let f = fixture();
    let err = invoke(
        &f,
        "get_image",
        json!({"id": "0193a5b2-7c1e-7f00-8a00-0123456789ab"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], json!("not_found"));
    assert!(err["message"].as_str().unwrap().contains("not found"));
    let err = invoke(
        &f,
        "save_provider_settings",
        json!({"provider": "openai", "baseUrl": "ftp://nope", "defaultModel": null}),
    )
    .unwrap_err();
    assert_eq!(err["code"], json!("invalid_input"));
    let err = invoke(
        &f,
        "save_provider_settings",
        json!({"provider": "openai", "baseUrl": null, "defaultModel": "no-such-model"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], json!("invalid_input"));
}

#[test]
fn provider_settings_round_trip_and_blank_clears() {
    let f = fixture();
    let saved = invoke(
        &f,
        "save_provider_settings",
        json!({"provider": "openai", "baseUrl": "http://127.0.0.1:9/v1", "defaultModel": "dall-e-3"}),
    )
    .unwrap();
    assert_eq!(
        saved["providers"][0]["base_url"],
        json!("http://127.0.0.1:9/v1")
    );
    assert_eq!(saved["providers"][0]["default_model"], json!("dall-e-3"));
    let cleared = invoke(
        &f,
        "save_provider_settings",
        json!({"provider": "openai", "baseUrl": "  ", "defaultModel": ""}),
    )
    .unwrap();
    assert_eq!(cleared["providers"][0]["base_url"], Value::Null);
    assert_eq!(cleared["providers"][0]["default_model"], Value::Null);
}

#[test]
fn a_saved_key_is_never_sent_back() {
    let f = fixture();
    let key = "sk-unit-test-secret-42";
    let answer = invoke(&f, "set_api_key", json!({"provider": "openai", "key": key})).unwrap();
    assert!(!answer.to_string().contains(key));
    let status = &answer["providers"][0]["key"];
    // Unless OPENAI_API_KEY is set where the tests run, the key typed is the one in force.
    if std::env::var_os("OPENAI_API_KEY").is_none() {
        assert_eq!(status["present"], json!(true));
    }
    let settings = invoke(&f, "get_settings", json!({})).unwrap();
    assert!(!settings.to_string().contains(key));
}

#[test]
fn an_empty_library_lists_nothing() {
    let f = fixture();
    let page = invoke(
        &f,
        "list_images",
        json!({"query": {"text": "anything", "limit": 10}}),
    )
    .unwrap();
    assert_eq!(page["images"], json!([]));
    assert_eq!(page["next"], Value::Null);
}

#[test]
fn credentials_are_set_and_deleted_field_by_field_and_never_sent_back() {
    let f = fixture();
    let secret = "sk-unit-test-field-secret-7";
    let status = invoke(
        &f,
        "set_credential",
        json!({"provider": "openai", "field": "api_key", "value": secret}),
    )
    .unwrap();
    assert!(!status.to_string().contains(secret));
    assert_eq!(status["provider"], json!("openai"));
    assert_eq!(status["fields"][0]["id"], json!("api_key"));
    assert_eq!(status["fields"][0]["env_var"], json!("OPENAI_API_KEY"));
    if std::env::var_os("OPENAI_API_KEY").is_none() {
        assert_eq!(status["configured"], json!(true));
        assert_ne!(status["fields"][0]["source"], json!("env"));
    }
    let catalog = invoke(&f, "get_catalog", json!({})).unwrap();
    assert!(!catalog.to_string().contains(secret));

    let err = invoke(
        &f,
        "set_credential",
        json!({"provider": "openai", "field": "no_such_field", "value": "x"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], json!("invalid_input"));
    assert!(err["message"].as_str().unwrap().contains("api_key"));

    let after = invoke(&f, "delete_credentials", json!({"provider": "openai"})).unwrap();
    if std::env::var_os("OPENAI_API_KEY").is_none() {
        assert_eq!(after["configured"], json!(false));
        assert_eq!(after["fields"][0]["present"], json!(false));
    }
    let again = invoke(&f, "credential_status", json!({"provider": "openai"})).unwrap();
    assert_eq!(again, after);
    let err = invoke(&f, "credential_status", json!({"provider": "nobody"})).unwrap_err();
    assert_eq!(err["code"], json!("invalid_input"));
}

#[test]
fn testing_a_provider_without_credentials_says_which_is_missing() {
    if std::env::var_os("OPENAI_API_KEY").is_some() {
        return;
    }
    let f = fixture();
    let err = invoke(&f, "test_provider", json!({"provider": "openai"})).unwrap_err();
    assert_eq!(err["code"], json!("auth"));
    assert!(err["message"].as_str().unwrap().contains("API key"));
}

// --- Organising (issue 11) ---

#[test]
fn boards_are_created_renamed_listed_and_deleted() {
    let f = fixture();
    let board = invoke(&f, "create_board", json!({"name": "  Moodboard  "})).unwrap();
    assert_eq!(board["name"], json!("Moodboard"));
    assert_eq!(board["image_count"], json!(0));
    assert_eq!(board["cover"], Value::Null);
    let id = board["id"].clone();
    let err = invoke(&f, "create_board", json!({"name": "moodboard"})).unwrap_err();
    assert_eq!(err["code"], json!("invalid_input"));
    let renamed = invoke(&f, "rename_board", json!({"id": id, "name": "Covers"})).unwrap();
    assert_eq!(renamed["name"], json!("Covers"));
    let boards = invoke(&f, "list_boards", json!({})).unwrap();
    assert_eq!(boards.as_array().unwrap().len(), 1);
    invoke(&f, "delete_board", json!({"id": id})).unwrap();
    let err = invoke(&f, "delete_board", json!({"id": id})).unwrap_err();
    assert_eq!(err["code"], json!("not_found"));
    assert_eq!(invoke(&f, "list_boards", json!({})).unwrap(), json!([]));
}

#[test]
fn an_unknown_search_key_is_an_error_with_its_place_never_an_empty_result() {
    let f = fixture();
    let keys = invoke(&f, "search_keys", json!({})).unwrap();
    assert!(
        keys.as_array()
            .unwrap()
            .iter()
            .any(|k| k["key"] == json!("tag"))
    );
    let problem = invoke(&f, "check_search", json!({"text": "fox colour:red"})).unwrap();
    assert_eq!(problem["start"], json!(4));
    assert_eq!(problem["end"], json!(14));
    assert_eq!(
        invoke(&f, "check_search", json!({"text": "fox tag:red"})).unwrap(),
        Value::Null
    );
    let err = invoke(
        &f,
        "count_images",
        json!({"query": {"text": "fox colour:red"}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], json!("invalid_input"));
    let err = invoke(&f, "list_images", json!({"query": {"text": "colour:red"}})).unwrap_err();
    assert_eq!(err["code"], json!("invalid_input"));
    let all = invoke(&f, "count_images", json!({"query": {}})).unwrap();
    assert_eq!(
        all,
        json!({"count": 0, "exact": true, "any_position": true})
    );
    // The whole library is entered at a position; position 0 needs no cursor.
    let start = invoke(&f, "cursor_at", json!({"query": {}, "position": 0})).unwrap();
    assert_eq!(start, Value::Null);
    let past = invoke(&f, "cursor_at", json!({"query": {}, "position": 5})).unwrap_err();
    assert_eq!(past["code"], json!("not_found"));
    // Words alone too (this empty library has no fifth match); words with a filter are
    // read from their start.
    let words = invoke(
        &f,
        "cursor_at",
        json!({"query": {"text": "fox"}, "position": 5}),
    )
    .unwrap_err();
    assert_eq!(words["code"], json!("not_found"));
    let filtered = invoke(
        &f,
        "cursor_at",
        json!({"query": {"text": "fox is:favorite"}, "position": 5}),
    )
    .unwrap_err();
    assert_eq!(filtered["code"], json!("invalid_input"));
}

#[test]
fn saved_searches_round_trip_and_bad_ones_are_refused() {
    let f = fixture();
    let saved = invoke(
        &f,
        "save_search",
        json!({"name": "Best foxes", "query": "fox rating:>=4"}),
    )
    .unwrap();
    assert_eq!(saved["query"], json!("fox rating:>=4"));
    let err = invoke(
        &f,
        "save_search",
        json!({"name": "Broken", "query": "colour:red"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], json!("invalid_input"));
    let list = invoke(&f, "list_saved_searches", json!({})).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    invoke(&f, "delete_saved_search", json!({"name": "Best foxes"})).unwrap();
    assert_eq!(
        invoke(&f, "list_saved_searches", json!({})).unwrap(),
        json!([])
    );
    assert_eq!(
        invoke(&f, "list_tags", json!({"prefix": "", "limit": 10})).unwrap(),
        json!([])
    );
}

#[test]
fn a_folder_is_imported_with_a_summary_and_the_origin_is_kept() {
    let f = fixture();
    let folder = tempfile::tempdir().unwrap();
    let png = folder.path().join("from-a1111.png");
    image::RgbImage::from_pixel(64, 48, image::Rgb([200, 100, 50]))
        .save(&png)
        .unwrap();
    std::fs::write(folder.path().join("broken.png"), b"not a png at all").unwrap();
    let args = json!({
        "paths": [folder.path().to_str().unwrap()],
        "recursive": false,
        "onEvent": "__CHANNEL__:7",
    });

    let first = invoke(&f, "import_images", args.clone()).unwrap();
    assert_eq!(first["imported"].as_array().unwrap().len(), 1, "{first}");
    assert_eq!(first["unreadable"].as_array().unwrap().len(), 1, "{first}");
    assert_eq!(first["cancelled"], json!(false));
    let id = first["imported"][0]["image_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The same folder again: the image is reported as a duplicate, not stored twice.
    let again = invoke(&f, "import_images", args).unwrap();
    assert_eq!(again["imported"].as_array().unwrap().len(), 0, "{again}");
    assert_eq!(again["duplicates"][0]["image_id"], json!(id));

    let origin = invoke(&f, "import_origin", json!({ "id": id })).unwrap();
    assert_eq!(origin["file_name"], json!("from-a1111.png"));
    // No import running: cancelling is not an error.
    invoke(&f, "cancel_import", json!({})).unwrap();
    let err = invoke(
        &f,
        "import_images",
        json!({ "paths": [], "recursive": false, "onEvent": "__CHANNEL__:8" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], json!("invalid_input"));
}

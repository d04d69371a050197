//! Moving the library to another folder: a verified copy becomes the library Easel opens,
//! the old copy stays until the user removes it, and nothing is moved that would lose an
//! image.
#![allow(clippy::unwrap_used, unsafe_code)]

mod library_support;

use std::path::Path;

use easel_core::app_dirs::AppDirs;
use easel_core::engine::Engine;
use easel_core::relocation::destination_in;
use library_support::{png, store};

fn originals(engine: &Engine) -> Vec<(String, Vec<u8>)> {
    let lib = engine.library();
    let mut out: Vec<(String, Vec<u8>)> = lib
        .list(&Default::default())
        .unwrap()
        .images
        .into_iter()
        .map(|i| {
            let bytes = std::fs::read(lib.original_path(&i.id).unwrap()).unwrap();
            (i.id, bytes)
        })
        .collect();
    out.sort();
    out
}

fn set_env(name: &str, value: &Path) {
    // SAFETY: the only test in this binary; nothing else reads the environment meanwhile.
    unsafe { std::env::set_var(name, value) };
}

#[test]
fn a_moved_library_is_verified_opened_from_its_new_folder_and_the_old_copy_removed() {
    let root = tempfile::tempdir().unwrap();
    unsafe {
        std::env::remove_var("EASEL_DATA_DIR");
        std::env::set_var("EASEL_KEY_STORE", "file");
    }
    set_env("EASEL_CONFIG_DIR", &root.path().join("config"));
    set_env("XDG_DATA_HOME", &root.path().join("xdg-data"));

    let dirs = AppDirs::from_env().unwrap();
    assert!(dirs.data.starts_with(root.path()), "{dirs:?}");
    let old_dir = dirs.data.clone();
    let engine = Engine::open(dirs).unwrap();
    for (i, prompt) in ["a lighthouse", "a harbour", "a paper boat"]
        .iter()
        .enumerate()
    {
        store(engine.library(), prompt, &png(40, 30, i as u32));
    }
    let before = originals(&engine);

    // Refused: a folder inside the library, and a folder that already holds something.
    let inside = engine.move_library(&old_dir.join("sub")).unwrap_err();
    assert_eq!(inside.code(), "invalid_input", "{inside}");
    let busy = root.path().join("busy");
    std::fs::create_dir_all(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), b"mine").unwrap();
    let not_empty = engine.move_library(&busy).unwrap_err();
    assert_eq!(not_empty.code(), "invalid_input", "{not_empty}");
    assert_eq!(std::fs::read(busy.join("notes.txt")).unwrap(), b"mine");
    assert_eq!(
        AppDirs::from_env().unwrap().data,
        old_dir,
        "a refused move switched"
    );

    let new_dir = root.path().join("external disk").join("Easel library");
    let report = engine.move_library(&new_dir).unwrap();
    assert_eq!((report.images, report.originals), (3, 3));
    assert!(report.bytes > 0);
    // No temporary archive is left beside the new folder.
    let leftovers: Vec<_> = std::fs::read_dir(new_dir.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".easel-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The running engine still has the old folder; its old copy is not "previous" to itself.
    assert_eq!(engine.previous_library().unwrap(), None);
    drop(engine);

    // From the next start, Easel opens the new folder: same images, same bytes, sound.
    let dirs = AppDirs::from_env().unwrap();
    assert_eq!(dirs.data, new_dir);
    let moved = Engine::open(dirs).unwrap();
    assert_eq!(originals(&moved), before);
    assert!(moved.library().check(false).unwrap().is_clean());
    assert_eq!(moved.previous_library().unwrap(), Some(old_dir.clone()));
    assert!(
        old_dir.join("easel.sqlite3").is_file(),
        "the old copy went too early"
    );

    assert_eq!(moved.remove_previous_library().unwrap(), old_dir);
    assert!(!old_dir.exists());
    assert_eq!(moved.previous_library().unwrap(), None);
    assert_eq!(
        moved.remove_previous_library().unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        originals(&moved),
        before,
        "removing the old copy touched the new one"
    );

    // A damaged original is never moved past: the move is refused and nothing switches.
    let (id, _) = &before[0];
    let path = moved.library().original_path(id).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let damaged = moved
        .move_library(&root.path().join("third place"))
        .unwrap_err();
    assert_eq!(damaged.code(), "damaged", "{damaged}");
    assert!(!root.path().join("third place").exists());
    assert_eq!(AppDirs::from_env().unwrap().data, new_dir);

    // A library fixed by EASEL_DATA_DIR is moved by changing the variable, not from the app.
    set_env("EASEL_DATA_DIR", &new_dir);
    let fixed = moved.move_library(&root.path().join("fourth")).unwrap_err();
    assert!(fixed.to_string().contains("EASEL_DATA_DIR"), "{fixed}");
}

/// People pick a disk or their Pictures folder: an empty folder is used as it is, anything
/// else gets an "Easel library" folder inside.
#[test]
fn a_picked_folder_is_used_when_empty_else_a_folder_inside_it() {
    let root = tempfile::tempdir().unwrap();
    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_eq!(destination_in(&empty), empty);
    std::fs::write(root.path().join("photo.jpg"), b"x").unwrap();
    assert_eq!(
        destination_in(root.path()),
        root.path().join("Easel library")
    );
}

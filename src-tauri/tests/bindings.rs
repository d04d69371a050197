//! The committed TypeScript bindings must be what the Rust types generate today.
//! To refresh them: `EASEL_UPDATE_BINDINGS=1 cargo test -p easel-app --test bindings`.
#![allow(clippy::unwrap_used)]

use std::path::Path;

#[test]
fn typescript_bindings_are_up_to_date() {
    let rendered = easel_app::render_bindings().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(easel_app::BINDINGS_PATH);
    if std::env::var_os("EASEL_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "{} is out of date with the Rust types; regenerate it with \
         `EASEL_UPDATE_BINDINGS=1 cargo test -p easel-app --test bindings` and commit it",
        path.display()
    );
}

#[test]
fn bindings_cover_every_command_and_the_library_event() {
    let rendered = easel_app::render_bindings().unwrap();
    for name in [
        "getCatalog",
        "getSettings",
        "saveProviderSettings",
        "savePreferences",
        "setApiKey",
        "deleteApiKey",
        "setCredential",
        "deleteCredentials",
        "credentialStatus",
        "testProvider",
        "startGeneration",
        "cancelJob",
        "listImages",
        "getImage",
        "setFavorite",
        "deleteImages",
        "restoreImages",
        "copyImage",
        "revealImage",
        "copyCreditLine",
        "chooseExportFolder",
        "library-changed",
    ] {
        assert!(
            rendered.contains(name),
            "{name} is missing from the bindings"
        );
    }
}

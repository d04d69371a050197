//! Import: files other tools wrote, mapped to provider, model, prompt, parameters and terms;
//! broken files reported, not imported, with nothing else lost; duplicates skipped; a
//! cancelled import picks up where it stopped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use easel_core::import::{ImportRequest, ImportSummary, run};
use easel_core::library::Library;
use easel_core::license::CommercialUse;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::import_support as fx;

fn import(lib: &Library, paths: &[&Path], recursive: bool) -> ImportSummary {
    let request = ImportRequest {
        paths: paths.iter().map(|p| p.to_path_buf()).collect(),
        recursive,
    };
    run(lib, &request, &|_| {}, &CancellationToken::new()).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn only_image(summary: &ImportSummary) -> String {
    assert_eq!(summary.imported.len(), 1, "{summary:#?}");
    assert!(summary.unreadable.is_empty(), "{summary:#?}");
    summary.imported[0].image_id.clone()
}

#[test]
fn a1111_png_parameters_map_to_fields_and_the_rest_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(&dir.path().join("lib")).unwrap();
    let bytes = fx::a1111_png(1);
    let file = write(dir.path(), "00001-1234567890.png", &bytes);
    let summary = import(&lib, &[&file], false);
    let id = only_image(&summary);
    assert_eq!(summary.imported[0].tool, "a1111");
    let d = lib.image(&id).unwrap();
    assert_eq!(d.summary.provider, "a1111");
    assert_eq!(d.summary.model, "v1-5-pruned-emaonly");
    // Hostile text is kept exactly, as text.
    assert_eq!(d.summary.prompt, fx::A1111_PROMPT);
    assert_eq!(d.params.negative_prompt.as_deref(), Some("blurry, lowres"));
    assert_eq!(d.params.seed, Some(1_234_567_890));
    assert_eq!(d.seed, Some(1_234_567_890));
    assert_eq!(d.params.size.as_deref(), Some("64x48"));
    assert_eq!(d.params.extra["steps"], json!(20));
    assert_eq!(d.params.extra["cfg_scale"], json!(7));
    assert_eq!(d.params.extra["sampler"], json!("DPM++ 2M"));
    assert_eq!(d.params.extra["scheduler"], json!("Karras"));
    assert_eq!(d.params.extra["checkpoint_hash"], json!("6ce0161689"));
    // Stored byte for byte.
    assert_eq!(lib.read_original(&id).unwrap(), bytes);
    let origin = lib.import_origin(&id).unwrap().unwrap();
    assert_eq!(origin.file_name, "00001-1234567890.png");
    let kept: Vec<(&str, &str)> = origin
        .unmapped
        .iter()
        .map(|e| (e.key.as_str(), e.value.as_str()))
        .collect();
    assert!(kept.contains(&("Version", "v1.10.1")), "{kept:?}");
    assert!(
        kept.contains(&("Lora hashes", "detail: 0123abcd")),
        "{kept:?}"
    );
    // No terms in the file: unknown, never guessed from the model name.
    assert!(!d.license.terms.known);
    assert_eq!(d.license.terms.commercial_use, CommercialUse::Unknown);
    assert!(d.license.terms.summary.contains("does not guess"));
    // Searchable by the prompt.
    let hits = lib
        .list(&easel_core::library::ListQuery {
            text: Some("lighthouse".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(hits.images.len(), 1);
}

#[test]
fn a1111_jpeg_exif_user_comment_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(&dir.path().join("lib")).unwrap();
    let file = write(dir.path(), "a.jpg", &fx::a1111_jpeg(2));
    let id = only_image(&import(&lib, &[&file], false));
    let d = lib.image(&id).unwrap();
    assert_eq!(d.summary.provider, "a1111");
    assert_eq!(d.summary.prompt, fx::A1111_PROMPT);
    assert_eq!(d.params.seed, Some(1_234_567_890));
    assert_eq!(d.summary.format, easel_core::library::ImageFormat::Jpeg);
}

#[test]
fn comfyui_api_graph_is_followed_from_the_sampler() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(&dir.path().join("lib")).unwrap();
    let file = write(dir.path(), "ComfyUI_00001_.png", &fx::comfy_png(3));
    let id = only_image(&import(&lib, &[&file], false));
    let d = lib.image(&id).unwrap();
    assert_eq!(d.summary.provider, "comfyui");
    assert_eq!(d.summary.model, "sd_xl_base_1.0.safetensors");
    assert_eq!(d.summary.prompt, "a glass teapot on a table");
    assert_eq!(d.params.negative_prompt.as_deref(), Some("text, watermark"));
    assert_eq!(d.params.seed, Some(156_680_208_700_286));
    assert_eq!(d.params.size.as_deref(), Some("64x48"));
    assert_eq!(d.params.extra["steps"], json!(25));
    assert_eq!(d.params.extra["cfg_scale"], json!(6.5));
    assert_eq!(d.params.extra["sampler"], json!("euler"));
    assert_eq!(d.params.extra["scheduler"], json!("normal"));
    assert_eq!(d.params.extra["loras"], json!(["detail.safetensors"]));
    // The graph and workflow are kept whole, to re-run elsewhere.
    let origin = lib.import_origin(&id).unwrap().unwrap();
    let keys: Vec<_> = origin.unmapped.iter().map(|e| e.key.as_str()).collect();
    assert!(
        keys.contains(&"prompt") && keys.contains(&"workflow"),
        "{keys:?}"
    );
    let graph = &origin
        .unmapped
        .iter()
        .find(|e| e.key == "prompt")
        .unwrap()
        .value;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(graph).unwrap(),
        fx::comfy_graph()
    );
}

#[test]
fn invokeai_metadata_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(&dir.path().join("lib")).unwrap();
    let file = write(dir.path(), "invoke.png", &fx::invoke_png(4));
    let id = only_image(&import(&lib, &[&file], false));
    let d = lib.image(&id).unwrap();
    assert_eq!(d.summary.provider, "invokeai");
    assert_eq!(d.summary.model, "juggernautXL");
    assert_eq!(d.summary.prompt, "a red fox in snow");
    assert_eq!(d.params.negative_prompt.as_deref(), Some("cartoon"));
    assert_eq!(d.params.seed, Some(4242));
    assert_eq!(d.params.size.as_deref(), Some("64x48"));
    assert_eq!(d.params.extra["steps"], json!(30));
    assert_eq!(d.params.extra["sampler"], json!("dpmpp_2m"));
    let origin = lib.import_origin(&id).unwrap().unwrap();
    assert!(
        origin
            .unmapped
            .iter()
            .any(|e| e.key == "app_version" && e.value == "4.2.9")
    );
}

#[test]
fn xmp_rights_become_terms_declared_by_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(&dir.path().join("lib")).unwrap();
    for (name, bytes) in [("x.webp", fx::xmp_webp(5)), ("x.png", fx::xmp_png(6))] {
        let file = write(dir.path(), name, &bytes);
        let id = only_image(&import(&lib, &[&file], false));
        let d = lib.image(&id).unwrap();
        assert_eq!(d.summary.provider, "import", "{name}");
        assert_eq!(d.summary.model, "unknown");
        let t = &d.license.terms;
        assert_eq!(t.id, "declared-by-file");
        assert!(t.summary.contains(fx::USAGE_TERMS), "{}", t.summary);
        assert!(t.summary.contains("© 2026 Jane Doe"));
        assert_eq!(t.credit_line, "Jane Doe / Studio");
        assert!(t.attribution_required);
        assert_eq!(t.terms_url, "https://creativecommons.org/licenses/by/4.0/");
        // Free text is not read for permissions.
        assert_eq!(t.commercial_use, CommercialUse::Unknown);
        assert!(t.disclaimer.contains("Declared by the file"));
        let origin = lib.import_origin(&id).unwrap().unwrap();
        assert_eq!(
            origin.digital_source_type.as_deref(),
            Some("http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia")
        );
        assert_eq!(
            origin.declared.usage_terms.as_deref(),
            Some(fx::USAGE_TERMS)
        );
        assert!(
            origin
                .unmapped
                .iter()
                .any(|e| e.key == "dc:title" && e.value == "Harbour"),
            "{:?}",
            origin.unmapped
        );
    }
}

#[test]
fn broken_files_are_reported_and_nothing_else_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(&dir.path().join("lib")).unwrap();
    let folder = dir.path().join("in");
    std::fs::create_dir(&folder).unwrap();
    write(&folder, "a-good.png", &fx::a1111_png(7));
    write(&folder, "b-corrupt.png", &fx::corrupt_png(8));
    write(&folder, "c-truncated.png", &fx::truncated_png(9));
    write(&folder, "d-giant.png", &fx::png_claiming(60_000, 60_000));
    write(&folder, "e-not-an-image.jpg", b"<html>hello</html>");
    write(&folder, "f-good.jpg", &fx::a1111_jpeg(10));
    write(&folder, "readme.txt", b"notes");
    let summary = import(&lib, &[&folder], false);
    assert_eq!(summary.imported.len(), 2, "{summary:#?}");
    assert_eq!(summary.ignored, 1);
    let codes: Vec<(&str, &str)> = summary
        .unreadable
        .iter()
        .map(|u| {
            (
                Path::new(&u.path).file_name().unwrap().to_str().unwrap(),
                u.code.as_str(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            ("b-corrupt.png", "not_an_image"),
            ("c-truncated.png", "not_an_image"),
            ("d-giant.png", "image_too_large"),
            ("e-not-an-image.jpg", "not_an_image"),
        ]
    );
    let giant = &summary.unreadable[2];
    assert!(giant.reason.contains("60000x60000"), "{}", giant.reason);
    assert_eq!(lib.stats().unwrap().images, 2);
    // Nothing of the refused files went into the library folder.
    lib.check_integrity().unwrap();
}

#[test]
fn the_same_file_twice_is_one_image_and_a_rerun_skips_what_was_done() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(&dir.path().join("lib")).unwrap();
    let folder = dir.path().join("in");
    std::fs::create_dir(&folder).unwrap();
    let bytes = fx::comfy_png(11);
    write(&folder, "one.png", &bytes);
    write(&folder, "copy-of-one.png", &bytes);
    let first = import(&lib, &[&folder], false);
    assert_eq!(first.imported.len(), 1, "{first:#?}");
    assert_eq!(first.duplicates.len(), 1);
    assert_eq!(first.duplicates[0].reason, "same_bytes");
    assert_eq!(first.duplicates[0].image_id, first.imported[0].image_id);
    let again = import(&lib, &[&folder], false);
    assert!(again.imported.is_empty());
    assert_eq!(again.duplicates.len(), 2);
    assert!(
        again
            .duplicates
            .iter()
            .all(|d| d.reason == "already_imported")
    );
    assert_eq!(lib.stats().unwrap().images, 1);
}

#[test]
fn a_cancelled_import_picks_up_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(&dir.path().join("lib")).unwrap();
    let folder = dir.path().join("in");
    let nested = folder.join("nested");
    std::fs::create_dir_all(&nested).unwrap();
    for i in 0..10 {
        write(&folder, &format!("{i:02}.png"), &fx::plain_png(100 + i));
    }
    write(&nested, "deep.png", &fx::plain_png(999));
    let cancel = CancellationToken::new();
    let seen = AtomicU64::new(0);
    let request = ImportRequest {
        paths: vec![folder.clone()],
        recursive: true,
    };
    let first = run(
        &lib,
        &request,
        &|p| {
            assert_eq!(p.total, 11);
            if seen.fetch_add(1, Ordering::SeqCst) + 1 >= 3 {
                cancel.cancel();
            }
        },
        &cancel,
    )
    .unwrap();
    assert!(first.cancelled);
    let done = first.imported.len();
    assert!((3..11).contains(&done), "{first:#?}");
    assert_eq!(first.not_started as usize, 11 - done);
    let second = import(&lib, &[&folder], true);
    assert!(!second.cancelled);
    assert_eq!(second.imported.len(), 11 - done);
    assert_eq!(second.duplicates.len(), done);
    assert_eq!(lib.stats().unwrap().images, 11);
    // Without --recursive, the nested folder is not entered.
    let flat = import(&lib, &[&folder], false);
    assert_eq!(flat.duplicates.len(), 10);
}

#[test]
fn a_file_that_changed_since_it_was_imported_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(&dir.path().join("lib")).unwrap();
    let file = write(dir.path(), "x.png", &fx::plain_png(20));
    only_image(&import(&lib, &[&file], false));
    std::fs::write(&file, fx::invoke_png(21)).unwrap();
    let again = import(&lib, &[&file], false);
    assert_eq!(again.imported.len(), 1, "{again:#?}");
    assert_eq!(again.imported[0].tool, "invokeai");
    assert_eq!(lib.stats().unwrap().images, 2);
}

#[test]
fn missing_paths_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(&dir.path().join("lib")).unwrap();
    let summary = import(&lib, &[&dir.path().join("nope.png")], false);
    assert_eq!(summary.unreadable.len(), 1);
    assert_eq!(summary.unreadable[0].code, "missing");
}

#[test]
fn imported_files_have_their_content_credentials_read_and_recorded() {
    use easel_core::provenance::CredentialsState;
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(&dir.path().join("lib")).unwrap();
    let signed_path = crate::c2pa_support::fixture("C.jpg");
    let plain_path = crate::c2pa_support::fixture("no_manifest.jpg");
    let signed = only_image(&import(&lib, &[&signed_path], false));
    let plain = only_image(&import(&lib, &[&plain_path], false));

    // Recorded with the image: never "unread", so the library filter sees it at once.
    let c = lib
        .credentials(&signed)
        .unwrap()
        .expect("recorded on import");
    assert_eq!(c.state, CredentialsState::Valid, "{c:#?}");
    let origin = lib.import_origin(&signed).unwrap().unwrap();
    assert_eq!(origin.provenance.as_ref(), Some(&c));
    assert_eq!(
        lib.credentials(&plain).unwrap().unwrap().state,
        CredentialsState::None
    );
    assert_eq!(lib.import_origin(&plain).unwrap().unwrap().provenance, None);
}

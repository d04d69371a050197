//! The metadata checks must not pass silently when exiftool is missing: they fail with an
//! install hint unless EASEL_SKIP_EXIFTOOL=1 says otherwise. Proven by re-running one of
//! this binary's own tests with exiftool off the PATH.
#![allow(clippy::unwrap_used)]

use crate::export_support;

use std::process::Command;

use easel_core::export::{ExportOptions, export_one};
use export_support::*;

/// Runs for real in the normal suite; the test below re-runs it in a child process.
#[test]
fn exported_png_is_read_by_exiftool() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("o.png");
    write_png_rgba(&src, 16, 16);
    let it = item("probe", src, "x", commercial_license());
    let f = export_one(&it, &ExportOptions::default(), dir.path()).unwrap();
    if let Some(m) = exiftool(&f.path) {
        assert_eq!(
            tag(&m, "XMP-xmpMM:DocumentID").as_deref(),
            Some("easel:image:probe")
        );
    }
}

fn rerun_without_exiftool(skip: bool) -> std::process::Output {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "export_exiftool_required::exported_png_is_read_by_exiftool",
        "--test-threads=1",
    ])
    .env("PATH", "/nonexistent-easel-test-path")
    .env_remove("EASEL_SKIP_EXIFTOOL");
    if skip {
        cmd.env("EASEL_SKIP_EXIFTOOL", "1");
    }
    cmd.output().unwrap()
}

#[test]
fn missing_exiftool_fails_with_install_hint() {
    if std::env::var_os("EASEL_SKIP_EXIFTOOL").is_some() {
        return; // this very run opted out; the child would inherit nothing useful to check
    }
    let out = rerun_without_exiftool(false);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "must fail without exiftool:\n{text}");
    assert!(text.contains("libimage-exiftool-perl"), "{text}");

    let out = rerun_without_exiftool(true);
    assert!(out.status.success(), "EASEL_SKIP_EXIFTOOL=1 opts out");
}

//! Which files an import covers: each named file as it is (whatever its name, so that a
//! misnamed file is reported rather than skipped), and in each named folder the PNG, JPEG
//! and WebP files by extension, in sub-folders too when recursive. Hidden entries are
//! skipped; a folder reached twice (a link loop) is walked once.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What walking found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Files to import, sorted within each folder, without repeats.
    pub files: Vec<PathBuf>,
    /// Files in folders that are not PNG, JPEG or WebP by name.
    pub ignored: u64,
    /// Paths that could not be listed or do not exist, with why.
    pub problems: Vec<(PathBuf, String)>,
}

pub fn is_image_name(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["png", "jpg", "jpeg", "jpe", "webp"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

fn hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

pub fn walk(paths: &[PathBuf], recursive: bool, cancelled: &dyn Fn() -> bool) -> Walked {
    let mut out = Walked::default();
    let mut seen_files = BTreeSet::new();
    let mut seen_dirs = BTreeSet::new();
    for path in paths {
        let absolute = match std::path::absolute(path) {
            Ok(p) => p,
            Err(e) => {
                out.problems.push((path.clone(), e.to_string()));
                continue;
            }
        };
        match std::fs::metadata(&absolute) {
            Ok(m) if m.is_dir() => walk_dir(
                &absolute,
                recursive,
                &mut out,
                &mut seen_files,
                &mut seen_dirs,
                cancelled,
            ),
            Ok(_) => {
                if seen_files.insert(absolute.clone()) {
                    out.files.push(absolute);
                }
            }
            Err(e) => out.problems.push((absolute, io_reason(&e))),
        }
    }
    out
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "it does not exist".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}

fn walk_dir(
    dir: &Path,
    recursive: bool,
    out: &mut Walked,
    seen_files: &mut BTreeSet<PathBuf>,
    seen_dirs: &mut BTreeSet<PathBuf>,
    cancelled: &dyn Fn() -> bool,
) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if cancelled() {
            return;
        }
        let key = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        if !seen_dirs.insert(key) {
            continue;
        }
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                out.problems.push((dir, io_reason(&e)));
                continue;
            }
        };
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        for entry in entries {
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            if hidden(&path) {
                continue;
            }
            // Follows links: a linked folder is walked (once), a linked file imported.
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => dirs.push(path),
                Ok(m) if m.is_file() => {
                    if is_image_name(&path) {
                        files.push(path);
                    } else {
                        out.ignored += 1;
                    }
                }
                Ok(_) => {}
                Err(e) => out.problems.push((path, io_reason(&e))),
            }
        }
        files.sort();
        for f in files {
            if seen_files.insert(f.clone()) {
                out.files.push(f);
            }
        }
        if recursive {
            dirs.sort();
            // Popped from the end: push in reverse so sub-folders go in name order.
            stack.extend(dirs.into_iter().rev());
        }
    }
}

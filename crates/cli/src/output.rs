//! Everything easel-cli writes to stdout and stderr goes through here, so that:
//! - a closed stdout (`easel-cli list | head -1`) ends the output quietly instead of a panic;
//!   the command's own outcome (and exit code) stands;
//! - text for people has control characters made visible, so a prompt or a provider's revised
//!   prompt cannot drive the user's terminal (set its title, clear it, plant links);
//! - JSON is written exactly as serialised (its strings are escaped by JSON itself).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether a write to stdout failed (the reader went away); later output is dropped.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

fn write_stdout(text: &str) {
    if stdout_closed() {
        return;
    }
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    if written.is_err() {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// One line for people on stdout, control characters made visible.
pub fn line(args: std::fmt::Arguments<'_>) {
    write_stdout(&visible(&args.to_string()));
}

/// One line for people on stderr, control characters made visible. Never fails.
pub fn err_line(args: std::fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", visible(&args.to_string()));
}

/// One JSON document on stdout, exactly, on one line.
pub fn json(value: &serde_json::Value) {
    write_stdout(&value.to_string());
}

/// One JSON document on stdout, exactly, indented.
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|e| {
        serde_json::json!({ "error": { "code": "internal", "message": e.to_string() } }).to_string()
    });
    write_stdout(&text);
}

/// `text` with every character that a terminal would act on rather than show replaced by
/// its escaped form (`\u{1b}`): C0 and C1 controls, DEL, and the bidirectional overrides
/// that reorder what is shown. Tabs and line breaks become spaces.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\t' | '\n' => out.push(' '),
            c if needs_escape(c) => {
                let _ = write!(out, "{}", c.escape_unicode());
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `println!` for people: see [`line`].
macro_rules! outln {
    () => { $crate::output::line(format_args!("")) };
    ($($arg:tt)*) => { $crate::output::line(format_args!($($arg)*)) };
}

/// `eprintln!` for people: see [`err_line`].
macro_rules! errln {
    ($($arg:tt)*) => { $crate::output::err_line(format_args!($($arg)*)) };
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn escape_sequences_are_shown_not_obeyed() {
        let hostile = "a\x1b]0;owned\x07b\x1b[2Jc\u{9b}d\u{202E}e\r";
        let shown = visible(hostile);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        assert_eq!(
            shown,
            "a\\u{1b}]0;owned\\u{7}b\\u{1b}[2Jc\\u{9b}d\\u{202e}e\\u{d}"
        );
        assert_eq!(visible("plain ★ text"), "plain ★ text");
        assert_eq!(visible("two\nlines"), "two lines");
    }
}

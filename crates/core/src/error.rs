//! One error type for everything core does. Each variant has a stable `code()` that front
//! ends branch on, and a message that tells a person what to do next.

use std::path::PathBuf;
use std::time::Duration;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request is not one the provider would accept; nothing was sent.
    #[error("{0}")]
    InvalidInput(String),

    #[error("{what} was not found.")]
    NotFound { what: String },

    /// The search text is not valid search language; `start..end` (characters) is the part
    /// to underline. Code `invalid_input`, like any other bad input.
    #[error("{message} (characters {start}-{end} of the search)")]
    InvalidSearch {
        message: String,
        start: u32,
        end: u32,
    },

    /// 401/403, or no key configured at all.
    #[error("{message} Check the API key in Settings (or the {env_var} environment variable).")]
    Auth { message: String, env_var: String },

    /// 429 that is a real rate limit; retried by the client until its budget runs out.
    #[error("The provider is rate-limiting requests: {message} Try again in a little while.")]
    RateLimited {
        message: String,
        retry_after: Option<Duration>,
    },

    /// `insufficient_quota`, `billing_hard_limit_reached`: retrying cannot help.
    #[error(
        "Your provider account has no quota left; check its plan and billing. The provider said: {message}"
    )]
    QuotaExhausted { message: String },

    /// `content_policy_violation`, `moderation_blocked`.
    #[error(
        "The provider's safety system refused this prompt: {message} Rephrase the prompt and try again."
    )]
    RejectedBySafety { message: String },

    /// Connection refused, DNS, reset, TLS: the request may not have reached the provider.
    #[error("Could not reach the provider: {message} Check your network connection.")]
    Network { message: String },

    /// A local engine that is not running, not at its URL, or stopped answering.
    #[error("{message}")]
    EngineUnreachable { message: String },

    /// An AUTOMATIC1111/Forge that runs without `--api` (every `/sdapi/v1` route is 404).
    #[error("{message}")]
    EngineApiOff { message: String },

    /// A ComfyUI workflow Easel cannot run: the UI format, no sampler, an input that is not
    /// where the mapping says.
    #[error("{message}")]
    Workflow { message: String },

    #[error("The provider did not answer in time ({message}).")]
    Timeout { message: String },

    #[error("The job was cancelled.")]
    Cancelled,

    /// A paid request (Getty's generate or licence download, which have no idempotency key)
    /// may or may not have reached the provider; it is never re-sent blindly.
    #[error(
        "{message} It is not known whether the provider accepted the request. Check your account with the provider (its generation history or downloads) before trying again, so that you are not charged twice."
    )]
    OutcomeUnknown { message: String },

    /// 5xx or any other answer the provider gave that is an error of its own.
    #[error("The provider answered with an error (HTTP {status}): {message}")]
    Provider { status: u16, message: String },

    /// A body not in the documented shape, base64 that is not base64, and the like.
    #[error("The provider's answer could not be understood: {message}")]
    BadResponse { message: String },

    /// A result link that has stopped working (Firefly's output URLs last one hour): what
    /// was made cannot be fetched any more, only made again.
    #[error("The provider's link to the result has expired: {message}")]
    Expired { message: String },

    #[error("The provider's answer is not an image the app can read: {message}")]
    NotAnImage { message: String },

    #[error("The image is too large to open safely ({width}x{height}; the limit is {limit}).")]
    ImageTooLarge {
        width: u64,
        height: u64,
        limit: String,
    },

    #[error(
        "This library was written by a newer version of Easel (schema {found}; this version knows up to {supported}). Update Easel to open it; nothing was changed."
    )]
    DatabaseTooNew { found: i64, supported: i64 },

    #[error("The library database failed: {0}")]
    Database(rusqlite::Error),

    /// No space left where Easel writes. Reading may still work; writing cannot. The message
    /// does not promise browsing: it is also what an upgrade that could not finish says.
    #[error(
        "The disk holding {place} is full, so nothing could be saved. Free some space and try again."
    )]
    DiskFull { place: String },

    /// The library (or a file in it) cannot be written: a read-only folder, file or disk.
    #[error(
        "{place} is read-only, so nothing can be saved there. To make changes, make the folder and its files writable for your user."
    )]
    ReadOnly { place: String },

    /// A stored original whose bytes no longer match what was stored (truncated, overwritten).
    #[error(
        "The original file of image {image_id} is damaged ({detail}); it is not used as if it were the image. Restore it from a backup, or run `easel-cli check --repair` to mark it."
    )]
    Damaged { image_id: String, detail: String },

    /// A generation whose answer was only partly stored (a full disk midway, say).
    #[error(
        "Only {stored} of the {returned} images the provider returned (and charged for) could be stored; the other {} were lost: {reason}",
        returned - stored
    )]
    PartlyStored {
        stored: usize,
        returned: usize,
        reason: String,
    },

    /// A settings or key file (or its folder) that other local users could change.
    #[error(
        "{} can be changed by other users of this computer, so Easel will not use it. Run `chmod go-w {}` after checking its contents.",
        path.display(), path.display()
    )]
    InsecurePermissions { path: PathBuf },

    #[error("Could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("The system keychain failed: {message}")]
    Keychain { message: String },

    #[error("Export failed: {message}")]
    Export { message: String },

    /// Content Credentials could not be signed (a certificate or key that does not fit).
    #[error("{message}")]
    Signing { message: String },

    /// A file already has the chosen name and overwriting was refused.
    #[error("{} already exists. Choose another name or folder, or let Easel add a number.", path.display())]
    FileExists { path: PathBuf },
}

impl Error {
    /// Stable identifier for front ends; never change an existing one.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput(_) | Error::InvalidSearch { .. } => "invalid_input",
            Error::NotFound { .. } => "not_found",
            Error::Auth { .. } => "auth",
            Error::RateLimited { .. } => "rate_limited",
            Error::QuotaExhausted { .. } => "quota_exhausted",
            Error::RejectedBySafety { .. } => "rejected_by_safety",
            Error::Network { .. } => "network",
            Error::Timeout { .. } => "timeout",
            Error::EngineUnreachable { .. } => "engine_unreachable",
            Error::EngineApiOff { .. } => "engine_api_off",
            Error::Workflow { .. } => "workflow",
            Error::Cancelled => "cancelled",
            Error::OutcomeUnknown { .. } => "outcome_unknown",
            Error::Provider { .. } => "provider_error",
            Error::BadResponse { .. } => "bad_response",
            Error::NotAnImage { .. } => "not_an_image",
            Error::Expired { .. } => "expired",
            Error::ImageTooLarge { .. } => "image_too_large",
            Error::DatabaseTooNew { .. } => "database_too_new",
            Error::Database(_) => "database",
            Error::DiskFull { .. } => "disk_full",
            Error::ReadOnly { .. } => "read_only",
            Error::Damaged { .. } => "damaged",
            Error::PartlyStored { .. } => "partly_stored",
            Error::InsecurePermissions { .. } => "insecure_permissions",
            Error::Io { .. } => "io",
            Error::Keychain { .. } => "keychain",
            Error::Export { .. } => "export",
            Error::Signing { .. } => "signing",
            Error::FileExists { .. } => "file_exists",
        }
    }

    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::from_io(action, path, source)
    }

    /// An I/O failure, named for what it means to the user when that is clear (a full disk,
    /// a read-only file system), else as it is.
    pub fn from_io(action: &'static str, path: PathBuf, source: std::io::Error) -> Error {
        use std::io::ErrorKind;
        match source.kind() {
            ErrorKind::StorageFull | ErrorKind::QuotaExceeded => Error::DiskFull {
                place: path.display().to_string(),
            },
            ErrorKind::ReadOnlyFilesystem => Error::ReadOnly {
                place: path.display().to_string(),
            },
            _ => Error::Io {
                action,
                path,
                source,
            },
        }
    }

    /// A database failure, classified: a full disk and a read-only database get their own
    /// codes and messages; `where_` is the file or folder they are about.
    pub fn from_sqlite(e: rusqlite::Error, where_: &std::path::Path) -> Error {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Error::DiskFull {
                place: where_.display().to_string(),
            },
            Some(ErrorCode::ReadOnly) => Error::ReadOnly {
                place: format!("The library at {}", where_.display()),
            },
            // SQLite reports a failed write as a plain I/O error: say "full" when it is.
            Some(ErrorCode::SystemIoFailure) if crate::private_fs::disk_is_full(where_) => {
                Error::DiskFull {
                    place: where_.display().to_string(),
                }
            }
            _ => Error::Database(e),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Error {
        Error::NotFound { what: what.into() }
    }
}

/// The shape errors take when they cross to a front end (JSON on the CLI, IPC in the app).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
}

impl From<rusqlite::Error> for Error {
    /// Without a path at hand: full disk and read-only are still named as such.
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Error::DiskFull {
                place: "the library".into(),
            },
            Some(ErrorCode::ReadOnly) => Error::ReadOnly {
                place: "The library".into(),
            },
            Some(ErrorCode::SystemIoFailure) => match full_library_disk() {
                Some(root) => Error::DiskFull {
                    place: root.display().to_string(),
                },
                None => Error::Database(e),
            },
            _ => Error::Database(e),
        }
    }
}

/// Folders of the libraries this process opened: a plain I/O error from SQLite while the disk
/// holding one of them is full is named as a full disk.
static LIBRARY_ROOTS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

pub(crate) fn note_library_root(root: &std::path::Path) {
    let mut roots = LIBRARY_ROOTS.lock().unwrap_or_else(|p| p.into_inner());
    if !roots.iter().any(|r| r == root) {
        roots.push(root.to_owned());
    }
}

fn full_library_disk() -> Option<PathBuf> {
    let roots = LIBRARY_ROOTS.lock().unwrap_or_else(|p| p.into_inner());
    roots
        .iter()
        .find(|r| crate::private_fs::disk_is_full(r))
        .cloned()
}

impl From<&Error> for ErrorPayload {
    fn from(e: &Error) -> Self {
        ErrorPayload {
            code: e.code().to_owned(),
            message: e.to_string(),
        }
    }
}

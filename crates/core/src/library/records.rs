//! The shapes the library takes in and hands out. Times are RFC 3339 strings here and unix
//! milliseconds in the database.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::license::{CommercialUse, LicenseSnapshot};
use crate::providers::LicenseStatus;
use crate::request::GenerationParams;

pub type GenerationId = String;

/// One image the provider returned, ready to be stored.
#[derive(Debug, Clone)]
pub struct NewImage<'a> {
    pub generation_id: &'a str,
    /// Position in the provider's answer (0-based).
    pub index: u32,
    /// Exactly the provider's bytes; stored unchanged.
    pub bytes: &'a [u8],
    pub revised_prompt: Option<String>,
    pub seed: Option<i64>,
    pub license: LicenseSnapshot,
    pub facts: ImageFacts,
}

/// What the provider said about one image besides its bytes and licence (whose `status` and
/// `transaction` say whether it is a preview or was licensed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageFacts {
    /// Replaced by the provider's moderation (a blurred image); kept, since it was paid for.
    pub filtered: bool,
    /// The provider's own id for the image, to license, vary or re-download it.
    pub asset_id: Option<String>,
    /// The preview image this full-size file was licensed from.
    pub licensed_from: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerationDone {
    pub request_id: Option<String>,
    pub usage: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum GenerationStatus {
    Running,
    Succeeded,
    Failed,
    /// The app stopped while the request was in flight; never re-sent (it may have cost money).
    Interrupted,
    Cancelled,
}

impl GenerationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GenerationStatus::Running => "running",
            GenerationStatus::Succeeded => "succeeded",
            GenerationStatus::Failed => "failed",
            GenerationStatus::Interrupted => "interrupted",
            GenerationStatus::Cancelled => "cancelled",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<GenerationStatus> {
        Some(match s {
            "running" => GenerationStatus::Running,
            "succeeded" => GenerationStatus::Succeeded,
            "failed" => GenerationStatus::Failed,
            "interrupted" => GenerationStatus::Interrupted,
            "cancelled" => GenerationStatus::Cancelled,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ImageFormat {
    Png,
    Jpeg,
    Webp,
}

impl ImageFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Webp => "webp",
        }
    }

    /// File extension of originals in this format.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Webp => "webp",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<ImageFormat> {
        Some(match s {
            "png" => ImageFormat::Png,
            "jpeg" => ImageFormat::Jpeg,
            "webp" => ImageFormat::Webp,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ThumbSize {
    /// 256 px long edge: grids.
    Small,
    /// 768 px long edge: previews.
    Large,
}

impl ThumbSize {
    pub const ALL: [ThumbSize; 2] = [ThumbSize::Small, ThumbSize::Large];

    pub fn long_edge(self) -> u32 {
        match self {
            ThumbSize::Small => 256,
            ThumbSize::Large => 768,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum SortOrder {
    #[default]
    NewestFirst,
    OldestFirst,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ListQuery {
    /// The search language (see `search_language`): free words over prompt and revised
    /// prompt (quoted for FTS, so no input is FTS syntax; the last word, or any ending in
    /// `*`, matches as a prefix), `"phrases"`, `-word`, and `key:value` filters.
    pub text: Option<String>,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub favorites_only: bool,
    /// Only images whose terms allow commercial use: `yes` or `conditional`.
    pub commercial_only: bool,
    /// Only images with (or without) Content Credentials; `credentials:` in `text` wins.
    pub credentials: Option<super::search_language::CredentialsFilter>,
    /// RFC 3339, inclusive.
    pub since: Option<String>,
    /// RFC 3339, exclusive.
    pub until: Option<String>,
    pub order: SortOrder,
    /// `next` of the previous page.
    pub cursor: Option<String>,
    /// Clamped to 1..=500; 0 means the default (100).
    pub limit: u32,
}

/// How many images a search matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MatchCount {
    pub count: u64,
    /// False when counting stopped at `count` ("10,000+ matches").
    pub exact: bool,
    /// True when the list can be entered at any of its positions (`cursor_at`): the whole
    /// library, a board or a tag on its own, or words alone (no filters). A window can then
    /// give every position its place from the start.
    pub any_position: bool,
}

/// An older library brought up to this version's schema as it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SchemaUpgrade {
    /// The schema version the library was at.
    pub from: u32,
    /// This version's.
    pub to: u32,
}

/// Counting a search stops here; whole-library, board, tag and text-only counts are exact.
pub const MATCH_COUNT_CAP: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImagePage {
    pub images: Vec<ImageSummary>,
    /// Cursor for the next page; `None` on the last page.
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImageSummary {
    pub id: String,
    pub generation_id: String,
    pub prompt: String,
    pub provider: String,
    pub model: String,
    pub created_at: String,
    pub width: u32,
    pub height: u32,
    pub format: ImageFormat,
    pub favorite: bool,
    pub commercial_use: CommercialUse,
    /// The provider's moderation replaced the content (a blurred image).
    pub filtered: bool,
    pub license_status: LicenseStatus,
    /// A library check found the original's bytes no longer match what was stored.
    pub damaged: bool,
    /// Absolute path of the original, for scripts (the CLI prints it). Never serialized, so
    /// that no file path crosses to the webview.
    #[serde(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImageDetail {
    #[serde(flatten)]
    pub summary: ImageSummary,
    pub index: u32,
    pub sha256: String,
    pub byte_size: u64,
    pub revised_prompt: Option<String>,
    pub seed: Option<i64>,
    pub params: GenerationParams,
    pub usage: Option<Value>,
    pub request_id: Option<String>,
    /// The terms as they were when the image was stored.
    pub license: LicenseSnapshot,
    pub generation_status: GenerationStatus,
    /// The provider's own id for the image (to license, vary or re-download it).
    pub asset_id: Option<String>,
    /// The preview this full-size file was licensed from.
    pub licensed_from: Option<String>,
}

/// What the image record store returns right after storing.
pub type ImageRecord = ImageDetail;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationRecord {
    pub id: String,
    pub provider: String,
    pub model: String,
    pub prompt: String,
    /// Every parameter as sent.
    pub params: GenerationParams,
    pub status: GenerationStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub request_id: Option<String>,
    pub usage: Option<Value>,
    pub created_at: String,
    pub finished_at: Option<String>,
    /// Ids of the generation's images that are not deleted, in answer order.
    pub image_ids: Vec<String>,
}

/// Totals for a settings or status screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryStats {
    /// Live (not deleted) images.
    pub images: u64,
    pub favorites: u64,
    /// Soft-deleted images waiting for a purge.
    pub deleted: u64,
    pub generations: u64,
    /// Bytes of distinct originals on disk (shared files counted once).
    pub original_bytes: u64,
}

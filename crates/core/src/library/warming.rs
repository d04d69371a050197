//! Reading ahead, at start-up, what the Library shows first.

use super::Library;
use super::records::ListQuery;
use super::records::ThumbSize;
use crate::error::Result;

impl Library {
    /// Reads the newest `count` images' summaries and small thumbnails (re-making those that
    /// are missing), so that they sit in SQLite's and the OS's caches when the window asks.
    /// Meant to run beside the web view's own start, which takes far longer: a window that
    /// reopens on the Library then finds its first screen warm even after a cold boot.
    /// Returns how many thumbnails were read; one that cannot be made or read is skipped
    /// (the grid's own request reports it).
    pub fn warm_first_screen(&self, count: u32) -> Result<usize> {
        let page = self.list(&ListQuery {
            limit: count,
            ..ListQuery::default()
        })?;
        let read = page
            .images
            .iter()
            .filter_map(|image| self.thumbnail_path(&image.id, ThumbSize::Small).ok())
            .filter(|path| std::fs::read(path).is_ok())
            .count();
        Ok(read)
    }
}

//! Reading an original is checking it: the bytes must still hash to the sha256 recorded when
//! they were stored. A truncated or overwritten file is reported as damaged, never used (shown,
//! exported, served) as if it were the image.

use std::path::Path;

use rusqlite::OptionalExtension;

use super::records::ImageFormat;
use super::{Library, blobs, corrupt, image_not_found};
use crate::error::{Error, Result};

impl Library {
    /// The bytes of a live image's original, checked against the sha256 they were stored
    /// under. `Error::Damaged` when they no longer match, `Error::NotFound` when the file is gone.
    pub fn read_original(&self, id: &str) -> Result<Vec<u8>> {
        let (sha, format, byte_size): (String, String, i64) = self
            .conn()
            .query_row(
                "SELECT sha256, format, byte_size FROM images WHERE id = ?1 AND deleted_at IS NULL",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| image_not_found(id))?;
        let format = ImageFormat::parse(&format).ok_or_else(|| corrupt("image format", &format))?;
        let path = self.layout.original(&sha, format.extension());
        read_verified(&path, &sha, u64::try_from(byte_size).ok(), id)
    }
}

/// The file at `path`, if it still holds the bytes whose sha256 is `sha` (and, when known,
/// `expected_len` of them).
pub fn read_verified(
    path: &Path,
    sha: &str,
    expected_len: Option<u64>,
    image_id: &str,
) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::not_found(format!(
            "The original file of image {image_id} ({})",
            path.display()
        )),
        _ => Error::io("read", path)(e),
    })?;
    if !blobs::sha256_hex(&bytes).eq_ignore_ascii_case(sha) {
        let detail = match expected_len {
            Some(len) if len != bytes.len() as u64 => format!(
                "{} holds {} bytes where {len} were stored",
                path.display(),
                bytes.len()
            ),
            _ => format!(
                "the bytes of {} changed since they were stored",
                path.display()
            ),
        };
        return Err(Error::Damaged {
            image_id: image_id.to_owned(),
            detail,
        });
    }
    Ok(bytes)
}

//! Near-duplicates: a 64-bit difference hash (dHash) of each image, and groups of images
//! whose hashes differ in a few bits.
//!
//! dHash: the picture in grey, averaged down to 9x8, one bit per pair of neighbours in a row
//! (is the left one brighter?). Re-encoding, resizing and small edits change few bits;
//! different pictures differ in about half.

use std::collections::HashMap;

use image::DynamicImage;
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::query::SUMMARY_COLUMNS;
use super::records::{ImageSummary, ThumbSize};
use super::{Library, decode};
use crate::error::{Error, Result};

/// Hashes differing in at most this many bits are near-duplicates by default.
pub const DEFAULT_MAX_DISTANCE: u32 = 5;
/// The grouping below finds every pair up to this distance (see `near_duplicates`).
pub const MAX_DISTANCE: u32 = 7;

pub fn dhash(image: &DynamicImage) -> u64 {
    let grey = image.to_luma8();
    let small = image::imageops::thumbnail(&grey, 9, 8);
    let mut hash = 0u64;
    for y in 0..8 {
        for x in 0..8 {
            let left = small.get_pixel(x, y)[0];
            let right = small.get_pixel(x + 1, y)[0];
            hash = (hash << 1) | u64::from(left > right);
        }
    }
    hash
}

/// Images that look alike, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DuplicateGroup {
    pub ids: Vec<String>,
    /// The same images, in the same order, with what tells them apart when choosing which
    /// to keep (size, format, date, favourite, provider and model).
    pub images: Vec<ImageSummary>,
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Groups of indexes into `hashes` whose members are linked by pairs at most `max` bits
/// apart. Each hash is cut into four 16-bit bands: two hashes within 7 bits share a band
/// exactly or differ in one bit of one band (pigeonhole), so probing each band's value and
/// its 16 one-bit neighbours finds every pair without comparing all of them.
pub fn group(hashes: &[u64], max: u32) -> Vec<Vec<usize>> {
    let max = max.min(MAX_DISTANCE);
    let probe_neighbours = max >= 4;
    let band = |h: u64, b: u32| ((h >> (16 * b)) & 0xffff) as u16;
    let mut buckets: HashMap<(u32, u16), Vec<usize>> = HashMap::new();
    for (i, h) in hashes.iter().enumerate() {
        for b in 0..4 {
            buckets.entry((b, band(*h, b))).or_default().push(i);
        }
    }
    let mut parent: Vec<usize> = (0..hashes.len()).collect();
    for (i, h) in hashes.iter().enumerate() {
        for b in 0..4 {
            let v = band(*h, b);
            let flips = if probe_neighbours { 16 } else { 0 };
            for probe in std::iter::once(v).chain((0..flips).map(|k| v ^ (1 << k))) {
                let Some(bucket) = buckets.get(&(b, probe)) else {
                    continue;
                };
                for &j in bucket {
                    if j > i && (h ^ hashes[j]).count_ones() <= max {
                        let (a, c) = (find(&mut parent, i), find(&mut parent, j));
                        if a != c {
                            parent[a] = c;
                        }
                    }
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..hashes.len() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    out.sort();
    out
}

impl Library {
    /// Groups of live images that look alike (hashes at most `max_distance` bits apart,
    /// capped at `MAX_DISTANCE`), largest group first; images not hashed yet are left out
    /// (see `hash_unhashed_images`).
    pub fn near_duplicates(&self, max_distance: u32) -> Result<Vec<DuplicateGroup>> {
        // A read of every hash: the reader's connection, so writes go on meanwhile.
        let conn = self.read_conn();
        let rows: Vec<(i64, i64)> = conn
            .prepare(
                "SELECT seq, dhash FROM images WHERE deleted_at IS NULL AND dhash IS NOT NULL",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let hashes: Vec<u64> = rows.iter().map(|(_, h)| *h as u64).collect();
        let mut groups = group(&hashes, max_distance);
        groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM images i JOIN generations g ON g.id = i.generation_id \
             WHERE i.seq = ?1"
        ))?;
        let mut out = Vec::with_capacity(groups.len());
        for members in groups {
            let mut images: Vec<(i64, ImageSummary)> = members
                .iter()
                .map(|&m| stmt.query_row([rows[m].0], |r| self.summary(r)))
                .collect::<rusqlite::Result<_>>()?;
            images.sort_by(|a, b| (b.0, &b.1.id).cmp(&(a.0, &a.1.id)));
            out.push(DuplicateGroup {
                ids: images.iter().map(|(_, i)| i.id.clone()).collect(),
                images: images.into_iter().map(|(_, i)| i).collect(),
            });
        }
        Ok(out)
    }

    /// Hashes up to `batch` live images stored before hashes existed (those after rowid
    /// `after`), from their small thumbnails; the lock is held only for the reads and the
    /// write, not while decoding. Call again with `next_after` until it is `None`, off the
    /// start-up path. Images that cannot be read stay unhashed (`check` reports them).
    pub fn hash_unhashed_images(&self, after: i64, batch: u32) -> Result<HashStep> {
        self.ensure_writable()?;
        let todo: Vec<(i64, String)> = self
            .conn()
            .prepare_cached(
                "SELECT i.seq, i.id FROM images i WHERE i.dhash IS NULL AND i.deleted_at IS NULL \
                 AND i.seq > ?1 ORDER BY i.seq LIMIT ?2",
            )?
            .query_map(params![after, batch.max(1)], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut hashes = Vec::with_capacity(todo.len());
        for (seq, id) in &todo {
            let hash = self
                .thumbnail_path(id, ThumbSize::Small)
                .and_then(|path| std::fs::read(&path).map_err(Error::io("read", &path)))
                .and_then(|bytes| decode::decode(&bytes))
                .map(|(_, image)| dhash(&image));
            match hash {
                Ok(h) => hashes.push((*seq, h)),
                Err(e) => tracing::warn!(id, error = %e, "image not hashed"),
            }
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for (seq, h) in &hashes {
            tx.execute(
                "UPDATE images SET dhash = ?2 WHERE seq = ?1",
                params![seq, *h as i64],
            )?;
        }
        tx.commit()?;
        Ok(HashStep {
            hashed: hashes.len(),
            next_after: todo.last().map(|(seq, _)| *seq),
        })
    }
}

/// What one step of `hash_unhashed_images` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashStep {
    pub hashed: usize,
    /// Where the next step starts; `None` when no unhashed image is left.
    pub next_after: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_close_hashes_and_only_those() {
        let a = 0x0123_4567_89ab_cdefu64;
        let b = a ^ 0b1011; // 3 bits
        let c = a ^ (1 << 63) ^ (1 << 47) ^ (1 << 31) ^ (1 << 15) ^ (1 << 14) ^ (1 << 1); // 6 bits, spread over every band
        let d = !a; // far from all
        let groups = group(&[a, b, c, d], 6);
        assert_eq!(groups, vec![vec![0, 1, 2]]);
        assert_eq!(group(&[a, b, c, d], 3), vec![vec![0, 1]]);
        assert!(group(&[a, d], 7).is_empty());
    }
}

//! Free-form `WIDTHxHEIGHT` sizes: parsing, and checking them against a model's rule.

use super::CustomSizeRule;

impl CustomSizeRule {
    /// Why `w`x`h` breaks the rule, or None when it is allowed.
    pub fn violation(&self, w: u32, h: u32) -> Option<String> {
        let m = self.multiple_of;
        if w == 0 || h == 0 || !w.is_multiple_of(m) || !h.is_multiple_of(m) {
            return Some(format!("width and height must be multiples of {m}"));
        }
        let (long, short) = (w.max(h), w.min(h));
        if long > self.max_edge {
            return Some(format!(
                "each side must be at most {} pixels",
                self.max_edge
            ));
        }
        if f64::from(long) > f64::from(short) * self.max_aspect_ratio {
            return Some(format!(
                "the long side must be at most {} times the short side (aspect 1:{r}..{r}:1)",
                self.max_aspect_ratio,
                r = self.max_aspect_ratio
            ));
        }
        let pixels = u64::from(w) * u64::from(h);
        if pixels > self.max_pixels {
            return Some(format!(
                "at most {} pixels in all (e.g. 3840x2160); this is {pixels}",
                self.max_pixels
            ));
        }
        if pixels < self.min_pixels {
            return Some(format!(
                "at least {} pixels in all (e.g. 1024x640); this is {pixels}",
                self.min_pixels
            ));
        }
        None
    }
}

/// Parses "WIDTHxHEIGHT" with plain decimal digits only (no signs, spaces or leading zeros
/// tricks the provider might read differently).
pub fn parse_size(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.split_once('x')?;
    let num = |t: &str| -> Option<u32> {
        if t.is_empty()
            || t.len() > 5
            || !t.bytes().all(|b| b.is_ascii_digit())
            || t.starts_with('0')
        {
            return None;
        }
        t.parse().ok()
    };
    Some((num(w)?, num(h)?))
}

//! A mask as the painter in the window draws it: brush strokes (with eraser strokes, soft
//! edges and an invert switch) in the image's own pixel coordinates. It crosses IPC as a
//! few numbers instead of an image, and becomes Easel's mask (`Strength`) here, at the
//! image's exact size.

use serde::{Deserialize, Serialize};

use super::Strength;
use crate::error::{Error, Result};

/// Most points in one painting: a long session of strokes, far below what would hurt.
const MAX_POINTS: usize = 200_000;

/// One stroke of the brush (or of the eraser).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MaskStroke {
    /// The brush's path, `[x, y]` in image pixels; one point is a dab.
    pub points: Vec<[f32; 2]>,
    /// Brush radius in image pixels.
    pub radius: f32,
    /// Removes paint instead of adding it.
    #[serde(default)]
    pub erase: bool,
    /// How much of the radius fades out: 0 = a hard edge, 1 = fading from the centre.
    #[serde(default)]
    pub softness: f32,
}

/// Everything painted on one image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MaskPainting {
    pub strokes: Vec<MaskStroke>,
    /// Change what was not painted, keep what was.
    #[serde(default)]
    pub invert: bool,
}

impl MaskPainting {
    /// The painting as Easel's mask for a `width`x`height` image.
    pub fn rasterize(&self, width: u32, height: u32) -> Result<Strength> {
        let points: usize = self.strokes.iter().map(|s| s.points.len()).sum();
        if points > MAX_POINTS {
            return Err(Error::InvalidInput(format!(
                "The mask has {points} brush points; at most {MAX_POINTS} are kept. Clear it and paint again."
            )));
        }
        let (w, h) = (width as usize, height as usize);
        let mut values = vec![0f32; w * h];
        for stroke in &self.strokes {
            let r = stroke.radius;
            if !(r.is_finite() && r > 0.0) || stroke.points.is_empty() {
                continue;
            }
            let soft = if stroke.softness.is_finite() {
                stroke.softness.clamp(0.0, 1.0)
            } else {
                0.0
            };
            let pts: Vec<[f32; 2]> = stroke
                .points
                .iter()
                .copied()
                .filter(|p| p[0].is_finite() && p[1].is_finite())
                .collect();
            let segments: Vec<([f32; 2], [f32; 2])> = if pts.len() == 1 {
                vec![(pts[0], pts[0])]
            } else {
                pts.windows(2).map(|p| (p[0], p[1])).collect()
            };
            for (a, b) in segments {
                let x0 = (a[0].min(b[0]) - r).floor().max(0.0) as usize;
                let y0 = (a[1].min(b[1]) - r).floor().max(0.0) as usize;
                let x1 = ((a[0].max(b[0]) + r).ceil().max(0.0) as usize).min(w);
                let y1 = ((a[1].max(b[1]) + r).ceil().max(0.0) as usize).min(h);
                for y in y0..y1 {
                    for x in x0..x1 {
                        // Pixel centres.
                        let d = distance_to_segment([x as f32 + 0.5, y as f32 + 0.5], a, b);
                        let cover = coverage(d, r, soft);
                        if cover <= 0.0 {
                            continue;
                        }
                        let v = &mut values[y * w + x];
                        *v = if stroke.erase {
                            *v * (1.0 - cover)
                        } else {
                            v.max(cover)
                        };
                    }
                }
            }
        }
        let values = values
            .into_iter()
            .map(|v| {
                let byte = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
                if self.invert { 255 - byte } else { byte }
            })
            .collect();
        Ok(Strength {
            width,
            height,
            values,
        })
    }
}

fn distance_to_segment(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    };
    let (cx, cy) = (a[0] + t * dx, a[1] + t * dy);
    ((p[0] - cx).powi(2) + (p[1] - cy).powi(2)).sqrt()
}

/// How much of a pixel at distance `d` the brush covers: fully inside the hard core, fading
/// linearly to nothing at the radius over the soft part.
fn coverage(d: f32, r: f32, soft: f32) -> f32 {
    let core = r * (1.0 - soft);
    if d <= core {
        1.0
    } else if d >= r {
        0.0
    } else {
        (r - d) / (r - core)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &Strength, x: u32, y: u32) -> u8 {
        s.values[(y * s.width + x) as usize]
    }

    #[test]
    fn a_hard_dab_paints_a_disc() {
        let p = MaskPainting {
            strokes: vec![MaskStroke {
                points: vec![[10.0, 10.0]],
                radius: 4.0,
                erase: false,
                softness: 0.0,
            }],
            invert: false,
        };
        let s = p.rasterize(20, 20).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((s.width, s.height, s.values.len()), (20, 20, 400));
        assert_eq!(at(&s, 10, 10), 255);
        assert_eq!(at(&s, 12, 10), 255);
        assert_eq!(at(&s, 16, 10), 0);
        assert_eq!(at(&s, 0, 0), 0);
    }

    #[test]
    fn soft_edges_fade_and_the_eraser_and_invert_work() {
        let brush = MaskStroke {
            points: vec![[2.0, 5.0], [18.0, 5.0]],
            radius: 4.0,
            erase: false,
            softness: 1.0,
        };
        let soft = MaskPainting {
            strokes: vec![brush.clone()],
            invert: false,
        }
        .rasterize(20, 10)
        .unwrap_or_else(|e| panic!("{e}"));
        let centre = at(&soft, 10, 5);
        let edge = at(&soft, 10, 7);
        assert!(centre > 200 && edge > 0 && edge < centre, "{centre} {edge}");
        assert_eq!(at(&soft, 10, 9), 0);
        let erased = MaskPainting {
            strokes: vec![
                MaskStroke {
                    softness: 0.0,
                    ..brush.clone()
                },
                MaskStroke {
                    points: vec![[10.0, 5.0]],
                    radius: 2.0,
                    erase: true,
                    softness: 0.0,
                },
            ],
            invert: true,
        }
        .rasterize(20, 10)
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(at(&erased, 10, 5), 255, "erased, then inverted");
        assert_eq!(at(&erased, 4, 5), 0, "painted, then inverted");
        assert_eq!(at(&erased, 10, 0), 255, "unpainted, then inverted");
    }

    #[test]
    fn nonsense_is_ignored_and_floods_are_refused() {
        let p = MaskPainting {
            strokes: vec![MaskStroke {
                points: vec![[f32::NAN, 1.0], [-50.0, -50.0]],
                radius: f32::INFINITY,
                erase: false,
                softness: f32::NAN,
            }],
            invert: false,
        };
        let s = p.rasterize(4, 4).unwrap_or_else(|e| panic!("{e}"));
        assert!(s.is_empty());
        let flood = MaskPainting {
            strokes: vec![MaskStroke {
                points: vec![[0.0, 0.0]; MAX_POINTS + 1],
                radius: 1.0,
                erase: false,
                softness: 0.0,
            }],
            invert: false,
        };
        assert!(flood.rasterize(4, 4).is_err());
    }
}

// The mask painter's arithmetic. Strokes are kept in the image's own pixels (that is what crosses
// to the core, which paints the real mask at the image's exact size); the overlay on screen is
// the same painting stamped into a smaller buffer with the same coverage rule as the core's
// (`crates/core/src/edit/painting.rs`), so what the user sees is what gets sent.
import type { MaskPainting, MaskStroke } from '$lib/ipc';

export type Point = [number, number];

/** The core keeps at most this many brush points in one painting. */
export const MAX_POINTS = 200_000;

/** Where a pointer at (clientX, clientY) falls on the image, in image pixels, given the
 *  on-screen box the image fills. Points off the image are clamped to its edge. */
export function toImagePoint(
  clientX: number,
  clientY: number,
  box: { left: number; top: number; width: number; height: number },
  image: { width: number; height: number },
): Point {
  const sx = box.width > 0 ? image.width / box.width : 1;
  const sy = box.height > 0 ? image.height / box.height : 1;
  const x = Math.min(image.width, Math.max(0, (clientX - box.left) * sx));
  const y = Math.min(image.height, Math.max(0, (clientY - box.top) * sy));
  return [x, y];
}

/** A brush `screenRadius` CSS pixels wide on screen, in image pixels. */
export function imageRadius(screenRadius: number, boxWidth: number, imageWidth: number): number {
  if (!(boxWidth > 0) || !(screenRadius > 0)) return Math.max(0.5, screenRadius);
  return Math.max(0.5, (screenRadius * imageWidth) / boxWidth);
}

/** Adds `point` to the stroke unless it is closer than a quarter radius to the last one
 *  (segments are painted whole, so denser points add nothing but bytes). True when added. */
export function extendStroke(stroke: MaskStroke, point: Point): boolean {
  const last = stroke.points[stroke.points.length - 1];
  if (last) {
    const spacing = Math.max(0.5, stroke.radius / 4);
    if (Math.hypot(point[0] - last[0], point[1] - last[1]) < spacing) return false;
  }
  stroke.points.push(point);
  return true;
}

export function pointCount(painting: MaskPainting): number {
  return painting.strokes.reduce((n, s) => n + s.points.length, 0);
}

/** True when nothing would be changed: no paint (or all of it erased is not tracked; an
 *  inverted empty painting changes everything). */
export function isEmpty(painting: MaskPainting): boolean {
  return !painting.invert && !painting.strokes.some((s) => !s.erase && s.points.length > 0);
}

/** How much of a pixel at distance `d` a brush of radius `r` covers: fully inside the hard
 *  core, fading linearly to nothing at the radius over the soft part (as the core). */
export function coverage(d: number, r: number, soft: number): number {
  const s = Number.isFinite(soft) ? Math.min(1, Math.max(0, soft)) : 0;
  const core = r * (1 - s);
  if (d <= core) return 1;
  if (d >= r) return 0;
  return (r - d) / (r - core);
}

function distanceToSegment(px: number, py: number, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, ((px - a[0]) * dx + (py - a[1]) * dy) / len2));
  return Math.hypot(px - (a[0] + t * dx), py - (a[1] + t * dy));
}

/** A painting buffer: one coverage value (0..1) per pixel. */
export type MaskBuffer = { width: number; height: number; values: Float32Array };

export function newBuffer(width: number, height: number): MaskBuffer {
  const w = Math.max(1, Math.round(width));
  const h = Math.max(1, Math.round(height));
  return { width: w, height: h, values: new Float32Array(w * h) };
}

/** Stamps the brush along segment a→b (already in the buffer's pixels). Paint keeps the
 *  larger coverage; the eraser removes in proportion to its coverage. */
export function stampSegment(buf: MaskBuffer, a: Point, b: Point, radius: number, softness: number, erase: boolean): void {
  const r = radius;
  if (!(r > 0) || !Number.isFinite(r)) return;
  const { width: w, height: h, values } = buf;
  const x0 = Math.max(0, Math.floor(Math.min(a[0], b[0]) - r));
  const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - r));
  const x1 = Math.min(w, Math.ceil(Math.max(a[0], b[0]) + r));
  const y1 = Math.min(h, Math.ceil(Math.max(a[1], b[1]) + r));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      // Pixel centres, as the core.
      const cover = coverage(distanceToSegment(x + 0.5, y + 0.5, a, b), r, softness);
      if (cover <= 0) continue;
      const i = y * w + x;
      values[i] = erase ? values[i] * (1 - cover) : Math.max(values[i], cover);
    }
  }
}

/** Stamps one whole stroke, given the factor from image pixels to the buffer's. */
export function stampStroke(buf: MaskBuffer, stroke: MaskStroke, scale: number): void {
  const pts = stroke.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  if (pts.length === 0) return;
  const r = stroke.radius * scale;
  const at = (p: Point): Point => [p[0] * scale, p[1] * scale];
  if (pts.length === 1) {
    stampSegment(buf, at(pts[0] as Point), at(pts[0] as Point), r, stroke.softness ?? 0, stroke.erase ?? false);
    return;
  }
  for (let i = 1; i < pts.length; i++) {
    stampSegment(buf, at(pts[i - 1] as Point), at(pts[i] as Point), r, stroke.softness ?? 0, stroke.erase ?? false);
  }
}

/** The painting at `width`×`height` (the image's size times `scale`), as 0..255 per pixel
 *  with the invert switch applied: the same bytes the core makes at scale 1. */
export function rasterize(painting: MaskPainting, width: number, height: number, scale = 1): Uint8ClampedArray {
  const buf = newBuffer(width, height);
  for (const s of painting.strokes) stampStroke(buf, s, scale);
  return toBytes(buf, painting.invert ?? false);
}

export function toBytes(buf: MaskBuffer, invert: boolean): Uint8ClampedArray {
  const out = new Uint8ClampedArray(buf.values.length);
  for (let i = 0; i < out.length; i++) {
    const byte = Math.round(Math.min(1, Math.max(0, buf.values[i])) * 255);
    out[i] = invert ? 255 - byte : byte;
  }
  return out;
}

/** RGBA pixels for the overlay: the part to change tinted with `rgb` at up to `opacity`. */
export function overlayPixels(mask: Uint8ClampedArray, rgb: [number, number, number], opacity: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(mask.length * 4);
  const top = Math.min(1, Math.max(0, opacity));
  for (let i = 0; i < mask.length; i++) {
    out[i * 4] = rgb[0];
    out[i * 4 + 1] = rgb[1];
    out[i * 4 + 2] = rgb[2];
    out[i * 4 + 3] = Math.round(mask[i] * top);
  }
  return out;
}

/** The overlay buffer's size for an image shown `boxWidth` CSS pixels wide: at most the
 *  screen's pixels, never more than the image's own, never zero. */
export function overlaySize(image: { width: number; height: number }, boxWidth: number, dpr: number): { width: number; height: number; scale: number } {
  const target = Math.max(1, Math.round(boxWidth * Math.max(1, dpr)));
  const scale = Math.min(1, target / Math.max(1, image.width));
  return {
    width: Math.max(1, Math.round(image.width * scale)),
    height: Math.max(1, Math.round(image.height * scale)),
    scale,
  };
}

export type Sides = { left: number; right: number; up: number; down: number };

/** An outpaint's new canvas: its size and where the original sits in it, as fractions for
 *  the preview. Each side is a whole number of pixels from 0 to `maxExtend` (when given). */
export function extendedCanvas(image: { width: number; height: number }, sides: Sides, maxExtend: number | null) {
  const clamp = (v: number) => {
    const n = Number.isFinite(v) ? Math.max(0, Math.round(v)) : 0;
    return maxExtend === null ? n : Math.min(maxExtend, n);
  };
  const s: Sides = { left: clamp(sides.left), right: clamp(sides.right), up: clamp(sides.up), down: clamp(sides.down) };
  const width = image.width + s.left + s.right;
  const height = image.height + s.up + s.down;
  return {
    sides: s,
    width,
    height,
    /** The original's box within the new canvas, each as a fraction of the canvas. */
    inner: { left: s.left / width, top: s.up / height, width: image.width / width, height: image.height / height },
    grows: s.left + s.right + s.up + s.down > 0,
  };
}

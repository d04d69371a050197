import { describe, expect, it } from 'vitest';
import type { MaskPainting, MaskStroke } from '$lib/ipc';
import {
  coverage,
  extendStroke,
  extendedCanvas,
  imageRadius,
  isEmpty,
  overlayPixels,
  overlaySize,
  pointCount,
  rasterize,
  toImagePoint,
} from '$lib/logic/mask';

const at = (bytes: Uint8ClampedArray, width: number, x: number, y: number) => bytes[y * width + x];
const stroke = (points: [number, number][], radius: number, extra: Partial<MaskStroke> = {}): MaskStroke => ({
  points,
  radius,
  erase: false,
  softness: 0,
  ...extra,
});

describe('brush stamping', () => {
  // The same cases as the core's painting tests: the overlay must match what is sent.
  it('a hard dab paints a disc', () => {
    const m = rasterize({ strokes: [stroke([[10, 10]], 4)], invert: false }, 20, 20);
    expect(m.length).toBe(400);
    expect(at(m, 20, 10, 10)).toBe(255);
    expect(at(m, 20, 12, 10)).toBe(255);
    expect(at(m, 20, 16, 10)).toBe(0);
    expect(at(m, 20, 0, 0)).toBe(0);
  });

  it('a stroke covers the whole segment between its points', () => {
    const m = rasterize({ strokes: [stroke([[2, 5], [18, 5]], 2)], invert: false }, 20, 10);
    for (let x = 2; x <= 17; x++) expect(at(m, 20, x, 5)).toBe(255);
    expect(at(m, 20, 10, 0)).toBe(0);
    expect(at(m, 20, 10, 9)).toBe(0);
  });

  it('soft edges fade from the centre to nothing at the radius', () => {
    const m = rasterize({ strokes: [stroke([[2, 5], [18, 5]], 4, { softness: 1 })], invert: false }, 20, 10);
    const centre = at(m, 20, 10, 5);
    const edge = at(m, 20, 10, 7);
    expect(centre).toBeGreaterThan(200);
    expect(edge).toBeGreaterThan(0);
    expect(edge).toBeLessThan(centre);
    expect(at(m, 20, 10, 9)).toBe(0);
    expect(coverage(0, 4, 0.5)).toBe(1);
    expect(coverage(3, 4, 0.5)).toBeCloseTo(0.5);
    expect(coverage(4, 4, 0.5)).toBe(0);
    expect(coverage(1, 4, Number.NaN)).toBe(1);
  });

  it('the eraser removes paint and invert swaps what changes', () => {
    const painting: MaskPainting = {
      strokes: [stroke([[2, 5], [18, 5]], 4), stroke([[10, 5]], 2, { erase: true })],
      invert: true,
    };
    const m = rasterize(painting, 20, 10);
    expect(at(m, 20, 10, 5)).toBe(255); // erased, then inverted
    expect(at(m, 20, 4, 5)).toBe(0); // painted, then inverted
    expect(at(m, 20, 10, 0)).toBe(255); // unpainted, then inverted
  });

  it('paints at a smaller scale for the overlay', () => {
    const painting: MaskPainting = { strokes: [stroke([[100, 100]], 40)], invert: false };
    const m = rasterize(painting, 50, 50, 0.25);
    expect(at(m, 50, 25, 25)).toBe(255);
    expect(at(m, 50, 25 + 8, 25)).toBe(255);
    expect(at(m, 50, 25 + 12, 25)).toBe(0);
  });

  it('skips points closer than a quarter radius, and counts the rest', () => {
    const s = stroke([], 8);
    expect(extendStroke(s, [0, 0])).toBe(true);
    expect(extendStroke(s, [1, 1])).toBe(false);
    expect(extendStroke(s, [3, 0])).toBe(true);
    expect(s.points).toEqual([
      [0, 0],
      [3, 0],
    ]);
    expect(pointCount({ strokes: [s, stroke([[1, 1]], 2)], invert: false })).toBe(3);
  });

  it('knows when nothing is painted', () => {
    expect(isEmpty({ strokes: [], invert: false })).toBe(true);
    expect(isEmpty({ strokes: [stroke([[1, 1]], 2, { erase: true })], invert: false })).toBe(true);
    expect(isEmpty({ strokes: [], invert: true })).toBe(false);
    expect(isEmpty({ strokes: [stroke([[1, 1]], 2)], invert: false })).toBe(false);
  });
});

describe('resampling between the screen and the image', () => {
  const box = { left: 100, top: 50, width: 400, height: 300 };
  const image = { width: 1600, height: 1200 };

  it('maps pointer positions to image pixels, clamped to the image', () => {
    expect(toImagePoint(100, 50, box, image)).toEqual([0, 0]);
    expect(toImagePoint(300, 200, box, image)).toEqual([800, 600]);
    expect(toImagePoint(500, 350, box, image)).toEqual([1600, 1200]);
    expect(toImagePoint(0, 1000, box, image)).toEqual([0, 1200]);
  });

  it('scales the brush to image pixels', () => {
    expect(imageRadius(10, 400, 1600)).toBe(40);
    expect(imageRadius(10, 0, 1600)).toBe(10);
    expect(imageRadius(0.01, 400, 100)).toBe(0.5);
  });

  it('sizes the overlay to the screen, never above the image', () => {
    expect(overlaySize(image, 400, 2)).toEqual({ width: 800, height: 600, scale: 0.5 });
    expect(overlaySize({ width: 256, height: 256 }, 400, 2)).toEqual({ width: 256, height: 256, scale: 1 });
  });

  it('tints the overlay by the mask', () => {
    const px = overlayPixels(new Uint8ClampedArray([0, 255, 128]), [255, 0, 0], 0.5);
    expect(Array.from(px.slice(0, 4))).toEqual([255, 0, 0, 0]);
    expect(Array.from(px.slice(4, 8))).toEqual([255, 0, 0, 128]);
    expect(px[11]).toBe(64);
  });
});

describe('outpaint canvas', () => {
  it('grows the canvas by each side and places the original in it', () => {
    const c = extendedCanvas({ width: 1000, height: 500 }, { left: 500, right: 0, up: 250, down: 250 }, null);
    expect([c.width, c.height]).toEqual([1500, 1000]);
    expect(c.inner).toEqual({ left: 1 / 3, top: 0.25, width: 2 / 3, height: 0.5 });
    expect(c.grows).toBe(true);
  });

  it('keeps each side whole, not negative, and within the provider limit', () => {
    const c = extendedCanvas({ width: 100, height: 100 }, { left: -5, right: 3.6, up: 5000, down: Number.NaN }, 2000);
    expect(c.sides).toEqual({ left: 0, right: 4, up: 2000, down: 0 });
    expect(extendedCanvas({ width: 10, height: 10 }, { left: 0, right: 0, up: 0, down: 0 }, null).grows).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { canvasScale, gridLayout, MAX_CANVAS_PX, moveIndex, needsMore, rowCount, scrollToRow, visibleRows } from '$lib/logic/grid';

describe('grid windowing maths', () => {
  it('fits as many columns as the minimum tile allows and fills the width', () => {
    const l = gridLayout(1000, 180, 8);
    expect(l.columns).toBe(5); // 5*180 + 4*8 = 932 <= 1000; 6 would need 1120
    expect(l.tile * l.columns + l.gap * (l.columns - 1)).toBeLessThanOrEqual(1000);
    expect(l.tile).toBeGreaterThanOrEqual(180);
    expect(l.rowHeight).toBe(l.tile + 8);
    expect(gridLayout(50).columns).toBe(1);
    expect(gridLayout(0).columns).toBe(1);
  });

  it('counts rows including a partial last row', () => {
    expect(rowCount(0, 5)).toBe(0);
    expect(rowCount(10, 5)).toBe(2);
    expect(rowCount(11, 5)).toBe(3);
  });

  it('renders only the rows in view plus overscan, for 100,000 items too', () => {
    const rows = rowCount(100_000, 6);
    const r = visibleRows(50_000, 800, 200, rows, 2);
    expect(r.start).toBe(248);
    expect(r.end).toBe(256);
    expect(r.end - r.start).toBeLessThan(12);
    expect(visibleRows(0, 800, 200, rows, 2)).toEqual({ start: 0, end: 6 });
    expect(visibleRows(1e9, 800, 200, 10, 2).end).toBe(10);
    expect(visibleRows(0, 800, 200, 0)).toEqual({ start: 0, end: 0 });
  });

  it('asks for the next page only near the loaded end', () => {
    expect(needsMore(10, 40)).toBe(false);
    expect(needsMore(34, 40)).toBe(true);
  });

  it('scrolls only as far as needed to reveal a row', () => {
    expect(scrollToRow(5, 100, 0, 300)).toBe(300); // row 5 bottom at 600 → 600-300
    expect(scrollToRow(1, 100, 0, 300)).toBeNull();
    expect(scrollToRow(1, 100, 250, 300)).toBe(100);
  });

  it('moves focus by arrow keys and clamps at the ends', () => {
    expect(moveIndex(7, 'ArrowRight', 5, 20)).toBe(8);
    expect(moveIndex(7, 'ArrowDown', 5, 20)).toBe(12);
    expect(moveIndex(17, 'ArrowDown', 5, 20)).toBe(19);
    expect(moveIndex(2, 'ArrowUp', 5, 20)).toBe(0);
    expect(moveIndex(0, 'ArrowLeft', 5, 20)).toBe(0);
    expect(moveIndex(3, 'End', 5, 20)).toBe(19);
    expect(moveIndex(3, 'PageDown', 5, 100, 4)).toBe(23);
    expect(moveIndex(3, 'x', 5, 20)).toBe(3);
  });

  it('draws a list taller than a web engine can lay out on a canvas it can, end to end', () => {
    // 10,000 images in 5 columns of 211 px fit as they are.
    expect(canvasScale(2_000 * 211, 800)).toEqual({ height: 2_000 * 211, ratio: 1 });
    // A million in 5 columns is 42 million px: the canvas stays under the engines' limit.
    const full = 200_000 * 211;
    const { height, ratio } = canvasScale(full, 800);
    expect(height).toBe(MAX_CANVAS_PX);
    expect(height).toBeLessThan(2 ** 31 / 64);
    expect(ratio).toBeCloseTo(1.41, 2);
    // Scrolled to the canvas's end, the view reaches the list's end.
    const lastScroll = height - 800;
    expect(lastScroll * ratio + 800).toBeCloseTo(full, 0);
    // Even a very narrow window (one column) of a million images scrolls end to end.
    const narrow = canvasScale(1_000_000 * 211, 600);
    expect((narrow.height - 600) * narrow.ratio + 600).toBeCloseTo(1_000_000 * 211, 0);
  });
});

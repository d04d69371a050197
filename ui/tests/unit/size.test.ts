import { describe, expect, it } from 'vitest';
import { checkCustomSize, parseSize } from '$lib/logic/size';

const rule = { multiple_of: 16, min_edge: 256, max_edge: 3840, max_pixels: 8_294_400, min_pixels: 262_144, max_aspect: 3 };

describe('custom size validation', () => {
  it('accepts sizes inside every limit', () => {
    expect(checkCustomSize(1536, 864, rule)).toEqual({ ok: true });
    expect(checkCustomSize(3840, 2160, rule)).toEqual({ ok: true });
    expect(checkCustomSize(768, 2304, rule)).toEqual({ ok: true }); // exactly 3:1
  });

  it('rejects edges that are not multiples', () => {
    const r = checkCustomSize(1000, 1024, rule);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toContain('multiples of 16');
  });

  it('rejects edges outside min/max', () => {
    const small = checkCustomSize(240, 1024, rule);
    expect(small.ok === false && small.problem).toContain('at least 256');
    const big = checkCustomSize(4096, 1024, rule);
    expect(big.ok === false && big.problem).toContain('at most 3840');
  });

  it('rejects aspect ratios past the limit in either orientation', () => {
    for (const [w, h] of [[2400, 784], [784, 2400]]) {
      const r = checkCustomSize(w, h, rule);
      expect(r.ok === false && r.problem).toContain('3:1');
    }
  });

  it('rejects totals outside the pixel budget', () => {
    const r = checkCustomSize(3840, 2400, { ...rule, max_edge: 4000 });
    expect(r.ok === false && r.problem).toMatch(/At most 8\.29 MP/);
    const tiny = checkCustomSize(256, 512, rule);
    expect(tiny.ok === false && tiny.problem).toMatch(/At least/);
  });

  it('rejects blanks and fractions', () => {
    expect(checkCustomSize(Number.NaN, 1024, rule).ok).toBe(false);
    expect(checkCustomSize(1024.5, 1024, rule).ok).toBe(false);
    expect(checkCustomSize(0, 1024, rule).ok).toBe(false);
  });

  it('parses WxH and leaves presets alone', () => {
    expect(parseSize('1536x1024')).toEqual({ width: 1536, height: 1024 });
    expect(parseSize('auto')).toBeNull();
  });
});

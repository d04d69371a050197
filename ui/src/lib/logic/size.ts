import type { CustomSizeRule } from '$lib/ipc';

export type SizeCheck = { ok: true } | { ok: false; problem: string };

/** Parses "1024x1536"; null for presets like "auto". */
export function parseSize(size: string): { width: number; height: number } | null {
  const m = /^(\d+)x(\d+)$/.exec(size);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : null;
}

/** Live validation of a custom WxH against the model's rule, in the order a person fixes them. */
export function checkCustomSize(width: number, height: number, rule: CustomSizeRule): SizeCheck {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    return { ok: false, problem: 'Enter a width and height in whole pixels.' };
  }
  if (width % rule.multiple_of !== 0 || height % rule.multiple_of !== 0) {
    return { ok: false, problem: `Both edges must be multiples of ${rule.multiple_of} px.` };
  }
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  if (short < rule.min_edge) return { ok: false, problem: `Each edge must be at least ${rule.min_edge} px.` };
  if (long > rule.max_edge) return { ok: false, problem: `Each edge must be at most ${rule.max_edge} px.` };
  if (long / short > rule.max_aspect) {
    return { ok: false, problem: `The long edge may be at most ${rule.max_aspect}× the short edge (${rule.max_aspect}:1).` };
  }
  const pixels = width * height;
  if (pixels > rule.max_pixels) {
    return { ok: false, problem: `At most ${formatPixels(rule.max_pixels)} in total (this is ${formatPixels(pixels)}).` };
  }
  if (pixels < rule.min_pixels) {
    return { ok: false, problem: `At least ${formatPixels(rule.min_pixels)} in total (this is ${formatPixels(pixels)}).` };
  }
  return { ok: true };
}

function formatPixels(pixels: number): string {
  return pixels >= 1_000_000 ? `${(pixels / 1_000_000).toFixed(2)} MP` : `${pixels.toLocaleString('en-US')} px`;
}

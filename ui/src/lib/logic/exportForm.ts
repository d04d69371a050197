import type { ExportOptions, ExportSize } from '$lib/ipc';

export function defaultExportOptions(includePrompt: boolean): ExportOptions {
  return {
    format: 'png',
    size: { kind: 'original' },
    dpi: null,
    jpeg_quality: 90,
    background: [255, 255, 255],
    include_prompt: includePrompt,
    license_note: true,
    sign: true,
    caption: null,
    alt_text: null,
  };
}

export function hexToRgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [255, 255, 255];
}

export function rgbToHex([r, g, b]: [number, number, number]): string {
  return `#${[r, g, b].map((v) => Math.min(255, Math.max(0, Math.round(v))).toString(16).padStart(2, '0')).join('')}`;
}

/** A size the backend can plan; null with a reason when an input is out of range. */
export function sizeProblem(size: ExportSize): string | null {
  switch (size.kind) {
    case 'original':
      return null;
    case 'long_edge':
      return Number.isInteger(size.px) && size.px >= 16 && size.px <= 20000 ? null : 'Long edge: 16 to 20,000 px.';
    case 'physical_width':
      if (!(size.inches > 0 && size.inches <= 200)) return 'Width: more than 0 and at most 200 inches.';
      return Number.isInteger(size.dpi) && size.dpi >= 36 && size.dpi <= 2400 ? null : 'DPI: 36 to 2,400.';
    case 'fit':
      return Number.isInteger(size.width) && Number.isInteger(size.height) && size.width >= 16 && size.height >= 16 && size.width <= 20000 && size.height <= 20000
        ? null
        : 'Box: 16 to 20,000 px each side.';
  }
}

export function inchesToCm(inches: number): number {
  return inches * 2.54;
}

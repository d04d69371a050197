// Pure windowing maths for the library grid: fixed-height rows derived from the container width.

export type GridLayout = {
  columns: number;
  tile: number;
  gap: number;
  rowHeight: number;
};

export function gridLayout(containerWidth: number, minTile = 180, gap = 8): GridLayout {
  const width = Math.max(0, containerWidth);
  const columns = Math.max(1, Math.floor((width + gap) / (minTile + gap)));
  const tile = Math.max(1, Math.floor((width - gap * (columns - 1)) / columns));
  return { columns, tile, gap, rowHeight: tile + gap };
}

/**
 * The tallest canvas the grid lays out. Web engines place boxes in 1/64 px steps held in 32
 * bits, so nothing lies beyond about 33.5 million px: a million images in 5 columns (42
 * million px) would be cut short. A taller list is drawn on a canvas this tall.
 */
export const MAX_CANVAS_PX = 30_000_000;

/**
 * How a list `full` px tall sits on the canvas: the canvas's height, and how many list px
 * one scrolled px moves (1 unless the list is taller than `max`). The list's top and end meet
 * the canvas's; in between, scrolling moves the list `ratio` times as far.
 */
export function canvasScale(full: number, viewport: number, max = MAX_CANVAS_PX): { height: number; ratio: number } {
  if (full <= max) return { height: Math.max(0, full), ratio: 1 };
  const view = Math.min(Math.max(0, viewport), max / 2);
  return { height: max, ratio: (full - view) / (max - view) };
}

export function rowCount(items: number, columns: number): number {
  return Math.ceil(items / Math.max(1, columns));
}

/** Rows to render for a viewport, with `overscan` extra rows on each side; `end` is exclusive. */
export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  totalRows: number,
  overscan = 2,
): { start: number; end: number } {
  if (totalRows <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewportHeight)) / rowHeight);
  return { start: Math.max(0, first - overscan), end: Math.min(totalRows, last + overscan) };
}

/** True when the rendered window is close enough to the loaded end that the next page is due. */
export function needsMore(endRow: number, totalRows: number, thresholdRows = 6): boolean {
  return endRow >= totalRows - thresholdRows;
}

/** The scrollTop that brings `row` fully into view, or null when it already is. */
export function scrollToRow(row: number, rowHeight: number, scrollTop: number, viewportHeight: number): number | null {
  const top = row * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return null;
}

/** Index reached by an arrow key in a grid of `count` items. */
export function moveIndex(index: number, key: string, columns: number, count: number, pageRows = 1): number {
  if (count <= 0) return -1;
  let next = index;
  switch (key) {
    case 'ArrowLeft': next = index - 1; break;
    case 'ArrowRight': next = index + 1; break;
    case 'ArrowUp': next = index - columns; break;
    case 'ArrowDown': next = index + columns; break;
    case 'PageUp': next = index - columns * pageRows; break;
    case 'PageDown': next = index + columns * pageRows; break;
    case 'Home': next = 0; break;
    case 'End': next = count - 1; break;
    default: return index;
  }
  return Math.min(count - 1, Math.max(0, next));
}

import { readStored, writeStored } from '$lib/logic/stored';

export type View = 'generate' | 'library' | 'duplicates' | 'settings';

/** Pages the window reopens on, as it was left: where work happens. Settings and the
 *  duplicate review are errands; leaving from one reopens on the page before it. */
const REOPENED: readonly View[] = ['generate', 'library'];
const VIEW_KEY = 'easel.view.v1';

/** Which page is shown; an open image sits on top of the page it was opened from. */
export class Navigation {
  view = $state<View>(readView());
  imageId = $state<string | null>(null);
  /** Images the export dialog is open for; null when it is closed. */
  exportIds = $state<string[] | null>(null);

  go(view: View): void {
    this.view = view;
    this.imageId = null;
    if (REOPENED.includes(view)) writeStored(VIEW_KEY, view);
  }

  openImage(id: string): void {
    this.imageId = id;
  }

  closeImage(): void {
    this.imageId = null;
  }

  openExport(ids: string[]): void {
    if (ids.length > 0) this.exportIds = [...ids];
  }

  closeExport(): void {
    this.exportIds = null;
  }
}

function readView(): View {
  const stored = readStored(VIEW_KEY);
  return REOPENED.find((v) => v === stored) ?? 'generate';
}

export type View = 'generate' | 'library' | 'duplicates' | 'settings';

/** Which page is shown; an open image sits on top of the page it was opened from. */
export class Navigation {
  view = $state<View>('generate');
  imageId = $state<string | null>(null);
  /** Images the export dialog is open for; null when it is closed. */
  exportIds = $state<string[] | null>(null);

  go(view: View): void {
    this.view = view;
    this.imageId = null;
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

// The window's import: one at a time, kept here rather than in the Library view so that its
// progress and summary survive going to Generate and back.
import { api, toIpcError, type ImportProgress, type ImportSummary, type IpcError } from '$lib/ipc';

/** How often, at most, the grid re-queries while an import adds images. */
export const GROW_INTERVAL_MS = 1000;

export class ImportRun {
  running = $state(false);
  cancelling = $state(false);
  progress = $state<ImportProgress | null>(null);
  summary = $state<ImportSummary | null>(null);
  error = $state<IpcError | null>(null);
  recursive = $state(true);
  /** Called with the summary when images were added (the library re-queries). */
  onImported: (summary: ImportSummary) => void = () => {};
  /**
   * Called while the import runs, when images were added since the last call and at most once
   * per `GROW_INTERVAL_MS`, so the grid shows them as they arrive (re-queried in place).
   */
  onGrew: () => void = () => {};
  #shownImported = 0;
  #lastGrew = 0;
  /** The clock, replaceable in tests. */
  now: () => number = () => Date.now();

  #progressed(p: ImportProgress): void {
    this.progress = p;
    if (p.imported <= this.#shownImported) return;
    const now = this.now();
    if (now - this.#lastGrew < GROW_INTERVAL_MS) return;
    this.#shownImported = p.imported;
    this.#lastGrew = now;
    this.onGrew();
  }

  async start(paths: string[]): Promise<void> {
    if (this.running || paths.length === 0) return;
    this.running = true;
    this.cancelling = false;
    this.progress = null;
    this.summary = null;
    this.error = null;
    this.#shownImported = 0;
    // The first images show at once; then at most once per interval.
    this.#lastGrew = -Infinity;
    try {
      const summary = await api.importImages(paths, this.recursive, (p) => this.#progressed(p));
      this.summary = summary;
      if (summary.imported.length > 0) this.onImported(summary);
    } catch (e) {
      this.error = toIpcError(e);
    } finally {
      this.running = false;
    }
  }

  async pickFolder(): Promise<void> {
    try {
      const folder = await api.chooseImportFolder();
      if (folder) await this.start([folder]);
    } catch (e) {
      this.error = toIpcError(e);
    }
  }

  async pickFiles(): Promise<void> {
    try {
      await this.start(await api.chooseImportFiles());
    } catch (e) {
      this.error = toIpcError(e);
    }
  }

  async cancel(): Promise<void> {
    this.cancelling = true;
    try {
      await api.cancelImport();
    } catch (e) {
      this.error = toIpcError(e);
    }
  }

  dismiss(): void {
    this.summary = null;
    this.error = null;
  }
}
